-- The chain-of-liability registry: an RFC 9162 Merkle log (alc-registry).
-- Leaves and complete-subtree nodes are only ever inserted, never updated or deleted.

CREATE TABLE registry_leaves (
    idx         INTEGER PRIMARY KEY,            -- 0, 1, 2, ... without gaps
    leaf        BLOB NOT NULL,                  -- the canonical entry bytes
    hash        BLOB NOT NULL UNIQUE,           -- SHA-256(0x00 || leaf)
    kind        TEXT NOT NULL,
    gateway     TEXT,
    lease_id    TEXT,                           -- spawn entries: the new lease
    agent       TEXT,                           -- spawn entries: its agent
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX registry_by_lease ON registry_leaves (lease_id) WHERE lease_id IS NOT NULL;
CREATE INDEX registry_by_agent ON registry_leaves (agent) WHERE agent IS NOT NULL;

-- Node (level, idx) is the hash of the complete subtree of leaves
-- [idx * 2^level, (idx + 1) * 2^level); level 0 holds the leaf hashes.
CREATE TABLE registry_nodes (
    level       INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    hash        BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

-- Gateways allowed to submit, with their Ed25519 submission keys.
CREATE TABLE registry_gateways (
    id              TEXT PRIMARY KEY,
    key             BLOB NOT NULL,
    registered_at   INTEGER NOT NULL,
    registered_by   TEXT NOT NULL
) STRICT;

CREATE TRIGGER registry_leaves_append_only_update BEFORE UPDATE ON registry_leaves
BEGIN SELECT RAISE(ABORT, 'the registry is append-only'); END;
CREATE TRIGGER registry_leaves_append_only_delete BEFORE DELETE ON registry_leaves
BEGIN SELECT RAISE(ABORT, 'the registry is append-only'); END;
CREATE TRIGGER registry_nodes_append_only_update BEFORE UPDATE ON registry_nodes
BEGIN SELECT RAISE(ABORT, 'the registry is append-only'); END;
CREATE TRIGGER registry_nodes_append_only_delete BEFORE DELETE ON registry_nodes
BEGIN SELECT RAISE(ABORT, 'the registry is append-only'); END;
