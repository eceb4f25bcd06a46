/* cli_ab_listen.c — the Kasse's lists about the Anspruchsberechtigte (SPEC §13, DOMAIN.md §5):
 * `ab aenderungen` (the contact changes made in the portal, marked as listed), `ab zugriffe` (the
 * access log of an organisation) and `ab aufraeumen` (the retention step, as the housekeeping runs it).
 * The import (`ab import`) lives in cli_ab.c. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include "retention.h"
#include <stdio.h>

/* ---- ab aenderungen ---- */

enum { AE_ID, AE_PNR, AE_NR, AE_FELD, AE_ALT, AE_NEU, AE_WER, AE_WER_NAME, AE_ZEIT, AE_OFFEN };

/* One run of the listing. rows: what was read; shown[i]: row i is printed (in the plain mode only
 * the rows this run marked: a concurrent run that marked a row first prints it, this one not). */
struct listing {
	const actor *who;
	long long seit; /* --seit ID, or -1: the changes not yet listed */
	db_res *rows;
	bool *shown;
	long long nshown, marked;
};

/* Reads the changes and marks the unlisted ones with one time stamp, each by its id (never by a
 * range: a change committed meanwhile inside the range was not read, so it must stay unmarked). */
static int listing_tx(void *p)
{
	struct listing *l = p;
	arena *a = l->who->a;
	l->nshown = l->marked = 0;
	if (l->seit < 0)
		l->rows = db_query(a,
			"SELECT k.id, o.pnr, p.nr, k.feld, k.alt, k.neu, k.wer, k.wer_name, DATE_FORMAT(k.at, '%Y-%m-%d %H:%i:%s'), "
			"k.gelistet_am IS NULL FROM kontakt_aenderung k JOIN person p ON p.id = k.person_id "
			"JOIN organisation o ON o.id = p.org_id AND o.kasse = ? "
			"WHERE k.gelistet_am IS NULL ORDER BY k.id",
			DBARGS(DS(cfg.kasse_nummer)));
	else
		l->rows = db_query(a,
			"SELECT k.id, o.pnr, p.nr, k.feld, k.alt, k.neu, k.wer, k.wer_name, DATE_FORMAT(k.at, '%Y-%m-%d %H:%i:%s'), "
			"k.gelistet_am IS NULL FROM kontakt_aenderung k JOIN person p ON p.id = k.person_id "
			"JOIN organisation o ON o.id = p.org_id AND o.kasse = ? "
			"WHERE k.id > ? ORDER BY k.id",
			DBARGS(DS(cfg.kasse_nummer), DI(l->seit)));
	db_res *now = db_query(a, "SELECT NOW()", DBNOARGS);
	if (!l->rows || !now)
		return DB_TX_FAIL;
	l->shown = arena_alloc(a, (l->rows->nrows + 1) * sizeof *l->shown);
	for (size_t i = 0; i < l->rows->nrows; i++) {
		unsigned long long n = 0;
		if (db_int(l->rows, i, AE_OFFEN) &&
		    db_exec("UPDATE kontakt_aenderung SET gelistet_am = ? WHERE id = ? AND gelistet_am IS NULL",
			    DBARGS(DS(db_str(now, 0, 0)), DI(db_int(l->rows, i, AE_ID))), &n, NULL) != 0)
			return DB_TX_FAIL;
		l->marked += (long long)n;
		l->shown[i] = n > 0 || l->seit >= 0;
		l->nshown += l->shown[i];
	}
	if (l->nshown > 0) {
		char detail[96];
		snprintf(detail, sizeof detail, "gelistet=%lld neu=%lld%s", l->nshown, l->marked, l->seit >= 0 ? " (--seit)" : "");
		audit(l->who, "ab_aenderungen_gelistet", NULL, detail);
	}
	return 0;
}

