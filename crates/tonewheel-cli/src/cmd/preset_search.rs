//! `tonewheel presets search "QUERY"`: the server's semantic search, offline, over the
//! factory presets (with their committed descriptors) and the user and generated presets a
//! server recorded in its catalogue (`--data DIR`, default `./tonewheel-data`, when its
//! database exists; or `--database-url`).

use std::sync::Arc;

use serde::Serialize;
use tonewheel_analysis::Descriptors;
use tonewheel_audio::Role;
use tonewheel_server::catalogue::Catalogue;
use tonewheel_server::facts::FactoryFacts;
use tonewheel_server::preset_library::search_doc;
use tonewheel_server::search::lexicon::Lexicon;
use tonewheel_server::search::{SearchDoc, SearchIndex, SearchQuery};
use tonewheel_store::{PresetQuery, PresetRecord, PresetSource, Store, StoreConfig, DATABASE_FILE};

use crate::cli::PresetsSearchArgs;
use crate::outcome::Outcome;

/// One searchable preset with what is known about it.
struct Candidate {
    doc: SearchDoc,
    source: &'static str,
    descriptors: Option<Descriptors>,
    quality: Option<f32>,
}

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    name: &'a str,
    role: &'a str,
    source: &'a str,
    score: f32,
    text_score: f32,
    descriptor_score: Option<f32>,
    descriptors: Option<&'a Descriptors>,
}

/// Runs the search and prints the ranked results.
pub fn run(args: &PresetsSearchArgs) -> Outcome {
    if let Some(role) = &args.role {
        if let Err(e) = role.parse::<Role>() {
            eprintln!("tonewheel presets search: --role: {e}");
            return Outcome::InputError;
        }
    }
    let lexicon = match Lexicon::builtin() {
        Ok(l) => Arc::new(l),
        Err(e) => {
            eprintln!("tonewheel presets search: {e}");
            return Outcome::InternalError;
        }
    };
    let mut candidates = match factory_candidates() {
        Ok(c) => c,
        Err(o) => return o,
    };
    match stored_candidates(args) {
        Ok(extra) => {
            let known: std::collections::HashSet<String> =
                candidates.iter().map(|c| c.doc.id.clone()).collect();
            candidates.extend(extra.into_iter().filter(|c| !known.contains(&c.doc.id)));
        }
        Err(o) => return o,
    }
    let docs: Vec<SearchDoc> = candidates.iter().map(|c| c.doc.clone()).collect();
    let descriptors: Vec<Option<&Descriptors>> =
        candidates.iter().map(|c| c.descriptors.as_ref()).collect();
    let quality: Vec<Option<f32>> = candidates.iter().map(|c| c.quality).collect();
    let index = SearchIndex::build(&docs, lexicon).with_measurements(&descriptors, &quality);
    let result = index.rank(&SearchQuery {
        query: Some(args.query.clone()),
        role: args.role.clone(),
        tag: None,
    });
    for (typed, read_as) in &result.corrections {
        eprintln!("tonewheel presets search: read \"{typed}\" as \"{read_as}\"");
    }
    if !result.ignored.is_empty() {
        eprintln!(
            "tonewheel presets search: no preset knows {}",
            result
                .ignored
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if result.hits.is_empty() {
        eprintln!("tonewheel presets search: no presets match");
        return Outcome::Success;
    }
    let limit = usize::try_from(args.limit).unwrap_or(usize::MAX);
    if !args.json {
        crate::outcome::emit(&format!(
            "{:>3}  {:>5} {:>5} {:>5}  {:<32} {:<6} {}",
            "#", "score", "text", "sound", "id", "role", "name"
        ));
    }
    for (rank, hit) in result.hits.iter().take(limit).enumerate() {
        let c = &candidates[hit.doc];
        let row = Row {
            id: &c.doc.id,
            name: &c.doc.name,
            role: c.doc.role.name(),
            source: c.source,
            score: hit.score,
            text_score: hit.text_score,
            descriptor_score: hit.descriptor_score,
            descriptors: c.descriptors.as_ref(),
        };
        if args.json {
            crate::outcome::emit(&serde_json::to_string(&row).unwrap_or_default());
        } else {
            let sound = row
                .descriptor_score
                .map_or_else(|| "-".to_string(), |d| format!("{d:.2}"));
            crate::outcome::emit(&format!(
                "{:>3}  {:>5.2} {:>5.2} {:>5}  {:<32} {:<6} {}",
                rank + 1,
                row.score,
                row.text_score,
                sound,
                row.id,
                row.role,
                row.name
            ));
        }
    }
    if !args.json && result.hits.len() > limit {
        eprintln!(
            "tonewheel presets search: {} more (--limit)",
            result.hits.len() - limit
        );
    }
    Outcome::Success
}

fn factory_candidates() -> Result<Vec<Candidate>, Outcome> {
    let catalogue = Catalogue::load(None).map_err(|e| {
        eprintln!("tonewheel presets search: {e}");
        Outcome::InternalError
    })?;
    let facts = FactoryFacts::builtin();
    Ok(catalogue
        .entries()
        .iter()
        .map(|e| {
            let f = facts
                .presets
                .iter()
                .find(|f| f.id == e.id && f.content_hash == e.content_hash);
            Candidate {
                doc: search_doc(e),
                source: "factory",
                descriptors: f.map(|f| f.facts.descriptors.clone()),
                quality: f.map(|f| f.facts.quality.overall_score),
            }
        })
        .collect())
}

/// The non-factory presets of the catalogue, when there is one: a database URL, or an
/// existing database file in the data folder (searching never creates one).
fn stored_candidates(args: &PresetsSearchArgs) -> Result<Vec<Candidate>, Outcome> {
    let config = StoreConfig::resolve(args.store.data.clone(), args.store.database_url.clone());
    if config.database_url.is_none() && !config.data_dir.join(DATABASE_FILE).is_file() {
        if args.store.data.is_some() {
            eprintln!(
                "tonewheel presets search: no catalogue at {}: factory presets only",
                config.describe()
            );
        }
        return Ok(Vec::new());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("tonewheel presets search: cannot start the async runtime: {e}");
            Outcome::InternalError
        })?;
    let rows = rt.block_on(async {
        let store = Store::open(&config).await?;
        let rows = store.list_presets(&PresetQuery::default()).await;
        store.close().await;
        rows
    });
    let rows = rows.map_err(|e| {
        eprintln!("tonewheel presets search: {}: {e}", config.describe());
        Outcome::InputError
    })?;
    Ok(rows
        .into_iter()
        .filter(|r| r.source != PresetSource::Factory)
        .filter_map(candidate_of)
        .collect())
}

/// A stored row as a candidate; rows with an unknown role are skipped (another version of
/// the program may have written them).
fn candidate_of(r: PresetRecord) -> Option<Candidate> {
    let role = r.role.parse::<Role>().ok()?;
    Some(Candidate {
        descriptors: r
            .descriptors
            .and_then(|d| serde_json::from_value::<Descriptors>(d).ok()),
        quality: r.quality_score.map(|q| q as f32),
        source: r.source.as_str(),
        doc: SearchDoc {
            id: r.id,
            name: r.name,
            role,
            tags: r.tags,
            description: r.description,
        },
    })
}
