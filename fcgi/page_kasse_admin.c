/* page_kasse_admin.c — SPEC §15 "portaladmin" beyond the organisations: "Nutzerkennung suchen"
 * (handbook §1.4, as `mvctl user find`), the "Protokoll" of all organisations (the audit log and
 * the access log of personal data, ab_zugriff; keyset paging, newest first) and "Feedback und
 * Support" (what /feedback and /support stored, as `mvctl feedback list`). */
#include "pages.h"
#include "audit.h"
#include "db.h"
#include "domain.h"
#include "form.h"
#include "html.h"
#include "pager.h"
#include "layout.h"
#include "orgs.h"
#include <stddef.h>
#include <string.h>

#define FIND_SHOWN 50
#define LOG_SHOWN 50
#define FEEDBACK_SHOWN 20
#define FEEDBACK_SHORT 300 /* characters of a message shown before "Ganze Nachricht" */

/* ---------- Nutzerkennung suchen ---------- */

struct find_form {
	const char *name, *email, *pnr;
};

static const form_field find_fields[] = {
	{"name", "Name oder Vorname (Anfang)", FT_TEXT, FF_KEEP, 100, check_line, NULL,
	 "Der Name darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "off",
	 offsetof(struct find_form, name)},
	{"email", "E-Mail-Adresse", FT_TEXT, FF_KEEP, 254, check_line, NULL,
	 "Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein.", "off", offsetof(struct find_form, email)},
	{"pnr", "PNR", FT_NUMERIC, FF_KEEP, 20, check_digits, NULL, "Die PNR besteht aus höchstens 20 Ziffern.", "off",
	 offsetof(struct find_form, pnr)},
};

struct find_view {
	const struct find_form *in;
	bool searched, cut;
	long long n;
	const user_hit *hits;
};

static void find_table_html(sbuf *b, const struct find_view *v)
{
	if (v->cut)
		alert_box(b, "info", "Es werden nur die ersten 50 Treffer angezeigt. Bitte grenzen Sie die Suche ein "
				     "(z. B. mit der PNR).");
	table_open(b, "Treffer", NULL,
		   TABLE_COLS("Nutzerkennung", "Name", "E-Mail-Adresse", "Benutzerstatus", "Mitglied"));
	for (long long i = 0; i < v->n; i++) {
		const user_hit *h = &v->hits[i];
		h_printf(b, "<tr><td>%s</td><td>%s %s</td><td>%s</td><td>%s</td><td>%s</td></tr>", h->kennung, h->vorname,
			 h->name, h->email, status_label(h->status), h->mitglied ? h->mitglied : "Kasse");
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"5\">Keine Nutzer gefunden.</td></tr>");
	table_close(b);
}

static void find_html(req *r, sbuf *b, const void *view)
{
	const struct find_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Nutzerkennung suchen</h1><p class=\"lead\">Hat ein Nutzer seine Nutzerkennung "
		 "vergessen (Handbuch 1.4), finden Sie sie hier nach dem Anfang des Namens oder Vornamens, der E-Mail-Adresse "
		 "oder der PNR der Organisation. Mindestens eine Angabe ist nötig.</p>"
		 "<form class=\"filter\" method=\"get\" action=\"/kasse/nutzerkennung\" role=\"search\" "
		 "aria-label=\"Nutzerkennung suchen\"><div class=\"field-row\">");
	form_fields(r, b, find_fields, ARRAY_LEN(find_fields), v->in);
	h_raw(b, "</div><div class=\"actions left\"><button type=\"submit\" class=\"btn\">Suchen</button></div></form>");
	if (v->searched)
		find_table_html(b, v);
	h_raw(b, "</div>");
}

static void find_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct find_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "treffer");
	for (long long i = 0; i < v->n; i++) /* as `mvctl user find --json` */
		cJSON_AddItemToArray(arr, user_hit_json(&v->hits[i]));
	cJSON_AddBoolToObject(o, "abgeschnitten", v->cut);
}

static const page_kind find_page = {"Nutzerkennung suchen", find_html, find_json, NULL};

