//! The stage registry: every stage type, its parameters, their units, ranges and defaults.
//!
//! This table is the single source of truth for validation, the JSON Schema's documentation,
//! `docs/presets.md` and the graph compiler. Parameters are addressed by index into
//! [`StageSpec::params`]; their names are stable string ids so presets survive reordering.

/// How a parameter's value is written and converted (the "canonical" unit is what the engine
/// receives after loading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// Frequency; canonical Hz; accepts `Hz`, `kHz`.
    Frequency,
    /// Duration; canonical seconds; accepts `s`, `ms`, or a tempo-synced note value
    /// (`"1/4"`, `"1/8d"`, `"1/16t"`) resolved with the context tempo.
    Time,
    /// Rate; canonical Hz; accepts `Hz` or a tempo-synced note value (one cycle per note).
    Rate,
    /// Level in decibels; canonical dB; accepts `dB`, or `linear` (converted to dB).
    Decibels,
    /// Amount 0..1 (or as ranged); canonical linear; accepts `linear`, `%`.
    Amount,
    /// Pitch offset; canonical semitones; accepts `semitones`, `cents`.
    Semitones,
    /// Frequency ratio; canonical ratio; accepts `ratio`.
    Ratio,
    /// Whole number (voices, bits, stages, algorithm).
    Integer,
    /// One of a fixed list of names ([`ParamSpec::choices`]); canonical index.
    Choice,
    /// `true` / `false`.
    Bool,
}

impl ParamKind {
    /// The canonical unit's name as shown in errors and docs.
    pub fn unit_name(self) -> &'static str {
        match self {
            ParamKind::Frequency | ParamKind::Rate => "Hz",
            ParamKind::Time => "s",
            ParamKind::Decibels => "dB",
            ParamKind::Amount => "linear",
            ParamKind::Semitones => "semitones",
            ParamKind::Ratio => "ratio",
            ParamKind::Integer => "integer",
            ParamKind::Choice => "choice",
            ParamKind::Bool => "bool",
        }
    }

    /// The unit in which modulation depth for this kind is expressed: frequencies and
    /// pitches move in semitones (so modulation is musical at any base value), levels in dB,
    /// everything else in its own canonical unit.
    pub fn modulation_unit(self) -> &'static str {
        match self {
            ParamKind::Frequency | ParamKind::Rate | ParamKind::Semitones => "semitones",
            ParamKind::Decibels => "dB",
            other => other.unit_name(),
        }
    }

    /// True when the parameter can be a modulation target.
    pub fn is_modulatable(self) -> bool {
        !matches!(
            self,
            ParamKind::Integer | ParamKind::Choice | ParamKind::Bool
        )
    }
}

/// One parameter of a stage type.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Stable id as written in presets (`cutoff`, `attack`).
    pub name: &'static str,
    /// Unit family.
    pub kind: ParamKind,
    /// Smallest accepted value in the canonical unit.
    pub min: f64,
    /// Largest accepted value in the canonical unit.
    pub max: f64,
    /// Value used when the preset omits the parameter (canonical unit; a choice index).
    pub default: f64,
    /// Accepted names for [`ParamKind::Choice`].
    pub choices: &'static [&'static str],
    /// One-line description for docs.
    pub doc: &'static str,
}

/// Where a stage runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Once per voice (sources, envelopes, filters).
    Voice,
    /// Once, after the voices are summed (time-based effects, dynamics, output).
    Global,
    /// Per voice when fed by voice stages, global when fed by a global stage.
    Either,
}

/// What a stage does in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Makes audio from nothing (oscillators, noise, FM).
    Source,
    /// Makes a control signal used only through modulation routes (envelopes, LFOs).
    Modulator,
    /// Transforms audio (filters, amp, effects).
    Processor,
    /// The preset's single output.
    Output,
}

/// A stage type.
#[derive(Debug, Clone, Copy)]
pub struct StageSpec {
    /// Type name as written in presets.
    pub name: &'static str,
    /// What kind of node.
    pub category: Category,
    /// Where it runs.
    pub scope: Scope,
    /// One-paragraph description for docs.
    pub doc: &'static str,
    /// Parameters in index order.
    pub params: &'static [ParamSpec],
}

