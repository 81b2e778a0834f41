"""Key set: chord progressions (and some melodies, bass and drums) written in each of the 24 keys, rendered with
fluidsynth from the General MIDI SoundFont.

Truth is the key the progression was written in. Every progression is a common one for its mode and ends on
the tonic chord, as written music usually does.
"""

from __future__ import annotations

import os

import numpy as np

import corpus_lib as cl

ITEMS_PER_KEY = 3
TARGET_S = 20.0

# (semitones above the tonic, chord quality) per bar.
MAJOR_PROGRESSIONS = {
    "I-V-vi-IV": [(0, "maj"), (7, "maj"), (9, "min"), (5, "maj")],
    "I-vi-IV-V": [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj")],
    "ii-V-I": [(2, "min7"), (7, "dom7"), (0, "maj7"), (0, "maj7")],
    "I-IV-V-I": [(0, "maj"), (5, "maj"), (7, "maj"), (0, "maj")],
}
MINOR_PROGRESSIONS = {
    "i-VI-III-VII": [(0, "min"), (8, "maj"), (3, "maj"), (10, "maj")],
    "i-iv-V-i": [(0, "min"), (5, "min"), (7, "maj"), (0, "min")],  # harmonic minor V
    "i-VII-VI-V": [(0, "min"), (10, "maj"), (8, "maj"), (7, "maj")],  # Andalusian cadence
    "i-iv-v-i": [(0, "min7"), (5, "min7"), (7, "min7"), (0, "min7")],  # natural (Aeolian) minor, electronic
}
CHORD_INTERVALS = {"maj": [0, 4, 7], "min": [0, 3, 7], "maj7": [0, 4, 7, 11], "min7": [0, 3, 7, 10],
                   "dom7": [0, 4, 7, 10]}
MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11]
MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10]

# Arrangement styles: chord program, bass program (None: the chord instrument's left hand), melody program,
# GM drums, how chords are played, tempo range.
STYLES = {
    "piano": {"chords": 0, "bass": None, "melody": None, "drums": False, "play": "block", "bpm": (70, 110)},
    "strings": {"chords": 48, "bass": 42, "melody": 40, "drums": False, "play": "sustain", "bpm": (60, 90)},
    "pad": {"chords": 89, "bass": 38, "melody": 81, "drums": True, "play": "sustain", "bpm": (100, 128)},
    "organ": {"chords": 19, "bass": None, "melody": None, "drums": False, "play": "sustain", "bpm": (60, 90)},
    "guitar": {"chords": 24, "bass": 32, "melody": 73, "drums": False, "play": "arpeggio", "bpm": (80, 120)},
    "synth": {"chords": 80, "bass": 39, "melody": None, "drums": True, "play": "arp16", "bpm": (118, 130)},
    "epiano": {"chords": 4, "bass": 33, "melody": 65, "drums": True, "play": "offbeat", "bpm": (85, 105)},
    "drawbar": {"chords": 16, "bass": 33, "melody": 71, "drums": False, "play": "block", "bpm": (90, 120)},
}


def plan(rng: np.random.Generator) -> list[dict]:
    items = []
    style_names = list(STYLES)
    k = 0
    for mode in ("major", "minor"):
        progs = list(MAJOR_PROGRESSIONS if mode == "major" else MINOR_PROGRESSIONS)
        for tonic in range(12):
            for j in range(ITEMS_PER_KEY):
                # Rotating both lists with different strides gives each key distinct instruments and progressions.
                style = style_names[(k * 3 + j) % len(style_names)]
                prog = progs[(tonic + j) % len(progs)]
                lo, hi = STYLES[style]["bpm"]
                bpm = round(float(rng.uniform(lo, hi)), 1)
                name = f"key_{cl.PITCH_CLASSES[tonic].replace('#', 's')}_{mode}_{j}_{style}_{prog}"
                items.append({"name": name, "tonic": tonic, "mode": mode, "style": style, "progression": prog,
                              "bpm": bpm, "seed": int(rng.integers(0, 2**31))})
                k += 1
    return items


def _place(pc: int, lo: int) -> int:
    """The lowest MIDI note of pitch class `pc` at or above `lo`."""
    return lo + (pc - lo) % 12


