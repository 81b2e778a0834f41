//! Tempo (BPM with confidence, the octave alternative) and a 4/4 vs 3/4 guess from an onset
//! envelope.
//!
//! # Method
//! 1. The envelope (NaN/Inf read as 0) is smoothed with a [1, 2, 1] / 4 kernel (a click's
//!    flux spreads over one or two frames; the smoothing lets fractional periods interpolate)
//!    and, for the centred autocorrelation, its mean is removed.
//! 2. Its autocorrelation `r(lag)` up to [`MAX_LAG_S`] (and at most half the envelope) is
//!    computed with the unbiased normalisation `1 / (n - lag)` and divided by `r(0)`.
//! 3. Every tempo on a log grid (0.1 % steps) gets a **comb score**: the mean of `r` (linearly
//!    interpolated) at all multiples of its period up to the maximum lag. A period whose
//!    multiples all hold onsets scores near 1; a tempo twice too fast scores about half
//!    that, because its odd multiples fall between the onsets.
//! 4. The best score `S*` in [[`MIN_BPM`], [`MAX_BPM`]] and the tempi related to its tempo by
//!    1/3, 1/2, 2/3, 1, 3/2, 2 and 3 are the metrical levels. The **fastest** level in range
//!    whose score is at least [`LEVEL_RATIO`] · `S*` wins (the beat is the fastest level
//!    the onset pattern supports as well as the bar level); outside 70–180 BPM a level
//!    needs [`EDGE_LEVEL_RATIO`] · `S*` (the prior toward the 70–180 BPM band of dance
//!    music, applied only to near-ties so 60–70 and 180–200 BPM material still reads right).
//!    Levels are compared on the *uncentred* autocorrelation (the centred one, used for
//!    the best score, the confidence and the no-periodicity test, shrinks a weaker pulse's
//!    ratio to a stronger one more the denser the pattern, and fast rock beats read half).
//!    A faster level must also keep an autocorrelation peak at its own period of at least
//!    [`PULSE_RATIO`] of the best level's (else it is a subdivision: hats between the
//!    kicks and snares). The winner is refined by parabolic interpolation of the comb score.
//! 5. **Drum body.** When the low/mid-region envelope (kicks and snares, no hats) is given,
//!    the chosen level steps down to half its tempo if that envelope barely pulses at the
//!    chosen period (below [`BODY_PULSE_RATIO`] of its pulse at the doubled period) while it
//!    clearly pulses at the doubled one: the fast level was the hats' subdivision of a slow
//!    backbeat (boom-bap, ballads at 60–95 BPM read double otherwise).
//!    Then two checks of the notated level, each an octave step with its musical reason:
//!    - **Tatum** (double): the finest regular grid of popular-music notation is the 16th
//!      note. When the envelope's (uncentred) autocorrelation at the odd multiples of an
//!      eighth of the chosen beat — its 32nd-note positions — reaches [`TATUM_RATIO`] of that
//!      at the even multiples (the 16th-note positions), the onsets fill a 32nd grid, so the
//!      chosen beat is a half-time reading of a groove notated at twice the tempo (trap:
//!      hats and kicks on 16ths at 140 under a clap on beat 3 of each bar, which the body
//!      rule reads as a backbeat at 70). Only while that grid is at least [`TATUM_MIN_S`]
//!      apart: finer lags are not resolved by the smoothed envelope.
//!    - **Bar cycle** (halve): a drum pattern repeats once per bar of 3 or 4 beats. When
//!      the drum body's pulse at one bar (the larger of 3 and 4 beats) is below
//!      [`BAR_CYCLE_RATIO`] of its pulse at two bars (6 or 8 beats), the pattern takes two
//!      bars of the chosen beat, so the chosen beat is a subdivision: one-drop reggae's single
//!      kick and rim on beat 3 of a bar at 75 BPM, under hats on eighths that pulse at 150.
//! 6. **Range hint.** When the caller knows the tempo range (a generated track, DJ software's
//!    "BPM range" setting), the metrical level inside it with the best comb score wins over
//!    the steps above; with no level inside, the hint is ignored.
//! 7. Meter: with beat period `T`, `r(3T), r(6T)` (a 3-beat bar) against `r(2T), r(4T)`
//!    (2- and 4-beat bars): 3/4 when the former is larger.
//!
//! Confidence = the winner's comb score above the median comb score of the range, scaled
//! to 0..1. No estimate when the envelope is shorter than [`MIN_DURATION_S`], silent, or the
//! best comb score is below [`MIN_PERIODICITY`] (noise, a single hit).

