-- phiscan catalog schema, version 1 (PRAGMA user_version = 1).
--
-- This file is the declared format of the catalog. It is compiled into the
-- library (catalog/CMakeLists.txt) and applied as the first migration step to
-- a fresh database; later versions append migration steps in
-- catalog/internal/schema.h and never edit this file's effect.
--
-- Rules for this format:
-- * The catalog says where sensitive data is; it never holds a matched value.
--   Findings keep a locator, a masked shape and a keyed token only.
-- * Paths and member names are raw bytes (BLOB), bound as blobs, compared and
--   ordered bytewise. They are escaped only when they leave the program.
-- * Persisted enum codes (assets.kind, assets.status) are the numeric values
--   of AssetKind and AssetStatus in common/model.h. They are never
--   renumbered; new values are appended there and seeded here by a migration.
-- * Unsigned 64-bit values (dev, ino, sizes) are stored in SQLite's signed
--   INTEGER by two's complement and converted back on read.

-- One row per scan run: the journal that tells a restart what was finished.
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,  -- run id, increasing
  started_at    INTEGER NOT NULL,     -- unix seconds when BeginRun recorded the run
  finished_at   INTEGER,              -- unix seconds when the run ended; NULL while running or after a crash
  status        TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
                                      -- 'running' left behind means the process died mid-run
  roots         TEXT NOT NULL,        -- JSON array of the scan roots, each escaped (common/escape.h)
  options       TEXT NOT NULL,        -- JSON object of the flags that shaped the run
                                      -- (both checked by the writer: a json_valid() CHECK would be
                                      -- refused on connections with trusted_schema=OFF)
  rules_version TEXT NOT NULL,        -- version of the rule set the run classified with
  host          TEXT NOT NULL,        -- gethostname() of the scanning machine
  user          TEXT NOT NULL,        -- effective user name (or numeric uid) that ran the scan
  assets        INTEGER NOT NULL DEFAULT 0,  -- assets committed by this run
  bytes_scanned INTEGER NOT NULL DEFAULT 0,  -- bytes of text classified by this run
  findings      INTEGER NOT NULL DEFAULT 0,  -- occurrences found (sum of asset_types.count), not located rows
  gaps          INTEGER NOT NULL DEFAULT 0   -- assets committed with a status other than complete
);

-- Sensitive type definitions as of each run, so reports can name and group
-- types without the rule pack. A report uses the latest run defining a type.
CREATE TABLE types (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,  -- run that used this definition
  type_id     TEXT NOT NULL,           -- rule id, e.g. 'US_SSN'
  name        TEXT NOT NULL,           -- human name, e.g. 'U.S. Social Security Number'
  category    TEXT NOT NULL,           -- PHI, PII, PCI or CREDENTIAL
  hipaa_class INTEGER NOT NULL DEFAULT 0,  -- HIPAA Safe Harbor identifier class 1..18; 0 = none
  PRIMARY KEY (run_id, type_id)
) WITHOUT ROWID;

-- Names of the persisted enum codes, so SQL users can join instead of
-- hard-coding numbers. Codes are never renumbered.
CREATE TABLE status_names (
  code INTEGER PRIMARY KEY,            -- AssetStatus value
  name TEXT NOT NULL UNIQUE            -- AssetStatusName()
);
INSERT INTO status_names (code, name) VALUES
  (0, 'complete'),
  (1, 'partial'),
  (2, 'encrypted'),
  (3, 'skipped'),
  (4, 'unreadable'),
  (5, 'vanished'),
  (6, 'changed_during_scan'),
  (7, 'special'),
  (8, 'loop');

CREATE TABLE kind_names (
  code INTEGER PRIMARY KEY,            -- AssetKind value
  name TEXT NOT NULL UNIQUE            -- AssetKindName()
);
INSERT INTO kind_names (code, name) VALUES
  (0, 'file'),
  (1, 'directory'),
  (2, 'member'),
  (3, 'special'),
  (4, 'stream');

