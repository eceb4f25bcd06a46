-- 015_ab_liste_anker.sql — flat paging of the Anspruchsberechtigte list (issue 12: a middle page of
-- an organisation of 100,000 costs what it costs in one of 1,000).
-- * ab_anker: every AB_ANKER_ABSTAND-th entry of an organisation's list in its order (name,
--   vorname, nr) with its position (1, 101, 201, …). A page at OFFSET o starts its index range at
--   the anchor before o and skips at most AB_ANKER_ABSTAND - 1 entries, however deep the page.
-- * ab_pos_stand.gueltig (one row per organisation; no row = not valid): the anchors are valid. Cleared by the triggers below in the very
--   statement that inserts, deletes or re-keys a person (so in every import batch, --full removal,
--   dev seed, LOAD DATA, SQL by hand — in the writer's transaction); set again by the import's last
--   step (ab_pos.c: anchors recomputed with ROW_NUMBER() in one transaction). While it is 0 the list
--   pages with OFFSET as before: a crash mid-import never shows a wrong page.
-- Only additions: two tables, three triggers.

CREATE TABLE IF NOT EXISTS ab_anker (
  org_id BIGINT UNSIGNED NOT NULL,
  pos INT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  vorname VARCHAR(100) NOT NULL,
  nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (org_id, pos),
  CONSTRAINT fk_ab_anker_org FOREIGN KEY (org_id) REFERENCES organisation (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The flag lives in a table of its own, not in organisation: a trigger may not write a table that
-- the statement firing it reads (error 1442), and statements such as
-- INSERT INTO person … SELECT … FROM organisation are ordinary.
CREATE TABLE IF NOT EXISTS ab_pos_stand (
  org_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  gueltig TINYINT(1) NOT NULL DEFAULT 0,
  CONSTRAINT fk_ab_pos_stand_org FOREIGN KEY (org_id) REFERENCES organisation (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TRIGGER IF NOT EXISTS tr_person_ab_pos_ins AFTER INSERT ON person FOR EACH ROW
  UPDATE ab_pos_stand SET gueltig = 0 WHERE org_id = NEW.org_id AND gueltig <> 0;

CREATE TRIGGER IF NOT EXISTS tr_person_ab_pos_del AFTER DELETE ON person FOR EACH ROW
  UPDATE ab_pos_stand SET gueltig = 0 WHERE org_id = OLD.org_id AND gueltig <> 0;

-- an update re-keys a person when its organisation or a byte of name, vorname or nr changes
-- (contact changes, the other columns and unchanged rows leave the anchors valid)
CREATE TRIGGER IF NOT EXISTS tr_person_ab_pos_upd AFTER UPDATE ON person FOR EACH ROW
  UPDATE ab_pos_stand SET gueltig = 0
   WHERE org_id IN (OLD.org_id, NEW.org_id) AND gueltig <> 0
     AND NOT (OLD.org_id = NEW.org_id AND CAST(OLD.name AS BINARY) = CAST(NEW.name AS BINARY)
              AND CAST(OLD.vorname AS BINARY) = CAST(NEW.vorname AS BINARY) AND OLD.nr = NEW.nr);
