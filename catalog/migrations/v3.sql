-- phiscan catalog schema, migration step 2 -> 3 (PRAGMA user_version = 3).
--
-- Applied after v2.sql to a fresh catalog, or in place to a version-2
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 3 adds: indexes for the reports, so `phireport summary` and
-- filtered `phireport assets` listings stay well under a second on a catalog
-- of a million assets (tools/bench/report_scale.py) instead of reading every
-- asset row. No table or column changes. The reader writes each filter as a
-- plain condition on the indexed column (catalog/reader.cc) so these can
-- serve it.

-- summary: the inventory totals, by status, by label and sensitive assets by
-- readers, in one pass over this index instead of the table: it covers
-- every column those counts read (removed_run, always NULL here, is listed
-- so SQLite sees the index as covering for `removed_run IS NULL`). Also
-- `assets --label L`: the label's assets without reading the others.
-- `id` comes before bytes_scanned so that a new asset's entry goes at the
-- end of its group, as the rowid does: keyed by bytes_scanned, inserts land
-- all over the index and a first scan's catalog writer spent about twice as
-- long (each commit rewrote pages scattered across it).
CREATE INDEX assets_by_label
  ON assets (label, status, readable_by, exposed, id, bytes_scanned, removed_run)
  WHERE removed_run IS NULL;

-- assets --exposed: exposed assets are few, and this lists them in the
-- listing's order (path, member) without a sort.
CREATE INDEX assets_exposed ON assets (path, member) WHERE exposed = 1;

-- assets --status S for a coverage gap (any status but complete, code 0):
-- gaps are few; the reader adds `status <> 0` to such a query so SQLite can
-- prove this partial index applies.
CREATE INDEX assets_gaps ON assets (status, path, member) WHERE status <> 0;

-- assets --type T [--min-confidence C]: the assets with a type at or above a
-- score (asset_id, the rest of the primary key, is part of every entry).
CREATE INDEX asset_types_by_type ON asset_types (type_id, max_score);