impl StageSpec {
    /// Index of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}

const fn p(
    name: &'static str,
    kind: ParamKind,
    min: f64,
    max: f64,
    default: f64,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        min,
        max,
        default,
        choices: &[],
        doc,
    }
}

const fn choice(
    name: &'static str,
    choices: &'static [&'static str],
    default: usize,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Choice,
        min: 0.0,
        max: (choices.len() - 1) as f64,
        default: default as f64,
        choices,
        doc,
    }
}

const fn flag(name: &'static str, default: bool, doc: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Bool,
        min: 0.0,
        max: 1.0,
        default: if default { 1.0 } else { 0.0 },
        choices: &[],
        doc,
    }
}

use Category::*;
use ParamKind::*;
use Scope::*;

/// Waveform names of the `oscillator` stage.
pub const WAVEFORMS: &[&str] = &["sine", "saw", "square", "pulse", "triangle"];

/// Common pitch parameters of pitched sources.
macro_rules! pitch_params {
    () => {
        [
            p(
                "pitch",
                Semitones,
                -48.0,
                48.0,
                0.0,
                "Offset from the played note (transpose; pitch-envelope target).",
            ),
            p(
                "fine",
                Semitones,
                -1.0,
                1.0,
                0.0,
                "Fine tune (write it in cents: -100..100 cents).",
            ),
            p("level", Amount, 0.0, 1.0, 0.8, "Output level."),
        ]
    };
}

const OSC_PARAMS: &[ParamSpec] = &{
    let pp = pitch_params!();
    [
        choice(
            "waveform",
            WAVEFORMS,
            1,
            "Band-limited waveform (PolyBLEP).",
        ),
        pp[0],
        pp[1],
        pp[2],
        p(
            "pulse_width",
            Amount,
            0.01,
            0.99,
            0.5,
            "Duty cycle of square/pulse (PWM target).",
        ),
        p(
            "fixed_freq",
            Frequency,
            0.0,
            20_000.0,
            0.0,
            "If > 0, ignore the note and play this frequency (drums).",
        ),
        p(
            "phase",
            Amount,
            0.0,
            1.0,
            0.0,
            "Start phase in cycles at note-on (retrigger).",
        ),
    ]
};

const NOISE_PARAMS: &[ParamSpec] = &[
    choice(
        "color",
        &["white", "pink"],
        0,
        "Noise spectrum: white (flat) or pink (-3 dB/octave).",
    ),
    p("level", Amount, 0.0, 1.0, 0.5, "Output level."),
];

const SUPERSAW_PARAMS: &[ParamSpec] = &{
    let pp = pitch_params!();
    [
        p(
            "voices",
            Integer,
            1.0,
            16.0,
            7.0,
            "Number of detuned saws (Szabo 2010: 7).",
        ),
        p(
            "detune",
            Amount,
            0.0,
            1.0,
            0.35,
            "Detune amount (non-linear curve after Szabo).",
        ),
        p(
            "mix",
            Amount,
            0.0,
            1.0,
            0.6,
            "Side saws vs centre saw balance.",
        ),
        p(
            "width",
            Amount,
            0.0,
            1.0,
            0.8,
            "Stereo spread of the side saws.",
        ),
        pp[0],
        pp[1],
        pp[2],
    ]
};

const SUB_PARAMS: &[ParamSpec] = &[
    p(
        "octave",
        Integer,
        -3.0,
        -1.0,
        -1.0,
        "Octaves below the note.",
    ),
    choice(
        "waveform",
        &["sine", "square", "triangle"],
        0,
        "Sub waveform.",
    ),
    p("level", Amount, 0.0, 1.0, 0.5, "Output level."),
];

