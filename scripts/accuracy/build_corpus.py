"""Builds the accuracy corpus: tempo, key, pitch and regions sets, `truth.jsonl` and `MANIFEST`.

Usage: build_corpus.py OUT_DIR [--seed N] [--jobs N] [--sets tempo,key,pitch,regions]

Deterministic: every item's parameters come from a generator seeded with (seed, set index), decided before any
rendering, so the parallel build produces the same files and truth on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import corpus_lib as cl
import set_key
import set_pitch
import set_regions
import set_tempo

SETS = {"tempo": set_tempo, "key": set_key, "pitch": set_pitch, "regions": set_regions}
DEFAULT_SEED = 20261122
# Present on every truth line (null where a set has no such truth) so consumers need no per-set schema.
COMMON_FIELDS = ("path", "set", "bpm", "key", "mode", "midi", "regions", "genre", "instrument")


def _dpkg_version(package: str) -> str:
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                             check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not installed with dpkg)"


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _kit_licence(kit: str) -> str:
    import xml.etree.ElementTree as ET

    root = ET.parse(os.path.join(cl.DRUMKITS_DIR, kit, "drumkit.xml")).getroot()
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.split("}")[-1] == "license" and el.text:
            return " ".join(el.text.split())
    return "not stated in drumkit.xml (see /usr/share/doc/hydrogen-drumkits/copyright)"


def write_manifest(out_dir: str, seed: int, counts: dict[str, int], built: list[str], elapsed_s: float) -> None:
    kits = sorted(set(set_tempo.ELECTRONIC_KITS + set_tempo.ACOUSTIC_KITS + set_regions.KIT_CHOICES))
    fluidsynth = subprocess.run(["fluidsynth", "--version"], capture_output=True, text=True,
                                check=False).stdout.splitlines()
    lines = [
        "# tonewheel accuracy corpus",
        f"seed: {seed}",
        f"built_utc: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        f"sets_built_last: {','.join(built)}",
        f"build_seconds: {elapsed_s:.1f}",
        f"items: {json.dumps(counts)}",
        f"sample_rate_hz: {cl.RATE_HZ}",
        "",
        "## sources",
        f"soundfont: {cl.SF2_PATH}",
        f"soundfont_sha256: {_sha256(cl.SF2_PATH)}",
        f"debian fluid-soundfont-gm: {_dpkg_version('fluid-soundfont-gm')} (FluidR3_GM by Frank Wen, MIT licence)",
        f"debian hydrogen-drumkits: {_dpkg_version('hydrogen-drumkits')}",
        f"drumkits_dir: {cl.DRUMKITS_DIR}",
    ]
    for kit in kits:
        lines.append(f"  kit {kit!r}: licence {_kit_licence(kit)!r}")
    lines += [
        "",
        "## tools",
        f"debian fluidsynth: {_dpkg_version('fluidsynth')} ({fluidsynth[0] if fluidsynth else '?'})",
        f"debian sox: {_dpkg_version('sox')}",
        f"python: {sys.version.split()[0]}",
    ]
    for pkg in ("numpy", "soundfile", "mido"):
        lines.append(f"python {pkg}: {importlib.metadata.version(pkg)}")
    with open(os.path.join(out_dir, "MANIFEST"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", default=",".join(SETS))
    args = ap.parse_args()
    wanted = [s for s in args.sets.split(",") if s]
    for s in wanted:
        if s not in SETS:
            ap.error(f"unknown set {s!r}; known: {', '.join(SETS)}")
    out_dir = os.path.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    started = time.monotonic()
    specs: list[tuple[str, dict]] = []
    for index, name in enumerate(SETS):
        # Plan every set (even unwanted ones) so a set's items do not depend on which others are built.
        plan = SETS[name].plan(np.random.default_rng([args.seed, index]))
        if name in wanted:
            for d in (os.path.join(out_dir, name), os.path.join(out_dir, "midi", name)):
                shutil.rmtree(d, ignore_errors=True)
            specs += [(name, spec) for spec in plan]

    done = [0]

    def run(item: tuple[str, dict]) -> dict:
        name, spec = item
        truth = SETS[name].build(spec, out_dir)
        done[0] += 1
        if done[0] % 25 == 0 or done[0] == len(specs):
            print(f"  {done[0]}/{len(specs)} items ({time.monotonic() - started:.0f} s)", flush=True)
        return truth

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        truths = list(pool.map(run, specs))
    truth_path = os.path.join(out_dir, "truth.jsonl")
    # Rebuilding some sets keeps the other sets' truth lines, in set order.
    kept: dict[str, list[dict]] = {name: [] for name in SETS}
    if os.path.exists(truth_path):
        with open(truth_path) as f:
            for line in f:
                t = json.loads(line)
                if t.get("set") in kept and t["set"] not in wanted:
                    kept[t["set"]].append(t)
    for t in truths:
        kept[t["set"]].append(t)
    truths = [t for name in SETS for t in kept[name]]
    with open(truth_path, "w") as f:
        for t in truths:
            for key in COMMON_FIELDS:
                t.setdefault(key, None)
            f.write(json.dumps(t, sort_keys=True) + "\n")
    counts = {name: len(kept[name]) for name in SETS if kept[name]}
    elapsed = time.monotonic() - started
    write_manifest(out_dir, args.seed, counts, wanted, elapsed)
    print(f"corpus: built {len(specs)} items; truth has {len(truths)} items {counts} in {out_dir} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
