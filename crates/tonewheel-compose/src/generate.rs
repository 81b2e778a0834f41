//! Genre templates: a complete session from the knowledge base, a tempo, a length, a key and a
//! seed.
//!
//! Every musical choice comes from `knowledge/genres/*.json` (tempo, key tendencies, drum
//! skeletons, progressions, section lengths, instrument presets); the seed picks among the
//! listed alternatives. What this file adds are arrangement conventions, each stated where it
//! is made: which parts play in which kind of section, the sidechain of bass and pad to the
//! kick, and a limiter on the master.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use tonewheel_synth::format::StageFile;

use crate::knowledge::{Genre, Knowledge};
use crate::mixer::Channel;
use crate::session::{
    InstrumentSpec, Master, Metadata, Playing, Section, Session, SessionContext, SessionError,
    Sidechain, TrackSpec,
};
use crate::theory::{midi_to_name, KeyContext, PitchClass, Progression, ScaleKind};

/// Longest generated piece in bars.
pub const MAX_GENERATE_BARS: u32 = 1024;

fn invalid(pointer: &str, reason: impl Into<String>) -> SessionError {
    SessionError::Invalid {
        pointer: pointer.into(),
        reason: reason.into(),
    }
}

fn pick<'a, T>(rng: &mut Pcg64Mcg, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() {
        None
    } else {
        items.get(rng.random_range(0..items.len()))
    }
}

/// Section lengths scaled to `bars` in total, keeping the genre's order and proportions.
fn arrangement(genre: &Genre, bars: u32) -> Vec<Section> {
    let lengths = &genre.sections.lengths;
    let total: u32 = lengths.iter().map(|s| s.bars).sum::<u32>().max(1);
    let count = lengths.len().min(bars as usize).max(1);
    let mut out: Vec<Section> = lengths[..count]
        .iter()
        .map(|s| Section {
            name: s.name.clone(),
            bars: ((f64::from(s.bars) * f64::from(bars) / f64::from(total)).round() as u32).max(1),
            bpm: None,
        })
        .collect();
    // Fix rounding on the longest section so the total is exact.
    let sum: i64 = out.iter().map(|s| i64::from(s.bars)).sum();
    let diff = i64::from(bars) - sum;
    if let Some(longest) = out.iter_mut().max_by_key(|s| s.bars) {
        longest.bars = (i64::from(longest.bars) + diff).max(1) as u32;
    }
    // If every section was already 1 bar and we still overshoot, drop trailing sections.
    while out.iter().map(|s| s.bars).sum::<u32>() > bars && out.len() > 1 {
        out.pop();
    }
    out
}

/// Kind of section by name, for the arrangement convention below.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    /// Intros and outros: kick and hats, so DJs can mix (common practice).
    Edge,
    /// Breaks: harmony without the kick (common practice: the breakdown drops the drums).
    Break,
    /// Builds: drums and harmony, no bass (common practice: the bass returns on the drop).
    Build,
    /// Everything else: all parts.
    Full,
}

fn part_of(name: &str) -> Part {
    let n = name.to_ascii_lowercase();
    if n.contains("intro") || n.contains("outro") {
        Part::Edge
    } else if n.contains("break") {
        Part::Break
    } else if n.contains("build") {
        Part::Build
    } else {
        Part::Full
    }
}

