//! `tonewheel presets search` end to end: ranked factory results with scores, role words
//! and `--role`, typo correction, JSON lines, bad flags, and presets a server recorded in
//! its catalogue (`--data DIR`).

mod common;
use common::{json_lines, tonewheel};

#[test]
fn search_ranks_factory_presets_with_scores() {
    let out = tonewheel(&["presets", "search", "warm pad", "--json", "--limit", "5"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 5);
    let mut last = f64::INFINITY;
    for r in &rows {
        assert_eq!(r["role"], "pad", "{r}");
        for key in [
            "id",
            "name",
            "source",
            "text_score",
            "descriptor_score",
            "descriptors",
        ] {
            assert!(r.get(key).is_some(), "{key} missing: {r}");
        }
        let score = r["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score) && score <= last, "{rows:?}");
        last = score;
        assert!(r["descriptors"]["centroid_hz"].as_f64().unwrap() > 0.0);
    }

    // The table: a header and one line per result; a typo is read and said so.
    let out = tonewheel(&["presets", "search", "wram pads", "--limit", "3"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.lines().next().unwrap().contains("score"));
    assert!(text.lines().skip(1).all(|l| l.contains(" pad ")), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"wram\" as \"warm\""));

    let out = tonewheel(&[
        "presets",
        "search",
        "dark punchy",
        "--role",
        "bass",
        "--json",
    ]);
    let rows = json_lines(&out);
    assert!(!rows.is_empty() && rows.iter().all(|r| r["role"] == "bass"));

    // Nothing matches: success, no rows, a note on stderr.
    let out = tonewheel(&["presets", "search", "zzqqxx", "--json"]);
    assert!(out.status.success());
    assert!(json_lines(&out).is_empty());

    let out = tonewheel(&["presets", "search", "warm", "--role", "banjo"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn search_includes_presets_recorded_in_the_catalogue() {
    let data = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = tonewheel_store::Store::open(&tonewheel_store::StoreConfig {
            data_dir: data.path().to_path_buf(),
            database_url: None,
        })
        .await
        .unwrap();
        store
            .upsert_preset(&tonewheel_store::PresetRecord {
                id: "my-velvet-drone".into(),
                name: "Velvet Drone".into(),
                role: "pad".into(),
                tags: vec!["zzvelvet".into()],
                description: "A user pad.".into(),
                source: tonewheel_store::PresetSource::User,
                content_hash: "0123456789abcdef".into(),
                quality_score: Some(0.9),
                quality: None,
                descriptors: None,
                preview_cache_key: None,
            })
            .await
            .unwrap();
        store.close().await;
    });
    let dir = data.path().to_str().unwrap();
    let out = tonewheel(&["presets", "search", "zzvelvet", "--json", "--data", dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "my-velvet-drone");
    assert_eq!(rows[0]["source"], "user");
    // Not measured yet: no descriptor score, no descriptors.
    assert!(rows[0]["descriptor_score"].is_null() && rows[0]["descriptors"].is_null());

    // A data folder without a catalogue is not created by searching.
    let empty = tempfile::tempdir().unwrap();
    let out = tonewheel(&[
        "presets",
        "search",
        "warm",
        "--data",
        empty.path().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(!empty.path().join("tonewheel.db").exists());
}
