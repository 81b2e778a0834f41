"""Tempo set: genre drum patterns played with Hydrogen kit samples, some with a General MIDI bass line and chords.

Truth is the tempo the pattern was written at (`bpm`) and its meter. Trap and one-drop reggae are written at
their conventional notated tempo but feel half-time; their truth line says `half_time: true` so the report can
separate genuine mistakes from the notation ambiguity.
"""

from __future__ import annotations

import os

import numpy as np

import corpus_lib as cl

DURATION_S = 24.0
ITEMS_PER_GENRE = 6

# Patterns in 16th-note steps: role -> [(step, velocity 0..1)]. `steps` is the bar length in 16ths.
GENRES: dict[str, dict] = {
    "house": {"bpm": (118, 128), "steps": 16, "electronic": True, "pattern": {
        "kick": [(0, 1), (4, 1), (8, 1), (12, 1)], "clap": [(4, .8), (12, .8)],
        "ohh": [(2, .5), (6, .5), (10, .5), (14, .5)], "chh": [(1, .25), (3, .25), (5, .25), (7, .25),
                                                            (9, .25), (11, .25), (13, .25), (15, .25)]}},
    "techno": {"bpm": (126, 145), "steps": 16, "electronic": True, "pattern": {
        "kick": [(0, 1), (4, 1), (8, 1), (12, 1)], "chh": [(i, .45 if i % 4 == 2 else .25) for i in range(16)],
        "ohh": [(2, .4), (6, .4), (10, .4), (14, .4)], "clap": [(12, .6)]}},
    "disco": {"bpm": (110, 125), "steps": 16, "electronic": False, "pattern": {
        "kick": [(0, 1), (4, 1), (8, 1), (12, 1)], "snare": [(4, .85), (12, .85)],
        "ohh": [(2, .55), (6, .55), (10, .55), (14, .55)], "chh": [(0, .4), (4, .4), (8, .4), (12, .4)]}},
    "drum_and_bass": {"bpm": (160, 178), "steps": 16, "electronic": True, "pattern": {
        "kick": [(0, 1), (10, .95)], "snare": [(4, 1), (12, 1), (7, .25), (15, .2)],
        "chh": [(i, .5 if i % 4 == 2 else .3) for i in range(0, 16, 2)]}},
    "breakbeat": {"bpm": (125, 140), "steps": 16, "electronic": True, "pattern": {
        "kick": [(0, 1), (6, .8), (10, .9)], "snare": [(4, 1), (12, 1), (9, .25), (15, .3)],
        "chh": [(i, .4) for i in range(0, 16, 2)]}},
    "boom_bap": {"bpm": (82, 98), "steps": 16, "electronic": False, "swing": 0.58, "pattern": {
        "kick": [(0, 1), (7, .7), (10, .9)], "snare": [(4, 1), (12, 1)],
        "chh": [(i, .45 if i % 4 == 0 else .3) for i in range(0, 16, 2)]}},
    "rock": {"bpm": (100, 150), "steps": 16, "electronic": False, "pattern": {
        "kick": [(0, 1), (8, .95), (10, .7)], "snare": [(4, 1), (12, 1)],
        "chh": [(i, .5 if i % 4 == 0 else .35) for i in range(0, 16, 2)]}},
    "punk": {"bpm": (170, 200), "steps": 16, "electronic": False, "pattern": {
        "kick": [(0, 1), (8, 1)], "snare": [(4, 1), (12, 1)], "chh": [(i, .45) for i in range(0, 16, 2)]}},
    "ballad": {"bpm": (60, 76), "steps": 16, "electronic": False, "pattern": {
        "kick": [(0, 1), (10, .6)], "snare": [(4, .9), (12, .9)],
        "chh": [(i, .35 if i % 2 == 0 else .2) for i in range(16)]}},
    "funk": {"bpm": (95, 115), "steps": 16, "electronic": False, "pattern": {
        "kick": [(0, 1), (3, .7), (10, .9)], "snare": [(4, 1), (12, 1), (7, .2), (9, .2), (14, .2)],
        "chh": [(i, .4 if i % 2 == 0 else .25) for i in range(16)]}},
    "trap": {"bpm": (130, 150), "steps": 16, "electronic": True, "half_time": True, "pattern": {
        "kick": [(0, 1), (3, .8), (11, .9)], "clap": [(8, 1)],
        "chh": [(i, .35) for i in range(0, 16, 2)] + [(13, .25), (15, .25)]}},
    "reggae_one_drop": {"bpm": (66, 82), "steps": 16, "electronic": False, "half_time": True, "pattern": {
        "kick": [(8, 1)], "stick": [(8, .9)], "chh": [(i, .35 if i % 4 == 2 else .25) for i in range(0, 16, 2)]}},
    "waltz": {"bpm": (90, 180), "steps": 12, "meter": "3/4", "electronic": False, "pattern": {
        "kick": [(0, 1)], "snare": [(4, .55), (8, .55)], "chh": [(0, .4), (4, .3), (8, .3)]}},
}

