//! The [`Analyzer`] trait, the [`Registry`] of analyzers and [`run_analyzers`], which runs each
//! one on the file and on each region in isolation: a panic or an error becomes a `failed`
//! status with its message, and the others go on.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use serde::Serialize;
use thiserror::Error;

use super::cache::{FeatureCache, FileFacts, Span};
use super::features::{Feature, FeatureSet};
use super::regions::{find_regions, RegionOptions};

/// What an analyzer looks at: the file's features and the span to analyse.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisInput<'a> {
    /// The file's features.
    pub cache: &'a FeatureCache,
    /// The span: the whole file or one region.
    pub span: Span,
    /// Whether the span is the whole file (`false`: a region).
    pub is_file: bool,
}

/// Why an analyzer produced no result.
#[derive(Debug, Error)]
pub enum AnalyzerError {
    /// A feature the analyzer declared was not computed (an engine bug).
    #[error("feature {0:?} was not computed")]
    MissingFeature(Feature),
    /// The analyzer failed for a stated reason.
    #[error("{0}")]
    Failed(String),
}

/// One analysis: declares the features it needs and turns them into a JSON-serialisable
/// result (each analyzer serialises its own typed result struct).
pub trait Analyzer: Send + Sync {
    /// Stable name (the key of its result in the JSON and the `--analyzers` value).
    fn name(&self) -> &'static str;
    /// Version of the analyzer's algorithm and output (bumped when results change).
    fn version(&self) -> u32;
    /// The features the engine must compute for it.
    fn needs(&self) -> FeatureSet;
    /// Whether it also runs on each region (default: file only).
    fn per_region(&self) -> bool {
        false
    }
    /// Analyses one span.
    fn analyze(&self, input: &AnalysisInput<'_>) -> Result<serde_json::Value, AnalyzerError>;
}

/// An analyzer name that is not registered.
#[derive(Debug, Error)]
#[error("unknown analyzer '{name}' (valid: {valid})")]
pub struct UnknownAnalyzer {
    /// The name asked for.
    pub name: String,
    /// The valid names, comma-separated.
    pub valid: String,
}

/// An ordered set of analyzers.
#[derive(Default)]
pub struct Registry {
    analyzers: Vec<Box<dyn Analyzer>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The default analyzers, in output order.
    pub fn defaults() -> Self {
        let mut r = Self::new();
        for a in crate::analyzers::defaults() {
            r.register(a);
        }
        r
    }

    /// Adds an analyzer at the end; one with the same name as a registered analyzer replaces
    /// it in its place (so output order stays).
    pub fn register(&mut self, analyzer: Box<dyn Analyzer>) {
        match self
            .analyzers
            .iter()
            .position(|a| a.name() == analyzer.name())
        {
            Some(i) => self.analyzers[i] = analyzer,
            None => self.analyzers.push(analyzer),
        }
    }

    /// The registered names in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.analyzers.iter().map(|a| a.name()).collect()
    }

    /// Keeps only the named analyzers (in registry order); unknown names are an error.
    pub fn select(mut self, names: &[&str]) -> Result<Self, UnknownAnalyzer> {
        let valid = self.names();
        if let Some(bad) = names.iter().find(|n| !valid.contains(n)) {
            return Err(UnknownAnalyzer {
                name: (*bad).to_string(),
                valid: valid.join(","),
            });
        }
        self.analyzers.retain(|a| names.contains(&a.name()));
        Ok(self)
    }

    /// The union of the features every analyzer needs.
    pub fn needs(&self) -> FeatureSet {
        self.analyzers
            .iter()
            .fold(FeatureSet::EMPTY, |s, a| s.union(a.needs()))
    }

    /// The analyzers.
    pub fn analyzers(&self) -> impl Iterator<Item = &dyn Analyzer> {
        self.analyzers.iter().map(|a| a.as_ref())
    }
}

/// How one analyzer fared on one file (all its spans).
#[derive(Debug, Clone, Serialize)]
pub struct AnalyzerStatus {
    /// Analyzer name.
    pub name: &'static str,
    /// Analyzer version.
    pub version: u32,
    /// `ok` or `failed`.
    pub status: &'static str,
    /// The first failure message, when failed.
    pub error: Option<String>,
    /// Time spent in the analyzer (all spans), in milliseconds.
    pub elapsed_ms: f64,
}

