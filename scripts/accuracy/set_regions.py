"""Regions set: sounds separated by known silences, with boundaries measured on each sound's own stem.

Each event (a General MIDI note or short phrase rendered with fluidsynth, or a Hydrogen drum hit) is rendered
alone and scaled to its level in the mix. Its truth region runs from the first to the last frame whose absolute
sample value (either channel) exceeds -60 dBFS in that scaled stem. Events are then placed so that each region
begins a chosen silence after the previous region's end; the file is the sum of the stems. The gaps between
regions therefore contain only what was below -60 dBFS in every stem.
"""

from __future__ import annotations

import os

import numpy as np

import corpus_lib as cl

ITEMS = 40
THRESHOLD_DBFS = -60.0

NOTE_PROGRAMS = [0, 4, 11, 24, 25, 33, 38, 46, 56, 71, 73, 80, 81]
KIT_CHOICES = ["The Black Pearl 1.0", "HardElectro1", "Audiophob", "VariBreaks", "Millo_MultiLayered2"]


def plan(rng: np.random.Generator) -> list[dict]:
    items = []
    for i in range(ITEMS):
        n_events = int(rng.integers(2, 6))
        events = []
        for _ in range(n_events):
            kind = str(rng.choice(["note", "phrase", "drum"], p=[0.4, 0.3, 0.3]))
            ev = {"kind": kind, "level_dbfs": round(float(rng.uniform(-15.0, -3.0)), 2),
                  "gap_s": round(float(rng.uniform(0.4, 2.0)), 3)}
            if kind == "drum":
                ev["kit"] = str(rng.choice(KIT_CHOICES))
                ev["role"] = str(rng.choice(["kick", "snare", "chh", "tom"]))
            else:
                ev["program"] = int(rng.choice(NOTE_PROGRAMS))
                base = int(rng.integers(45, 80))
                count = 1 if kind == "note" else int(rng.integers(3, 7))
                ev["notes"] = [base + int(rng.choice([0, 2, 3, 4, 5, 7, -2, -3])) for _ in range(count)]
                ev["note_s"] = round(float(rng.uniform(0.15, 0.9)), 3)
            events.append(ev)
        items.append({"name": f"regions_{i:03d}_{n_events}ev", "events": events,
                      "lead_s": round(float(rng.uniform(0.2, 1.5)), 3),
                      "trail_s": round(float(rng.uniform(0.5, 1.5)), 3)})
    return items


def _stem(ev: dict, midi_path: str) -> np.ndarray:
    if ev["kind"] == "drum":
        kit = cl.KitPlayer(ev["kit"])
        role = ev["role"] if kit.has(ev["role"]) else "snare"
        return kit.sample(role, 0.9, max_s=2.5)
    song = cl.Song(bpm=120.0, programs={0: ev["program"]}, tail_beats=6.0)
    beat = 0.0
    for n in ev["notes"]:
        song.add(beat, ev["note_s"] * 2.0, n, 100, 0)
        beat += ev["note_s"] * 2.0
    return cl.render_song(song, midi_path)


def build(spec: dict, out_dir: str) -> dict:
    threshold = 10.0 ** (THRESHOLD_DBFS / 20.0)
    placed = []
    regions = []
    pos_s = spec["lead_s"]
    for k, ev in enumerate(spec["events"]):
        midi_rel = os.path.join("midi", "regions", f"{spec['name']}_ev{k}.mid")
        midi_path = os.path.join(out_dir, midi_rel)
        os.makedirs(os.path.dirname(midi_path), exist_ok=True)
        raw = _stem(ev, midi_path)
        if not raw.size or float(np.max(np.abs(raw))) < 1e-4:
            raise RuntimeError(f"{spec['name']}: event {k} rendered silent ({ev})")
        stem = cl.normalize_peak(raw, ev["level_dbfs"])
        # Quantise as the 16-bit file will, so a tail that only exists below one LSB does not count as sound.
        stem = np.round(stem * 32768.0) / 32768.0
        above = np.nonzero(np.max(np.abs(stem), axis=1) > threshold)[0]
        first, last = int(above[0]), int(above[-1])
        # Whole-frame placement keeps the measured boundaries exact in the mix.
        start_frame = round(pos_s * cl.RATE_HZ)
        offset = start_frame - first
        placed.append((offset, stem))
        start_s = start_frame / cl.RATE_HZ
        end_s = (start_frame + (last - first) + 1) / cl.RATE_HZ
        regions.append({"start_s": round(start_s, 5), "end_s": round(end_s, 5), "kind": ev["kind"],
                        "source": ev.get("kit", cl.GM_NAMES.get(ev.get("program", -1)))})
        pos_s = end_s + (ev["gap_s"] if k + 1 < len(spec["events"]) else spec["trail_s"])
    total = round(pos_s * cl.RATE_HZ)
    mix = np.zeros((total, 2))
    for offset, stem in placed:
        cl.mix_at(mix, stem, offset / cl.RATE_HZ)
    rel = os.path.join("regions", spec["name"] + ".wav")
    cl.write_wav(os.path.join(out_dir, rel), mix)
    return {"path": rel, "set": "regions", "regions": regions, "threshold_dbfs": THRESHOLD_DBFS,
            "duration_s": round(total / cl.RATE_HZ, 5)}
