/* orgs.c — the portal administrators' functions of the Kasse, one implementation for `mvctl`
 * (cli_org.c, cli_user.c) and the /kasse/ pages (page_kasse_orgs.c, page_kasse_admin.c): the same
 * checks, transactions, mails and audit rows whoever acts. */
#include "orgs.h"
#include "access.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include <string.h>

/* ---- organisations ---- */

const char *org_line(arena *a, const char *name, const char *bereich, const char *pnr, const char *abr)
{
	return arena_printf(a, "%s (%s) (PNR: %s, Abr: %s)", name, bereich, pnr, abr);
}

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
		return db_last_error() == DB_ERR_DUP ? ORGS_EXISTS : DB_TX_FAIL;
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

int org_find(arena *a, const char *pnr, org_info *out)
{
	enum { ID, NAME, BEREICH, PNR, ABR, AUS };
	db_res *r = db_query(a, "SELECT id, name, bereich, pnr, abr, aus_anspruchsberechtigte, aus_kontaktdaten, "
				"aus_formulare FROM organisation WHERE kasse = ? AND pnr = ?",
			     DBARGS(DS(cfg.kasse_nummer), DS(pnr ? pnr : "")));
	if (!r)
		return -1;
	if (r->nrows == 0)
		return 0;
	*out = (org_info){db_int(r, 0, ID), db_str(r, 0, NAME), db_str(r, 0, BEREICH), db_str(r, 0, PNR),
			  db_str(r, 0, ABR), 0};
	for (int k = 0; k < RECHT__MAX; k++)
		if (db_int(r, 0, AUS + (size_t)k))
			out->switched_off |= 1u << k;
	return 1;
}

const char *org_rights_words(arena *a, unsigned mask)
{
	const char *words = "";
	for (int k = 0; k < RECHT__MAX; k++)
		if ((mask >> k) & 1)
			words = arena_printf(a, "%s%s%s", words, recht_key[k], k + 1 < RECHT__MAX ? " " : "");
	return words;
}

struct restrict_ctx {
	actor *who;
	const char *pnr;
	unsigned off, on;
};

