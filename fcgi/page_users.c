/* page_users.c — handbook §3–§5 and §1.7: an administrator's Sachbearbeiter of their own
 * organisation: create, details, edit (with conflict detection), lock/unlock and the "E-Mail für
 * neues Passwort" resend. The overview and the change log are in page_users_list.c.
 * Every lookup is scoped to the administrator's organisation: another organisation's
 * Nutzerkennung answers exactly like one that does not exist (404).
 * Each page in the one shape (page_groups.c): field table in, view struct out, HTML or JSON. */
#include "pages.h"
#include "access.h"
#include "audit.h"
#include "form.h"
#include "layout.h"
#include "response.h"
#include "session.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char not_found_msg[] = "Der Sachbearbeiter wurde nicht gefunden.";
static const char conflict_msg[] =
	"Die Daten dieses Sachbearbeiters wurden in der Zwischenzeit von einer anderen Person geändert. Ihre "
	"Änderungen wurden nicht gespeichert. Bitte prüfen Sie die aktuellen Daten und bearbeiten Sie sie erneut.";
#define DUP_EMAIL_MSG "Diese E-Mail-Adresse ist bereits einem anderen Sachbearbeiter Ihrer Organisation zugeordnet."

#define ALL_GRUPPEN ((1u << GRUPPE__MAX) - 1)
#define HOLDS(mask, bit) (((mask) >> (bit)) & 1u) /* 0 or 1, for the flag columns */

/* ---------- a Sachbearbeiter as stored ---------- */

typedef struct sb {
	long long id, version;
	const char *kennung, *vorname, *name, *email, *status;
	unsigned gruppen, rechte;  /* bit g: member of group g; bit k: holds right k */
	const char *locked_until; /* "28.11.2026, 21:15 Uhr" (German time) while self-locked, else NULL */
} sb;

enum sb_lookup { SB_FOUND, SB_NONE, SB_DB_ERROR };

/* The rights mask of RECHT__MAX flag columns from first on, in the order of enum recht. */
static unsigned rights_from_row(const db_res *res, size_t row, size_t first)
{
	unsigned m = 0;
	for (size_t k = 0; k < RECHT__MAX; k++)
		if (db_int(res, row, first + k))
			m |= 1u << k;
	return m;
}

/* The rights the organisation has switched off (§1.7). */
static unsigned org_switched_off(req *r)
{
	db_res *o = db_query(r->a, "SELECT aus_anspruchsberechtigte, aus_kontaktdaten, aus_formulare FROM organisation "
				   "WHERE id = ?",
			     DBARGS(DI(r->me->org_id)));
	return o && o->nrows == 1 ? rights_from_row(o, 0, 0) : 0;
}

static unsigned org_rights(req *r)
{
	return rechte_available(org_switched_off(r));
}

/* One Sachbearbeiter of an organisation by Nutzerkennung; its columns are SB_COL. */
#define SB_SELECT                                                                                                      \
	"SELECT id, version, kennung, vorname, name, email, status, recht_anspruchsberechtigte, recht_kontaktdaten, "  \
	"recht_formulare, (SELECT BIT_OR(1 << typ) FROM account_gruppe g WHERE g.account_id = a.id), "                 \
	"IF(locked_until > NOW(), locked_until, NULL) "                                                                \
	"FROM account a WHERE kennung = ? AND org_id = ? AND rolle = 'S'"
enum sb_col { SB_ID, SB_VERSION, SB_KENNUNG, SB_VORNAME, SB_NAME, SB_EMAIL, SB_STATUS, SB_RECHTE,
	      SB_GRUPPEN = SB_RECHTE + RECHT__MAX, SB_LOCKED_UNTIL };

static sb *sb_from_row(req *r, const db_res *res)
{
	sb *s = arena_alloc(r->a, sizeof *s);
	*s = (sb){
		.id = db_int(res, 0, SB_ID),
		.version = db_int(res, 0, SB_VERSION),
		.kennung = db_str(res, 0, SB_KENNUNG),
		.vorname = db_str(res, 0, SB_VORNAME),
		.name = db_str(res, 0, SB_NAME),
		.email = db_str(res, 0, SB_EMAIL),
		.status = db_str(res, 0, SB_STATUS),
		.gruppen = (unsigned)db_int(res, 0, SB_GRUPPEN) & ALL_GRUPPEN,
		.rechte = rights_from_row(res, 0, SB_RECHTE),
		.locked_until = db_str(res, 0, SB_LOCKED_UNTIL) ? time_de(r->a, db_str(res, 0, SB_LOCKED_UNTIL), TIME_UHR) : NULL,
	};
	return s;
}

/* A Sachbearbeiter of the administrator's own organisation into *out (SB_FOUND). */
static enum sb_lookup sb_load(req *r, const char *kennung_in, bool for_update, sb **out)
{
	*out = NULL;
	if (!kennung_in)
		return SB_NONE;
	char *k = arena_strdup(r->a, kennung_in);
	if (!kennung_normalize(k) || k[0] != 'S')
		return SB_NONE;
	db_res *res = db_query(r->a, for_update ? SB_SELECT " FOR UPDATE" : SB_SELECT,
			       DBARGS(DS(k), DI(r->me->org_id)));
	if (!res)
		return SB_DB_ERROR;
	if (res->nrows == 0)
		return SB_NONE;
	*out = sb_from_row(r, res);
	return SB_FOUND;
}

/* The Sachbearbeiter named in the URL, or a finished 404/5xx answer (returns NULL). */
static sb *sb_from_path(req *r)
{
	sb *s;
	switch (sb_load(r, r->path_arg, false, &s)) {
	case SB_DB_ERROR: db_fail(r); break;
	case SB_NONE: page_error(r, 404, not_found_msg); break;
	case SB_FOUND: break;
	}
	return s;
}

/* "Beihilfe, Mitglieder/Recht" — for the change log. */
static const char *gruppen_text(req *r, unsigned m)
{
	sbuf b = sbuf_in(r->a);
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (m & (1u << g)) {
			if (b.len)
				sbuf_adds(&b, ", ");
			sbuf_adds(&b, gruppe_name[g]);
		}
	return b.data ? b.data : "";
}

/* "postfach, kontaktdaten" — for the change log. */
static const char *rechte_text(req *r, unsigned m)
{
	sbuf b = sbuf_in(r->a);
	sbuf_adds(&b, "postfach");
	for (int k = 0; k < RECHT__MAX; k++)
		if (m & (1u << k)) {
			sbuf_adds(&b, ", ");
			sbuf_adds(&b, recht_key[k]);
		}
	return b.data;
}

/* ---------- input: the form of create and edit ---------- */

