//! The catalogue's behaviour, run against every available backend with the same test bodies:
//! SQLite always (a fresh file in a temporary folder), and PostgreSQL when
//! `TONEWHEEL_TEST_POSTGRES_URL` is set (a fresh schema per test, dropped afterwards).

use std::future::Future;

use serde_json::json;
use sqlx::Executor;
use tonewheel_store::{
    AnalyzerResult, Backend, FileOutcome, FileQuery, FileRecord, FileSort, FileStatus,
    ImportOutcome, KeyFilter, PresetQuery, PresetRecord, PresetSource, Range, RegionKind,
    RegionRecord, Store, StoreConfig, StoreError, Summary, TagSource,
};

/// Runs `body` on a fresh SQLite store, then (when configured) on a fresh PostgreSQL schema.
fn on_every_backend<F, Fut>(body: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreConfig {
            data_dir: dir.path().join("data"),
            database_url: None,
        })
        .await
        .unwrap();
        assert_eq!(store.backend(), Backend::Sqlite);
        let result = tokio::spawn(body(store.clone())).await;
        store.close().await;
        if let Err(e) = result {
            std::panic::resume_unwind(e.into_panic());
        }

        let Ok(base) = std::env::var("TONEWHEEL_TEST_POSTGRES_URL") else {
            return;
        };
        if base.trim().is_empty() {
            return;
        }
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(&base).await.unwrap();
        let schema = format!(
            "tw_test_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .await
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let store = Store::connect(&url).await.unwrap();
        assert_eq!(store.backend(), Backend::Postgres);
        let result = tokio::spawn(body(store.clone())).await;
        store.close().await;
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .await
            .unwrap();
        admin.close().await;
        if let Err(e) = result {
            std::panic::resume_unwind(e.into_panic());
        }
    });
}

fn result(analyzer: &str, value: serde_json::Value) -> AnalyzerResult {
    AnalyzerResult {
        analyzer: analyzer.into(),
        version: 1,
        error: None,
        result: value,
    }
}

/// An analysed file: a whole-file region and `sounds` sounding regions, a summary.
fn analysed(
    path: &str,
    hash: &str,
    bpm: Option<f64>,
    key: Option<(&str, &str)>,
    duration_s: f64,
    sounds: usize,
    tags: &[&str],
) -> FileRecord {
    let mut regions = vec![RegionRecord {
        index: 0,
        kind: RegionKind::File,
        start_s: 0.0,
        end_s: duration_s,
        results: vec![
            result("tempo", json!({ "bpm": bpm })),
            result("loudness", json!({ "integrated_lufs": -14.0 })),
        ],
    }];
    for i in 0..sounds {
        regions.push(RegionRecord {
            index: i as i64 + 1,
            kind: RegionKind::Sound,
            start_s: i as f64,
            end_s: i as f64 + 0.5,
            results: vec![result(
                "loudness",
                json!({ "integrated_lufs": -20.0 - i as f64 }),
            )],
        });
    }
    FileRecord {
        path: path.into(),
        display_name: None,
        content_hash: hash.into(),
        format: Some("wav".into()),
        duration_s: Some(duration_s),
        sample_rate: Some(48_000),
        channels: Some(2),
        outcome: FileOutcome::Ok {
            regions,
            summary: Summary {
                bpm,
                key_tonic: key.map(|k| k.0.to_string()),
                key_scale: key.map(|k| k.1.to_string()),
                integrated_lufs: Some(-14.0),
                duration_s: Some(duration_s),
                json: json!({ "bpm": bpm }),
            },
            auto_tags: tags.iter().map(|t| t.to_string()).collect(),
        },
    }
}

fn failed(path: &str, hash: &str) -> FileRecord {
    FileRecord {
        path: path.into(),
        display_name: None,
        content_hash: hash.into(),
        format: None,
        duration_s: None,
        sample_rate: None,
        channels: None,
        outcome: FileOutcome::Error {
            code: "corrupt".into(),
            message: "RIFF chunk size 99999 exceeds the file at byte 4".into(),
        },
    }
}

