/* password.c — choosing a new password: policy, confirmation, history of all earlier ones. */
#include "password.h"
#include "access.h"
#include "config.h"
#include "html.h"
#include "mail.h"
#include "policy.h"
#include <sodium.h>
#include <string.h>
#include <strings.h>

const char newpw_reused_msg[] =
	"Dieses Passwort wurde für dieses Nutzerkonto bereits verwendet. Bitte wählen Sie ein anderes Passwort.";

bool newpw_check(arena *a, const newpw *n, const pw_owner *o, const char **pw_message,
		 const char **confirm_message)
{
	bool given = n->pw && *n->pw, confirmed = str_eq(n->pw ? n->pw : "", n->confirm ? n->confirm : "");
	*pw_message = given ? NULL : "Bitte geben Sie ein neues Passwort ein.";
	*confirm_message = confirmed ? NULL : "Die beiden Passwörter stimmen nicht überein.";
	unsigned v = given ? policy_check(n->pw, strlen(n->pw), o->kennung, o->vorname, o->name) : 0;
	if (v) {
		sbuf msg = sbuf_in(a);
		policy_describe(v, &msg);
		*pw_message = msg.data;
	}
	return !*pw_message && !*confirm_message;
}

int newpw_hash(newpw *n, const pw_owner *o)
{
	size_t len = strlen(n->pw);
	if (!o->salt || o->salt->len != 16)
		return -1;
	if (pw_fingerprint(n->pw, len, (const unsigned char *)o->salt->s, o->ops, o->mem_kib, n->fingerprint) != 0 ||
	    pw_hash(n->pw, len, n->hash) != 0)
		return -1;
	return 0;
}

int newpw_in_history(arena *a, long long account_id, const unsigned char fp[HASH_BYTES])
{
	db_res *h = db_query(a, "SELECT fingerprint FROM password_history WHERE account_id = ?", DBARGS(DI(account_id)));
	if (!h)
		return -1;
	int found = 0;
	for (size_t i = 0; i < h->nrows; i++) {
		const db_cell *c = db_get(h, i, 0);
		if (c->len == HASH_BYTES && sodium_memcmp(c->s, fp, HASH_BYTES) == 0)
			found = 1; /* no early exit: same work for every history length position */
	}
	return found;
}

/* Within email_change_window_days after an address change, the previous address hears of a new
 * password too: the owner of the account learns of a takeover through a changed address. */
static int previous_address_notice(const actor *who, const pw_owner *o, const char *zeit)
{
	enum { PREV, ROLLE, GEAENDERT };
	db_res *p = db_query(who->a, "SELECT email_vorher, rolle, email_geaendert_am "
				     "FROM account WHERE id = ? AND email_vorher IS NOT NULL "
				     "AND email_geaendert_am > NOW() - INTERVAL ? DAY",
			     DBARGS(DI(o->account_id), DI(cfg.email_change_window_days)));
	if (!p)
		return -1;
	const char *prev = p->nrows == 1 ? db_str(p, 0, PREV) : NULL;
	if (!prev || strcasecmp(prev, o->email) == 0)
		return 0;
	tpl_slot slots[] = {{"vorname", o->vorname}, {"name", o->name}, {"zeit", zeit},
			    {"geaendert", time_de(who->a, db_str(p, 0, GEAENDERT), TIME_UM_UHR)}, {"neu", mail_addr_mask(who->a, o->email)},
			    {"kontakt", account_contact(who->a, db_str(p, 0, ROLLE))}};
	if (mail_queue(prev, "passwort-geaendert-vorher.txt", slots, ARRAY_LEN(slots)) != 0)
		return -1;
	audit_self(who, o->account_id, "password_notice_previous",
		   arena_printf(who->a, "Hinweis auf das neue Passwort an die bisherige E-Mail-Adresse %s", prev));
	return 0;
}

int newpw_store(const actor *who, const pw_owner *o, const newpw *n)
{
	if (db_exec("UPDATE account SET password_hash = ?, password_changed_at = NOW(), "
		    "status = IF(status = 'angelegt', 'aktiv', status), "
		    "status_vor_sperre = IF(status_vor_sperre = 'angelegt', 'aktiv', status_vor_sperre), "
		    "version = version + 1, updated_at = NOW() "
		    "WHERE id = ?",
		    DBARGS(DS(n->hash), DI(o->account_id)), NULL, NULL) != 0)
		return -1;
	if (db_exec("INSERT INTO password_history (account_id, fingerprint) VALUES (?, ?)",
		    DBARGS(DI(o->account_id), DB(n->fingerprint, HASH_BYTES)), NULL, NULL) != 0)
		return -1;
	/* a link mailed before the change (forgot password, administrator's mail) must not set another */
	if (session_end_all(o->account_id) != 0 || links_void(o->account_id) != 0)
		return -1;
	db_res *now = db_query(who->a, "SELECT NOW()", DBNOARGS);
	if (!now)
		return -1;
	const char *zeit = time_de(who->a, db_str(now, 0, 0), TIME_UM_UHR);
	tpl_slot slots[] = {{"vorname", o->vorname}, {"name", o->name}, {"zeit", zeit}};
	if (mail_queue(o->email, "passwort-geaendert.txt", slots, ARRAY_LEN(slots)) != 0)
		return -1;
	return previous_address_notice(who, o, zeit);
}

int newpw_save(const actor *who, const pw_owner *o, const newpw *n)
{
	int hist = newpw_in_history(who->a, o->account_id, n->fingerprint);
	if (hist != 0)
		return hist;
	return newpw_store(who, o, n) != 0 ? -1 : 0;
}
