//! The quality gate: [`assess_quality`] scores a rendered sound for a [`Role`] and lists what
//! is wrong with it. Every number comes from the audio; every formula, threshold and weight
//! is a named constant here or in [`crate::profiles`], and is explained in `docs/quality.md`.

use serde::{Deserialize, Serialize};
use tonewheel_audio::{AudioBuffer, MusicalContext, Role};

use crate::envelope::{temporal_features, TemporalFeatures};
use crate::findings::{violations, warnings, Findings};
use crate::harmonic::{analyse_harmonics, HarmonicAnalysis};
use crate::loudness::{amplitude_to_db, measure_loudness, LoudnessSummary};
use crate::profiles::{profile, Feature, RoleProfile, Scale, Target};
use crate::signal::{check_signal, SignalChecks};
use crate::spectrum::{AverageSpectrum, SpectralFeatures};

/// Sounds whose overall score is below this are rejected.
pub const REJECT_BELOW: f32 = 0.5;
/// Any violation caps the overall score at this value (below [`REJECT_BELOW`]).
pub const VIOLATION_CAP: f32 = 0.45;
/// Weights of the four components in the overall (weighted geometric) mean.
pub const OVERALL_WEIGHTS: ComponentWeights = ComponentWeights {
    semantic_match: 0.4,
    mix_readiness: 0.15,
    perceptual_quality: 0.2,
    stability: 0.25,
};
/// Component scores are floored at this before the geometric mean (so one zero does not hide
/// how the others did, and the log stays finite).
pub const SCORE_FLOOR: f64 = 0.01;

/// Preview loudness target in LUFS (previews are normalised upstream to this or quieter).
pub const PREVIEW_TARGET_LUFS: f64 = -18.0;
/// Preview true-peak ceiling in dBTP (upstream normalisation keeps peaks at or below this).
pub const HEADROOM_TARGET_DBTP: f64 = -6.0;
/// Headroom score: 1 at or below -6 dBTP, 0 at 0 dBTP.
pub const HEADROOM: Target = Target::at_most(HEADROOM_TARGET_DBTP, 0.0, Scale::Linear);
/// Loudness score: 1 within -30..-16 LUFS (a preview's target is -18, or quieter when its
/// true peak limits it), 0 below -50 or above -10 LUFS.
pub const LOUDNESS: Target = Target::between(-50.0, -30.0, -16.0, -10.0, Scale::Linear);
/// DC score on the largest per-channel offset in dBFS: 1 at or below -60, 0 at -30.
pub const DC: Target = Target::at_most(-60.0, -30.0, Scale::Linear);
/// Peak-to-loudness ratio score in dB: 1 up to 20 dB (kicks and hats sit at 10–20), 0 at 32.
pub const PLR: Target = Target::at_most(20.0, 32.0, Scale::Linear);
/// Aliasing score on `10·log10(aliasing_ratio)`: 1 at or below -35 dB (the measure's floor
/// under band-limited sounds with sharp attacks is about -40 dB), 0 at -12 dB.
pub const ALIASING_DB: Target = Target::at_most(-35.0, -12.0, Scale::Linear);
/// Noise-floor score on dB re peak: 1 at or below -70 dB, 0 at -40 dB.
pub const NOISE_FLOOR: Target = Target::at_most(-70.0, -40.0, Scale::Linear);
/// Level sanity on the sample peak in dBFS: 1 up to 0 dBFS, 0 at +12 dBFS.
pub const LEVEL: Target = Target::at_most(0.0, 12.0, Scale::Linear);
/// Decay of self-decaying roles, on the tail level (dB re peak): 1 at -40 dB, 0 at -10 dB.
pub const TAIL_DECAY: Target = Target::at_most(-40.0, -10.0, Scale::Linear);
/// Growth to the end of the buffer ([`TemporalFeatures::late_rise_db`]), all roles but `fx`:
/// 1 up to 10 dB, 0 at the runaway limit of 20 dB.
pub const GROWTH: Target = Target::at_most(10.0, RUNAWAY_LATE_RISE_DB, Scale::Linear);
/// Release speed after note-off in dB/s: 0 at 1 dB/s (a minute to fade), 1 at 6 dB/s.
pub const RELEASE_RATE: Target = Target::at_least(1.0, 6.0, Scale::Linear);