/// Builds a session for `genre` (id or alias). `bpm`/`key` default to the genre's typical
/// tempo and first key tendency.
pub fn generate(
    knowledge: &Knowledge,
    genre: &str,
    bpm: Option<f64>,
    bars: u32,
    key: Option<&str>,
    seed: u64,
) -> Result<Session, SessionError> {
    let g = knowledge.genre(genre).ok_or_else(|| {
        let ids: Vec<&str> = knowledge.genres().iter().map(|g| g.id.as_str()).collect();
        invalid(
            "/metadata/genre",
            format!("unknown genre {genre:?}; known: {}", ids.join(", ")),
        )
    })?;
    if !(1..=MAX_GENERATE_BARS).contains(&bars) {
        return Err(invalid(
            "/arrangement",
            format!("1..={MAX_GENERATE_BARS} bars"),
        ));
    }
    let bpm = bpm.unwrap_or(g.bpm.typical);
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let key_text = match key {
        Some(k) => k.to_owned(),
        None => {
            let tonic = PitchClass::parse(&g.key.tonics[0])
                .map_err(|e| invalid("/context/key", e.to_string()))?;
            let scale = ScaleKind::parse(&g.key.scales[0])
                .map_err(|e| invalid("/context/key", e.to_string()))?;
            format!("{} {}", tonic.name(true), scale.name())
        }
    };
    let key_ctx =
        KeyContext::parse(&key_text).map_err(|e| invalid("/context/key", e.to_string()))?;
    let arrangement = arrangement(g, bars);
    let roles = &g.instruments.roles;
    let preset_for =
        |rng: &mut Pcg64Mcg, role: &str| roles.get(role).and_then(|ids| pick(rng, ids)).cloned();

    let mut tracks = Vec::new();
    let section_patterns = |full: &str, parts: &[Part]| -> BTreeMap<String, String> {
        arrangement
            .iter()
            .map(|s| {
                let text = if parts.contains(&part_of(&s.name)) {
                    full.to_owned()
                } else {
                    "~".to_owned()
                };
                (s.name.clone(), text)
            })
            .collect()
    };
    // Drums: one track per role of the skeleton so the kick can key the sidechain.
    for (role, pattern) in &g.drums.patterns {
        let Some(preset) = preset_for(&mut rng, role) else {
            continue;
        };
        let parsed = crate::pattern::parse_pattern(pattern)
            .map_err(|e| invalid("/tracks", e.to_string()))?;
        let mut kit = BTreeMap::new();
        for e in parsed
            .query_cycle(0)
            .map_err(|e| invalid("/tracks", e.to_string()))?
        {
            if let crate::pattern::Value::Sound(s) = e.value {
                kit.insert(s, preset.clone());
            }
        }
        let parts: &[Part] = &[Part::Edge, Part::Build, Part::Full];
        tracks.push(TrackSpec {
            id: role.clone(),
            instrument: InstrumentSpec::Drums(kit),
            patterns: section_patterns(pattern, parts),
            playing: Playing::default(),
            fx: Vec::new(),
            channel: Channel {
                volume_db: if role == "kick" { 0.0 } else { -6.0 },
                ..Channel::default()
            },
            sidechain: None,
            automation: Vec::new(),
            lfos: Vec::new(),
            clip: None,
        });
    }
    let has_kick = tracks.iter().any(|t| t.id == "kick");
    // Harmony: one chord per bar from a progression of the genre.
    let numerals = pick(&mut rng, &g.progressions)
        .map(|p| p.numerals.clone())
        .unwrap_or_else(|| "i".into());
    let chords = Progression::parse(&numerals)
        .and_then(|p| p.resolve(&key_ctx, 2))
        .map_err(|e| invalid("/tracks", e.to_string()))?;
    let roots: Vec<String> = chords
        .iter()
        .map(|c| midi_to_name(c.root, false).to_ascii_lowercase())
        .collect();
    let four_on_floor = g.drums.patterns.get("kick").is_some_and(|k| k == "bd*4");
    // Off-beat bass for four-on-the-floor styles, long roots otherwise (common practice).
    let bass_steps: Vec<String> = roots
        .iter()
        .map(|r| {
            if four_on_floor {
                format!("[~ {r}]*4")
            } else {
                format!("{r}@3 ~")
            }
        })
        .collect();
    let bass_pattern = format!("<{}>", bass_steps.join(" "));
    let pad_steps: Vec<String> = chords
        .iter()
        .map(|c| {
            let notes: Vec<String> = c
                .inverted(0)
                .notes()
                .iter()
                .map(|&n| midi_to_name(n.saturating_add(12), false).to_ascii_lowercase())
                .collect();
            format!("[{}]", notes.join(", "))
        })
        .collect();
    let pad_pattern = format!("<{}>", pad_steps.join(" "));
    let duck = |stage_id: &str| {
        vec![StageFile::with_numbers(
            stage_id,
            "compressor",
            &[
                ("threshold", -30.0),
                ("ratio", 6.0),
                ("attack", 0.003),
                ("release", 0.12),
            ],
        )]
    };
    let sidechain = |stage_id: &str| {
        has_kick.then(|| Sidechain {
            source: "kick".into(),
            stage: stage_id.into(),
        })
    };
    if let Some(bass) = preset_for(&mut rng, "bass") {
        tracks.push(TrackSpec {
            id: "bass".into(),
            instrument: InstrumentSpec::Preset(bass),
            patterns: section_patterns(&bass_pattern, &[Part::Full]),
            playing: Playing {
                gate: 0.8,
                ..Playing::default()
            },
            fx: if has_kick { duck("duck") } else { Vec::new() },
            channel: Channel {
                volume_db: -4.0,
                ..Channel::default()
            },
            sidechain: sidechain("duck"),
            automation: Vec::new(),
            lfos: Vec::new(),
            clip: None,
        });
    }
    let harmony_role = if roles.contains_key("pad") {
        "pad"
    } else {
        "keys"
    };
    if let Some(pad) = preset_for(&mut rng, harmony_role) {
        tracks.push(TrackSpec {
            id: harmony_role.into(),
            instrument: InstrumentSpec::Preset(pad),
            patterns: section_patterns(&pad_pattern, &[Part::Break, Part::Build, Part::Full]),
            playing: Playing {
                gate: 1.0,
                ..Playing::default()
            },
            fx: if has_kick { duck("duck") } else { Vec::new() },
            channel: Channel {
                volume_db: -10.0,
                ..Channel::default()
            },
            sidechain: sidechain("duck"),
            automation: Vec::new(),
            lfos: Vec::new(),
            clip: None,
        });
    }
    Ok(Session {
        metadata: Metadata {
            title: format!("{} in {} at {bpm} BPM", g.name, key_ctx),
            genre: Some(g.id.clone()),
            description: format!(
                "Generated from knowledge/genres/{}.json, progression {numerals}, seed {seed}.",
                g.id
            ),
        },
        context: SessionContext {
            bpm,
            key: key_ctx.to_string(),
            time_signature: [4, 4],
            seed,
            sample_rate: 48_000,
            a4_hz: 440.0,
            tail_s: 1.0,
        },
        arrangement,
        tracks,
        returns: Vec::new(),
        master: Master {
            // A ceiling of -1 dBFS leaves room for inter-sample peaks (common practice; EBU R 128
            // recommends true peaks at most -1 dBTP).
            fx: vec![StageFile::with_numbers(
                "limiter",
                "limiter",
                &[("ceiling", -1.0)],
            )],
            volume_db: 0.0,
        },
    })
}