macro_rules! fm_op {
    ($ratio:literal, $level:literal, $a:literal, $d:literal, $s:literal, $r:literal, $ratio_n:literal, $det_n:literal, $lvl_n:literal, $a_n:literal, $d_n:literal, $s_n:literal, $r_n:literal) => {
        [
            p(
                $ratio_n,
                Ratio,
                0.5,
                32.0,
                $ratio,
                "Operator frequency ratio to the note (0.5..32, as on the DX7).",
            ),
            p(
                $det_n,
                Semitones,
                -1.0,
                1.0,
                0.0,
                "Operator detune (write it in cents).",
            ),
            p(
                $lvl_n,
                Amount,
                0.0,
                1.0,
                $level,
                "Operator output level (modulation index for modulators).",
            ),
            p($a_n, Time, 0.0, 20.0, $a, "Operator envelope attack."),
            p($d_n, Time, 0.0, 20.0, $d, "Operator envelope decay."),
            p($s_n, Amount, 0.0, 1.0, $s, "Operator envelope sustain."),
            p($r_n, Time, 0.0, 20.0, $r, "Operator envelope release."),
        ]
    };
}

/// Parameters per FM operator (ratio, detune, level, attack, decay, sustain, release).
pub const FM_PARAMS_PER_OP: usize = 7;

const FM_PARAMS: &[ParamSpec] = &{
    let o1 = fm_op!(
        1.0,
        1.0,
        0.001,
        1.0,
        0.6,
        0.4,
        "op1_ratio",
        "op1_detune",
        "op1_level",
        "op1_attack",
        "op1_decay",
        "op1_sustain",
        "op1_release"
    );
    let o2 = fm_op!(
        1.0,
        0.5,
        0.001,
        0.6,
        0.3,
        0.3,
        "op2_ratio",
        "op2_detune",
        "op2_level",
        "op2_attack",
        "op2_decay",
        "op2_sustain",
        "op2_release"
    );
    let o3 = fm_op!(
        2.0,
        0.0,
        0.001,
        0.6,
        0.3,
        0.3,
        "op3_ratio",
        "op3_detune",
        "op3_level",
        "op3_attack",
        "op3_decay",
        "op3_sustain",
        "op3_release"
    );
    let o4 = fm_op!(
        3.0,
        0.0,
        0.001,
        0.6,
        0.3,
        0.3,
        "op4_ratio",
        "op4_detune",
        "op4_level",
        "op4_attack",
        "op4_decay",
        "op4_sustain",
        "op4_release"
    );
    let o5 = fm_op!(
        4.0,
        0.0,
        0.001,
        0.6,
        0.3,
        0.3,
        "op5_ratio",
        "op5_detune",
        "op5_level",
        "op5_attack",
        "op5_decay",
        "op5_sustain",
        "op5_release"
    );
    let o6 = fm_op!(
        5.0,
        0.0,
        0.001,
        0.6,
        0.3,
        0.3,
        "op6_ratio",
        "op6_detune",
        "op6_level",
        "op6_attack",
        "op6_decay",
        "op6_sustain",
        "op6_release"
    );
    [
        p(
            "algorithm",
            Integer,
            1.0,
            32.0,
            5.0,
            "DX7 algorithm number (operator routing).",
        ),
        p(
            "feedback",
            Amount,
            0.0,
            1.0,
            0.0,
            "Feedback of the algorithm's feedback operator.",
        ),
        p("level", Amount, 0.0, 1.0, 0.8, "Output level."),
        o1[0],
        o1[1],
        o1[2],
        o1[3],
        o1[4],
        o1[5],
        o1[6],
        o2[0],
        o2[1],
        o2[2],
        o2[3],
        o2[4],
        o2[5],
        o2[6],
        o3[0],
        o3[1],
        o3[2],
        o3[3],
        o3[4],
        o3[5],
        o3[6],
        o4[0],
        o4[1],
        o4[2],
        o4[3],
        o4[4],
        o4[5],
        o4[6],
        o5[0],
        o5[1],
        o5[2],
        o5[3],
        o5[4],
        o5[5],
        o5[6],
        o6[0],
        o6[1],
        o6[2],
        o6[3],
        o6[4],
        o6[5],
        o6[6],
    ]
};

const ADSR_PARAMS: &[ParamSpec] = &[
    p(
        "attack",
        Time,
        0.0,
        60.0,
        0.005,
        "Attack time (a 0.5 ms minimum ramp prevents clicks).",
    ),
    p(
        "decay",
        Time,
        0.0,
        60.0,
        0.3,
        "Decay time to the sustain level.",
    ),
    p(
        "sustain",
        Amount,
        0.0,
        1.0,
        0.7,
        "Sustain level while the note is held.",
    ),
    p(
        "release",
        Time,
        0.0,
        60.0,
        0.3,
        "Release time after note-off.",
    ),
    p(
        "curve",
        Amount,
        -1.0,
        1.0,
        0.5,
        "Segment shape: 0 linear, > 0 exponential (analog), < 0 logarithmic.",
    ),
];

