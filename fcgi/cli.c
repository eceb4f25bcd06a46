/* cli.c — `scripts/mvctl`: the Kassen-Portal-Administrator's command line (SPEC §11) and the
 * dev-mode demo data. Same config and database as the stack; every change in one transaction,
 * errors on stderr with a non-zero exit, `--json` for scripts. */
#include "access.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include "messages.h"
#include "domain.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

static bool json_out;
static actor *cli_req; /* who acts: "mvctl" from the operating-system user, for the audit log */

struct opts {
	const char *name, *bereich, *pnr, *abr, *vorname, *email, *geburtsdatum, *kennung, *off, *on;
	const char *orgs, *users, *messages;
	const char *gruppe, *betreff, *text, *seit, *id, *dir;
	const char *anhang[16];
	int nanhang;
};

static int fail(const char *fmt, const char *arg)
{
	if (json_out) {
		cJSON *o = cJSON_CreateObject();
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fmt);
		if (arg) {
			char *pct = strstr(msg, "%s");
			if (pct) {
				char rest[512];
				snprintf(rest, sizeof rest, "%s", pct + 2);
				snprintf(pct, sizeof msg - (size_t)(pct - msg), "%s%s", arg, rest);
			}
		}
		cJSON_AddStringToObject(o, "error", msg);
		char *t = cJSON_PrintUnformatted(o);
		fprintf(stderr, "%s\n", t);
		free(t);
		cJSON_Delete(o);
	} else {
		fputs("mvctl: ", stderr);
		const char *pct = strstr(fmt, "%s");
		if (pct && arg) {
			fwrite(fmt, 1, (size_t)(pct - fmt), stderr);
			fputs(arg, stderr);
			fputs(pct + 2, stderr);
		} else
			fputs(fmt, stderr);
		fputc('\n', stderr);
	}
	return 1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i];
		if (strcmp(k, "--json") == 0) {
			json_out = true;
			continue;
		}
		if (i + 1 >= argc)
			return fail("option %s needs a value", k);
		const char *v = argv[++i];
		if (strcmp(k, "--anhang") == 0) {
			if (o->nanhang == (int)ARRAY_LEN(o->anhang))
				return fail("too many --anhang options", NULL);
			o->anhang[o->nanhang++] = v;
			continue;
		}
		const char **slot = strcmp(k, "--name") == 0 ? &o->name
			: strcmp(k, "--bereich") == 0 ? &o->bereich
			: strcmp(k, "--pnr") == 0 ? &o->pnr
			: strcmp(k, "--abr") == 0 ? &o->abr
			: strcmp(k, "--vorname") == 0 ? &o->vorname
			: strcmp(k, "--email") == 0 ? &o->email
			: strcmp(k, "--geburtsdatum") == 0 ? &o->geburtsdatum
			: strcmp(k, "--kennung") == 0 ? &o->kennung
			: strcmp(k, "--off") == 0 ? &o->off
			: strcmp(k, "--on") == 0 ? &o->on
			: strcmp(k, "--orgs") == 0 ? &o->orgs
			: strcmp(k, "--users") == 0 ? &o->users
			: strcmp(k, "--messages") == 0 ? &o->messages
			: strcmp(k, "--gruppe") == 0 ? &o->gruppe
			: strcmp(k, "--betreff") == 0 ? &o->betreff
			: strcmp(k, "--text") == 0 ? &o->text
			: strcmp(k, "--seit") == 0 ? &o->seit
			: strcmp(k, "--id") == 0 ? &o->id
			: strcmp(k, "--dir") == 0 ? &o->dir
			: NULL;
		if (!slot)
			return fail("unknown option %s", k);
		*slot = v;
	}
	return 0;
}

static void print_json(cJSON *o)
{
	char *t = cJSON_Print(o);
	puts(t);
	free(t);
	cJSON_Delete(o);
}

static bool digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

/* The organisation with this PNR in our Kasse: its id, 0 if there is none, -1 on a database error. */
static long long org_by_pnr(actor *r, const char *pnr)
{
	db_res *org = db_query(r->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
			       DBARGS(DS(cfg.kasse_nummer), DS(pnr)));
	if (!org)
		return -1;
	return org->nrows ? db_int(org, 0, 0) : 0;
}

/* ---- org add ---- */

struct org_add_ctx {
	struct opts *o;
	unsigned long long id;
	int dup;
};

static int org_add_tx(void *p)
{
	struct org_add_ctx *c = p;
	c->dup = 0;
	if (db_exec("INSERT INTO organisation (kasse, name, bereich, pnr, abr) VALUES (?, ?, ?, ?, ?)",
		    DBARGS(DS(cfg.kasse_nummer), DS(c->o->name), DS(c->o->bereich), DS(c->o->pnr), DS(c->o->abr)), NULL,
		    &c->id) != 0) {
		if (db_last_error() == DB_ERR_DUP) {
			c->dup = 1;
			return 1;
		}
		return DB_TX_FAIL;
	}
	audit_org(cli_req, (long long)c->id, "org_added", c->o->pnr, c->o->name);
	return 0;
}

