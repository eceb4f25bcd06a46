-- 014_meldungen.sql — Beamtenformulare (SPEC §14, DOMAIN.md §4): the Meldungen an organisation
-- sends the Kasse about its active officials, their documents and their way through the Kasse.
-- * meldung.werte: the form's values as a JSON object {field: value} (the fields are declared in
--   fcgi/meldung.c; a Meldung never changes after it was submitted).
-- * aktenzeichen: given when the Meldung is created (a draft too) and kept; it names no person.
-- * status_kasse_am / geoeffnet_am: when the Kasse last changed the status, and when someone of
--   the organisation last opened it — the list marks those changed since.
-- * abgeschlossen_am: when it became erledigt, abgelehnt or zurückgezogen; the retention
--   (`meldung_tage`, DOMAIN.md §5) removes it and its documents that many days later.
CREATE TABLE IF NOT EXISTS meldung (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  aktenzeichen VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL,
  org_id BIGINT UNSIGNED NOT NULL,
  formular ENUM('beschaeftigungsumfang','beurlaubung','ernennung','abgang','versorgungsfall',
                'versorgungsauskunft') NOT NULL,
  person_nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  person_name VARCHAR(201) NOT NULL,
  status ENUM('entwurf','eingereicht','in_bearbeitung','rueckfrage','erledigt','abgelehnt',
              'zurueckgezogen') NOT NULL DEFAULT 'entwurf',
  werte TEXT NOT NULL,
  anlagen SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  erstellt_von VARCHAR(17) NOT NULL,
  erstellt_am DATETIME NOT NULL,
  geaendert_am DATETIME NOT NULL,
  eingereicht_am DATETIME NULL,
  status_kasse_am DATETIME NULL,
  geoeffnet_am DATETIME NULL,
  abgeschlossen_am DATETIME NULL,
  version INT UNSIGNED NOT NULL DEFAULT 1,
  UNIQUE KEY uq_meldung_aktenzeichen (aktenzeichen),
  KEY ix_meldung_org (org_id, id),
  KEY ix_meldung_org_status (org_id, status, id),
  KEY ix_meldung_status (status, id),
  KEY ix_meldung_abgeschlossen (abgeschlossen_am),
  CONSTRAINT fk_meldung_org FOREIGN KEY (org_id) REFERENCES organisation (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every status a Meldung went through, with who (kennung and name, or the Kasse) and the text of
-- the Kasse's answer or the organisation's reply.
CREATE TABLE IF NOT EXISTS meldung_verlauf (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meldung_id BIGINT UNSIGNED NOT NULL,
  status ENUM('entwurf','eingereicht','in_bearbeitung','rueckfrage','erledigt','abgelehnt',
              'zurueckgezogen') NOT NULL,
  at DATETIME NOT NULL,
  seite ENUM('organisation','kasse') NOT NULL,
  von VARCHAR(17) NULL,
  von_name VARCHAR(201) NOT NULL,
  text TEXT NULL,
  KEY ix_meldung_verlauf (meldung_id, id),
  CONSTRAINT fk_meldung_verlauf FOREIGN KEY (meldung_id) REFERENCES meldung (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The documents: the organisation's (with the report or its reply) and the Kasse's (with a status
-- change); verlauf_id names the step they came with.
CREATE TABLE IF NOT EXISTS meldung_anlage (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  meldung_id BIGINT UNSIGNED NOT NULL,
  verlauf_id BIGINT UNSIGNED NULL,
  seite ENUM('organisation','kasse') NOT NULL,
  dateiname VARCHAR(255) NOT NULL,
  typ VARCHAR(40) NOT NULL,
  groesse INT UNSIGNED NOT NULL,
  daten LONGBLOB NOT NULL,
  KEY ix_meldung_anlage (meldung_id, id),
  CONSTRAINT fk_meldung_anlage FOREIGN KEY (meldung_id) REFERENCES meldung (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The access log of personal data (010) covers Meldungen too: which one was opened or changed.
ALTER TABLE ab_zugriff ADD COLUMN IF NOT EXISTS aktenzeichen VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL;