ELECTRONIC_KITS = ["HardElectro1", "ElectricEmpireKit", "VariBreaks"]
ACOUSTIC_KITS = ["The Black Pearl 1.0", "ForzeeStereo", "Millo_MultiLayered2", "BJA_Pacific",
                 "ColomboAcousticDrumkit", "Audiophob", "Millo-Drums_v.1"]
BASS_PROGRAMS = {33: "electric_bass_finger", 34: "electric_bass_pick", 38: "synth_bass_1", 39: "synth_bass_2",
                 32: "acoustic_bass"}
CHORD_PROGRAMS = [4, 89, 0, 16]  # electric piano, warm pad, piano, drawbar organ
# Substitutes when a kit lacks a role (e.g. no clap in an acoustic kit).
ROLE_FALLBACK = {"clap": "snare", "stick": "snare", "ohh": "chh", "ride": "chh", "snare": "clap"}
LEVEL = {"kick": 1.0, "snare": .8, "clap": .75, "stick": .6, "chh": .35, "ohh": .35, "ride": .3, "tom": .7}


def plan(rng: np.random.Generator) -> list[dict]:
    """Item specs, decided sequentially from one generator so the list is the same on every run."""
    items = []
    e_i = a_i = 0
    for genre, g in GENRES.items():
        lo, hi = g["bpm"]
        for k, base in enumerate(np.linspace(lo, hi, ITEMS_PER_GENRE)):
            bpm = round(float(np.clip(base + rng.uniform(-1.5, 1.5), 60, 200)), 1)
            if g["electronic"]:
                kit = ELECTRONIC_KITS[e_i % len(ELECTRONIC_KITS)]
                e_i += 1
            else:
                kit = ACOUSTIC_KITS[a_i % len(ACOUSTIC_KITS)]
                a_i += 1
            with_bass = k % 2 == 1
            items.append({
                "name": f"tempo_{genre}_{k:02d}_{bpm:g}bpm",
                "genre": genre, "bpm": bpm, "meter": g.get("meter", "4/4"), "kit": kit,
                "half_time": bool(g.get("half_time", False)),
                "bass_program": int(rng.choice(list(BASS_PROGRAMS))) if with_bass else None,
                "with_chords": k % 3 == 2,
                "bass_key": int(rng.integers(0, 12)),
                "humanize_s": 0.0 if g["electronic"] else 0.004,
                "seed": int(rng.integers(0, 2**31)),
                "start_s": round(float(rng.uniform(0.05, 0.6)), 3),
            })
    return items