def build(spec: dict, out_dir: str) -> dict:
    rng = np.random.default_rng(spec["seed"])
    style = STYLES[spec["style"]]
    mode = spec["mode"]
    prog = (MAJOR_PROGRESSIONS if mode == "major" else MINOR_PROGRESSIONS)[spec["progression"]]
    scale = MAJOR_SCALE if mode == "major" else MINOR_SCALE
    tonic = spec["tonic"]
    bar_beats = 4
    bar_s = bar_beats * 60.0 / spec["bpm"]
    cycles = max(1, round(TARGET_S / (len(prog) * bar_s)))
    bars = [prog[i % len(prog)] for i in range(cycles * len(prog))] + [(0, "min" if mode == "minor" else "maj")]

    programs = {0: style["chords"]}
    if style["bass"] is not None:
        programs[1] = style["bass"]
    if style["melody"] is not None:
        programs[2] = style["melody"]
    song = cl.Song(bpm=spec["bpm"], programs=programs, tail_beats=3.0)
    melody_note = _place((tonic + scale[4]) % 12, 67)
    for b, (deg, quality) in enumerate(bars):
        t0 = b * bar_beats
        last = b == len(bars) - 1
        root_pc = (tonic + deg) % 12
        chord = [_place(root_pc, 53) + iv for iv in CHORD_INTERVALS[quality]]
        bass_note = _place(root_pc, 36)
        play = "sustain" if last else style["play"]
        vel = int(rng.integers(70, 95))
        if play == "sustain":
            for n in chord:
                song.add(t0, bar_beats - 0.1, n, vel, 0)
        elif play == "block":
            for beat in (0, 2):
                for n in chord:
                    song.add(t0 + beat, 1.9, n, vel, 0)
        elif play == "arpeggio":
            pattern = [0, 1, 2, 1, 2, 1, 2, 1]
            for i, idx in enumerate(pattern):
                song.add(t0 + 0.5 * i, 1.0, chord[idx % len(chord)] + (12 if i % 4 == 2 else 0), vel, 0)
        elif play == "arp16":
            for i in range(16):
                song.add(t0 + 0.25 * i, 0.22, chord[i % len(chord)] + 12 * ((i // len(chord)) % 2), vel - 10, 0)
        elif play == "offbeat":
            for beat in (0.5, 1.5, 2.5, 3.5):
                for n in chord:
                    song.add(t0 + beat, 0.4, n, vel, 0)
        bass_ch = 1 if style["bass"] is not None else 0
        if last:
            song.add(t0, bar_beats - 0.1, bass_note, 95, bass_ch)
        else:
            for beat in (0, 2) if style["play"] != "arp16" else (0, 1, 2, 3):
                song.add(t0 + beat, 1.8 if style["play"] != "arp16" else 0.9, bass_note, 95, bass_ch)
        if style["melody"] is not None:
            chord_pcs = {(root_pc + iv) % 12 for iv in CHORD_INTERVALS[quality]}
            # Over a major V in minor the leading tone is raised (harmonic minor), as the chord itself says.
            local_scale = [(tonic + s) % 12 for s in scale]
            if mode == "minor" and deg == 7 and quality in ("maj", "dom7"):
                local_scale = [(pc + 1) % 12 if pc == (tonic + 10) % 12 else pc for pc in local_scale]
            beat = 0.0
            while beat < bar_beats - 0.01:
                dur = 1.0 if rng.random() < 0.6 else 0.5
                if last:
                    dur = bar_beats
                    target = {tonic % 12}
                elif beat in (0.0, 2.0):
                    target = chord_pcs
                else:
                    target = set(local_scale)
                cands = [n for n in range(62, 86) if n % 12 in target and abs(n - melody_note) <= 5]
                if not cands:
                    cands = [n for n in range(62, 86) if n % 12 in target]
                melody_note = int(rng.choice(cands))
                song.add(t0 + beat, dur * 0.9, melody_note, int(rng.integers(80, 105)), 2)
                beat += dur
        if style["drums"] and not last:
            for beat in range(bar_beats):
                song.add(t0 + beat, 0.1, 36, 100, cl.DRUM_CHANNEL)
                song.add(t0 + beat + 0.5, 0.1, 42, 70, cl.DRUM_CHANNEL)
                if beat % 2 == 1:
                    song.add(t0 + beat, 0.1, 38, 90, cl.DRUM_CHANNEL)
    midi_rel = os.path.join("midi", "key", spec["name"] + ".mid")
    midi_path = os.path.join(out_dir, midi_rel)
    os.makedirs(os.path.dirname(midi_path), exist_ok=True)
    audio = cl.render_song(song, midi_path)
    total_s = len(bars) * bar_s + 1.5
    audio = cl.fit_length(cl.normalize_peak(audio, -1.0), total_s, fade_s=0.3)
    rel = os.path.join("key", spec["name"] + ".wav")
    cl.write_wav(os.path.join(out_dir, rel), audio)
    names = [cl.GM_NAMES[p] for _, p in sorted(programs.items())]
    return {"path": rel, "set": "key", "key": cl.PITCH_CLASSES[tonic], "mode": mode, "genre": spec["style"],
            "progression": spec["progression"], "bpm": spec["bpm"], "instrument": "+".join(names),
            "drums": style["drums"], "midi_file": midi_rel, "duration_s": round(total_s, 3)}
