-- 016_kasse_rollen.sql — the fund's own accounts (role K, SPEC §15) carry what they do:
-- 'portaladmin' (organisations, administrators, audit) or 'fach' (messages, Meldungen,
-- Anspruchsberechtigte read-only). NULL for the organisations' accounts (X, S).
ALTER TABLE account ADD COLUMN IF NOT EXISTS kasse_rolle ENUM('portaladmin','fach') NULL;