struct sb_form {
	const char *vorname, *name, *email; /* sb_fields */
	const char *terms;                  /* terms_field: "1" when confirmed (create only) */
	unsigned gruppen, rechte;           /* the ticked boxes that name a group / an offered right */
};

static const char *check_confirmed(arena *a, const char *v)
{
	(void)a;
	return strcmp(v, "1") == 0 ? v : NULL;
}

enum { F_VORNAME, F_NAME, F_EMAIL };
static const form_field sb_fields[] = {
	[F_VORNAME] = FIELD_VORNAME(struct sb_form),
	[F_NAME] = FIELD_NAME(struct sb_form),
	[F_EMAIL] = FIELD_EMAIL(struct sb_form),
};

#define TERMS_MSG "Bitte bestätigen Sie, dass die Nutzungsbedingungen dem Beschäftigten bekannt sind."
static const form_field terms_field[] = {
	{"nutzungsbedingungen", "Nutzungsbedingungen", FT_TEXT, FF_REQUIRED, 0, check_confirmed, TERMS_MSG, TERMS_MSG,
	 NULL, offsetof(struct sb_form, terms)},
};

/* The ticked group boxes; an unknown one is an error, none at all too. */
static unsigned gruppen_read(req *r)
{
	const char *vals[32];
	size_t n = form_all(r, "gruppe", vals, ARRAY_LEN(vals));
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		int g = gruppe_parse(vals[i]);
		if (g < 0)
			form_error(r, "gruppe", "Unbekanntes Gruppenpostfach.");
		else
			m |= 1u << g;
	}
	if (!m)
		form_error(r, "gruppe", "Bitte wählen Sie mindestens ein Gruppenpostfach aus.");
	return m;
}

/* The ticked rights the organisation offers ("postfach" is always held); each must have its
 * prerequisite. */
static unsigned rechte_read(req *r, unsigned available)
{
	const char *vals[32];
	size_t n = form_all(r, "recht", vals, ARRAY_LEN(vals));
	unsigned m = 0;
	for (size_t i = 0; i < n; i++) {
		int k = recht_parse(vals[i]);
		if (k < 0)
			form_error(r, "recht", "Unbekanntes Recht.");
		else if (k < RECHT__MAX && !(available & (1u << k)))
			form_error(r, "recht", arena_printf(r->a, "Das Recht „%s“ steht Ihrer Organisation nicht zur "
								  "Verfügung.", recht_label[k]));
		else if (k < RECHT__MAX)
			m |= 1u << k;
	}
	for (int k = 0; k < RECHT__MAX; k++)
		if ((m & (1u << k)) && recht_requires[k] >= 0 && !(m & (1u << recht_requires[k])))
			form_error(r, "recht", arena_printf(r->a, "Das Recht „%s“ setzt das Recht „%s“ voraus.", recht_label[k],
							    recht_label[recht_requires[k]]));
	return m;
}

/* Vorname and Name greet their owner in official mails: no line or paragraph separators and
 * nothing a mail program turns into a link (issue 11); checked once the field passed form_read. */
static void name_refuse(req *r, int field)
{
	if (form_error_for(r, sb_fields[field].name))
		return;
	static const char *const msg[][2] = {
		[F_VORNAME] = {"Der Vorname darf keine Zeilen- oder Absatztrennzeichen enthalten.",
			       "Der Vorname darf keine Internetadresse (wie „www.“ oder „https://“) enthalten."},
		[F_NAME] = {"Der Name darf keine Zeilen- oder Absatztrennzeichen enthalten.",
			    "Der Name darf keine Internetadresse (wie „www.“ oder „https://“) enthalten."},
	};
	enum name_issue why = name_check(form_get(r, sb_fields[field].name));
	if (why != NAME_OK)
		form_error(r, sb_fields[field].name, msg[field][why == NAME_URL]);
}

/* Reads the posted form in the order its errors are listed. Returns the number of errors. */
static size_t sb_form_read(req *r, struct sb_form *f, bool create, unsigned available)
{
	*f = (struct sb_form){0};
	for (int i = 0; i < (int)ARRAY_LEN(sb_fields); i++) {
		form_read(r, &sb_fields[i], 1, f);
		if (i == F_VORNAME || i == F_NAME)
			name_refuse(r, i);
	}
	f->gruppen = gruppen_read(r);
	f->rechte = rechte_read(r, available);
	if (create)
		form_read(r, terms_field, ARRAY_LEN(terms_field), f);
	return r->nerrors;
}

/* ---------- form markup (create, edit, and read-only in the details) ---------- */

static void fieldset_error(req *r, sbuf *b, const char *field)
{
	const char *err = form_error_for(r, field);
	if (err)
		h_printf(b, "<p class=\"error\" id=\"f-%s-fehler\">%s</p>", field, err);
}

static void checkbox(sbuf *b, const char *name, const char *id, const char *value, const char *label, bool checked,
		     bool disabled, const char *info, const char *describedby)
{
	h_printf(b, "<div class=\"checkbox\"><input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"%s\"%s%s", id, name,
		 value, checked ? " checked" : "", disabled ? " disabled" : "");
	if (describedby)
		h_printf(b, " aria-describedby=\"%s\"", describedby);
	h_printf(b, "><label for=\"%s\">%s</label>", id, label);
	if (info)
		h_printf(b, "<details class=\"info\"><summary><span class=\"visually-hidden\">Info zu diesem Recht</span>i"
			    "</summary><p>%s</p></details>",
			 info);
	h_raw(b, "</div>");
}

static void gruppen_fieldset(req *r, sbuf *b, unsigned gruppen, bool editable)
{
	const char *gerr = editable ? form_error_for(r, "gruppe") : NULL;
	h_printf(b, "<fieldset class=\"fieldset%s\"", gerr ? " has-error" : "");
	if (gerr)
		h_raw(b, " aria-describedby=\"f-gruppe-fehler\"");
	h_raw(b, "><legend>Berechtigungen für Gruppenpostfächer</legend>");
	h_raw(b, "<p class=\"hint\">Bitte wählen Sie hier mindestens ein Gruppenpostfach aus, auf das der Sachbearbeiter "
		 "zugreifen kann.*</p>");
	if (editable)
		fieldset_error(r, b, "gruppe");
	h_raw(b, "<div class=\"inline-options\">");
	for (int g = 0; g < GRUPPE__MAX; g++) {
		char id[32];
		snprintf(id, sizeof id, "f-gruppe-%d", g);
		checkbox(b, "gruppe", id, gruppe_name[g], gruppe_name[g], gruppen & (1u << g), !editable, NULL,
			 g == 0 && editable ? "f-gruppe-fehler" : NULL);
	}
	h_raw(b, "</div></fieldset>");
}