async fn paths(store: &Store, query: FileQuery) -> Vec<String> {
    store
        .search_files(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.file_name)
        .collect()
}

#[test]
fn an_import_stores_every_region_and_result_and_reads_back() {
    on_every_backend(|store| async move {
        let record = analysed(
            "/lib/loops/Drum Loop 120.wav",
            "h1",
            Some(120.0),
            None,
            4.0,
            2,
            &["loop", "Stereo"],
        );
        let ImportOutcome::Inserted { id } = store.import_file(&record).await.unwrap() else {
            panic!("expected an insert");
        };
        let detail = store.get_file(id).await.unwrap().expect("stored");
        assert_eq!(detail.file.path, "/lib/loops/Drum Loop 120.wav");
        assert_eq!(detail.file.file_name, "Drum Loop 120.wav");
        assert_eq!(detail.file.status, FileStatus::Ok);
        assert_eq!(detail.file.sample_rate, Some(48_000));
        assert_eq!(detail.file.bpm, Some(120.0));
        assert_eq!(detail.summary, json!({ "bpm": 120.0 }));
        assert_eq!(detail.regions.len(), 3);
        assert_eq!(detail.regions[0].kind, RegionKind::File);
        assert_eq!(detail.regions[0].results.len(), 2);
        // Results come back sorted by analyzer name, values intact.
        assert_eq!(detail.regions[0].results[0].analyzer, "loudness");
        assert_eq!(detail.regions[0].results[1].result, json!({ "bpm": 120.0 }));
        assert_eq!(detail.regions[2].start_s, 1.0);
        assert_eq!(
            detail.regions[2].results[0].result,
            json!({ "integrated_lufs": -21.0 })
        );
        let tags: Vec<&str> = detail.file.tags.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(
            tags,
            ["loop", "stereo"],
            "auto tags are normalised to lower case"
        );
        assert!(store.get_file(id + 1000).await.unwrap().is_none());
        assert_eq!(
            store.lookup_path(&record.path).await.unwrap(),
            Some((id, "h1".to_string()))
        );
    });
}

#[test]
fn reimport_skips_unchanged_and_replaces_changed_content() {
    on_every_backend(|store| async move {
        let path = "/lib/pad.wav";
        let first = analysed(
            path,
            "old",
            Some(90.0),
            Some(("F", "minor")),
            8.0,
            3,
            &["pad"],
        );
        let id = store.import_file(&first).await.unwrap().id();
        assert!(store.add_tag(id, "Favourite").await.unwrap());
        let before = store.get_file(id).await.unwrap().unwrap();

        assert_eq!(
            store.import_file(&first).await.unwrap(),
            ImportOutcome::Unchanged { id }
        );
        assert_eq!(store.get_file(id).await.unwrap().unwrap(), before);

        let changed = analysed(
            path,
            "new",
            Some(128.0),
            Some(("A", "minor")),
            2.0,
            1,
            &["keys"],
        );
        assert_eq!(
            store.import_file(&changed).await.unwrap(),
            ImportOutcome::Replaced { id }
        );
        let after = store.get_file(id).await.unwrap().unwrap();
        assert_eq!(after.file.content_hash, "new");
        assert_eq!(after.file.bpm, Some(128.0));
        assert_eq!(after.file.key_tonic.as_deref(), Some("A"));
        assert_eq!(after.regions.len(), 2, "old regions are gone");
        assert_eq!(after.file.created_at_ms, before.file.created_at_ms);
        let tags: Vec<(&str, TagSource)> = after
            .file
            .tags
            .iter()
            .map(|t| (t.tag.as_str(), t.source))
            .collect();
        assert_eq!(
            tags,
            [("favourite", TagSource::User), ("keys", TagSource::Auto)],
            "user tags survive, auto tags are replaced"
        );
        // A file that now fails to decode keeps its id and loses its analysis.
        let broken = failed(path, "broken");
        assert_eq!(
            store.import_file(&broken).await.unwrap(),
            ImportOutcome::Replaced { id }
        );
        let now = store.get_file(id).await.unwrap().unwrap();
        assert_eq!(now.file.status, FileStatus::Error);
        assert!(now.regions.is_empty());
        assert_eq!(now.file.bpm, None);
        assert_eq!(store.stats().await.unwrap().files, 1);
    });
}

