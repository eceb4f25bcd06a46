/* cli_org.c — `mvctl org add` and `mvctl org restrict`: organisations of the Kasse and the
 * functions their administrators may not use. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include <stdio.h>
#include <string.h>

/* ---- org add ---- */

struct org_add_ctx {
	actor *who;
	const struct org_new *org;
	unsigned long long id;
};

static int org_add_tx(void *p)
{
	struct org_add_ctx *c = p;
	const struct org_new *org = c->org;
	if (db_exec("INSERT INTO organisation (kasse, name, bereich, pnr, abr) VALUES (?, ?, ?, ?, ?)",
		    DBARGS(DS(cfg.kasse_nummer), DS(org->name), DS(org->bereich), DS(org->pnr), DS(org->abr)), NULL,
		    &c->id) != 0)
		return db_last_error() == DB_ERR_DUP ? CLI_TX_EXISTS : DB_TX_FAIL;
	audit_org(c->who, (long long)c->id, "org_added", org->pnr, org->name);
	return 0;
}

int org_add(actor *who, const struct org_new *org, unsigned long long *id_out)
{
	struct org_add_ctx c = {who, org, 0};
	int rc = db_tx(org_add_tx, &c);
	*id_out = c.id;
	return rc;
}

int cli_org_add(actor *who, struct opts *o)
{
	if (!valid_text(o->name, 200) || !valid_text(o->bereich, 100))
		return cli_fail("--name and --bereich are required (1-200 / 1-100 characters, no control characters)", NULL);
	if (!cli_digits(o->pnr, 1, 20) || !cli_digits(o->abr, 1, 20))
		return cli_fail("--pnr and --abr are required and must be digits", NULL);
	struct org_new org = {o->name, o->bereich, o->pnr, o->abr};
	unsigned long long id;
	int rc = org_add(who, &org, &id);
	if (rc == CLI_TX_EXISTS)
		return cli_fail("an organisation with PNR %s exists already", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	const char *mitglied = arena_printf(who->a, "%s (%s) (PNR: %s, Abr: %s)", o->name, o->bereich, o->pnr, o->abr);
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

/* The rights in the order of their bits and of the columns aus_<right>. */
static const char *const restrictable[] = {"anspruchsberechtigte", "kontaktdaten", "formulare"};

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
		while (k < ARRAY_LEN(restrictable) && strcmp(t, restrictable[k]) != 0)
			k++;
		if (k == ARRAY_LEN(restrictable))
			return -1;
		*mask |= 1u << k;
	}
	return 0;
}

/* The rights of a bit set for the audit row, each but the last followed by a space. */
static const char *rights_words(arena *a, unsigned mask)
{
	const char *words = "";
	for (size_t k = 0; k < ARRAY_LEN(restrictable); k++)
		if ((mask >> k) & 1)
			words = arena_printf(a, "%s%s%s", words, restrictable[k], k + 1 < ARRAY_LEN(restrictable) ? " " : "");
	return words;
}

struct restrict_ctx {
	actor *who;
	const char *pnr;
	unsigned off, on;
};

static int restrict_tx(void *p)
{
	static const char *const set_sql[] = {
		"UPDATE organisation SET aus_anspruchsberechtigte = ? WHERE id = ?",
		"UPDATE organisation SET aus_kontaktdaten = ? WHERE id = ?",
		"UPDATE organisation SET aus_formulare = ? WHERE id = ?",
	};
	struct restrict_ctx *c = p;
	db_res *org = db_query(c->who->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ? FOR UPDATE",
			       DBARGS(DS(cfg.kasse_nummer), DS(c->pnr)));
	if (!org)
		return DB_TX_FAIL;
	if (org->nrows == 0)
		return CLI_TX_NOT_FOUND;
	long long id = db_int(org, 0, 0);
	for (size_t k = 0; k < ARRAY_LEN(restrictable); k++) {
		bool off = (c->off >> k) & 1, on = (c->on >> k) & 1;
		if ((off || on) && db_exec(set_sql[k], DBARGS(DI(off), DI(id)), NULL, NULL) != 0)
			return DB_TX_FAIL;
	}
	arena *a = c->who->a;
	audit_org(c->who, id, "org_restricted", c->pnr,
		  arena_printf(a, "ausgeschaltet: %s; eingeschaltet: %s", rights_words(a, c->off), rights_words(a, c->on)));
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
	for (size_t k = 0; k < ARRAY_LEN(restrictable); k++)
		if (db_int(r, 0, k))
			cJSON_AddItemToArray(offs, cJSON_CreateString(restrictable[k]));
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
	struct restrict_ctx c = {who, o->pnr, 0, 0};
	if (!o->pnr || (!o->off && !o->on))
		return cli_fail_usage("org", "restrict");
	if (rights_mask(o->off, &c.off) != 0 || rights_mask(o->on, &c.on) != 0)
		return cli_fail("rights are anspruchsberechtigte, kontaktdaten, formulare", NULL);
	if (c.off & c.on)
		return cli_fail("a right cannot be switched on and off at once", NULL);
	int rc = db_tx(restrict_tx, &c);
	if (rc == CLI_TX_NOT_FOUND)
		return cli_fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	return restrictions_print(who, o->pnr);
}
