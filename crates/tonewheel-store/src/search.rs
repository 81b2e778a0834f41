//! Finding files: free text over names, path words and tags, plus filters on the typed summary
//! columns (key, tempo range, tag, duration, status); and the catalogue's statistics.
//!
//! Queries are built with numbered placeholders (`$1`, `$2`, ...), which both SQLite and
//! PostgreSQL accept, so one SQL text serves both backends.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::StoreError;
use crate::files::{file_row, normalise_tag, FILE_COLUMNS};
use crate::records::{FileRow, FileStatus};
use crate::Store;

/// Most rows one search returns (a page; use `offset` for more).
pub const MAX_LIMIT: u32 = 10_000;
/// Words of free text beyond this are ignored (each adds a clause).
const MAX_WORDS: usize = 16;

/// Pitch classes as the key analyzer names them (sharps).
const TONICS: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// A key to filter on: tonic with sharps, and optionally the scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFilter {
    /// `C`, `C#`, ... `B`.
    pub tonic: String,
    /// `major` or `minor`; `None` matches both.
    pub scale: Option<String>,
}

impl KeyFilter {
    /// Parses `F minor`, `Fm`, `f#min`, `Bb major`, `Eb`, `C maj`: a tonic (flats become the
    /// sharp of the same pitch class) and an optional scale.
    pub fn parse(text: &str) -> Result<KeyFilter, StoreError> {
        let invalid = || StoreError::Invalid {
            field: "key",
            expected: "a key such as \"F minor\", \"F#m\" or \"Bb major\"",
            found: text.to_string(),
        };
        let t = text.trim();
        let mut chars = t.chars();
        let letter = chars.next().ok_or_else(invalid)?.to_ascii_uppercase();
        let natural = TONICS
            .iter()
            .position(|n| n.len() == 1 && n.starts_with(letter))
            .ok_or_else(invalid)?;
        let rest = chars.as_str();
        let (shift, rest): (i32, &str) = if let Some(r) = rest.strip_prefix(['#', '♯']) {
            (1, r)
        } else if let Some(r) = rest.strip_prefix(['b', '♭']) {
            (-1, r)
        } else {
            (0, rest)
        };
        let tonic = TONICS[(natural as i32 + shift).rem_euclid(12) as usize].to_string();
        let scale = match rest.trim().to_ascii_lowercase().as_str() {
            "" => None,
            "m" | "min" | "minor" => Some("minor".to_string()),
            "maj" | "major" => Some("major".to_string()),
            _ => return Err(invalid()),
        };
        Ok(KeyFilter { tonic, scale })
    }
}

/// An inclusive range of numbers (tempo in BPM, duration in seconds).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Lowest accepted value.
    pub min: f64,
    /// Highest accepted value.
    pub max: f64,
}

impl Range {
    /// Parses `120-130`, `120..130` or a single value `128` (±0.5, a rounding step).
    pub fn parse(text: &str, field: &'static str) -> Result<Range, StoreError> {
        let invalid = || StoreError::Invalid {
            field,
            expected: "a range such as 120-130 or a value such as 128",
            found: text.to_string(),
        };
        let t = text.trim();
        let parse = |s: &str| -> Result<f64, StoreError> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(invalid)
        };
        let range = if let Some((a, b)) = t.split_once("..").or_else(|| t.split_once('-')) {
            Range {
                min: parse(a)?,
                max: parse(b)?,
            }
        } else {
            let v = parse(t)?;
            Range {
                min: v - 0.5,
                max: v + 0.5,
            }
        };
        if range.min > range.max {
            return Err(invalid());
        }
        Ok(range)
    }
}

/// The column a file search is ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum FileSort {
    /// The full path (the CLI's order).
    #[default]
    Path,
    /// The display name, case-insensitively.
    Name,
    /// Length in seconds.
    Duration,
    /// Tempo in BPM.
    Bpm,
    /// Key: tonic in pitch-class order from C, then scale.
    Key,
    /// Integrated loudness in LUFS.
    Lufs,
    /// First import time.
    Created,
}

