-- 010_anspruchsberechtigte.sql — the fund's data on each organisation's beneficiaries (SPEC §13,
-- DOMAIN.md §1–§3, §5): persons with Stammdaten, Anschrift/Kontakt, Dienstverhältnis or Versorgung,
-- their Lebenslauf, the contact changes an organisation makes, and the access log.
-- * The Kasse's import (`mvctl ab import`, cli_ab.c) is the master of every column but the
--   contact columns an organisation changed and the Kasse has not yet listed.
-- * person.inhalt: a hash of the record as last imported; a re-import of the same record writes
--   nothing.
-- * such_name, such_vorname, person_such: folded keys and trigrams as for accounts (009), so the
--   list's name filters match anywhere in the word and stay flat in large organisations.

CREATE TABLE IF NOT EXISTS zeitart (
  zeitart VARCHAR(5) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  bezeichnung VARCHAR(100) NOT NULL,
  gesetz VARCHAR(20) NOT NULL,
  faktor_zaehler TINYINT UNSIGNED NOT NULL,
  faktor_nenner TINYINT UNSIGNED NOT NULL,
  hoechstens_tage SMALLINT UNSIGNED NULL,
  ab_17 TINYINT(1) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The catalogue of DOMAIN.md §2; the computation uses the same table compiled in (dienstzeit.c),
-- and a unit test compares the two.
INSERT IGNORE INTO zeitart VALUES
  ('VORB', 'Vorbereitungsdienst (Beamter auf Widerruf)', '§ 6', 1, 1, NULL, 0),
  ('BEAMT', 'Dienstzeit im Beamtenverhältnis', '§ 6', 1, 1, NULL, 0),
  ('BDF', 'begrenzte Dienstfähigkeit', '§ 6', 1, 1, NULL, 0),
  ('ATZ', 'Altersteilzeit', '§ 6', 9, 10, NULL, 0),
  ('URLOI', 'Beurlaubung im öffentlichen Interesse', '§ 6', 1, 1, NULL, 0),
  ('URLOB', 'Beurlaubung ohne Dienstbezüge', '§ 6', 0, 1, NULL, 0),
  ('EZ', 'Elternzeit', '§ 6', 0, 1, NULL, 0),
  ('WEHR', 'Wehr- oder Zivildienst', '§§ 8, 9', 1, 1, NULL, 1),
  ('ANGOD', 'Arbeitnehmer im öffentlichen Dienst vor der Berufung', '§ 10', 1, 1, NULL, 1),
  ('AUSB', 'Ausbildung (Fach-/Hochschule)', '§ 12', 1, 1, 1095, 1),
  ('SONST', 'sonstige Zeiten (z. B. Rechtsanwalt, Ausland)', '§ 11', 1, 2, 3650, 1),
  ('ZUR', 'Zurechnungszeit (Dienstunfähigkeit)', '§ 13', 2, 3, NULL, 0);

CREATE TABLE IF NOT EXISTS person (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id BIGINT UNSIGNED NOT NULL,
  nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  art ENUM('aktiv','ruhestand','hinterbliebene','ausgeschieden') NOT NULL,
  name VARCHAR(100) NOT NULL,
  vorname VARCHAR(100) NOT NULL,
  geburtsname VARCHAR(100) NULL,
  titel VARCHAR(50) NULL,
  geburtsdatum DATE NOT NULL,
  familienstand ENUM('ledig','verheiratet','verwitwet','geschieden','eingetragene Lebenspartnerschaft') NULL,
  familienstand_seit DATE NULL,
  strasse VARCHAR(100) NULL,
  plz VARCHAR(10) NULL,
  ort VARCHAR(100) NULL,
  land CHAR(2) CHARACTER SET ascii COLLATE ascii_bin NULL,
  telefon VARCHAR(40) NULL,
  email VARCHAR(254) NULL,
  dienst_verhaeltnis ENUM('widerruf','probe','lebenszeit','zeit') NULL,
  dienst_amtsbezeichnung VARCHAR(100) NULL,
  dienst_besoldungsgruppe VARCHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL,
  dienst_stufe TINYINT UNSIGNED NULL,
  dienst_stunden DECIMAL(5,2) NULL,
  dienst_regelstunden DECIMAL(5,2) NULL,
  dienst_eintritt DATE NULL,
  dienst_ruhestand_voraussichtlich DATE NULL,
  versorgung_art ENUM('ruhegehalt','witwengeld','waisengeld') NULL,
  versorgung_beginn DATE NULL,
  versorgung_bezug_nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL,
  such_name VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  such_vorname VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  inhalt BINARY(16) NOT NULL,
  version INT UNSIGNED NOT NULL DEFAULT 1,
  importiert_am DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uq_person_nr (nr),
  KEY ix_person_org_list (org_id, name, vorname, nr, geburtsdatum, art, such_name, such_vorname),
  CONSTRAINT fk_person_org FOREIGN KEY (org_id) REFERENCES organisation (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS person_such (
  org_id BIGINT UNSIGNED NOT NULL,
  gram VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  person_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (org_id, gram, person_id),
  KEY ix_person_such_person (person_id),
  CONSTRAINT fk_person_such_person FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The Lebenslauf: pos = the period's place in the imported list (0, 1, …).
CREATE TABLE IF NOT EXISTS lebenslauf (
  person_id BIGINT UNSIGNED NOT NULL,
  pos SMALLINT UNSIGNED NOT NULL,
  beginn DATE NOT NULL,
  ende DATE NULL,
  zeitart VARCHAR(5) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stunden DECIMAL(5,2) NOT NULL,
  regelstunden DECIMAL(5,2) NOT NULL,
  dienstherr VARCHAR(200) NULL,
  anerkennung ENUM('gesetzlich','entschieden','offen') NOT NULL,
  PRIMARY KEY (person_id, pos),
  CONSTRAINT fk_lebenslauf_person FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE,
  CONSTRAINT fk_lebenslauf_zeitart FOREIGN KEY (zeitart) REFERENCES zeitart (zeitart)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A contact change made in the portal: one row per changed field, old → new, who and when.
-- gelistet_am: when `mvctl ab aenderungen` first listed it to the Kasse; until then an import
-- keeps the portal's value of that field (it never silently overwrites an unlisted change).
CREATE TABLE IF NOT EXISTS kontakt_aenderung (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  person_id BIGINT UNSIGNED NOT NULL,
  at DATETIME NOT NULL,
  wer VARCHAR(17) NOT NULL,
  wer_name VARCHAR(201) NOT NULL,
  feld ENUM('strasse','plz','ort','land','telefon','email') NOT NULL,
  alt VARCHAR(254) NULL,
  neu VARCHAR(254) NULL,
  gelistet_am DATETIME NULL,
  KEY ix_kontakt_aenderung_person (person_id, id),
  KEY ix_kontakt_aenderung_offen (person_id, gelistet_am),
  CONSTRAINT fk_kontakt_aenderung_person FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Access to personal data (DOMAIN.md §5): every view of a person's page and every change, who,
-- when, which person. Kept `ab_zugriff_tage` days (default 730), removed by the housekeeping.
-- No foreign keys: the record outlives a removed person or account.
CREATE TABLE IF NOT EXISTS ab_zugriff (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME NOT NULL,
  org_id BIGINT UNSIGNED NOT NULL,
  wer VARCHAR(17) NOT NULL,
  wer_name VARCHAR(201) NOT NULL,
  person_nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  aktion ENUM('ansehen','aendern') NOT NULL,
  remote VARCHAR(64) NULL,
  KEY ix_ab_zugriff_org (org_id, person_nr, id),
  KEY ix_ab_zugriff_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The number of persons per organisation, kept by the import in the transaction of each batch, so
-- the unfiltered list shows "1 - 20 von N" without counting a large organisation on every page.
ALTER TABLE organisation ADD COLUMN IF NOT EXISTS ab_anzahl INT UNSIGNED NOT NULL DEFAULT 0;
