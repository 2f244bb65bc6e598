-- The insurance wrapper (issue 8): registered insurers, and the cover evidence of
-- permits. The authority never learns a cover amount: it keeps the insurer's signed
-- certificate (with its Pedersen commitment to the amount) and the permit holder's
-- Bulletproofs range proof that the amount is at least the tier's minimum.

CREATE TABLE insurers (
    id              TEXT PRIMARY KEY,           -- a short public name, e.g. "lloyds-1234"
    key             BLOB NOT NULL UNIQUE,       -- ristretto255 public key, 32 bytes compressed
    registered_at   INTEGER NOT NULL,
    registered_by   TEXT NOT NULL
) STRICT;

-- One row per accepted showing (registration or renewal); a permit's cover in force is
-- its latest row. Rows are only ever inserted.
CREATE TABLE permit_covers (
    id              INTEGER PRIMARY KEY,
    permit_id       TEXT NOT NULL REFERENCES permits(id),
    insurer         BLOB NOT NULL REFERENCES insurers(key),
    policy_id       TEXT NOT NULL,
    expires         INTEGER NOT NULL,           -- the certificate's expiry (capped at 2^63 - 1)
    commitment      BLOB NOT NULL,              -- Pedersen commitment to the cover, 32 bytes
    certificate     TEXT NOT NULL,              -- the insurer's certificate, JSON
    proof           BLOB NOT NULL,              -- the range proof, 672 bytes
    tier            INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    minimum         INTEGER NOT NULL,           -- the tier minimum the proof was checked against
    accepted_at     INTEGER NOT NULL,
    accepted_by     TEXT NOT NULL
) STRICT;

CREATE INDEX permit_covers_by_permit ON permit_covers (permit_id, id);

CREATE TRIGGER permit_covers_no_update BEFORE UPDATE ON permit_covers
BEGIN SELECT RAISE(ABORT, 'permit covers are append-only'); END;
CREATE TRIGGER permit_covers_no_delete BEFORE DELETE ON permit_covers
BEGIN SELECT RAISE(ABORT, 'permit covers are append-only'); END;

-- Before: self-declared insurance with a plain cover amount, never verified. Its traces
-- (without the amount) go to the audit log; the columns go. Tier 2 and 3 permits that had
-- it need a renewal with a certificate and a cover proof before new permit-bound
-- credentials are issued; credentials already issued are unaffected.
INSERT INTO audit (actor, at, action, reason, details)
SELECT 'migration-0003', CAST(strftime('%s', 'now') AS INTEGER), 'permit-insurance-dropped',
       'self-declared insurance replaced by verified cover proofs',
       json_object('permit', id, 'insurer', insurer, 'policy_id', policy_id,
                   'expires', insurance_expires)
FROM permits WHERE insurer IS NOT NULL;

-- secure_delete: the freed space is zeroed, so the amounts do not linger in free pages.
PRAGMA secure_delete = ON;
ALTER TABLE permits DROP COLUMN insurer;
ALTER TABLE permits DROP COLUMN policy_id;
ALTER TABLE permits DROP COLUMN cover;
ALTER TABLE permits DROP COLUMN insurance_expires;
PRAGMA secure_delete = OFF;

-- The new `insurers` scope: the `initial` token keeps holding every scope.
UPDATE admin_tokens SET scopes = scopes || ',insurers'
WHERE id = 'initial' AND revoked_at IS NULL AND instr(',' || scopes || ',', ',insurers,') = 0;
