-- phiscan catalog schema, migration step 7 -> 8 (PRAGMA user_version = 8).
--
-- Applied after v7.sql to a fresh catalog, or in place to a version-7
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 8 adds: who could read an asset at each run, so `diff` can
-- say that access to it changed (a chmod from 0600 to 0640, a named ACL
-- reader added, a new owner) even when it was neither exposed before nor
-- after. Rows written before version 8 hold NULL in both: unknown, so no
-- change is reported against them.
ALTER TABLE asset_history ADD COLUMN readable_by TEXT;
                                      -- assets.readable_by at that run; NULL = not recorded
ALTER TABLE asset_history ADD COLUMN access_digest INTEGER;
                                      -- 64-bit digest of the permission bits, owner, group,
                                      -- writability and ACL entry counts at that run
                                      -- (catalog/writer.cc AccessDigest); NULL = not recorded