/// Rate used to assess a buffer that has no channels or a zero sample rate (as silence).
const FALLBACK_RATE: u32 = 48_000;
/// Sample peak at or below this (dBFS) is silence.
pub const SILENT_PEAK_DBFS: f64 = -80.0;
/// DC offset at or above this (dBFS, i.e. 0.0316 linear) is a violation.
pub const DC_VIOLATION_DBFS: f64 = -30.0;
/// Clipped share of samples above this is a violation (0.1 %).
pub const CLIP_VIOLATION_FRACTION: f64 = 0.001;
/// Sample peak above this (dBFS) means the level ran away.
pub const RUNAWAY_PEAK_DBFS: f64 = 12.0;
/// A level rise after note-off of more than this (dB) is runaway (judged once at least
/// [`RUNAWAY_AFTER_S`] of audio follows the note-off).
pub const RUNAWAY_RISE_DB: f64 = 6.0;
/// A rise after note-off is runaway only if it ends above this level (dB re peak): a delay
/// echo arriving after a silent gap "rises" from the floor but stays far below the note.
pub const RUNAWAY_MIN_LEVEL_DB: f64 = -30.0;
/// Seconds after note-off needed to judge a rise after the release.
pub const RUNAWAY_AFTER_S: f64 = 0.1;
/// A peak in the last 5 % of the buffer this far (dB) above the level halfway through it is
/// runaway (a sound still growing when the audio ends), except for the `fx` role (risers).
pub const RUNAWAY_LATE_RISE_DB: f64 = 20.0;
/// A self-decaying role whose tail is above this (dB re peak) never decayed.
pub const NO_DECAY_TAIL_DB: f64 = -20.0;
/// Seconds of audio after note-off needed to judge the release speed.
pub const RELEASE_JUDGE_S: f64 = 0.25;
/// Seconds of audio after note-off needed before a stuck note is a violation.
pub const RELEASE_VIOLATION_S: f64 = 0.5;
/// A release slower than this (dB/s) over at least [`RELEASE_VIOLATION_S`] is a stuck note.
pub const STUCK_RATE_DB_PER_S: f64 = 1.0;
/// A release counts as finished once the final level is this far below the peak (dB).
pub const RELEASED_DB: f64 = -40.0;
/// A last sample louder than this (dB re peak) is an abrupt end (a click): warning.
pub const ABRUPT_END_DB: f64 = -30.0;
/// Tuning deviation (cents) that raises a warning for tonal roles.
pub const TUNING_WARNING_CENTS: f64 = 30.0;
/// Distance (cents) between the detected fundamental and `expected_pitch_hz` that raises a
/// warning.
pub const PITCH_WARNING_CENTS: f64 = 50.0;
/// A semantic match below this raises a warning naming the weakest criteria.
pub const SEMANTIC_WARNING: f64 = 0.5;
/// Weights of the mix-readiness terms.
pub const MIX_WEIGHTS: MixWeights = MixWeights {
    headroom: 0.3,
    loudness: 0.2,
    dc: 0.2,
    plr: 0.1,
    mono: 0.2,
};
/// Weights of the perceptual-quality terms (a term that cannot be measured is left out).
pub const PERCEPTUAL_WEIGHTS: PerceptualWeights = PerceptualWeights {
    aliasing: 0.4,
    harshness: 0.35,
    noise: 0.25,
};

/// Weights of the mix-readiness terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MixWeights {
    /// True-peak headroom ([`HEADROOM`]).
    pub headroom: f64,
    /// Integrated loudness ([`LOUDNESS`]).
    pub loudness: f64,
    /// DC offset ([`DC`]).
    pub dc: f64,
    /// Peak-to-loudness ratio ([`PLR`]).
    pub plr: f64,
    /// Stereo correlation against the role's target.
    pub mono: f64,
}

/// Weights of the perceptual-quality terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerceptualWeights {
    /// Aliasing estimate ([`ALIASING_DB`]).
    pub aliasing: f64,
    /// Harshness against the role's target.
    pub harshness: f64,
    /// Noise floor ([`NOISE_FLOOR`]).
    pub noise: f64,
}

/// Weights of the four component scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ComponentWeights {
    /// Weight of [`QualityReport::semantic_match`].
    pub semantic_match: f64,
    /// Weight of [`QualityReport::mix_readiness`].
    pub mix_readiness: f64,
    /// Weight of [`QualityReport::perceptual_quality`].
    pub perceptual_quality: f64,
    /// Weight of [`QualityReport::stability`].
    pub stability: f64,
}

/// A hard failure: any violation caps the overall score below [`REJECT_BELOW`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable machine code: `non_finite`, `silent`, `clipping`, `dc_offset`, `no_decay`,
    /// `runaway`.
    pub code: String,
    /// Human explanation with the measured numbers.
    pub message: String,
}

