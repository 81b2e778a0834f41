//! Ranking behaviour on small hand-made catalogues (the factory-data claims, "warm pad
//! measures warm" and friends, are tested in `tests/search.rs` on the real presets).

use super::*;

fn doc(id: &str, role: Role, tags: &[&str], description: &str) -> SearchDoc {
    SearchDoc {
        id: id.to_string(),
        name: id.replace('-', " "),
        role,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        description: description.to_string(),
    }
}

fn descriptors(centroid_hz: f64, attack_s: f64, width: f64) -> Descriptors {
    let mut d: Descriptors = serde_json::from_value(serde_json::json!({
        "centroid_hz": 0.0, "brightness": 0.0, "warmth": 0.5, "hf_share": 0.1,
        "attack_s": 0.0, "decay_s": null, "sustain_level": 0.5, "length_s": 1.0,
        "width": 0.0, "noisiness": 0.1, "pitchedness": 0.5, "pitch_hz": null,
        "movement": 0.1, "spectral_movement_oct": 0.0, "level_movement_db": 0.0,
        "punch": 0.3, "crest_db": 10.0
    }))
    .unwrap();
    d.centroid_hz = centroid_hz;
    d.brightness = tonewheel_analysis::descriptors::brightness(centroid_hz);
    d.hf_share = centroid_hz / 20_000.0;
    d.warmth = 1.0 - centroid_hz / 20_000.0;
    d.attack_s = attack_s;
    d.width = width;
    d
}

fn catalogue() -> Vec<SearchDoc> {
    vec![
        doc(
            "pad-mellow-bed",
            Role::Pad,
            &["mellow", "slow"],
            "A soft bed.",
        ),
        doc(
            "pad-glass",
            Role::Pad,
            &["bright", "glassy"],
            "Shiny glass pad.",
        ),
        doc("pad-plain", Role::Pad, &["basic"], "Nothing special."),
        doc("pad-wide-drift", Role::Pad, &["wide"], "A drifting pad."),
        doc(
            "bass-warm-sub",
            Role::Bass,
            &["warm", "deep"],
            "Round and warm.",
        ),
        doc("bass-bright-saw", Role::Bass, &["bright"], "A saw bass."),
        doc("kick-punchy", Role::Kick, &["punchy"], "Tight kick."),
        doc("lead-warm", Role::Lead, &["warm"], "A warm lead."),
    ]
}

fn index() -> SearchIndex {
    let docs = catalogue();
    let d = [
        descriptors(400.0, 1.5, 0.1),
        descriptors(4_000.0, 0.8, 0.2),
        descriptors(1_000.0, 1.0, 0.1),
        descriptors(900.0, 1.0, 0.6),
        descriptors(150.0, 0.01, 0.0),
        descriptors(2_500.0, 0.01, 0.0),
        descriptors(200.0, 0.001, 0.0),
        descriptors(800.0, 0.05, 0.1),
    ];
    let refs: Vec<Option<&Descriptors>> = d.iter().map(Some).collect();
    SearchIndex::build(&docs, Arc::new(Lexicon::builtin().unwrap()))
        .with_measurements(&refs, &[Some(0.8); 8])
}

fn ids(index: &SearchIndex, query: &str) -> Vec<String> {
    index
        .rank(&SearchQuery {
            query: Some(query.into()),
            ..Default::default()
        })
        .hits
        .iter()
        .map(|h| index.text.ids[h.doc].clone())
        .collect()
}

#[test]
fn role_words_filter_by_role_in_any_inflection() {
    let ix = index();
    for q in ["warm pad", "warm pads", "mellow PADS"] {
        let got = ids(&ix, q);
        assert!(!got.is_empty(), "{q}");
        assert!(got.iter().all(|id| id.starts_with("pad-")), "{q}: {got:?}");
    }
    let subs = ids(&ix, "sub");
    assert!(subs.iter().all(|id| id.starts_with("bass-")), "{subs:?}");
    assert_eq!(subs.len(), 2);
    // A role-only query lists the role; drums is every drum role.
    assert_eq!(ids(&ix, "drums"), ["kick-punchy"]);
}

#[test]
fn the_role_parameter_wins_over_role_words() {
    let ix = index();
    let r = ix.rank(&SearchQuery {
        query: Some("warm pad".into()),
        role: Some(" Bass ".into()),
        ..Default::default()
    });
    let got: Vec<&str> = r.hits.iter().map(|h| ix.text.ids[h.doc].as_str()).collect();
    assert_eq!(got[0], "bass-warm-sub");
    assert!(got.iter().all(|id| id.starts_with("bass-")));
}