#[test]
fn a_failure_mid_import_leaves_nothing_behind() {
    on_every_backend(|store| async move {
        // Two regions with the same index: the second region insert violates the unique key
        // after the file row, one region and its results were written in the transaction.
        let mut bad = analysed("/lib/new.wav", "h", Some(100.0), None, 3.0, 2, &["loop"]);
        if let FileOutcome::Ok { regions, .. } = &mut bad.outcome {
            regions[2].index = 1;
        }
        let err = store.import_file(&bad).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Query { action, .. } if action == "importing /lib/new.wav"),
            "{err}"
        );
        assert_eq!(store.lookup_path("/lib/new.wav").await.unwrap(), None);
        let stats = store.stats().await.unwrap();
        assert_eq!((stats.files, stats.by_tempo.len()), (0, 0));
        assert!(store
            .search_files(&FileQuery {
                tags: vec!["loop".into()],
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty());

        // The same failure while replacing keeps the old analysis whole.
        let good = analysed("/lib/old.wav", "v1", Some(100.0), None, 3.0, 2, &["loop"]);
        let id = store.import_file(&good).await.unwrap().id();
        let before = store.get_file(id).await.unwrap().unwrap();
        let mut bad = analysed("/lib/old.wav", "v2", Some(140.0), None, 3.0, 2, &[]);
        if let FileOutcome::Ok { regions, .. } = &mut bad.outcome {
            regions[2].index = 0;
        }
        assert!(store.import_file(&bad).await.is_err());
        assert_eq!(store.get_file(id).await.unwrap().unwrap(), before);
    });
}

#[test]
fn search_filters_by_text_key_tempo_tag_duration_and_status() {
    on_every_backend(|store| async move {
        let files = [
            analysed(
                "/s/Kick 01.wav",
                "a",
                None,
                None,
                0.5,
                1,
                &["kick", "one-shot"],
            ),
            analysed(
                "/s/loops/Techno Loop.wav",
                "b",
                Some(128.0),
                Some(("F", "minor")),
                7.5,
                4,
                &["loop"],
            ),
            analysed(
                "/s/loops/House Loop.wav",
                "c",
                Some(124.0),
                Some(("F", "major")),
                7.7,
                4,
                &["loop"],
            ),
            analysed(
                "/s/pads/Warm Pad.wav",
                "d",
                Some(90.0),
                Some(("F", "minor")),
                12.0,
                1,
                &["pad"],
            ),
            analysed(
                "/s/100% wet.wav",
                "e",
                None,
                Some(("A#", "minor")),
                3.0,
                1,
                &[],
            ),
            failed("/s/broken kick.wav", "f"),
        ];
        for f in &files {
            store.import_file(f).await.unwrap();
        }
        let q = |f: fn(&mut FileQuery)| {
            let mut query = FileQuery::default();
            f(&mut query);
            query
        };
        assert_eq!(
            paths(&store, q(|q| q.text = Some("kick".into()))).await,
            ["Kick 01.wav", "broken kick.wav"]
        );
        // Every word must match; folder names count; tags count.
        assert_eq!(
            paths(&store, q(|q| q.text = Some("LOOPS techno".into()))).await,
            ["Techno Loop.wav"]
        );
        assert_eq!(
            paths(&store, q(|q| q.text = Some("one-shot".into()))).await,
            ["Kick 01.wav"]
        );
        // LIKE wildcards in the query are literal.
        assert_eq!(
            paths(&store, q(|q| q.text = Some("100%".into()))).await,
            ["100% wet.wav"]
        );
        assert!(paths(&store, q(|q| q.text = Some("_".into())))
            .await
            .is_empty());
        assert_eq!(
            paths(
                &store,
                q(|q| q.key = Some(KeyFilter::parse("F minor").unwrap()))
            )
            .await,
            ["Techno Loop.wav", "Warm Pad.wav"]
        );
        assert_eq!(
            paths(&store, q(|q| q.key = Some(KeyFilter::parse("F").unwrap())))
                .await
                .len(),
            3
        );
        assert_eq!(
            paths(
                &store,
                q(|q| q.key = Some(KeyFilter::parse("Bbm").unwrap()))
            )
            .await,
            ["100% wet.wav"]
        );
        assert_eq!(
            paths(
                &store,
                q(|q| q.bpm = Some(Range::parse("120-130", "bpm").unwrap()))
            )
            .await,
            ["House Loop.wav", "Techno Loop.wav"]
        );
        assert_eq!(
            paths(&store, q(|q| q.tags = vec!["Loop".into()])).await,
            ["House Loop.wav", "Techno Loop.wav"]
        );
        assert_eq!(
            paths(
                &store,
                q(|q| q.duration_s = Some(Range {
                    min: 7.6,
                    max: 100.0
                }))
            )
            .await,
            ["House Loop.wav", "Warm Pad.wav"]
        );
        assert_eq!(
            paths(&store, q(|q| q.status = Some(FileStatus::Error))).await,
            ["broken kick.wav"]
        );
        let combined = FileQuery {
            text: Some("loop".into()),
            key: Some(KeyFilter::parse("F minor").unwrap()),
            bpm: Some(Range {
                min: 120.0,
                max: 130.0,
            }),
            ..Default::default()
        };
        assert_eq!(paths(&store, combined).await, ["Techno Loop.wav"]);
        // Paging: ordered by path.
        let page = store.list_files(2, 1).await.unwrap();
        let names: Vec<&str> = page.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, ["Kick 01.wav", "broken kick.wav"]);
        assert_eq!(store.list_files(0, 0).await.unwrap().len(), 6);
    });
}

