-- 013_ab_listen_indexes.sql — indexes for `mvctl ab aenderungen` and `mvctl ab zugriffe`
-- (cli_ab_listen.c), so neither reads a whole table that only grows:
-- * the contact changes the Kasse has not yet fetched (gelistet_am IS NULL) without a scan of all
--   changes ever made;
-- * one organisation's access log in time order, from a date on (`--seit`).
CREATE INDEX IF NOT EXISTS ix_kontakt_aenderung_gelistet ON kontakt_aenderung (gelistet_am);
CREATE INDEX IF NOT EXISTS ix_ab_zugriff_org_at ON ab_zugriff (org_id, at);
