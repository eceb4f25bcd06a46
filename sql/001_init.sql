-- 001_init.sql — the base schema. InnoDB, utf8mb4, a primary key on every table,
-- nothing that breaks a Galera cluster (no MyISAM, no LOCK TABLES, no GET_LOCK).

CREATE TABLE IF NOT EXISTS kasse (
  nummer CHAR(3) NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  kontakt TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS organisation (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kasse CHAR(3) NOT NULL,
  name VARCHAR(200) NOT NULL,
  bereich VARCHAR(100) NOT NULL,
  pnr VARCHAR(20) NOT NULL,
  abr VARCHAR(20) NOT NULL,
  aus_anspruchsberechtigte TINYINT(1) NOT NULL DEFAULT 0,
  aus_kontaktdaten TINYINT(1) NOT NULL DEFAULT 0,
  aus_formulare TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uq_organisation_pnr (kasse, pnr),
  CONSTRAINT fk_organisation_kasse FOREIGN KEY (kasse) REFERENCES kasse (nummer)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS account (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kennung CHAR(17) NOT NULL,
  rolle ENUM('K','X','S') NOT NULL,
  org_id BIGINT UNSIGNED NULL,
  vorname VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(254) NOT NULL,
  geburtsdatum DATE NULL,
  status ENUM('angelegt','aktiv','gesperrt') NOT NULL DEFAULT 'angelegt',
  status_vor_sperre ENUM('angelegt','aktiv') NULL,
  password_hash VARCHAR(255) NULL,
  password_changed_at DATETIME NULL,
  history_salt BINARY(16) NOT NULL,
  history_ops INT UNSIGNED NOT NULL,
  history_mem_kib INT UNSIGNED NOT NULL,
  failed_logins INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME NULL,
  recht_anspruchsberechtigte TINYINT(1) NOT NULL DEFAULT 0,
  recht_kontaktdaten TINYINT(1) NOT NULL DEFAULT 0,
  recht_formulare TINYINT(1) NOT NULL DEFAULT 0,
  version INT UNSIGNED NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY uq_account_kennung (kennung),
  KEY ix_account_org_list (org_id, rolle, name, vorname),
  KEY ix_account_email (email),
  CONSTRAINT fk_account_org FOREIGN KEY (org_id) REFERENCES organisation (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One argon2id fingerprint per password ever set (current one included), with the
-- account's history salt: one computation checks the whole history.
CREATE TABLE IF NOT EXISTS password_history (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL,
  fingerprint BINARY(32) NOT NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_history_account (account_id),
  CONSTRAINT fk_history_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- stage 'tan': password accepted, TAN outstanding; 'voll': logged in.
CREATE TABLE IF NOT EXISTS session (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash BINARY(32) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  stage ENUM('tan','voll') NOT NULL,
  created_at DATETIME NOT NULL,
  last_seen DATETIME NOT NULL,
  remote VARCHAR(64) NULL,
  UNIQUE KEY uq_session_token (token_hash),
  KEY ix_session_account (account_id),
  KEY ix_session_last_seen (last_seen),
  CONSTRAINT fk_session_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The TAN of one login attempt (bound to its session row).
CREATE TABLE IF NOT EXISTS tan (
  session_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  tan_hash BINARY(32) NOT NULL,
  expires_at DATETIME NOT NULL,
  tries INT UNSIGNED NOT NULL DEFAULT 0,
  CONSTRAINT fk_tan_session FOREIGN KEY (session_id) REFERENCES session (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use e-mail links: zweck aktivierung (set first password), reset, kennung (retrieve ID).
CREATE TABLE IF NOT EXISTS link_token (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash BINARY(32) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  zweck ENUM('aktivierung','reset','kennung') NOT NULL,
  created_at DATETIME NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  tries INT UNSIGNED NOT NULL DEFAULT 0,
  UNIQUE KEY uq_link_token (token_hash),
  KEY ix_link_account (account_id, zweck),
  CONSTRAINT fk_link_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Transactional outbox: written in the same transaction as the change that causes the mail.
CREATE TABLE IF NOT EXISTS outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  to_addr VARCHAR(254) NOT NULL,
  subject VARCHAR(300) NOT NULL,
  body MEDIUMTEXT NOT NULL,
  status ENUM('wartend','versand','gesendet') NOT NULL DEFAULT 'wartend',
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  claimed_at DATETIME NULL,
  sent_at DATETIME NULL,
  last_error VARCHAR(255) NULL,
  KEY ix_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fixed-window counters for rate limits (bucket = keyed hash of what is limited).
CREATE TABLE IF NOT EXISTS rate_limit (
  bucket BINARY(32) NOT NULL PRIMARY KEY,
  window_start DATETIME NOT NULL,
  hits INT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME NOT NULL,
  actor VARCHAR(17) NULL,
  event VARCHAR(64) NOT NULL,
  target VARCHAR(200) NULL,
  remote VARCHAR(64) NULL,
  detail VARCHAR(500) NULL,
  KEY ix_audit_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO kasse (nummer, name, kontakt) VALUES ('201',
  'Kommunale Versorgungskassen Westfalen-Lippe',
  'Kommunale Versorgungskassen Westfalen-Lippe\nZumsandestraße 12 // 48145 Münster\nmeineversorgung.beamtenversorgung@kvw-muenster.de');