#[test]
fn sorting_puts_missing_values_last_and_counts_ignore_paging() {
    on_every_backend(|store| async move {
        // name, bpm, key, duration, display name
        let rows = [
            ("/lib/b.wav", Some(140.0), Some(("A", "minor")), 4.0, None),
            ("/lib/a.wav", Some(120.0), Some(("C#", "major")), 2.0, None),
            ("/lib/c.wav", None, None, 4.0, Some("Zebra Pad.wav")),
            ("/lib/d.wav", Some(90.0), Some(("C", "minor")), 1.0, None),
        ];
        for (i, (path, bpm, key, duration_s, display)) in rows.iter().enumerate() {
            let mut r = analysed(path, &format!("h{i}"), *bpm, *key, *duration_s, 1, &["x"]);
            r.display_name = display.map(str::to_string);
            store.import_file(&r).await.unwrap();
        }
        store
            .import_file(&failed("/lib/e.wav", "he"))
            .await
            .unwrap();
        let sorted = |sort: FileSort, descending: bool| {
            let store = store.clone();
            async move {
                paths(
                    &store,
                    FileQuery {
                        sort,
                        descending,
                        ..Default::default()
                    },
                )
                .await
            }
        };
        assert_eq!(
            sorted(FileSort::Bpm, false).await,
            ["d.wav", "a.wav", "b.wav", "Zebra Pad.wav", "e.wav"]
        );
        assert_eq!(
            sorted(FileSort::Bpm, true).await,
            ["b.wav", "a.wav", "d.wav", "e.wav", "Zebra Pad.wav"]
        );
        // Keys in pitch-class order from C (C minor, C# major, A minor), not alphabetical.
        assert_eq!(
            sorted(FileSort::Key, false).await,
            ["d.wav", "a.wav", "b.wav", "Zebra Pad.wav", "e.wav"]
        );
        // Equal durations fall back to the path.
        assert_eq!(
            sorted(FileSort::Duration, false).await,
            ["d.wav", "a.wav", "b.wav", "Zebra Pad.wav", "e.wav"]
        );
        assert_eq!(
            sorted(FileSort::Name, false).await,
            ["a.wav", "b.wav", "d.wav", "e.wav", "Zebra Pad.wav"]
        );
        assert_eq!(
            sorted(FileSort::Path, true).await,
            ["e.wav", "d.wav", "Zebra Pad.wav", "b.wav", "a.wav"]
        );
        assert_eq!(
            sorted(FileSort::Created, false).await,
            ["b.wav", "a.wav", "Zebra Pad.wav", "d.wav", "e.wav"]
        );
        // The display name is searched besides the path.
        let zebra = FileQuery {
            text: Some("zebra".into()),
            ..Default::default()
        };
        assert_eq!(paths(&store, zebra.clone()).await, ["Zebra Pad.wav"]);
        assert_eq!(store.count_files(&zebra).await.unwrap(), 1);
        let page = FileQuery {
            tags: vec!["x".into()],
            sort: FileSort::Duration,
            limit: 2,
            offset: 1,
            ..Default::default()
        };
        assert_eq!(paths(&store, page.clone()).await, ["a.wav", "b.wav"]);
        assert_eq!(store.count_files(&page).await.unwrap(), 4);
        assert_eq!(store.count_files(&FileQuery::default()).await.unwrap(), 5);
        assert!(matches!(
            FileSort::parse("size"),
            Err(StoreError::Invalid { field: "sort", .. })
        ));
        assert_eq!(FileSort::parse(" BPM ").unwrap(), FileSort::Bpm);
        let row = store.get_file_row(3).await.unwrap().unwrap();
        assert_eq!(row.file_name, "Zebra Pad.wav");
        assert_eq!(row.tags.len(), 1);
        assert!(store.get_file_row(99).await.unwrap().is_none());
    });
}

