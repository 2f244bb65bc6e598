-- Several processes on one database (issue 18): a process whose status list is behind
-- the latest epoch applies the credentials revoked in the epochs it missed.
CREATE INDEX credentials_by_epoch ON credentials (revoked_epoch) WHERE revoked_epoch IS NOT NULL;
