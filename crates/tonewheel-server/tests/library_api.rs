//! The sample-library side of the HTTP API, over real HTTP on an ephemeral loopback port:
//! analyse by path (library roots, escapes, missing and undecodable files), uploads
//! (streamed, size limit, nothing kept on failure), search with filters, sorting and paging,
//! file detail and statistics, audio by id with HTTP Range, waveforms, system resources, and
//! an import that is in flight when the server shuts down.
//!
//! Every test runs against a fresh SQLite catalogue, then again against a fresh PostgreSQL
//! schema when `TONEWHEEL_TEST_POSTGRES_URL` is set (as the store's own tests do). Test audio
//! is generated here.

use std::path::PathBuf;

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

mod library_support;
use library_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_reads_only_inside_the_library() {
    on_every_backend(|db| async move {
        let (dir, lib) = library_folder();
        let kick_path = lib.join("drums/Kick_01.wav");
        std::fs::write(&kick_path, wav(&kick(0.5))).unwrap();
        std::fs::write(lib.join("broken.wav"), b"this is text, not audio").unwrap();
        let s = TestServer::start(db.clone(), &[&lib], 1 << 20).await;

        let (status, first) = s.analyze(kick_path.to_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        assert_eq!(first["action"], "inserted");
        let file = &first["file"];
        let id = file["id"].as_i64().unwrap();
        assert_eq!(file["file_name"], "Kick_01.wav");
        assert_eq!(
            file["path"].as_str().unwrap(),
            std::fs::canonicalize(&kick_path).unwrap().to_str().unwrap()
        );
        assert_eq!(
            (&file["format"], &file["sample_rate"], &file["channels"]),
            (&json!("wav"), &json!(RATE), &json!(1))
        );
        assert!((file["duration_s"].as_f64().unwrap() - 0.4).abs() < 1e-3);
        assert_eq!(file["status"], "ok");
        let tags: Vec<&str> = file["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tag"].as_str().unwrap())
            .collect();
        assert!(
            tags.contains(&"kick") && tags.contains(&"one-shot"),
            "{tags:?}"
        );
        assert_eq!(file["regions"][0]["kind"], "file");
        assert_eq!(file["regions"][0]["start_s"], 0.0);
        let analyzers: Vec<&str> = file["regions"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["analyzer"].as_str().unwrap())
            .collect();
        for a in ["loudness", "tempo", "key", "spectral"] {
            assert!(analyzers.contains(&a), "{analyzers:?}");
        }
        assert!(!analyzers.contains(&"peaks"));
        assert!(file["summary"]["integrated_lufs"].as_f64().is_some());

        // Relative to the root, same content: not analysed again.
        let (status, again) = s.analyze("drums/Kick_01.wav").await;
        assert_eq!(
            (status, &again["action"]),
            (StatusCode::OK, &json!("unchanged"))
        );
        assert_eq!(again["file"]["id"], id);
        std::fs::write(&kick_path, wav(&kick(0.9))).unwrap();
        let (status, changed) = s.analyze("drums/../drums/Kick_01.wav").await;
        assert_eq!(
            (status, &changed["action"]),
            (StatusCode::OK, &json!("replaced"))
        );
        assert_eq!(changed["file"]["id"], id);

        let outside = dir.path().join("outside.wav");
        let mut refused = vec![
            outside.to_str().unwrap().to_string(),
            "../outside.wav".into(),
            "drums/../../outside.wav".into(),
            format!("{}/../outside.wav", lib.display()),
        ];
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&outside, lib.join("drums/escape.wav")).unwrap();
            refused.push("drums/escape.wav".into());
        }
        for p in &refused {
            let (status, body) = s.analyze(p).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}: {body}");
            assert_eq!(code(&body), "outside_library");
        }
        let (status, body) = s.analyze("drums/snare.wav").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "path_not_found")
        );
        let (status, body) = s.analyze("drums").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "not_a_file")
        );

        // Undecodable: 422 with the decoder's reason, and recorded like `library import` does.
        let (status, body) = s.analyze("broken.wav").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "undecodable")
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not a supported audio format"),
            "{message}"
        );
        let broken_id = body["error"]["details"]["file_id"].as_i64().unwrap();
        let (status, again) = s.analyze("broken.wav").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(again["error"]["details"]["action"], "unchanged");
        assert_eq!(again["error"]["details"]["file_id"], broken_id);
        assert_eq!(again["error"]["message"], body["error"]["message"]);
        let (_, errors) = s.get_json("/database/files?status=error").await;
        assert_eq!(errors["total"], 1);
        assert_eq!(errors["files"][0]["id"], broken_id);
        assert_eq!(
            errors["files"][0]["error_code"],
            body["error"]["details"]["reason_code"]
        );

        let r = s
            .client
            .post(s.url("/analyze"))
            .header("Content-Type", "text/plain")
            .body("{\"file_path\": \"drums/Kick_01.wav\"}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let r = s
            .client
            .post(s.url("/analyze"))
            .header("Content-Type", "application/json")
            .body("{\"file_path\": ")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(code(&r.json().await.unwrap()), "malformed_json");
        assert_eq!(s.file_count().await, 2);
        s.stop().await;

        // Without --library the server reads no client-named path at all.
        let closed = TestServer::start(db, &[], 1 << 20).await;
        let (status, body) = closed.analyze(kick_path.to_str().unwrap()).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::FORBIDDEN, "outside_library")
        );
        closed.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_kept_only_when_they_decode() {
    on_every_backend(|db| async move {
        // 64 KiB holds the 0.4 s kick (17 684 bytes) but not 100 kB.
        let s = TestServer::start(db, &[], 65_536).await;
        let bytes = wav(&kick(0.5));
        let (status, body) = s
            .upload("Kick 01.wav", bytes.clone(), Some("dark, Punchy"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["action"], "inserted");
        let file = &body["file"];
        let hash = tonewheel_store::hash_bytes(&bytes);
        assert_eq!(file["content_hash"], hash.as_str());
        assert_eq!(file["file_name"], "Kick 01.wav");
        let kept = PathBuf::from(file["path"].as_str().unwrap());
        assert_eq!(
            kept,
            std::fs::canonicalize(s.uploads())
                .unwrap()
                .join(format!("{}-Kick_01.wav", &hash[..16]))
        );
        assert_eq!(std::fs::read(&kept).unwrap(), bytes);
        let tags: Vec<(String, String)> = file["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["tag"].as_str().unwrap().into(),
                    t["source"].as_str().unwrap().into(),
                )
            })
            .collect();
        for (tag, source) in [("dark", "user"), ("punchy", "user"), ("kick", "auto")] {
            assert!(tags.contains(&(tag.into(), source.into())), "{tags:?}");
        }
        // The client's name is shown, and searched.
        let (_, found) = s.get_json("/database/files?query=kick%2001").await;
        assert_eq!(found["total"], 1);

        let (status, again) = s.upload("Kick 01.wav", bytes.clone(), None).await;
        assert_eq!(
            (status, &again["action"]),
            (StatusCode::OK, &json!("unchanged"))
        );
        assert_eq!(again["file"]["id"], file["id"]);

        // A hostile name never becomes a path.
        let evil = wav(&tone(440.0, 0.3, 0.5));
        let (status, body) = s.upload("../../evil name.wav", evil.clone(), None).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let evil_path = PathBuf::from(body["file"]["path"].as_str().unwrap());
        assert_eq!(evil_path.parent().unwrap(), kept.parent().unwrap());
        assert_eq!(
            evil_path.file_name().unwrap().to_str().unwrap(),
            format!(
                "{}-_.._evil_name.wav",
                &tonewheel_store::hash_bytes(&evil)[..16]
            )
        );
        let kept_files = files_in(&s.uploads());
        assert_eq!(kept_files.len(), 2, "{kept_files:?}");

        // Failures keep nothing: no file in uploads/, no row.
        let (status, body) = s
            .upload("notes.wav", b"just some text".to_vec(), None)
            .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "undecodable")
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("notes.wav: "), "{message}");
        assert!(!message.contains(".tmp"), "{message}");
        for size in [100_000, 300_000] {
            let (status, body) = s.upload("big.wav", vec![0u8; size], None).await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
            );
            assert_eq!(body["error"]["details"]["limit_bytes"], 65_536);
        }
        let (status, body) = s.upload_form(Form::new().text("tags", "loop")).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "missing_file_field")
        );
        let two = Form::new()
            .part("file", Part::bytes(bytes.clone()).file_name("a.wav"))
            .part("file", Part::bytes(bytes.clone()).file_name("b.wav"));
        let (status, body) = s.upload_form(two).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "duplicate_file_field")
        );
        let r = s
            .client
            .post(s.url("/api/analyze/upload"))
            .json(&json!({"file": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(files_in(&s.uploads()), kept_files);
        assert_eq!(s.file_count().await, 2);
        assert_eq!(s.get("/health").await.status(), StatusCode::OK);
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_filtered_sorted_and_paged() {
    on_every_backend(|db| async move {
        let (_dir, lib) = library_folder();
        let pad: Vec<Vec<f32>> = {
            let n = (3.0 * f64::from(RATE)) as usize;
            let notes_hz = [174.61, 207.65, 261.63, 349.23];
            let l: Vec<f32> = (0..n)
                .map(|i| 0.2 * notes_hz.iter().map(|f| sine(*f, i)).sum::<f32>())
                .collect();
            vec![l.clone(), l]
        };
        for (name, audio) in [
            ("a-kick.wav", wav(&kick(0.5))),
            ("b-loop.wav", wav(&clicks(120.0, 4.0))),
            ("c-loop.wav", wav(&clicks(140.0, 4.0))),
            ("d-pad.wav", wav(&pad)),
            ("broken.wav", b"not audio at all".to_vec()),
        ] {
            std::fs::write(lib.join(name), audio).unwrap();
        }
        let s = TestServer::start(db, &[&lib], 1 << 20).await;
        for name in [
            "a-kick.wav",
            "b-loop.wav",
            "c-loop.wav",
            "d-pad.wav",
            "broken.wav",
        ] {
            let (status, body) = s.analyze(name).await;
            let expected = if name == "broken.wav" {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{name}: {body}");
        }

        let (status, all) = s.get_json("/database/files").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (&all["total"], &all["limit"], &all["offset"]),
            (&json!(5), &json!(100), &json!(0))
        );
        assert_eq!(
            names(&all),
            [
                "a-kick.wav",
                "b-loop.wav",
                "broken.wav",
                "c-loop.wav",
                "d-pad.wav"
            ]
        );
        let (_, by_length) = s.get_json("/database/files?sort=duration").await;
        // Equal lengths fall back to the path; the undecodable file has none and comes last.
        assert_eq!(
            names(&by_length),
            [
                "a-kick.wav",
                "d-pad.wav",
                "b-loop.wav",
                "c-loop.wav",
                "broken.wav"
            ]
        );
        let (_, longest) = s.get_json("/database/files?sort=duration&order=desc").await;
        assert_eq!(
            names(&longest),
            [
                "c-loop.wav",
                "b-loop.wav",
                "d-pad.wav",
                "a-kick.wav",
                "broken.wav"
            ]
        );
        let (_, page) = s
            .get_json("/database/files?sort=duration&limit=2&offset=1")
            .await;
        assert_eq!(names(&page), ["d-pad.wav", "b-loop.wav"]);
        assert_eq!(
            (&page["total"], &page["limit"], &page["offset"]),
            (&json!(5), &json!(2), &json!(1))
        );
        let (_, past) = s.get_json("/database/files?offset=10").await;
        assert_eq!((past["total"].as_u64(), names(&past).len()), (Some(5), 0));

        // Tempo: the click tracks measure 120 and 140 BPM; rows without a tempo come last.
        for (order, first, second) in [
            ("asc", "b-loop.wav", "c-loop.wav"),
            ("desc", "c-loop.wav", "b-loop.wav"),
        ] {
            let (_, by_bpm) = s
                .get_json(&format!("/database/files?sort=bpm&order={order}"))
                .await;
            let rows = by_bpm["files"].as_array().unwrap();
            let bpms: Vec<Option<f64>> = rows.iter().map(|f| f["bpm"].as_f64()).collect();
            let known = bpms.iter().take_while(|b| b.is_some()).count();
            assert!(bpms[known..].iter().all(Option::is_none), "{bpms:?}");
            let loops: Vec<String> = names(&by_bpm)
                .into_iter()
                .filter(|n| n.contains("loop"))
                .collect();
            assert_eq!(loops, [first, second]);
        }
        let (_, tempo) = s.get_json("/database/files?bpm=115-125").await;
        assert!(names(&tempo).contains(&"b-loop.wav".to_string()), "{tempo}");
        assert!(
            !names(&tempo).contains(&"c-loop.wav".to_string()),
            "{tempo}"
        );
        let (_, loops) = s
            .get_json("/database/files?query=loop&duration=3.5-4.5")
            .await;
        assert_eq!(names(&loops), ["b-loop.wav", "c-loop.wav"]);
        let (_, kicks) = s.get_json("/database/files?role=kick").await;
        assert_eq!(names(&kicks), ["a-kick.wav"]);
        let (_, one_shots) = s.get_json("/database/files?tag=one-shot,kick").await;
        assert_eq!(names(&one_shots), ["a-kick.wav"]);
        let (_, minor) = s.get_json("/database/files?key=F%20minor").await;
        assert_eq!(names(&minor), ["d-pad.wav"]);
        for sort in ["key", "lufs", "created", "path", "name"] {
            let (status, sorted) = s.get_json(&format!("/database/files?sort={sort}")).await;
            assert_eq!(
                (status, sorted["total"].as_u64()),
                (StatusCode::OK, Some(5)),
                "{sort}"
            );
        }
        let (_, by_key) = s.get_json("/database/files?sort=key").await;
        assert_eq!(names(&by_key)[0], "d-pad.wav");

        for (param, value) in [
            ("bpm", "fast"),
            ("duration", "long"),
            ("key", "H%20minor"),
            ("status", "broken"),
            ("sort", "size"),
            ("order", "up"),
            ("limit", "0"),
            ("limit", "many"),
            ("offset", "-3"),
        ] {
            let (status, body) = s
                .get_json(&format!("/database/files?{param}={value}"))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{param}={value}");
            assert_eq!(body["error"]["details"]["parameter"], param, "{body}");
        }

        let pad_id = minor["files"][0]["id"].as_i64().unwrap();
        let (status, detail) = s.get_json(&format!("/database/files/{pad_id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (&detail["id"], &detail["file_name"]),
            (&json!(pad_id), &json!("d-pad.wav"))
        );
        assert_eq!(
            (&detail["key_tonic"], &detail["key_scale"]),
            (&json!("F"), &json!("minor"))
        );
        assert_eq!(detail["summary"]["key"], "F");
        let regions = detail["regions"].as_array().unwrap();
        assert_eq!(regions[0]["kind"], "file");
        assert!(
            regions.len() >= 2 && regions[1]["kind"] == "sound",
            "{regions:?}"
        );
        for r in regions {
            for key in ["id", "index", "kind", "start_s", "end_s", "results"] {
                assert!(r.get(key).is_some(), "region lacks {key}");
            }
            for result in r["results"].as_array().unwrap() {
                for key in ["analyzer", "version", "error", "result"] {
                    assert!(result.get(key).is_some(), "result lacks {key}");
                }
            }
        }
        let (status, body) = s.get_json("/database/files/999999").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "file_not_found")
        );
        let (status, body) = s.get_json("/database/files/abc").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_id")
        );

        let (status, stats) = s.get_json("/database/stats").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (&stats["files"], &stats["ok"], &stats["errors"]),
            (&json!(5), &json!(4), &json!(1))
        );
        assert!(stats["total_duration_s"].as_f64().unwrap() > 11.0);
        let backend = stats["backend"].as_str().unwrap().to_string();
        let (_, status_page) = s.get_json("/status").await;
        assert_eq!(status_page["library"]["backend"], backend.as_str());
        assert_eq!(
            (
                &status_page["library"]["files"],
                &status_page["library"]["errors"]
            ),
            (&json!(5), &json!(1))
        );
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_is_served_by_id_with_ranges() {
    on_every_backend(|db| async move {
        let (_dir, lib) = library_folder();
        for f in [
            "tone_stereo.flac",
            "tone_mono.mp3",
            "tone_mono.ogg",
            "tone_alac_stereo.m4a",
        ] {
            std::fs::copy(fixture(f), lib.join(f)).unwrap();
        }
        let s = TestServer::start(db, &[&lib], 1 << 20).await;
        let bytes = wav(&tone(440.0, 0.5, 0.5));
        let len = bytes.len();
        let (_, up) = s.upload("tone.wav", bytes.clone(), None).await;
        let id = up["file"]["id"].as_i64().unwrap();
        let path = format!("/api/audio/{id}");

        let whole = s.get(&path).await;
        assert_eq!(whole.status(), StatusCode::OK);
        let h = whole.headers().clone();
        assert_eq!(h["content-type"], "audio/wav");
        assert_eq!(h["accept-ranges"], "bytes");
        assert_eq!(h["content-length"], len.to_string().as_str());
        let etag = h["etag"].to_str().unwrap().to_string();
        assert_eq!(whole.bytes().await.unwrap(), bytes);

        let ranged = |range: &'static str| s.client.get(s.url(&path)).header("Range", range).send();
        for (range, start, end) in [
            ("bytes=0-99", 0, 99),
            ("bytes=100-", 100, len - 1),
            ("bytes=-50", len - 50, len - 1),
            ("bytes=1000-999999", 1000, len - 1),
        ] {
            let r = ranged(range).await.unwrap();
            assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range}");
            assert_eq!(
                r.headers()["content-range"],
                format!("bytes {start}-{end}/{len}").as_str()
            );
            assert_eq!(r.bytes().await.unwrap(), &bytes[start..=end], "{range}");
        }
        let r = ranged("bytes=999999-").await.unwrap();
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(
            r.headers()["content-range"],
            format!("bytes */{len}").as_str()
        );
        assert_eq!(code(&r.json().await.unwrap()), "range_not_satisfiable");
        // Several ranges may be answered with the whole file.
        let r = ranged("bytes=0-1,4-5").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.bytes().await.unwrap(), bytes);
        let r = s
            .client
            .get(s.url(&path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = s
            .client
            .get(s.url(&path))
            .header("Range", "bytes=0-9")
            .header("If-Range", "\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        for (f, mime) in [
            ("tone_stereo.flac", "audio/flac"),
            ("tone_mono.mp3", "audio/mpeg"),
            ("tone_mono.ogg", "audio/ogg"),
            ("tone_alac_stereo.m4a", "audio/mp4"),
        ] {
            let (status, body) = s.analyze(f).await;
            // The engine cannot analyse MP4 audio yet (it finds no channel count), but the
            // file is still catalogued, with its container format, and served.
            let id = match status {
                StatusCode::OK => body["file"]["id"].clone(),
                StatusCode::UNPROCESSABLE_ENTITY => body["error"]["details"]["file_id"].clone(),
                other => panic!("{f}: {other} {body}"),
            };
            let r = s.get(&format!("/api/audio/{id}")).await;
            assert_eq!(r.headers()["content-type"], mime, "{f}");
            assert_eq!(r.bytes().await.unwrap(), std::fs::read(fixture(f)).unwrap());
        }

        let (status, body) = s.get_json("/api/audio/424242").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "file_not_found")
        );
        let (status, body) = s.get_json("/api/audio/..%2F..%2Fetc%2Fpasswd").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, "invalid_id")
        );
        std::fs::remove_file(up["file"]["path"].as_str().unwrap()).unwrap();
        let (status, body) = s.get_json(&path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "file_missing")
        );
        s.stop().await;
    })
    .await;
}