#[test]
fn stats_count_status_duration_keys_and_tempo_buckets() {
    on_every_backend(|store| async move {
        let empty = store.stats().await.unwrap();
        assert_eq!((empty.files, empty.total_duration_s), (0, 0.0));
        for f in [
            analysed(
                "/a.wav",
                "1",
                Some(128.0),
                Some(("F", "minor")),
                2.0,
                1,
                &[],
            ),
            analysed(
                "/b.wav",
                "2",
                Some(122.5),
                Some(("F", "minor")),
                3.5,
                1,
                &[],
            ),
            analysed("/c.wav", "3", Some(90.0), Some(("C", "major")), 4.0, 1, &[]),
            analysed("/d.wav", "4", None, None, 0.25, 1, &[]),
            failed("/e.wav", "5"),
        ] {
            store.import_file(&f).await.unwrap();
        }
        let s = store.stats().await.unwrap();
        assert_eq!((s.files, s.ok, s.errors, s.no_tempo), (5, 4, 1, 1));
        assert!((s.total_duration_s - 9.75).abs() < 1e-9);
        let keys: Vec<(&str, i64)> = s.by_key.iter().map(|k| (k.key.as_str(), k.files)).collect();
        assert_eq!(keys, [("F minor", 2), ("C major", 1)]);
        let tempo: Vec<(i64, i64, i64)> = s
            .by_tempo
            .iter()
            .map(|t| (t.min_bpm, t.max_bpm, t.files))
            .collect();
        assert_eq!(tempo, [(90, 100, 1), (120, 130, 2)]);
    });
}