use serde::Serialize;

use super::finite_or_zero;

/// Slowest tempo reported (BPM).
pub const MIN_BPM: f32 = 55.0;
/// Fastest tempo reported (BPM).
pub const MAX_BPM: f32 = 215.0;
/// Longest autocorrelation lag used (s): two bars of 4/4 at 80 BPM.
pub const MAX_LAG_S: f32 = 6.0;
/// Shortest envelope analysed (s).
pub const MIN_DURATION_S: f32 = 2.0;
/// A faster metrical level wins when its comb score reaches this share of the best score.
pub const LEVEL_RATIO: f32 = 0.8;
/// ... and this share when it lies outside 70–180 BPM.
pub const EDGE_LEVEL_RATIO: f32 = 0.85;
/// A level faster than the best-scoring one must also have an autocorrelation peak at its
/// own period of at least this share of the best level's peak: a faster level whose
/// every other beat is only a hi-hat is a subdivision, not the beat.
pub const PULSE_RATIO: f32 = 0.6;
/// The chosen level halves when the drum-body envelope's pulse at its period is below this
/// share of the pulse at twice the period.
pub const BODY_PULSE_RATIO: f32 = 0.75;
/// ... and the pulse at twice the period is at least this (normalised autocorrelation): the
/// drum body must itself be periodic there, not silent or a single hit per bar.
pub const BODY_MIN_PULSE: f32 = 0.2;
/// The chosen tempo doubles when the envelope's autocorrelation at the odd 32nd-note lags of
/// its beat reaches this share of that at the 16th-note lags. Chosen on the development
/// corpus (seed 20261122): correct slow readings reach 0.46 at most, half-time trap readings
/// 0.68 to 1.0 (one, with off-beat chord stabs, 0.23).
pub const TATUM_RATIO: f32 = 0.6;
/// The 32nd-note grid of the tatum check must be at least this far apart (s), i.e. the
/// chosen tempo at most 94 BPM: shorter lags sit inside the smoothed flux peaks.
pub const TATUM_MIN_S: f32 = 0.08;
/// The chosen tempo halves when the drum body's pulse at one bar is below this share of its
/// pulse at two bars. Chosen on the development corpus (seed 20261122): correct readings
/// keep 0.9 or more, double-time one-drop and funk readings 0.03 to 0.63.
pub const BAR_CYCLE_RATIO: f32 = 0.75;
/// Best comb score (normalised autocorrelation) below which there is no periodicity.
pub const MIN_PERIODICITY: f32 = 0.1;
/// Lower edge of the preferred tempo band (BPM).
const PREFERRED_LOW_BPM: f32 = 70.0;
/// Upper edge of the preferred tempo band (BPM).
const PREFERRED_HIGH_BPM: f32 = 180.0;
/// Grid step of the tempo search (relative).
const GRID_STEP: f32 = 0.001;
/// Ratios between metrical levels considered.
const LEVEL_FACTORS: [f32; 7] = [1.0 / 3.0, 0.5, 2.0 / 3.0, 1.0, 1.5, 2.0, 3.0];

/// Time signature guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Meter {
    /// Duple/quadruple meter (also the answer when nothing favours three beats).
    #[serde(rename = "4/4")]
    FourFour,
    /// Triple meter: the onset pattern repeats every three beats.
    #[serde(rename = "3/4")]
    ThreeFour,
}

