/* cli_org.c — `mvctl org add` and `mvctl org restrict`: organisations of the Kasse and the
 * functions their administrators may not use. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include <stdio.h>
#include <string.h>

/* ---- org add ---- */

int cli_org_add(actor *who, struct opts *o)
{
	if (!valid_text(o->name, 200) || !valid_text(o->bereich, 100))
		return cli_fail("--name and --bereich are required (1-200 / 1-100 characters, no control characters)", NULL);
	if (!cli_digits(o->pnr, 1, 20) || !cli_digits(o->abr, 1, 20))
		return cli_fail("--pnr and --abr are required and must be digits", NULL);
	struct org_new org = {o->name, o->bereich, o->pnr, o->abr};
	unsigned long long id;
	int rc = org_add(who, &org, &id);
	if (rc == ORGS_EXISTS)
		return cli_fail("an organisation with PNR %s exists already", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	const char *mitglied = org_line(who->a, o->name, o->bereich, o->pnr, o->abr);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddStringToObject(j, "mitglied", mitglied);
		cli_print_json(j);
	} else
		printf("Organisation angelegt: %s\n", mitglied);
	return 0;
}

/* ---- org restrict ---- */

/* A comma-separated list of rights as a bit set; -1 for an unknown right. */
static int rights_mask(const char *list, unsigned *mask)
{
	*mask = 0;
	if (!list)
		return 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		t = str_trim(t);
		size_t k = 0;
		while (k < RECHT__MAX && strcmp(t, recht_key[k]) != 0)
			k++;
		if (k == RECHT__MAX)
			return -1;
		*mask |= 1u << k;
	}
	return 0;
}

/* The organisation's switched-off rights after the change, on stdout. */
static int restrictions_print(actor *who, const char *pnr)
{
	db_res *r = db_query(who->a, "SELECT aus_anspruchsberechtigte, aus_kontaktdaten, aus_formulare FROM organisation "
				     "WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(pnr)));
	if (!r || r->nrows != 1)
		return cli_fail("database error", NULL);
	cJSON *j = cJSON_CreateObject();
	cJSON *offs = cJSON_AddArrayToObject(j, "ausgeschaltet");
	for (size_t k = 0; k < RECHT__MAX; k++)
		if (db_int(r, 0, k))
			cJSON_AddItemToArray(offs, cJSON_CreateString(recht_key[k]));
	if (cli_json) {
		cli_print_json(j);
		return 0;
	}
	printf("Funktionseinschränkungen für PNR %s:", pnr);
	for (cJSON *it = offs->child; it; it = it->next)
		printf(" %s", it->valuestring);
	puts(offs->child ? " ausgeschaltet" : " keine");
	cJSON_Delete(j);
	return 0;
}

int cli_org_restrict(actor *who, struct opts *o)
{
	unsigned off, on;
	if (!o->pnr || (!o->off && !o->on))
		return cli_fail_usage("org", "restrict");
	if (rights_mask(o->off, &off) != 0 || rights_mask(o->on, &on) != 0)
		return cli_fail("rights are anspruchsberechtigte, kontaktdaten, formulare", NULL);
	if (off & on)
		return cli_fail("a right cannot be switched on and off at once", NULL);
	int rc = org_restrict(who, o->pnr, off, on);
	if (rc == ORGS_NOT_FOUND)
		return cli_fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	return restrictions_print(who, o->pnr);
}