void kasse_user_find(req *r)
{
	struct find_form *in = arena_alloc(r->a, sizeof *in);
	struct find_view *v = arena_alloc(r->a, sizeof *v);
	v->in = in;
	if (form_read(r, find_fields, ARRAY_LEN(find_fields), in)) {
		page_render(r, 422, &find_page, v);
		return;
	}
	v->searched = in->name || in->email || in->pnr;
	if (v->searched) {
		user_hit *h;
		v->n = user_find(r->a, in->name, in->email, in->pnr, FIND_SHOWN + 1, &h);
		if (v->n < 0) {
			db_fail(r);
			return;
		}
		v->hits = h;
		v->cut = v->n > FIND_SHOWN;
		if (v->cut)
			v->n = FIND_SHOWN;
	}
	page_render(r, 200, &find_page, v);
}

/* ---------- Protokoll ---------- */

struct log_form {
	const char *bereich, *pnr, *kennung, *ereignis, *von, *bis, *vor;
};

static const form_field log_fields[] = {
	{"bereich", "Bereich", FT_TEXT, FF_KEEP, 20, NULL, NULL, NULL, NULL, offsetof(struct log_form, bereich)},
	{"pnr", "Organisation (PNR)", FT_NUMERIC, FF_KEEP, 20, check_digits, NULL, "Die PNR besteht aus höchstens 20 "
	 "Ziffern.", "off", offsetof(struct log_form, pnr)},
	{"kennung", "Person (Nutzerkennung)", FT_TEXT, FF_KEEP, 17, check_line, NULL, "Bitte geben Sie eine Nutzerkennung "
	 "ein (z. B. S201-…).", "off", offsetof(struct log_form, kennung)},
	{"ereignis", "Ereignis", FT_TEXT, FF_KEEP, 64, check_line, NULL, "Unbekanntes Ereignis.", NULL,
	 offsetof(struct log_form, ereignis)},
	{"von", "Von", FT_DATE, FF_KEEP, 10, check_date, NULL, "Bitte geben Sie das Datum als TT.MM.JJJJ ein.", "off",
	 offsetof(struct log_form, von)},
	{"bis", "Bis", FT_DATE, FF_KEEP, 10, check_date, NULL, "Bitte geben Sie das Datum als TT.MM.JJJJ ein.", "off",
	 offsetof(struct log_form, bis)},
	{"vor", "Ältere als", FT_NUMERIC, FF_KEEP, 20, check_digits, NULL, "Ungültige Seite.", NULL,
	 offsetof(struct log_form, vor)},
};
enum { LF_BEREICH, LF_PNR, LF_KENNUNG, LF_EREIGNIS, LF_VON, LF_BIS };

/* The events the select offers (any other stored event can still be asked for by its key). */
static const char *const log_events[] = {
	"org_added", "org_restricted", "admin_added", "admin_updated", "sb_created", "sb_updated", "sb_locked",
	"sb_unlocked", "sb_password_mail", "account_activated", "password_reset", "password_changed",
	"account_self_locked", "group_email_changed", "email_change_notice", "password_notice_previous",
	"login_ok", "login_failed", "tan_failed", "access_denied", "kennung_retrieved", "message_from_kasse",
	"meldung_eingereicht", "meldung_status", "ab_import", "kasse_added", "kasse_updated", "kasse_locked",
	"kasse_unlocked",
};
static const char *const zugriff_aktionen[] = {"ansehen", "aendern"};

static const char *const zugriff_labels[] = {"angesehen", "geändert"};

struct log_view {
	const struct log_form *in;
	bool zugriffe; /* the access log of personal data, else the audit log */
	long long n;
	const audit_row *rows;
	const zugriff_row *zrows;
	long long next; /* the id older entries follow after; 0: none */
};

/* The filter from the form into f; errors at their fields. */
static void log_filter_read(req *r, struct log_form *in, struct log_view *v, audit_filter *f)
{
	form_read(r, log_fields, ARRAY_LEN(log_fields), in);
	v->in = in;
	v->zugriffe = in->bereich && strcmp(in->bereich, "zugriffe") == 0;
	if (in->bereich && !v->zugriffe && strcmp(in->bereich, "aenderungen") != 0)
		form_error(r, "bereich", "Wählen Sie „Änderungen“ oder „Zugriffe auf personenbezogene Daten“.");
	*f = (audit_filter){0};
	if (in->pnr && !form_error_for(r, "pnr")) {
		org_info o;
		int found = org_find(r->a, in->pnr, &o);
		if (found == 0)
			form_error(r, "pnr", "Eine Organisation mit dieser PNR gibt es nicht.");
		f->org_id = found == 1 ? o.id : -1;
	}
	if (in->kennung) {
		char *k = arena_strdup(r->a, in->kennung);
		str_upper_ascii(k);
		f->kennung = k;
	}
	if (v->zugriffe && in->ereignis && strcmp(in->ereignis, "ansehen") && strcmp(in->ereignis, "aendern"))
		form_error(r, "ereignis", "Bei den Zugriffen wählen Sie „angesehen“ oder „geändert“.");
	f->event = in->ereignis;
	f->von = in->von;
	f->bis = in->bis;
	if (in->vor && parse_int(in->vor, 1, (long long)9e18, &f->before_id) != 0)
		form_error(r, "vor", "Ungültige Seite.");
}