static void rechte_fieldset(req *r, sbuf *b, unsigned rechte, unsigned available, bool editable)
{
	const char *rerr = editable ? form_error_for(r, "recht") : NULL;
	h_printf(b, "<fieldset class=\"fieldset%s\"><legend>Rechtevergabe</legend>", rerr ? " has-error" : "");
	h_raw(b, "<p class=\"hint\">Bitte wählen Sie hier die Berechtigungen des Sachbearbeiters aus.</p>");
	if (editable)
		fieldset_error(r, b, "recht");
	checkbox(b, "recht", "f-recht-postfach", "postfach", recht_base_label, true, true, recht_base_info, NULL);
	for (int k = 0; k < RECHT__MAX; k++) {
		if (!(available & (1u << k)))
			continue; /* §1.7: switched-off rights are not shown */
		char id[48];
		snprintf(id, sizeof id, "f-recht-%s", recht_key[k]);
		checkbox(b, "recht", id, recht_key[k], recht_label[k], rechte & (1u << k), !editable,
			 recht_info_text(r->a, k, available), NULL);
	}
	h_raw(b, "</fieldset>");
}

/* Vorname, Name, Mitglied (read-only), E-Mail-Adresse with the values in v (NULL: empty). */
static void account_fields(req *r, sbuf *b, const struct sb_form *v)
{
	h_raw(b, "<h2>Account-Daten</h2><div class=\"field-row\">");
	form_fields(r, b, &sb_fields[F_VORNAME], 2, v); /* Vorname, Name */
	h_raw(b, "</div><div class=\"field-row\">");
	h_printf(b, "<div class=\"field\"><span class=\"label\" id=\"l-mitglied\">Mitglied</span>"
		    "<p class=\"readonly\" aria-labelledby=\"l-mitglied\">%s</p></div>",
		 r->me->org_line ? r->me->org_line : "");
	form_fields(r, b, &sb_fields[F_EMAIL], 1, v);
	h_raw(b, "</div>");
}

/* "AKTIV" for the status badge and the edit page. */
static const char *status_upper(req *r, const char *status)
{
	char *s = arena_strdup(r->a, status_label(status));
	str_upper_ascii(s);
	return s;
}

/* ---------- create ---------- */

struct create_view {
	unsigned available;       /* the rights the organisation offers */
	const struct sb_form *in; /* what was posted (shown again after an error), or NULL */
};

static void terms_checkbox(req *r, sbuf *b, bool checked)
{
	const char *terr = form_error_for(r, "nutzungsbedingungen");
	h_printf(b, "<div class=\"checkbox%s\"><input type=\"checkbox\" id=\"f-nutzungsbedingungen\" "
		    "name=\"nutzungsbedingungen\" value=\"1\" required aria-required=\"true\"",
		 terr ? " has-error" : "");
	if (checked)
		h_raw(b, " checked");
	if (terr)
		h_raw(b, " aria-invalid=\"true\" aria-describedby=\"f-nutzungsbedingungen-fehler\"");
	h_raw(b, "><label for=\"f-nutzungsbedingungen\">Ich bestätige, dass die Nutzungsbedingungen dem Beschäftigten "
		 "bekannt sind und dass er/sie diese mit der Anlage des Zugangs akzeptiert.*</label></div>");
	if (terr)
		h_printf(b, "<p class=\"error\" id=\"f-nutzungsbedingungen-fehler\">%s</p>", terr);
}

static void create_html(req *r, sbuf *b, const void *view)
{
	const struct create_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Neuen Sachbearbeiter anlegen</h1>"
		 "<p class=\"lead\">Sie können hier manuell neue Sachbearbeiter für das Portal Meine Versorgung anlegen.</p>");
	required_note(b);
	form_open(r, b, "/sachbearbeiter/neu", false);
	account_fields(r, b, v->in);
	gruppen_fieldset(r, b, v->in ? v->in->gruppen : 0, true);
	rechte_fieldset(r, b, v->in ? v->in->rechte : 0, v->available, true);
	terms_checkbox(r, b, v->in && str_eq(v->in->terms, "1"));
	h_raw(b, "<p class=\"hint\">Die Nutzungsbedingungen finden Sie in der Fußzeile des Portals "
		 "(<a href=\"/nutzungsbedingungen\">Nutzungsbedingungen</a>).</p>"
		 "<div class=\"actions\"><a class=\"btn secondary\" href=\"/sachbearbeiter\">Abbrechen</a>"
		 "<button type=\"submit\" class=\"btn\">Anlegen</button></div>");
	form_close(b);
	h_raw(b, "<div class=\"alert info\" role=\"note\"><p>Hinweis: Möchten Sie das Portal „Meine Versorgung“ ebenfalls "
		 "fachlich nutzen, legen Sie bitte auch für sich ein eigenes Nutzerkonto an. Ihr Administratoren-Konto dient "
		 "Ihnen ausschließlich zur Nutzerverwaltung.</p></div></div>");
}

/* What the form offers: the organisation, the groups and the rights. */
static void create_json(req *r, cJSON *o, const void *view)
{
	const struct create_view *v = view;
	cJSON_AddStringToObject(o, "titel", "Neuen Sachbearbeiter anlegen");
	cJSON_AddStringToObject(o, "mitglied", r->me->org_line ? r->me->org_line : "");
	cJSON *g = cJSON_AddArrayToObject(o, "gruppen");
	for (int i = 0; i < GRUPPE__MAX; i++)
		cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[i]));
	cJSON *rc = cJSON_AddArrayToObject(o, "rechte");
	cJSON_AddItemToArray(rc, cJSON_CreateString("postfach"));
	for (int k = 0; k < RECHT__MAX; k++)
		if (v->available & (1u << k))
			cJSON_AddItemToArray(rc, cJSON_CreateString(recht_key[k]));
}

static const page_kind create_page = {"Neuen Sachbearbeiter anlegen", create_html, create_json, NULL};

static void create_show(req *r, int status, unsigned available, const struct sb_form *in)
{
	struct create_view v = {available, in};
	page_render(r, status, &create_page, &v);
}

void users_new_get(req *r)
{
	/* a link may prefill the form (?vorname=…), as a script or a bookmark does */
	struct sb_form prefill = {0};
	form_prefill(r, sb_fields, ARRAY_LEN(sb_fields), &prefill);
	create_show(r, 200, org_rights(r), &prefill);
}

