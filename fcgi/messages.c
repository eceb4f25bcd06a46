/* messages.c — storing a message with its documents and queuing its notification, in the
 * caller's transaction; shared by the mailbox pages and `mvctl message send`. */
#include "config.h"
#include "db.h"
#include "domain.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include "messages.h"
#include "secret.h"
#include <stdio.h>
#include <string.h>

const char kasse_name[] = "Kommunale Versorgungskassen Westfalen-Lippe";

const char *upload_check(arena *a, const upload *u)
{
	if (u->len == 0)
		return arena_printf(a, "Die Datei „%s“ ist leer.", u->filename);
	if ((long long)u->len > cfg.upload_max_bytes)
		return arena_printf(a, "Die Datei „%s“ ist größer als %s.", u->filename, size_mb(a, cfg.upload_max_bytes));
	if (!upload_sniff(u->data, u->len))
		return arena_printf(a, "Die Datei „%s“ ist kein PDF-, PNG- oder JPEG-Dokument. Andere Dateiarten können "
					  "nicht übermittelt werden.", u->filename);
	return NULL;
}

int message_store(arena *a, const struct message_new *m, long long *id_out)
{
	unsigned long long id = 0;
	if (db_exec("INSERT INTO nachricht (org_id, gruppe, konto_id, ordner, absender, absender_konto_id, betreff, text, "
		    "antwort_auf, anhaenge, erstellt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW())",
		    DBARGS(DI(m->org_id), m->gruppe >= 0 ? DI(m->gruppe) : DNULL, m->konto_id ? DI(m->konto_id) : DNULL,
			   DS(m->ordner), DS(m->absender), m->absender_konto_id ? DI(m->absender_konto_id) : DNULL,
			   DS(m->betreff), DS(m->text), m->antwort_auf ? DI(m->antwort_auf) : DNULL, DI(m->nfiles)),
		    NULL, &id) != 0)
		return -1;
	for (size_t i = 0; i < m->nfiles; i++) {
		const upload *u = &m->files[i];
		const char *type = upload_sniff(u->data, u->len);
		if (db_exec("INSERT INTO anhang (nachricht_id, dateiname, typ, groesse, daten) VALUES (?, ?, ?, ?, ?)",
			    DBARGS(DI(id), DS(document_name(a, u->filename, type)), DS(type), DI(u->len), DB(u->data, u->len)),
			    NULL, NULL) != 0)
			return -1;
	}
	if (strcmp(m->ordner, "eingang") == 0) {
		/* §6: a notification without any content — only that something arrived, and where */
		db_res *to = m->gruppe >= 0 ?
			db_query(a, "SELECT email FROM org_gruppe WHERE org_id = ? AND typ = ? AND email IS NOT NULL",
				 DBARGS(DI(m->org_id), DI(m->gruppe))) :
			db_query(a, "SELECT email FROM account WHERE id = ? AND status <> 'gesperrt'", DBARGS(DI(m->konto_id)));
		if (!to)
			return -1;
		if (to->nrows == 1) {
			const char *box = m->gruppe >= 0 ? arena_printf(a, "Gruppenpostfach %s", gruppe_name[m->gruppe])
							 : "Persönliches Postfach";
			const char *link = arena_printf(a, "%s/postfach/%s", cfg.base_url,
							m->gruppe >= 0 ? gruppe_slug[m->gruppe] : "persoenlich");
			tpl_slot slots[] = {{"postfach", box}, {"link", link}};
			if (mail_queue(db_str(to, 0, 0), "neue-nachricht.txt", slots, ARRAY_LEN(slots)) != 0)
				return -1;
		}
	}
	*id_out = (long long)id;
	return 0;
}

struct store_ctx {
	arena *a;
	const struct message_new *m;
	long long id;
};

static int store_tx(void *p)
{
	struct store_ctx *c = p;
	return message_store(c->a, c->m, &c->id) ? DB_TX_FAIL : 0;
}

int message_store_tx(arena *a, const struct message_new *m, long long *id_out)
{
	struct store_ctx c = {a, m, 0};
	if (db_tx(store_tx, &c) != 0)
		return -1;
	*id_out = c.id;
	return 0;
}

/* ---------- from the Kasse ---------- */

enum kasse_to kasse_recipient(arena *a, const char *pnr, const char *gruppe, const char *kennung,
			      struct message_new *m, const char **target)
{
	db_res *org = db_query(a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
			       DBARGS(DS(cfg.kasse_nummer), DS(pnr)));
	if (!org)
		return KT_DB_ERROR;
	if (org->nrows == 0)
		return KT_NO_ORG;
	m->org_id = db_int(org, 0, 0);
	m->gruppe = -1;
	m->konto_id = 0;
	if (gruppe) {
		m->gruppe = gruppe_parse(gruppe);
		*target = m->gruppe >= 0 ? gruppe_slug[m->gruppe] : gruppe;
		return m->gruppe >= 0 ? KT_OK : KT_BAD_GROUP;
	}
	char *k = arena_strdup(a, kennung ? kennung : "");
	if (!kennung_normalize(k))
		return KT_NO_SB;
	db_res *acc = db_query(a, "SELECT id FROM account WHERE kennung = ? AND org_id = ? AND rolle = 'S'",
			       DBARGS(DS(k), DI(m->org_id)));
	if (!acc)
		return KT_DB_ERROR;
	if (acc->nrows == 0)
		return KT_NO_SB;
	m->konto_id = db_int(acc, 0, 0);
	*target = k;
	return KT_OK;
}

enum kasse_send kasse_message_send(const actor *who, struct message_new *m, const char *target, long long *id,
				   const char **why)
{
	for (size_t i = 0; i < m->nfiles; i++)
		if ((*why = upload_check(who->a, &m->files[i])) != NULL)
			return KS_BAD_DOCUMENT;
	m->ordner = "eingang";
	m->absender = kasse_name;
	m->absender_konto_id = 0;
	if (message_store_tx(who->a, m, id) != 0)
		return KS_DB_ERROR;
	audit_org(who, m->org_id, "message_from_kasse", target,
		  arena_printf(who->a, "Nachricht %lld, %zu Dokument(e)", *id, m->nfiles));
	return KS_OK;
}
