//! The committed JSON Schema and stage reference match the code. Regenerate both with
//! `TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-synth --test docs`.

use std::path::PathBuf;

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn check(rel: &str, generated: &str) {
    let path = repo_file(rel);
    if std::env::var_os("TONEWHEEL_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == generated, "{rel} is out of date: run TONEWHEEL_UPDATE_DOCS=1 cargo test -p tonewheel-synth --test docs");
}

#[test]
fn preset_schema_is_current() {
    let schema = schemars::schema_for!(tonewheel_synth::format::PresetFile);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    check("schemas/preset.schema.json", &text);
}

#[test]
fn stage_reference_is_current() {
    check(
        "docs/presets.md",
        &tonewheel_synth::spec::markdown_reference(),
    );
}
