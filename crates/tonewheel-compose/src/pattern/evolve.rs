//! Seeded pattern evolution that keeps a pattern's character.
//!
//! One cycle of the pattern is laid on a step grid, one row per distinct value. Mutations move
//! an event to a neighbouring step, add an event of an existing value on an off-beat step, or
//! remove an off-beat event; they never touch events on the beats (the downbeats carry the
//! groove's identity), never introduce a new value, never remove a value's last event, and
//! keep the event count within a density tolerance. The result is ordinary mini-notation.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use thiserror::Error;

use crate::pattern::ast::Value;
use crate::pattern::error::{PatternError, QueryError};
use crate::pattern::parser::{parse_pattern, Pattern};
use crate::theory::midi_to_name;

/// Finest grid evolution works on (steps per cycle).
pub const MAX_EVOLVE_GRID: i64 = 96;

/// How much to vary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvolveOptions {
    /// Seed of the random generator: same seed, same result.
    pub seed: u64,
    /// Number of mutation attempts.
    pub mutations: usize,
    /// Largest relative change of the event count (0.25 = ±25 %).
    pub max_density_change: f64,
}

impl Default for EvolveOptions {
    /// Four mutations within ±25 % density: audible but recognisable (a convention).
    fn default() -> Self {
        EvolveOptions {
            seed: 0,
            mutations: 4,
            max_density_change: 0.25,
        }
    }
}