static void log_select(sbuf *b, const struct log_view *v)
{
	const char *ev = v->in->ereignis;
	h_raw(b, "<div class=\"field\"><label for=\"filter-ereignis\">Ereignis</label><select id=\"filter-ereignis\" "
		 "name=\"ereignis\"><option value=\"\">Alle</option>");
	bool shown = !ev;
	h_raw(b, "<optgroup label=\"Änderungen\">");
	for (size_t i = 0; i < ARRAY_LEN(log_events); i++) {
		bool sel = ev && strcmp(ev, log_events[i]) == 0;
		shown |= sel;
		h_printf(b, "<option value=\"%s\"%s>%s</option>", log_events[i], sel ? " selected" : "",
			 audit_event_label(log_events[i]));
	}
	h_raw(b, "</optgroup><optgroup label=\"Zugriffe auf personenbezogene Daten\">");
	for (size_t i = 0; i < ARRAY_LEN(zugriff_aktionen); i++) {
		bool sel = ev && strcmp(ev, zugriff_aktionen[i]) == 0;
		shown |= sel;
		h_printf(b, "<option value=\"%s\"%s>%s</option>", zugriff_aktionen[i], sel ? " selected" : "", zugriff_labels[i]);
	}
	h_raw(b, "</optgroup>");
	if (!shown)
		h_printf(b, "<option value=\"%s\" selected>%s</option>", ev, ev);
	h_raw(b, "</select></div>");
}

static void log_filter_html(req *r, sbuf *b, const struct log_view *v)
{
	h_raw(b, "<form class=\"filter\" method=\"get\" action=\"/kasse/protokoll\" role=\"search\" aria-label=\"Protokoll "
		 "filtern\"><div class=\"field-row\"><div class=\"field\"><label for=\"filter-bereich\">Bereich</label>"
		 "<select id=\"filter-bereich\" name=\"bereich\">");
	h_printf(b, "<option value=\"aenderungen\"%s>Änderungen</option><option value=\"zugriffe\"%s>Zugriffe auf "
		    "personenbezogene Daten</option></select></div>",
		 v->zugriffe ? "" : " selected", v->zugriffe ? " selected" : "");
	form_fields(r, b, &log_fields[LF_PNR], 2, v->in);
	log_select(b, v);
	form_fields(r, b, &log_fields[LF_VON], 2, v->in);
	h_raw(b, "</div><div class=\"actions left\"><button type=\"submit\" class=\"btn\">Filtern</button>"
		 "<a class=\"btn secondary\" href=\"/kasse/protokoll\">Filter zurücksetzen</a></div></form>");
}

static void audit_table_html(req *r, sbuf *b, const struct log_view *v)
{
	table_open(b, "Änderungen", NULL, TABLE_COLS("Zeitpunkt", "PNR", "Wer", "Aktion", "Betroffen", "Änderung"));
	for (long long i = 0; i < v->n; i++) {
		const audit_row *e = &v->rows[i];
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
			 time_de(r->a, e->utc, TIME_SECONDS), e->pnr ? e->pnr : "–", *e->e.wer ? e->e.wer : "–",
			 audit_event_label(e->e.ereignis), e->e.betroffen, e->e.aenderung);
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"6\">Keine Einträge.</td></tr>");
	table_close(b);
}

static void zugriff_table_html(req *r, sbuf *b, const struct log_view *v)
{
	table_open(b, "Zugriffe auf personenbezogene Daten", NULL,
		   TABLE_COLS("Zeitpunkt", "PNR", "Wer", "Zugriff", "Person (Nr.)", "Meldung"));
	for (long long i = 0; i < v->n; i++) {
		const zugriff_row *z = &v->zrows[i];
		h_printf(b, "<tr><td>%s</td><td>%s</td><td>%s (%s)</td><td>%s</td><td>%s</td><td>%s</td></tr>",
			 time_de(r->a, z->utc, TIME_SECONDS), z->pnr ? z->pnr : "–", z->wer_name, z->wer,
			 strcmp(z->aktion, "aendern") == 0 ? "geändert" : "angesehen", z->person_nr,
			 z->aktenzeichen ? z->aktenzeichen : "–");
	}
	if (!v->n)
		h_raw(b, "<tr><td colspan=\"6\">Keine Einträge.</td></tr>");
	table_close(b);
}

