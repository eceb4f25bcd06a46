-- 005_sb_count.sql — the number of Sachbearbeiter per organisation, kept in the same transaction
-- as every account insert, so the unfiltered overview shows "1 - 20 von N" without counting
-- an organisation's whole index on every page.
ALTER TABLE organisation ADD COLUMN IF NOT EXISTS sb_anzahl INT UNSIGNED NOT NULL DEFAULT 0;
UPDATE organisation o SET sb_anzahl = (SELECT COUNT(*) FROM account a WHERE a.org_id = o.id AND a.rolle = 'S');