#[test]
fn synonyms_match_at_reduced_weight_and_descriptors_decide_between_them() {
    let ix = index();
    // "mellow" is tagged on one pad, "warm" is its synonym: the mellow pad wins and measures
    // darkest (400 Hz), the bright glass pad (4 kHz) is not a warm result at all.
    let got = ids(&ix, "warm pad");
    assert_eq!(got[0], "pad-mellow-bed", "{got:?}");
    assert!(!got.contains(&"pad-glass".to_string()), "{got:?}");
    let r = ix.rank(&SearchQuery {
        query: Some("mellow".into()),
        ..Default::default()
    });
    let first = r.hits[0];
    assert_eq!(ix.text.ids[first.doc], "pad-mellow-bed");
    let synonym = r
        .hits
        .iter()
        .find(|h| ix.text.ids[h.doc] == "lead-warm")
        .unwrap();
    assert!(synonym.text_score < first.text_score, "{r:?}");
    assert!(synonym.descriptor_score.is_some());
}

#[test]
fn bright_is_relative_to_the_role() {
    let ix = index();
    // The bright bass (2.5 kHz) is the brighter of the two basses, which is what "bright
    // bass" means: percentiles are taken within the role (here 0.75 of two).
    let r = ix.rank(&SearchQuery {
        query: Some("bright bass".into()),
        ..Default::default()
    });
    let top = r.hits[0];
    assert_eq!(ix.text.ids[top.doc], "bass-bright-saw");
    // Its measurement (0.75) plus the bonus for saying so while measuring in the upper
    // quarter (agreement 1).
    let d = top.descriptor_score.unwrap();
    assert!(
        (d - (0.75 + CLAIM_BONUS * top.text_score)).abs() < 1e-6,
        "{d} {top:?}"
    );
    assert!(top.text_score > 0.5);
}

#[test]
fn typos_are_corrected_to_the_nearest_word() {
    let ix = index();
    let r = ix.rank(&SearchQuery {
        query: Some("wram pda".into()),
        ..Default::default()
    });
    assert_eq!(r.corrections[0], ("wram".to_string(), "warm".to_string()));
    // "pda" is too short to correct and is ignored.
    assert_eq!(r.ignored, ["pda"]);
    assert!(!r.hits.is_empty());
    let got = ids(&ix, "wram pads");
    assert!(got.iter().all(|id| id.starts_with("pad-")) && !got.is_empty());
    let got = ids(&ix, "punchi kicks");
    assert_eq!(got, ["kick-punchy"], "{got:?}");
}

#[test]
fn unknown_words_match_nothing_and_empty_queries_list_everything() {
    let ix = index();
    assert!(ids(&ix, "zzqqxx").is_empty());
    let all = ix.rank(&SearchQuery::default());
    assert_eq!(all.hits.len(), 8);
    assert!(!all.ranked);
    let tagged = ix.rank(&SearchQuery {
        tag: Some("WARM".into()),
        ..Default::default()
    });
    assert_eq!(tagged.hits.len(), 2);
}

#[test]
fn hostile_queries_are_bounded_and_do_not_panic() {
    let ix = index();
    let long = "warm ".repeat(2_000) + "pad";
    let r = ix.rank(&SearchQuery {
        query: Some(long),
        ..Default::default()
    });
    // Only the first 16 words are read: the trailing "pad" is not, so no role filter.
    assert!(r.roles.is_empty());
    assert!(!r.hits.is_empty());
    for q in [
        "!!!???...,,,;;;".repeat(500),
        "ñ水🎹".repeat(3_000),
        "\u{0}\u{1}\u{7f}".repeat(100),
        "a".repeat(10_000),
        "x-".repeat(5_000),
    ] {
        let r = ix.rank(&SearchQuery {
            query: Some(q.clone()),
            ..Default::default()
        });
        assert!(r.hits.len() <= ix.len(), "{}", &q[..16]);
    }
    // A cut in the middle of a multi-byte character lands on a boundary.
    let s = "é".repeat(600);
    assert!(floor_char_boundary(&s, MAX_QUERY_BYTES) <= MAX_QUERY_BYTES);
    assert!(s.is_char_boundary(floor_char_boundary(&s, MAX_QUERY_BYTES)));
}

#[test]
fn unmeasured_presets_sit_in_the_middle() {
    let docs = catalogue();
    let ix = SearchIndex::build(&docs, Arc::new(Lexicon::builtin().unwrap()));
    let r = ix.rank(&SearchQuery {
        query: Some("warm".into()),
        ..Default::default()
    });
    assert!(r.hits.iter().all(|h| h.descriptor_score.is_none()));
    // Only text to go on: the middle of the role plus half the text match.
    let top = r.hits[0];
    assert!((top.score - (UNMEASURED + (1.0 - UNMEASURED) * top.text_score)).abs() < 1e-6);
    // Presets that do not say "warm" are not results without a measurement.
    assert!(r.hits.iter().all(|h| h.text_score > 0.0));
}
