/* cli_user.c — `mvctl admin add`, `admin update`, `user find` and `audit`: the accounts of an
 * organisation as the Kasse sees them, and its change log. */
#include "access.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "mail.h"
#include <stdio.h>
#include <string.h>

/* Vorname, Name and E-Mail as given; all_required: each must be there. 0 ok, 1 after cli_fail. */
int cli_person_check(const struct opts *o, bool all_required)
{
	if ((all_required || o->vorname) && !valid_text(o->vorname, 100))
		return cli_fail("--vorname: 1-100 characters without control characters", NULL);
	if ((all_required || o->name) && !valid_text(o->name, 100))
		return cli_fail("--name: 1-100 characters without control characters", NULL);
	/* names greet their owner in official mails (issue 11) */
	if (o->vorname && name_check(o->vorname) != NAME_OK)
		return cli_fail("--vorname: no web addresses (www., https://, a domain) and no line or paragraph "
				"separators", NULL);
	if (o->name && name_check(o->name) != NAME_OK)
		return cli_fail("--name: no web addresses (www., https://, a domain) and no line or paragraph "
				"separators", NULL);
	if ((all_required || o->email) && !mail_addr_ok(o->email))
		return cli_fail("--email: not a valid e-mail address", NULL);
	return 0;
}

/* ---- admin add ---- */

struct admin_add_ctx {
	actor *who;
	const struct opts *o;
	char kennung[KENNUNG_LEN + 1];
};

static int admin_add_tx(void *p)
{
	struct admin_add_ctx *c = p;
	const struct opts *o = c->o;
	long long org_id = cli_org_by_pnr(c->who, o->pnr);
	if (org_id < 0)
		return DB_TX_FAIL;
	if (org_id == 0)
		return CLI_TX_NOT_FOUND;
	long long id;
	if (account_insert(ACCOUNT_X, org_id, o->vorname, o->name, o->email, o->geburtsdatum, NULL, c->kennung, &id) != 0 ||
	    setpw_mail_queue(c->who->a, id, o->vorname, o->name, o->email) != 0)
		return DB_TX_FAIL;
	audit_org(c->who, org_id, "admin_added", c->kennung,
		  arena_printf(c->who->a, "Name: %s %s; E-Mail: %s", o->vorname, o->name, o->email));
	return 0;
}

int cli_admin_add(actor *who, struct opts *o)
{
	if (!o->pnr)
		return cli_fail("--pnr is required", NULL);
	if (cli_person_check(o, true))
		return 1;
	char datum[11];
	if (!parse_date(o->geburtsdatum, datum))
		return cli_fail("--geburtsdatum JJJJ-MM-TT is required", NULL);
	o->geburtsdatum = datum;
	struct admin_add_ctx c = {.who = who, .o = o};
	int rc = db_tx(admin_add_tx, &c);
	if (rc == CLI_TX_NOT_FOUND)
		return cli_fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", c.kennung);
		cJSON_AddStringToObject(j, "status", "angelegt");
		cJSON_AddStringToObject(j, "email", o->email);
		cli_print_json(j);
	} else
		printf("Administrator angelegt: %s (%s %s). Die E-Mail „Passwort festlegen“ geht an %s.\n", c.kennung,
		       o->vorname, o->name, o->email);
	return 0;
}

/* ---- admin update ---- */

struct admin_update_ctx {
	actor *who;
	const struct opts *o;
};

void cli_change_note(sbuf *d, const char *label, const char *old_value, const char *new_value)
{
	if (new_value && strcmp(new_value, old_value))
		sbuf_printf(d, "%s: %s → %s; ", label, old_value, new_value);
}

/* A changed address: the old one hears of it, links mailed there die (issue 11). 0 or DB_TX_FAIL. */
static int admin_email_changed(struct admin_update_ctx *c, const db_res *acc)
{
	enum { COL_ID, COL_ORG_ID, COL_VORNAME, COL_NAME, COL_EMAIL };
	const char *old = db_str(acc, 0, COL_EMAIL);
	if (!c->o->email || strcmp(c->o->email, old) == 0)
		return 0;
	email_change ch = {db_int(acc, 0, COL_ID), db_int(acc, 0, COL_ORG_ID), c->o->kennung, db_str(acc, 0, COL_VORNAME),
			   db_str(acc, 0, COL_NAME), old, c->o->email, "die Portal-Administratoren der Kassen"};
	return email_change_notify(c->who, &ch) < 0 ? DB_TX_FAIL : 0;
}

