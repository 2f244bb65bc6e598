-- The gateway's shared state: several gateway processes on one host use one file.
-- No personal data: pseudonyms are per-gateway and unlinkable elsewhere.

CREATE TABLE challenges (
    challenge       TEXT PRIMARY KEY,           -- the challenge as a field element (decimal)
    now             INTEGER NOT NULL,           -- the gateway time given with it
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE leases (
    block           TEXT PRIMARY KEY,           -- the Biscuit block's revocation id (hex)
    lease_id        TEXT NOT NULL UNIQUE,
    parent_lease    TEXT REFERENCES leases(lease_id),
    pseudonym       TEXT NOT NULL,
    tier            INTEGER NOT NULL,           -- proven minimum licence tier
    permit_tier     INTEGER NOT NULL,           -- proven minimum permit tier
    epoch           INTEGER NOT NULL,           -- status epoch of the root it was proved against
    agent           TEXT NOT NULL,
    manifest        TEXT NOT NULL,              -- hex SHA-256 of the agent manifest
    rights          TEXT NOT NULL,              -- JSON array of route prefixes
    rate_per_min    INTEGER NOT NULL,
    expires         INTEGER NOT NULL,
    depth           INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX leases_by_pseudonym ON leases (pseudonym);

CREATE TABLE kills (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('lease', 'pseudonym')),
    value           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    at              INTEGER NOT NULL
) STRICT;

-- Chain-of-liability entries for the registry: spawn links and kills, kept until the
-- registry has them (`submitted_at`).
CREATE TABLE registry_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('spawn', 'kill')),
    entry           TEXT NOT NULL,              -- JSON
    at              INTEGER NOT NULL,
    submitted_at    INTEGER
) STRICT;
