//! From an analysis report to what the catalogue stores: the whole-file region (file-level
//! results), the sounding regions (per-region results), the typed summary and auto tags.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tonewheel_analysis::engine::FileReport;

use crate::records::{AnalyzerResult, FileOutcome, RegionKind, RegionRecord, Summary};

/// Files shorter than this with one sounding region are tagged `one-shot` (a drum hit or a
/// single note; loops and songs are longer).
const ONE_SHOT_MAX_S: f64 = 2.0;
/// Tempo confidence from which a file of at least [`ONE_SHOT_MAX_S`] is tagged `loop`
/// (the tempo analyzer's own threshold for a reliable periodicity).
const LOOP_MIN_TEMPO_CONFIDENCE: f64 = 0.5;

/// Role words recognised in file names (`Kick_01.wav` is tagged `kick`): the preset roles,
/// plus common sample-pack abbreviations mapped to them.
const ROLE_WORDS: [(&str, &str); 20] = [
    ("kick", "kick"),
    ("bd", "kick"),
    ("snare", "snare"),
    ("sd", "snare"),
    ("clap", "clap"),
    ("hat", "hat"),
    ("hihat", "hat"),
    ("hh", "hat"),
    ("perc", "perc"),
    ("percussion", "perc"),
    ("bass", "bass"),
    ("sub", "bass"),
    ("pad", "pad"),
    ("lead", "lead"),
    ("pluck", "pluck"),
    ("keys", "keys"),
    ("piano", "keys"),
    ("arp", "arp"),
    ("fx", "fx"),
    ("sfx", "fx"),
];

/// The role tags a file name suggests (`kick`, `snare`, `bass`, ...), from its words.
pub fn role_tags_from_name(file_name: &str) -> Vec<String> {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _ext)| stem);
    let mut tags: Vec<String> = stem
        .split(|c: char| !c.is_alphanumeric())
        .flat_map(|word| {
            let w = word.to_lowercase();
            // "Kick01" counts as "kick": trailing digits are numbering.
            let w = w.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
            ROLE_WORDS
                .iter()
                .filter(move |(k, _)| *k == w)
                .map(|(_, role)| (*role).to_string())
        })
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The catalogue outcome of an analysed file: regions with results, summary and auto tags.
pub fn outcome_from_report(file_name: &str, report: &FileReport) -> FileOutcome {
    let versions: BTreeMap<&str, (u32, Option<&String>)> = report
        .analyzers
        .iter()
        .map(|a| (a.name, (a.version, a.error.as_ref())))
        .collect();
    let version_of = |name: &str| versions.get(name).map_or(0, |(v, _)| i64::from(*v));
    let file_results: Vec<AnalyzerResult> = report
        .results
        .iter()
        .map(|(name, value)| AnalyzerResult {
            analyzer: (*name).to_string(),
            version: version_of(name),
            error: versions.get(name).and_then(|(_, e)| e.cloned()),
            result: value.clone(),
        })
        .collect();
    let mut regions = vec![RegionRecord {
        index: 0,
        kind: RegionKind::File,
        start_s: 0.0,
        end_s: report.facts.duration_s,
        results: file_results,
    }];
    for (i, r) in report.regions.iter().enumerate() {
        regions.push(RegionRecord {
            index: i as i64 + 1,
            kind: RegionKind::Sound,
            start_s: r.start_s,
            end_s: r.end_s,
            results: r
                .results
                .iter()
                .map(|(name, value)| AnalyzerResult {
                    analyzer: (*name).to_string(),
                    version: version_of(name),
                    error: None,
                    result: value.clone(),
                })
                .collect(),
        });
    }
    let result = |name: &str| -> &Value {
        report
            .results
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&Value::Null, |(_, v)| v)
    };
    let (tempo, key, loudness) = (result("tempo"), result("key"), result("loudness"));
    let tonal = key["tonal"] == true;
    let summary = Summary {
        bpm: tempo["bpm"].as_f64(),
        key_tonic: key["tonic"].as_str().filter(|_| tonal).map(str::to_string),
        key_scale: key["mode"].as_str().filter(|_| tonal).map(str::to_string),
        integrated_lufs: loudness["integrated_lufs"].as_f64(),
        duration_s: Some(report.facts.duration_s),
        json: json!({
            "duration_s": report.facts.duration_s,
            "silent": report.silent,
            "regions": report.regions.len(),
            "integrated_lufs": loudness["integrated_lufs"],
            "true_peak_dbtp": loudness["true_peak_dbtp"],
            "range_lu": loudness["range_lu"],
            "bpm": tempo["bpm"],
            "tempo_confidence": tempo["confidence"],
            "key": key["tonic"],
            "scale": key["mode"],
            "key_confidence": key["confidence"],
            "tonal": key["tonal"],
            "note": result("pitch")["note_name"],
            "centroid_hz": result("spectral")["centroid_hz"],
            "stereo_width": result("stereo")["width"],
            "failed_analyzers": report.analyzers.iter()
                .filter(|a| a.status != "ok").map(|a| a.name).collect::<Vec<_>>(),
        }),
    };
    FileOutcome::Ok {
        regions,
        auto_tags: auto_tags(file_name, report, tonal, tempo),
        summary,
    }
}

fn auto_tags(file_name: &str, report: &FileReport, tonal: bool, tempo: &Value) -> Vec<String> {
    let mut tags = role_tags_from_name(file_name);
    let duration_s = report.facts.duration_s;
    if report.silent {
        tags.push("silent".into());
    } else {
        if !key_missing(report) {
            tags.push(if tonal { "tonal" } else { "atonal" }.into());
        }
        if duration_s < ONE_SHOT_MAX_S && report.regions.len() == 1 {
            tags.push("one-shot".into());
        } else if tempo["confidence"].as_f64().unwrap_or(0.0) >= LOOP_MIN_TEMPO_CONFIDENCE {
            tags.push("loop".into());
        }
    }
    tags.push(
        if report.facts.channels == 1 {
            "mono"
        } else {
            "stereo"
        }
        .into(),
    );
    tags.sort();
    tags.dedup();
    tags
}

/// True when the key analyzer did not run or failed (no tonal/atonal tag then).
fn key_missing(report: &FileReport) -> bool {
    !report
        .analyzers
        .iter()
        .any(|a| a.name == "key" && a.status == "ok")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_words_come_from_the_file_name() {
        assert_eq!(role_tags_from_name("Kick_01.wav"), vec!["kick"]);
        assert_eq!(role_tags_from_name("HH closed 3.flac"), vec!["hat"]);
        assert_eq!(
            role_tags_from_name("dark-pad and sub bass.wav"),
            vec!["bass", "pad"]
        );
        assert_eq!(role_tags_from_name("Kick01.wav"), vec!["kick"]);
        // Words inside other words are not roles ("subway" is not "sub").
        assert!(role_tags_from_name("subway ambience.wav").is_empty());
    }
}