/* "Neueste Einträge", "Ältere Einträge" with the filters. */
static void log_pager_html(req *r, sbuf *b, const struct log_view *v)
{
	const struct log_form *in = v->in;
	const char *bereich = v->zugriffe ? "zugriffe" : "aenderungen", *pnr = in->pnr ? in->pnr : "",
		   *kennung = in->kennung ? in->kennung : "", *ereignis = in->ereignis ? in->ereignis : "",
		   *von = in->von ? in->von : "", *bis = in->bis ? in->bis : "";
	const char *base = url_printf(r->a, "/kasse/protokoll?bereich=%s&pnr=%s&kennung=%s&ereignis=%s&von=%s&bis=%s",
				      bereich, pnr, kennung, ereignis, von, bis);
	const char *older = url_printf(r->a, "/kasse/protokoll?bereich=%s&pnr=%s&kennung=%s&ereignis=%s&von=%s&bis=%s"
					     "&vor=%lld", bereich, pnr, kennung, ereignis, von, bis, v->next);
	pager_log_html(b, "Neueste Einträge", in->vor ? base : NULL, v->next ? older : NULL);
}

static void log_html(req *r, sbuf *b, const void *view)
{
	const struct log_view *v = view;
	h_raw(b, "<div class=\"card\"><h1>Protokoll</h1><p class=\"lead\">Die Änderungen in allen Organisationen und die "
		 "Zugriffe auf personenbezogene Daten (wer welche Person oder Meldung angesehen oder geändert hat), neueste "
		 "zuerst. Zeiten in deutscher Ortszeit.</p>");
	log_filter_html(r, b, v);
	static const char *const unshown[] = {"bereich", "ereignis", "vor"}; /* fields without an input of their own */
	for (size_t i = 0; i < ARRAY_LEN(unshown); i++)
		if (form_error_for(r, unshown[i]))
			alert_box(b, "error", form_error_for(r, unshown[i]));
	if (!r->nerrors) {
		h_printf(b, "<h2>%s</h2>", v->zugriffe ? "Zugriffe auf personenbezogene Daten" : "Änderungen");
		if (v->zugriffe)
			zugriff_table_html(r, b, v);
		else
			audit_table_html(r, b, v);
		log_pager_html(r, b, v);
	}
	h_raw(b, "</div>");
}

static cJSON *zugriff_json(const zugriff_row *z)
{
	cJSON *e = cJSON_CreateObject(); /* the keys of `mvctl ab zugriffe --json`, with id and pnr */
	cJSON_AddNumberToObject(e, "id", (double)z->id);
	cJSON_AddStringToObject(e, "zeitpunkt", z->utc);
	cJSON_AddItemToObject(e, "pnr", z->pnr ? cJSON_CreateString(z->pnr) : cJSON_CreateNull());
	cJSON_AddStringToObject(e, "wer", z->wer);
	cJSON_AddStringToObject(e, "wer_name", z->wer_name);
	cJSON_AddStringToObject(e, "nr", z->person_nr);
	cJSON_AddStringToObject(e, "aktion", z->aktion);
	cJSON_AddItemToObject(e, "aktenzeichen", z->aktenzeichen ? cJSON_CreateString(z->aktenzeichen) : cJSON_CreateNull());
	return e;
}

static void log_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct log_view *v = view;
	cJSON_AddStringToObject(o, "bereich", v->zugriffe ? "zugriffe" : "aenderungen");
	cJSON *arr = cJSON_AddArrayToObject(o, v->zugriffe ? "zugriffe" : "eintraege");
	for (long long i = 0; i < v->n; i++) {
		if (v->zugriffe) {
			cJSON_AddItemToArray(arr, zugriff_json(&v->zrows[i]));
			continue;
		}
		cJSON *e = audit_entry_json(&v->rows[i].e, "zeit"); /* as `mvctl audit --json`, with id and pnr */
		cJSON_AddNumberToObject(e, "id", (double)v->rows[i].id);
		cJSON_AddItemToObject(e, "pnr", v->rows[i].pnr ? cJSON_CreateString(v->rows[i].pnr) : cJSON_CreateNull());
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddItemToObject(o, "vor", v->next ? cJSON_CreateNumber((double)v->next) : cJSON_CreateNull());
}

