-- phiscan catalog schema, migration step 6 -> 7 (PRAGMA user_version = 7).
--
-- Applied after v6.sql to a fresh catalog, or in place to a version-6
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 7 changes:
--
-- 1. `NONE` is a verdict on content: read, and nothing found. An asset of
--    which nothing was read (common/model.h ContentWasRead: not complete, no
--    byte of text classified, no type, no member read below it; encrypted,
--    skipped, unreadable, a container cut at the depth limit...) has no
--    label. Before version 7 such assets were labelled `NONE`, and
--    `assets --label NONE` listed them among the clean files. Kept: a file
--    that was read before and can no longer be read (status unreadable, a
--    read recorded in its history), whose last label the writer keeps on
--    purpose. History rows keep what was recorded at the time; the change
--    reports compare sensitivity, which `NONE` and no label share.
UPDATE assets SET label = NULL, label_rule = NULL
 WHERE label = 'NONE' AND status <> 0 AND bytes_scanned = 0
   AND NOT EXISTS (SELECT 1 FROM asset_types WHERE asset_types.asset_id = assets.id)
   AND NOT EXISTS (SELECT 1 FROM assets AS m
                    WHERE m.path = assets.path
                      AND ((assets.member = x'' AND m.member <> x'')
                        OR (assets.member <> x''
                            AND m.member > CAST(assets.member || '!' AS BLOB)
                            AND m.member < CAST(assets.member || '"' AS BLOB))))
   AND NOT (status = 4 AND member = x''
            AND EXISTS (SELECT 1 FROM asset_history AS h
                         WHERE h.asset_id = assets.id AND h.status IN (0, 1, 6)));

-- 2. `phireport summary` counts assets by what their content was read as
--    (assets.format): the summary's covering index gains the column, so the
--    counts still come from one pass over the index (catalog/reader.cc
--    GetSummary; under a second on a million assets).
DROP INDEX assets_by_label;
CREATE INDEX assets_by_label
  ON assets (label, status, readable_by, exposed, format, id, bytes_scanned, removed_run)
  WHERE removed_run IS NULL;