impl FileSort {
    /// Every sort with its name, as the server and CLI accept them.
    pub const ALL: [(&'static str, FileSort); 7] = [
        ("path", FileSort::Path),
        ("name", FileSort::Name),
        ("duration", FileSort::Duration),
        ("bpm", FileSort::Bpm),
        ("key", FileSort::Key),
        ("lufs", FileSort::Lufs),
        ("created", FileSort::Created),
    ];

    /// The sort named `text` (`name`, `duration`, `bpm`, `key`, `lufs`, `created`, `path`).
    pub fn parse(text: &str) -> Result<FileSort, StoreError> {
        let t = text.trim().to_ascii_lowercase();
        FileSort::ALL
            .iter()
            .find(|(name, _)| *name == t)
            .map(|(_, s)| *s)
            .ok_or_else(|| StoreError::Invalid {
                field: "sort",
                expected: "one of path, name, duration, bpm, key, lufs, created",
                found: text.to_string(),
            })
    }

    /// The SQL expressions to order by, most significant first. Fixed text chosen from this
    /// enum, never from user input.
    fn sql(self) -> &'static [&'static str] {
        match self {
            FileSort::Path => &["f.path"],
            FileSort::Name => &["LOWER(f.file_name)"],
            FileSort::Duration => &["f.duration_s"],
            FileSort::Bpm => &["s.bpm"],
            FileSort::Key => &[KEY_ORDER_SQL, "s.key_scale"],
            FileSort::Lufs => &["s.integrated_lufs"],
            FileSort::Created => &["f.created_at_ms"],
        }
    }
}

/// The tonic as its pitch class 0..11 (C = 0), so keys sort musically rather than
/// alphabetically (`A#` after `A`, but `C` first).
const KEY_ORDER_SQL: &str = "CASE s.key_tonic WHEN 'C' THEN 0 WHEN 'C#' THEN 1 WHEN 'D' THEN 2 \
     WHEN 'D#' THEN 3 WHEN 'E' THEN 4 WHEN 'F' THEN 5 WHEN 'F#' THEN 6 WHEN 'G' THEN 7 \
     WHEN 'G#' THEN 8 WHEN 'A' THEN 9 WHEN 'A#' THEN 10 WHEN 'B' THEN 11 END";

/// A search over catalogued files. Every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileQuery {
    /// Free text: every word must appear in the path (so in the file name and folder names)
    /// or in a tag, case-insensitively.
    pub text: Option<String>,
    /// Key (tonic and optional scale).
    pub key: Option<KeyFilter>,
    /// Tempo range in BPM.
    pub bpm: Option<Range>,
    /// Duration range in seconds.
    pub duration_s: Option<Range>,
    /// Tags the file must carry (user or auto), each.
    pub tags: Vec<String>,
    /// Only files with this status.
    pub status: Option<FileStatus>,
    /// Rows to return (0 means [`MAX_LIMIT`]; larger values are capped at it).
    pub limit: u32,
    /// Rows to skip.
    pub offset: u64,
    /// Order of the rows (files without a value for the column come last either way; ties
    /// are broken by path, then id, so paging is stable).
    #[serde(default)]
    pub sort: FileSort,
    /// Largest values first.
    #[serde(default)]
    pub descending: bool,
}

/// SQL text with numbered placeholders and the values to bind, in order.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Real(f64),
    Int(i64),
}

impl Sql {
    /// Adds a value and returns its placeholder.
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
}