#[test]
fn presets_upsert_get_and_list() {
    on_every_backend(|store| async move {
        let mut p = PresetRecord {
            id: "bass-acid-303".into(),
            name: "Acid 303".into(),
            role: "bass".into(),
            tags: vec!["Acid".into(), "squelch".into()],
            description: "resonant diode ladder".into(),
            source: PresetSource::Factory,
            content_hash: "x".into(),
            quality_score: None,
            quality: None,
            descriptors: None,
            preview_cache_key: None,
        };
        store.upsert_preset(&p).await.unwrap();
        let got = store.get_preset("bass-acid-303").await.unwrap().unwrap();
        assert_eq!(got.tags, ["acid", "squelch"]);
        assert_eq!(got.quality, None);
        p.quality_score = Some(0.82);
        p.quality = Some(json!({ "score": 0.82, "checks": [] }));
        p.descriptors = Some(json!({ "brightness": 0.6 }));
        p.preview_cache_key = Some("sha:abc".into());
        p.tags = vec!["acid".into()];
        store.upsert_preset(&p).await.unwrap();
        assert_eq!(store.get_preset("bass-acid-303").await.unwrap().unwrap(), p);
        let pad = PresetRecord {
            id: "pad-warm".into(),
            role: "pad".into(),
            source: PresetSource::User,
            ..p.clone()
        };
        store.upsert_preset(&pad).await.unwrap();
        let ids = |v: Vec<PresetRecord>| v.into_iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(
            ids(store.list_presets(&PresetQuery::default()).await.unwrap()),
            ["bass-acid-303", "pad-warm"]
        );
        let pads = PresetQuery {
            role: Some("pad".into()),
            source: None,
        };
        assert_eq!(ids(store.list_presets(&pads).await.unwrap()), ["pad-warm"]);
        let factory = PresetQuery {
            role: None,
            source: Some(PresetSource::Factory),
        };
        assert_eq!(
            ids(store.list_presets(&factory).await.unwrap()),
            ["bass-acid-303"]
        );
        assert!(store.get_preset("nope").await.unwrap().is_none());
        assert!(store
            .upsert_preset(&PresetRecord {
                id: " ".into(),
                ..p
            })
            .await
            .is_err());
    });
}

#[test]
fn a_sqlite_catalogue_is_a_wal_file_that_reopens_with_its_data() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            data_dir: dir.path().join("nested").join("data"),
            database_url: None,
        };
        let store = Store::open(&config).await.unwrap();
        assert_eq!(store.journal_mode().await.unwrap().as_deref(), Some("wal"));
        store.import_file(&failed("/x.wav", "1")).await.unwrap();
        store.close().await;
        assert!(config.data_dir.join("tonewheel.db").is_file());
        // Reopening runs no migration twice and keeps the rows.
        let again = Store::open(&config).await.unwrap();
        assert_eq!(again.stats().await.unwrap().errors, 1);
        again.close().await;

        let err = Store::connect("mysql://root:pw@localhost/x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedUrl { .. }));
        assert!(!err.to_string().contains("pw"), "{err}");
    });
}

#[test]
fn concurrent_imports_through_clones_of_one_handle() {
    on_every_backend(|store| async move {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                let path = format!("/many/{i}.wav");
                s.import_file(&analysed(
                    &path,
                    "h",
                    Some(100.0 + i as f64),
                    None,
                    1.0,
                    2,
                    &["x"],
                ))
                .await
                .unwrap()
            }));
        }
        // Four writers race on one new path with the same content.
        for _ in 0..4 {
            let s = store.clone();
            tasks.push(tokio::spawn(async move {
                s.import_file(&analysed("/same.wav", "same", None, None, 1.0, 1, &[]))
                    .await
                    .unwrap()
            }));
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.unwrap());
        }
        let inserted = outcomes[..8]
            .iter()
            .filter(|o| matches!(o, ImportOutcome::Inserted { .. }))
            .count();
        assert_eq!(inserted, 8);
        let same: Vec<_> = outcomes[8..].to_vec();
        let first = same
            .iter()
            .filter(|o| matches!(o, ImportOutcome::Inserted { .. }))
            .count();
        assert_eq!(first, 1, "{same:?}");
        assert!(same.iter().all(|o| o.id() == same[0].id()));
        let stats = store.stats().await.unwrap();
        assert_eq!(stats.files, 9);
        // Every file has its whole region and two sounds.
        for o in &outcomes[..8] {
            assert_eq!(
                store.get_file(o.id()).await.unwrap().unwrap().regions.len(),
                3
            );
        }
    });
}