static const page_kind log_page = {"Protokoll", log_html, log_json, NULL};

void kasse_audit(req *r)
{
	struct log_form *in = arena_alloc(r->a, sizeof *in);
	struct log_view *v = arena_alloc(r->a, sizeof *v);
	audit_filter f;
	log_filter_read(r, in, v, &f);
	if (r->nerrors) {
		page_render(r, 422, &log_page, v);
		return;
	}
	if (v->zugriffe) {
		zugriff_row *z;
		v->n = zugriff_search(r->a, &f, LOG_SHOWN + 1, &z);
		v->zrows = z;
	} else {
		audit_row *a;
		v->n = audit_search(r->a, &f, LOG_SHOWN + 1, &a);
		v->rows = a;
	}
	if (v->n < 0) {
		db_fail(r);
		return;
	}
	if (v->n > LOG_SHOWN) {
		v->n = LOG_SHOWN;
		v->next = v->zugriffe ? v->zrows[LOG_SHOWN - 1].id : v->rows[LOG_SHOWN - 1].id;
	}
	page_render(r, 200, &log_page, v);
}

/* ---------- Feedback und Support ---------- */

struct fb_form {
	const char *art, *vor;
};

static const form_field fb_fields[] = {
	{"art", "Art", FT_TEXT, FF_KEEP, 10, NULL, NULL, NULL, NULL, offsetof(struct fb_form, art)},
	{"vor", "Ältere als", FT_NUMERIC, FF_KEEP, 20, check_digits, NULL, "Ungültige Seite.", NULL,
	 offsetof(struct fb_form, vor)},
};

struct fb_view {
	const char *art; /* "feedback", "support" or NULL: both */
	bool paged;
	const db_res *res;
	size_t n;
	long long next;
};

enum { FB_ID, FB_AT, FB_ZEIT, FB_ART, FB_BETREFF, FB_NACHRICHT, FB_RUECKRUF, FB_KENNUNG, FB_PNR };

static void fb_message_html(req *r, sbuf *b, const char *text)
{
	const char *shortened = utf8_clip(r->a, text, FEEDBACK_SHORT);
	if (strcmp(shortened, text) == 0) {
		h_printf(b, "<p class=\"message-text\">%s</p>", text);
		return;
	}
	h_printf(b, "<p class=\"message-text\">%s …</p><details><summary>Ganze Nachricht</summary><p class=\"message-text\">"
		    "%s</p></details>",
		 shortened, text);
}

static void fb_entry_html(req *r, sbuf *b, const db_res *res, size_t i)
{
	const char *kennung = db_str(res, i, FB_KENNUNG), *pnr = db_str(res, i, FB_PNR), *rr = db_str(res, i, FB_RUECKRUF);
	h_printf(b, "<article class=\"feedback\"><h2>%s: %s</h2><p class=\"hint\">%s · ",
		 strcmp(db_str(res, i, FB_ART), "support") == 0 ? "Support" : "Feedback", db_str(res, i, FB_BETREFF),
		 time_de(r->a, db_str(res, i, FB_AT), TIME_MINUTES));
	if (*kennung)
		h_printf(b, "%s%s%s", kennung, *pnr ? ", PNR " : "", pnr);
	else
		h_raw(b, "nicht angemeldet");
	if (*rr)
		h_printf(b, " · Rückruf: %s", rr);
	h_raw(b, "</p>");
	fb_message_html(r, b, db_str(res, i, FB_NACHRICHT));
	h_raw(b, "</article>");
}

