/* ab_pos.c — the anchors of the Anspruchsberechtigte list recomputed (see ab_pos.h, sql/015).
 * One transaction per organisation: the flag set first (its row lock makes a concurrent import
 * batch wait for the commit and clear it again afterwards), the old anchors deleted, the new ones
 * taken in one statement with ROW_NUMBER() over the covering index of the list's order. */
#include "ab_pos.h"
#include "db.h"
#include "log.h"

struct pos_ctx {
	long long org_id;
};

static int pos_tx(void *p)
{
	const struct pos_ctx *c = p;
	if (db_exec("INSERT INTO ab_pos_stand (org_id, gueltig) VALUES (?, 1) ON DUPLICATE KEY UPDATE gueltig = 1",
		    DBARGS(DI(c->org_id)), NULL, NULL) != 0 ||
	    db_exec("DELETE FROM ab_anker WHERE org_id = ?", DBARGS(DI(c->org_id)), NULL, NULL) != 0 ||
	    db_exec("INSERT INTO ab_anker (org_id, pos, name, vorname, nr) SELECT ?, q.rn, q.name, q.vorname, q.nr "
		    "FROM (SELECT name, vorname, nr, ROW_NUMBER() OVER (ORDER BY name, vorname, nr) AS rn "
		    "FROM person FORCE INDEX (ix_person_org_list) WHERE org_id = ?) q WHERE (q.rn - 1) MOD ? = 0",
		    DBARGS(DI(c->org_id), DI(c->org_id), DI(AB_ANKER_ABSTAND)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	return 0;
}

long long ab_pos_recompute(void)
{
	arena a;
	arena_init(&a);
	db_res *res = db_query(&a, "SELECT o.id FROM organisation o LEFT JOIN ab_pos_stand s ON s.org_id = o.id "
			       "WHERE o.ab_anzahl > 0 AND COALESCE(s.gueltig, 0) = 0 ORDER BY o.id",
			       NULL, 0);
	long long n = res ? 0 : -1;
	for (size_t i = 0; res && i < res->nrows; i++) {
		struct pos_ctx c = {db_int(res, i, 0)};
		if (db_tx(pos_tx, &c) != 0) {
			log_error("ab_pos: anchors of organisation %lld not recomputed", c.org_id);
			n = -1;
			break;
		}
		n++;
	}
	arena_reset(&a);
	return n;
}
