-- Fleet & Driver rules enforced for as long as a licence lives (issue 16).

-- A permit whose requirements stopped being met: since when, and why (the latest
-- finding). NULL while they are met. After the grace period it is suspended.
ALTER TABLE permits ADD COLUMN unmet_since INTEGER;
ALTER TABLE permits ADD COLUMN unmet_reason TEXT;
-- Where notices about the permit go: a JSON array of http(s) URLs (webhooks).
ALTER TABLE permits ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';

-- Notices to a permit's contacts, kept until delivered (an outbox: written in the
-- transaction that records the finding, delivered after it commits).
CREATE TABLE permit_notices (
    id              INTEGER PRIMARY KEY,
    permit_id       TEXT NOT NULL REFERENCES permits(id),
    contact         TEXT NOT NULL,
    body            TEXT NOT NULL,              -- JSON, what is POSTed
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    delivered_at    INTEGER
) STRICT;

CREATE INDEX permit_notices_pending ON permit_notices (id) WHERE delivered_at IS NULL;

-- An insurer's revocation of a certificate during its term: the permit's cover in force
-- stops counting (a lapse, as an expiry is).
-- It applies to the covers of that policy accepted before it was received (a renewal
-- accepted later counts again).
CREATE TABLE cover_revocations (
    id              INTEGER PRIMARY KEY,
    insurer         BLOB NOT NULL REFERENCES insurers(key),
    permit_id       TEXT NOT NULL,
    policy_id       TEXT NOT NULL,
    revoked_at      INTEGER NOT NULL,           -- the insurer's statement's time
    statement       TEXT NOT NULL,              -- the signed statement, JSON
    received_at     INTEGER NOT NULL
) STRICT;

CREATE INDEX cover_revocations_by_policy ON cover_revocations (permit_id, insurer, policy_id);

-- Apprenticeships: requested by the apprentice (who receives a one-time code), accepted
-- by the supervising licensed operator with that code. Ended when either side's
-- credential is revoked.
CREATE TABLE apprenticeships (
    id              INTEGER PRIMARY KEY,
    code_hash       BLOB NOT NULL UNIQUE,       -- SHA-256 of the code the apprentice hands over
    apprentice      BLOB NOT NULL REFERENCES identities(id_key),
    requested_at    INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,           -- an unaccepted request lapses then
    supervisor      BLOB REFERENCES identities(id_key),
    supervisor_serial INTEGER REFERENCES credentials(serial),
    accepted_at     INTEGER,
    ended_at        INTEGER,
    ended_reason    TEXT
) STRICT;

CREATE INDEX apprenticeships_by_supervisor ON apprenticeships (supervisor) WHERE ended_at IS NULL;
CREATE INDEX apprenticeships_by_licence ON apprenticeships (supervisor_serial) WHERE ended_at IS NULL;

-- A revocation looks up the apprentices a licence supervises (the cascade).
CREATE INDEX credentials_by_supervisor ON credentials (supervisor) WHERE supervisor IS NOT NULL;
