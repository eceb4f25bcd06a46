-- 008_email_change.sql — the previous e-mail address of an account and when it was changed
-- (issue 11 item 1): within a window after the change, a new password is told to the previous
-- address too, so the owner learns of a takeover through a changed address.
ALTER TABLE account ADD COLUMN IF NOT EXISTS email_vorher VARCHAR(254) NULL;
ALTER TABLE account ADD COLUMN IF NOT EXISTS email_geaendert_am DATETIME NULL;
