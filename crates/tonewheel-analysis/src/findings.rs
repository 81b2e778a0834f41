//! Violations (hard failures) and warnings (soft issues) of a quality assessment. The
//! conditions are documented in `docs/quality.md`; every threshold is a constant in
//! [`crate::quality`].

use tonewheel_audio::Role;

use crate::envelope::TemporalFeatures;
use crate::harmonic::HarmonicAnalysis;
use crate::loudness::{amplitude_to_db, LoudnessSummary};
use crate::profiles::RoleProfile;
use crate::quality::*;
use crate::signal::SignalChecks;
use crate::spectrum::SpectralFeatures;

/// Violations and warnings collected during one assessment.
#[derive(Default)]
pub(crate) struct Findings {
    pub(crate) violations: Vec<Violation>,
    pub(crate) warnings: Vec<String>,
}

impl Findings {
    pub(crate) fn violate(&mut self, code: &str, message: String) {
        if !self.violations.iter().any(|v| v.code == code) {
            self.violations.push(Violation {
                code: code.to_string(),
                message,
            });
        }
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

pub(crate) fn violations(
    out: &mut Findings,
    profile: &RoleProfile,
    l: &LoudnessSummary,
    sig: &SignalChecks,
    t: &TemporalFeatures,
    silent: bool,
) {
    if sig.non_finite_samples > 0 {
        out.violate(
            "non_finite",
            format!("{} NaN or infinite samples", sig.non_finite_samples),
        );
    }
    if silent {
        out.violate(
            "silent",
            format!(
                "silent: sample peak {:.1} dBFS, integrated loudness {}",
                l.sample_peak_dbfs,
                l.integrated_lufs
                    .map_or("below the -70 LUFS gate".to_string(), |i| format!(
                        "{i:.1} LUFS"
                    ))
            ),
        );
        return;
    }
    if l.true_peak_dbtp > 0.0 {
        out.violate(
            "clipping",
            format!(
                "true peak {:+.2} dBTP is above 0 dBTP: it clips on playback",
                l.true_peak_dbtp
            ),
        );
    }
    if sig.clipped_fraction > CLIP_VIOLATION_FRACTION {
        out.violate(
            "clipping",
            format!(
                "{:.2} % of samples are clipped flat tops at full scale",
                100.0 * sig.clipped_fraction
            ),
        );
    }
    let dc_dbfs = amplitude_to_db(sig.max_abs_dc);
    if dc_dbfs >= DC_VIOLATION_DBFS {
        out.violate(
            "dc_offset",
            format!(
                "DC offset {:.4} ({dc_dbfs:.1} dBFS) at or above the {DC_VIOLATION_DBFS} dBFS limit",
                sig.max_abs_dc
            ),
        );
    }
    if profile.decays && t.tail_db > NO_DECAY_TAIL_DB {
        out.violate(
            "no_decay",
            format!(
                "a {} must die away, but the last 100 ms are still at {:.1} dB re peak (limit {NO_DECAY_TAIL_DB} dB)",
                profile.role, t.tail_db
            ),
        );
    }
    if let Some(r) = &t.release {
        if r.after_s >= RELEASE_VIOLATION_S
            && r.rate_db_per_s < STUCK_RATE_DB_PER_S
            && r.final_level_db > RELEASED_DB
        {
            out.violate(
                "no_decay",
                format!(
                    "no release: {:.2} s after note-off the level fell only {:.1} dB ({:.2} dB/s)",
                    r.after_s, r.drop_db, r.rate_db_per_s
                ),
            );
        }
        if r.after_s >= RUNAWAY_AFTER_S
            && r.final_level_db > r.level_at_note_off_db + RUNAWAY_RISE_DB
            && r.final_level_db > RUNAWAY_MIN_LEVEL_DB
        {
            out.violate(
                "runaway",
                format!(
                    "level rose {:.1} dB after note-off (from {:.1} to {:.1} dB re peak)",
                    r.final_level_db - r.level_at_note_off_db,
                    r.level_at_note_off_db,
                    r.final_level_db
                ),
            );
        }
    }
    if l.sample_peak_dbfs > RUNAWAY_PEAK_DBFS {
        out.violate(
            "runaway",
            format!(
                "sample peak {:+.1} dBFS: the level ran away",
                l.sample_peak_dbfs
            ),
        );
    }
    if profile.role != Role::Fx && t.late_rise_db >= RUNAWAY_LATE_RISE_DB {
        out.violate(
            "runaway",
            format!(
                "still growing at the end: peak in the last 5 % is {:.1} dB above mid-buffer",
                t.late_rise_db
            ),
        );
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn warnings(
    out: &mut Findings,
    profile: &RoleProfile,
    options: &QualityOptions,
    l: &LoudnessSummary,
    sig: &SignalChecks,
    s: &SpectralFeatures,
    h: &HarmonicAnalysis,
    t: &TemporalFeatures,
    tuning_cents: Option<f64>,
    silent: bool,
) {
    if silent {
        return;
    }
    if l.true_peak_dbtp > HEADROOM_TARGET_DBTP && l.true_peak_dbtp <= 0.0 {
        out.warn(format!(
            "true peak {:.1} dBTP above the {HEADROOM_TARGET_DBTP} dBTP headroom target",
            l.true_peak_dbtp
        ));
    }
    if let Some(i) = l.integrated_lufs {
        if i > LOUDNESS.ok_hi {
            out.warn(format!(
                "integrated loudness {i:.1} LUFS louder than the {PREVIEW_TARGET_LUFS} LUFS preview target"
            ));
        } else if i < LOUDNESS.ok_lo {
            out.warn(format!(
                "integrated loudness {i:.1} LUFS is very quiet for a preview"
            ));
        }
    }
    if let Some(plr) = l.plr_db.filter(|p| *p > PLR.ok_hi) {
        out.warn(format!(
            "peak-to-loudness ratio {plr:.1} dB: peaky for its loudness, needs limiting in a mix"
        ));
    }
    let dc_dbfs = amplitude_to_db(sig.max_abs_dc);
    if dc_dbfs > DC.ok_hi && dc_dbfs < DC_VIOLATION_DBFS {
        out.warn(format!(
            "DC offset {:.4} ({dc_dbfs:.1} dBFS)",
            sig.max_abs_dc
        ));
    }
    if sig.clipped_fraction > 0.0 && sig.clipped_fraction <= CLIP_VIOLATION_FRACTION {
        out.warn(format!(
            "{:.3} % of samples are clipped flat tops",
            100.0 * sig.clipped_fraction
        ));
    }
    if sig.stereo_correlation < profile.correlation.ok_lo {
        out.warn(format!(
            "stereo correlation {:.2}: loses level when summed to mono (a {} wants ≥ {:.1})",
            sig.stereo_correlation, profile.role, profile.correlation.ok_lo
        ));
    }
    if profile.harmonic {
        if let Some(ratio) = h.aliasing_ratio {
            let db = 10.0 * ratio.max(1e-12).log10();
            if db > ALIASING_DB.ok_hi {
                out.warn(format!(
                    "aliasing estimate {db:.1} dB (inharmonic {:.2} %, near Nyquist {:.2} % of the energy)",
                    100.0 * h.inharmonic_ratio,
                    100.0 * h.nyquist_ratio
                ));
            }
        }
    }
    if s.harshness > profile.harshness.ok_hi {
        out.warn(format!(
            "harsh: {:.0} % of the energy in 2–5 kHz and above 10 kHz (a {} is fine up to {:.0} %)",
            100.0 * s.harshness,
            profile.role,
            100.0 * profile.harshness.ok_hi
        ));
    }
    if let Some(floor) = t.noise_floor_db.filter(|f| *f > NOISE_FLOOR.ok_hi) {
        out.warn(format!(
            "noise floor {floor:.1} dB re peak after the sound ends"
        ));
    }
    if t.end_level_db > ABRUPT_END_DB {
        out.warn(format!(
            "the audio stops at {:.1} dB re peak: the preview clicks at its end",
            t.end_level_db
        ));
    }
    if let Some(off) = options.note_off_s {
        match &t.release {
            None => out.warn(format!(
                "note-off at {off:.3} s is not inside the audio: release not judged"
            )),
            Some(r) if r.after_s < RELEASE_JUDGE_S => out.warn(format!(
                "only {:.3} s of audio after note-off: release not judged",
                r.after_s
            )),
            _ => {}
        }
    }
    if let Some(cents) = tuning_cents.filter(|c| c.abs() > TUNING_WARNING_CENTS) {
        out.warn(format!(
            "fundamental {:.1} Hz is {cents:+.0} cents from the nearest note",
            h.fundamental_hz.unwrap_or(0.0)
        ));
    }
    if let (Some(expected), Some(f0)) = (options.expected_pitch_hz, h.fundamental_hz) {
        if expected > 0.0 && h.aliasing_ratio.is_some() {
            let cents = 1200.0 * (f0 / expected).log2();
            if cents.abs() > PITCH_WARNING_CENTS {
                out.warn(format!(
                    "fundamental {f0:.1} Hz is {cents:+.0} cents from the expected {expected:.1} Hz"
                ));
            }
        }
    }
}