static int cmd_org_add(struct opts *o)
{
	if (!valid_text(o->name, 200) || !valid_text(o->bereich, 100))
		return fail("--name and --bereich are required (1-200 / 1-100 characters, no control characters)", NULL);
	if (!digits(o->pnr, 1, 20) || !digits(o->abr, 1, 20))
		return fail("--pnr and --abr are required and must be digits", NULL);
	struct org_add_ctx c = {o, 0, 0};
	int rc = db_tx(org_add_tx, &c);
	if (c.dup)
		return fail("an organisation with PNR %s exists already", o->pnr);
	if (rc != 0)
		return fail("database error", NULL);
	if (json_out) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)c.id);
		char line[600];
		snprintf(line, sizeof line, "%s (%s) (PNR: %s, Abr: %s)", o->name, o->bereich, o->pnr, o->abr);
		cJSON_AddStringToObject(j, "mitglied", line);
		print_json(j);
	} else
		printf("Organisation angelegt: %s (%s) (PNR: %s, Abr: %s)\n", o->name, o->bereich, o->pnr, o->abr);
	return 0;
}

/* ---- org restrict ---- */

static const char *const restrictable[] = {"anspruchsberechtigte", "kontaktdaten", "formulare"};

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

struct restrict_ctx {
	const char *pnr;
	unsigned off, on;
	int missing;
};

static int restrict_tx(void *p)
{
	struct restrict_ctx *c = p;
	arena a;
	arena_init(&a);
	db_res *org = db_query(&a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ? FOR UPDATE",
			       DBARGS(DS(cfg.kasse_nummer), DS(c->pnr)));
	int rc = DB_TX_FAIL;
	if (!org)
		goto out;
	if (org->nrows == 0) {
		c->missing = 1;
		rc = 1;
		goto out;
	}
	long long id = db_int(org, 0, 0);
	for (size_t k = 0; k < ARRAY_LEN(restrictable); k++) {
		int val = (c->off >> k) & 1 ? 1 : (c->on >> k) & 1 ? 0 : -1;
		if (val < 0)
			continue;
		static const char *const sql[] = {
			"UPDATE organisation SET aus_anspruchsberechtigte = ? WHERE id = ?",
			"UPDATE organisation SET aus_kontaktdaten = ? WHERE id = ?",
			"UPDATE organisation SET aus_formulare = ? WHERE id = ?",
		};
		if (db_exec(sql[k], DBARGS(DI(val), DI(id)), NULL, NULL) != 0)
			goto out;
	}
	audit_org(cli_req, id, "org_restricted", c->pnr,
		  arena_printf(&a, "ausgeschaltet: %s%s%s; eingeschaltet: %s%s%s", c->off & 1 ? "anspruchsberechtigte " : "",
			       c->off & 2 ? "kontaktdaten " : "", c->off & 4 ? "formulare" : "", c->on & 1 ? "anspruchsberechtigte " : "",
			       c->on & 2 ? "kontaktdaten " : "", c->on & 4 ? "formulare" : ""));
	rc = 0;
out:
	arena_reset(&a);
	return rc;
}

static int cmd_org_restrict(struct opts *o)
{
	struct restrict_ctx c = {o->pnr, 0, 0, 0};
	if (!o->pnr || (!o->off && !o->on))
		return fail("usage: org restrict --pnr P (--off|--on) RIGHT[,RIGHT]", NULL);
	if (rights_mask(o->off, &c.off) != 0 || rights_mask(o->on, &c.on) != 0)
		return fail("rights are anspruchsberechtigte, kontaktdaten, formulare", NULL);
	if (c.off & c.on)
		return fail("a right cannot be switched on and off at once", NULL);
	int rc = db_tx(restrict_tx, &c);
	if (c.missing)
		return fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return fail("database error", NULL);
	arena a;
	arena_init(&a);
	db_res *r = db_query(&a, "SELECT aus_anspruchsberechtigte, aus_kontaktdaten, aus_formulare FROM organisation "
				 "WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(o->pnr)));
	if (!r || r->nrows != 1) {
		arena_reset(&a);
		return fail("database error", NULL);
	}
	cJSON *j = cJSON_CreateObject();
	cJSON *offs = cJSON_AddArrayToObject(j, "ausgeschaltet");
	for (size_t k = 0; k < ARRAY_LEN(restrictable); k++)
		if (db_int(r, 0, k))
			cJSON_AddItemToArray(offs, cJSON_CreateString(restrictable[k]));
	if (json_out)
		print_json(j);
	else {
		printf("Funktionseinschränkungen für PNR %s:", o->pnr);
		int n = 0;
		for (cJSON *it = offs->child; it; it = it->next, n++)
			printf(" %s", it->valuestring);
		puts(n ? " ausgeschaltet" : " keine");
		cJSON_Delete(j);
	}
	arena_reset(&a);
	return 0;
}

/* ---- admin add / update ---- */

struct admin_add_ctx {
	actor *r;
	struct opts *o;
	char kennung[KENNUNG_LEN + 1];
	int missing;
};

static int admin_add_tx(void *p)
{
	struct admin_add_ctx *c = p;
	actor *r = c->r;
	long long org_id = org_by_pnr(r, c->o->pnr);
	if (org_id < 0)
		return DB_TX_FAIL;
	if (org_id == 0) {
		c->missing = 1;
		return 1;
	}
	long long id;
	if (account_insert('X', org_id, c->o->vorname, c->o->name, c->o->email, c->o->geburtsdatum, NULL,
			   c->kennung, &id) != 0)
		return DB_TX_FAIL;
	char token[TOKEN_CHARS + 1], minutes[24];
	if (link_create(id, "aktivierung", token) != 0)
		return DB_TX_FAIL;
	snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"vorname", c->o->vorname}, {"name", c->o->name},
			    {"link", link_url(r->a, "/passwort-setzen", token)}, {"minutes", minutes}};
	if (mail_queue(c->o->email, "passwort-festlegen.txt", slots, ARRAY_LEN(slots)) != 0)
		return DB_TX_FAIL;
	audit_org(cli_req, org_id, "admin_added", c->kennung,
		  arena_printf(r->a, "Name: %s %s; E-Mail: %s", c->o->vorname, c->o->name, c->o->email));
	return 0;
}

