"""Pitch set: one-shot notes from General MIDI instruments across MIDI 28..96, rendered with fluidsynth.

Truth is the MIDI note that was played (fluidsynth tunes General MIDI at A4 = 440 Hz). Some SoundFont samples are
a few cents off; the scoring tolerance (±50 cents) is far wider than that.

No Hydrogen drum sample is used: none of the kits documents the pitch of its toms or 808-like kicks, and a
guessed truth would score the guess, not the analyzer.
"""

from __future__ import annotations

import os

import numpy as np

import corpus_lib as cl

ITEMS = 110
LOW_NOTE, HIGH_NOTE = 28, 96
SILENCE_DBFS = -60.0

# (GM program, lowest, highest MIDI note the real instrument plays).
INSTRUMENTS = [
    (0, 28, 96), (4, 36, 90), (11, 53, 89), (19, 36, 96), (24, 40, 84), (32, 28, 60), (33, 28, 62),
    (38, 28, 64), (40, 55, 96), (42, 36, 76), (48, 36, 96), (56, 55, 84), (65, 49, 81), (71, 50, 91),
    (73, 60, 96), (80, 36, 96), (81, 36, 96), (52, 48, 79), (46, 28, 96), (68, 58, 91),
]


def plan(rng: np.random.Generator) -> list[dict]:
    items = []
    for i in range(ITEMS):
        # Evenly spread targets over the range, each given to an instrument that really plays that note.
        note = round(LOW_NOTE + (HIGH_NOTE - LOW_NOTE) * i / (ITEMS - 1))
        eligible = [p for p, lo, hi in INSTRUMENTS if lo <= note <= hi]
        program = int(rng.choice(eligible))
        items.append({"index": i, "midi": note, "program": program,
                      "length_s": round(float(rng.uniform(0.8, 2.0)), 3), "velocity": int(rng.integers(75, 115))})
    return items


SILENT_PEAK = 1e-4
"""A render whose peak stays below this (-80 dBFS) is silent: the SoundFont has no sample for that note."""


def build(spec: dict, out_dir: str) -> dict:
    os.makedirs(os.path.join(out_dir, "midi", "pitch"), exist_ok=True)
    # FluidR3 leaves a few notes unmapped (violin above MIDI 93, for one); then the next instrument in the
    # table that plays the note is used, so the item still exists and stays deterministic.
    others = [p for p, lo, hi in INSTRUMENTS if lo <= spec["midi"] <= hi and p != spec["program"]]
    for program in [spec["program"], *others]:
        name = f"pitch_{spec['index']:03d}_{cl.GM_NAMES[program]}_m{spec['midi']}"
        midi_rel = os.path.join("midi", "pitch", name + ".mid")
        midi_path = os.path.join(out_dir, midi_rel)
        song = cl.Song(bpm=120.0, programs={0: program}, tail_beats=4.0)
        song.add(0.0, spec["length_s"] * 2.0, spec["midi"], spec["velocity"], 0)  # 2 beats per second at 120 BPM
        raw = cl.render_song(song, midi_path)
        if raw.size and float(np.max(np.abs(raw))) >= SILENT_PEAK:
            break
        os.remove(midi_path)
    else:
        raise RuntimeError(f"pitch item {spec['index']}: no instrument renders MIDI note {spec['midi']}")
    audio = cl.normalize_peak(raw, -3.0)
    above = np.nonzero(np.max(np.abs(audio), axis=1) > 10.0 ** (SILENCE_DBFS / 20.0))[0]
    end_s = (above[-1] + 1) / cl.RATE_HZ if above.size else spec["length_s"]
    duration_s = float(np.clip(end_s, 1.0, 3.0))
    audio = cl.fit_length(audio, duration_s, fade_s=0.05)
    rel = os.path.join("pitch", name + ".wav")
    cl.write_wav(os.path.join(out_dir, rel), audio)
    return {"path": rel, "set": "pitch", "midi": spec["midi"], "f0_hz": round(cl.midi_to_hz(spec["midi"]), 4),
            "instrument": cl.GM_NAMES[program], "midi_file": midi_rel, "duration_s": round(duration_s, 3),
            "f0_partial_db": round(fundamental_level_db(audio, cl.midi_to_hz(spec["midi"])), 1)}


def fundamental_level_db(audio: np.ndarray, f0_hz: float) -> float:
    """Level of the fundamental partial relative to the strongest of the first 8 harmonics (dB, <= 0), over
    the first second after the attack.

    Low piano and harp notes sit 20-40 dB down. The played note is still the truth (it is what a sampler needs),
    but the scorer's breakdown by this value separates the "weak fundamental" cases."""
    mono = audio.mean(axis=1)
    seg = mono[int(0.05 * cl.RATE_HZ):int(1.0 * cl.RATE_HZ)]
    n_fft = 1 << 18
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n_fft))
    freqs = np.fft.rfftfreq(n_fft, 1.0 / cl.RATE_HZ)
    half_semitone = 2.0 ** (0.5 / 12.0)
    levels = []
    for k in range(1, 9):
        fc = f0_hz * k
        if fc * half_semitone >= cl.RATE_HZ / 2:
            break
        band = (freqs > fc / half_semitone) & (freqs < fc * half_semitone)
        levels.append(float(spectrum[band].max()))
    if not levels or max(levels) <= 0.0:
        return 0.0
    return float(20.0 * np.log10(max(levels[0], 1e-12) / max(levels)))
