//! Genre templates: every genre (and alias) generates a valid session that renders.

use tonewheel_compose::generate::generate;
use tonewheel_compose::knowledge::Knowledge;
use tonewheel_compose::pattern::parse_pattern;
use tonewheel_compose::session::{render, Session, SessionError};

#[test]
fn every_genre_generates_a_session_that_renders() {
    let k = Knowledge::load().unwrap();
    for g in k.genres() {
        let s = generate(&k, &g.id, None, 4, None, 7).unwrap();
        assert_eq!(s.context.bpm, g.bpm.typical, "{}", g.id);
        assert_eq!(
            s.arrangement.iter().map(|x| x.bars).sum::<u32>(),
            4,
            "{}",
            g.id
        );
        assert!(
            s.tracks.iter().any(|t| t.id == "bass"),
            "{} has no bass",
            g.id
        );
        for t in &s.tracks {
            for p in t.patterns.values() {
                parse_pattern(p).unwrap();
            }
        }
        // JSON round trip keeps the session.
        let again = Session::from_json(&s.to_json()).unwrap();
        assert_eq!(again.to_json(), s.to_json());
        // Render one bar of the "full" part to keep the test fast.
        let mut short = s.clone();
        short.arrangement.truncate(1);
        short.arrangement[0].bars = 1;
        short.context.tail_s = 0.0;
        for t in &mut short.tracks {
            let full = t
                .patterns
                .values()
                .find(|p| p.as_str() != "~")
                .cloned()
                .unwrap_or_else(|| "~".into());
            t.patterns = [(short.arrangement[0].name.clone(), full)]
                .into_iter()
                .collect();
        }
        let r = render(&short).unwrap();
        let peak = r.mix_left.iter().map(|x| x.abs()).fold(0.0f32, f32::max);
        assert!(
            peak > 1e-3 && peak <= 0.9 && r.mix_left.iter().all(|x| x.is_finite()),
            "{}: peak {peak}",
            g.id
        );
    }
}

#[test]
fn aliases_keys_tempos_and_seeds() {
    let k = Knowledge::load().unwrap();
    let a = generate(&k, "drum-and-bass", Some(172.0), 16, Some("G minor"), 1).unwrap();
    assert_eq!((a.context.bpm, a.context.key.as_str()), (172.0, "G minor"));
    assert_eq!(a.metadata.genre.as_deref(), Some("dnb"));
    assert_eq!(
        a.to_json(),
        generate(&k, "dnb", Some(172.0), 16, Some("G minor"), 1)
            .unwrap()
            .to_json()
    );
    let differs = (2..10).any(|seed| {
        generate(&k, "dnb", Some(172.0), 16, Some("G minor"), seed)
            .unwrap()
            .to_json()
            != a.to_json()
    });
    assert!(differs, "the seed changes nothing");
    assert!(matches!(
        generate(&k, "polka", None, 8, None, 0),
        Err(SessionError::Invalid { .. })
    ));
    assert!(generate(&k, "techno", None, 0, None, 0).is_err());
    assert!(generate(&k, "techno", None, 8, Some("X major"), 0).is_err());
    // Lengths shorter than the genre's section count still sum exactly.
    for bars in [1, 2, 3, 7, 33, 200] {
        let s = generate(&k, "trance", None, bars, None, 0).unwrap();
        assert_eq!(s.arrangement.iter().map(|x| x.bars).sum::<u32>(), bars);
    }
}