/// One term of a component score, for reading a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreTerm {
    /// What was scored (a feature or check name).
    pub name: String,
    /// The measured value in the term's unit (see `docs/quality.md`); `None` when it could
    /// not be measured.
    pub value: Option<f64>,
    /// The term's score, 0..1.
    pub score: f32,
    /// Its weight within the component.
    pub weight: f32,
}

/// Every measurement behind a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityMeasurements {
    /// Role the sound was judged as.
    pub role: Role,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: usize,
    /// Loudness and peaks.
    pub loudness: LoudnessSummary,
    /// Sample-level checks.
    pub signal: SignalChecks,
    /// Spectral features of the mono downmix.
    pub spectral: SpectralFeatures,
    /// Harmonic analysis and aliasing estimate.
    pub harmonic: HarmonicAnalysis,
    /// Envelope features.
    pub temporal: TemporalFeatures,
    /// Deviation of the fundamental from the nearest equal-tempered note (context's A4), cents.
    pub tuning_cents: Option<f64>,
    /// Terms of the semantic match.
    pub semantic_terms: Vec<ScoreTerm>,
    /// Terms of the mix readiness.
    pub mix_terms: Vec<ScoreTerm>,
    /// Terms of the perceptual quality.
    pub perceptual_terms: Vec<ScoreTerm>,
    /// Terms of the stability.
    pub stability_terms: Vec<ScoreTerm>,
}

/// The result of [`assess_quality`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    /// Weighted geometric mean of the four components, capped at [`VIOLATION_CAP`] when there
    /// is any violation. 0..1.
    pub overall_score: f32,
    /// How much the sound measures like its role (role profile criteria). 0..1.
    pub semantic_match: f32,
    /// Loudness, headroom, DC, peak-to-loudness ratio and mono compatibility. 0..1.
    pub mix_readiness: f32,
    /// Aliasing, harshness and noise floor. 0..1.
    pub perceptual_quality: f32,
    /// Finite samples, sane level, decay and release. 0..1.
    pub stability: f32,
    /// Hard failures.
    pub violations: Vec<Violation>,
    /// Soft issues worth telling the sound designer.
    pub warnings: Vec<String>,
    /// Everything measured.
    pub measurements: QualityMeasurements,
}

impl QualityReport {
    /// True when the sound passes the gate: no violation and `overall_score >= REJECT_BELOW`.
    pub fn accepted(&self) -> bool {
        self.violations.is_empty() && self.overall_score >= REJECT_BELOW
    }

    /// True when a violation with `code` was raised.
    pub fn has_violation(&self, code: &str) -> bool {
        self.violations.iter().any(|v| v.code == code)
    }
}

/// Extra facts about the render that sharpen the assessment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityOptions {
    /// When the note was released, in seconds from the start, to judge the release.
    pub note_off_s: Option<f64>,
    /// The pitch the note was played at, in Hz (seeds the harmonic analysis, checked against
    /// the detected fundamental).
    pub expected_pitch_hz: Option<f64>,
}

/// Assesses `audio` as a sound for `role`, with default options.
pub fn assess_quality(audio: &AudioBuffer, role: Role, context: &MusicalContext) -> QualityReport {
    assess_quality_with(audio, role, context, &QualityOptions::default())
}