static void fb_html(req *r, sbuf *b, const void *view)
{
	const struct fb_view *v = view;
	const char *art = v->art ? v->art : "";
	h_raw(b, "<div class=\"card\"><h1>Feedback und Support</h1><p class=\"lead\">Was über „Feedback“ und „Support“ "
		 "geschickt wurde, neueste zuerst.</p><form class=\"filter\" method=\"get\" action=\"/kasse/rueckmeldungen\" "
		 "role=\"search\" aria-label=\"Rückmeldungen filtern\"><div class=\"field-row\"><div class=\"field\">"
		 "<label for=\"filter-art\">Art</label><select id=\"filter-art\" name=\"art\">");
	h_printf(b, "<option value=\"\"%s>Alle</option><option value=\"feedback\"%s>Feedback</option><option "
		    "value=\"support\"%s>Support</option></select></div></div><div class=\"actions left\"><button "
		    "type=\"submit\" class=\"btn\">Filtern</button></div></form>",
		 *art ? "" : " selected", strcmp(art, "feedback") ? "" : " selected", strcmp(art, "support") ? "" : " selected");
	for (size_t i = 0; i < v->n; i++)
		fb_entry_html(r, b, v->res, i);
	if (!v->n)
		h_raw(b, "<p>Keine Rückmeldungen.</p>");
	pager_log_html(b, "Neueste Einträge", v->paged ? url_printf(r->a, "/kasse/rueckmeldungen?art=%s", art) : NULL,
		       v->next ? url_printf(r->a, "/kasse/rueckmeldungen?art=%s&vor=%lld", art, v->next) : NULL);
	h_raw(b, "</div>");
}

static void fb_json(req *r, cJSON *o, const void *view)
{
	(void)r;
	const struct fb_view *v = view;
	cJSON *arr = cJSON_AddArrayToObject(o, "rueckmeldungen");
	for (size_t i = 0; i < v->n; i++) { /* as `mvctl feedback list --json` */
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "id", (double)db_int(v->res, i, FB_ID));
		cJSON_AddStringToObject(e, "zeit", db_str(v->res, i, FB_ZEIT));
		cJSON_AddStringToObject(e, "art", db_str(v->res, i, FB_ART));
		cJSON_AddStringToObject(e, "betreff", db_str(v->res, i, FB_BETREFF));
		cJSON_AddStringToObject(e, "nachricht", db_str(v->res, i, FB_NACHRICHT));
		cJSON_AddStringToObject(e, "rueckruf", db_str(v->res, i, FB_RUECKRUF));
		cJSON_AddStringToObject(e, "nutzerkennung", db_str(v->res, i, FB_KENNUNG));
		cJSON_AddStringToObject(e, "pnr", db_str(v->res, i, FB_PNR));
		cJSON_AddItemToArray(arr, e);
	}
	cJSON_AddItemToObject(o, "vor", v->next ? cJSON_CreateNumber((double)v->next) : cJSON_CreateNull());
}

static const page_kind fb_page = {"Feedback und Support", fb_html, fb_json, NULL};

void kasse_feedback(req *r)
{
	struct fb_form in;
	struct fb_view *v = arena_alloc(r->a, sizeof *v);
	long long vor = 0;
	form_read(r, fb_fields, ARRAY_LEN(fb_fields), &in);
	if (in.art && strcmp(in.art, "feedback") && strcmp(in.art, "support"))
		form_error(r, "art", "Wählen Sie „Feedback“ oder „Support“.");
	if (in.vor && parse_int(in.vor, 1, (long long)9e18, &vor) != 0)
		form_error(r, "vor", "Ungültige Seite.");
	v->art = form_error_for(r, "art") ? NULL : in.art;
	if (r->nerrors) {
		page_render(r, 422, &fb_page, v);
		return;
	}
	db_res *res = db_query(r->a,
		"SELECT f.id, f.erstellt, DATE_FORMAT(f.erstellt, '%Y-%m-%dT%H:%i:%sZ'), f.art, f.betreff, f.nachricht, "
		"COALESCE(f.rueckruf, ''), COALESCE(a.kennung, ''), COALESCE(o.pnr, '') FROM rueckmeldung f "
		"LEFT JOIN account a ON a.id = f.konto_id LEFT JOIN organisation o ON o.id = f.org_id "
		"WHERE (? = '' OR f.art = ?) AND (? = 0 OR f.id < ?) ORDER BY f.id DESC LIMIT ?",
		DBARGS(DS(v->art ? v->art : ""), DS(v->art ? v->art : ""), DI(vor), DI(vor), DI(FEEDBACK_SHOWN + 1)));
	if (!res) {
		db_fail(r);
		return;
	}
	v->res = res;
	v->paged = vor > 0;
	v->n = res->nrows > FEEDBACK_SHOWN ? FEEDBACK_SHOWN : res->nrows;
	if (res->nrows > FEEDBACK_SHOWN)
		v->next = db_int(res, FEEDBACK_SHOWN - 1, FB_ID);
	page_render(r, 200, &fb_page, v);
}