/// Checks one audiowaveform resolution of `frames` frames and `channels` channels.
fn check_resolution(w: &Value, frames: u64, channels: u64) {
    let length = w["length"].as_u64().unwrap();
    let spp = w["samples_per_pixel"].as_u64().unwrap();
    assert_eq!(length, frames.div_ceil(spp), "{spp} samples per pixel");
    assert_eq!(
        w["data"].as_array().unwrap().len() as u64,
        length * 2 * channels
    );
    assert_eq!(w["rms"].as_array().unwrap().len() as u64, length * channels);
    assert_eq!((&w["version"], &w["bits"]), (&json!(2), &json!(16)));
    assert_eq!(w["channels"], channels);
    assert_eq!(w["sample_rate"], RATE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waveforms_follow_samples_per_pixel_and_are_cached() {
    on_every_backend(|db| async move {
        let s = TestServer::start(db, &[], 1 << 20).await;
        let left = tone(440.0, 1.0, 0.5).remove(0);
        let right = tone(660.0, 1.0, 0.25).remove(0);
        let (_, up) = s.upload("stereo.wav", wav(&[left, right]), None).await;
        let id = up["file"]["id"].as_i64().unwrap();
        let hash = up["file"]["content_hash"].as_str().unwrap().to_string();
        let frames = u64::from(RATE);

        let (status, w) = s.get_json(&format!("/api/waveform/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        check_resolution(&w, frames, 2);
        check_resolution(&w["zoom"], frames, 2);
        let overview = w["length"].as_u64().unwrap();
        assert!((500..=1000).contains(&overview), "{overview}");
        let zoom = w["zoom"]["length"].as_u64().unwrap();
        assert!((4000..=8000).contains(&zoom), "{zoom}");
        // Peaks of a 0.5 / 0.25 sine at 16 bits (32767 full scale), within 1%.
        let data: Vec<i64> = w["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let left_max = data.chunks(4).map(|p| p[1]).max().unwrap();
        let right_min = data.chunks(4).map(|p| p[2]).min().unwrap();
        assert!((left_max - 16384).abs() < 164, "{left_max}");
        assert!((right_min + 8192).abs() < 82, "{right_min}");
        assert!(s
            .data
            .path()
            .join(format!("waveforms/{hash}.json"))
            .is_file());

        let (status, fine) = s
            .get_json(&format!("/api/waveform/{id}?samples_per_pixel=256"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fine["zoom"]["samples_per_pixel"], 256);
        assert_eq!(fine["zoom"]["length"], frames.div_ceil(256));
        check_resolution(&fine["zoom"], frames, 2);
        let cached = s.data.path().join(format!("waveforms/{hash}-256.json"));
        let on_disk: Value = serde_json::from_slice(&std::fs::read(&cached).unwrap()).unwrap();
        assert_eq!(on_disk, fine);
        let (_, again) = s
            .get_json(&format!("/api/waveform/{id}?samples_per_pixel=256"))
            .await;
        assert_eq!(again, fine);

        for bad in ["8", "abc", "2000000", "-1"] {
            let (status, body) = s
                .get_json(&format!("/api/waveform/{id}?samples_per_pixel={bad}"))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(body["error"]["details"]["parameter"], "samples_per_pixel");
        }
        let (status, body) = s.get_json("/api/waveform/777").await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "file_not_found")
        );
        std::fs::remove_file(up["file"]["path"].as_str().unwrap()).unwrap();
        let (status, body) = s.get_json(&format!("/api/waveform/{id}")).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "file_missing")
        );
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_resources_describe_the_machine_and_the_data_folder() {
    on_every_backend(|db| async move {
        let s = TestServer::start(db, &[], 1 << 20).await;
        let bytes = wav(&kick(0.5));
        let (status, _) = s.upload("kick.wav", bytes.clone(), None).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, r) = s.get_json("/api/system/resources").await;
        assert_eq!(status, StatusCode::OK);
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(r["cpu_cores"], cores);
        assert_eq!(
            (&r["render_slots_total"], &r["render_slots_free"]),
            (&json!(cores), &json!(cores))
        );
        assert_eq!(r["uploads_bytes"], bytes.len());
        assert_eq!(r["preview_cache_bytes"], 0);
        assert!(r["data_dir_bytes"].as_u64().unwrap() >= bytes.len() as u64);
        assert!(r["uptime_s"].as_f64().unwrap() >= 0.0);
        if cfg!(target_os = "linux") {
            let total = r["memory_total_bytes"].as_u64().unwrap();
            let available = r["memory_available_bytes"].as_u64().unwrap();
            let rss = r["process_rss_bytes"].as_u64().unwrap();
            assert!(
                available > 0 && available <= total,
                "{available} of {total}"
            );
            // This test process (the server runs in it) holds at least a few MB.
            assert!(rss > 1 << 20 && rss < total, "{rss}");
        }
        s.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_in_flight_at_shutdown_completes() {
    on_every_backend(|db| async move {
        let (_dir, lib) = library_folder();
        // Long enough that the requests are still analysing when the shutdown comes.
        std::fs::write(lib.join("long.wav"), wav(&clicks(128.0, 60.0))).unwrap();
        std::fs::write(lib.join("abandoned.wav"), wav(&clicks(100.0, 60.0))).unwrap();
        let s = TestServer::start(db.clone(), &[&lib], 1 << 20).await;
        let slots = s.get_json("/api/system/resources").await.1["render_slots_total"]
            .as_u64()
            .unwrap();
        let kept = analysis_in_flight(&s, "long.wav", 0).await;
        // A second import whose client hangs up while it runs (with one core, it waits for
        // the slot instead: hang up once it is queued).
        let abandoned = if slots > 1 {
            analysis_in_flight(&s, "abandoned.wav", 1).await
        } else {
            let client = s.client.clone();
            let url = s.url("/analyze");
            let r = tokio::spawn(async move {
                let r = client
                    .post(url)
                    .json(&json!({"file_path": "abandoned.wav"}))
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.json::<Value>().await.unwrap())
            });
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            r
        };
        abandoned.abort();
        let data_dir = s.data.path().to_path_buf();
        let data = s.data;
        let _ = s.shutdown.unwrap().send(());
        s.task.unwrap().await.unwrap().unwrap();
        let (status, body) = kept.await.unwrap();
        assert_eq!(
            (status, &body["action"]),
            (StatusCode::OK, &json!("inserted")),
            "{body}"
        );
        // Both imports are in the catalogue, whole, once the server has stopped.
        let store = tonewheel_store::Store::open(&tonewheel_store::StoreConfig {
            data_dir,
            database_url: db,
        })
        .await
        .unwrap();
        for (name, bpm) in [("long.wav", 128.0), ("abandoned.wav", 100.0)] {
            let path = std::fs::canonicalize(lib.join(name)).unwrap();
            let (id, _) = store
                .lookup_path(path.to_str().unwrap())
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{name} was not catalogued"));
            let detail = store.get_file(id).await.unwrap().unwrap();
            assert_eq!(
                detail.file.status,
                tonewheel_store::FileStatus::Ok,
                "{name}"
            );
            assert!(detail.regions.len() >= 2, "{name}");
            assert!(
                (detail.file.bpm.unwrap() - bpm).abs() < 1.0,
                "{name}: {:?}",
                detail.file.bpm
            );
        }
        store.close().await;
        drop(data);
    })
    .await;
}
