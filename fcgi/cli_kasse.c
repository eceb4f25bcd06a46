/* cli_kasse.c — `mvctl kasse add|update|lock|unlock|list`: the fund's own accounts (role K,
 * SPEC §15), portal administrators (`portaladmin`) and clerks (`fach`). They log in like every
 * account; the operator creates them here and hands over the printed Nutzerkennung. */
#include "access.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "mail.h"
#include <stdio.h>
#include <string.h>

static bool kasse_rolle_ok(const char *rolle)
{
	return rolle && (strcmp(rolle, "portaladmin") == 0 || strcmp(rolle, "fach") == 0);
}

/* --kennung as a K Nutzerkennung, normalised into o: 0, or 1 after cli_fail. */
static int kasse_kennung(actor *who, struct opts *o)
{
	if (!o->kennung)
		return cli_fail("--kennung is required", NULL);
	char *k = arena_strdup(who->a, o->kennung);
	if (!kennung_normalize(k) || k[0] != 'K')
		return cli_fail("--kennung must be a Nutzerkennung of the Kasse (K…)", NULL);
	o->kennung = k;
	return 0;
}

/* ---- kasse add ---- */

struct kasse_add_ctx {
	actor *who;
	const struct opts *o;
	char kennung[KENNUNG_LEN + 1];
};

static int kasse_add_tx(void *p)
{
	struct kasse_add_ctx *c = p;
	const struct opts *o = c->o;
	long long id;
	if (account_insert(ACCOUNT_K, 0, o->vorname, o->name, o->email, NULL, NULL, c->kennung, &id) != 0 ||
	    db_exec("UPDATE account SET kasse_rolle = ? WHERE id = ?", DBARGS(DS(o->rolle), DI(id)), NULL, NULL) != 0 ||
	    setpw_mail_queue(c->who->a, id, o->vorname, o->name, o->email) != 0)
		return DB_TX_FAIL;
	audit_org(c->who, 0, "kasse_added", c->kennung,
		  arena_printf(c->who->a, "Name: %s %s; E-Mail: %s; Rolle: %s", o->vorname, o->name, o->email, o->rolle));
	return 0;
}

int cli_kasse_add(actor *who, struct opts *o)
{
	if (cli_person_check(o, true))
		return 1;
	if (!kasse_rolle_ok(o->rolle))
		return cli_fail("--rolle must be portaladmin or fach", NULL);
	struct kasse_add_ctx c = {.who = who, .o = o};
	if (db_tx(kasse_add_tx, &c) != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", c.kennung);
		cJSON_AddStringToObject(j, "rolle", o->rolle);
		cJSON_AddStringToObject(j, "status", "angelegt");
		cJSON_AddStringToObject(j, "email", o->email);
		cli_print_json(j);
	} else
		printf("Konto der Kasse angelegt: %s (%s %s, %s). Die E-Mail „Passwort festlegen“ geht an %s;\n"
		       "die Nutzerkennung teilen Sie der Person bitte gesondert mit.\n",
		       c.kennung, o->vorname, o->name, o->rolle, o->email);
	return 0;
}

/* ---- kasse update ---- */

struct kasse_update_ctx {
	actor *who;
	const struct opts *o;
};

