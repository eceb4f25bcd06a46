-- 015_ab_liste_anker.sql — flat paging of the Anspruchsberechtigte list (issue 12: a middle page of
-- an organisation of 100,000 costs what it costs in one of 1,000).
-- * ab_anker: every AB_ANKER_ABSTAND-th entry of an organisation's list in its order (name,
--   vorname, nr) with its position (1, 101, 201, …). A page at OFFSET o starts its index range at
--   the anchor before o and skips at most AB_ANKER_ABSTAND - 1 entries, however deep the page.
-- * ab_pos_stand.gueltig (one row per organisation; no row = not valid): the anchors are valid. The
--   import is the only writer of persons; it clears the flag of every organisation a batch writes in
--   that batch's own transaction (cli_ab.c, also for --full and dev seed --persons) and sets it again
--   in its last step (ab_pos.c: anchors recomputed with ROW_NUMBER() in one transaction). While it is
--   0 the list pages with OFFSET as before: a crash mid-import never shows a wrong page.
--   (No triggers: with the binary log on — as on a Galera node — creating one needs SUPER.)
-- Only additions: two tables.

CREATE TABLE IF NOT EXISTS ab_anker (
  org_id BIGINT UNSIGNED NOT NULL,
  pos INT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  vorname VARCHAR(100) NOT NULL,
  nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (org_id, pos),
  CONSTRAINT fk_ab_anker_org FOREIGN KEY (org_id) REFERENCES organisation (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS ab_pos_stand (
  org_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  gueltig TINYINT(1) NOT NULL DEFAULT 0,
  CONSTRAINT fk_ab_pos_stand_org FOREIGN KEY (org_id) REFERENCES organisation (id) ON DELETE CASCADE
) ENGINE=InnoDB;