static int save_gruppen(long long account_id, unsigned gruppen)
{
	if (db_exec("DELETE FROM account_gruppe WHERE account_id = ?", DBARGS(DI(account_id)), NULL, NULL) != 0)
		return -1;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if ((gruppen & (1u << g)) &&
		    db_exec("INSERT INTO account_gruppe (account_id, typ) VALUES (?, ?)", DBARGS(DI(account_id), DI(g)), NULL,
			    NULL) != 0)
			return -1;
	return 0;
}

/* The three right flags of an account, in the order of enum recht. */
static int save_rechte(long long account_id, unsigned rechte)
{
	return db_exec("UPDATE account SET recht_anspruchsberechtigte = ?, recht_kontaktdaten = ?, recht_formulare = ? "
		       "WHERE id = ?",
		       DBARGS(DI(HOLDS(rechte, R_ANSPRUCHSBERECHTIGTE)), DI(HOLDS(rechte, R_KONTAKTDATEN)),
			      DI(HOLDS(rechte, R_FORMULARE)), DI(account_id)),
		       NULL, NULL);
}

static int queue_password_mail(req *r, long long id, const char *status, const char *email, const char *vorname,
			       const char *name)
{
	bool activation = strcmp(status, "angelegt") == 0;
	char token[TOKEN_CHARS + 1], minutes[24];
	if (link_create(id, activation ? "aktivierung" : "reset", token) != 0)
		return -1;
	snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"vorname", vorname}, {"name", name}, {"link", link_url(r->a, "/passwort-setzen", token)},
			    {"minutes", minutes}};
	return mail_queue(email, activation ? "passwort-festlegen.txt" : "passwort-zuruecksetzen.txt", slots,
			  ARRAY_LEN(slots));
}

enum create_outcome { CREATED, CREATE_DUP_EMAIL, CREATE_LIMITED };

struct create_ctx {
	req *r;
	const struct sb_form *f;
	char kennung[KENNUNG_LEN + 1];
	enum create_outcome outcome;
};

static int create_tx(void *p)
{
	struct create_ctx *c = p;
	req *r = c->r;
	const struct sb_form *f = c->f;
	c->outcome = CREATED;
	/* each creation sends an official mail to any address: a limit per administrator and hour (issue 11);
	 * a refused creation rolls its count back */
	char bucket[64];
	snprintf(bucket, sizeof bucket, "sbcreate:%lld", r->me->id);
	int ok = rate_hit(bucket, cfg.sb_create_limit, 3600);
	if (ok <= 0) {
		c->outcome = CREATE_LIMITED;
		return ok < 0 ? DB_TX_FAIL : 1;
	}
	long long id;
	if (account_insert(ACCOUNT_S, r->me->org_id, f->vorname, f->name, f->email, NULL, NULL, c->kennung, &id) != 0) {
		if (db_last_error() == DB_ERR_DUP) {
			c->outcome = CREATE_DUP_EMAIL;
			return 1;
		}
		return DB_TX_FAIL;
	}
	if (save_rechte(id, f->rechte) != 0 || save_gruppen(id, f->gruppen) != 0 ||
	    queue_password_mail(r, id, "angelegt", f->email, f->vorname, f->name) != 0)
		return DB_TX_FAIL;
	audit(&r->who, "sb_created", c->kennung,
	      arena_printf(r->a, "Name: %s %s; E-Mail: %s; Gruppen: %s; Rechte: %s", f->vorname, f->name, f->email,
			   gruppen_text(r, f->gruppen), rechte_text(r, f->rechte)));
	return 0;
}

/* "ANLAGE ERFOLGREICH" is shown once: the redirect after a creation sets a short-lived cookie with a
 * keyed hash of the new Nutzerkennung and the session; the details page shows the dialog only while
 * it matches and deletes it, so a reload or the Back button shows the details alone. */
#define CREATED_COOKIE "mv_angelegt"

static const char *created_mark(req *r, const char *kennung)
{
	char *mark = arena_alloc(r->a, TOKEN_CHARS + 1);
	secret_csrf(arena_printf(r->a, "angelegt:%s:%s", kennung, r->csrf), mark);
	return mark;
}

/* Just created and not yet confirmed in this session: true once (the cookie is deleted). */
static bool created_once(req *r, const char *kennung)
{
	const char *mark = cookie_get(r, cookie_name(r, CREATED_COOKIE));
	if (!mark || !str_eq(form_get(r, "angelegt"), "1") || !secret_equal(mark, created_mark(r, kennung)))
		return false;
	resp_cookie(r, CREATED_COOKIE, "", -1);
	return true;
}

void users_new_post(req *r)
{
	unsigned available = org_rights(r);
	struct sb_form f;
	if (sb_form_read(r, &f, true, available)) {
		create_show(r, 422, available, &f);
		return;
	}
	struct create_ctx c = {.r = r, .f = &f};
	int rc = db_tx(create_tx, &c);
	if (rc > 0 && c.outcome == CREATE_LIMITED) {
		form_error(r, "_", arena_printf(r->a, "Sie können höchstens %ld Sachbearbeiter pro Stunde anlegen. Bitte "
						      "versuchen Sie es später erneut.", cfg.sb_create_limit));
		create_show(r, 429, available, &f);
		return;
	}
	if (c.outcome == CREATE_DUP_EMAIL) {
		form_error(r, "email", DUP_EMAIL_MSG " Jede Person erhält ein eigenes Nutzerkonto mit eigener E-Mail-Adresse.");
		create_show(r, 422, available, &f);
		return;
	}
	if (rc != 0) {
		db_fail(r);
		return;
	}
	if (r->want_json)
		cJSON_AddStringToObject(json_obj(r), "nutzerkennung", c.kennung);
	else
		resp_cookie(r, CREATED_COOKIE, created_mark(r, c.kennung), 600);
	redirect(r, url_printf(r->a, "/sachbearbeiter/%s?angelegt=1", c.kennung));
}

/* ---------- details ---------- */

struct details_view {
	const sb *s;
	unsigned available;  /* the rights the organisation offers */
	const char *notice;  /* what was just done ("ok" parameter), or NULL */
	bool created;        /* just created: the dialog with the Nutzerkennung */
};