static cJSON *aenderung_json(const db_res *res, size_t i)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "id", (double)db_int(res, i, AE_ID));
	cJSON_AddStringToObject(e, "pnr", db_str(res, i, AE_PNR));
	cJSON_AddStringToObject(e, "nr", db_str(res, i, AE_NR));
	cJSON_AddStringToObject(e, "feld", db_str(res, i, AE_FELD));
	const char *alt = db_str(res, i, AE_ALT), *neu = db_str(res, i, AE_NEU);
	cJSON_AddItemToObject(e, "alt", alt ? cJSON_CreateString(alt) : cJSON_CreateNull());
	cJSON_AddItemToObject(e, "neu", neu ? cJSON_CreateString(neu) : cJSON_CreateNull());
	cJSON_AddStringToObject(e, "wer", db_str(res, i, AE_WER));
	cJSON_AddStringToObject(e, "wer_name", db_str(res, i, AE_WER_NAME));
	cJSON_AddStringToObject(e, "zeitpunkt", db_str(res, i, AE_ZEIT));
	return e;
}

/* "id  zeitpunkt  pnr  nr  feld: alt -> neu  (wer, wer_name)"; an empty value as "(leer)". */
static void aenderung_print(arena *a, const db_res *res, size_t i)
{
	const char *alt = db_str(res, i, AE_ALT), *neu = db_str(res, i, AE_NEU);
	printf("%lld  %s UTC  %s  %s  %s: %s -> %s  (%s, %s)\n", db_int(res, i, AE_ID), db_str(res, i, AE_ZEIT),
	       db_str(res, i, AE_PNR), cli_text(a, db_str(res, i, AE_NR)), db_str(res, i, AE_FELD),
	       alt ? cli_text(a, alt) : "(leer)", neu ? cli_text(a, neu) : "(leer)", cli_text(a, db_str(res, i, AE_WER)),
	       cli_text(a, db_str(res, i, AE_WER_NAME)));
}

/* Printed only after the commit, so the output holds exactly the rows marked (never a row whose
 * marking was rolled back). A crash or a failed write between commit and print loses the output,
 * not the changes: `--seit ID` fetches them again (the error names the ID). */
int cli_ab_aenderungen(actor *who, struct opts *o)
{
	struct listing l = {.who = who, .seit = -1};
	if (o->seit && parse_int(o->seit, 0, 1LL << 62, &l.seit) != 0)
		return cli_fail_usage("ab", "aenderungen");
	if (db_tx(listing_tx, &l) != 0)
		return cli_fail("database error", NULL);
	long long first = 0;
	cJSON *arr = cli_json ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; i < l.rows->nrows; i++) {
		if (!l.shown[i])
			continue;
		if (!first)
			first = db_int(l.rows, i, AE_ID);
		if (arr)
			cJSON_AddItemToArray(arr, aenderung_json(l.rows, i));
		else
			aenderung_print(who->a, l.rows, i);
	}
	if (arr) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "aenderungen", arr);
		cli_print_json(j);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_fail("writing the list failed; the changes are marked as listed: fetch them again with --seit %s",
				arena_printf(who->a, "%lld", first ? first - 1 : 0));
	return 0;
}

/* ---- ab zugriffe ---- */

enum { ZG_ZEIT, ZG_WER, ZG_WER_NAME, ZG_NR, ZG_AKTION, ZG_ID, ZG_AT };
enum { ZG_CHUNK = 5000 }; /* rows per query: the output streams, memory stays flat */

/* The next chunk after (at, id) = (last_at, last_id), oldest first; from DATUM on (ix_ab_zugriff_org_at). */
static db_res *zugriffe_chunk(arena *a, long long org, const char *nr, const char *last_at, long long last_id)
{
	if (nr)
		return db_query(a,
			"SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s'), wer, wer_name, person_nr, aktion, id, at FROM ab_zugriff "
			"WHERE org_id = ? AND at >= ? AND (at > ? OR id > ?) AND person_nr = ? ORDER BY at, id LIMIT ?",
			DBARGS(DI(org), DS(last_at), DS(last_at), DI(last_id), DS(nr), DI(ZG_CHUNK)));
	return db_query(a,
			"SELECT DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s'), wer, wer_name, person_nr, aktion, id, at FROM ab_zugriff "
			"WHERE org_id = ? AND at >= ? AND (at > ? OR id > ?) ORDER BY at, id LIMIT ?",
			DBARGS(DI(org), DS(last_at), DS(last_at), DI(last_id), DI(ZG_CHUNK)));
}

