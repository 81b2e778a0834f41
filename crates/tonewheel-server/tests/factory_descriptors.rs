//! `presets/factory-descriptors.json` holds the descriptors and quality of every factory
//! preset's default preview, so the server needs no renders at start. These tests keep it
//! true: every factory preset must have an entry with its current content hash (a changed
//! preset, engine version or descriptor formula fails here), and a fresh measurement of a few
//! presets must agree with the file. Regenerate it with
//! `TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-server --test factory_descriptors`.

use std::path::PathBuf;

use tonewheel_analysis::{Descriptor, DESCRIPTORS_VERSION};
use tonewheel_server::catalogue::Catalogue;
use tonewheel_server::facts::{render_facts, FactoryEntry, FactoryFacts, FACTS_FILE_VERSION};

const REL: &str = "presets/factory-descriptors.json";
const REGENERATE: &str =
    "run TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-server --test factory_descriptors";

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// Measures every factory preset, on every core (the order of the file does not depend on
/// the order of the work: entries are sorted by id).
fn measure_all(catalogue: &Catalogue) -> FactoryFacts {
    let entries = catalogue.entries();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(threads).max(1);
    let presets: Vec<FactoryEntry> = std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|e| FactoryEntry {
                            id: e.id.clone(),
                            content_hash: e.content_hash.clone(),
                            facts: render_facts(&e.preset)
                                .unwrap_or_else(|err| panic!("{}: {err}", e.id)),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    FactoryFacts {
        version: FACTS_FILE_VERSION,
        descriptors_version: DESCRIPTORS_VERSION,
        presets,
    }
}

fn committed() -> FactoryFacts {
    let text = std::fs::read_to_string(repo_file(REL)).unwrap_or_default();
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{REL} does not parse ({e}): {REGENERATE}"))
}

#[test]
fn every_factory_preset_has_current_descriptors() {
    let catalogue = Catalogue::load(None).unwrap();
    if std::env::var_os("TONEWHEEL_UPDATE_DOCS").is_some() {
        std::fs::write(repo_file(REL), measure_all(&catalogue).to_json()).unwrap();
    }
    let file = committed();
    assert_eq!(file.version, FACTS_FILE_VERSION, "{REGENERATE}");
    assert_eq!(
        file.descriptors_version, DESCRIPTORS_VERSION,
        "{REGENERATE}"
    );
    for e in catalogue.entries() {
        let found = file.presets.iter().find(|f| f.id == e.id);
        let Some(found) = found else {
            panic!("{REL} has no entry for {}: {REGENERATE}", e.id);
        };
        assert_eq!(
            found.content_hash, e.content_hash,
            "{REL}: {} changed since it was measured: {REGENERATE}",
            e.id
        );
    }
    assert_eq!(
        file.presets.len(),
        catalogue.len(),
        "{REL} lists presets that are gone: {REGENERATE}"
    );
    // What the program has built in is what the repository holds.
    assert_eq!(FactoryFacts::builtin().presets.len(), catalogue.len());
}

#[test]
fn a_fresh_measurement_agrees_with_the_file() {
    let catalogue = Catalogue::load(None).unwrap();
    let file = committed();
    for id in ["pad-warm-analog", "bass-acid-303", "hat-closed-909"] {
        let entry = catalogue.get(id).unwrap();
        let fresh = render_facts(&entry.preset).unwrap();
        let stored = &file.presets.iter().find(|f| f.id == id).unwrap().facts;
        for d in Descriptor::ALL {
            let (a, b) = (fresh.descriptors.get(d), stored.descriptors.get(d));
            match (a, b) {
                (Some(a), Some(b)) => assert!(
                    // Four significant digits are stored; allow one unit of the last digit
                    // for floating-point differences between machines.
                    (a - b).abs() <= 2e-3 * a.abs().max(b.abs()) + 1e-9,
                    "{id} {}: measured {a}, file {b}: {REGENERATE}",
                    d.name()
                ),
                (None, None) => {}
                _ => panic!("{id} {}: measured {a:?}, file {b:?}", d.name()),
            }
        }
        assert!(
            (fresh.quality.overall_score - stored.quality.overall_score).abs() < 2e-3,
            "{id}: quality {} vs {}",
            fresh.quality.overall_score,
            stored.quality.overall_score
        );
    }
}
