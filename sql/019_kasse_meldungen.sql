-- 019_kasse_meldungen.sql — the Kasse's queue of Meldungen (SPEC §15, issue 14): every submitted
-- Meldung of all organisations, oldest waiting first (or newest first), filtered by status,
-- formular and organisation, paged with ORDER BY … LIMIT over an index whose order is the
-- queue's: a page costs the same at 1,000 as at 1,000,000 Meldungen.
-- * eingereicht_am is NULL exactly for drafts (set when a Meldung reaches the Kasse, again when a
--   Rückfrage is answered: it waits since then), so "eingereicht_am IS NOT NULL" is the range of
--   the queue in each index below and drafts are never read.
-- * kasse_geoeffnet_am: when someone of the Kasse last opened the Meldung; the queue marks those
--   the organisation changed since (submitted, answered, withdrawn).
ALTER TABLE meldung ADD COLUMN IF NOT EXISTS kasse_geoeffnet_am DATETIME NULL;
-- Each index holds every column the queue filters on (org_id, status, formular): the count "up to
-- 101" reads the index alone (3 pages at 1,000,000 Meldungen instead of one row look-up per entry),
-- and a page reads its 20 rows in the index's order.
CREATE INDEX IF NOT EXISTS ix_meldung_kasse ON meldung (eingereicht_am, id, org_id, status, formular);
CREATE INDEX IF NOT EXISTS ix_meldung_kasse_org ON meldung (org_id, eingereicht_am, id, status, formular);
CREATE INDEX IF NOT EXISTS ix_meldung_kasse_status ON meldung (status, eingereicht_am, id, org_id, formular);
CREATE INDEX IF NOT EXISTS ix_meldung_kasse_org_status ON meldung (org_id, status, eingereicht_am, id, formular);
CREATE INDEX IF NOT EXISTS ix_meldung_kasse_formular ON meldung (formular, eingereicht_am, id, org_id, status);
