//! Writing and reading catalogued files. One file's writes (file row, regions, results,
//! summary, auto tags) happen in one transaction: an import that fails or is interrupted
//! half-way leaves the catalogue as it was.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::error::StoreError;
use crate::records::{
    AnalyzerResult, FileDetail, FileOutcome, FileRecord, FileRow, FileStatus, ImportOutcome,
    RegionKind, RegionRecord, StoredRegion, Summary, Tag, TagSource,
};
use crate::Store;

/// Columns of a [`FileRow`] (files `f` left-joined with file_summary `s`).
pub(crate) const FILE_COLUMNS: &str = "f.id, f.path, f.file_name, f.content_hash, f.format, \
     f.duration_s, f.sample_rate, f.channels, f.status, f.error_code, f.error_text, \
     f.created_at_ms, f.updated_at_ms, s.bpm, s.key_tonic, s.key_scale, s.integrated_lufs";

/// Tags longer than this are cut (they are labels, not documents).
const MAX_TAG_CHARS: usize = 64;

/// The current time in Unix milliseconds.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The last path component (either separator), for name search.
fn file_name_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Display names longer than this are cut (a name, not a document).
const MAX_DISPLAY_NAME_CHARS: usize = 255;

/// The name stored in `files.file_name`: the record's display name without control
/// characters, trimmed and at most [`MAX_DISPLAY_NAME_CHARS`] long, or the path's last
/// component when that leaves nothing.
fn display_name_of(record: &FileRecord) -> String {
    let given: String = record
        .display_name
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DISPLAY_NAME_CHARS)
        .collect();
    let given = given.trim();
    if given.is_empty() {
        file_name_of(&record.path).to_string()
    } else {
        given.to_string()
    }
}

/// A tag as stored: trimmed, lower case, at most [`MAX_TAG_CHARS`] characters.
pub(crate) fn normalise_tag(tag: &str) -> String {
    tag.trim()
        .to_lowercase()
        .chars()
        .take(MAX_TAG_CHARS)
        .collect()
}

/// `x` when finite, else `None`: NaN has no portable SQL representation (PostgreSQL stores it,
/// SQLite turns it into NULL), so both backends get NULL.
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// An optional real bound as text, for `CAST($n AS DOUBLE PRECISION)` in the SQL.
///
/// Why not bind `Option<f64>`: sqlx 0.9.0's `Any` driver sends a `None` f64 to PostgreSQL as a
/// `float4` NULL, and the statement it caches then rejects the next non-NULL `float8`
/// ("incorrect binary data format"). Text is typed the same whether NULL or not, and
/// Rust prints the shortest decimal that parses back to the same f64, so nothing is lost.
pub(crate) fn real(x: Option<f64>) -> Option<String> {
    finite(x).map(|v| v.to_string())
}

/// The 10-BPM bucket of a tempo (120..129.99 -> 120).
fn bpm_bucket(bpm: Option<f64>) -> Option<i64> {
    finite(bpm).map(|b| (b / 10.0).floor() as i64 * 10)
}

