/* cli_feedback.c — `mvctl feedback list`: feedback and support requests sent through the portal. */
#include "cli.h"
#include "db.h"
#include <stdio.h>

enum { COL_ID, COL_ZEIT, COL_ART, COL_BETREFF, COL_NACHRICHT, COL_RUECKRUF, COL_KENNUNG, COL_PNR };

static cJSON *feedback_json(const db_res *res, size_t i)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "id", (double)db_int(res, i, COL_ID));
	cJSON_AddStringToObject(e, "zeit", db_str(res, i, COL_ZEIT));
	cJSON_AddStringToObject(e, "art", db_str(res, i, COL_ART));
	cJSON_AddStringToObject(e, "betreff", db_str(res, i, COL_BETREFF));
	cJSON_AddStringToObject(e, "nachricht", db_str(res, i, COL_NACHRICHT));
	cJSON_AddStringToObject(e, "rueckruf", db_str(res, i, COL_RUECKRUF));
	cJSON_AddStringToObject(e, "nutzerkennung", db_str(res, i, COL_KENNUNG));
	cJSON_AddStringToObject(e, "pnr", db_str(res, i, COL_PNR));
	return e;
}

static void feedback_print(arena *a, const db_res *res, size_t i)
{
	const char *kennung = db_str(res, i, COL_KENNUNG), *rueckruf = db_str(res, i, COL_RUECKRUF);
	printf("%lld  %s  %-8s  %-17s  %s%s%s\n", db_int(res, i, COL_ID), db_str(res, i, COL_ZEIT), db_str(res, i, COL_ART),
	       *kennung ? kennung : "(anonym)", cli_text(a, db_str(res, i, COL_BETREFF)), *rueckruf ? "  Rückruf: " : "",
	       cli_text(a, rueckruf));
}

int cli_feedback_list(actor *who, struct opts *o)
{
	char datum[11] = "1900-01-01";
	if (o->seit && !parse_date(o->seit, datum))
		return cli_fail("--seit JJJJ-MM-TT or TT.MM.JJJJ", NULL);
	db_res *res = db_query(who->a,
		"SELECT f.id, DATE_FORMAT(f.erstellt, '%Y-%m-%dT%H:%i:%sZ'), f.art, f.betreff, f.nachricht, "
		"COALESCE(f.rueckruf, ''), COALESCE(a.kennung, ''), COALESCE(o.pnr, '') FROM rueckmeldung f "
		"LEFT JOIN account a ON a.id = f.konto_id LEFT JOIN organisation o ON o.id = f.org_id "
		"WHERE f.erstellt >= ? ORDER BY f.id LIMIT 10000",
		DBARGS(DS(datum)));
	if (!res)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < res->nrows; i++)
			cJSON_AddItemToArray(arr, feedback_json(res, i));
		cli_print_json(arr);
		return 0;
	}
	for (size_t i = 0; i < res->nrows; i++)
		feedback_print(who->a, res, i);
	return 0;
}
