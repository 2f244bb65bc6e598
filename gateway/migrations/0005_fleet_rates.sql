-- Per-pseudonym rate limits held across the gateway processes sharing this store
-- (issue 18, docs/fleet.md "Rate limits"): a process claims part of a pseudonym's
-- minute before it admits calls against it, and the claims never add up to more than
-- the limit.

-- Calls claimed per pseudonym and minute (unix seconds / 60), over the fleet.
CREATE TABLE rate_claims (
    pseudonym       TEXT NOT NULL,
    minute          INTEGER NOT NULL,
    claimed         INTEGER NOT NULL,
    PRIMARY KEY (pseudonym, minute)
) STRICT;

-- The processes claiming: each reports every second while it runs.
CREATE TABLE rate_instances (
    id              TEXT PRIMARY KEY,           -- random, per process start
    seen_at         INTEGER NOT NULL
) STRICT;