-- The inventory: one row per (path, member), updated in place by every run
-- that processes it.
CREATE TABLE assets (
  id             INTEGER PRIMARY KEY,
  path           BLOB NOT NULL,            -- raw bytes of the top-level file's path
  member         BLOB NOT NULL DEFAULT x'', -- raw bytes of the path inside a container; x'' = top-level asset
                                            -- (not NULL, so UNIQUE(path, member) also holds for top-level rows)
  parent_id      INTEGER REFERENCES assets(id) ON DELETE SET NULL,
                                            -- containing asset; reserved, currently always NULL
  kind           INTEGER NOT NULL,         -- AssetKind code (kind_names)
  status         INTEGER NOT NULL,         -- AssetStatus code (status_names): coverage of the last scan
  reason         TEXT,                     -- stable reason id for partial/skipped/unreadable...; NULL = none
  detail         TEXT,                     -- human detail for the reason; never content; NULL = none
  size           INTEGER NOT NULL DEFAULT 0,  -- bytes on disk (or member size)
  mtime_ns       INTEGER NOT NULL DEFAULT 0,  -- modification time, ns since the epoch
  ctime_ns       INTEGER NOT NULL DEFAULT 0,  -- inode change time, ns since the epoch
  dev            INTEGER NOT NULL DEFAULT 0,  -- st_dev; with ino, size, mtime_ns, ctime_ns: the incremental-skip identity
  ino            INTEGER NOT NULL DEFAULT 0,  -- st_ino
  mode           INTEGER NOT NULL DEFAULT 0,  -- st_mode (type and permission bits)
  uid            INTEGER NOT NULL DEFAULT 0,  -- owner uid
  gid            INTEGER NOT NULL DEFAULT 0,  -- owner gid
  bytes_scanned  INTEGER NOT NULL DEFAULT 0,  -- bytes of text that went through the classifiers
  label          TEXT,                     -- label from the labelling rules ('PHI', 'PII', 'NONE'...); NULL = none
  label_rule     TEXT,                     -- id of the labelling rule that produced `label`; NULL = none
  rules_version  TEXT NOT NULL,            -- rule set version the asset was last classified with
  first_seen_run INTEGER NOT NULL REFERENCES runs(id),  -- run that first recorded the asset
  last_scan_run  INTEGER NOT NULL REFERENCES runs(id),  -- run that last recorded the asset
  UNIQUE (path, member)
);

-- Per asset and type: the summary kept even when locators are capped.
CREATE TABLE asset_types (
  asset_id     INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  type_id      TEXT NOT NULL,                -- rule id (types.type_id)
  count        INTEGER NOT NULL,             -- occurrences at or above the reporting floor
  unique_count INTEGER NOT NULL,             -- distinct tokens among them
  max_score    INTEGER NOT NULL,             -- highest score 1..100
  PRIMARY KEY (asset_id, type_id)
) WITHOUT ROWID;

-- Located occurrences, at most the locator cap per asset and type.
CREATE TABLE findings (
  id       INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  type_id  TEXT NOT NULL,                    -- rule id (types.type_id)
  score    INTEGER NOT NULL,                 -- 1..100 (65 low, 75 medium, 85 high)
  start    INTEGER NOT NULL,                 -- byte offset of the first byte in the asset's text
  "end"    INTEGER NOT NULL,                 -- byte offset one past the last byte
  line     INTEGER NOT NULL,                 -- 1-based line of `start`
  masked   TEXT NOT NULL,                    -- shape only, e.g. '***-**-****'; never the value
  token    BLOB NOT NULL CHECK (length(token) = 32)
                                             -- HMAC-SHA-256 of the normalised value under a key kept
                                             -- outside the catalog; all zero when no key was available
);
-- "Where else does this identifier appear?" looks findings up by token.
CREATE INDEX findings_by_token ON findings (token);
-- Rewriting an asset deletes its old findings.
CREATE INDEX findings_by_asset ON findings (asset_id);
