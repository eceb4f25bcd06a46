/* access.c — the helpers the access flows share: rate limits, single-use link tokens,
 * failed-login counting and self-lock, date and text validation. */
#include "access.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rate_hit(const char *what, long limit, long window_s)
{
	unsigned char bucket[HASH_BYTES];
	secret_hash("rate", what, strlen(what), bucket);
	/* one statement: LAST_INSERT_ID(x) hands the new count back as the statement's insert id */
	unsigned long long hits = 0;
	if (db_exec("INSERT INTO rate_limit (bucket, window_start, hits) VALUES (?, NOW(), LAST_INSERT_ID(1)) "
		    "ON DUPLICATE KEY UPDATE "
		    "hits = LAST_INSERT_ID(IF(window_start <= NOW() - INTERVAL ? SECOND, 1, hits + 1)), "
		    "window_start = IF(window_start <= NOW() - INTERVAL ? SECOND, NOW(), window_start)",
		    DBARGS(DB(bucket, sizeof bucket), DI(window_s), DI(window_s)), NULL, &hits) != 0)
		return -1;
	return hits >= 1 && hits <= (unsigned long long)limit ? 1 : 0;
}

int links_void(long long account_id)
{
	return db_exec("UPDATE link_token SET used_at = NOW() WHERE account_id = ? AND used_at IS NULL",
		       DBARGS(DI(account_id)), NULL, NULL);
}

int link_create(long long account_id, const char *zweck, char token_out[TOKEN_CHARS + 1])
{
	unsigned char h[HASH_BYTES];
	secret_token(token_out);
	secret_hash("link", token_out, strlen(token_out), h);
	/* a new link voids every outstanding link of the account, whatever its purpose */
	if (links_void(account_id) != 0)
		return -1;
	return db_exec("INSERT INTO link_token (token_hash, account_id, zweck, created_at, expires_at) "
		       "VALUES (?, ?, ?, NOW(), NOW() + INTERVAL ? SECOND)",
		       DBARGS(DB(h, sizeof h), DI(account_id), DS(zweck), DI(cfg.link_ttl_s)), NULL, NULL);
}

char *link_url(arena *a, const char *path, const char *token)
{
	/* always the configured base URL, never the request's Host (WSTG-ATHN-09) */
	return arena_printf(a, "%s%s%s", cfg.base_url, path, url_printf(a, "?token=%s", token));
}

int login_failure(const actor *who, long long account_id)
{
	unsigned long long counted = 0, locked = 0;
	/* failures that arrive while the account is locked (attempts in flight when the lock started)
	 * neither count nor extend the lock */
	if (db_exec("UPDATE account SET failed_logins = failed_logins + 1 "
		    "WHERE id = ? AND (locked_until IS NULL OR locked_until <= NOW())",
		    DBARGS(DI(account_id)), &counted, NULL) != 0)
		return -1;
	if (!counted)
		return 0;
	if (db_exec("UPDATE account SET locked_until = NOW() + INTERVAL ? MINUTE, failed_logins = 0 "
		    "WHERE id = ? AND failed_logins >= ?",
		    DBARGS(DI(cfg.lock_minutes), DI(account_id), DI(cfg.lock_threshold)), &locked, NULL) != 0)
		return -1;
	if (locked) {
		/* a self-lock also ends sessions waiting for their TAN */
		if (db_exec("DELETE FROM session WHERE account_id = ? AND stage = 'tan'", DBARGS(DI(account_id)), NULL,
			    NULL) != 0)
			return -1;
		audit_self(who, account_id, "account_self_locked", "");
	}
	return locked ? 1 : 0;
}

/* The trigrams of a Sachbearbeiter's keys and Nutzerkennung as a JSON array of strings; not those
 * of the Nutzerkennung's first five characters ("S201-"), which every one of the organisation
 * holds (a filter skips them too, see page_users_list.c). */
static char *grams_json(arena *a, const char *kennung, const char *such_vorname, const char *such_name)
{
	enum { MAX = 3 * (ACCOUNT_KEY_CHARS + 17) };
	char(*g)[TRIGRAM_BYTES] = arena_alloc(a, MAX * sizeof *g);
	size_t n = text_trigrams(such_name, 'n', g, MAX);
	n += text_trigrams(such_vorname, 'v', g + n, MAX - n);
	char prefix[6];
	snprintf(prefix, sizeof prefix, "%s", kennung);
	n += trigrams_drop(g + n, text_trigrams(kennung, 'k', g + n, MAX - n), prefix, 'k');
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(g[i]));
	char *json = cJSON_PrintUnformatted(arr);
	char *out = arena_strdup(a, json ? json : "[]");
	free(json);
	cJSON_Delete(arr);
	return out;
}

