-- The gateway's shared state on PostgreSQL: a fleet of gateway processes (one scope, one
-- lease key) on many hosts uses one database. The same tables as the SQLite schema
-- (gateway/migrations/0001..0004), in one step. No personal data: pseudonyms are
-- per-gateway and unlinkable elsewhere.

-- The replay set: a challenge is consumed by deleting its row, which one caller only
-- sees succeed (rows affected), across every process.
CREATE TABLE challenges (
    challenge       TEXT PRIMARY KEY,           -- the challenge as a field element (decimal)
    now             BIGINT NOT NULL,            -- the gateway time given with it
    expires_at      BIGINT NOT NULL
);

CREATE INDEX challenges_by_expiry ON challenges (expires_at);

-- The lease index: read by a gateway the first time it sees a token (then cached).
CREATE TABLE leases (
    block           TEXT PRIMARY KEY,           -- the Biscuit block's revocation id (hex)
    lease_id        TEXT NOT NULL UNIQUE,
    parent_lease    TEXT REFERENCES leases(lease_id),
    pseudonym       TEXT NOT NULL,
    tier            BIGINT NOT NULL,            -- proven minimum licence tier
    permit_tier     BIGINT NOT NULL,            -- proven minimum permit tier
    epoch           BIGINT NOT NULL,            -- status epoch of the root it was proved against
    agent           TEXT NOT NULL,
    manifest        TEXT NOT NULL,              -- hex SHA-256 of the agent manifest
    rights          TEXT NOT NULL,              -- JSON array of route prefixes
    rate_per_min    BIGINT NOT NULL,
    expires         BIGINT NOT NULL,
    depth           BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    holder_key      TEXT,                       -- the agent's Ed25519 key (hex); NULL: a bearer lease (v1)
    escrow          TEXT,                       -- a root lease's escrow ciphertext (JSON, circuit v2)
    system          TEXT,                       -- the tier-3 agent system a key-bound lease serves
    seq             BIGINT GENERATED ALWAYS AS IDENTITY  -- insertion order (SQLite's rowid)
);

CREATE INDEX leases_by_pseudonym ON leases (pseudonym);

-- The kill set, append-only. Writers number kills under a transaction-level advisory
-- lock, so ids are in commit order and a reader polling `id > last` skips none.
CREATE TABLE kills (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('lease', 'pseudonym')),
    value           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    at              BIGINT NOT NULL
);

CREATE FUNCTION alc_gateway_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER kills_append_only BEFORE UPDATE OR DELETE ON kills
    FOR EACH ROW EXECUTE FUNCTION alc_gateway_append_only();
CREATE TRIGGER kills_no_truncate BEFORE TRUNCATE ON kills
    FOR EACH STATEMENT EXECUTE FUNCTION alc_gateway_append_only();

-- Chain-of-liability entries for the registry: spawn links and kills, kept until the
-- registry has returned their index (`submitted_at`), or parked with its refusal.
CREATE TABLE registry_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('spawn', 'kill')),
    entry           TEXT NOT NULL,              -- JSON
    at              BIGINT NOT NULL,
    submitted_at    BIGINT,
    registry_index  BIGINT,
    refused         TEXT
);

CREATE INDEX registry_outbox_pending ON registry_outbox (id)
    WHERE submitted_at IS NULL AND refused IS NULL;
