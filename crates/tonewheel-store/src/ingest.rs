//! Analysing one audio file into the [`FileRecord`] the catalogue stores: the analyzer set
//! every import uses, the decoding pass, and the conversion of its report (or its failure).
//! `tonewheel library import` and the server's `POST /analyze` and upload route all go through
//! here, so a file catalogued either way carries the same results.

use std::path::Path;

use tonewheel_analysis::engine::{Engine, EngineError, Registry, UnknownAnalyzer};

use crate::records::{FileOutcome, FileRecord};
use crate::report::outcome_from_report;

/// The analyzers of an import: every default analyzer but the waveform peaks (peaks are drawn
/// on demand and cached as files, not catalogued).
pub fn import_registry() -> Result<Registry, UnknownAnalyzer> {
    let defaults = Registry::defaults();
    let names: Vec<&str> = defaults
        .names()
        .into_iter()
        .filter(|n| *n != "peaks")
        .collect();
    Registry::defaults().select(&names)
}

/// An engine running [`import_registry`] with the default region and extraction options.
pub fn import_engine() -> Result<Engine, UnknownAnalyzer> {
    Ok(Engine::new(import_registry()?))
}

/// A stable snake_case code for a file that could not be analysed (stored as the file's
/// `error_code`): the audio error's code, `unsupported_format`, or `internal_error` when the
/// decoding pass panicked.
pub fn engine_error_code(e: &EngineError) -> &'static str {
    match e {
        EngineError::Audio(a) => a.code(),
        EngineError::Unsupported(_) => "unsupported_format",
        EngineError::Panicked(_) => "internal_error",
    }
}

/// Decodes and analyses the file at `read_from` and returns what to catalogue under
/// `stored_path` with `content_hash` (the caller hashed the bytes, usually to skip unchanged
/// files before this costly step). `display_name` is the name shown and searched for, and
/// the one auto role tags come from (`Kick_01.wav` is tagged `kick`); `None` means the last
/// component of `stored_path`.
///
/// A file that cannot be decoded gives a record with [`FileOutcome::Error`] (code and the
/// decoder's reason) and the engine's error, so the caller can both record the failure and
/// report it; analyzer failures inside a decodable file are statuses in its results.
pub fn analyze_to_record(
    engine: &Engine,
    read_from: &Path,
    stored_path: String,
    content_hash: String,
    display_name: Option<String>,
) -> (FileRecord, Option<EngineError>) {
    let format = tonewheel_audio::probe_info(read_from)
        .ok()
        .map(|i| i.format.name().to_string());
    let tag_name = display_name.clone().unwrap_or_else(|| {
        Path::new(&stored_path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    match engine.analyze_file(read_from) {
        Ok(report) => (
            FileRecord {
                path: stored_path,
                display_name,
                content_hash,
                format,
                duration_s: Some(report.facts.duration_s),
                sample_rate: Some(i64::from(report.facts.sample_rate)),
                channels: i64::try_from(report.facts.channels).ok(),
                outcome: outcome_from_report(&tag_name, &report),
            },
            None,
        ),
        Err(e) => (
            FileRecord {
                path: stored_path,
                display_name,
                content_hash,
                format,
                duration_s: None,
                sample_rate: None,
                channels: None,
                outcome: FileOutcome::Error {
                    code: engine_error_code(&e).to_string(),
                    message: e.to_string(),
                },
            },
            Some(e),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_run_every_default_analyzer_but_peaks() {
        let registry = import_registry().unwrap();
        let mut expected = Registry::defaults().names();
        expected.retain(|n| *n != "peaks");
        assert_eq!(registry.names(), expected);
        assert!(!expected.is_empty());
    }

    #[test]
    fn an_undecodable_file_becomes_an_error_record_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not-audio.wav");
        std::fs::write(&path, b"this is text, not a RIFF file").unwrap();
        let engine = import_engine().unwrap();
        let (record, error) = analyze_to_record(
            &engine,
            &path,
            "/library/not-audio.wav".into(),
            crate::hash_file(&path).unwrap(),
            Some("Not Audio.wav".into()),
        );
        let error = error.expect("text is not decodable");
        assert_eq!(record.path, "/library/not-audio.wav");
        assert_eq!(record.display_name.as_deref(), Some("Not Audio.wav"));
        match &record.outcome {
            FileOutcome::Error { code, message } => {
                assert_eq!(code, engine_error_code(&error));
                assert_eq!(code, "unsupported_format");
                assert_eq!(message, &error.to_string());
            }
            other => panic!("expected an error outcome, got {other:?}"),
        }
    }
}