impl Store {
    /// The id and content hash of the file catalogued at `path`, if any (to skip unchanged
    /// files before analysing them).
    pub async fn lookup_path(&self, path: &str) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query("SELECT id, content_hash FROM files WHERE path = $1")
            .bind(path)
            .fetch_optional(self.pool())
            .await
            .and_then(|row| {
                row.map(|r| Ok((r.try_get("id")?, r.try_get("content_hash")?)))
                    .transpose()
            })
            .map_err(StoreError::query(format!("looking up {path}")))
    }

    /// Stores one file's analysis (or failure) in one transaction. A file whose path and
    /// content hash are already catalogued is left alone ([`ImportOutcome::Unchanged`]); one
    /// whose content changed keeps its id and user tags, and its old regions, results, summary
    /// and auto tags are replaced.
    pub async fn import_file(&self, record: &FileRecord) -> Result<ImportOutcome, StoreError> {
        let action = format!("importing {}", record.path);
        match self.try_import(record).await {
            // Two writers importing the same new path at once (PostgreSQL): the second one's
            // insert waits for the first and then hits the unique path. Once again, it sees
            // the row and skips or replaces like any re-import.
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation()) =>
            {
                self.try_import(record).await
            }
            other => other,
        }
        .map_err(StoreError::query(action))
    }

    async fn try_import(&self, record: &FileRecord) -> Result<ImportOutcome, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let outcome = write_file(&mut tx, record).await?;
        match outcome {
            // Nothing was written: end the transaction without a commit.
            ImportOutcome::Unchanged { .. } => tx.rollback().await?,
            _ => tx.commit().await?,
        }
        Ok(outcome)
    }

    /// Adds a user tag to a file (kept across re-imports). Returns false if there is no such
    /// file.
    pub async fn add_tag(&self, file_id: i64, tag: &str) -> Result<bool, StoreError> {
        let tag = normalise_tag(tag);
        if tag.is_empty() {
            return Err(StoreError::Invalid {
                field: "tag",
                expected: "a non-empty tag",
                found: String::new(),
            });
        }
        let action = format!("tagging file {file_id}");
        let exists = sqlx::query("SELECT id FROM files WHERE id = $1")
            .bind(file_id)
            .fetch_optional(self.pool())
            .await
            .map_err(StoreError::query(action.clone()))?;
        if exists.is_none() {
            return Ok(false);
        }
        // Insert only when missing: the same statement works on both backends, unlike
        // INSERT OR IGNORE / ON CONFLICT spellings.
        sqlx::query(
            "INSERT INTO tags (file_id, tag, source) SELECT $1, $2, 'user' \
             WHERE NOT EXISTS (SELECT 1 FROM tags WHERE file_id = $1 AND tag = $2 AND source = 'user')",
        )
        .bind(file_id)
        .bind(&tag)
        .execute(self.pool())
        .await
        .map_err(StoreError::query(action))?;
        Ok(true)
    }

    /// One file with its summary, regions and every analyzer result; `None` if no such id.
    pub async fn get_file(&self, id: i64) -> Result<Option<FileDetail>, StoreError> {
        let action = format!("reading file {id}");
        self.read_detail(id)
            .await
            .map_err(StoreError::query(action))
    }

    /// File `id`'s row with its tags, and its summary JSON text when stored.
    async fn read_row(&self, id: i64) -> Result<Option<(FileRow, Option<String>)>, sqlx::Error> {
        let sql = format!(
            "SELECT {FILE_COLUMNS}, s.summary_json FROM files f \
             LEFT JOIN file_summary s ON s.file_id = f.id WHERE f.id = $1"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let mut file = file_row(&row)?;
        let summary_text: Option<String> = row.try_get("summary_json")?;
        file.tags = self.tags_of(&[id]).await?.remove(&id).unwrap_or_default();
        Ok(Some((file, summary_text)))
    }

    async fn read_detail(&self, id: i64) -> Result<Option<FileDetail>, sqlx::Error> {
        let Some((file, summary_text)) = self.read_row(id).await? else {
            return Ok(None);
        };
        let summary = match summary_text {
            Some(t) => parse_json(&t, "file_summary", "summary_json", id)?,
            None => serde_json::Value::Null,
        };
        let region_rows = sqlx::query(
            "SELECT id, region_index, kind, start_s, end_s FROM regions \
             WHERE file_id = $1 ORDER BY region_index",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let mut regions = Vec::with_capacity(region_rows.len());
        let mut index_of = BTreeMap::new();
        for r in &region_rows {
            let region_id: i64 = r.try_get("id")?;
            let kind: String = r.try_get("kind")?;
            index_of.insert(region_id, regions.len());
            regions.push(StoredRegion {
                id: region_id,
                index: r.try_get("region_index")?,
                kind: RegionKind::parse(&kind),
                start_s: r.try_get("start_s")?,
                end_s: r.try_get("end_s")?,
                results: Vec::new(),
            });
        }
        let analyses = sqlx::query(
            "SELECT a.region_id, a.analyzer, a.analyzer_version, a.error_text, a.result_json \
             FROM region_analysis a JOIN regions r ON r.id = a.region_id \
             WHERE r.file_id = $1 ORDER BY a.region_id, a.analyzer",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        for a in &analyses {
            let region_id: i64 = a.try_get("region_id")?;
            let text: String = a.try_get("result_json")?;
            let result = AnalyzerResult {
                analyzer: a.try_get("analyzer")?,
                version: a.try_get("analyzer_version")?,
                error: a.try_get("error_text")?,
                result: parse_json(&text, "region_analysis", "result_json", region_id)?,
            };
            if let Some(&i) = index_of.get(&region_id) {
                regions[i].results.push(result);
            }
        }
        Ok(Some(FileDetail {
            file,
            summary,
            regions,
        }))
    }

    /// One file's row with its tags, without regions and results (cheaper than
    /// [`Store::get_file`] when only the path, format or hash is needed); `None` if no such id.
    pub async fn get_file_row(&self, id: i64) -> Result<Option<FileRow>, StoreError> {
        let action = format!("reading file {id}");
        Ok(self
            .read_row(id)
            .await
            .map_err(StoreError::query(action))?
            .map(|(file, _)| file))
    }

    /// Catalogued files ordered by path, `limit` from `offset`.
    pub async fn list_files(&self, limit: u32, offset: u64) -> Result<Vec<FileRow>, StoreError> {
        let query = crate::search::FileQuery {
            limit,
            offset,
            ..Default::default()
        };
        self.search_files(&query).await
    }

    /// Tags of each file in `ids`, sorted by tag then source.
    pub(crate) async fn tags_of(
        &self,
        ids: &[i64],
    ) -> Result<BTreeMap<i64, Vec<Tag>>, sqlx::Error> {
        let mut out: BTreeMap<i64, Vec<Tag>> = BTreeMap::new();
        // Bounded IN lists: both backends cap the number of parameters per statement.
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT file_id, tag, source FROM tags WHERE file_id IN ({}) \
                 ORDER BY file_id, tag, source",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.pool()).await? {
                let source: String = row.try_get("source")?;
                out.entry(row.try_get("file_id")?).or_default().push(Tag {
                    tag: row.try_get("tag")?,
                    source: TagSource::parse(&source),
                });
            }
        }
        Ok(out)
    }
}