static int restrict_tx(void *p)
{
	static const char *const set_sql[RECHT__MAX] = {
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
		return ORGS_NOT_FOUND;
	long long id = db_int(org, 0, 0);
	for (int k = 0; k < RECHT__MAX; k++) {
		bool off = (c->off >> k) & 1, on = (c->on >> k) & 1;
		if ((off || on) && db_exec(set_sql[k], DBARGS(DI(off), DI(id)), NULL, NULL) != 0)
			return DB_TX_FAIL;
	}
	arena *a = c->who->a;
	audit_org(c->who, id, "org_restricted", c->pnr,
		  arena_printf(a, "ausgeschaltet: %s; eingeschaltet: %s", org_rights_words(a, c->off),
			       org_rights_words(a, c->on)));
	return 0;
}

int org_restrict(actor *who, const char *pnr, unsigned off, unsigned on)
{
	struct restrict_ctx c = {who, pnr, off, on};
	return db_tx(restrict_tx, &c);
}

/* ---- administrators ---- */

struct admin_add_ctx {
	actor *who;
	const char *pnr;
	const struct person_new *p;
	char *kennung;
};

static int admin_add_tx(void *v)
{
	struct admin_add_ctx *c = v;
	const struct person_new *p = c->p;
	org_info org;
	int found = org_find(c->who->a, c->pnr, &org);
	if (found < 0)
		return DB_TX_FAIL;
	if (found == 0)
		return ORGS_NOT_FOUND;
	long long id;
	if (account_insert(ACCOUNT_X, org.id, p->vorname, p->name, p->email, p->geburtsdatum, NULL, c->kennung, &id) != 0)
		return db_last_error() == DB_ERR_DUP ? ORGS_EXISTS : DB_TX_FAIL;
	if (setpw_mail_queue(c->who->a, id, p->vorname, p->name, p->email) != 0)
		return DB_TX_FAIL;
	audit_org(c->who, org.id, "admin_added", c->kennung,
		  arena_printf(c->who->a, "Name: %s %s; E-Mail: %s", p->vorname, p->name, p->email));
	return 0;
}

int admin_add(actor *who, const char *pnr, const struct person_new *p, char kennung_out[KENNUNG_LEN + 1])
{
	struct admin_add_ctx c = {who, pnr, p, kennung_out};
	kennung_out[0] = '\0';
	return db_tx(admin_add_tx, &c);
}

void change_note(sbuf *d, const char *label, const char *old_value, const char *new_value)
{
	if (new_value && strcmp(new_value, old_value))
		sbuf_printf(d, "%s: %s → %s; ", label, old_value, new_value);
}

struct admin_update_ctx {
	actor *who;
	const char *kennung, *vorname, *name, *email;
};

enum { AU_ID, AU_ORG_ID, AU_VORNAME, AU_NAME, AU_EMAIL };

/* A changed address: the old one hears of it, links mailed there die (issue 11). 0 or DB_TX_FAIL. */
static int admin_email_changed(struct admin_update_ctx *c, const db_res *acc)
{
	const char *old = db_str(acc, 0, AU_EMAIL);
	if (!c->email || strcmp(c->email, old) == 0)
		return 0;
	email_change ch = {db_int(acc, 0, AU_ID), db_int(acc, 0, AU_ORG_ID), c->kennung, db_str(acc, 0, AU_VORNAME),
			   db_str(acc, 0, AU_NAME), old, c->email, "die Portal-Administratoren der Kassen"};
	return email_change_notify(c->who, &ch) < 0 ? DB_TX_FAIL : 0;
}

static int admin_update_tx(void *p)
{
	struct admin_update_ctx *c = p;
	db_res *acc = db_query(c->who->a, "SELECT id, org_id, vorname, name, email FROM account WHERE kennung = ? AND "
					  "rolle = 'X' FOR UPDATE",
			       DBARGS(DS(c->kennung)));
	if (!acc)
		return DB_TX_FAIL;
	if (acc->nrows == 0)
		return ORGS_NOT_FOUND;
	if (db_exec("UPDATE account SET vorname = COALESCE(?, vorname), name = COALESCE(?, name), "
		    "email = COALESCE(?, email), version = version + 1, updated_at = NOW() WHERE id = ?",
		    DBARGS(DSZ(c->vorname), DSZ(c->name), DSZ(c->email), DI(db_int(acc, 0, AU_ID))), NULL, NULL) != 0)
		return db_last_error() == DB_ERR_DUP ? ORGS_EXISTS : DB_TX_FAIL;
	if (account_keys_store(c->who->a, db_int(acc, 0, AU_ID), 0, c->kennung,
			       c->vorname ? c->vorname : db_str(acc, 0, AU_VORNAME), c->name ? c->name : db_str(acc, 0, AU_NAME)) != 0)
		return DB_TX_FAIL;
	sbuf d;
	sbuf_init(&d);
	change_note(&d, "Vorname", db_str(acc, 0, AU_VORNAME), c->vorname);
	change_note(&d, "Name", db_str(acc, 0, AU_NAME), c->name);
	change_note(&d, "E-Mail", db_str(acc, 0, AU_EMAIL), c->email);
	audit_org(c->who, db_int(acc, 0, AU_ORG_ID), "admin_updated", c->kennung, d.len ? d.data : "keine Änderung");
	sbuf_free(&d);
	return admin_email_changed(c, acc);
}

int admin_update(actor *who, const char *kennung, const char *vorname, const char *name, const char *email)
{
	struct admin_update_ctx c = {who, kennung, vorname, name, email};
	return db_tx(admin_update_tx, &c);
}

/* ---- the Nutzerkennung look-up ---- */

cJSON *user_hit_json(const user_hit *h)
{
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "nutzerkennung", h->kennung);
	cJSON_AddStringToObject(u, "rolle", h->rolle);
	cJSON_AddStringToObject(u, "vorname", h->vorname);
	cJSON_AddStringToObject(u, "name", h->name);
	cJSON_AddStringToObject(u, "email", h->email);
	cJSON_AddStringToObject(u, "status", h->status);
	if (h->mitglied)
		cJSON_AddStringToObject(u, "mitglied", h->mitglied);
	return u;
}

long long user_find(arena *a, const char *name, const char *email, const char *pnr, long long limit, user_hit **out)
{
	enum { KENNUNG, ROLLE, VORNAME, NAME, EMAIL, STATUS, ORG_NAME, BEREICH, PNR, ABR };
	char *prefix = name ? sql_like_prefix(a, name) : NULL;
	db_res *res = db_query(a,
		"SELECT a.kennung, a.rolle, a.vorname, a.name, a.email, a.status, o.name, o.bereich, o.pnr, o.abr "
		"FROM account a LEFT JOIN organisation o ON o.id = a.org_id "
		"WHERE (? IS NULL OR a.name LIKE ? OR a.vorname LIKE ?) AND (? IS NULL OR a.email = ?) "
		"AND (? IS NULL OR o.pnr = ?) ORDER BY a.name, a.vorname LIMIT ?",
		DBARGS(DSZ(prefix), DSZ(prefix), DSZ(prefix), DSZ(email), DSZ(email), DSZ(pnr), DSZ(pnr), DI(limit)));
	if (!res)
		return -1;
	user_hit *h = arena_alloc(a, (res->nrows + 1) * sizeof *h);
	for (size_t i = 0; i < res->nrows; i++) {
		h[i] = (user_hit){db_str(res, i, KENNUNG), db_str(res, i, ROLLE), db_str(res, i, VORNAME),
				  db_str(res, i, NAME), db_str(res, i, EMAIL), db_str(res, i, STATUS), db_str(res, i, ORG_NAME),
				  NULL};
		if (db_str(res, i, ORG_NAME))
			h[i].mitglied = org_line(a, db_str(res, i, ORG_NAME), db_str(res, i, BEREICH), db_str(res, i, PNR),
						 db_str(res, i, ABR));
	}
	*out = h;
	return (long long)res->nrows;
}