static const char *notice_text(const char *ok)
{
	static const struct {
		const char *key, *text;
	} notices[] = {
		{"gespeichert", "Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten an den "
				"Nutzer erfolgt nicht. Bitte informieren Sie den Nutzer über die Änderungen."},
		{"gespeichert-email", "Die Änderungen wurden gespeichert. Eine Benachrichtigung über die Änderung der Daten "
				      "an den Nutzer erfolgt nicht. Links zum Festlegen des Passwortes, die an die bisherige "
				      "E-Mail-Adresse gesendet wurden, sind jetzt ungültig; über „E-Mail für neues Passwort "
				      "versenden“ erhält der Nutzer bei Bedarf einen neuen Link an die neue Adresse."},
		{"gespeichert-email-hinweis", "Die Änderungen wurden gespeichert. An die bisherige E-Mail-Adresse wurde ein "
					      "Hinweis auf die Änderung der E-Mail-Adresse gesendet. Links zum Festlegen des "
					      "Passwortes, die an die bisherige E-Mail-Adresse gesendet wurden, sind jetzt "
					      "ungültig. Bitte informieren Sie den Nutzer über die Änderungen."},
		{"gesperrt", "Der Benutzer wurde gesperrt. Alle seine Sitzungen wurden beendet."},
		{"entsperrt", "Der Benutzer wurde entsperrt."},
		{"aktivierung", "Eine neue E-Mail zum Festlegen des Passwortes wurde versendet. Der vorherige Link ist "
				"damit ungültig."},
		{"reset", "Eine E-Mail mit einem Link zum Festlegen eines neuen Passwortes wurde versendet."},
	};
	for (size_t i = 0; ok && i < ARRAY_LEN(notices); i++)
		if (strcmp(ok, notices[i].key) == 0)
			return notices[i].text;
	return NULL;
}

static void action_form(req *r, sbuf *b, const sb *s, const char *action, const char *label, const char *cls,
			bool disabled, const char *why_id)
{
	h_printf(b, "<form method=\"post\" action=\"%s\"><input type=\"hidden\" name=\"csrf\" "
		    "value=\"%s\"><button type=\"submit\" class=\"%s\"%s",
		 url_printf(r->a, "/sachbearbeiter/%s/%s", s->kennung, action), r->csrf, cls, disabled ? " disabled" : "");
	if (why_id)
		h_printf(b, " aria-describedby=\"%s\"", why_id);
	h_printf(b, ">%s</button></form>", label);
}

/* The details as JSON, also the answer of the edit page. */
static void sb_json(req *r, cJSON *o, const sb *s, unsigned available)
{
	cJSON_AddStringToObject(o, "nutzerkennung", s->kennung);
	cJSON_AddStringToObject(o, "vorname", s->vorname);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "email", s->email);
	cJSON_AddStringToObject(o, "mitglied", r->me->org_line ? r->me->org_line : "");
	cJSON_AddStringToObject(o, "status", status_label(s->status));
	if (s->locked_until)
		cJSON_AddStringToObject(o, "voruebergehend_gesperrt_bis", s->locked_until);
	else
		cJSON_AddNullToObject(o, "voruebergehend_gesperrt_bis");
	cJSON *g = cJSON_AddArrayToObject(o, "gruppen");
	for (int i = 0; i < GRUPPE__MAX; i++)
		if (s->gruppen & (1u << i))
			cJSON_AddItemToArray(g, cJSON_CreateString(gruppe_name[i]));
	cJSON *rc = cJSON_AddArrayToObject(o, "rechte");
	cJSON_AddItemToArray(rc, cJSON_CreateString("postfach"));
	for (int k = 0; k < RECHT__MAX; k++)
		if ((s->rechte & (1u << k)) && (available & (1u << k)))
			cJSON_AddItemToArray(rc, cJSON_CreateString(recht_key[k]));
	cJSON_AddNumberToObject(o, "version", (double)s->version);
}

static void details_data_html(req *r, sbuf *b, const sb *s)
{
	h_raw(b, "<h2>Account-Daten</h2><dl class=\"data wide\">");
	h_printf(b, "<dt>Vorname</dt><dd>%s</dd><dt>Name</dt><dd>%s</dd><dt>Mitglied</dt><dd>%s</dd>"
		    "<dt>E-Mail-Adresse</dt><dd>%s</dd><dt>Benutzerstatus</dt><dd>",
		 s->vorname, s->name, r->me->org_line ? r->me->org_line : "", s->email);
	/* a self-locked account shows its lock, not the status it returns to when the lock ends */
	if (s->locked_until && strcmp(s->status, "gesperrt") != 0)
		h_printf(b, "<span class=\"status-badge status-gesperrt\">VORÜBERGEHEND GESPERRT</span> "
			    "<span class=\"warning-text\">bis %s</span>",
			 s->locked_until);
	else
		h_printf(b, "<span class=\"status-badge status-%s\">%s</span>", s->status, status_upper(r, s->status));
	if (s->locked_until && strcmp(s->status, "gesperrt") == 0)
		h_printf(b, " <span class=\"warning-text\">(vorübergehend gesperrt bis %s)</span>", s->locked_until);
	h_printf(b, "</dd><dt>Nutzerkennung</dt><dd>%s</dd></dl>", s->kennung);
}

/* The question before a lock (issue 11): the confirmation page and the dialog ask it alike. */
static void lock_question_html(sbuf *b, const sb *s, const char *id)
{
	h_printf(b, "<p id=\"%s\">Möchten Sie den Benutzer %s %s (%s) wirklich sperren? Alle Sitzungen des Benutzers "
		    "werden sofort beendet; anmelden kann er sich erst wieder, wenn Sie ihn entsperren.</p>",
		 id, s->vorname, s->name, s->kennung);
}

/* "Sperren" posts the lock (bestaetigt=1); "Abbrechen" of the dialog closes it (formmethod="dialog"). */
static void lock_form_html(req *r, sbuf *b, const sb *s, bool in_dialog)
{
	h_printf(b, "<form method=\"post\" action=\"%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
		    "<input type=\"hidden\" name=\"bestaetigt\" value=\"1\"><div class=\"actions\">",
		 url_printf(r->a, "/sachbearbeiter/%s/sperren", s->kennung), r->csrf);
	if (in_dialog)
		h_raw(b, "<button type=\"submit\" class=\"btn secondary\" formmethod=\"dialog\" formnovalidate>Abbrechen"
			 "</button>");
	else
		h_printf(b, "<a class=\"btn secondary\" href=\"%s\">Abbrechen</a>",
			 url_printf(r->a, "/sachbearbeiter/%s", s->kennung));
	h_raw(b, "<button type=\"submit\" class=\"btn danger\">Sperren</button></div></form>");
}

/* "Benutzer sperren" asks first: without JavaScript its GET leads to the confirmation page, with
 * JavaScript (mv.js, data-dialog) the same question opens as a modal dialog on this page. */
static void lock_button_html(req *r, sbuf *b, const sb *s)
{
	h_printf(b, "<form method=\"get\" action=\"%s\" data-dialog=\"dlg-sperren\"><button type=\"submit\" "
		    "class=\"btn danger\" aria-haspopup=\"dialog\">Benutzer sperren</button></form>",
		 url_printf(r->a, "/sachbearbeiter/%s/sperren", s->kennung));
}

