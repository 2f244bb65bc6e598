-- Maintaining the confidential question bank (issue 16): what each attempt answered,
-- for the statistics a regulator reviews the bank by, and questions retired from drawing.

-- One row per question of a marked attempt: whether it was answered right. Attempts
-- that lapsed unanswered have none. No candidate identity: the attempt is the link.
CREATE TABLE attempt_marks (
    attempt_id      INTEGER NOT NULL REFERENCES attempts(id),
    question        TEXT NOT NULL,              -- the bank's question id
    correct         INTEGER NOT NULL CHECK (correct IN (0, 1)),
    PRIMARY KEY (attempt_id, question)
) STRICT;

CREATE INDEX attempt_marks_by_question ON attempt_marks (question);

-- Questions no longer drawn (leaked, wrong, or not discriminating). Kept in the bank
-- file so that past attempts stay readable; a retirement is for good.
CREATE TABLE retired_questions (
    question        TEXT PRIMARY KEY,
    retired_at      INTEGER NOT NULL,
    reason          TEXT NOT NULL
) STRICT;

CREATE TRIGGER retired_questions_no_delete BEFORE DELETE ON retired_questions
BEGIN SELECT RAISE(ABORT, 'a retirement is for good'); END;
