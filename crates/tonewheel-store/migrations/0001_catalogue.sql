-- The catalogue: analysed files, their regions and per-analyzer results, a typed summary for
-- filters, tags, and presets. One file for SQLite and PostgreSQL: the only dialect difference,
-- an auto-increment primary key, is written as the token {{id}} and filled in per backend
-- (see src/migrate.rs). Every other type is portable: BIGINT, DOUBLE PRECISION, TEXT.
-- JSON is kept as TEXT so the same queries read it on both backends.
-- Timestamps are Unix milliseconds (BIGINT), set by the program.

CREATE TABLE files (
    id {{id}},
    path TEXT NOT NULL UNIQUE,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT,
    duration_s DOUBLE PRECISION,
    sample_rate BIGINT,
    channels BIGINT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error_code TEXT,
    error_text TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE INDEX files_status ON files (status);
CREATE INDEX files_hash ON files (content_hash);

-- kind: 'file' is the whole file (file-level results hang off it), 'sound' a region found by
-- silence splitting.
CREATE TABLE regions (
    id {{id}},
    file_id BIGINT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    region_index BIGINT NOT NULL,
    start_s DOUBLE PRECISION NOT NULL,
    end_s DOUBLE PRECISION NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (file_id, region_index)
);

CREATE TABLE region_analysis (
    region_id BIGINT NOT NULL REFERENCES regions (id) ON DELETE CASCADE,
    analyzer TEXT NOT NULL,
    analyzer_version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    error_text TEXT,
    result_json TEXT NOT NULL,
    PRIMARY KEY (region_id, analyzer)
);

CREATE TABLE file_summary (
    file_id BIGINT PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    summary_json TEXT NOT NULL,
    bpm DOUBLE PRECISION,
    -- bpm rounded down to a multiple of 10, for the tempo histogram.
    bpm_bucket BIGINT,
    key_tonic TEXT,
    key_scale TEXT,
    integrated_lufs DOUBLE PRECISION,
    duration_s DOUBLE PRECISION
);

CREATE INDEX file_summary_bpm ON file_summary (bpm);
CREATE INDEX file_summary_key ON file_summary (key_tonic, key_scale);

CREATE TABLE tags (
    file_id BIGINT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('user', 'auto')),
    PRIMARY KEY (file_id, tag, source)
);

CREATE INDEX tags_tag ON tags (tag);

-- id is the preset's stable string id (factory ids, or ids the server gives user presets).
CREATE TABLE presets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    tags_json TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('factory', 'user', 'generated')),
    content_hash TEXT NOT NULL,
    quality_score DOUBLE PRECISION,
    quality_json TEXT,
    descriptors_json TEXT,
    preview_cache_key TEXT,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
);

CREATE INDEX presets_role ON presets (role);