static int check_person(struct opts *o, bool all_required)
{
	if ((all_required || o->vorname) && !valid_text(o->vorname, 100))
		return fail("--vorname: 1-100 characters without control characters", NULL);
	if ((all_required || o->name) && !valid_text(o->name, 100))
		return fail("--name: 1-100 characters without control characters", NULL);
	if ((all_required || o->email) && !mail_addr_ok(o->email))
		return fail("--email: not a valid e-mail address", NULL);
	return 0;
}

static int cmd_admin_add(actor *r, struct opts *o)
{
	if (!o->pnr)
		return fail("--pnr is required", NULL);
	if (check_person(o, true))
		return 1;
	char datum[11];
	if (!parse_date(o->geburtsdatum, datum))
		return fail("--geburtsdatum JJJJ-MM-TT is required", NULL);
	o->geburtsdatum = datum;
	struct admin_add_ctx c = {.r = r, .o = o};
	int rc = db_tx(admin_add_tx, &c);
	if (c.missing)
		return fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return fail("database error", NULL);
	if (json_out) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", c.kennung);
		cJSON_AddStringToObject(j, "status", "angelegt");
		cJSON_AddStringToObject(j, "email", o->email);
		print_json(j);
	} else
		printf("Administrator angelegt: %s (%s %s). Die E-Mail „Passwort festlegen“ geht an %s.\n", c.kennung,
		       o->vorname, o->name, o->email);
	return 0;
}

struct admin_update_ctx {
	actor *r;
	struct opts *o;
	int missing;
};

