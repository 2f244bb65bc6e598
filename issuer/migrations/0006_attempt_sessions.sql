-- An attempt belongs to the session that started it (issue 16): SHA-256 of that
-- session's bearer token. Attempts started before this column existed have NULL and can
-- no longer be submitted (they expire, and count, as any unanswered attempt).
ALTER TABLE attempts ADD COLUMN session_hash BLOB;