static void lock_dialog_html(req *r, sbuf *b, const sb *s)
{
	h_raw(b, "<dialog id=\"dlg-sperren\" class=\"modal danger\" aria-labelledby=\"dlg-sperren-titel\" "
		 "aria-describedby=\"dlg-sperren-frage\"><h2 id=\"dlg-sperren-titel\">Benutzer sperren</h2>");
	lock_question_html(b, s, "dlg-sperren-frage");
	lock_form_html(r, b, s, true);
	h_raw(b, "</dialog>");
}

/* Lock or unlock, and the password mail (not while locked, and why). */
static void details_actions_html(req *r, sbuf *b, const sb *s)
{
	bool locked = strcmp(s->status, "gesperrt") == 0;
	h_raw(b, "<div class=\"actions left\">");
	if (locked)
		action_form(r, b, s, "entsperren", "Benutzer entsperren", "btn", false, NULL);
	else
		lock_button_html(r, b, s);
	action_form(r, b, s, "passwort-email", "E-Mail für neues Passwort versenden", "btn secondary", locked,
		    locked ? "hinweis-gesperrt" : NULL);
	h_raw(b, "</div>");
	if (locked)
		h_raw(b, "<p class=\"hint\" id=\"hinweis-gesperrt\">Solange der Benutzer gesperrt ist, kann keine E-Mail für "
			 "ein neues Passwort versendet werden.</p>");
	if (!locked)
		lock_dialog_html(r, b, s);
	if (s->locked_until)
		h_printf(b, "<div class=\"alert warning\" role=\"note\"><p>Der Nutzer hat sich durch wiederholte Fehleingabe "
			    "seiner Anmeldedaten vorübergehend selbst gesperrt. Diese Sperre können Sie nicht aufheben; sie "
			    "endet automatisch am %s.</p></div>",
			 s->locked_until);
}

static void created_dialog_html(sbuf *b, const sb *s)
{
	h_printf(b, "<dialog class=\"modal success\" open aria-labelledby=\"dlg-anlage-titel\">"
		    "<h2 id=\"dlg-anlage-titel\">ANLAGE ERFOLGREICH</h2>"
		    "<p>Der Sachbearbeiter-Account wurde erfolgreich angelegt. Bitte teilen Sie %s %s die Nutzerkennung "
		    "separat mit. %s %s erhält in Kürze automatisch eine E-Mail zum erstmaligen Setzen des Passwortes.</p>"
		    "<p>Nutzerkennung: <strong>%s</strong></p>"
		    "<p>Bitte fordern Sie den Beschäftigten auf, sein Nutzerkonto innerhalb der nächsten %ld Minuten "
		    "zu aktivieren.</p>"
		    "<form method=\"dialog\" class=\"actions\"><button type=\"submit\" class=\"btn\">Bestätigen</button>"
		    "</form></dialog>",
		 s->vorname, s->name, s->vorname, s->name, s->kennung, (cfg.link_ttl_s + 59) / 60);
}

static void details_html(req *r, sbuf *b, const void *view)
{
	const struct details_view *v = view;
	h_printf(b, "<div class=\"card\"><div class=\"title-row\"><h1>Sachbearbeiter&shy;details</h1>"
		    "<a class=\"btn secondary\" href=\"%s\">Bearbeiten</a></div>",
		 url_printf(r->a, "/sachbearbeiter/%s/bearbeiten", v->s->kennung));
	if (v->notice)
		alert_box(b, "success", v->notice);
	details_data_html(r, b, v->s);
	gruppen_fieldset(r, b, v->s->gruppen, false);
	rechte_fieldset(r, b, v->s->rechte, v->available, false);
	details_actions_html(r, b, v->s);
	h_raw(b, "<p><a href=\"/sachbearbeiter\">Zurück zur Übersicht</a></p>");
	if (v->created)
		created_dialog_html(b, v->s);
	h_raw(b, "</div>");
}

static void details_json(req *r, cJSON *o, const void *view)
{
	const struct details_view *v = view;
	sb_json(r, o, v->s, v->available);
}

static const page_kind details_page = {"Sachbearbeiterdetails", details_html, details_json, NULL};

void users_show(req *r)
{
	sb *s = sb_from_path(r);
	if (!s)
		return;
	struct details_view v = {s, org_rights(r), notice_text(form_get(r, "ok")), created_once(r, s->kennung)};
	page_render(r, 200, &details_page, &v);
}

/* ---------- edit ---------- */

struct edit_view {
	const sb *s;              /* as stored (after a conflict: as stored now) */
	unsigned available;       /* the rights the organisation offers */
	const struct sb_form *in; /* what was posted (shown again after an error), or NULL: the stored values */
	bool conflict;            /* someone else saved first */
};

static void edit_html(req *r, sbuf *b, const void *view)
{
	const struct edit_view *v = view;
	const sb *s = v->s;
	struct sb_form stored = {.vorname = s->vorname, .name = s->name, .email = s->email, .gruppen = s->gruppen,
				 .rechte = s->rechte};
	const struct sb_form *shown = v->in ? v->in : &stored;
	/* the soft hyphen: at 320 px the word breaks where German breaks it */
	h_raw(b, "<div class=\"card\"><h1>Sachbearbeiter&shy;details ändern</h1>");
	required_note(b);
	if (v->conflict)
		alert_box(b, "error", conflict_msg);
	form_open(r, b, url_printf(r->a, "/sachbearbeiter/%s/bearbeiten", s->kennung), false);
	h_printf(b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">", s->version);
	account_fields(r, b, shown);
	h_printf(b, "<dl class=\"data\"><dt>Benutzerstatus</dt><dd>%s</dd><dt>Nutzerkennung</dt><dd>%s</dd></dl>",
		 status_upper(r, s->status), s->kennung);
	gruppen_fieldset(r, b, shown->gruppen, true);
	rechte_fieldset(r, b, shown->rechte, v->available, true);
	h_printf(b, "<div class=\"actions\"><a class=\"btn secondary\" href=\"%s\">Abbrechen</a>"
		    "<button type=\"submit\" class=\"btn\">Speichern</button></div>",
		 url_printf(r->a, "/sachbearbeiter/%s", s->kennung));
	form_close(b);
	h_raw(b, "</div>");
}

static void edit_json(req *r, cJSON *o, const void *view)
{
	const struct edit_view *v = view;
	sb_json(r, o, v->s, v->available);
}