static int admin_update_tx(void *p)
{
	struct admin_update_ctx *c = p;
	actor *r = c->r;
	db_res *acc = db_query(r->a, "SELECT id, org_id, vorname, name, email FROM account WHERE kennung = ? AND rolle = 'X' FOR UPDATE",
			       DBARGS(DS(c->o->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows == 0) {
		c->missing = 1;
		return 1;
	}
	long long id = db_int(acc, 0, 0);
	if (db_exec("UPDATE account SET vorname = COALESCE(?, vorname), name = COALESCE(?, name), "
		    "email = COALESCE(?, email), version = version + 1, updated_at = NOW() WHERE id = ?",
		    DBARGS(DSZ(c->o->vorname), DSZ(c->o->name), DSZ(c->o->email), DI(id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	sbuf d;
	sbuf_init(&d);
	if (c->o->vorname && strcmp(c->o->vorname, db_str(acc, 0, 2)))
		sbuf_printf(&d, "Vorname: %s → %s; ", db_str(acc, 0, 2), c->o->vorname);
	if (c->o->name && strcmp(c->o->name, db_str(acc, 0, 3)))
		sbuf_printf(&d, "Name: %s → %s; ", db_str(acc, 0, 3), c->o->name);
	if (c->o->email && strcmp(c->o->email, db_str(acc, 0, 4)))
		sbuf_printf(&d, "E-Mail: %s → %s; ", db_str(acc, 0, 4), c->o->email);
	audit_org(cli_req, db_int(acc, 0, 1), "admin_updated", c->o->kennung, d.len ? d.data : "keine Änderung");
	sbuf_free(&d);
	return 0;
}

static int cmd_admin_update(actor *r, struct opts *o)
{
	if (!o->kennung)
		return fail("--kennung is required", NULL);
	char *k = arena_strdup(r->a, o->kennung);
	if (!kennung_normalize(k) || k[0] != 'X')
		return fail("--kennung must be an administrator's Nutzerkennung (X…)", NULL);
	o->kennung = k;
	if (!o->vorname && !o->name && !o->email)
		return fail("nothing to change: give --vorname, --name or --email", NULL);
	if (check_person(o, false))
		return 1;
	struct admin_update_ctx c = {r, o, 0};
	int rc = db_tx(admin_update_tx, &c);
	if (c.missing)
		return fail("no administrator %s", k);
	if (rc != 0)
		return fail("database error", NULL);
	if (json_out) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", k);
		cJSON_AddBoolToObject(j, "geaendert", 1);
		print_json(j);
	} else
		printf("Administrator %s geändert.\n", k);
	return 0;
}

/* ---- user find ---- */

static int cmd_user_find(actor *r, struct opts *o)
{
	if (!o->name && !o->email && !o->pnr)
		return fail("give at least one of --name, --email, --pnr", NULL);
	char *name_prefix = o->name ? sql_like_prefix(r->a, o->name) : NULL;
	db_res *res = db_query(r->a,
		"SELECT a.kennung, a.rolle, a.vorname, a.name, a.email, a.status, o.name, o.bereich, o.pnr, o.abr "
		"FROM account a LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE (? IS NULL OR a.name LIKE ? OR a.vorname LIKE ?) AND (? IS NULL OR a.email = ?) "
		"AND (? IS NULL OR o.pnr = ?) ORDER BY a.name, a.vorname LIMIT 200",
		DBARGS(DSZ(name_prefix), DSZ(name_prefix), DSZ(name_prefix), DSZ(o->email), DSZ(o->email), DSZ(o->pnr),
		       DSZ(o->pnr)));
	if (!res)
		return fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->nrows; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "nutzerkennung", db_str(res, i, 0));
		cJSON_AddStringToObject(u, "rolle", db_str(res, i, 1));
		cJSON_AddStringToObject(u, "vorname", db_str(res, i, 2));
		cJSON_AddStringToObject(u, "name", db_str(res, i, 3));
		cJSON_AddStringToObject(u, "email", db_str(res, i, 4));
		cJSON_AddStringToObject(u, "status", db_str(res, i, 5));
		if (db_str(res, i, 6))
			cJSON_AddStringToObject(u, "mitglied",
						arena_printf(r->a, "%s (%s) (PNR: %s, Abr: %s)", db_str(res, i, 6),
							     db_str(res, i, 7), db_str(res, i, 8), db_str(res, i, 9)));
		cJSON_AddItemToArray(arr, u);
		if (!json_out)
			printf("%s  %s %s  <%s>  %s  %s\n", db_str(res, i, 0), db_str(res, i, 2), db_str(res, i, 3),
			       db_str(res, i, 4), db_str(res, i, 5), db_str(res, i, 6) ? db_str(res, i, 6) : "-");
	}
	if (json_out)
		print_json(arr);
	else {
		if (!res->nrows)
			puts("Keine Nutzer gefunden.");
		cJSON_Delete(arr);
	}
	return 0;
}

/* ---- dev seed (load data for benchmarks; dev mode only) ---- */

/* Load data is generated by MariaDB itself (INSERT … SELECT over the SEQUENCE engine's
 * seq_0_to_N): one statement per batch of 10,000 instead of several round trips per row, so
 * 100,000 users take seconds (MariaDB 10.10+ for RANDOM_BYTES). Nutzerkennungen keep their format
 * (role, Kasse, 12 of [0-9A-Z], from RANDOM_BYTES); names and groups use RAND(), good enough for
 * generated data. */
enum { GEN_BATCH = 10000 };

struct gen_ctx {
	actor *r;
	long long org_id, from, count;
	const char *pnr;
	unsigned long long added;
};

static int gen_tx(void *p)
{
	struct gen_ctx *c = p;
	db_res *mx = db_query(c->r->a, "SELECT COALESCE(MAX(id), 0) FROM account", DBNOARGS);
	if (!mx)
		return DB_TX_FAIL;
	long long before = db_int(mx, 0, 0);
	/* the Nutzerkennung's twelve characters: 64 random bits in base 36, the last twelve digits */
	if (db_exec("INSERT INTO account (kennung, rolle, org_id, vorname, name, email, status, history_salt, history_ops, "
		    "history_mem_kib) "
		    "SELECT CONCAT('S', ?, '-', RIGHT(LPAD(CONV(HEX(RANDOM_BYTES(8)), 16, 36), 12, '0'), 12)), 'S', ?, "
		    "ELT(1 + FLOOR(RAND() * 16), 'Anna', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hans', 'Ida', "
		    "'Jonas', 'Karla', 'Lukas', 'Mia', 'Noah', 'Olga', 'Paul'), "
		    "CONCAT('Last', LPAD(FLOOR(RAND() * 1000000), 6, '0')), CONCAT('u', seq, '.', ?, '@last.example'), "
		    "IF(seq % 3 = 0, 'aktiv', 'angelegt'), RANDOM_BYTES(16), ?, ? "
		    "FROM seq_0_to_999999 WHERE seq >= ? AND seq < ?",
		    DBARGS(DS(cfg.kasse_nummer), DI(c->org_id), DS(c->pnr), DI(cfg.argon_ops), DI(cfg.argon_mem_kib),
			   DI(c->from), DI(c->from + c->count)),
		    &c->added, NULL) != 0)
		return DB_TX_FAIL;
	/* groups: one fixed by the id, each other one with probability 1/2 (never none) */
	if (db_exec("INSERT INTO account_gruppe (account_id, typ) SELECT a.id, g.seq FROM account a JOIN seq_0_to_5 g "
		    "WHERE a.org_id = ? AND a.rolle = 'S' AND a.id > ? AND (g.seq = a.id % 6 OR RAND() < 0.5)",
		    DBARGS(DI(c->org_id), DI(before)), NULL, NULL) != 0 ||
	    db_exec("UPDATE organisation SET sb_anzahl = sb_anzahl + ? WHERE id = ?", DBARGS(DI(c->added), DI(c->org_id)),
		    NULL, NULL) != 0)
		return DB_TX_FAIL;
	return 0;
}

struct genmsg_ctx {
	long long org_id, from, count;
};

static int genmsg_tx(void *p)
{
	struct genmsg_ctx *c = p;
	return db_exec("INSERT INTO nachricht (org_id, gruppe, ordner, absender, betreff, text, erstellt) "
		       "SELECT ?, 0, 'eingang', 'Kommunale Versorgungskassen Westfalen-Lippe', CONCAT('Mitteilung Nr. ', seq + 1), "
		       "'Generierte Nachricht für Lasttests.', NOW() FROM seq_0_to_9999999 WHERE seq >= ? AND seq < ?",
		       DBARGS(DI(c->org_id), DI(c->from), DI(c->from + c->count)), NULL, NULL) == 0
		       ? 0
		       : DB_TX_FAIL;
}

static int cmd_dev_seed(actor *r, struct opts *o)
{
	if (!cfg.dev_mode)
		return fail("dev seed only runs with dev_mode = 1 (MV_DEV_MODE=1): it is for benchmarks, never production", NULL);
	long long orgs, users, messages = 0;
	if (!o->orgs || !o->users || parse_int(o->orgs, 1, 10000, &orgs) != 0 || parse_int(o->users, 0, 1000000, &users) != 0 ||
	    (o->messages && parse_int(o->messages, 0, 10000000, &messages) != 0))
		return fail("usage: dev seed --orgs N --users M [--messages K] [--pnr FIRST_PNR]", NULL);
	long long base = 900000;
	if (o->pnr && parse_int(o->pnr, 1, 99999999, &base) != 0)
		return fail("--pnr must be a number", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (long long k = 0; k < orgs; k++) {
		char pnr[24], abr[24], name[64];
		snprintf(pnr, sizeof pnr, "%lld", base + k);
		snprintf(abr, sizeof abr, "%lld", base + 500000 + k);
		snprintf(name, sizeof name, "Lastgemeinde %lld", base + k);
		struct opts oo = {.name = name, .bereich = "Beamtenversorgung", .pnr = pnr, .abr = abr};
		struct org_add_ctx oc = {&oo, 0, 0};
		if (db_tx(org_add_tx, &oc) != 0)
			return fail("cannot create organisation %s (exists already?)", pnr);
		for (long long from = 0; from < users; from += GEN_BATCH) {
			struct gen_ctx g = {r, (long long)oc.id, from, users - from < GEN_BATCH ? users - from : GEN_BATCH, pnr, 0};
			if (db_tx(gen_tx, &g) != 0)
				return fail("database error while generating users", NULL);
			arena_reset(r->a);
		}
		for (long long from = 0; from < messages; from += GEN_BATCH) {
			struct genmsg_ctx g = {(long long)oc.id, from, messages - from < GEN_BATCH ? messages - from : GEN_BATCH};
			if (db_tx(genmsg_tx, &g) != 0)
				return fail("database error while generating messages", NULL);
		}
		cJSON_AddItemToArray(arr, cJSON_CreateString(pnr));
	}
	if (json_out)
		print_json(arr);
	else {
		printf("%lld Organisationen mit je %lld Sachbearbeitern angelegt.\n", orgs, users);
		cJSON_Delete(arr);
	}
	return 0;
}

/* ---- messages from and to the Kasse ---- */

static char *read_file(actor *r, const char *path, size_t *len, const char **err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = strerror(errno);
		return NULL;
	}
	sbuf b;
	sbuf_init(&b);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		sbuf_add(&b, chunk, n);
		if ((long long)b.len > cfg.upload_max_bytes)
			break;
	}
	fclose(f);
	*len = b.len;
	char *out = arena_alloc(r->a, b.len + 1);
	if (b.len)
		memcpy(out, b.data, b.len);
	sbuf_free(&b);
	return out;
}

static int cmd_message_send(actor *r, struct opts *o)
{
	if (!o->pnr || !o->betreff || !o->text || (!o->gruppe == !o->kennung))
		return fail("usage: message send --pnr P (--gruppe SLUG | --kennung K) --betreff B --text T [--anhang FILE]…", NULL);
	if (!valid_text(o->betreff, 255))
		return fail("--betreff: 1-255 characters without control characters", NULL);
	if (!*o->text || !utf8_valid(o->text, strlen(o->text)) || utf8_count(o->text, strlen(o->text)) > 20000)
		return fail("--text: 1-20000 characters of UTF-8", NULL);
	long long org_id = org_by_pnr(r, o->pnr);
	if (org_id < 0)
		return fail("database error", NULL);
	if (org_id == 0)
		return fail("no organisation with PNR %s", o->pnr);
	struct {
		struct message_new m;
		long long id;
	} c;
	c.m = (struct message_new){.org_id = org_id, .gruppe = -1, .ordner = "eingang",
				   .absender = "Kommunale Versorgungskassen Westfalen-Lippe", .betreff = o->betreff,
				   .text = o->text};
	if (o->gruppe) {
		c.m.gruppe = gruppe_parse(o->gruppe);
		if (c.m.gruppe < 0)
			return fail("unknown group %s (beihilfe, beamtenversorgung, finanzierung, mitglieder-recht, "
				    "geschaeftsleitung, administration)", o->gruppe);
	} else {
		char *k = arena_strdup(r->a, o->kennung);
		db_res *acc = kennung_normalize(k) ?
			db_query(r->a, "SELECT id FROM account WHERE kennung = ? AND org_id = ? AND rolle = 'S'",
				 DBARGS(DS(k), DI(org_id))) : NULL;
		if (!acc || acc->nrows == 0)
			return fail("no Sachbearbeiter %s in this organisation", o->kennung);
		c.m.konto_id = db_int(acc, 0, 0);
	}
	if (o->nanhang > cfg.upload_max_files)
		return fail("too many attachments", NULL);
	upload files[16];
	for (int i = 0; i < o->nanhang; i++) {
		size_t len = 0;
		const char *err = NULL;
		char *data = read_file(r, o->anhang[i], &len, &err);
		if (!data)
			return fail("cannot read attachment: %s", err);
		files[i] = (upload){"anhang", upload_filename(r->a, o->anhang[i], strlen(o->anhang[i])), data, len};
		const char *why = upload_check(r->a, &files[i]);
		if (why)
			return fail("%s", why);
	}
	c.m.files = files;
	c.m.nfiles = (size_t)o->nanhang;
	if (message_store_tx(r->a, &c.m, &c.id) != 0)
		return fail("database error", NULL);
	audit_org(cli_req, org_id, "message_from_kasse", o->gruppe ? o->gruppe : o->kennung,
		  arena_printf(r->a, "Nachricht %lld, %d Dokument(e)", c.id, o->nanhang));
	if (json_out) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)c.id);
		print_json(j);
	} else
		printf("Nachricht %lld zugestellt.\n", c.id);
	return 0;
}