/// Why a pattern could not be evolved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EvolveError {
    /// Querying the source pattern failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// An onset does not sit on a grid of at most 96 steps per cycle.
    #[error("the event at character {position} is not on a grid of at most {MAX_EVOLVE_GRID} steps per cycle")]
    OffGrid {
        /// Source position of the event's atom.
        position: usize,
    },
    /// The generated text did not parse (a bug; reported rather than hidden).
    #[error("evolved pattern did not parse: {0}")]
    Reparse(#[from] PatternError),
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn value_text(v: &Value, velocity: Option<f32>) -> String {
    let base = match v {
        Value::Sound(s) => s.clone(),
        Value::Note(m) => midi_to_name(*m, false).to_ascii_lowercase(),
        Value::Degree(d) => d.to_string(),
    };
    match velocity {
        Some(vel) => format!("{base}:{}", (f64::from(vel) * 1000.0).round() / 1000.0),
        None => base,
    }
}

/// A varied copy of `pattern` (one cycle long), deterministic for `options.seed`.
pub fn evolve(pattern: &Pattern, options: &EvolveOptions) -> Result<Pattern, EvolveError> {
    let events = pattern.query_cycle(0)?;
    if events.is_empty() {
        return Ok(pattern.clone());
    }
    // Grid: the least common multiple of 16 (sixteenth notes) and every onset denominator.
    let mut grid: i64 = 16;
    for e in &events {
        let d = e.begin.den();
        grid = grid / gcd(grid, d) * d;
        if grid > MAX_EVOLVE_GRID {
            return Err(EvolveError::OffGrid {
                position: e.position,
            });
        }
    }
    let g = grid as usize;
    let mut labels: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<bool>> = Vec::new();
    for e in &events {
        let label = value_text(&e.value, e.velocity);
        let row = match labels.iter().position(|l| *l == label) {
            Some(r) => r,
            None => {
                labels.push(label);
                rows.push(vec![false; g]);
                rows.len() - 1
            }
        };
        // begin is in [0, 1) with a denominator dividing the grid, so this is exact.
        let slot = (e.begin.num() * (grid / e.begin.den())) as usize;
        if let Some(cell) = rows[row].get_mut(slot) {
            *cell = true;
        }
    }
    let beat = g / 4;
    let is_beat = |slot: usize| slot.is_multiple_of(beat);
    let count = |rows: &[Vec<bool>]| rows.iter().flatten().filter(|&&x| x).count();
    let n = count(&rows) as f64;
    let lo = (n * (1.0 - options.max_density_change)).ceil().max(1.0) as usize;
    let hi = (n * (1.0 + options.max_density_change)).floor().max(n) as usize;
    let mut rng = Pcg64Mcg::seed_from_u64(options.seed);
    for _ in 0..options.mutations {
        // A few attempts per mutation; constraints may reject a random choice.
        for _ in 0..16 {
            let r = rng.random_range(0..rows.len());
            let slot = rng.random_range(0..g);
            let occupied = rows[r][slot];
            let row_count = rows[r].iter().filter(|&&x| x).count();
            match rng.random_range(0..3u8) {
                0 if occupied && !is_beat(slot) => {
                    let target = if rng.random_bool(0.5) {
                        (slot + 1) % g
                    } else {
                        (slot + g - 1) % g
                    };
                    if !rows[r][target] && !is_beat(target) {
                        rows[r][slot] = false;
                        rows[r][target] = true;
                        break;
                    }
                }
                1 if !occupied && !is_beat(slot) && count(&rows) < hi => {
                    rows[r][slot] = true;
                    break;
                }
                2 if occupied && !is_beat(slot) && count(&rows) > lo && row_count > 1 => {
                    rows[r][slot] = false;
                    break;
                }
                _ => {}
            }
        }
    }
    let text = rows
        .iter()
        .zip(&labels)
        .map(|(row, label)| {
            row.iter()
                .map(|&x| if x { label.as_str() } else { "~" })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(parse_pattern(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::fraction::Fraction;

    fn onsets(p: &Pattern) -> Vec<(Fraction, String)> {
        p.query_cycle(0)
            .unwrap()
            .into_iter()
            .map(|e| (e.begin, value_text(&e.value, e.velocity)))
            .collect()
    }

    #[test]
    fn evolution_keeps_downbeats_symbols_and_density() {
        let src = parse_pattern("bd*4, [~ hh]*4, ~ cp ~ cp, [~ ~ ~ rim] ~ [~ rim] ~").unwrap();
        let before = onsets(&src);
        let symbols = |v: &[(Fraction, String)]| {
            let mut s: Vec<String> = v.iter().map(|x| x.1.clone()).collect();
            s.sort();
            s.dedup();
            s
        };
        let mut changed = 0;
        for seed in 0..50 {
            let opts = EvolveOptions {
                seed,
                mutations: 6,
                max_density_change: 0.25,
            };
            let out = evolve(&src, &opts).unwrap();
            let after = onsets(&out);
            // Beat events (kick on every quarter, claps on 2 and 4) survive.
            for ev in before
                .iter()
                .filter(|(t, _)| t.checked_mul(Fraction::int(4)).unwrap().den() == 1)
            {
                assert!(
                    after.contains(ev),
                    "seed {seed} lost {ev:?}: {}",
                    out.source()
                );
            }
            assert_eq!(symbols(&before), symbols(&after), "seed {seed}");
            let (n0, n1) = (before.len() as f64, after.len() as f64);
            assert!((n1 - n0).abs() <= 0.25 * n0, "seed {seed}: {n0} -> {n1}");
            assert_eq!(
                evolve(&src, &opts).unwrap(),
                out,
                "deterministic for seed {seed}"
            );
            changed += usize::from(after != before);
        }
        assert!(
            changed >= 40,
            "only {changed} of 50 seeds changed the pattern"
        );
    }

    #[test]
    fn off_grid_patterns_and_notes() {
        let triplets = parse_pattern("[bd bd bd]*64").unwrap();
        assert!(matches!(
            evolve(&triplets, &EvolveOptions::default()),
            Err(EvolveError::OffGrid { .. })
        ));
        let notes = parse_pattern("c3:0.5 [eb3 g3] ~ 0").unwrap();
        let out = evolve(&notes, &EvolveOptions::default()).unwrap();
        let vals: Vec<String> = onsets(&out).into_iter().map(|x| x.1).collect();
        assert!(vals.contains(&"c3:0.5".to_string()) && vals.contains(&"0".to_string()));
        let silent = parse_pattern("~").unwrap();
        assert_eq!(evolve(&silent, &EvolveOptions::default()).unwrap(), silent);
    }
}
