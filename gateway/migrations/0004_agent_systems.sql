-- Tier-3 agent systems (issue 16): the public id of the system a key-bound lease serves,
-- from the authority's certificate for the lease's key (a child inherits its parent's).
ALTER TABLE leases ADD COLUMN system TEXT;