static int cmd_message_list(actor *r, struct opts *o)
{
	if (!o->pnr)
		return fail("--pnr is required", NULL);
	char datum[11] = "1900-01-01";
	if (o->seit && !parse_date(o->seit, datum))
		return fail("--seit JJJJ-MM-TT or TT.MM.JJJJ", NULL);
	long long org_id = org_by_pnr(r, o->pnr);
	if (org_id < 0)
		return fail("database error", NULL);
	if (org_id == 0)
		return fail("no organisation with PNR %s", o->pnr);
	db_res *res = db_query(r->a,
		"SELECT n.id, DATE_FORMAT(n.erstellt, '%Y-%m-%dT%H:%i:%sZ'), n.ordner, COALESCE(n.gruppe, -1), "
		"COALESCE(a.kennung, ''), n.absender, n.betreff, n.anhaenge FROM nachricht n "
		"JOIN organisation o ON o.id = n.org_id LEFT JOIN account a ON a.id = n.konto_id "
		"WHERE o.kasse = ? AND o.pnr = ? AND n.erstellt >= ? ORDER BY n.id LIMIT 10000",
		DBARGS(DS(cfg.kasse_nummer), DS(o->pnr), DS(datum)));
	if (!res)
		return fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->nrows; i++) {
		long long g = db_int(res, i, 3);
		const char *box = g >= 0 && g < GRUPPE__MAX ? gruppe_slug[g] : db_str(res, i, 4);
		const char *dir = strcmp(db_str(res, i, 2), "eingang") == 0 ? "an_mitglied" : "an_kasse";
		if (json_out) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddNumberToObject(m, "id", (double)db_int(res, i, 0));
			cJSON_AddStringToObject(m, "zeit", db_str(res, i, 1));
			cJSON_AddStringToObject(m, "richtung", dir);
			cJSON_AddStringToObject(m, "postfach", box);
			cJSON_AddStringToObject(m, "absender", db_str(res, i, 5));
			cJSON_AddStringToObject(m, "betreff", db_str(res, i, 6));
			cJSON_AddNumberToObject(m, "anhaenge", (double)db_int(res, i, 7));
			cJSON_AddItemToArray(arr, m);
		} else
			printf("%lld  %s  %-11s  %-17s  %s: %s (%lld Dokumente)\n", db_int(res, i, 0), db_str(res, i, 1), dir, box,
			       db_str(res, i, 5), db_str(res, i, 6), db_int(res, i, 7));
	}
	if (json_out)
		print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