static const page_kind edit_page = {"Sachbearbeiterdetails ändern", edit_html, edit_json, NULL};

static void edit_show(req *r, int status, const struct edit_view *v)
{
	page_render(r, status, &edit_page, v);
}

void users_edit_get(req *r)
{
	sb *s = sb_from_path(r);
	if (s)
		edit_show(r, 200, &(struct edit_view){s, org_rights(r), NULL, false});
}

enum edit_outcome { EDIT_SAVED, EDIT_CONFLICT, EDIT_GONE, EDIT_DUP_EMAIL };

struct edit_ctx {
	req *r;
	const char *kennung;
	const struct sb_form *f;
	long long version; /* the version the form was drawn from; -1: not posted */
	unsigned available;
	enum edit_outcome outcome;
	bool email_changed;
	bool owner_told; /* the previous address got the notice of the change */
	sb *fresh; /* as stored when the transaction ran */
};

static void diff_add(sbuf *d, const char *what, const char *old, const char *new)
{
	if (str_eq(old, new))
		return;
	if (d->len)
		sbuf_adds(d, "; ");
	sbuf_printf(d, "%s: %s → %s", what, old, new);
}

static void edit_audit(req *r, const sb *cur, const struct sb_form *f, unsigned rechte)
{
	sbuf d = sbuf_in(r->a);
	diff_add(&d, "Vorname", cur->vorname, f->vorname);
	diff_add(&d, "Name", cur->name, f->name);
	diff_add(&d, "E-Mail", cur->email, f->email);
	diff_add(&d, "Gruppen", gruppen_text(r, cur->gruppen), gruppen_text(r, f->gruppen));
	diff_add(&d, "Rechte", rechte_text(r, cur->rechte), rechte_text(r, rechte));
	audit(&r->who, "sb_updated", cur->kennung, d.len ? d.data : "keine Änderung");
}

/* Stores the form over cur; 0, DB_TX_FAIL, or 1 with c->outcome EDIT_DUP_EMAIL. */
static int edit_store(struct edit_ctx *c, const sb *cur)
{
	const struct sb_form *f = c->f;
	/* rights the organisation may not grant keep their stored value (§1.7: they stop taking effect) */
	unsigned rechte = (cur->rechte & ~c->available) | (f->rechte & c->available);
	if (db_exec("UPDATE account SET vorname = ?, name = ?, email = ?, recht_anspruchsberechtigte = ?, "
		    "recht_kontaktdaten = ?, recht_formulare = ?, version = version + 1, updated_at = NOW() WHERE id = ?",
		    DBARGS(DS(f->vorname), DS(f->name), DS(f->email), DI(HOLDS(rechte, R_ANSPRUCHSBERECHTIGTE)),
			   DI(HOLDS(rechte, R_KONTAKTDATEN)), DI(HOLDS(rechte, R_FORMULARE)), DI(cur->id)),
		    NULL, NULL) != 0) {
		if (db_last_error() != DB_ERR_DUP)
			return DB_TX_FAIL;
		c->outcome = EDIT_DUP_EMAIL;
		return 1;
	}
	if (save_gruppen(cur->id, f->gruppen) != 0 ||
	    ((!str_eq(cur->name, f->name) || !str_eq(cur->vorname, f->vorname)) &&
	     account_keys_store(c->r->a, cur->id, c->r->me->org_id, cur->kennung, f->vorname, f->name) != 0))
		return DB_TX_FAIL;
	edit_audit(c->r, cur, f, rechte);
	c->email_changed = !str_eq(cur->email, f->email);
	if (!c->email_changed)
		return 0;
	/* links mailed to the old address die; the owner hears of the change there (issue 11) */
	req *r = c->r;
	email_change ch = {cur->id, r->me->org_id, cur->kennung, cur->vorname, cur->name, cur->email, f->email,
			   arena_printf(r->a, "die Administratorin bzw. der Administrator Ihrer Organisation (%s %s)",
					r->me->vorname, r->me->name)};
	int told = email_change_notify(&r->who, &ch);
	c->owner_told = told == 1;
	return told < 0 ? DB_TX_FAIL : 0;
}

static int edit_tx(void *p)
{
	struct edit_ctx *c = p;
	sb *cur;
	enum sb_lookup found = sb_load(c->r, c->kennung, true, &cur);
	if (found == SB_DB_ERROR)
		return DB_TX_FAIL;
	if (found == SB_NONE) {
		c->outcome = EDIT_GONE;
		return 1;
	}
	c->fresh = cur;
	if (c->version >= 0 && c->version != cur->version) {
		c->outcome = EDIT_CONFLICT;
		return 1;
	}
	c->outcome = EDIT_SAVED;
	return edit_store(c, cur);
}

/* The version the edit form was drawn from, or -1 when none was posted. */
static long long posted_version(req *r)
{
	long long v;
	const char *vs = form_get(r, "version");
	return vs && parse_int(vs, 0, 1LL << 40, &v) == 0 ? v : -1;
}

void users_edit_post(req *r)
{
	sb *s = sb_from_path(r);
	if (!s)
		return;
	struct edit_view v = {s, org_rights(r), NULL, false};
	struct sb_form f;
	if (sb_form_read(r, &f, false, v.available)) {
		v.in = &f;
		edit_show(r, 422, &v);
		return;
	}
	struct edit_ctx c = {.r = r, .kennung = s->kennung, .f = &f, .version = posted_version(r),
			     .available = v.available};
	if (db_tx(edit_tx, &c) < 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case EDIT_SAVED:
		redirect(r, url_printf(r->a, "/sachbearbeiter/%s?ok=%s", s->kennung,
				       c.owner_told ? "gespeichert-email-hinweis" :
				       c.email_changed ? "gespeichert-email" : "gespeichert"));
		return;
	case EDIT_CONFLICT: /* show what is stored now */
		form_error(r, "_", conflict_msg);
		edit_show(r, 409, &(struct edit_view){c.fresh, v.available, NULL, true});
		return;
	case EDIT_GONE:
		page_error(r, 404, not_found_msg);
		return;
	case EDIT_DUP_EMAIL:
		form_error(r, "email", DUP_EMAIL_MSG);
		v.in = &f;
		edit_show(r, 422, &v);
		return;
	}
}

/* ---------- lock, unlock, password mail ---------- */

enum state_action { ACT_LOCK, ACT_UNLOCK, ACT_PASSWORD_MAIL };
enum state_outcome { ST_DONE, ST_UNCHANGED, ST_GONE, ST_RATE_LIMITED, ST_LOCKED_NO_MAIL };

struct state_ctx {
	req *r;
	enum state_action action;
	enum state_outcome outcome;
	const char *done; /* the notice key of the details page (ST_DONE) */
};