def build(spec: dict, out_dir: str) -> dict:
    rng = np.random.default_rng(spec["seed"])
    g = GENRES[spec["genre"]]
    kit = cl.KitPlayer(spec["kit"])
    beat_s = 60.0 / spec["bpm"]
    step_s = beat_s / 4.0
    steps = g["steps"]
    bar_s = steps * step_s
    n = round((DURATION_S + 2.0) * cl.RATE_HZ)
    drums = np.zeros((n, 2))
    swing = g.get("swing", 0.5)
    bars = int(np.ceil(DURATION_S / bar_s)) + 1
    for bar in range(bars):
        for role, hits in g["pattern"].items():
            use = role
            while not kit.has(use):
                use = ROLE_FALLBACK[use]
            for step, vel in hits:
                # Swing delays the second 16th of each 8th pair; the beat grid itself is untouched.
                offset = step_s * 2 * (swing - 0.5) if step % 2 == 1 else 0.0
                t = spec["start_s"] + bar * bar_s + step * step_s + offset
                t += rng.normal(0.0, spec["humanize_s"]) if spec["humanize_s"] else 0.0
                v = float(np.clip(vel * rng.uniform(0.9, 1.05), 0.05, 1.0))
                max_s = 2 * step_s if use in ("ohh", "ride") else None
                cl.mix_at(drums, kit.sample(use, v, max_s) * LEVEL[use], t)
    mix = cl.normalize_peak(drums, -1.0)
    # Chords come from a second generator so adding them left every other item's draws (and audio) unchanged.
    chord_rng = np.random.default_rng([spec["seed"], 1])
    chord_program = int(chord_rng.choice(CHORD_PROGRAMS)) if spec["with_chords"] else None
    programs = {}
    if spec["bass_program"] is not None:
        programs[0] = spec["bass_program"]
    if chord_program is not None:
        programs[1] = chord_program
    midi_rel = None
    if programs:
        song = cl.Song(bpm=spec["bpm"], programs=programs)
        root = 36 + spec["bass_key"] % 12
        if spec["bass_program"] is not None:
            minor = rng.random() >= .5
        else:
            minor = chord_rng.random() >= .5
        degrees = [0, 8, 3, 10] if minor else [0, 0, 5, 7]
        beats_per_bar = steps // 4
        for bar in range(bars):
            r = root + degrees[bar % 4]
            t0 = bar * beats_per_bar
            if spec["bass_program"] is not None:
                for step, _vel in g["pattern"]["kick"]:
                    song.add(t0 + step / 4.0, 0.45, r, 100, 0)
                song.add(t0 + (beats_per_bar - 0.5), 0.4, r + 12, 80, 0)
            if chord_program is not None:
                # Triad on the bar's root: minor on the tonic of a minor progression, major elsewhere.
                third = 3 if minor and degrees[bar % 4] == 0 else 4
                chord = [r + 24, r + 24 + third, r + 24 + 7]
                if g["electronic"] or spec["genre"] in ("disco", "funk"):
                    for beat in range(beats_per_bar):  # off-beat stabs
                        for n in chord:
                            song.add(t0 + beat + 0.5, 0.3, n, 80, 1)
                else:
                    for n in chord:
                        song.add(t0, beats_per_bar - 0.1, n, 70, 1)
        midi_rel = os.path.join("midi", "tempo", spec["name"] + ".mid")
        midi_path = os.path.join(out_dir, midi_rel)
        os.makedirs(os.path.dirname(midi_path), exist_ok=True)
        tonal = cl.render_song(song, midi_path)
        tonal = cl.normalize_peak(tonal, -1.0) * 0.6
        cl.mix_at(mix, tonal, spec["start_s"])
        mix = cl.normalize_peak(mix, -1.0)
    instrument = "+".join(cl.GM_NAMES[p] for _, p in sorted(programs.items())) or None
    rel = os.path.join("tempo", spec["name"] + ".wav")
    cl.write_wav(os.path.join(out_dir, rel), cl.fit_length(mix, DURATION_S, fade_s=0.5))
    return {"path": rel, "set": "tempo", "bpm": spec["bpm"], "meter": spec["meter"], "genre": spec["genre"],
            "half_time": spec["half_time"], "kit": spec["kit"], "instrument": instrument, "midi_file": midi_rel,
            "first_beat_s": spec["start_s"], "duration_s": DURATION_S}