const AR_PARAMS: &[ParamSpec] = &[
    p("attack", Time, 0.0, 60.0, 0.001, "Attack time."),
    p("release", Time, 0.0, 60.0, 0.3, "Release (decay) time."),
    p(
        "curve",
        Amount,
        -1.0,
        1.0,
        0.5,
        "Segment shape: 0 linear, > 0 exponential.",
    ),
    flag(
        "one_shot",
        true,
        "Run attack then release without waiting for note-off (drums).",
    ),
];

const PITCH_ENV_PARAMS: &[ParamSpec] = &[
    p(
        "decay",
        Time,
        0.001,
        10.0,
        0.05,
        "Time for the pitch sweep to fall back to the note.",
    ),
    p(
        "curve",
        Amount,
        -1.0,
        1.0,
        0.8,
        "Sweep shape: higher is a faster initial drop (909 kick).",
    ),
];

const LFO_PARAMS: &[ParamSpec] = &[
    choice(
        "shape",
        &[
            "sine",
            "triangle",
            "saw_up",
            "saw_down",
            "square",
            "sample_hold",
        ],
        0,
        "LFO waveform.",
    ),
    p(
        "rate",
        Rate,
        0.01,
        50.0,
        2.0,
        "Rate in Hz, or a note value (\"1/8d\") for tempo sync.",
    ),
    p("phase", Amount, 0.0, 1.0, 0.0, "Start phase in cycles."),
    flag(
        "retrigger",
        true,
        "Restart at `phase` on every note-on (else free-running).",
    ),
    p("delay", Time, 0.0, 10.0, 0.0, "Fade-in time after note-on."),
];

const FILTER_COMMON: [ParamSpec; 3] = [
    p(
        "cutoff",
        Frequency,
        20.0,
        20_000.0,
        2000.0,
        "Cutoff frequency.",
    ),
    p(
        "resonance",
        Amount,
        0.0,
        1.0,
        0.2,
        "Resonance (1.0 approaches self-oscillation).",
    ),
    p(
        "key_track",
        Amount,
        0.0,
        1.0,
        0.0,
        "Cutoff follows the note: 1.0 = one octave per octave from C4.",
    ),
];

const SVF_PARAMS: &[ParamSpec] = &[
    choice(
        "mode",
        &["lowpass", "highpass", "bandpass", "notch"],
        0,
        "Filter response.",
    ),
    FILTER_COMMON[0],
    FILTER_COMMON[1],
    FILTER_COMMON[2],
];

const LADDER_PARAMS: &[ParamSpec] = &[
    FILTER_COMMON[0],
    FILTER_COMMON[1],
    FILTER_COMMON[2],
    p(
        "drive",
        Amount,
        0.0,
        1.0,
        0.0,
        "Input drive into the ladder's saturation.",
    ),
];

const DIODE_PARAMS: &[ParamSpec] = &[FILTER_COMMON[0], FILTER_COMMON[1], FILTER_COMMON[2]];

const AMP_PARAMS: &[ParamSpec] = &[
    p("gain", Decibels, -60.0, 24.0, 0.0, "Gain."),
    p(
        "level",
        Amount,
        0.0,
        1.0,
        1.0,
        "Linear level (route an envelope here with depth 1 and level 0).",
    ),
];

const PAN_PARAMS: &[ParamSpec] = &[p(
    "pan",
    Amount,
    -1.0,
    1.0,
    0.0,
    "Position: -1 left, 0 centre, 1 right (equal power).",
)];

const WIDTH_PARAMS: &[ParamSpec] = &[p(
    "width",
    Amount,
    0.0,
    2.0,
    1.0,
    "Stereo width: 0 mono, 1 unchanged, 2 extra wide (mid/side).",
)];

