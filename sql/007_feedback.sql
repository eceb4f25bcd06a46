-- 007_feedback.sql — feedback and support requests (handbook §7.2, §7.3): stored, and forwarded
-- by mail through the outbox in the same transaction.
CREATE TABLE IF NOT EXISTS rueckmeldung (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  art ENUM('feedback','support') NOT NULL,
  betreff VARCHAR(200) NOT NULL,
  nachricht TEXT NOT NULL,
  rueckruf VARCHAR(200) NULL,
  konto_id BIGINT UNSIGNED NULL,
  org_id BIGINT UNSIGNED NULL,
  erstellt DATETIME NOT NULL,
  KEY ix_rueckmeldung_erstellt (erstellt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
