#!/usr/bin/env bash
# Regenerates the tiny decoder fixtures in crates/tonewheel-audio/tests/fixtures/.
#
# The source signal is defined here and re-computed by the tests (tests/common/mod.rs,
# `fixture_signal`), so a decoded fixture can be compared with the exact signal:
#   16 kHz, 0.25 s (4000 frames), 10 ms raised-cosine fades at both ends,
#   left/mono  = 0.5 sin(2 pi 440 t) + 0.25 sin(2 pi 1250 t)
#   right      = 0.4 sin(2 pi 660 t)           (stereo fixtures only)
# Needs python3 and ffmpeg (Debian: apt-get install ffmpeg). Output: ~170 KB in all.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/crates/tonewheel-audio/tests/fixtures"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" <<'PY'
import math, struct, sys
rate, n, fade = 16000, 4000, 160
def env(i):
    if i < fade: return 0.5 - 0.5 * math.cos(math.pi * i / fade)
    if i >= n - fade: return 0.5 - 0.5 * math.cos(math.pi * (n - 1 - i) / fade)
    return 1.0
left = [env(i) * (0.5 * math.sin(2 * math.pi * 440 * i / rate) + 0.25 * math.sin(2 * math.pi * 1250 * i / rate)) for i in range(n)]
right = [env(i) * 0.4 * math.sin(2 * math.pi * 660 * i / rate) for i in range(n)]
with open(sys.argv[1] + "/mono.f64", "wb") as f:
    f.write(struct.pack("<%dd" % n, *left))
with open(sys.argv[1] + "/stereo.f64", "wb") as f:
    f.write(struct.pack("<%dd" % (2 * n), *[v for pair in zip(left, right) for v in pair]))
PY

ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
mono=(-f f64le -ar 16000 -ac 1 -i "$tmp/mono.f64")
stereo=(-f f64le -ar 16000 -ac 2 -i "$tmp/stereo.f64")

ff "${mono[@]}" -c:a pcm_u8 "$out/pcm_u8_mono.wav"
ff "${stereo[@]}" -c:a pcm_s16le "$out/pcm_s16_stereo.wav"
ff "${mono[@]}" -c:a pcm_s24le "$out/pcm_s24_mono.wav"
ff "${mono[@]}" -c:a pcm_s32le "$out/pcm_s32_mono.wav"
ff "${mono[@]}" -c:a pcm_f32le "$out/float32_mono.wav"
ff "${mono[@]}" -c:a pcm_f64le "$out/float64_mono.wav"
# ffmpeg writes WAVE_FORMAT_EXTENSIBLE (format tag 0xFFFE) for more than 16 bits per sample.
ff "${stereo[@]}" -c:a pcm_s24le "$out/extensible_s24_stereo.wav"
ff "${stereo[@]}" -c:a flac -sample_fmt s16 "$out/tone_stereo.flac"
ff "${mono[@]}" -c:a libmp3lame -b:a 64k "$out/tone_mono.mp3"
ff "${mono[@]}" -c:a libvorbis -q:a 4 "$out/tone_mono.ogg"
ff "${mono[@]}" -c:a aac -b:a 64k "$out/tone_aac_mono.m4a"
ff "${stereo[@]}" -c:a alac "$out/tone_alac_stereo.m4a"
ls -l "$out"
du -sh "$out"