/// One region's results.
#[derive(Debug, Clone, Serialize)]
pub struct RegionReport {
    /// Start in seconds.
    pub start_s: f64,
    /// End in seconds.
    pub end_s: f64,
    /// Length in seconds.
    pub duration_s: f64,
    /// Per-region results by analyzer name.
    #[serde(flatten)]
    pub results: BTreeMap<&'static str, serde_json::Value>,
}

/// Everything about one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Facts of the decoded file.
    #[serde(flatten)]
    pub facts: FileFacts,
    /// True when the file has no sounding region (all silent).
    pub silent: bool,
    /// File-level results by analyzer name, in registry order.
    #[serde(skip)]
    pub results: Vec<(&'static str, serde_json::Value)>,
    /// The sounding regions.
    pub regions: Vec<RegionReport>,
    /// Status of each analyzer.
    pub analyzers: Vec<AnalyzerStatus>,
    /// Time of the decoding / feature pass in milliseconds (set by the caller).
    pub extract_ms: f64,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked".to_string()
    }
}

/// Runs one analyzer on one span, catching panics.
fn run_one(
    analyzer: &dyn Analyzer,
    input: &AnalysisInput<'_>,
) -> Result<serde_json::Value, String> {
    if let Some(missing) = analyzer
        .needs()
        .iter()
        .find(|f| !input.cache.computed.contains(*f))
    {
        return Err(AnalyzerError::MissingFeature(missing).to_string());
    }
    match catch_unwind(AssertUnwindSafe(|| analyzer.analyze(input))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(payload) => Err(format!("panicked: {}", panic_message(payload.as_ref()))),
    }
}

/// Finds the regions and runs every analyzer of `registry` on the file and (for per-region
/// analyzers) on each region.
pub fn run_analyzers(
    registry: &Registry,
    cache: &FeatureCache,
    region_options: &RegionOptions,
) -> FileReport {
    let spans = find_regions(&cache.levels, cache.facts.duration_s, region_options);
    let mut regions: Vec<RegionReport> = spans
        .iter()
        .map(|s| RegionReport {
            start_s: s.start_s,
            end_s: s.end_s,
            duration_s: s.duration_s(),
            results: BTreeMap::new(),
        })
        .collect();
    let mut results = Vec::new();
    let mut statuses = Vec::new();
    for analyzer in registry.analyzers() {
        let started = Instant::now();
        let mut error = None;
        let file_input = AnalysisInput {
            cache,
            span: cache.file_span(),
            is_file: true,
        };
        match run_one(analyzer, &file_input) {
            Ok(v) => results.push((analyzer.name(), v)),
            Err(e) => {
                results.push((analyzer.name(), serde_json::Value::Null));
                error = Some(e);
            }
        }
        if analyzer.per_region() && error.is_none() {
            for (span, report) in spans.iter().zip(&mut regions) {
                let input = AnalysisInput {
                    cache,
                    span: *span,
                    is_file: false,
                };
                match run_one(analyzer, &input) {
                    Ok(v) => {
                        report.results.insert(analyzer.name(), v);
                    }
                    Err(e) => {
                        error.get_or_insert(e);
                    }
                }
            }
        }
        statuses.push(AnalyzerStatus {
            name: analyzer.name(),
            version: analyzer.version(),
            status: if error.is_some() { "failed" } else { "ok" },
            error,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        });
    }
    FileReport {
        facts: cache.facts.clone(),
        silent: spans.is_empty(),
        results,
        regions,
        analyzers: statuses,
        extract_ms: 0.0,
    }
}

impl FileReport {
    /// The report as one JSON object: file facts, each analyzer's file-level result under its
    /// name, `regions`, `analyzers`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}));
        if let Some(obj) = v.as_object_mut() {
            for (name, r) in &self.results {
                obj.insert((*name).to_string(), r.clone());
            }
        }
        v
    }
}
