-- One person across identity providers (issue 16): identities linked to one person, by
-- a verified claim their providers share or by an administrator with evidence.

-- NULL: the identity is its own person. Otherwise the identity key of the person it
-- was linked to (always a person's own key: links never chain). Attempts, passes,
-- licences, sessions and permit roles hang off the person's key.
ALTER TABLE identities ADD COLUMN person BLOB REFERENCES identities(id_key);

-- A provider's linking claim (`link_claim` in authority.toml), keyed like identities
-- (HMAC under the authority's identity secret: the value is never stored), and the
-- person it belongs to.
CREATE TABLE person_claims (
    claim_key       BLOB PRIMARY KEY,
    person          BLOB NOT NULL REFERENCES identities(id_key),
    created_at      INTEGER NOT NULL
) STRICT;
