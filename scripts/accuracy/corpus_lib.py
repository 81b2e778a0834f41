"""Shared pieces of the accuracy corpus builder: MIDI writing, fluidsynth rendering, Hydrogen kits, audio I/O.

Everything here is deterministic: no clock, no global random state. Callers pass a seeded
`numpy.random.Generator` where randomness is wanted.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import mido
import numpy as np
import soundfile as sf

RATE_HZ = 44100
"""Sample rate of every corpus file (the rate fluidsynth renders at, and the Hydrogen kits' native rate)."""

TICKS_PER_BEAT = 960

SF2_PATH = os.environ.get("TONEWHEEL_SF2", "/usr/share/sounds/sf2/FluidR3_GM.sf2")
DRUMKITS_DIR = os.environ.get("TONEWHEEL_DRUMKITS", "/usr/share/hydrogen/data/drumkits")

DRUM_CHANNEL = 9
"""General MIDI percussion channel (channel 10 counted from 1)."""

# Pitch classes with sharps, the spelling the analysis JSON uses (`tonic`: C, C#, D, ... B).
PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


# General MIDI program names (0-based program numbers) of the programs the corpus uses.
GM_NAMES = {
    0: "acoustic_grand_piano", 4: "electric_piano_1", 11: "vibraphone", 16: "drawbar_organ", 19: "church_organ",
    24: "nylon_guitar", 25: "steel_guitar", 32: "acoustic_bass", 33: "electric_bass_finger",
    34: "electric_bass_pick", 38: "synth_bass_1", 39: "synth_bass_2", 40: "violin", 42: "cello",
    46: "orchestral_harp", 48: "string_ensemble_1", 52: "choir_aahs", 56: "trumpet", 65: "alto_sax", 68: "oboe",
    71: "clarinet", 73: "flute", 80: "square_lead", 81: "saw_lead", 89: "warm_pad", 90: "polysynth_pad",
}


def midi_to_hz(note: float) -> float:
    """Equal-tempered frequency at A4 = 440 Hz, the tuning fluidsynth renders General MIDI at."""
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


# ---------------------------------------------------------------------------------------------------------------------
# MIDI


@dataclass
class Note:
    """One note in beats (quarter notes) at the file's tempo."""

    start_beat: float
    length_beats: float
    pitch: int
    velocity: int
    channel: int


@dataclass
class Song:
    """A small multi-channel MIDI piece: a tempo, a program per channel, notes."""

    bpm: float
    programs: dict[int, int] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    tail_beats: float = 4.0
    """Silent beats after the last note-off, so fluidsynth's fast render keeps the release tail."""

    def add(self, start_beat: float, length_beats: float, pitch: int, velocity: int, channel: int) -> None:
        self.notes.append(Note(start_beat, length_beats, int(pitch), int(np.clip(velocity, 1, 127)), channel))

    def end_beat(self) -> float:
        return max((n.start_beat + n.length_beats for n in self.notes), default=0.0)

    def write(self, path: str) -> None:
        """Writes a type-0 MIDI file. The final controller event sits `tail_beats` after the last note-off
        because fluidsynth stops rendering when the player reaches the last event."""
        events: list[tuple[int, int, mido.Message]] = []
        for ch, program in sorted(self.programs.items()):
            events.append((0, 0, mido.Message("program_change", channel=ch, program=program)))
            # Reverb/chorus sends at 0: the corpus truth must not depend on fluidsynth's effect settings.
            events.append((0, 0, mido.Message("control_change", channel=ch, control=91, value=0)))
            events.append((0, 0, mido.Message("control_change", channel=ch, control=93, value=0)))
        for n in self.notes:
            on = round(n.start_beat * TICKS_PER_BEAT)
            off = max(on + 1, round((n.start_beat + n.length_beats) * TICKS_PER_BEAT))
            events.append((on, 2, mido.Message("note_on", channel=n.channel, note=n.pitch, velocity=n.velocity)))
            events.append((off, 1, mido.Message("note_off", channel=n.channel, note=n.pitch, velocity=0)))
        end = round((self.end_beat() + self.tail_beats) * TICKS_PER_BEAT)
        events.append((end, 3, mido.Message("control_change", channel=15, control=110, value=0)))
        events.sort(key=lambda e: (e[0], e[1]))
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("set_tempo", tempo=round(60_000_000 / self.bpm), time=0))
        now = 0
        for tick, _, msg in events:
            track.append(msg.copy(time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        mid = mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_BEAT)
        mid.tracks.append(track)
        mid.save(path)


def render_song(song: Song, midi_path: str) -> np.ndarray:
    """Writes `song` to `midi_path` and renders it with fluidsynth; returns float stereo frames (n, 2)."""
    song.write(midi_path)
    return render_midi(midi_path)


def render_midi(midi_path: str) -> np.ndarray:
    with tempfile.TemporaryDirectory(prefix="twcorpus-") as tmp:
        wav = os.path.join(tmp, "out.wav")
        cmd = [
            "fluidsynth", "-ni", "-q",
            "-R", "0", "-C", "0",  # no reverb, no chorus: tails and onsets come from the SoundFont alone
            "-r", str(RATE_HZ),
            "-g", "0.5",
            "-o", "audio.file.format=float",
            "-o", "synth.cpu-cores=1",
            "-F", wav, SF2_PATH, midi_path,
        ]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        audio, rate = sf.read(wav, dtype="float64", always_2d=True)
    if rate != RATE_HZ:
        raise RuntimeError(f"fluidsynth rendered {rate} Hz, expected {RATE_HZ}")
    return audio


# ---------------------------------------------------------------------------------------------------------------------
# Hydrogen drum kits


@dataclass
class Layer:
    path: str
    min_velocity: float
    max_velocity: float
    gain: float


@dataclass
class DrumInstrument:
    name: str
    volume: float
    layers: list[Layer]


def load_kit(kit_dir_name: str) -> dict[str, DrumInstrument]:
    """Parses a Hydrogen `drumkit.xml` (both the old single-file and the layered layout)."""
    kit_dir = os.path.join(DRUMKITS_DIR, kit_dir_name)
    root = ET.parse(os.path.join(kit_dir, "drumkit.xml")).getroot()
    # Newer kits declare a default namespace; drop it so one set of tag names reads both layouts.
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    out: dict[str, DrumInstrument] = {}
    for inst in root.iter("instrument"):
        name = (inst.findtext("name") or "").strip()
        volume = float(inst.findtext("volume") or 1.0)
        layers = []
        for layer in inst.findall("layer"):
            fn = layer.findtext("filename")
            if fn:
                layers.append(Layer(os.path.join(kit_dir, fn), float(layer.findtext("min") or 0.0),
                                    float(layer.findtext("max") or 1.0), float(layer.findtext("gain") or 1.0)))
        fn = inst.findtext("filename")
        if not layers and fn:
            layers.append(Layer(os.path.join(kit_dir, fn), 0.0, 1.0, 1.0))
        layers = [l for l in layers if os.path.exists(l.path) and "empty" not in os.path.basename(l.path).lower()]
        if name and layers:
            out[name] = DrumInstrument(name, volume, layers)
    return out


# Role -> instrument name per kit. Chosen by reading each kit's drumkit.xml (names are free text, so a regex
# guess would be fragile). Only roles a kit really has are listed.
KIT_ROLES: dict[str, dict[str, str]] = {
    "HardElectro1": {"kick": "Kick 1", "snare": "Snare", "clap": "Clap 1", "chh": "Closed HH 1",
                     "ohh": "Open HH"},
    "ElectricEmpireKit": {"kick": "Kick Power", "snare": "Snare 1", "clap": "Clap", "chh": "Hat Closed Bs",
                          "ohh": "Hat Op Dirty", "perc": "Conga 1"},
    "VariBreaks": {"kick": "VariBreaks Kick 1", "snare": "VariBreaks Snare 1", "chh": "VariBreaks Hat 1 Cl",
                   "ohh": "VariBreaks Hat 1 Op", "tom": "VariBreaks Tom Mid"},
    "ForzeeStereo": {"kick": 'Kick (Tama Superstar 22")', "snare": "Snare (Pearl Free Floating Maple 14x3.5)",
                     "stick": "Rim Click (Pearl Free Floating Maple 14x3.5)",
                     "tom": 'Tom Mid (Tama Superstar 13")'},
    "The Black Pearl 1.0": {"kick": "Pearl Kick", "snare": "Pearl Snare", "stick": "Pearl Side Stick",
                            "chh": "Sabian Hat Closed", "ohh": "Sabian Hat Open", "ride": "Paiste Ride",
                            "tom": "Pearl Tom 1", "clap": "Hand Clap"},
    "Audiophob": {"kick": "Kick", "snare": "Snare Rock", "stick": "Stick", "chh": "Closed HH", "ohh": "Open HH",
                  "ride": "Ride Jazz", "clap": "Hand Clap", "tom": "Tom Mid"},
    "ColomboAcousticDrumkit": {"kick": "BassDrum", "snare": "Snare Rock", "stick": "Stick", "chh": "Closed HH",
                               "ohh": "Open HH", "tom": "Tom Mid"},
    "Millo-Drums_v.1": {"kick": "Kick", "snare": "Snare Rock", "stick": "Stick", "chh": "Closed HH",
                        "ohh": "Open HH", "ride": "Ride Rock", "clap": "Hand Clap", "tom": "Tom Mid"},
    "Millo_MultiLayered2": {"kick": "Kick", "snare": "Snare Rock", "stick": "Stick", "chh": "Closed HH",
                            "ohh": "Open HH", "ride": "Ride Jazz", "tom": "Tom Mid"},
    "BJA_Pacific": {"kick": "BassDrum", "snare": "Snare", "chh": "Hi Hat Closed", "ohh": "Hi Hat Opened",
                    "ride": "Ride", "tom": "Tom"},
}


def read_at_corpus_rate(path: str) -> np.ndarray:
    """Reads a sample file as float frames at `RATE_HZ`; some kits are 48 kHz, which sox's
    high-quality resampler converts (sox is installed with the corpus tools anyway)."""
    info = sf.info(path)
    if info.samplerate == RATE_HZ:
        return sf.read(path, dtype="float64", always_2d=True)[0]
    with tempfile.TemporaryDirectory(prefix="twcorpus-") as tmp:
        out = os.path.join(tmp, "rs.wav")
        subprocess.run(["sox", path, "-b", "32", "-e", "floating-point", out, "rate", "-v", str(RATE_HZ)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return sf.read(out, dtype="float64", always_2d=True)[0]


class KitPlayer:
    """Mixes a kit's sample files at given times with numpy."""

    def __init__(self, kit_dir_name: str):
        self.kit_name = kit_dir_name
        instruments = load_kit(kit_dir_name)
        self.roles: dict[str, DrumInstrument] = {}
        for role, inst_name in KIT_ROLES[kit_dir_name].items():
            inst = instruments.get(inst_name)
            if inst is not None:
                self.roles[role] = inst
        if "chh" not in self.roles:
            for name, inst in instruments.items():
                if re.search(r"hi-?hat closed|closed", name, re.IGNORECASE):
                    self.roles["chh"] = inst
                    break
        if "ohh" not in self.roles:
            for name, inst in instruments.items():
                if re.search(r"hi-?hat open|open", name, re.IGNORECASE):
                    self.roles["ohh"] = inst
                    break
        self._cache: dict[str, np.ndarray] = {}

    def has(self, role: str) -> bool:
        return role in self.roles

    def sample(self, role: str, velocity: float, max_s: float | None = None) -> np.ndarray:
        """One hit at `velocity` (0..1): the velocity layer Hydrogen would pick, peak-normalised per file (kits
        differ by 20 dB between files) and scaled by velocity; `max_s` chokes long cymbals with a 10 ms fade."""
        inst = self.roles[role]
        layer = inst.layers[-1]
        for cand in inst.layers:
            if cand.min_velocity <= velocity <= cand.max_velocity:
                layer = cand
                break
        data = self._cache.get(layer.path)
        if data is None:
            data = read_at_corpus_rate(layer.path)
            if data.shape[1] == 1:
                data = np.repeat(data, 2, axis=1)
            data = data[:, :2]
            peak = float(np.max(np.abs(data))) if data.size else 0.0
            if peak > 0.0:
                data = data / peak
            self._cache[layer.path] = data
        out = data * velocity
        if max_s is not None and len(out) > int(max_s * RATE_HZ):
            n = int(max_s * RATE_HZ)
            fade = min(n, int(0.01 * RATE_HZ))
            out = out[:n].copy()
            out[n - fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
        return out

    def used_files(self) -> list[str]:
        return sorted(self._cache)


def mix_at(buffer: np.ndarray, clip: np.ndarray, start_s: float) -> None:
    """Adds `clip` into `buffer` at `start_s` (rounded to the nearest frame), cutting what overflows."""
    start = round(start_s * RATE_HZ)
    if start >= len(buffer) or start < 0:
        return
    n = min(len(clip), len(buffer) - start)
    buffer[start:start + n] += clip[:n]


# ---------------------------------------------------------------------------------------------------------------------
# Audio output


def normalize_peak(audio: np.ndarray, peak_dbfs: float) -> np.ndarray:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 0.0:
        return audio
    return audio * (10.0 ** (peak_dbfs / 20.0) / peak)


def write_wav(path: str, audio: np.ndarray) -> None:
    """16-bit PCM WAV, the most common sample-library format."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    sf.write(path, np.clip(audio, -1.0, 1.0 - 1.0 / 32768.0), RATE_HZ, subtype="PCM_16")


def fit_length(audio: np.ndarray, duration_s: float, fade_s: float = 0.0) -> np.ndarray:
    """Cuts or zero-pads to exactly `duration_s`; an optional linear fade-out avoids a click at the cut."""
    n = round(duration_s * RATE_HZ)
    out = np.zeros((n, audio.shape[1]))
    m = min(n, len(audio))
    out[:m] = audio[:m]
    if fade_s > 0.0:
        k = min(n, round(fade_s * RATE_HZ))
        out[n - k:] *= np.linspace(1.0, 0.0, k)[:, None]
    return out