static int kasse_update_tx(void *p)
{
	enum { COL_ID, COL_VORNAME, COL_NAME, COL_EMAIL, COL_ROLLE };
	struct kasse_update_ctx *c = p;
	const struct opts *o = c->o;
	db_res *acc = db_query(c->who->a, "SELECT id, vorname, name, email, kasse_rolle FROM account "
					  "WHERE kennung = ? AND rolle = 'K' FOR UPDATE",
			       DBARGS(DS(o->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows == 0)
		return CLI_TX_NOT_FOUND;
	long long id = db_int(acc, 0, COL_ID);
	if (db_exec("UPDATE account SET vorname = COALESCE(?, vorname), name = COALESCE(?, name), "
		    "email = COALESCE(?, email), kasse_rolle = COALESCE(?, kasse_rolle), version = version + 1, "
		    "updated_at = NOW() WHERE id = ?",
		    DBARGS(DSZ(o->vorname), DSZ(o->name), DSZ(o->email), DSZ(o->rolle), DI(id)), NULL, NULL) != 0 ||
	    account_keys_store(c->who->a, id, 0, o->kennung, o->vorname ? o->vorname : db_str(acc, 0, COL_VORNAME),
			       o->name ? o->name : db_str(acc, 0, COL_NAME)) != 0)
		return DB_TX_FAIL;
	/* a new role takes effect at once: its sessions end, as a locked account's do */
	if (o->rolle && !str_eq(o->rolle, db_str(acc, 0, COL_ROLLE)) && session_end_all(id) != 0)
		return DB_TX_FAIL;
	sbuf d = sbuf_in(c->who->a);
	cli_change_note(&d, "Vorname", db_str(acc, 0, COL_VORNAME), o->vorname);
	cli_change_note(&d, "Name", db_str(acc, 0, COL_NAME), o->name);
	cli_change_note(&d, "E-Mail", db_str(acc, 0, COL_EMAIL), o->email);
	cli_change_note(&d, "Rolle", db_str(acc, 0, COL_ROLLE), o->rolle);
	audit_org(c->who, 0, "kasse_updated", o->kennung, d.len ? d.data : "keine Änderung");
	const char *old = db_str(acc, 0, COL_EMAIL);
	if (!o->email || strcmp(o->email, old) == 0)
		return 0;
	email_change ch = {id, 0, o->kennung, db_str(acc, 0, COL_VORNAME), db_str(acc, 0, COL_NAME), old, o->email,
			   "die Portal-Administratoren der Kassen"};
	return email_change_notify(c->who, &ch) < 0 ? DB_TX_FAIL : 0;
}

int cli_kasse_update(actor *who, struct opts *o)
{
	if (kasse_kennung(who, o))
		return 1;
	if (!o->vorname && !o->name && !o->email && !o->rolle)
		return cli_fail("nothing to change: give --vorname, --name, --email or --rolle", NULL);
	if (cli_person_check(o, false))
		return 1;
	if (o->rolle && !kasse_rolle_ok(o->rolle))
		return cli_fail("--rolle must be portaladmin or fach", NULL);
	struct kasse_update_ctx c = {who, o};
	int rc = db_tx(kasse_update_tx, &c);
	if (rc == CLI_TX_NOT_FOUND)
		return cli_fail("no account of the Kasse %s", o->kennung);
	if (rc != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", o->kennung);
		cJSON_AddBoolToObject(j, "geaendert", 1);
		cli_print_json(j);
	} else
		printf("Konto der Kasse %s geändert.\n", o->kennung);
	return 0;
}

/* ---- kasse lock / unlock ---- */

struct kasse_lock_ctx {
	actor *who;
	const char *kennung;
	bool lock;
	bool changed;
};

static int kasse_lock_tx(void *p)
{
	struct kasse_lock_ctx *c = p;
	db_res *acc = db_query(c->who->a, "SELECT id, status FROM account WHERE kennung = ? AND rolle = 'K' FOR UPDATE",
			       DBARGS(DS(c->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows == 0)
		return CLI_TX_NOT_FOUND;
	long long id = db_int(acc, 0, 0);
	bool locked = str_eq(db_str(acc, 0, 1), "gesperrt");
	if (locked == c->lock)
		return 0; /* already so: nothing written, nothing logged */
	c->changed = true;
	if (c->lock ? db_exec("UPDATE account SET status_vor_sperre = status, status = 'gesperrt', version = version + 1, "
			      "updated_at = NOW() WHERE id = ?", DBARGS(DI(id)), NULL, NULL) != 0 || session_end_all(id) != 0
		    : db_exec("UPDATE account SET status = COALESCE(status_vor_sperre, 'aktiv'), status_vor_sperre = NULL, "
			      "version = version + 1, updated_at = NOW() WHERE id = ?", DBARGS(DI(id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	audit_org(c->who, 0, c->lock ? "kasse_locked" : "kasse_unlocked", c->kennung, "");
	return 0;
}

static int kasse_lock_run(actor *who, struct opts *o, bool lock)
{
	if (kasse_kennung(who, o))
		return 1;
	struct kasse_lock_ctx c = {who, o->kennung, lock, false};
	int rc = db_tx(kasse_lock_tx, &c);
	if (rc == CLI_TX_NOT_FOUND)
		return cli_fail("no account of the Kasse %s", o->kennung);
	if (rc != 0)
		return cli_fail("database error", NULL);
	const char *status = lock ? "gesperrt" : "entsperrt";
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", o->kennung);
		cJSON_AddStringToObject(j, "ergebnis", status);
		cJSON_AddBoolToObject(j, "geaendert", c.changed);
		cli_print_json(j);
	} else
		printf("Konto der Kasse %s %s%s.\n", o->kennung, c.changed ? "" : "war bereits ", status);
	return 0;
}

int cli_kasse_lock(actor *who, struct opts *o)
{
	return kasse_lock_run(who, o, true);
}

int cli_kasse_unlock(actor *who, struct opts *o)
{
	return kasse_lock_run(who, o, false);
}

/* ---- kasse list ---- */

int cli_kasse_list(actor *who, struct opts *o)
{
	(void)o;
	enum { COL_KENNUNG, COL_ROLLE, COL_VORNAME, COL_NAME, COL_EMAIL, COL_STATUS };
	db_res *res = db_query(who->a, "SELECT kennung, kasse_rolle, vorname, name, email, status FROM account "
				       "WHERE rolle = 'K' ORDER BY name, vorname, kennung",
			       DBNOARGS);
	if (!res)
		return cli_fail("database error", NULL);
	cJSON *arr = cli_json ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; i < res->nrows; i++) {
		if (!arr) {
			printf("%s  %-11s  %s %s  <%s>  %s\n", db_str(res, i, COL_KENNUNG), db_str(res, i, COL_ROLLE),
			       cli_text(who->a, db_str(res, i, COL_VORNAME)), cli_text(who->a, db_str(res, i, COL_NAME)),
			       cli_text(who->a, db_str(res, i, COL_EMAIL)), db_str(res, i, COL_STATUS));
			continue;
		}
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "nutzerkennung", db_str(res, i, COL_KENNUNG));
		cJSON_AddStringToObject(u, "rolle", db_str(res, i, COL_ROLLE));
		cJSON_AddStringToObject(u, "vorname", db_str(res, i, COL_VORNAME));
		cJSON_AddStringToObject(u, "name", db_str(res, i, COL_NAME));
		cJSON_AddStringToObject(u, "email", db_str(res, i, COL_EMAIL));
		cJSON_AddStringToObject(u, "status", db_str(res, i, COL_STATUS));
		cJSON_AddItemToArray(arr, u);
	}
	if (arr)
		cli_print_json(arr);
	else if (!res->nrows)
		puts("Keine Konten der Kasse.");
	return 0;
}
