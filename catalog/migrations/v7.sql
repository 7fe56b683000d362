-- phiscan catalog schema, migration step 6 -> 7 (PRAGMA user_version = 7).
--
-- Applied after v6.sql to a fresh catalog, or in place to a version-6
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 7 changes:
--
-- 1. `NONE` is a verdict on content: read, and nothing found. An asset none
--    of whose content was read (encrypted, skipped, unreadable, vanished, a
--    special file, a directory loop; common/model.h ContentWasClassified)
--    has no label, unless something found around it was classified (an
--    encrypted archive's member names). Before version 7 such assets were
--    labelled `NONE`, and `assets --label NONE` listed them among the clean
--    files. Their history rows keep what was recorded at the time; the
--    change reports compare sensitivity, which `NONE` and no label share.
UPDATE assets SET label = NULL, label_rule = NULL
 WHERE label = 'NONE' AND status NOT IN (0, 1, 6)
   AND NOT EXISTS (SELECT 1 FROM asset_types WHERE asset_types.asset_id = assets.id);

-- 2. `phireport summary` counts assets by what their content was read as
--    (assets.format): the summary's covering index gains the column, so the
--    counts still come from one pass over the index (catalog/reader.cc
--    GetSummary; under a second on a million assets).
DROP INDEX assets_by_label;
CREATE INDEX assets_by_label
  ON assets (label, status, readable_by, exposed, format, id, bytes_scanned, removed_run)
  WHERE removed_run IS NULL;