const SATURATION_PARAMS: &[ParamSpec] = &[
    choice(
        "curve",
        &["tanh", "hard_clip", "foldback", "asymmetric"],
        0,
        "Waveshaper (ADAA anti-aliased).",
    ),
    p("drive", Decibels, 0.0, 48.0, 6.0, "Input drive."),
    p("mix", Amount, 0.0, 1.0, 1.0, "Dry/wet."),
    p("output", Decibels, -24.0, 12.0, 0.0, "Output gain."),
];

const BITCRUSH_PARAMS: &[ParamSpec] = &[
    p("bits", Integer, 1.0, 24.0, 8.0, "Quantisation depth."),
    p(
        "rate",
        Frequency,
        100.0,
        96_000.0,
        22_050.0,
        "Sample-and-hold rate.",
    ),
    p("mix", Amount, 0.0, 1.0, 1.0, "Dry/wet."),
];

const CHORUS_PARAMS: &[ParamSpec] = &[
    p("rate", Rate, 0.05, 10.0, 0.8, "Modulation rate."),
    p("depth", Amount, 0.0, 1.0, 0.5, "Modulation depth."),
    p("mix", Amount, 0.0, 1.0, 0.5, "Dry/wet."),
    p("width", Amount, 0.0, 1.0, 1.0, "Stereo spread."),
];

const FLANGER_PARAMS: &[ParamSpec] = &[
    p("rate", Rate, 0.01, 10.0, 0.3, "Sweep rate."),
    p("depth", Amount, 0.0, 1.0, 0.7, "Sweep depth."),
    p("delay", Time, 0.0001, 0.01, 0.002, "Base delay."),
    p(
        "feedback",
        Amount,
        -0.95,
        0.95,
        0.5,
        "Feedback (negative inverts).",
    ),
    p("mix", Amount, 0.0, 1.0, 0.5, "Dry/wet."),
];

const PHASER_PARAMS: &[ParamSpec] = &[
    p("rate", Rate, 0.01, 10.0, 0.4, "Sweep rate."),
    p("depth", Amount, 0.0, 1.0, 0.7, "Sweep depth."),
    p("stages", Integer, 2.0, 12.0, 6.0, "All-pass stages (even)."),
    p("feedback", Amount, -0.9, 0.9, 0.4, "Feedback."),
    p("mix", Amount, 0.0, 1.0, 0.5, "Dry/wet."),
];

const DELAY_PARAMS: &[ParamSpec] = &[
    p(
        "time",
        Time,
        0.001,
        4.0,
        0.375,
        "Delay time, or a note value (\"1/8d\") for tempo sync.",
    ),
    p("feedback", Amount, 0.0, 0.95, 0.35, "Feedback."),
    flag("ping_pong", false, "Echoes alternate left and right."),
    p(
        "lowcut",
        Frequency,
        20.0,
        20_000.0,
        120.0,
        "High-pass in the feedback path.",
    ),
    p(
        "highcut",
        Frequency,
        20.0,
        20_000.0,
        8000.0,
        "Low-pass in the feedback path.",
    ),
    p("mix", Amount, 0.0, 1.0, 0.25, "Dry/wet."),
];

const REVERB_PARAMS: &[ParamSpec] = &[
    p("size", Amount, 0.0, 1.0, 0.6, "Room size."),
    p("decay", Time, 0.1, 30.0, 2.0, "RT60 decay time."),
    p("damping", Amount, 0.0, 1.0, 0.4, "High-frequency damping."),
    p("predelay", Time, 0.0, 0.2, 0.01, "Pre-delay."),
    p("mix", Amount, 0.0, 1.0, 0.25, "Dry/wet."),
    p("width", Amount, 0.0, 1.0, 1.0, "Stereo width of the tail."),
];

const COMPRESSOR_PARAMS: &[ParamSpec] = &[
    p("threshold", Decibels, -60.0, 0.0, -18.0, "Threshold."),
    p("ratio", Ratio, 1.0, 20.0, 4.0, "Compression ratio."),
    p("knee", Decibels, 0.0, 24.0, 6.0, "Soft-knee width."),
    p("attack", Time, 0.0001, 1.0, 0.01, "Attack time."),
    p("release", Time, 0.005, 5.0, 0.15, "Release time."),
    p("makeup", Decibels, 0.0, 24.0, 0.0, "Makeup gain."),
    p(
        "mix",
        Amount,
        0.0,
        1.0,
        1.0,
        "Dry/wet (parallel compression).",
    ),
];