/* ---- the logs of all organisations ---- */

/* The period's bounds for the statements: from the first day's start to the last day's end. */
static void period(const audit_filter *f, const char **von, const char **bis)
{
	*von = f->von ? f->von : "1000-01-01";
	*bis = f->bis ? f->bis : "9999-12-30";
}

long long audit_search(arena *a, const audit_filter *f, long long limit, audit_row **out)
{
	enum { ID, ZEIT, WER, EVENT, TARGET, DETAIL, AT, PNR };
	const char *von, *bis, *k = f->kennung ? f->kennung : "", *ev = f->event ? f->event : "";
	period(f, &von, &bis);
	db_res *res = db_query(a,
		"SELECT l.id, DATE_FORMAT(l.at, '%Y-%m-%dT%H:%i:%sZ'), COALESCE(l.actor, ''), l.event, "
		"COALESCE(l.target, ''), COALESCE(l.detail, ''), l.at, o.pnr FROM audit_log l "
		"LEFT JOIN organisation o ON o.id = l.org_id "
		"WHERE (? = 0 OR l.org_id = ?) AND (? = '' OR l.actor = ? OR l.target = ?) AND (? = '' OR l.event = ?) "
		"AND l.at >= ? AND l.at < DATE_ADD(?, INTERVAL 1 DAY) AND (? = 0 OR l.id < ?) "
		"ORDER BY l.id DESC LIMIT ?",
		DBARGS(DI(f->org_id), DI(f->org_id), DS(k), DS(k), DS(k), DS(ev), DS(ev), DS(von), DS(bis),
		       DI(f->before_id), DI(f->before_id), DI(limit)));
	if (!res)
		return -1;
	audit_row *rows = arena_alloc(a, (res->nrows + 1) * sizeof *rows);
	for (size_t i = 0; i < res->nrows; i++) {
		const char *event = db_str(res, i, EVENT);
		rows[i] = (audit_row){db_int(res, i, ID), db_str(res, i, AT), db_str(res, i, PNR),
				      {db_str(res, i, ZEIT), db_str(res, i, WER), event, db_str(res, i, TARGET),
				       audit_detail_shown(a, event, db_str(res, i, DETAIL)), db_str(res, i, AT)}};
	}
	*out = rows;
	return (long long)res->nrows;
}

long long zugriff_search(arena *a, const audit_filter *f, long long limit, zugriff_row **out)
{
	enum { ID, AT, PNR, WER, WER_NAME, NR, AKTION, AZ };
	const char *von, *bis, *k = f->kennung ? f->kennung : "", *ev = f->event ? f->event : "";
	period(f, &von, &bis);
	db_res *res = db_query(a,
		"SELECT z.id, z.at, o.pnr, z.wer, z.wer_name, z.person_nr, z.aktion, z.aktenzeichen FROM ab_zugriff z "
		"LEFT JOIN organisation o ON o.id = z.org_id "
		"WHERE (? = 0 OR z.org_id = ?) AND (? = '' OR z.wer = ?) AND (? = '' OR z.aktion = ?) "
		"AND z.at >= ? AND z.at < DATE_ADD(?, INTERVAL 1 DAY) AND (? = 0 OR z.id < ?) "
		"ORDER BY z.id DESC LIMIT ?",
		DBARGS(DI(f->org_id), DI(f->org_id), DS(k), DS(k), DS(ev), DS(ev), DS(von), DS(bis), DI(f->before_id),
		       DI(f->before_id), DI(limit)));
	if (!res)
		return -1;
	zugriff_row *rows = arena_alloc(a, (res->nrows + 1) * sizeof *rows);
	for (size_t i = 0; i < res->nrows; i++)
		rows[i] = (zugriff_row){db_int(res, i, ID), db_str(res, i, AT), db_str(res, i, PNR), db_str(res, i, WER),
					db_str(res, i, WER_NAME), db_str(res, i, NR), db_str(res, i, AKTION),
					db_str(res, i, AZ)};
	*out = rows;
	return (long long)res->nrows;
}