/* Writes one file inside dir without following links or overwriting. */
static int write_new_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

static int cmd_message_export(actor *r, struct opts *o)
{
	long long id;
	if (!o->id || parse_int(o->id, 1, 1LL << 62, &id) != 0 || !o->dir)
		return fail("usage: message export --id N --dir D", NULL);
	db_res *m = db_query(r->a,
		"SELECT n.id, DATE_FORMAT(n.erstellt, '%Y-%m-%dT%H:%i:%sZ'), n.absender, n.betreff, n.text, o.pnr, "
		"COALESCE(n.gruppe, -1), n.ordner, COALESCE(a.kennung, '') FROM nachricht n "
		"JOIN organisation o ON o.id = n.org_id LEFT JOIN account a ON a.id = n.konto_id WHERE n.id = ?",
		DBARGS(DI(id)));
	if (!m)
		return fail("database error", NULL);
	if (m->nrows == 0)
		return fail("no message %s", o->id);
	if (mkdir(o->dir, 0750) != 0 && errno != EEXIST)
		return fail("cannot create the directory: %s", strerror(errno));
	db_res *att = db_query(r->a, "SELECT id, dateiname, daten FROM anhang WHERE nachricht_id = ? ORDER BY id", DBARGS(DI(id)));
	if (!att)
		return fail("database error", NULL);
	long long g = db_int(m, 0, 6);
	char *txt = arena_printf(r->a, "Nachricht: %lld\nZeit: %s\nMitglied (PNR): %s\nPostfach: %s\nRichtung: %s\n"
				       "Absender: %s\nBetreff: %s\n\n%s\n",
				 id, db_str(m, 0, 1), db_str(m, 0, 5),
				 g >= 0 && g < GRUPPE__MAX ? gruppe_name[g] : arena_printf(r->a, "persönlich (%s)", db_str(m, 0, 8)),
				 strcmp(db_str(m, 0, 7), "eingang") == 0 ? "Kasse an Mitglied" : "Mitglied an Kasse",
				 db_str(m, 0, 2), db_str(m, 0, 3), db_str(m, 0, 4));
	char name[64];
	snprintf(name, sizeof name, "nachricht-%lld.txt", id);
	if (write_new_file(o->dir, name, txt, strlen(txt)) != 0)
		return fail("cannot write %s (exists already?)", name);
	cJSON *files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, cJSON_CreateString(name));
	for (size_t i = 0; i < att->nrows; i++) {
		/* the stored name is already sanitised; prefix the id so two equal names never collide */
		char *fname = arena_printf(r->a, "%lld-%lld-%s", id, db_int(att, i, 0), db_str(att, i, 1));
		const db_cell *d = db_get(att, i, 2);
		if (write_new_file(o->dir, fname, d->s, d->len) != 0) {
			cJSON_Delete(files);
			return fail("cannot write %s (exists already?)", fname);
		}
		cJSON_AddItemToArray(files, cJSON_CreateString(fname));
	}
	if (json_out) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "dateien", files);
		print_json(j);
	} else {
		for (cJSON *it = files->child; it; it = it->next)
			printf("%s/%s\n", o->dir, it->valuestring);
		cJSON_Delete(files);
	}
	return 0;
}

