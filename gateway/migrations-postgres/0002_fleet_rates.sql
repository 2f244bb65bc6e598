-- Per-pseudonym rate limits held across the fleet (gateway/migrations/0005, docs/fleet.md
-- "Rate limits"): the calls claimed per pseudonym and minute, and the processes claiming.

-- Calls claimed per pseudonym and minute (unix seconds / 60), over the fleet.
CREATE TABLE rate_claims (
    pseudonym       TEXT NOT NULL,
    minute          BIGINT NOT NULL,
    claimed         BIGINT NOT NULL,
    PRIMARY KEY (pseudonym, minute)
);

-- The processes claiming: each reports every second while it runs.
CREATE TABLE rate_instances (
    id              TEXT PRIMARY KEY,           -- random, per process start
    seen_at         BIGINT NOT NULL
);