const EQ_PARAMS: &[ParamSpec] = &[
    choice(
        "band",
        &[
            "peak",
            "low_shelf",
            "high_shelf",
            "highpass",
            "lowpass",
            "notch",
            "bandpass",
        ],
        0,
        "Band type (RBJ cookbook biquad).",
    ),
    p(
        "freq",
        Frequency,
        20.0,
        20_000.0,
        1000.0,
        "Centre / corner frequency.",
    ),
    p("q", Ratio, 0.1, 18.0, 0.707, "Bandwidth (Q)."),
    p(
        "gain",
        Decibels,
        -24.0,
        24.0,
        0.0,
        "Boost or cut (peak and shelves).",
    ),
];

const LIMITER_PARAMS: &[ParamSpec] = &[
    p(
        "ceiling",
        Decibels,
        -24.0,
        0.0,
        -1.0,
        "Sample-peak ceiling.",
    ),
    p("release", Time, 0.01, 1.0, 0.1, "Release time."),
];

const OUTPUT_PARAMS: &[ParamSpec] = &[p(
    "gain",
    Decibels,
    -60.0,
    12.0,
    0.0,
    "Output gain before the safety stage.",
)];

/// Every stage type, in documentation order.
pub const STAGES: &[StageSpec] = &[
    StageSpec { name: "oscillator", category: Source, scope: Voice, doc: "Band-limited oscillator (sine, saw, square, pulse with PWM, triangle).", params: OSC_PARAMS },
    StageSpec { name: "noise", category: Source, scope: Voice, doc: "Seeded white or pink noise.", params: NOISE_PARAMS },
    StageSpec { name: "supersaw", category: Source, scope: Voice, doc: "N detuned band-limited saws with Szabo's detune and mix curves, spread in stereo.", params: SUPERSAW_PARAMS },
    StageSpec { name: "sub", category: Source, scope: Voice, doc: "Sub-oscillator one to three octaves below the note.", params: SUB_PARAMS },
    StageSpec { name: "fm", category: Source, scope: Voice, doc: "Six-operator phase-modulation block with the 32 DX7 algorithms and per-operator envelopes.", params: FM_PARAMS },
    StageSpec { name: "adsr", category: Modulator, scope: Voice, doc: "Attack-decay-sustain-release envelope (0..1) with curve shape.", params: ADSR_PARAMS },
    StageSpec { name: "ar", category: Modulator, scope: Voice, doc: "Attack-release envelope (0..1), one-shot for drums.", params: AR_PARAMS },
    StageSpec { name: "pitch_env", category: Modulator, scope: Voice, doc: "Falls from 1 to 0 after note-on; route it to `pitch` with a depth in semitones.", params: PITCH_ENV_PARAMS },
    StageSpec { name: "lfo", category: Modulator, scope: Voice, doc: "Low-frequency oscillator (-1..1), free or tempo-synced.", params: LFO_PARAMS },
    StageSpec { name: "svf", category: Processor, scope: Either, doc: "Zero-delay-feedback state-variable filter (Simper/Zavalishin).", params: SVF_PARAMS },
    StageSpec { name: "ladder", category: Processor, scope: Either, doc: "Four-pole zero-delay-feedback ladder low-pass (Moog style).", params: LADDER_PARAMS },
    StageSpec { name: "diode_ladder", category: Processor, scope: Either, doc: "Diode-ladder low-pass with the TB-303's squelch.", params: DIODE_PARAMS },
    StageSpec { name: "amp", category: Processor, scope: Either, doc: "Gain stage; the usual target of the amplitude envelope.", params: AMP_PARAMS },
    StageSpec { name: "pan", category: Processor, scope: Either, doc: "Equal-power panner (mono in, stereo out).", params: PAN_PARAMS },
    StageSpec { name: "width", category: Processor, scope: Either, doc: "Mid/side stereo width.", params: WIDTH_PARAMS },
    StageSpec { name: "saturation", category: Processor, scope: Either, doc: "Waveshaping distortion with antiderivative anti-aliasing.", params: SATURATION_PARAMS },
    StageSpec { name: "bitcrush", category: Processor, scope: Either, doc: "Bit-depth and sample-rate reduction.", params: BITCRUSH_PARAMS },
    StageSpec { name: "chorus", category: Processor, scope: Global, doc: "Stereo chorus.", params: CHORUS_PARAMS },
    StageSpec { name: "flanger", category: Processor, scope: Global, doc: "Stereo flanger with feedback.", params: FLANGER_PARAMS },
    StageSpec { name: "phaser", category: Processor, scope: Global, doc: "All-pass phaser.", params: PHASER_PARAMS },
    StageSpec { name: "delay", category: Processor, scope: Global, doc: "Stereo delay, tempo-syncable, ping-pong, filtered feedback.", params: DELAY_PARAMS },
    StageSpec { name: "reverb", category: Processor, scope: Global, doc: "Feedback-delay-network reverb with size, decay, damping and pre-delay.", params: REVERB_PARAMS },
    StageSpec { name: "compressor", category: Processor, scope: Global, doc: "Feed-forward soft-knee compressor.", params: COMPRESSOR_PARAMS },
    StageSpec { name: "eq", category: Processor, scope: Global, doc: "One parametric EQ band (peak, shelf, pass, notch).", params: EQ_PARAMS },
    StageSpec { name: "limiter", category: Processor, scope: Global, doc: "Look-ahead brickwall limiter.", params: LIMITER_PARAMS },
    StageSpec { name: "output", category: Output, scope: Global, doc: "The preset's output; exactly one per preset.", params: OUTPUT_PARAMS },
];

