-- Permit conditions (issue 16): tier 2 and up name an incident contact and at least one
-- incident reporting channel; tier 3's agent systems carry a public system id.

-- Whom the authority reaches about an incident (mailto:, tel: or an http(s) URL).
ALTER TABLE permits ADD COLUMN incident_contact TEXT;
-- Where the authority reports an incident opened to one of the permit's licences: a JSON
-- array of http(s) URLs (POSTed JSON, through the notices outbox).
ALTER TABLE permits ADD COLUMN reporting TEXT NOT NULL DEFAULT '[]';

-- A random public id per agent system: what a system certificate, a lease, the registry
-- (as a commitment) and an incident name; it does not name the permit.
ALTER TABLE agent_systems ADD COLUMN system_id TEXT;
CREATE UNIQUE INDEX agent_systems_by_id ON agent_systems (system_id) WHERE system_id IS NOT NULL;
