-- Where each registered gateway serves wallets: the authority's signed gateway list
-- (`GET /v1/gateways`) carries it, and a wallet proves only to a gateway whose challenge
-- comes from its registered origin. '' for a gateway registered before URLs were: it is
-- left out of the list until it is registered again with its URL.
ALTER TABLE registry_gateways ADD COLUMN url TEXT NOT NULL DEFAULT '';
