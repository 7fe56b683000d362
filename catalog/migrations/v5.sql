-- phiscan catalog schema, migration step 4 -> 5 (PRAGMA user_version = 5).
--
-- Applied after v4.sql to a fresh catalog, or in place to a version-4
-- catalog, inside the migration transaction. Like schema.sql this text is
-- part of the declared format: a later version appends a new step and never
-- edits this one.
--
-- What version 5 changes: findings are looked up by token through a 64-bit
-- integer, the token's first 8 bytes, instead of the whole 32-byte token.
-- Tokens are HMAC-SHA-256 output, so the first 8 bytes are as good as
-- random and two different tokens share them with probability 2^-64; a
-- lookup compares the whole token as well (catalog/reader.cc
-- FindByTokens). The token index gets one entry per located finding, at a
-- random place; its entries are now about a third of the size, and the
-- catalog writer spends less CPU on each (README, Performance).

ALTER TABLE findings ADD COLUMN token_prefix INTEGER NOT NULL DEFAULT 0;
                                      -- the first 8 bytes of `token` read as a big-endian
                                      -- two's-complement integer (catalog/internal/schema.h
                                      -- TokenPrefix); the key of findings_by_token_prefix.
                                      -- Derived from the token: it reveals nothing the token does
                                      -- not. 0 for an all-zero token (no key was available).

-- Findings written before version 5: the same value from the token's hex
-- digits, most significant first (<< wraps into the sign bit as two's
-- complement).
UPDATE findings SET token_prefix =
      ((instr('0123456789ABCDEF', substr(hex(token), 1, 1)) - 1) << 60)
    | ((instr('0123456789ABCDEF', substr(hex(token), 2, 1)) - 1) << 56)
    | ((instr('0123456789ABCDEF', substr(hex(token), 3, 1)) - 1) << 52)
    | ((instr('0123456789ABCDEF', substr(hex(token), 4, 1)) - 1) << 48)
    | ((instr('0123456789ABCDEF', substr(hex(token), 5, 1)) - 1) << 44)
    | ((instr('0123456789ABCDEF', substr(hex(token), 6, 1)) - 1) << 40)
    | ((instr('0123456789ABCDEF', substr(hex(token), 7, 1)) - 1) << 36)
    | ((instr('0123456789ABCDEF', substr(hex(token), 8, 1)) - 1) << 32)
    | ((instr('0123456789ABCDEF', substr(hex(token), 9, 1)) - 1) << 28)
    | ((instr('0123456789ABCDEF', substr(hex(token), 10, 1)) - 1) << 24)
    | ((instr('0123456789ABCDEF', substr(hex(token), 11, 1)) - 1) << 20)
    | ((instr('0123456789ABCDEF', substr(hex(token), 12, 1)) - 1) << 16)
    | ((instr('0123456789ABCDEF', substr(hex(token), 13, 1)) - 1) << 12)
    | ((instr('0123456789ABCDEF', substr(hex(token), 14, 1)) - 1) << 8)
    | ((instr('0123456789ABCDEF', substr(hex(token), 15, 1)) - 1) << 4)
    |  (instr('0123456789ABCDEF', substr(hex(token), 16, 1)) - 1);

-- "Where else does this identifier appear?": WHERE token_prefix = P AND
-- token = T. The index on the whole token goes.
DROP INDEX findings_by_token;
CREATE INDEX findings_by_token_prefix ON findings (token_prefix);
