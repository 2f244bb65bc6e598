-- Openings of incidents by the escrow trustees (docs/escrow.md, "Opening on the record").
-- An incident keeps the escrow ciphertext its report carried; a trustee's opening is
-- recorded (with its registry entry's index) before it may submit its partial
-- decryption; once t partials check, the serial is written and the licence revoked in
-- the same transaction.
ALTER TABLE incidents ADD COLUMN escrow TEXT;             -- JSON {c1, c2}, or NULL
ALTER TABLE incidents ADD COLUMN opened_serial INTEGER;
ALTER TABLE incidents ADD COLUMN opened_epoch INTEGER;

CREATE TABLE openings (
    incident        INTEGER NOT NULL REFERENCES incidents(id),
    trustee         INTEGER NOT NULL CHECK (trustee >= 1),
    registry_index  INTEGER NOT NULL,
    partial         TEXT,                                   -- JSON, once submitted and checked
    opened_at       INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    PRIMARY KEY (incident, trustee)
) STRICT;

-- Recorded openings are never taken back: no deletes, and a partial is written once.
CREATE TRIGGER openings_no_delete BEFORE DELETE ON openings
BEGIN SELECT RAISE(ABORT, 'openings are append-only'); END;
CREATE TRIGGER openings_partial_once BEFORE UPDATE ON openings
WHEN OLD.partial IS NOT NULL OR NEW.incident != OLD.incident OR NEW.trustee != OLD.trustee
    OR NEW.registry_index != OLD.registry_index
BEGIN SELECT RAISE(ABORT, 'an opening is written once'); END;