const char *account_key(arena *a, const char *name)
{
	char *k = str_match_key(a, name);
	size_t chars = 0, i = 0;
	for (; k[i] && chars < ACCOUNT_KEY_CHARS; i++)
		chars += ((unsigned char)k[i] & 0xC0) != 0x80;
	while (k[i] && ((unsigned char)k[i] & 0xC0) == 0x80)
		i++;
	k[i] = '\0';
	return k;
}

int account_keys_store(arena *a, long long account_id, long long grams_org_id, const char *kennung,
		       const char *vorname, const char *name)
{
	const char *kv = account_key(a, vorname), *kn = account_key(a, name);
	if (db_exec("UPDATE account SET such_vorname = ?, such_name = ? WHERE id = ?", DBARGS(DS(kv), DS(kn), DI(account_id)),
		    NULL, NULL) != 0 ||
	    db_exec("DELETE FROM account_such WHERE account_id = ?", DBARGS(DI(account_id)), NULL, NULL) != 0)
		return -1;
	if (!grams_org_id)
		return 0;
	return db_exec("INSERT IGNORE INTO account_such (org_id, gram, account_id) SELECT ?, q.g, ? "
		       "FROM JSON_TABLE(?, '$[*]' COLUMNS (g VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) q",
		       DBARGS(DI(grams_org_id), DI(account_id), DS(grams_json(a, kennung, kv, kn))), NULL, NULL);
}

/* Inserts an account in state "angelegt" with a fresh history salt and a generated (or, for
 * demo data, fixed) Nutzerkennung, and its filter keys; retries on the unlikely collision.
 * Inside a transaction. */
int account_insert(enum account_role_code role, long long org_id, const char *vorname, const char *name,
		   const char *email, const char *geburtsdatum, const char *fixed_kennung, char kennung_out[KENNUNG_LEN + 1],
		   long long *id_out)
{
	unsigned char salt[16];
	randombytes_buf(salt, sizeof salt);
	for (int attempt = 0; attempt < 5; attempt++) {
		if (fixed_kennung)
			snprintf(kennung_out, KENNUNG_LEN + 1, "%s", fixed_kennung);
		else
			kennung_generate((char)role, cfg.kasse_nummer, kennung_out);
		char rolle[2] = {(char)role, 0};
		unsigned long long id = 0;
		if (db_exec("INSERT INTO account (kennung, rolle, org_id, vorname, name, email, geburtsdatum, status, "
			    "history_salt, history_ops, history_mem_kib) VALUES (?, ?, ?, ?, ?, ?, ?, 'angelegt', ?, ?, ?)",
			    DBARGS(DS(kennung_out), DS(rolle), org_id ? DI(org_id) : DNULL, DS(vorname), DS(name), DS(email),
				   DSZ(geburtsdatum), DB(salt, sizeof salt), DI(cfg.argon_ops), DI(cfg.argon_mem_kib)),
			    NULL, &id) == 0) {
			*id_out = (long long)id;
			if (role == 'S' && db_exec("UPDATE organisation SET sb_anzahl = sb_anzahl + 1 WHERE id = ?",
						   DBARGS(DI(org_id)), NULL, NULL) != 0)
				return -1;
			arena a;
			arena_init(&a);
			int rc = account_keys_store(&a, *id_out, role == 'S' ? org_id : 0, kennung_out, vorname, name);
			arena_reset(&a);
			return rc;
		}
		if (db_last_error() != DB_ERR_DUP || fixed_kennung)
			return -1;
	}
	return -1;
}

/* One batch of accounts without filter keys: each gets them, a Sachbearbeiter its trigrams too. */
static int keys_fill_tx(void *p)
{
	enum { COL_ID, COL_ORG, COL_KENNUNG, COL_VORNAME, COL_NAME };
	const db_res *res = p;
	arena a;
	arena_init(&a);
	int rc = 0;
	for (size_t i = 0; i < res->nrows && rc == 0; i++)
		if (account_keys_store(&a, db_int(res, i, COL_ID), db_int(res, i, COL_ORG), db_str(res, i, COL_KENNUNG),
				       db_str(res, i, COL_VORNAME), db_str(res, i, COL_NAME)) != 0)
			rc = DB_TX_FAIL;
	arena_reset(&a);
	return rc;
}

