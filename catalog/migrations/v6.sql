-- phiscan catalog schema, migration step 5 -> 6 (PRAGMA user_version = 6).
--
-- Applied after v5.sql to a fresh catalog, or in place to a version-5
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 6 changes: each asset records what its content was read as.
-- An incremental scan needs it for SQLite databases: a live database's
-- newest rows sit in its write-ahead log (DB-wal) while the database file
-- itself keeps its size and times, so a database that has a log beside it
-- is read again instead of carried over (tools/prior_state.cc).

ALTER TABLE assets ADD COLUMN format TEXT;
                                      -- what the content was recognised as
                                      -- (scanner/formats/sniff.h ContentKindName): 'text',
                                      -- 'binary', 'archive', 'compressed', 'ooxml', 'odf',
                                      -- 'pdf', 'sqlite', 'dicom', 'ole', 'rtf'; NULL when
                                      -- nothing was read (a gap found before its first bytes)
                                      -- or for an asset last classified before version 6.

-- Databases recorded before version 6 whose write-ahead log was recorded
-- beside them (DB-wal, itself an asset) are SQLite databases in WAL mode:
-- known as such from the first scan after the upgrade. Others are known
-- once they are read again.
UPDATE assets SET format = 'sqlite'
 WHERE member = x'' AND kind = 0
   AND EXISTS (SELECT 1 FROM assets AS wal
                WHERE wal.path = CAST(assets.path || '-wal' AS BLOB) AND wal.member = x'');