/* ---- feedback and support requests ---- */

static int cmd_feedback_list(actor *r, struct opts *o)
{
	char datum[11] = "1900-01-01";
	if (o->seit && !parse_date(o->seit, datum))
		return fail("--seit JJJJ-MM-TT or TT.MM.JJJJ", NULL);
	db_res *res = db_query(r->a,
		"SELECT f.id, DATE_FORMAT(f.erstellt, '%Y-%m-%dT%H:%i:%sZ'), f.art, f.betreff, f.nachricht, "
		"COALESCE(f.rueckruf, ''), COALESCE(a.kennung, ''), COALESCE(o.pnr, '') FROM rueckmeldung f "
		"LEFT JOIN account a ON a.id = f.konto_id LEFT JOIN organisation o ON o.id = f.org_id "
		"WHERE f.erstellt >= ? ORDER BY f.id LIMIT 10000",
		DBARGS(DS(datum)));
	if (!res)
		return fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->nrows; i++) {
		if (json_out) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddNumberToObject(e, "id", (double)db_int(res, i, 0));
			cJSON_AddStringToObject(e, "zeit", db_str(res, i, 1));
			cJSON_AddStringToObject(e, "art", db_str(res, i, 2));
			cJSON_AddStringToObject(e, "betreff", db_str(res, i, 3));
			cJSON_AddStringToObject(e, "nachricht", db_str(res, i, 4));
			cJSON_AddStringToObject(e, "rueckruf", db_str(res, i, 5));
			cJSON_AddStringToObject(e, "nutzerkennung", db_str(res, i, 6));
			cJSON_AddStringToObject(e, "pnr", db_str(res, i, 7));
			cJSON_AddItemToArray(arr, e);
		} else
			printf("%lld  %s  %-8s  %-17s  %s%s%s\n", db_int(res, i, 0), db_str(res, i, 1), db_str(res, i, 2),
			       *db_str(res, i, 6) ? db_str(res, i, 6) : "(anonym)", db_str(res, i, 3),
			       *db_str(res, i, 5) ? "  Rückruf: " : "", db_str(res, i, 5));
	}
	if (json_out)
		print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