static void zugriff_out(arena *a, const db_res *res, size_t i, bool first)
{
	if (!cli_json) {
		printf("%s UTC  %-7s  %s  %s (%s)\n", db_str(res, i, ZG_ZEIT), db_str(res, i, ZG_AKTION),
		       cli_text(a, db_str(res, i, ZG_NR)), cli_text(a, db_str(res, i, ZG_WER)),
		       cli_text(a, db_str(res, i, ZG_WER_NAME)));
		return;
	}
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "zeitpunkt", db_str(res, i, ZG_ZEIT));
	cJSON_AddStringToObject(e, "wer", db_str(res, i, ZG_WER));
	cJSON_AddStringToObject(e, "wer_name", db_str(res, i, ZG_WER_NAME));
	cJSON_AddStringToObject(e, "nr", db_str(res, i, ZG_NR));
	cJSON_AddStringToObject(e, "aktion", db_str(res, i, ZG_AKTION));
	fputs(first ? "\n" : ",\n", stdout);
	cli_print_json_item(e);
}

/* Oldest first (time, then id), read in chunks after the last row printed (keyset), each chunk in an
 * arena of its own: the output streams and memory stays flat; JSON {"zugriffe": [...]} item by item. */
int cli_ab_zugriffe(actor *who, struct opts *o)
{
	char datum[11] = "1000-01-01", last_at[32];
	if (!o->pnr || (o->seit && !parse_date(o->seit, datum)))
		return cli_fail_usage("ab", "zugriffe");
	long long org = cli_org_by_pnr(who, o->pnr);
	if (org < 0)
		return cli_fail("database error", NULL);
	if (org == 0)
		return cli_fail("no organisation with PNR %s", o->pnr);
	snprintf(last_at, sizeof last_at, "%s 00:00:00", datum);
	long long last_id = 0, n = 0;
	arena q;
	arena_init(&q);
	if (cli_json)
		fputs("{\"zugriffe\": [", stdout);
	db_res *res;
	while ((res = zugriffe_chunk(&q, org, o->nr, last_at, last_id)) != NULL) {
		for (size_t i = 0; i < res->nrows; i++)
			zugriff_out(&q, res, i, n++ == 0);
		if (res->nrows < ZG_CHUNK)
			break;
		snprintf(last_at, sizeof last_at, "%s", db_str(res, res->nrows - 1, ZG_AT));
		last_id = db_int(res, res->nrows - 1, ZG_ID);
		arena_reset(&q);
	}
	arena_reset(&q);
	if (!res)
		return cli_fail("database error", NULL);
	if (cli_json)
		fputs(n ? "\n]}\n" : "]}\n", stdout);
	return 0;
}

/* ---- ab aufraeumen ---- */

int cli_ab_aufraeumen(actor *who, struct opts *o)
{
	(void)o;
	struct retention_result res = {0};
	int rc = retention_run(0, &res);
	char detail[64];
	snprintf(detail, sizeof detail, "zugriffe=%lld", res.zugriffe);
	if (res.zugriffe > 0)
		audit(who, "ab_aufgeraeumt", NULL, detail);
	if (rc != 0)
		return cli_fail("database error (rows removed so far stay removed: %s)", detail);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON *e = cJSON_AddObjectToObject(j, "entfernt");
		cJSON_AddNumberToObject(e, "zugriffe", (double)res.zugriffe);
		cli_print_json(j);
	} else
		printf("Entfernt: %lld Einträge des Zugriffsprotokolls (älter als %ld Tage)\n", res.zugriffe, cfg.ab_zugriff_tage);
	return 0;
}