int account_keys_fill(void)
{
	arena a;
	arena_init(&a);
	long long filled = 0;
	int rc = 0;
	for (;;) {
		db_res *res = db_query(&a, "SELECT id, IF(rolle = 'S', org_id, 0), kennung, vorname, name FROM account "
					   "WHERE such_name IS NULL OR such_vorname IS NULL ORDER BY id LIMIT 500",
				       DBNOARGS);
		if (!res || (res->nrows && db_tx(keys_fill_tx, res) != 0)) {
			rc = -1;
			break;
		}
		if (!res->nrows)
			break;
		filled += (long long)res->nrows;
		arena_reset(&a);
	}
	arena_reset(&a);
	if (filled)
		log_info("filter keys of %lld accounts filled", filled);
	return rc;
}

int setpw_mail_queue(arena *a, long long account_id, const char *vorname, const char *name, const char *email)
{
	char token[TOKEN_CHARS + 1], minutes[24];
	if (link_create(account_id, "aktivierung", token) != 0)
		return -1;
	snprintf(minutes, sizeof minutes, "%ld", (cfg.link_ttl_s + 59) / 60);
	tpl_slot slots[] = {{"vorname", vorname}, {"name", name}, {"link", link_url(a, "/passwort-setzen", token)},
			    {"minutes", minutes}};
	return mail_queue(email, "passwort-festlegen.txt", slots, ARRAY_LEN(slots));
}

int session_end_all(long long account_id)
{
	return db_exec("DELETE FROM session WHERE account_id = ?", DBARGS(DI(account_id)), NULL, NULL);
}

const char *account_contact(arena *a, const char *rolle)
{
	if (str_eq(rolle, "S"))
		return arena_printf(a, "die Administratorin bzw. den Administrator Ihrer Organisation oder an den Support "
				       "der Kassen (%s)", cfg.support_email);
	return arena_printf(a, "die Portal-Administratoren der Kassen (%s)", cfg.support_email);
}

static bool same_addr(const char *x, const char *y)
{
	return x && y && strcasecmp(x, y) == 0;
}

static int email_notice_queue(const actor *who, const email_change *c, const char *to, const char *rolle,
			      const char *zeit)
{
	char days[24];
	snprintf(days, sizeof days, "%ld", cfg.email_change_window_days);
	tpl_slot slots[] = {{"vorname", c->vorname}, {"name", c->name}, {"wer", c->by}, {"zeit", zeit},
			    {"neu", mail_addr_mask(who->a, c->new_email)}, {"kontakt", account_contact(who->a, rolle)},
			    {"tage", days}};
	if (mail_queue(to, "email-geaendert.txt", slots, ARRAY_LEN(slots)) != 0)
		return -1;
	audit_org(who, c->org_id, "email_change_notice", c->kennung,
		  arena_printf(who->a, "Hinweis auf die neue E-Mail-Adresse an %s", to));
	return 0;
}

int email_change_notify(const actor *who, const email_change *c)
{
	enum { ROLLE, HAS_PASSWORD, KEPT, ZEIT };
	if (links_void(c->account_id) != 0)
		return -1; /* links mailed to the old address must not work any more */
	db_res *acc = db_query(who->a, "SELECT rolle, password_hash IS NOT NULL, "
				       "IF(email_geaendert_am > NOW() - INTERVAL ? DAY, email_vorher, NULL), "
				       "NOW() FROM account WHERE id = ?",
			       DBARGS(DI(cfg.email_change_window_days), DI(c->account_id)));
	if (!acc || acc->nrows != 1)
		return -1;
	if (!db_int(acc, 0, HAS_PASSWORD))
		return 0; /* never activated: nobody owns the account yet (a mistyped address is corrected) */
	const char *kept = db_str(acc, 0, KEPT), *rolle = db_str(acc, 0, ROLLE), *zeit = time_de(who->a, db_str(acc, 0, ZEIT), TIME_UM_UHR);
	/* the owner's address stays the previous one through further changes within the window;
	 * changed back to it, nothing is pending any more */
	const char *prev = !kept ? c->old_email : same_addr(kept, c->new_email) ? NULL : kept;
	if (db_exec("UPDATE account SET email_vorher = ?, email_geaendert_am = IF(? IS NULL, NULL, NOW()) WHERE id = ?",
		    DBARGS(DSZ(prev), DSZ(prev), DI(c->account_id)), NULL, NULL) != 0)
		return -1;
	if (email_notice_queue(who, c, c->old_email, rolle, zeit) != 0)
		return -1;
	if (kept && !same_addr(kept, c->old_email) && !same_addr(kept, c->new_email) &&
	    email_notice_queue(who, c, kept, rolle, zeit) != 0)
		return -1;
	return 1;
}
