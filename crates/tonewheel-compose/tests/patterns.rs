//! The mini-notation grammar: semantics of every construct and every error path.

use tonewheel_compose::pattern::{
    parse_pattern, Fraction, PatternError, QueryError, Value, MAX_DEPTH, MAX_PATTERN_CHARS,
};

fn fr(n: i64, d: i64) -> Fraction {
    Fraction::new(n, d).unwrap()
}

/// Onsets and names of cycle `c` as (onset, end, label).
fn events(src: &str, c: i64) -> Vec<(Fraction, Fraction, String)> {
    parse_pattern(src)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
        .query_cycle(c)
        .unwrap()
        .into_iter()
        .map(|e| {
            let label = match e.value {
                Value::Sound(s) => s,
                Value::Note(n) => format!("n{n}"),
                Value::Degree(d) => format!("d{d}"),
            };
            (e.begin, e.end, label)
        })
        .collect()
}

fn onsets(src: &str, c: i64) -> Vec<(Fraction, String)> {
    events(src, c).into_iter().map(|(b, _, l)| (b, l)).collect()
}

fn o(list: &[(i64, i64, &str)]) -> Vec<(Fraction, String)> {
    list.iter()
        .map(|&(n, d, l)| (fr(n, d), l.to_string()))
        .collect()
}

#[test]
fn sequences_rests_and_groups() {
    assert_eq!(onsets("bd sd", 0), o(&[(0, 1, "bd"), (1, 2, "sd")]));
    assert_eq!(onsets("bd ~ sd ~", 3), o(&[(3, 1, "bd"), (7, 2, "sd")]));
    assert_eq!(
        onsets("bd [sd [hh hh]]", 0),
        o(&[(0, 1, "bd"), (1, 2, "sd"), (3, 4, "hh"), (7, 8, "hh")])
    );
    let e = events("bd [sd hh]", 0);
    assert_eq!((e[1].0, e[1].1), (fr(1, 2), fr(3, 4)));
}

#[test]
fn speed_up_and_slow_down() {
    assert_eq!(
        onsets("bd*3", 0),
        o(&[(0, 1, "bd"), (1, 3, "bd"), (2, 3, "bd")])
    );
    assert_eq!(
        onsets("[bd sd]*1.5", 0),
        o(&[(0, 1, "bd"), (1, 3, "sd"), (2, 3, "bd")])
    );
    // `/2` plays the group over two cycles: bd in cycle 0, sd in cycle 1.
    assert_eq!(onsets("[bd sd]/2", 0), o(&[(0, 1, "bd")]));
    assert_eq!(onsets("[bd sd]/2", 1), o(&[(1, 1, "sd")]));
    let e = events("bd/2", 0);
    assert_eq!((e[0].0, e[0].1), (fr(0, 1), fr(2, 1)));
    assert!(onsets("bd/2", 1).is_empty());
}

#[test]
fn alternation_per_cycle_and_nested() {
    for c in 0..6 {
        let want = ["a", "b", "c"][c as usize % 3];
        assert_eq!(onsets("<a b c>", c), o(&[(c, 1, want)]));
    }
    // The inner alternation advances only when its step is reached: a b | a c | a b ...
    let seq: Vec<String> = (0..4).map(|c| onsets("a <b c>", c)[1].1.clone()).collect();
    assert_eq!(seq, vec!["b", "c", "b", "c"]);
    let nested: Vec<String> = (0..4)
        .map(|c| onsets("<a <b c>>", c)[0].1.clone())
        .collect();
    assert_eq!(nested, vec!["a", "b", "a", "c"]);
    // Polyphony inside < >: each layer alternates on its own.
    assert_eq!(onsets("<a b, c d e>", 1), o(&[(1, 1, "b"), (1, 1, "d")]));
}

#[test]
fn replication_and_elongation() {
    assert_eq!(onsets("bd!3 sd", 0), onsets("bd bd bd sd", 0));
    assert_eq!(onsets("bd ! sd", 0), onsets("bd bd sd", 0));
    assert_eq!(onsets("bd! sd", 0), onsets("bd bd sd", 0));
    assert_eq!(onsets("bd@3 sd", 0), o(&[(0, 1, "bd"), (3, 4, "sd")]));
    assert_eq!(onsets("bd _ _ sd", 0), onsets("bd@3 sd", 0));
    assert_eq!(onsets("bd@1.5 sd", 0), o(&[(0, 1, "bd"), (3, 5, "sd")]));
    let e = events("bd _ sd", 0);
    assert_eq!(e[0].1, fr(2, 3));
}

