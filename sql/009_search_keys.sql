-- 009_search_keys.sql — the overview's filters match anywhere in Name, Vorname and Nutzerkennung,
-- case- and umlaut-folded (ä = ae, ö = oe, ü = ue, ß = ss), and stay flat in large organisations.
-- * account.such_name, such_vorname: the folded keys (str_match_key in util.c: "Müller" →
--   "mueller" and "muller" behind a 0x1F), written by the application wherever it writes the
--   names; compared byte for byte (utf8mb4_bin), as the trigrams below are; at most 250
--   characters (ACCOUNT_KEY_CHARS), so that the covering index stays within InnoDB's 3072 bytes.
-- * account_such: the trigrams of each Sachbearbeiter's keys and Nutzerkennung, tagged by field
--   ('n', 'v', 'k' + three characters, text_trigrams in util.c). A filter of three characters or
--   more reads only the postings of its trigrams in its organisation, never the whole organisation;
--   shorter filters scan the covering index ix_account_org_such.
-- Rows older than this migration get keys and trigrams from `meineversorgung migrate`, which fills
-- every account without keys after the SQL files (account_keys_fill in access.c): MariaDB cannot
-- fold like the C code does.
ALTER TABLE account ADD COLUMN IF NOT EXISTS such_name VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  ADD COLUMN IF NOT EXISTS such_vorname VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;
ALTER TABLE account ADD INDEX IF NOT EXISTS ix_account_org_such
  (org_id, rolle, name, vorname, kennung, status, such_name, such_vorname);

CREATE TABLE IF NOT EXISTS account_such (
  org_id BIGINT UNSIGNED NOT NULL,
  gram VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (org_id, gram, account_id),
  KEY ix_account_such_account (account_id),
  CONSTRAINT fk_account_such_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The FAQ search matches word forms ("Abmelden" finds "abgemeldet"): the stems of question and
-- answer (text_stems in util.c: " abmeld passwor …"), computed anew for every FAQ row by every
-- `meineversorgung migrate` after the SQL files (faq_stems_fill in page_help.c), so a release that
-- changes the FAQ or the stemming brings them along. A row without them is stemmed per request.
ALTER TABLE faq ADD COLUMN IF NOT EXISTS such_frage TEXT NULL, ADD COLUMN IF NOT EXISTS such_antwort TEXT NULL;
