-- Registry submission (alc-registry): outbox rows hold the canonical entry JSON; a row is
-- done when the registry has returned its index, or parked with the registry's refusal.
ALTER TABLE registry_outbox ADD COLUMN registry_index INTEGER;
ALTER TABLE registry_outbox ADD COLUMN refused TEXT;