static int lock_step(struct state_ctx *c, const sb *s)
{
	req *r = c->r;
	if (strcmp(s->status, "gesperrt") == 0) {
		c->outcome = ST_UNCHANGED;
		return 0;
	}
	/* a link mailed before the lock must not set a password that is live after the unlock */
	if (db_exec("UPDATE account SET status_vor_sperre = status, status = 'gesperrt', version = version + 1, "
		    "updated_at = NOW() WHERE id = ?",
		    DBARGS(DI(s->id)), NULL, NULL) != 0 ||
	    session_end_all(s->id) != 0 || links_void(s->id) != 0)
		return DB_TX_FAIL;
	audit(&r->who, "sb_locked", s->kennung, arena_printf(r->a, "Benutzerstatus: %s → Gesperrt", status_label(s->status)));
	c->done = "gesperrt";
	return 0;
}

/* Back to the status before the lock; where none was kept, by whether a password was ever set. */
static int unlock_step(struct state_ctx *c, const sb *s)
{
	req *r = c->r;
	if (strcmp(s->status, "gesperrt") != 0) {
		c->outcome = ST_UNCHANGED;
		return 0;
	}
	db_res *prev = db_query(r->a, "SELECT COALESCE(status_vor_sperre, IF(password_hash IS NULL, 'angelegt', 'aktiv')) "
				      "FROM account WHERE id = ?",
				DBARGS(DI(s->id)));
	if (!prev || prev->nrows != 1)
		return DB_TX_FAIL;
	const char *back = db_str(prev, 0, 0);
	if (db_exec("UPDATE account SET status = ?, status_vor_sperre = NULL, version = version + 1, "
		    "updated_at = NOW() WHERE id = ?",
		    DBARGS(DS(back), DI(s->id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	audit(&r->who, "sb_unlocked", s->kennung, arena_printf(r->a, "Benutzerstatus: Gesperrt → %s", status_label(back)));
	c->done = "entsperrt";
	return 0;
}

/* A new activation link (never activated) or a reset link; the rate limit is committed. */
static int password_mail_step(struct state_ctx *c, const sb *s)
{
	req *r = c->r;
	if (strcmp(s->status, "gesperrt") == 0) {
		c->outcome = ST_LOCKED_NO_MAIL;
		return 0;
	}
	char bucket[64];
	snprintf(bucket, sizeof bucket, "adminmail:%lld", s->id);
	int ok = rate_hit(bucket, cfg.reset_mail_limit, cfg.rate_window_s);
	if (ok < 0)
		return DB_TX_FAIL;
	if (!ok) {
		c->outcome = ST_RATE_LIMITED;
		return 0;
	}
	if (queue_password_mail(r, s->id, s->status, s->email, s->vorname, s->name) != 0)
		return DB_TX_FAIL;
	bool activation = strcmp(s->status, "angelegt") == 0;
	audit(&r->who, "sb_password_mail", s->kennung, activation ? "neuer Aktivierungslink" : "Link zum Zurücksetzen");
	c->done = activation ? "aktivierung" : "reset";
	return 0;
}

static int state_tx(void *p)
{
	struct state_ctx *c = p;
	sb *s;
	enum sb_lookup found = sb_load(c->r, c->r->path_arg, true, &s);
	if (found == SB_DB_ERROR)
		return DB_TX_FAIL;
	if (found == SB_NONE) {
		c->outcome = ST_GONE;
		return 1;
	}
	c->outcome = ST_DONE;
	switch (c->action) {
	case ACT_LOCK: return lock_step(c, s);
	case ACT_UNLOCK: return unlock_step(c, s);
	case ACT_PASSWORD_MAIL: return password_mail_step(c, s);
	}
	return DB_TX_FAIL;
}

static void state_change(req *r, enum state_action action)
{
	struct state_ctx c = {.r = r, .action = action};
	if (db_tx(state_tx, &c) < 0) {
		db_fail(r);
		return;
	}
	switch (c.outcome) {
	case ST_DONE:
		redirect(r, url_printf(r->a, "/sachbearbeiter/%s?ok=%s", r->path_arg, c.done));
		return;
	case ST_UNCHANGED:
		redirect(r, url_printf(r->a, "/sachbearbeiter/%s", r->path_arg));
		return;
	case ST_GONE:
		page_error(r, 404, not_found_msg);
		return;
	case ST_RATE_LIMITED:
		page_error(r, 429, "Für diesen Benutzer wurden in kurzer Zeit zu viele E-Mails angefordert. Bitte versuchen "
				   "Sie es später erneut.");
		return;
	case ST_LOCKED_NO_MAIL:
		page_error(r, 409, "Der Benutzer ist gesperrt. Bitte entsperren Sie ihn, bevor Sie eine E-Mail für ein "
				   "neues Passwort versenden.");
		return;
	}
}

/* ---------- the confirmation page of a lock (without JavaScript) ---------- */

static void lock_confirm_html(req *r, sbuf *b, const void *view)
{
	const sb *s = view;
	h_raw(b, "<div class=\"card narrow\"><h1>Benutzer sperren</h1>");
	lock_question_html(b, s, "sperren-frage");
	lock_form_html(r, b, s, false);
	h_raw(b, "</div>");
}

static void lock_confirm_json(req *r, cJSON *o, const void *view)
{
	const sb *s = view;
	cJSON_AddStringToObject(o, "nutzerkennung", s->kennung);
	cJSON_AddStringToObject(o, "vorname", s->vorname);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "frage", arena_printf(r->a, "Möchten Sie den Benutzer %s %s (%s) wirklich sperren?",
							  s->vorname, s->name, s->kennung));
}

static const page_kind lock_confirm_page = {"Benutzer sperren", lock_confirm_html, lock_confirm_json, NULL};

/* GET: asks before the lock; an account already locked goes back to its details. Changes nothing. */
void users_lock_confirm(req *r)
{
	sb *s = sb_from_path(r);
	if (!s)
		return;
	if (strcmp(s->status, "gesperrt") == 0) {
		redirect(r, url_printf(r->a, "/sachbearbeiter/%s", s->kennung));
		return;
	}
	page_render(r, 200, &lock_confirm_page, s);
}

/* POST locks at once (SPEC §12: scripts lock in one request; the page and the dialog send
 * bestaetigt=1 after asking). */
void users_lock(req *r)
{
	state_change(r, ACT_LOCK);
}

void users_unlock(req *r)
{
	state_change(r, ACT_UNLOCK);
}

void users_password_mail(req *r)
{
	state_change(r, ACT_PASSWORD_MAIL);
}