/// `%word%` with LIKE's wildcards escaped (escape character `\`).
fn like_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The WHERE clause of `query` (empty when it has no criteria), its values bound in `sql`.
fn where_clause(query: &FileQuery, sql: &mut Sql) -> String {
    let mut clauses: Vec<String> = Vec::new();
    if let Some(text) = &query.text {
        for word in text.split_whitespace().take(MAX_WORDS) {
            let p = sql.bind(Bind::Text(like_pattern(&word.to_lowercase())));
            clauses.push(format!(
                "(LOWER(f.path) LIKE {p} ESCAPE '\\' OR LOWER(f.file_name) LIKE {p} ESCAPE '\\' \
                 OR EXISTS (SELECT 1 FROM tags t \
                 WHERE t.file_id = f.id AND t.tag LIKE {p} ESCAPE '\\'))"
            ));
        }
    }
    if let Some(key) = &query.key {
        let p = sql.bind(Bind::Text(key.tonic.clone()));
        clauses.push(format!("s.key_tonic = {p}"));
        if let Some(scale) = &key.scale {
            let p = sql.bind(Bind::Text(scale.clone()));
            clauses.push(format!("s.key_scale = {p}"));
        }
    }
    for (column, range) in [("s.bpm", query.bpm), ("f.duration_s", query.duration_s)] {
        if let Some(r) = range {
            let lo = sql.bind(Bind::Real(r.min));
            let hi = sql.bind(Bind::Real(r.max));
            clauses.push(format!("{column} >= {lo} AND {column} <= {hi}"));
        }
    }
    for tag in &query.tags {
        let p = sql.bind(Bind::Text(normalise_tag(tag)));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM tags t WHERE t.file_id = f.id AND t.tag = {p})"
        ));
    }
    if let Some(status) = query.status {
        let p = sql.bind(Bind::Text(status.as_str().to_string()));
        clauses.push(format!("f.status = {p}"));
    }
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// The ORDER BY list of `query`. Missing values go last in both directions and on both
/// backends (SQLite puts NULL first in ascending order, PostgreSQL last, so the order says
/// it explicitly); path and id break ties.
fn order_clause(query: &FileQuery) -> String {
    let direction = if query.descending { "DESC" } else { "ASC" };
    let mut parts: Vec<String> = Vec::new();
    for expr in query.sort.sql() {
        parts.push(format!("(CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END)"));
        parts.push(format!("{expr} {direction}"));
    }
    if query.sort != FileSort::Path {
        parts.push(format!("f.path {direction}"));
    }
    parts.push(format!("f.id {direction}"));
    parts.join(", ")
}

impl Store {
    /// Files matching `query`, in its order, `limit` rows from `offset`.
    pub async fn search_files(&self, query: &FileQuery) -> Result<Vec<FileRow>, StoreError> {
        let mut sql = Sql::default();
        let filter = where_clause(query, &mut sql);
        let limit = if query.limit == 0 {
            MAX_LIMIT
        } else {
            query.limit.min(MAX_LIMIT)
        };
        let lim = sql.bind(Bind::Int(i64::from(limit)));
        let off = sql.bind(Bind::Int(i64::try_from(query.offset).unwrap_or(i64::MAX)));
        sql.text = format!(
            "SELECT {FILE_COLUMNS} FROM files f LEFT JOIN file_summary s ON s.file_id = f.id\
             {filter} ORDER BY {} LIMIT {lim} OFFSET {off}",
            order_clause(query)
        );
        self.run_file_query(sql)
            .await
            .map_err(StoreError::query("searching files"))
    }

