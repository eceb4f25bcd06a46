/* audit.c — the audit log: who changed what, when, from where; its labels and its JSON. */
#include "audit.h"
#include "db.h"
#include "domain.h"
#include "log.h"
#include <string.h>

/* The row's text cut to its columns (a request path may be longer than target's 200 characters, and
 * not UTF-8); a row that still cannot be written is logged, never silently lost. */
static void audit_insert(const actor *who, long long org_id, const char *actor_kennung, const char *event,
			 const char *target, const char *detail)
{
	log_event(event, actor_kennung, target, ""); /* the detail (names, addresses) stays in the table */
	arena *a = who->a;
	if (db_exec("INSERT INTO audit_log (at, org_id, actor, event, target, remote, detail) "
		    "VALUES (NOW(), ?, ?, ?, ?, ?, ?)",
		    DBARGS(org_id ? DI(org_id) : DNULL, DSZ(actor_kennung), DS(event),
			   DSZ(target ? utf8_clip(a, target, 200) : NULL), DSZ(who->remote ? utf8_clip(a, who->remote, 64) : NULL),
			   DSZ(detail ? utf8_clip(a, detail, 2000) : NULL)),
		    NULL, NULL) != 0)
		log_error("audit row not written: event=%s actor=%s target=%s", event, actor_kennung ? actor_kennung : "-",
			  target ? target : "-");
}

void audit_org(const actor *who, long long org_id, const char *event, const char *target, const char *detail)
{
	audit_insert(who, org_id, who->kennung, event, target, detail);
}

void audit(const actor *who, const char *event, const char *target, const char *detail)
{
	audit_org(who, who->org_id, event, target, detail);
}

void audit_self(const actor *who, long long account_id, const char *event, const char *detail)
{
	db_res *acc = db_query(who->a, "SELECT kennung, COALESCE(org_id, 0) FROM account WHERE id = ?",
			       DBARGS(DI(account_id)));
	if (!acc || acc->nrows != 1)
		return;
	audit_account(who, db_int(acc, 0, 1), db_str(acc, 0, 0), event, detail);
}

void audit_account(const actor *who, long long org_id, const char *kennung, const char *event, const char *detail)
{
	audit_insert(who, org_id, kennung, event, kennung, detail);
}

const char *audit_event_label(const char *event)
{
	static const struct {
		const char *event, *label;
	} labels[] = {
		{"sb_created", "Sachbearbeiter angelegt"},
		{"sb_updated", "Sachbearbeiterdetails geändert"},
		{"sb_locked", "Benutzer gesperrt"},
		{"sb_unlocked", "Benutzer entsperrt"},
		{"sb_password_mail", "E-Mail für neues Passwort versendet"},
		{"org_restricted", "Funktionseinschränkungen geändert"},
		{"account_activated", "Nutzerkonto aktiviert"},
		{"password_reset", "Passwort zurückgesetzt"},
		{"password_changed", "Passwort geändert"},
		{"account_self_locked", "Nutzerkonto vorübergehend selbst gesperrt"},
		{"admin_added", "Administrator angelegt"},
		{"admin_updated", "Administrator geändert"},
		{"group_email_changed", "Benachrichtigungsadresse geändert"},
		{"email_change_notice", "Hinweis an bisherige E-Mail-Adresse gesendet"},
		{"password_notice_previous", "Passwort-Hinweis an bisherige E-Mail-Adresse gesendet"},
		{"kasse_added", "Konto der Kasse angelegt"},
		{"kasse_updated", "Konto der Kasse geändert"},
		{"kasse_locked", "Konto der Kasse gesperrt"},
		{"kasse_unlocked", "Konto der Kasse entsperrt"},
		{"org_added", "Organisation angelegt"},
		{"login_ok", "Anmeldung"},
		{"login_failed", "Anmeldung fehlgeschlagen"},
		{"tan_failed", "TAN falsch eingegeben"},
		{"access_denied", "Zugriff verweigert"},
		{"kennung_retrieved", "Nutzerkennung abgerufen"},
		{"message_from_kasse", "Nachricht der Kasse gesendet"},
		{"meldung_eingereicht", "Meldung eingereicht"},
		{"meldung_status", "Status einer Meldung geändert"},
		{"ab_import", "Anspruchsberechtigte importiert"},
	};
	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		if (strcmp(event, labels[i].event) == 0)
			return labels[i].label;
	return event;
}

/* The label of a right's key in a change ("kontaktdaten" → "darf Personen-/Kontaktdaten sehen und
 * ändern"), or NULL for anything else. */
static const char *right_label(const char *key, size_t n)
{
	static const char base[] = "persönliches Postfach und Gruppenpostfächer";
	if (n == strlen("postfach") && memcmp(key, "postfach", n) == 0)
		return base;
	for (int k = 0; k < RECHT__MAX; k++)
		if (n == strlen(recht_key[k]) && memcmp(key, recht_key[k], n) == 0)
			return recht_label[k];
	return NULL;
}

/* A list of rights as written to the row ("postfach → postfach, kontaktdaten"), each key that is
 * a whole item replaced by its label, into b. */
static void rights_list_labelled(sbuf *b, const char *s)
{
	static const char arrow[] = " → ";
	while (*s) {
		const char *comma = strstr(s, ", "), *to = strstr(s, arrow);
		const char *end = comma && (!to || comma < to) ? comma : to ? to : s + strlen(s);
		size_t n = (size_t)(end - s);
		const char *label = right_label(s, n);
		sbuf_add(b, label ? label : s, label ? strlen(label) : n);
		size_t sep = !*end ? 0 : end == comma ? 2 : strlen(arrow);
		sbuf_add(b, end, sep);
		s = end + sep;
	}
}