/* ---- audit ---- */

static int cmd_audit(actor *r, struct opts *o)
{
	if (!o->pnr)
		return fail("--pnr is required", NULL);
	long long org_id = org_by_pnr(r, o->pnr);
	if (org_id < 0)
		return fail("database error", NULL);
	if (org_id == 0)
		return fail("no organisation with PNR %s", o->pnr);
	audit_entry *e;
	long long n = audit_list(r->a, org_id, AUDIT_ALL, o->kennung, 10000, 0, &e);
	if (n < 0)
		return fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (long long i = 0; i < n; i++) {
		if (json_out)
			cJSON_AddItemToArray(arr, audit_entry_json(&e[i], "zeit"));
		else
			printf("%s  %-17s  %-40s  %-17s  %s\n", e[i].zeit, e[i].wer, audit_event_label(e[i].ereignis),
			       e[i].betroffen, e[i].aenderung);
	}
	if (json_out)
		print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

static void usage(void)
{
	fputs("usage: mvctl [--json] org add --name N --bereich B --pnr P --abr A\n"
	      "       mvctl org restrict --pnr P (--off|--on) RIGHT[,RIGHT]\n"
	      "       mvctl admin add --pnr P --vorname V --name N --email E --geburtsdatum JJJJ-MM-TT\n"
	      "       mvctl admin update --kennung K [--vorname V] [--name N] [--email E]\n"
	      "       mvctl user find [--name N] [--email E] [--pnr P]\n"
	      "       mvctl audit --pnr P [--kennung K]\n"
	      "       mvctl message send --pnr P (--gruppe SLUG | --kennung K) --betreff B --text T [--anhang FILE]…\n"
	      "       mvctl message list --pnr P [--seit DATUM]\n"
	      "       mvctl message export --id N --dir D\n"
	      "       mvctl feedback list [--seit DATUM]\n"
	      "       mvctl dev seed --orgs N --users M [--messages K] [--pnr FIRST]   (dev_mode only: benchmark data)\n",
	      stderr);
}

int cli_main(int argc, char **argv)
{
	log_set_level(LOG_WARN);
	/* --json may come first */
	while (argc > 0 && strcmp(argv[0], "--json") == 0) {
		json_out = true;
		argc--;
		argv++;
	}
	if (argc < 1) {
		usage();
		return 2;
	}
	/* "audit" has no verb */
	int skip = argc >= 1 && strcmp(argv[0], "audit") == 0 ? 1 : 2;
	if (argc < skip) {
		usage();
		return 2;
	}
	struct opts o;
	if (parse_opts(argc - skip, argv + skip, &o) != 0)
		return 2;
	if (db_connect() != 0)
		return fail("cannot connect to the database (see the configuration)", NULL);
	arena a;
	arena_init(&a);
	actor r = {.a = &a, .kennung = "mvctl"};
	struct passwd *pw = getpwuid(getuid());
	r.remote = arena_printf(&a, "mvctl (Benutzer %s)", pw ? pw->pw_name : "?");
	cli_req = &r;
	int rc;
	const char *noun = argv[0], *verb = skip == 2 ? argv[1] : "";
	if (strcmp(noun, "audit") == 0)
		rc = cmd_audit(&r, &o);
	else if (strcmp(noun, "message") == 0 && strcmp(verb, "send") == 0)
		rc = cmd_message_send(&r, &o);
	else if (strcmp(noun, "message") == 0 && strcmp(verb, "list") == 0)
		rc = cmd_message_list(&r, &o);
	else if (strcmp(noun, "message") == 0 && strcmp(verb, "export") == 0)
		rc = cmd_message_export(&r, &o);
	else if (strcmp(noun, "feedback") == 0 && strcmp(verb, "list") == 0)
		rc = cmd_feedback_list(&r, &o);
	else if (strcmp(noun, "dev") == 0 && strcmp(verb, "seed") == 0)
		rc = cmd_dev_seed(&r, &o);
	else if (strcmp(noun, "org") == 0 && strcmp(verb, "add") == 0)
		rc = cmd_org_add(&o);
	else if (strcmp(noun, "org") == 0 && strcmp(verb, "restrict") == 0)
		rc = cmd_org_restrict(&o);
	else if (strcmp(noun, "admin") == 0 && strcmp(verb, "add") == 0)
		rc = cmd_admin_add(&r, &o);
	else if (strcmp(noun, "admin") == 0 && strcmp(verb, "update") == 0)
		rc = cmd_admin_update(&r, &o);
	else if (strcmp(noun, "user") == 0 && strcmp(verb, "find") == 0)
		rc = cmd_user_find(&r, &o);
	else {
		usage();
		rc = 2;
	}
	arena_reset(&a);
	return rc;
}