/// A tempo estimate.
#[derive(Debug, Clone, Serialize)]
pub struct TempoEstimate {
    /// Beats per minute, in [`MIN_BPM`]..=[`MAX_BPM`].
    pub bpm: f32,
    /// 0..1: how much the winning period's comb score stands above the typical one.
    pub confidence: f32,
    /// The other plausible octave reading (half or double `bpm`), the one the onset
    /// pattern supports better.
    pub alternative_bpm: f32,
    /// 4/4 or 3/4.
    pub meter: Meter,
    /// 0..1: how clearly the 3-beat and 2/4-beat bar periodicities differ.
    pub meter_confidence: f32,
}

/// Autocorrelation of the smoothed, mean-removed envelope, normalised so `r(0) = 1`.
struct Autocorrelation {
    values: Vec<f32>,
}

impl Autocorrelation {
    fn new(envelope: &[f32], max_lag: usize, centre: bool) -> Option<Self> {
        let n = envelope.len();
        let clean: Vec<f32> = envelope
            .iter()
            .map(|&v| finite_or_zero(v).max(0.0))
            .collect();
        let smoothed: Vec<f32> = (0..n)
            .map(|i| {
                let prev = clean[i.saturating_sub(1)];
                let next = clean[(i + 1).min(n - 1)];
                0.25 * prev + 0.5 * clean[i] + 0.25 * next
            })
            .collect();
        let mean = if centre {
            smoothed.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64
        } else {
            0.0
        };
        let centred: Vec<f64> = smoothed.iter().map(|&v| f64::from(v) - mean).collect();
        let mut values = Vec::with_capacity(max_lag + 1);
        for lag in 0..=max_lag {
            let sum: f64 = centred[..n - lag]
                .iter()
                .zip(&centred[lag..])
                .map(|(a, b)| a * b)
                .sum();
            values.push(sum / (n - lag) as f64);
        }
        let zero = values.first().copied().unwrap_or(0.0);
        if !zero.is_finite() || zero <= 1e-12 {
            return None;
        }
        Some(Self {
            values: values.iter().map(|&v| (v / zero) as f32).collect(),
        })
    }

    fn max_lag(&self) -> f32 {
        (self.values.len() - 1) as f32
    }

    /// Linearly interpolated value at a fractional lag (0 beyond the computed range).
    fn at(&self, lag: f32) -> f32 {
        if lag.is_nan() || lag < 0.0 || lag > self.max_lag() {
            return 0.0;
        }
        let i = lag.floor() as usize;
        let frac = lag - i as f32;
        let a = self.values[i];
        let b = self.values.get(i + 1).copied().unwrap_or(a);
        a + (b - a) * frac
    }

    /// Mean of `r` at the multiples of `period` frames up to the maximum lag.
    fn comb(&self, period: f32) -> f32 {
        if period.is_nan() || period < 1.0 || period > self.max_lag() {
            return f32::NEG_INFINITY;
        }
        let count = (self.max_lag() / period).floor().max(1.0) as usize;
        let sum: f32 = (1..=count).map(|k| self.at(k as f32 * period)).sum();
        sum / count as f32
    }
}

/// The comb score over a log-spaced tempo grid.
struct TempoGrid {
    bpm: Vec<f32>,
    score: Vec<f32>,
}

impl TempoGrid {
    fn new(acf: &Autocorrelation, frame_rate_hz: f32, low_bpm: f32, high_bpm: f32) -> Self {
        let steps = ((high_bpm / low_bpm).ln() / GRID_STEP.ln_1p()).ceil() as usize;
        let mut bpm = Vec::with_capacity(steps + 1);
        let mut score = Vec::with_capacity(steps + 1);
        for i in 0..=steps {
            let b = low_bpm * (1.0 + GRID_STEP).powi(i as i32);
            bpm.push(b);
            score.push(acf.comb(60.0 * frame_rate_hz / b));
        }
        Self { bpm, score }
    }