static int admin_update_tx(void *p)
{
	enum { COL_ID, COL_ORG_ID, COL_VORNAME, COL_NAME, COL_EMAIL };
	struct admin_update_ctx *c = p;
	const struct opts *o = c->o;
	db_res *acc = db_query(c->who->a, "SELECT id, org_id, vorname, name, email FROM account WHERE kennung = ? AND rolle = 'X' FOR UPDATE",
			       DBARGS(DS(o->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows == 0)
		return CLI_TX_NOT_FOUND;
	if (db_exec("UPDATE account SET vorname = COALESCE(?, vorname), name = COALESCE(?, name), "
		    "email = COALESCE(?, email), version = version + 1, updated_at = NOW() WHERE id = ?",
		    DBARGS(DSZ(o->vorname), DSZ(o->name), DSZ(o->email), DI(db_int(acc, 0, COL_ID))), NULL, NULL) != 0 ||
	    account_keys_store(c->who->a, db_int(acc, 0, COL_ID), 0, o->kennung,
			       o->vorname ? o->vorname : db_str(acc, 0, COL_VORNAME), o->name ? o->name : db_str(acc, 0, COL_NAME)) != 0)
		return DB_TX_FAIL;
	sbuf d;
	sbuf_init(&d);
	cli_change_note(&d, "Vorname", db_str(acc, 0, COL_VORNAME), o->vorname);
	cli_change_note(&d, "Name", db_str(acc, 0, COL_NAME), o->name);
	cli_change_note(&d, "E-Mail", db_str(acc, 0, COL_EMAIL), o->email);
	audit_org(c->who, db_int(acc, 0, COL_ORG_ID), "admin_updated", o->kennung, d.len ? d.data : "keine Änderung");
	sbuf_free(&d);
	return admin_email_changed(c, acc);
}

int cli_admin_update(actor *who, struct opts *o)
{
	if (!o->kennung)
		return cli_fail("--kennung is required", NULL);
	char *k = arena_strdup(who->a, o->kennung);
	if (!kennung_normalize(k) || k[0] != 'X')
		return cli_fail("--kennung must be an administrator's Nutzerkennung (X…)", NULL);
	o->kennung = k;
	if (!o->vorname && !o->name && !o->email)
		return cli_fail("nothing to change: give --vorname, --name or --email", NULL);
	if (cli_person_check(o, false))
		return 1;
	struct admin_update_ctx c = {who, o};
	int rc = db_tx(admin_update_tx, &c);
	if (rc == CLI_TX_NOT_FOUND)
		return cli_fail("no administrator %s", k);
	if (rc != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", k);
		cJSON_AddBoolToObject(j, "geaendert", 1);
		cli_print_json(j);
	} else
		printf("Administrator %s geändert.\n", k);
	return 0;
}

/* ---- user find ---- */

enum { COL_KENNUNG, COL_ROLLE, COL_VORNAME, COL_NAME, COL_EMAIL, COL_STATUS, COL_ORG_NAME, COL_BEREICH, COL_PNR, COL_ABR };

static cJSON *user_json(arena *a, const db_res *res, size_t i)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "nutzerkennung", db_str(res, i, COL_KENNUNG));
	cJSON_AddStringToObject(u, "rolle", db_str(res, i, COL_ROLLE));
	cJSON_AddStringToObject(u, "vorname", db_str(res, i, COL_VORNAME));
	cJSON_AddStringToObject(u, "name", db_str(res, i, COL_NAME));
	cJSON_AddStringToObject(u, "email", db_str(res, i, COL_EMAIL));
	cJSON_AddStringToObject(u, "status", db_str(res, i, COL_STATUS));
	if (db_str(res, i, COL_ORG_NAME))
		cJSON_AddStringToObject(u, "mitglied",
					arena_printf(a, "%s (%s) (PNR: %s, Abr: %s)", db_str(res, i, COL_ORG_NAME),
						     db_str(res, i, COL_BEREICH), db_str(res, i, COL_PNR), db_str(res, i, COL_ABR)));
	return u;
}

static void user_print(arena *a, const db_res *res, size_t i)
{
	const char *org = db_str(res, i, COL_ORG_NAME);
	printf("%s  %s %s  <%s>  %s  %s\n", db_str(res, i, COL_KENNUNG), cli_text(a, db_str(res, i, COL_VORNAME)),
	       cli_text(a, db_str(res, i, COL_NAME)), cli_text(a, db_str(res, i, COL_EMAIL)), db_str(res, i, COL_STATUS),
	       org ? cli_text(a, org) : "-");
}

int cli_user_find(actor *who, struct opts *o)
{
	if (!o->name && !o->email && !o->pnr)
		return cli_fail("give at least one of --name, --email, --pnr", NULL);
	char *name_prefix = o->name ? sql_like_prefix(who->a, o->name) : NULL;
	db_res *res = db_query(who->a,
		"SELECT a.kennung, a.rolle, a.vorname, a.name, a.email, a.status, o.name, o.bereich, o.pnr, o.abr "
		"FROM account a LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE (? IS NULL OR a.name LIKE ? OR a.vorname LIKE ?) AND (? IS NULL OR a.email = ?) "
		"AND (? IS NULL OR o.pnr = ?) ORDER BY a.name, a.vorname LIMIT 200",
		DBARGS(DSZ(name_prefix), DSZ(name_prefix), DSZ(name_prefix), DSZ(o->email), DSZ(o->email), DSZ(o->pnr),
		       DSZ(o->pnr)));
	if (!res)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *arr = cJSON_CreateArray();
		for (size_t i = 0; i < res->nrows; i++)
			cJSON_AddItemToArray(arr, user_json(who->a, res, i));
		cli_print_json(arr);
		return 0;
	}
	for (size_t i = 0; i < res->nrows; i++)
		user_print(who->a, res, i);
	if (!res->nrows)
		puts("Keine Nutzer gefunden.");
	return 0;
}

/* ---- audit ---- */

int cli_audit(actor *who, struct opts *o)
{
	if (!o->pnr)
		return cli_fail("--pnr is required", NULL);
	long long org_id = cli_org_by_pnr(who, o->pnr);
	if (org_id < 0)
		return cli_fail("database error", NULL);
	if (org_id == 0)
		return cli_fail("no organisation with PNR %s", o->pnr);
	audit_entry *e;
	long long n = audit_list(who->a, org_id, AUDIT_ALL, o->kennung, 10000, 0, &e);
	if (n < 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *arr = cJSON_CreateArray();
		for (long long i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, audit_entry_json(&e[i], "zeit"));
		cli_print_json(arr);
		return 0;
	}
	for (long long i = 0; i < n; i++)
		printf("%s  %-17s  %-40s  %-17s  %s\n", e[i].zeit, cli_text(who->a, e[i].wer),
		       cli_text(who->a, audit_event_label(e[i].ereignis)), cli_text(who->a, e[i].betroffen),
		       cli_text(who->a, e[i].aenderung));
	return 0;
}
