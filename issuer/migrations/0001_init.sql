-- The licensing authority's records. Identities are keyed hashes of (issuer, subject):
-- the raw subject is never stored. Times are unix seconds.

CREATE TABLE identities (
    id_key          BLOB PRIMARY KEY,          -- HMAC-SHA256(authority secret, issuer, subject)
    created_at      INTEGER NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0, -- failed attempts since the last recorded training
    cooling_until   INTEGER NOT NULL DEFAULT 0, -- no attempt may start or be marked before this
    locked          INTEGER NOT NULL DEFAULT 0, -- 1 after the maximum number of failures
    passed_at       INTEGER,                    -- set by a passing attempt
    training_at     INTEGER                     -- last formal training recorded by an admin
) STRICT;

CREATE TABLE nonces (
    nonce           TEXT PRIMARY KEY,
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash      BLOB PRIMARY KEY,           -- SHA-256 of the bearer token
    id_key          BLOB NOT NULL REFERENCES identities(id_key),
    expires_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE attempts (
    id              INTEGER PRIMARY KEY,
    token_hash      BLOB NOT NULL UNIQUE,
    id_key          BLOB NOT NULL REFERENCES identities(id_key),
    questions       TEXT NOT NULL,              -- JSON: [{"id": .., "order": [..]}], the options as shown
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    submitted_at    INTEGER,
    correct         INTEGER,
    total           INTEGER,
    passed          INTEGER
) STRICT;

CREATE TABLE permits (
    id              TEXT PRIMARY KEY,           -- the permit identifier; credentials carry its hash
    name            TEXT NOT NULL,
    tier            INTEGER NOT NULL CHECK (tier BETWEEN 1 AND 3),
    status          TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    insurer         TEXT,
    policy_id       TEXT,
    cover           INTEGER,
    insurance_expires INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE permit_operators (
    permit_id       TEXT NOT NULL REFERENCES permits(id),
    id_key          BLOB NOT NULL REFERENCES identities(id_key),
    principal       INTEGER NOT NULL,
    PRIMARY KEY (permit_id, id_key)
) STRICT;

CREATE TABLE agent_systems (
    permit_id       TEXT NOT NULL REFERENCES permits(id),
    name            TEXT NOT NULL,
    principal       BLOB REFERENCES identities(id_key),
    PRIMARY KEY (permit_id, name)
) STRICT;

CREATE TABLE credentials (
    serial          INTEGER PRIMARY KEY CHECK (serial >= 0 AND serial < 1048576),
    id_key          BLOB NOT NULL REFERENCES identities(id_key),
    permit_id       TEXT REFERENCES permits(id),
    tier            INTEGER NOT NULL,
    permit_tier     INTEGER NOT NULL,
    not_before      INTEGER NOT NULL,
    expires         INTEGER NOT NULL,
    holder          TEXT NOT NULL,              -- pk = Poseidon(sk), decimal
    signature       TEXT NOT NULL,              -- JSON {R8, S}
    supervisor      INTEGER REFERENCES credentials(serial),
    issued_at       INTEGER NOT NULL,
    revoked_at      INTEGER,
    revoked_epoch   INTEGER,
    revocation_reason TEXT
) STRICT;

-- One live credential per (identity, permit); personal credentials have permit_id NULL.
CREATE UNIQUE INDEX one_live_credential
    ON credentials (id_key, ifnull(permit_id, ''))
    WHERE revoked_at IS NULL;

CREATE TABLE epochs (
    epoch           INTEGER PRIMARY KEY,
    root            TEXT NOT NULL,              -- decimal
    produced_at     INTEGER NOT NULL,
    emergency       INTEGER NOT NULL,
    reason          TEXT NOT NULL
) STRICT;

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    pseudonym       TEXT NOT NULL,
    gateway         TEXT NOT NULL,
    chain           TEXT NOT NULL,              -- JSON array of registry entries
    description     TEXT NOT NULL,
    reported_by     TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER,
    resolution      TEXT
) STRICT;

CREATE TABLE admin_tokens (
    id              TEXT PRIMARY KEY,           -- a short public name, e.g. "initial"
    token_hash      BLOB NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,              -- comma-separated
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    actor           TEXT NOT NULL,
    at              INTEGER NOT NULL,
    action          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    details         TEXT NOT NULL               -- JSON
) STRICT;

-- The audit log is append-only.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
