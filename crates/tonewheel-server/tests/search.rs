//! Semantic search on the real factory presets and their committed descriptors: the words
//! of a query must be what the top results measure, within their role.

use std::sync::Arc;

use tonewheel_analysis::{Descriptor, Descriptors};
use tonewheel_audio::Role;
use tonewheel_server::catalogue::Catalogue;
use tonewheel_server::facts::FactoryFacts;
use tonewheel_server::preset_library::search_doc;
use tonewheel_server::search::lexicon::{Direction, Lexicon};
use tonewheel_server::search::{SearchIndex, SearchQuery, MAX_QUERY_BYTES};

struct Fixture {
    catalogue: Catalogue,
    descriptors: Vec<Option<Descriptors>>,
    index: SearchIndex,
}

fn fixture() -> Fixture {
    let catalogue = Catalogue::load(None).unwrap();
    let facts = FactoryFacts::builtin();
    let descriptors: Vec<Option<Descriptors>> = catalogue
        .entries()
        .iter()
        .map(|e| {
            facts
                .presets
                .iter()
                .find(|f| f.id == e.id && f.content_hash == e.content_hash)
                .map(|f| f.facts.descriptors.clone())
        })
        .collect();
    assert!(
        descriptors.iter().all(Option::is_some),
        "factory descriptors are committed"
    );
    let docs: Vec<_> = catalogue.entries().iter().map(search_doc).collect();
    let refs: Vec<Option<&Descriptors>> = descriptors.iter().map(Option::as_ref).collect();
    let index = SearchIndex::build(&docs, Arc::new(Lexicon::builtin().unwrap()))
        .with_measurements(&refs, &[]);
    Fixture {
        catalogue,
        descriptors,
        index,
    }
}

impl Fixture {
    /// The hits of `query` as document indices, best first.
    fn search(&self, query: &str) -> Vec<usize> {
        self.index
            .rank(&SearchQuery {
                query: Some(query.into()),
                ..Default::default()
            })
            .hits
            .iter()
            .map(|h| h.doc)
            .collect()
    }

    fn role(&self, doc: usize) -> Role {
        self.catalogue.entries()[doc].preset.role
    }

    fn value(&self, doc: usize, d: Descriptor) -> f64 {
        self.descriptors[doc].as_ref().unwrap().get(d).unwrap()
    }

    /// The median of `d` over every preset of `role`.
    fn median(&self, role: Role, d: Descriptor) -> f64 {
        let mut v: Vec<f64> = (0..self.catalogue.len())
            .filter(|&i| self.role(i) == role)
            .map(|i| self.value(i, d))
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    }

    fn id(&self, doc: usize) -> &str {
        &self.catalogue.entries()[doc].id
    }

    /// Mid-rank percentile of preset `doc` on `d` among the presets of its role.
    fn percentile(&self, doc: usize, d: Descriptor) -> f64 {
        let role = self.role(doc);
        let v = self.value(doc, d);
        let others: Vec<f64> = (0..self.catalogue.len())
            .filter(|&i| self.role(i) == role)
            .map(|i| self.value(i, d))
            .collect();
        let below = others.iter().filter(|&&x| x < v).count() as f64;
        let equal = others.iter().filter(|&&x| x == v).count() as f64;
        (below + 0.5 * equal) / others.len() as f64
    }

    /// How a preset measures on one lexicon group: the weighted mean of its terms'
    /// percentiles within the role, each in the direction the term asks (0.5 = the median).
    fn concept(&self, doc: usize, group: &str) -> f64 {
        let lexicon = Lexicon::builtin().unwrap();
        let g = lexicon.groups().iter().find(|g| g.id == group).unwrap();
        let (mut sum, mut weight) = (0.0, 0.0);
        for t in &g.terms {
            let p = self.percentile(doc, t.descriptor);
            let p = match t.direction {
                Direction::High => p,
                Direction::Low => 1.0 - p,
            };
            sum += t.weight * p;
            weight += t.weight;
        }
        sum / weight
    }