/// Assesses `audio` as a sound for `role`. See `docs/quality.md` for every formula.
///
/// Never panics on audio content: NaN/Inf samples are reported (and measured as silence
/// elsewhere), empty buffers are reported as silent.
pub fn assess_quality_with(
    audio: &AudioBuffer,
    role: Role,
    context: &MusicalContext,
    options: &QualityOptions,
) -> QualityReport {
    let profile = profile(role);
    // A buffer without channels or with a zero rate (`AudioBuffer::silent` allows both) has
    // nothing to measure: it is assessed as an empty buffer, i.e. silent.
    let empty;
    let audio = if audio.channel_count() == 0 || audio.sample_rate() == 0 {
        empty = AudioBuffer::silent(FALLBACK_RATE, 1, 0);
        &empty
    } else {
        audio
    };
    let rate = audio.sample_rate();
    let loudness = measure_loudness(audio);
    let signal = check_signal(audio.channels());
    let mono = audio.to_mono();
    let spectrum = AverageSpectrum::compute(mono.channel(0), rate);
    let spectral = SpectralFeatures::from_spectrum(&spectrum);
    let harmonic = analyse_harmonics(&spectrum, options.expected_pitch_hz);
    let temporal = temporal_features(audio.channels(), rate, options.note_off_s);
    let tuning_cents = harmonic
        .fundamental_hz
        .filter(|_| profile.harmonic && harmonic.aliasing_ratio.is_some() && context.a4_hz > 0.0)
        .map(|f0| cents_off(f0, context.a4_hz));

    let mut out = Findings::default();
    let silent =
        loudness.sample_peak_dbfs <= SILENT_PEAK_DBFS || loudness.integrated_lufs.is_none();

    let semantic_terms = semantic_terms(profile, &spectral, &temporal);
    let mix_terms = mix_terms(profile, &loudness, &signal);
    let perceptual_terms = perceptual_terms(profile, &spectral, &harmonic, &temporal);
    let stability_terms = stability_terms(profile, &loudness, &signal, &temporal);

    let semantic = if silent {
        0.0
    } else {
        weighted_mean(&semantic_terms)
    };
    let mix = weighted_mean(&mix_terms);
    let perceptual = if silent {
        0.0
    } else {
        weighted_mean(&perceptual_terms)
    };
    let stability = if signal.non_finite_samples > 0 {
        0.0
    } else {
        stability_terms.iter().map(|t| f64::from(t.score)).product()
    };

    violations(&mut out, profile, &loudness, &signal, &temporal, silent);
    warnings(
        &mut out,
        profile,
        options,
        &loudness,
        &signal,
        &spectral,
        &harmonic,
        &temporal,
        tuning_cents,
        silent,
    );
    if !silent && semantic < SEMANTIC_WARNING {
        let mut weakest: Vec<&ScoreTerm> = semantic_terms
            .iter()
            .filter(|t| f64::from(t.score) < SEMANTIC_WARNING)
            .collect();
        weakest.sort_by(|a, b| a.score.total_cmp(&b.score));
        let list: Vec<String> = weakest
            .iter()
            .take(3)
            .map(|t| {
                format!(
                    "{} {:.3} (score {:.2})",
                    t.name,
                    t.value.unwrap_or(f64::NAN),
                    t.score
                )
            })
            .collect();
        out.warn(format!(
            "measures unlike a {role} (semantic match {semantic:.2}): {}",
            list.join(", ")
        ));
    }

    let w = OVERALL_WEIGHTS;
    let log_sum = w.semantic_match * semantic.max(SCORE_FLOOR).ln()
        + w.mix_readiness * mix.max(SCORE_FLOOR).ln()
        + w.perceptual_quality * perceptual.max(SCORE_FLOOR).ln()
        + w.stability * stability.max(SCORE_FLOOR).ln();
    let weight_sum = w.semantic_match + w.mix_readiness + w.perceptual_quality + w.stability;
    let mut overall = (log_sum / weight_sum).exp() as f32;
    if !out.violations.is_empty() {
        overall = overall.min(VIOLATION_CAP);
    }

    QualityReport {
        overall_score: overall,
        semantic_match: semantic as f32,
        mix_readiness: mix as f32,
        perceptual_quality: perceptual as f32,
        stability: stability as f32,
        violations: out.violations,
        warnings: out.warnings,
        measurements: QualityMeasurements {
            role,
            duration_s: audio.duration_s(),
            sample_rate: rate,
            channels: audio.channel_count(),
            loudness,
            signal,
            spectral,
            harmonic,
            temporal,
            tuning_cents,
            semantic_terms,
            mix_terms,
            perceptual_terms,
            stability_terms,
        },
    }
}

fn term(name: &str, value: Option<f64>, score: f64, weight: f64) -> ScoreTerm {
    ScoreTerm {
        name: name.to_string(),
        value,
        score: score.clamp(0.0, 1.0) as f32,
        weight: weight as f32,
    }
}

fn weighted_mean(terms: &[ScoreTerm]) -> f64 {
    let (sum, weights) = terms.iter().fold((0.0f64, 0.0f64), |(s, w), t| {
        (
            s + f64::from(t.score) * f64::from(t.weight),
            w + f64::from(t.weight),
        )
    });
    if weights > 0.0 {
        sum / weights
    } else {
        1.0
    }
}

fn cents_off(f0: f64, a4_hz: f64) -> f64 {
    let semitones = 12.0 * (f0 / a4_hz).log2();
    100.0 * (semitones - semitones.round())
}

fn feature_value(feature: Feature, s: &SpectralFeatures, t: &TemporalFeatures) -> Option<f64> {
    match feature {
        Feature::LowFraction => Some(s.low_fraction),
        Feature::HighFraction => Some(s.high_fraction),
        Feature::CentroidHz => Some(s.centroid_hz),
        Feature::Flatness => Some(s.flatness),
        Feature::AttackS => t.attack_s,
        Feature::SustainDb => t.sustain_db,
    }
}