#[test]
fn polyphony() {
    assert_eq!(
        onsets("[bd*2, hh*3]", 0),
        o(&[
            (0, 1, "bd"),
            (0, 1, "hh"),
            (1, 3, "hh"),
            (1, 2, "bd"),
            (2, 3, "hh")
        ])
    );
    assert_eq!(onsets("bd, sd", 0).len(), 2);
}

#[test]
fn euclid_in_patterns() {
    let hits = |src: &str| -> String {
        let on: Vec<Fraction> = onsets(src, 0).into_iter().map(|x| x.0).collect();
        (0..8)
            .map(|i| if on.contains(&fr(i, 8)) { 'x' } else { '.' })
            .collect()
    };
    assert_eq!(hits("bd(3,8)"), "x..x..x.");
    assert_eq!(hits("bd(3,8,1)"), "..x..x.x");
    assert_eq!(hits("bd(5,8)"), "x.xx.xx.");
    // A Euclid step holds its whole term: [bd sd](1,2) plays bd sd in the first half.
    assert_eq!(onsets("[bd sd](1,2)", 0), o(&[(0, 1, "bd"), (1, 4, "sd")]));
}

#[test]
fn notes_degrees_velocities_and_drum_symbols() {
    let p = parse_pattern("c3 eb4 f#2 cs3 0 -2 bd:0.8 rim cb lt").unwrap();
    let ev = p.query_cycle(0).unwrap();
    let vals: Vec<Value> = ev.iter().map(|e| e.value.clone()).collect();
    assert_eq!(
        vals,
        vec![
            Value::Note(48),
            Value::Note(63),
            Value::Note(42),
            Value::Note(49),
            Value::Degree(0),
            Value::Degree(-2),
            Value::Sound("bd".into()),
            Value::Sound("rim".into()),
            Value::Sound("cb".into()),
            Value::Sound("lt".into()),
        ]
    );
    assert_eq!(ev[6].velocity, Some(0.8));
    assert_eq!(ev[7].velocity, None);
    assert_eq!(ev[6].position, 20);
}

#[test]
fn queries_across_spans_are_consistent() {
    let p = parse_pattern("<bd [sd sd]> hh*3 [~ cp]/2").unwrap();
    let whole = p.query(Fraction::ZERO, Fraction::int(8)).unwrap();
    let mut pieces = Vec::new();
    for k in 0..32 {
        pieces.extend(p.query(fr(k, 4), fr(k + 1, 4)).unwrap());
    }
    assert_eq!(whole, pieces);
    assert_eq!(
        p.query(Fraction::ONE, Fraction::ZERO),
        Err(QueryError::InvalidSpan)
    );
}

fn err(src: &str) -> PatternError {
    match parse_pattern(src) {
        Err(e) => e,
        Ok(p) => panic!("{src:?} parsed: {p:?}"),
    }
}

