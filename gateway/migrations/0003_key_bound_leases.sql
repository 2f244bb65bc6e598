-- Key-bound leases (circuit v2): the agent's Ed25519 key each lease is bound to (hex;
-- NULL for a bearer lease of circuit v1), and a root lease's escrow ciphertext (its
-- statement's `escrow` as JSON), which an incident report carries to the trustees.
ALTER TABLE leases ADD COLUMN holder_key TEXT;
ALTER TABLE leases ADD COLUMN escrow TEXT;