/// semantic_match = Σ wᵢ·Tᵢ(featureᵢ) / Σ wᵢ over the role profile's criteria.
fn semantic_terms(
    profile: &RoleProfile,
    s: &SpectralFeatures,
    t: &TemporalFeatures,
) -> Vec<ScoreTerm> {
    profile
        .criteria
        .iter()
        .map(|c| {
            let value = feature_value(c.feature, s, t);
            let score = value.map_or(0.0, |v| c.target.score_with_floor(v, c.feature.log_floor()));
            term(c.feature.name(), value, score, c.weight)
        })
        .collect()
}

/// mix_readiness = weighted mean ([`MIX_WEIGHTS`]) of headroom, loudness, DC, PLR and mono
/// compatibility.
fn mix_terms(profile: &RoleProfile, l: &LoudnessSummary, sig: &SignalChecks) -> Vec<ScoreTerm> {
    let dc_dbfs = amplitude_to_db(sig.max_abs_dc);
    vec![
        term(
            "true_peak_dbtp",
            Some(l.true_peak_dbtp),
            HEADROOM.score(l.true_peak_dbtp),
            MIX_WEIGHTS.headroom,
        ),
        term(
            "integrated_lufs",
            l.integrated_lufs,
            l.integrated_lufs.map_or(0.0, |i| LOUDNESS.score(i)),
            MIX_WEIGHTS.loudness,
        ),
        term(
            "dc_offset_dbfs",
            Some(dc_dbfs),
            DC.score(dc_dbfs),
            MIX_WEIGHTS.dc,
        ),
        term(
            "plr_db",
            l.plr_db,
            l.plr_db.map_or(0.0, |p| PLR.score(p)),
            MIX_WEIGHTS.plr,
        ),
        term(
            "stereo_correlation",
            Some(sig.stereo_correlation),
            profile.correlation.score(sig.stereo_correlation),
            MIX_WEIGHTS.mono,
        ),
    ]
}

/// perceptual_quality = weighted mean of aliasing (0.4, tonal roles with a judged estimate),
/// harshness (0.35) and noise floor (0.25, when measurable).
fn perceptual_terms(
    profile: &RoleProfile,
    s: &SpectralFeatures,
    h: &HarmonicAnalysis,
    t: &TemporalFeatures,
) -> Vec<ScoreTerm> {
    let mut terms = Vec::with_capacity(3);
    if profile.harmonic {
        if let Some(ratio) = h.aliasing_ratio {
            let db = 10.0 * ratio.max(1e-12).log10();
            terms.push(term(
                "aliasing_db",
                Some(db),
                ALIASING_DB.score(db),
                PERCEPTUAL_WEIGHTS.aliasing,
            ));
        }
    }
    terms.push(term(
        "harshness",
        Some(s.harshness),
        profile.harshness.score(s.harshness),
        PERCEPTUAL_WEIGHTS.harshness,
    ));
    if let Some(floor) = t.noise_floor_db {
        terms.push(term(
            "noise_floor_db",
            Some(floor),
            NOISE_FLOOR.score(floor),
            PERCEPTUAL_WEIGHTS.noise,
        ));
    }
    terms
}

/// stability = product of level, growth (all roles but fx), decay (self-decaying roles) and
/// release (note-off given) scores; 0 when any sample is NaN or infinite.
fn stability_terms(
    profile: &RoleProfile,
    l: &LoudnessSummary,
    sig: &SignalChecks,
    t: &TemporalFeatures,
) -> Vec<ScoreTerm> {
    let mut terms = vec![
        term(
            "non_finite_samples",
            Some(sig.non_finite_samples as f64),
            if sig.non_finite_samples > 0 { 0.0 } else { 1.0 },
            1.0,
        ),
        term(
            "sample_peak_dbfs",
            Some(l.sample_peak_dbfs),
            LEVEL.score(l.sample_peak_dbfs),
            1.0,
        ),
    ];
    if profile.role != Role::Fx {
        terms.push(term(
            "late_rise_db",
            Some(t.late_rise_db),
            GROWTH.score(t.late_rise_db),
            1.0,
        ));
    }
    if profile.decays {
        terms.push(term(
            "tail_db",
            Some(t.tail_db),
            TAIL_DECAY.score(t.tail_db),
            1.0,
        ));
    }
    if let Some(r) = t.release.as_ref().filter(|r| r.after_s >= RELEASE_JUDGE_S) {
        let score = RELEASE_RATE
            .score(r.rate_db_per_s)
            .max(TAIL_DECAY.score(r.final_level_db));
        terms.push(term(
            "release_rate_db_per_s",
            Some(r.rate_db_per_s),
            score,
            1.0,
        ));
    }
    terms
}