    fn index_of(&self, bpm: f32) -> Option<usize> {
        let first = *self.bpm.first()?;
        if bpm.is_nan() || bpm < first {
            return None;
        }
        let i = ((bpm / first).ln() / GRID_STEP.ln_1p()).round() as usize;
        (i < self.bpm.len()).then_some(i)
    }

    /// The index of the best score within ±`tolerance` (relative) of `bpm`.
    fn best_near(&self, bpm: f32, tolerance: f32) -> Option<usize> {
        let lo = self.index_of(bpm * (1.0 - tolerance)).unwrap_or(0);
        let hi = self
            .index_of(bpm * (1.0 + tolerance))
            .unwrap_or(self.bpm.len().saturating_sub(1));
        self.index_of(bpm)?;
        (lo..=hi)
            .filter(|&i| self.score[i].is_finite())
            .max_by(|&a, &b| self.score[a].total_cmp(&self.score[b]))
    }

    /// Parabolic refinement of the tempo at a grid maximum.
    fn refined_bpm(&self, i: usize) -> f32 {
        if i == 0 || i + 1 >= self.bpm.len() {
            return self.bpm[i];
        }
        let (a, b, c) = (self.score[i - 1], self.score[i], self.score[i + 1]);
        let denom = a - 2.0 * b + c;
        let offset = if denom < 0.0 {
            (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        self.bpm[i] * (1.0 + GRID_STEP).powf(offset)
    }
}

/// What the estimator may use besides the onset envelope.
#[derive(Debug, Clone, Copy, Default)]
pub struct TempoOptions<'a> {
    /// The drum-body envelope (same frames as the onset envelope): see the module docs, step 5.
    pub body_envelope: Option<&'a [f32]>,
    /// The tempo range the caller expects, BPM (step 6).
    pub range_bpm: Option<(f32, f32)>,
}

/// Tempo, confidence, octave alternative and meter of an onset envelope sampled at
/// `frame_rate_hz` (see the module docs). `None` when there is no periodicity.
pub fn estimate_tempo(envelope: &[f32], frame_rate_hz: f32) -> Option<TempoEstimate> {
    estimate_tempo_with(envelope, frame_rate_hz, &TempoOptions::default())
}

/// [`estimate_tempo`] with the drum-body envelope and/or a tempo range hint.
pub fn estimate_tempo_with(
    envelope: &[f32],
    frame_rate_hz: f32,
    options: &TempoOptions<'_>,
) -> Option<TempoEstimate> {
    if !frame_rate_hz.is_finite() || frame_rate_hz <= 0.0 {
        return None;
    }
    let n = envelope.len();
    if (n as f32) < MIN_DURATION_S * frame_rate_hz || n < 8 {
        return None;
    }
    let max_lag = ((MAX_LAG_S * frame_rate_hz).round() as usize).min(n / 2);
    // The slowest tempo needs two periods inside the lag range to be judged at all.
    if (max_lag as f32) < 60.0 * frame_rate_hz / MAX_BPM * 2.0 {
        return None;
    }
    let acf = Autocorrelation::new(envelope, max_lag, true)?;
    let grid = TempoGrid::new(&acf, frame_rate_hz, MIN_BPM / 3.0, MAX_BPM * 3.0);
    // Metrical levels are compared on the uncentred autocorrelation: removing the mean
    // subtracts the same constant from every lag, which shrinks the ratio of a weaker pulse
    // to a stronger one more the denser the pattern (fast rock beats read half tempo).
    let raw_acf = Autocorrelation::new(envelope, max_lag, false)?;
    let raw_grid = TempoGrid::new(&raw_acf, frame_rate_hz, MIN_BPM / 3.0, MAX_BPM * 3.0);
    let in_range = |i: usize| grid.bpm[i] >= MIN_BPM && grid.bpm[i] <= MAX_BPM;
    let best = (0..grid.bpm.len())
        .filter(|&i| in_range(i) && grid.score[i].is_finite())
        .max_by(|&a, &b| grid.score[a].total_cmp(&grid.score[b]))?;
    let best_score = grid.score[best];
    if best_score.is_nan() || best_score < MIN_PERIODICITY {
        return None;
    }
    let best_bpm = grid.bpm[best];
    // Autocorrelation peak at one period of a tempo (±1 frame for timing jitter).
    let pulse = |bpm: f32| {
        let lag = 60.0 * frame_rate_hz / bpm;
        (-2..=2)
            .map(|d| raw_acf.at(lag + 0.5 * d as f32))
            .fold(f32::NEG_INFINITY, f32::max)
    };
    let mut chosen = best;
    for factor in LEVEL_FACTORS {
        let target = best_bpm * factor;
        if !(MIN_BPM * 0.98..=MAX_BPM * 1.02).contains(&target) {
            continue;
        }
        let Some(i) = grid.best_near(target, 0.02) else {
            continue;
        };
        if !in_range(i) {
            continue;
        }
        let bpm = grid.bpm[i];
        let needed = if (PREFERRED_LOW_BPM..=PREFERRED_HIGH_BPM).contains(&bpm) {
            LEVEL_RATIO
        } else {
            EDGE_LEVEL_RATIO
        };
        let faster_pulse_holds = bpm <= best_bpm || pulse(bpm) >= PULSE_RATIO * pulse(best_bpm);
        if raw_grid.score[i] >= needed * raw_grid.score[best]
            && faster_pulse_holds
            && bpm > grid.bpm[chosen]
        {
            chosen = i;
        }
    }
    // Step 5: a fast level the drum body does not pulse at is the hats' subdivision.
    let body_acf = options
        .body_envelope
        .filter(|b| b.len() == n)
        .and_then(|b| Autocorrelation::new(b, max_lag, true));
    if let Some(body) = &body_acf {
        let body_pulse = |bpm: f32| {
            let lag = 60.0 * frame_rate_hz / bpm;
            (-2..=2)
                .map(|d| body.at(lag + 0.5 * d as f32))
                .fold(f32::NEG_INFINITY, f32::max)
        };
        let fast = grid.bpm[chosen];
        if let Some(h) = grid.best_near(fast / 2.0, 0.02).filter(|&h| in_range(h)) {
            let (at_fast, at_slow) = (body_pulse(fast), body_pulse(grid.bpm[h]));
            if at_slow >= BODY_MIN_PULSE && at_fast < BODY_PULSE_RATIO * at_slow {
                chosen = h;
            }
        }
    }
    // Step 5, tatum: onsets on the 32nd-note grid of the chosen beat mean it is half-time.
    let beat_lag = 60.0 * frame_rate_hz / grid.bpm[chosen];
    let grid_lag = beat_lag / 8.0;
    if grid_lag >= TATUM_MIN_S * frame_rate_hz && 8.0 * grid_lag <= raw_acf.max_lag() {
        let near = |lag: f32| {
            (-1..=1)
                .map(|d| raw_acf.at(lag + 0.5 * d as f32))
                .fold(f32::NEG_INFINITY, f32::max)
        };
        let odd: f32 = [1.0, 3.0, 5.0, 7.0]
            .iter()
            .map(|k| near(k * grid_lag))
            .sum();
        let even: f32 = [2.0, 4.0, 6.0, 8.0]
            .iter()
            .map(|k| near(k * grid_lag))
            .sum();
        if even > 0.0 && odd >= TATUM_RATIO * even {
            if let Some(d) = grid
                .best_near(2.0 * grid.bpm[chosen], 0.02)
                .filter(|&d| in_range(d))
            {
                chosen = d;
            }
        }
    }
    // Step 5, bar cycle: a drum body that repeats only every two bars of the chosen beat.
    if let Some(body) = &body_acf {
        let beat_lag = 60.0 * frame_rate_hz / grid.bpm[chosen];
        if 8.0 * beat_lag + 2.0 <= body.max_lag() {
            let pulse_at = |beats: f32| {
                (-2..=2)
                    .map(|d| body.at(beats * beat_lag + 0.5 * d as f32))
                    .fold(f32::NEG_INFINITY, f32::max)
            };
            let one_bar = pulse_at(3.0).max(pulse_at(4.0));
            let two_bars = pulse_at(6.0).max(pulse_at(8.0));
            if two_bars >= BODY_MIN_PULSE && one_bar < BAR_CYCLE_RATIO * two_bars {
                if let Some(h) = grid
                    .best_near(grid.bpm[chosen] / 2.0, 0.02)
                    .filter(|&h| in_range(h))
                {
                    chosen = h;
                }
            }
        }
    }
    // Step 6: the caller's range picks among the metrical levels.
    if let Some((lo, hi)) = options.range_bpm.filter(|(lo, hi)| lo <= hi) {
        let base = grid.bpm[chosen];
        let inside = LEVEL_FACTORS
            .iter()
            .filter_map(|f| grid.best_near(base * f, 0.02))
            .filter(|&i| in_range(i) && (lo * 0.98..=hi * 1.02).contains(&grid.bpm[i]))
            .max_by(|&a, &b| grid.score[a].total_cmp(&grid.score[b]));
        if let Some(i) = inside {
            chosen = i;
        }
    }
    let bpm = grid.refined_bpm(chosen).clamp(MIN_BPM, MAX_BPM);
    let chosen_score = grid.score[chosen];

    let mut in_range_scores: Vec<f32> = (0..grid.bpm.len())
        .filter(|&i| in_range(i))
        .map(|i| grid.score[i])
        .filter(|s| s.is_finite())
        .collect();
    in_range_scores.sort_by(f32::total_cmp);
    let median = in_range_scores
        .get(in_range_scores.len() / 2)
        .copied()
        .unwrap_or(0.0);
    let confidence = ((chosen_score - median) / (1.0 - median).max(1e-6)).clamp(0.0, 1.0);

    let score_near = |target: f32| {
        grid.best_near(target, 0.02)
            .map(|i| grid.score[i])
            .unwrap_or(f32::NEG_INFINITY)
    };
    let double_score = score_near(bpm * 2.0);
    let alternative_bpm = if bpm * 2.0 <= 240.0 && double_score >= 0.5 * chosen_score {
        bpm * 2.0
    } else {
        bpm / 2.0
    };

    let period = 60.0 * frame_rate_hz / bpm;
    let (meter, meter_confidence) = meter_of(&acf, period);
    Some(TempoEstimate {
        bpm,
        confidence,
        alternative_bpm,
        meter,
        meter_confidence,
    })
}

/// 3/4 when the autocorrelation at 3 and 6 beats beats that at 2 and 4 beats.
fn meter_of(acf: &Autocorrelation, period: f32) -> (Meter, f32) {
    // Peak value near a lag: beat-to-beat timing jitter moves the peak by a frame or two.
    let near = |lag: f32| -> Option<f32> {
        if lag + 2.0 > acf.max_lag() {
            return None;
        }
        Some(
            (-2..=2)
                .map(|d| acf.at(lag + d as f32))
                .fold(f32::NEG_INFINITY, f32::max),
        )
    };
    let mean = |lags: &[f32]| -> Option<f32> {
        let values: Vec<f32> = lags.iter().filter_map(|&l| near(l)).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f32>() / values.len() as f32)
    };
    let (Some(triple), Some(duple)) = (
        mean(&[3.0 * period, 6.0 * period]),
        mean(&[2.0 * period, 4.0 * period]),
    ) else {
        return (Meter::FourFour, 0.0);
    };
    let (triple, duple) = (triple.max(0.0), duple.max(0.0));
    let scale = triple.max(duple);
    if scale <= 0.0 {
        return (Meter::FourFour, 0.0);
    }
    let confidence = ((triple - duple).abs() / scale).clamp(0.0, 1.0);
    if triple > duple {
        (Meter::ThreeFour, confidence)
    } else {
        (Meter::FourFour, confidence)
    }
}
