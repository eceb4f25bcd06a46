-- 018_kasse_nachrichten.sql — the fund's inbox (SPEC §15 /kasse/nachrichten): read state for the
-- Kasse as a whole (who of the fund opened a message first, and when; NULL: unread by the fund),
-- and the indexes that serve the inbox newest first across all organisations.
-- Per organisation the inbox uses ix_nachricht_org (org_id, ordner, id) and, with a group,
-- ix_nachricht_gruppe (org_id, gruppe, ordner, id) of 003.
ALTER TABLE nachricht
  ADD COLUMN IF NOT EXISTS kasse_gelesen_von BIGINT UNSIGNED NULL,
  ADD COLUMN IF NOT EXISTS kasse_gelesen_am DATETIME NULL;

-- everything sent to the Kasse, newest first
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse ON nachricht (ordner, id);
-- one mailbox kind (a group, or the personal mailboxes: gruppe IS NULL) across organisations
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_gruppe ON nachricht (ordner, gruppe, id);
-- unread by the fund across organisations
CREATE INDEX IF NOT EXISTS ix_nachricht_kasse_ungelesen ON nachricht (ordner, kasse_gelesen_am, id);