/* Rights separated by blanks, as `mvctl org restrict` writes them ("kontaktdaten formulare "), by
 * their labels joined with ", " into b; "keine" for none. */
static void rights_words_labelled(sbuf *b, const char *s, size_t len)
{
	size_t before = b->len;
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(s + i, " ");
		n = n < len - i ? n : len - i;
		if (n) {
			const char *label = right_label(s + i, n);
			if (b->len > before)
				sbuf_adds(b, ", ");
			sbuf_add(b, label ? label : s + i, label ? strlen(label) : n);
		}
		i += n + 1;
	}
	if (b->len == before)
		sbuf_adds(b, "keine");
}

/* The change as shown: rights by their labels, not their keys (the row keeps the keys) — in the
 * "Rechte: …" part of sb_created and sb_updated, and in both parts of org_restricted. */
static const char *detail_labelled(arena *a, const char *event, const char *detail)
{
	sbuf b = sbuf_in(a);
	if (strcmp(event, "org_restricted") == 0) {
		const char *on = strstr(detail, "; eingeschaltet: ");
		if (!str_starts(detail, "ausgeschaltet: ") || !on)
			return detail;
		const char *off = detail + strlen("ausgeschaltet: ");
		sbuf_adds(&b, "ausgeschaltet: ");
		rights_words_labelled(&b, off, (size_t)(on - off));
		sbuf_adds(&b, "; eingeschaltet: ");
		on += strlen("; eingeschaltet: ");
		rights_words_labelled(&b, on, strlen(on));
		return b.data;
	}
	if (strcmp(event, "sb_created") != 0 && strcmp(event, "sb_updated") != 0)
		return detail;
	const char *at = NULL; /* the last "Rechte: " that starts a part: the rights are the last part */
	for (const char *p = detail; (p = strstr(p, "Rechte: ")); p++)
		if (p == detail || (p - detail >= 2 && p[-2] == ';' && p[-1] == ' '))
			at = p;
	if (!at)
		return detail;
	at += strlen("Rechte: ");
	sbuf_add(&b, detail, (size_t)(at - detail));
	rights_list_labelled(&b, at);
	return b.data;
}

const char *audit_detail_shown(arena *a, const char *event, const char *detail)
{
	return detail_labelled(a, event, detail);
}

static db_res *audit_query(arena *a, long long org_id, enum audit_scope scope, const char *k, long long limit,
			   long long offset)
{
	if (scope == AUDIT_ALL)
		return db_query(a,
			"SELECT DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ'), COALESCE(actor, 'mvctl'), event, "
			"COALESCE(target, ''), COALESCE(detail, ''), at FROM audit_log "
			"WHERE org_id = ? AND (? = '' OR target = ?) ORDER BY id LIMIT ? OFFSET ?",
			DBARGS(DI(org_id), DS(k), DS(k), DI(limit), DI(offset)));
	return db_query(a,
		"SELECT DATE_FORMAT(at, '%d.%m.%Y %H:%i:%s'), COALESCE(actor, 'Kasse'), event, COALESCE(target, ''), "
		"COALESCE(detail, ''), at FROM audit_log WHERE org_id = ? AND event IN ('sb_created', 'sb_updated', "
		"'sb_locked', 'sb_unlocked', 'sb_password_mail', 'org_restricted', 'account_activated', "
		"'password_reset', 'account_self_locked', 'admin_added', 'admin_updated', 'group_email_changed', "
		"'email_change_notice', 'password_notice_previous') "
		"AND (? = '' OR target = ?) ORDER BY id DESC LIMIT ? OFFSET ?",
		DBARGS(DI(org_id), DS(k), DS(k), DI(limit), DI(offset)));
}

long long audit_list(arena *a, long long org_id, enum audit_scope scope, const char *kennung, long long limit,
		     long long offset, audit_entry **out)
{
	char *k = arena_strdup(a, kennung ? kennung : "");
	str_upper_ascii(k);
	db_res *res = audit_query(a, org_id, scope, k, limit, offset);
	if (!res)
		return -1;
	audit_entry *e = arena_alloc(a, (res->nrows + 1) * sizeof *e);
	enum { ZEIT, WER, EREIGNIS, BETROFFEN, AENDERUNG, UTC };
	for (size_t i = 0; i < res->nrows; i++)
		e[i] = (audit_entry){db_str(res, i, ZEIT), db_str(res, i, WER), db_str(res, i, EREIGNIS),
				     db_str(res, i, BETROFFEN),
				     detail_labelled(a, db_str(res, i, EREIGNIS), db_str(res, i, AENDERUNG)), db_str(res, i, UTC)};
	*out = e;
	return (long long)res->nrows;
}

cJSON *audit_entry_json(const audit_entry *e, const char *time_key)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, time_key, e->zeit);
	cJSON_AddStringToObject(o, "wer", e->wer);
	cJSON_AddStringToObject(o, "ereignis", e->ereignis);
	cJSON_AddStringToObject(o, "aktion", audit_event_label(e->ereignis));
	cJSON_AddStringToObject(o, "betroffen", e->betroffen);
	cJSON_AddStringToObject(o, "aenderung", e->aenderung);
	return o;
}