/// Looks up a stage type by name.
pub fn stage_spec(name: &str) -> Option<&'static StageSpec> {
    STAGES.iter().find(|s| s.name == name)
}

/// The stage reference as Markdown (committed as `docs/presets.md`; a test keeps it current).
pub fn markdown_reference() -> String {
    let mut out = String::from(
        "# Preset stage reference\n\n\
         Generated from `crates/tonewheel-synth/src/spec.rs` (the registry the validator uses);\n\
         regenerate with `TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-synth --test docs`.\n\n\
         Values are written as plain numbers in the unit shown, or as `{\"value\": x, \"unit\": \"...\"}`\n\
         in any accepted unit (Hz/kHz; s/ms or a note value such as `\"1/8d\"`; dB or linear;\n\
         linear or %; semitones or cents; ratio). A value outside its range is an error.\n\
         Modulation depth is in semitones for frequencies and pitches, dB for levels in dB, and the\n\
         parameter's own unit otherwise. The JSON Schema is `schemas/preset.schema.json`.\n",
    );
    for s in STAGES {
        let scope = match s.scope {
            Scope::Voice => "per voice",
            Scope::Global => "global (after the voices are summed)",
            Scope::Either => "per voice, or global when fed by a global stage",
        };
        out.push_str(&format!("\n## `{}`\n\n{} Runs {scope}.\n\n", s.name, s.doc));
        out.push_str(
            "| parameter | unit | range | default | description |\n|---|---|---|---|---|\n",
        );
        for prm in s.params {
            let (range, default) = match prm.kind {
                ParamKind::Choice => (
                    prm.choices.join(", "),
                    prm.choices[prm.default as usize].to_string(),
                ),
                ParamKind::Bool => ("true, false".to_string(), (prm.default > 0.5).to_string()),
                _ => (
                    format!("{} .. {}", prm.min, prm.max),
                    format!("{}", prm.default),
                ),
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                prm.name,
                prm.kind.unit_name(),
                range,
                default,
                prm.doc
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_lie_inside_their_ranges_and_names_are_unique() {
        for s in STAGES {
            for (i, prm) in s.params.iter().enumerate() {
                assert!(
                    prm.min <= prm.default && prm.default <= prm.max,
                    "{}.{}",
                    s.name,
                    prm.name
                );
                assert!(
                    s.params[..i].iter().all(|q| q.name != prm.name),
                    "{}.{} twice",
                    s.name,
                    prm.name
                );
            }
            assert_eq!(STAGES.iter().filter(|t| t.name == s.name).count(), 1);
        }
        assert_eq!(
            stage_spec("fm").unwrap().params.len(),
            3 + 6 * FM_PARAMS_PER_OP
        );
    }
}
