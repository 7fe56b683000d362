-- phiscan catalog schema, migration step 1 -> 2 (PRAGMA user_version = 2).
--
-- Applied after schema.sql (version 1) to a fresh catalog, or in place to a
-- version-1 catalog, inside the migration transaction. Like schema.sql this
-- text is part of the declared format: a later version appends a new step
-- and never edits this one. The rules stated at the top of schema.sql hold
-- here too (raw-bytes BLOB paths, no matched values, stable enum codes).
--
-- What version 2 adds: incremental scans (last_seen_run, removed_run, the
-- key fingerprint of each run), scan history for diffs (asset_history), raw
-- run roots, exposure (who can read or write each asset), and the
-- normalisation of each type (so a value can be tokenised for `locate`).

-- Runs: the process that recorded the run, so a run left 'running' by a
-- process that died can be recognised; and the incremental counters.
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
                                      -- process id of the scan; 0 = unknown (recorded by version 1)
ALTER TABLE runs ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
                                      -- fingerprint of the token key (HMAC of a fixed label under the
                                      -- key; reveals nothing about it); '' = unknown
ALTER TABLE runs ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
                                      -- assets carried over unread because nothing about them changed
ALTER TABLE runs ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
                                      -- assets this run marked removed (completed runs only)

-- The roots of each run as raw bytes (runs.roots holds them escaped, for
-- people); used to decide which assets a run covered.
CREATE TABLE run_roots (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  root   BLOB NOT NULL,               -- a scan root exactly as given, raw bytes
  PRIMARY KEY (run_id, root)
) WITHOUT ROWID;
-- Version-1 runs kept only escaped roots; EscapeBytes is the identity on
-- printable UTF-8 without backslashes, so those roots are recovered exactly
-- and the others are left out (their assets are rolled up by path alone).
INSERT OR IGNORE INTO run_roots (run_id, root)
  SELECT runs.id, CAST(j.value AS BLOB) FROM runs, json_each(runs.roots) AS j
  WHERE json_valid(runs.roots) AND j.type = 'text' AND instr(j.value, '\') = 0;

ALTER TABLE types ADD COLUMN normalize TEXT NOT NULL DEFAULT '';
                                      -- how values are normalised before tokenising: digits,
                                      -- alnum_upper, lower, none; '' = unknown

-- Assets: presence and exposure.
ALTER TABLE assets ADD COLUMN last_seen_run INTEGER REFERENCES runs(id);
                                      -- last run that saw the asset, scanned or carried over unread
                                      -- (last_scan_run is the last run that classified it)
ALTER TABLE assets ADD COLUMN removed_run INTEGER REFERENCES runs(id);
                                      -- completed run that noticed the asset was gone; NULL = present.
                                      -- Cleared when the asset is seen again.
ALTER TABLE assets ADD COLUMN readable_by TEXT NOT NULL DEFAULT 'owner'
  CHECK (readable_by IN ('everyone', 'group', 'acl', 'owner'));
                                      -- broadest class of readers: 'everyone' (S_IROTH), 'group' (the
                                      -- owning group can read), 'acl' (named users or groups in a POSIX
                                      -- ACL can read), 'owner' (nobody else)
ALTER TABLE assets ADD COLUMN group_writable INTEGER NOT NULL DEFAULT 0;
                                      -- 1 if S_IWGRP is set (with an ACL: the mask allows write)
ALTER TABLE assets ADD COLUMN world_writable INTEGER NOT NULL DEFAULT 0;
                                      -- 1 if S_IWOTH is set
ALTER TABLE assets ADD COLUMN acl_entries INTEGER;
                                      -- named user and group entries of the access ACL; 0 = no extended
                                      -- ACL; NULL = not examined
ALTER TABLE assets ADD COLUMN acl_readers INTEGER;
                                      -- of those, entries that can read (after the mask); NULL = not examined
ALTER TABLE assets ADD COLUMN exposed INTEGER NOT NULL DEFAULT 0;
                                      -- 1 if the label is sensitive (not NONE) and the asset is readable
                                      -- by everyone, or group- or world-writable

-- Version-1 assets: seen by the run that scanned them, exposure from mode bits.
UPDATE assets SET
  last_seen_run = last_scan_run,
  readable_by = CASE WHEN mode & 4 THEN 'everyone' WHEN mode & 32 THEN 'group' ELSE 'owner' END,
  group_writable = (mode & 16) <> 0,
  world_writable = (mode & 2) <> 0,
  exposed = coalesce(label, '') NOT IN ('', 'NONE') AND (mode & 22) <> 0;  -- 22 = S_IROTH|S_IWOTH|S_IWGRP

-- Incremental skip looks up top-level files; removal marking scans a run's
-- roots by path range (UNIQUE (path, member) serves both).
CREATE INDEX assets_by_removed ON assets (removed_run) WHERE removed_run IS NOT NULL;

-- What each run recorded about an asset, so two runs can be compared after
-- later runs rewrote the inventory. One row per asset and run that
-- classified it or marked it removed; a run that carried an asset over
-- unread adds nothing (its state is the previous row's).
CREATE TABLE asset_history (
  asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  event    TEXT NOT NULL CHECK (event IN ('scanned', 'removed')),
                                      -- 'scanned': the run recorded the asset; 'removed': the run
                                      -- noticed it was gone
  status   INTEGER NOT NULL,          -- AssetStatus code at that run
  label    TEXT,                      -- label at that run; NULL = none
  exposed  INTEGER NOT NULL DEFAULT 0,  -- assets.exposed at that run
  size     INTEGER NOT NULL DEFAULT 0,  -- with mtime_ns and ino: tells a changed file
  mtime_ns INTEGER NOT NULL DEFAULT 0,
  ino      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (asset_id, run_id)
) WITHOUT ROWID;
-- Version-1 assets: their state as recorded by the run that last scanned them.
INSERT INTO asset_history (asset_id, run_id, event, status, label, exposed, size, mtime_ns, ino)
  SELECT id, last_scan_run, 'scanned', status, label, exposed, size, mtime_ns, ino FROM assets;
-- diff looks for assets with history between two runs.
CREATE INDEX asset_history_by_run ON asset_history (run_id);