/// A [`FileRow`] from a row selected with [`FILE_COLUMNS`] (tags left empty).
pub(crate) fn file_row(row: &AnyRow) -> Result<FileRow, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(FileRow {
        id: row.try_get("id")?,
        path: row.try_get("path")?,
        file_name: row.try_get("file_name")?,
        content_hash: row.try_get("content_hash")?,
        format: row.try_get("format")?,
        duration_s: row.try_get("duration_s")?,
        sample_rate: row.try_get("sample_rate")?,
        channels: row.try_get("channels")?,
        status: FileStatus::parse(&status).unwrap_or(FileStatus::Error),
        error_code: row.try_get("error_code")?,
        error_text: row.try_get("error_text")?,
        bpm: row.try_get("bpm")?,
        key_tonic: row.try_get("key_tonic")?,
        key_scale: row.try_get("key_scale")?,
        integrated_lufs: row.try_get("integrated_lufs")?,
        tags: Vec::new(),
        created_at_ms: row.try_get("created_at_ms")?,
        updated_at_ms: row.try_get("updated_at_ms")?,
    })
}

/// Parses a stored JSON column; a bad one is a decode error naming the table, column and row.
fn parse_json(
    text: &str,
    table: &'static str,
    column: &'static str,
    row: i64,
) -> Result<serde_json::Value, sqlx::Error> {
    serde_json::from_str(text).map_err(|source| {
        sqlx::Error::Decode(Box::new(StoreError::CorruptJson {
            table,
            column,
            row: row.to_string(),
            source,
        }))
    })
}