/// Every error path: (input, position, a word the expectation must contain, found).
#[test]
fn every_error_path_reports_position_expected_and_found() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("bd $", 3, "sound", "'$'"),              // lexer: bad character
        ("", 0, "step", "end of pattern"),        // empty pattern
        ("bd ]", 3, "end of the pattern", "']'"), // stray closer
        (
            "[bd sd",
            6,
            "']' to close the bracket at character 0",
            "end of pattern",
        ),
        (
            "<bd sd",
            6,
            "'>' to close the bracket at character 0",
            "end of pattern",
        ),
        ("[bd >", 4, "']'", "'>'"),                // mismatched closer
        ("[]", 1, "step", "']'"),                  // empty group
        ("bd, ", 4, "step", "end of pattern"),     // empty layer
        ("*2", 0, "step", "'*'"),                  // modifier without a term
        ("bd*", 3, "number", "end of pattern"),    // missing factor
        ("bd*x", 3, "number", "\"x\""),            // non-numeric factor
        ("bd*0", 3, "number", "\"0\""),            // zero factor
        ("bd*100000", 3, "128", "\"100000\""),     // factor too large
        ("bd/1000", 3, "128", "\"1000\""),         // slow-down too large
        ("bd@", 3, "weight", "end of pattern"),    // missing weight
        ("bd@0", 3, "weight", "\"0\""),            // zero weight
        ("_ bd", 0, "before '_'", "'_'"),          // nothing to elongate
        ("! bd", 0, "before '!'", "'!'"),          // nothing to replicate
        ("bd!0", 3, "replication count", "\"0\""), // bad replication count
        ("bd!9999", 3, "replication count", "\"9999\""), // replication too large
        ("bd(3)", 4, "','", "')'"),                // Euclid missing steps
        ("bd(3,8", 6, "')'", "end of pattern"),    // Euclid unclosed
        ("bd(x,8)", 3, "onset count", "\"x\""),    // Euclid bad onsets
        ("bd(3,0)", 5, "step count", "\"0\""),     // Euclid zero steps
        ("bd(9,8)", 5, "at least the 9 onsets", "8"), // Euclid k > n
        ("bd(3,999)", 5, "step count", "\"999\""), // Euclid too many steps
        ("bd(3,8,x)", 7, "rotation", "\"x\""),     // Euclid bad rotation
        ("bd:", 3, "velocity", "end of pattern"),  // missing velocity
        ("bd:1.5", 3, "velocity", "\"1.5\""),      // velocity out of range
        ("[bd]:0.5", 4, "velocity directly after", "':'"), // velocity on a group
        ("0.5", 0, "integer degree", "\"0.5\""),   // non-integer degree
        ("9999", 0, "integer degree", "\"9999\""), // degree out of range
        ("g#9", 0, "note name", "\"g#9\""),        // note above MIDI 127
        ("3x", 0, "sound", "\"3x\""),              // malformed word
        ("bd*1*1*1*1*1*1*1*1*1", 18, "modifiers", "'*'"), // too many modifiers
    ];
    for &(src, position, expected, found) in cases {
        let e = err(src);
        assert_eq!(e.position, position, "{src:?}: {e}");
        assert!(
            e.expected.contains(expected),
            "{src:?}: expected {:?}",
            e.expected
        );
        assert_eq!(e.found, found, "{src:?}: {e}");
    }
}

#[test]
fn hostile_inputs_are_errors_not_allocations() {
    let long = "bd ".repeat(MAX_PATTERN_CHARS);
    assert_eq!(err(&long).position, MAX_PATTERN_CHARS);
    let deep = format!(
        "{}bd{}",
        "[".repeat(MAX_DEPTH + 1),
        "]".repeat(MAX_DEPTH + 1)
    );
    let e = err(&deep);
    assert_eq!(
        (e.position, e.expected.contains("nested")),
        (MAX_DEPTH, true)
    );
    let ok_deep = format!("{}bd{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse_pattern(&ok_deep).is_ok());
    assert!(err(&"bd!256 ".repeat(5))
        .expected
        .contains("at most 1024 steps"));
    // Nested speed-ups within the per-factor limit would produce 128^4 events: the query
    // stops with an error instead of allocating them.
    let p = parse_pattern("[[[bd*128]*128]*128]*128").unwrap();
    assert!(matches!(
        p.query_cycle(0),
        Err(QueryError::TooManyEvents { .. })
    ));
    let rests = parse_pattern("[[[[~*128]*128]*128]*128]*128").unwrap();
    assert!(matches!(
        rests.query_cycle(0),
        Err(QueryError::TooManyEvents { .. })
    ));
    // A huge query span is bounded as well.
    let p = parse_pattern("bd").unwrap();
    assert!(p.query(Fraction::ZERO, Fraction::int(1 << 40)).is_err());
    // Long modifier chains would nest the tree (and the recursion) without bound.
    assert!(err(&format!("bd{}", "*1".repeat(2000)))
        .expected
        .contains("modifiers"));
}

#[test]
fn sounds_lists_every_symbol_of_every_cycle() {
    let p = parse_pattern("bd <sd [cp rim]> hh(3,8), <~ ~ ~ oh>").unwrap();
    assert_eq!(p.sounds(), vec!["bd", "cp", "hh", "oh", "rim", "sd"]);
}
