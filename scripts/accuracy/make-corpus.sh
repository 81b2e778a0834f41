#!/usr/bin/env bash
# Builds the tempo/key/pitch/regions accuracy corpus (see scripts/accuracy/README.md).
#
#   scripts/accuracy/make-corpus.sh [OUT_DIR]        default: ${TONEWHEEL_CORPUS:-$HOME/.cache/tonewheel-corpus}
#
# Installs what is missing: Debian packages fluidsynth, fluid-soundfont-gm, hydrogen-drumkits, sox (with sudo
# when not root), and a Python venv in OUT_DIR/venv with numpy, soundfile, mido and mir_eval. The audio is
# rendered into OUT_DIR; nothing is written into the repository. Env: SEED (default in build_corpus.py),
# JOBS (default 2), SETS (default tempo,key,pitch,regions).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-${TONEWHEEL_CORPUS:-$HOME/.cache/tonewheel-corpus}}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

need_pkgs=()
command -v fluidsynth >/dev/null || need_pkgs+=(fluidsynth)
command -v sox >/dev/null || need_pkgs+=(sox)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need_pkgs+=(fluid-soundfont-gm)
[ -d /usr/share/hydrogen/data/drumkits ] || need_pkgs+=(hydrogen-drumkits)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install: ${need_pkgs[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "installing Debian packages: ${need_pkgs[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${need_pkgs[@]}"
fi

venv="$out/venv"
if [ ! -x "$venv/bin/python" ]; then
    echo "creating the Python venv in $venv"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy, soundfile, mido, mir_eval' 2>/dev/null; then
    "$venv/bin/pip" install -q --disable-pip-version-check numpy soundfile mido mir_eval
fi

start=$(date +%s)
seed_args=()
[ -n "${SEED:-}" ] && seed_args=(--seed "$SEED")
nice -n 15 "$venv/bin/python" "$here/build_corpus.py" "$out" --jobs "${JOBS:-2}" \
    --sets "${SETS:-tempo,key,pitch,regions}" "${seed_args[@]}"
echo "built in $(( $(date +%s) - start )) s; size $(du -sh --exclude=venv "$out" | cut -f1) (without the venv)"
