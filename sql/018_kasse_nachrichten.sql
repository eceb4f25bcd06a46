-- 018_kasse_nachrichten.sql — the fund's inbox (SPEC §15 /kasse/nachrichten): read state for the
-- Kasse as a whole (who of the fund opened a message first, and when; NULL: unread by the fund),
-- and the indexes that serve the inbox newest first across all organisations.
ALTER TABLE nachricht
  ADD COLUMN IF NOT EXISTS kasse_gelesen_von BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS kasse_gelesen_am DATETIME NULL;

-- Each index below serves one kind of inbox query in id order and holds the columns of the
-- remaining filters (period, unread), so that counting up to 101 rows reads the index alone,
-- however far apart an organisation's messages lie among a million:
-- everything sent to the Kasse, newest first
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse ON nachricht (ordner, id, erstellt, kasse_gelesen_am);
-- one mailbox kind (a group, or the personal mailboxes: gruppe IS NULL) across organisations
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_gruppe ON nachricht (ordner, gruppe, id, erstellt, kasse_gelesen_am);
-- unread by the fund across organisations
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_ungelesen ON nachricht (ordner, kasse_gelesen_am, id, erstellt);
-- one organisation; one mailbox of one organisation
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_org ON nachricht (org_id, ordner, id, erstellt, kasse_gelesen_am);
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_org_gruppe ON nachricht (org_id, gruppe, ordner, id, erstellt,
  kasse_gelesen_am);