    /// How many files match `query`'s criteria (its `limit`, `offset` and order ignored):
    /// the total behind a page of [`Store::search_files`].
    pub async fn count_files(&self, query: &FileQuery) -> Result<u64, StoreError> {
        let mut sql = Sql::default();
        let filter = where_clause(query, &mut sql);
        sql.text = format!(
            "SELECT COUNT(*) FROM files f LEFT JOIN file_summary s ON s.file_id = f.id{filter}"
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.text));
        for b in sql.binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Real(x) => q.bind(x),
                Bind::Int(i) => q.bind(i),
            };
        }
        let n = q
            .fetch_one(self.pool())
            .await
            .map_err(StoreError::query("counting files"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn run_file_query(&self, sql: Sql) -> Result<Vec<FileRow>, sqlx::Error> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.text));
        for b in sql.binds {
            q = match b {
                Bind::Text(t) => q.bind(t),
                Bind::Real(x) => q.bind(x),
                Bind::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut files = rows.iter().map(file_row).collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = files.iter().map(|f| f.id).collect();
        let mut tags = self.tags_of(&ids).await?;
        for f in &mut files {
            f.tags = tags.remove(&f.id).unwrap_or_default();
        }
        Ok(files)
    }

    /// Counts and totals over the whole catalogue.
    pub async fn stats(&self) -> Result<LibraryStats, StoreError> {
        self.read_stats()
            .await
            .map_err(StoreError::query("computing statistics"))
    }

    async fn read_stats(&self) -> Result<LibraryStats, sqlx::Error> {
        let mut stats = LibraryStats::default();
        for row in sqlx::query("SELECT status, COUNT(*) AS n FROM files GROUP BY status")
            .fetch_all(self.pool())
            .await?
        {
            let status: String = row.try_get("status")?;
            let n: i64 = row.try_get("n")?;
            stats.files += n;
            match FileStatus::parse(&status) {
                Some(FileStatus::Ok) => stats.ok += n,
                _ => stats.errors += n,
            }
        }
        // SUM over an all-NULL or empty set is NULL on both backends.
        stats.total_duration_s = sqlx::query_scalar::<_, Option<f64>>(
            "SELECT SUM(duration_s) FROM files WHERE status = 'ok'",
        )
        .fetch_one(self.pool())
        .await?
        .unwrap_or(0.0);
        for row in sqlx::query(
            "SELECT key_tonic, key_scale, COUNT(*) AS n FROM file_summary \
             WHERE key_tonic IS NOT NULL GROUP BY key_tonic, key_scale \
             ORDER BY COUNT(*) DESC, key_tonic, key_scale",
        )
        .fetch_all(self.pool())
        .await?
        {
            let tonic: String = row.try_get("key_tonic")?;
            let scale: Option<String> = row.try_get("key_scale")?;
            stats.by_key.push(KeyCount {
                key: match scale {
                    Some(s) => format!("{tonic} {s}"),
                    None => tonic,
                },
                files: row.try_get("n")?,
            });
        }
        for row in sqlx::query(
            "SELECT bpm_bucket, COUNT(*) AS n FROM file_summary \
             WHERE bpm_bucket IS NOT NULL GROUP BY bpm_bucket ORDER BY bpm_bucket",
        )
        .fetch_all(self.pool())
        .await?
        {
            let lo: i64 = row.try_get("bpm_bucket")?;
            stats.by_tempo.push(TempoCount {
                min_bpm: lo,
                max_bpm: lo + 10,
                files: row.try_get("n")?,
            });
        }
        stats.no_tempo = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM files f LEFT JOIN file_summary s ON s.file_id = f.id \
             WHERE f.status = 'ok' AND s.bpm IS NULL",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(stats)
    }
}

/// Files in one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCount {
    /// `F minor`.
    pub key: String,
    /// How many files.
    pub files: i64,
}

/// Files in one 10-BPM tempo bucket (`min_bpm` ≤ bpm < `max_bpm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempoCount {
    /// Lower bound, inclusive.
    pub min_bpm: i64,
    /// Upper bound, exclusive.
    pub max_bpm: i64,
    /// How many files.
    pub files: i64,
}

/// Counts and totals over the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LibraryStats {
    /// Catalogued files.
    pub files: i64,
    /// Files analysed.
    pub ok: i64,
    /// Files that failed.
    pub errors: i64,
    /// Total length of the analysed files, in seconds.
    pub total_duration_s: f64,
    /// Files per key, most common first.
    pub by_key: Vec<KeyCount>,
    /// Files per tempo bucket, slowest first.
    pub by_tempo: Vec<TempoCount>,
    /// Analysed files without a tempo.
    pub no_tempo: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &str) -> (String, Option<String>) {
        let k = KeyFilter::parse(t).unwrap();
        (k.tonic, k.scale)
    }

    #[test]
    fn keys_parse_in_the_usual_spellings() {
        assert_eq!(key("F minor"), ("F".into(), Some("minor".into())));
        assert_eq!(key("f#m"), ("F#".into(), Some("minor".into())));
        assert_eq!(key("Bb major"), ("A#".into(), Some("major".into())));
        assert_eq!(key("Cb"), ("B".into(), None));
        assert_eq!(key("Eb min"), ("D#".into(), Some("minor".into())));
        assert!(KeyFilter::parse("H minor").is_err());
        assert!(KeyFilter::parse("F dorian").is_err());
        assert!(KeyFilter::parse("").is_err());
    }

    #[test]
    fn ranges_parse_and_reject_nonsense() {
        assert_eq!(
            Range::parse("120-130", "bpm").unwrap(),
            Range {
                min: 120.0,
                max: 130.0
            }
        );
        assert_eq!(Range::parse("90..95.5", "bpm").unwrap().max, 95.5);
        assert_eq!(Range::parse("128", "bpm").unwrap().min, 127.5);
        assert!(Range::parse("130-120", "bpm").is_err());
        assert!(Range::parse("fast", "bpm").is_err());
        assert!(Range::parse("NaN", "bpm").is_err());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
