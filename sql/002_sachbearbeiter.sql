-- 002_sachbearbeiter.sql — group mailboxes of an organisation and their members, the
-- organisation in the audit log (so administrators see their own organisation's log),
-- one account per e-mail address and role within an organisation.

-- Every organisation has exactly the six group types (0 Beihilfe … 5 Administration);
-- rows exist once a notification address is set (issue 4), membership below.
CREATE TABLE IF NOT EXISTS org_gruppe (
  org_id BIGINT UNSIGNED NOT NULL,
  typ TINYINT UNSIGNED NOT NULL,
  email VARCHAR(254) NULL,
  PRIMARY KEY (org_id, typ),
  CONSTRAINT fk_org_gruppe_org FOREIGN KEY (org_id) REFERENCES organisation (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS account_gruppe (
  account_id BIGINT UNSIGNED NOT NULL,
  typ TINYINT UNSIGNED NOT NULL,
  PRIMARY KEY (account_id, typ),
  KEY ix_account_gruppe_typ (typ, account_id),
  CONSTRAINT fk_account_gruppe_account FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS org_id BIGINT UNSIGNED NULL AFTER at;
ALTER TABLE audit_log ADD INDEX IF NOT EXISTS ix_audit_org (org_id, at);
ALTER TABLE audit_log MODIFY detail VARCHAR(2000) NULL;

-- The overview filters and sorts within one organisation: (org_id, rolle, name, vorname, id)
-- serves the sorted page, prefix filters on name; the others below serve their filters.
ALTER TABLE account ADD INDEX IF NOT EXISTS ix_account_org_vorname (org_id, rolle, vorname);
ALTER TABLE account ADD INDEX IF NOT EXISTS ix_account_org_status (org_id, rolle, status);
ALTER TABLE account ADD UNIQUE INDEX IF NOT EXISTS uq_account_org_email (org_id, rolle, email);