    /// Asserts that every hit of `query` is of `role`; that each of the top `strict`
    /// measures beyond its role's median on every concept (lexicon group) of the query, and
    /// each of the top `n` on their combination (harmonic mean: one weak concept drags it
    /// down); and that the top `n` lie, on average, on the asked side of the role's median of
    /// each raw descriptor `(descriptor, lower_is_wanted)`.
    ///
    /// `strict` is below `n` for two-concept queries because the factory library does not
    /// have five presets beyond the median on both: 3 of 16 basses are darker and punchier
    /// than the median bass, 4 of 16 pads wider and more moving than the median pad.
    fn assert_top(
        &self,
        query: &str,
        role: Role,
        (n, strict): (usize, usize),
        concepts: &[&str],
        raw: &[(Descriptor, bool)],
    ) {
        let hits = self.search(query);
        let ids: Vec<&str> = hits.iter().map(|&h| self.id(h)).collect();
        assert!(hits.len() >= n, "{query}: only {ids:?}");
        assert!(
            hits.iter().all(|&h| self.role(h) == role),
            "{query}: {ids:?}"
        );
        for (rank, &h) in hits[..n].iter().enumerate() {
            let measures: Vec<f64> = concepts.iter().map(|c| self.concept(h, c)).collect();
            let combined = measures.len() as f64 / measures.iter().map(|m| 1.0 / m).sum::<f64>();
            assert!(
                combined > 0.5,
                "{query}: {} measures {concepts:?} {measures:.3?}; top {n}: {:?}",
                self.id(h),
                &ids[..n]
            );
            if rank < strict {
                for (c, m) in concepts.iter().zip(&measures) {
                    assert!(
                        *m > 0.5,
                        "{query}: {} measures {c} {m:.3} (median 0.5); top {n}: {:?}",
                        self.id(h),
                        &ids[..n]
                    );
                }
            }
        }
        for &(d, lower) in raw {
            let median = self.median(role, d);
            let mean = hits[..n].iter().map(|&h| self.value(h, d)).sum::<f64>() / n as f64;
            let ok = if lower { mean < median } else { mean > median };
            assert!(
                ok,
                "{query}: top {n} mean {} {mean:.4}, median {role} {median:.4}",
                d.name()
            );
        }
    }
}

#[test]
fn warm_pad_returns_pads_that_measure_warm() {
    let f = fixture();
    f.assert_top(
        "warm pad",
        Role::Pad,
        (5, 5),
        &["warm"],
        &[(Descriptor::CentroidHz, true), (Descriptor::Warmth, false)],
    );
}

#[test]
fn bright_pluck_returns_plucks_that_measure_bright() {
    let f = fixture();
    f.assert_top(
        "bright pluck",
        Role::Pluck,
        (5, 5),
        &["bright"],
        &[
            (Descriptor::CentroidHz, false),
            (Descriptor::HfShare, false),
        ],
    );
}

#[test]
fn dark_punchy_bass_returns_dark_punchy_basses() {
    let f = fixture();
    f.assert_top(
        "dark punchy bass",
        Role::Bass,
        (5, 3),
        &["dark", "punchy"],
        &[(Descriptor::CentroidHz, true), (Descriptor::Punch, false)],
    );
}

#[test]
fn wide_evolving_pad_returns_wide_moving_pads() {
    let f = fixture();
    f.assert_top(
        "wide evolving pad",
        Role::Pad,
        (5, 3),
        &["wide", "evolving"],
        &[(Descriptor::Width, false), (Descriptor::Movement, false)],
    );
}

#[test]
fn a_typo_still_finds_warm_pads() {
    let f = fixture();
    // Read as "warm" (at the typo weight), so the same measured-warm pads lead.
    f.assert_top(
        "wram pad",
        Role::Pad,
        (5, 5),
        &["warm"],
        &[(Descriptor::CentroidHz, true)],
    );
    let mut typo = f.search("wram pad");
    let mut right = f.search("warm pad");
    typo.truncate(5);
    right.truncate(5);
    typo.sort_unstable();
    right.sort_unstable();
    assert_eq!(typo, right);
    // Plurals and synonyms read the same way.
    assert!(f
        .search("mellow pads")
        .iter()
        .all(|&h| f.role(h) == Role::Pad));
}

#[test]
fn hostile_queries_are_bounded_and_do_not_panic() {
    let f = fixture();
    for q in [
        "x".repeat(10_240),
        "warm ".repeat(2_048),
        "🎹 ñ 水 ".repeat(1_000),
        "!!!???...---'''".repeat(700),
        "\u{202e}\u{0}\u{ffff}".repeat(1_000),
        "wram brigth pnchy evolvng wdie darkk".repeat(300),
    ] {
        assert!(q.len() >= 10_000 || q.chars().count() >= 3_000);
        let r = f.index.rank(&SearchQuery {
            query: Some(q),
            role: Some("pad".into()),
            tag: None,
        });
        assert!(r.hits.len() <= f.catalogue.len());
        assert!(r.ignored.len() + r.corrections.len() <= 16);
    }
    // The work is bounded by construction: at most MAX_QUERY_BYTES of a query are read.
    assert_eq!(MAX_QUERY_BYTES, 1024);
}
