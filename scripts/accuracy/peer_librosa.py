#!/usr/bin/env python3
"""Reference peer: the same four analyses done with librosa, written as `tonewheel analyze --json` lines.

  peer_librosa.py CORPUS_DIR --out librosa.jsonl [--jobs 2] [--sets tempo,key,pitch,regions]
  evaluate.py CORPUS_DIR --from-jsonl librosa.jsonl --label librosa

librosa is installed only in the corpus venv (`make-corpus.sh` does not need it; `pip install librosa` there);
it is never a dependency of tonewheel. Only the field a set scores is computed for its files, to save time:
- tempo: `librosa.beat.beat_track` (default settings: start BPM 120, log-normal tempo prior);
- key: mean `chroma_cqt` correlated with the Krumhansl-Kessler major/minor profiles in all 12 rotations;
- pitch: `librosa.pyin` between 30 Hz and 2200 Hz, median f0 of the voiced frames;
- regions: `librosa.effects.split(top_db=60)`, i.e. 60 dB below the file's loudest frame.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
# Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
ANALYSIS_RATE_HZ = 22050


def analyze(job: tuple[str, str]) -> dict:
    import librosa

    path, set_name = job
    started = time.monotonic()
    out: dict = {"file": path}
    try:
        y, sr = librosa.load(path, sr=ANALYSIS_RATE_HZ, mono=True)
        if set_name == "tempo":
            tempo, beats = librosa.beat.beat_track(y=y, sr=sr)
            out["tempo"] = {"bpm": float(np.atleast_1d(tempo)[0]), "confidence": None,
                            "beats_s": [round(float(t), 4) for t in librosa.frames_to_time(beats, sr=sr)]}
        elif set_name == "key":
            chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
            cands = []
            for tonic in range(12):
                for mode, prof in (("major", KK_MAJOR), ("minor", KK_MINOR)):
                    r = float(np.corrcoef(chroma, np.roll(prof, tonic))[0, 1])
                    cands.append((r, PITCH_CLASSES[tonic], mode))
            cands.sort(reverse=True)
            out["key"] = {"tonic": cands[0][1], "mode": cands[0][2], "confidence": cands[0][0],
                          "candidates": [{"tonic": t, "mode": m, "score": r} for r, t, m in cands[:3]]}
        elif set_name == "pitch":
            f0, voiced, _prob = librosa.pyin(y, fmin=30.0, fmax=2200.0, sr=sr, frame_length=4096)
            f0v = f0[voiced & np.isfinite(f0)]
            if f0v.size:
                hz = float(np.median(f0v))
                midi = float(librosa.hz_to_midi(hz))
                out["pitch"] = {"f0_hz": hz, "midi_note": round(midi), "cents": (midi - round(midi)) * 100,
                                "note_name": librosa.midi_to_note(round(midi)), "confidence": None}
            else:
                out["pitch"] = None
        elif set_name == "regions":
            y_full, sr_full = librosa.load(path, sr=None, mono=True)
            iv = librosa.effects.split(y_full, top_db=60, frame_length=1024, hop_length=256)
            out["regions"] = [{"start_s": float(a) / sr_full, "end_s": float(b) / sr_full} for a, b in iv]
    except Exception as e:  # noqa: BLE001 - the peer reports per-file errors like tonewheel does
        out["error"] = f"{type(e).__name__}: {e}"
    out["elapsed_ms"] = round(1000.0 * (time.monotonic() - started), 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus_dir")
    ap.add_argument("--out", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--sets", default="tempo,key,pitch,regions")
    args = ap.parse_args()
    wanted = set(args.sets.split(","))
    corpus = os.path.abspath(args.corpus_dir)
    jobs = []
    with open(os.path.join(corpus, "truth.jsonl")) as f:
        for line in f:
            t = json.loads(line)
            if t["set"] in wanted:
                jobs.append((os.path.join(corpus, t["path"]), t["set"]))
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool, open(args.out, "w") as out:
        for k, row in enumerate(pool.map(analyze, jobs, chunksize=4), 1):
            out.write(json.dumps(row) + "\n")
            if k % 50 == 0:
                print(f"  {k}/{len(jobs)} ({time.monotonic() - started:.0f} s)", file=sys.stderr, flush=True)
    print(f"librosa peer: {len(jobs)} files in {time.monotonic() - started:.0f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