/// The body of [`Store::import_file`], inside its transaction.
async fn write_file(
    tx: &mut Transaction<'static, Any>,
    record: &FileRecord,
) -> Result<ImportOutcome, sqlx::Error> {
    let existing = sqlx::query("SELECT id, content_hash FROM files WHERE path = $1")
        .bind(&record.path)
        .fetch_optional(&mut **tx)
        .await?;
    let now = now_ms();
    let (status, error_code, error_text) = match &record.outcome {
        FileOutcome::Ok { .. } => (FileStatus::Ok, None, None),
        FileOutcome::Error { code, message } => (
            FileStatus::Error,
            Some(code.as_str()),
            Some(message.as_str()),
        ),
    };
    let (id, outcome) = match existing {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            let hash: String = row.try_get("content_hash")?;
            if hash == record.content_hash {
                return Ok(ImportOutcome::Unchanged { id });
            }
            sqlx::query(
                "UPDATE files SET content_hash = $1, format = $2, \
                 duration_s = CAST($3 AS DOUBLE PRECISION), \
                 sample_rate = $4, channels = $5, status = $6, error_code = $7, error_text = $8, \
                 updated_at_ms = $9, file_name = $11 WHERE id = $10",
            )
            .bind(&record.content_hash)
            .bind(record.format.as_deref())
            .bind(real(record.duration_s))
            .bind(record.sample_rate)
            .bind(record.channels)
            .bind(status.as_str())
            .bind(error_code)
            .bind(error_text)
            .bind(now)
            .bind(id)
            .bind(display_name_of(record))
            .execute(&mut **tx)
            .await?;
            // Children are deleted explicitly (not only by ON DELETE CASCADE) so the result
            // does not depend on a connection's foreign-key setting.
            sqlx::query(
                "DELETE FROM region_analysis WHERE region_id IN \
                 (SELECT id FROM regions WHERE file_id = $1)",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM regions WHERE file_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM file_summary WHERE file_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM tags WHERE file_id = $1 AND source = 'auto'")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            (id, ImportOutcome::Replaced { id })
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO files (path, file_name, content_hash, format, duration_s, \
                 sample_rate, channels, status, error_code, error_text, created_at_ms, \
                 updated_at_ms) VALUES ($1, $2, $3, $4, CAST($5 AS DOUBLE PRECISION), $6, $7, $8, \
                 $9, $10, $11, $11) \
                 RETURNING id",
            )
            .bind(&record.path)
            .bind(display_name_of(record))
            .bind(&record.content_hash)
            .bind(record.format.as_deref())
            .bind(real(record.duration_s))
            .bind(record.sample_rate)
            .bind(record.channels)
            .bind(status.as_str())
            .bind(error_code)
            .bind(error_text)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            (id, ImportOutcome::Inserted { id })
        }
    };
    if let FileOutcome::Ok {
        regions,
        summary,
        auto_tags,
    } = &record.outcome
    {
        for region in regions {
            write_region(tx, id, region).await?;
        }
        write_summary(tx, id, summary).await?;
        let mut tags: Vec<String> = auto_tags.iter().map(|t| normalise_tag(t)).collect();
        tags.sort();
        tags.dedup();
        for tag in tags.iter().filter(|t| !t.is_empty()) {
            sqlx::query("INSERT INTO tags (file_id, tag, source) VALUES ($1, $2, 'auto')")
                .bind(id)
                .bind(tag)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(outcome)
}

async fn write_region(
    tx: &mut Transaction<'static, Any>,
    file_id: i64,
    region: &RegionRecord,
) -> Result<(), sqlx::Error> {
    let region_id: i64 = sqlx::query_scalar(
        "INSERT INTO regions (file_id, region_index, start_s, end_s, kind) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(file_id)
    .bind(region.index)
    .bind(region.start_s)
    .bind(region.end_s)
    .bind(region.kind.as_str())
    .fetch_one(&mut **tx)
    .await?;
    for r in &region.results {
        sqlx::query(
            "INSERT INTO region_analysis (region_id, analyzer, analyzer_version, status, \
             error_text, result_json) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(region_id)
        .bind(&r.analyzer)
        .bind(r.version)
        .bind(if r.error.is_some() { "failed" } else { "ok" })
        .bind(r.error.as_deref())
        .bind(r.result.to_string())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn write_summary(
    tx: &mut Transaction<'static, Any>,
    file_id: i64,
    summary: &Summary,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO file_summary (file_id, summary_json, bpm, bpm_bucket, key_tonic, \
         key_scale, integrated_lufs, duration_s) VALUES ($1, $2, CAST($3 AS DOUBLE PRECISION), \
         $4, $5, $6, CAST($7 AS DOUBLE PRECISION), CAST($8 AS DOUBLE PRECISION))",
    )
    .bind(file_id)
    .bind(summary.json.to_string())
    .bind(real(summary.bpm))
    .bind(bpm_bucket(summary.bpm))
    .bind(summary.key_tonic.as_deref())
    .bind(summary.key_scale.as_deref())
    .bind(real(summary.integrated_lufs))
    .bind(real(summary.duration_s))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_buckets() {
        assert_eq!(file_name_of("/a/b/Kick 01.wav"), "Kick 01.wav");
        assert_eq!(file_name_of("C:\\x\\y.flac"), "y.flac");
        assert_eq!(normalise_tag("  Dark Pad "), "dark pad");
        assert_eq!(bpm_bucket(Some(129.99)), Some(120));
        assert_eq!(bpm_bucket(Some(130.0)), Some(130));
        assert_eq!(bpm_bucket(Some(f64::NAN)), None);
    }
}
