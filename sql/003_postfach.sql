-- 003_postfach.sql — personal and group mailboxes: messages between the organisations and the
-- Kasse, who read what, and the documents attached (stored in MariaDB, the only shared state).

-- A message lies in exactly one mailbox: a group mailbox (org_id, gruppe) or the personal
-- mailbox of one account (konto_id). ordner 'eingang' = from the Kasse, 'gesendet' = to the Kasse.
CREATE TABLE IF NOT EXISTS nachricht (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  org_id BIGINT UNSIGNED NOT NULL,
  gruppe TINYINT UNSIGNED NULL,
  konto_id BIGINT UNSIGNED NULL,
  ordner ENUM('eingang','gesendet') NOT NULL,
  absender VARCHAR(250) NOT NULL,
  absender_konto_id BIGINT UNSIGNED NULL,
  betreff VARCHAR(255) NOT NULL,
  text MEDIUMTEXT NOT NULL,
  antwort_auf BIGINT UNSIGNED NULL,
  anhaenge SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  erstellt DATETIME NOT NULL,
  zuerst_gelesen_von BIGINT UNSIGNED NULL,
  zuerst_gelesen_am DATETIME NULL,
  KEY ix_nachricht_gruppe (org_id, gruppe, ordner, id),
  KEY ix_nachricht_konto (konto_id, ordner, id),
  KEY ix_nachricht_org (org_id, ordner, id),
  CONSTRAINT fk_nachricht_org FOREIGN KEY (org_id) REFERENCES organisation (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS nachricht_gelesen (
  konto_id BIGINT UNSIGNED NOT NULL,
  nachricht_id BIGINT UNSIGNED NOT NULL,
  gelesen_am DATETIME NOT NULL,
  PRIMARY KEY (konto_id, nachricht_id),
  KEY ix_gelesen_nachricht (nachricht_id),
  CONSTRAINT fk_gelesen_nachricht FOREIGN KEY (nachricht_id) REFERENCES nachricht (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS anhang (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  nachricht_id BIGINT UNSIGNED NOT NULL,
  dateiname VARCHAR(255) NOT NULL,
  typ VARCHAR(40) NOT NULL,
  groesse INT UNSIGNED NOT NULL,
  daten LONGBLOB NOT NULL,
  KEY ix_anhang_nachricht (nachricht_id),
  CONSTRAINT fk_anhang_nachricht FOREIGN KEY (nachricht_id) REFERENCES nachricht (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
