/* devseed.c — the handbook's demo data for `make run` (dev_mode only, never production):
 * Kasse 201, "Mäuserast (Beamtenversorgung) (PNR: 78970, Abr: 102898)", the administrator
 * Kim Mustermensch X201-000000000001 and a few Sachbearbeiter. Each run sets a fresh random
 * demo password (printed once), so no known password ever exists. */
#include "access.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "log.h"
#include "messages.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>


struct seed_ctx {
	arena *a;
	char password[40];
};

static const struct {
	char role;
	const char *kennung, *vorname, *name, *email, *status, *pnr; /* pnr NULL: an account of the Kasse */
	unsigned gruppen, rechte; /* bit sets as in domain.h */
	const char *kasse_rolle;
} people[] = {
	{'X', "X201-000000000001", "Kim", "Mustermensch", "kim.mustermensch@musterstadt.de", "aktiv", "78970", 0, 0, NULL},
	{'S', "S201-DEMO47950906", "Max", "Mustermensch", "max.mustermensch@musterstadt.de", "aktiv", "78970", 7, 7, NULL},
	{'S', "S201-DEMO10000002", "Hannah", "Mustermensch", "hannah.mustermensch@musterstadt.de", "angelegt", "78970", 5, 1, NULL},
	{'S', "S201-DEMO10000003", "Paul", "Mustermensch", "paul.mustermensch@musterstadt.de", "gesperrt", "78970", 4, 0, NULL},
	{'X', "X201-000000000002", "Erika", "Beispiel", "erika.beispiel@beispielkreis.de", "aktiv", "11111", 0, 0, NULL},
	{'K', "K201-000000000001", "Petra", "Portal", "petra.portal@kasse.example", "aktiv", NULL, 0, 0, "portaladmin"},
	{'K', "K201-000000000002", "Felix", "Fach", "felix.fach@kasse.example", "aktiv", NULL, 0, 0, "fach"},
};

static int orgs_insert(void)
{
	return db_exec("INSERT IGNORE INTO organisation (kasse, name, bereich, pnr, abr) VALUES "
		       "(?, 'Mäuserast', 'Beamtenversorgung', '78970', '102898'), "
		       "(?, 'Beispielkreis', 'Beihilfe', '11111', '200001')",
		       DBARGS(DS(cfg.kasse_nummer), DS(cfg.kasse_nummer)), NULL, NULL);
}

/* Columns of a person's account row as person_account reads it. */
enum { ACC_ID, ACC_HISTORY_SALT, ACC_HISTORY_OPS, ACC_HISTORY_MEM_KIB };

/* The account of people[i], inserted if it is not there yet; NULL on a database error. */
static db_res *person_account(const struct seed_ctx *c, size_t i)
{
	long long org_id = 0;
	if (people[i].pnr) {
		db_res *org = db_query(c->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
				       DBARGS(DS(cfg.kasse_nummer), DS(people[i].pnr)));
		if (!org || org->nrows != 1)
			return NULL;
		org_id = db_int(org, 0, 0);
	}
	db_res *acc = db_query(c->a, "SELECT id, history_salt, history_ops, history_mem_kib FROM account WHERE kennung = ?",
			       DBARGS(DS(people[i].kennung)));
	if (!acc || acc->nrows > 0)
		return acc;
	long long id;
	char kennung[KENNUNG_LEN + 1];
	if (account_insert(people[i].role, org_id, people[i].vorname, people[i].name, people[i].email,
			   people[i].pnr ? "1980-01-01" : NULL, people[i].kennung, kennung, &id) != 0 ||
	    db_exec("UPDATE account SET kasse_rolle = ? WHERE id = ?", DBARGS(DSZ(people[i].kasse_rolle), DI(id)),
		    NULL, NULL) != 0)
		return NULL;
	acc = db_query(c->a, "SELECT id, history_salt, history_ops, history_mem_kib FROM account WHERE id = ?", DBARGS(DI(id)));
	return acc && acc->nrows == 1 ? acc : NULL;
}

/* The groups and rights of people[i], replacing what the account had. */
static int person_groups_rights(long long id, size_t i)
{
	unsigned rechte = people[i].rechte;
	if (db_exec("DELETE FROM account_gruppe WHERE account_id = ?", DBARGS(DI(id)), NULL, NULL) != 0 ||
	    db_exec("UPDATE account SET recht_anspruchsberechtigte = ?, recht_kontaktdaten = ?, recht_formulare = ? "
		    "WHERE id = ?",
		    DBARGS(DI(rechte & 1), DI(!!(rechte & 2)), DI(!!(rechte & 4)), DI(id)), NULL, NULL) != 0)
		return -1;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if ((people[i].gruppen & (1u << g)) &&
		    db_exec("INSERT INTO account_gruppe (account_id, typ) VALUES (?, ?)", DBARGS(DI(id), DI(g)), NULL, NULL) != 0)
			return -1;
	return 0;
}

/* The demo password (hash given) and status of people[i], with its password-history fingerprint. */
static int person_password(const struct seed_ctx *c, const db_res *acc, size_t i, const char *hash)
{
	long long id = db_int(acc, 0, ACC_ID);
	unsigned char fp[HASH_BYTES];
	const db_cell *salt = db_get(acc, 0, ACC_HISTORY_SALT);
	if (salt->len != 16 ||
	    pw_fingerprint(c->password, strlen(c->password), (const unsigned char *)salt->s,
			   db_int(acc, 0, ACC_HISTORY_OPS), db_int(acc, 0, ACC_HISTORY_MEM_KIB), fp) != 0)
		return -1;
	if (db_exec("UPDATE account SET password_hash = ?, password_changed_at = NOW(), status = ?, "
		    "status_vor_sperre = IF(? = 'gesperrt', 'aktiv', NULL), failed_logins = 0, locked_until = NULL "
		    "WHERE id = ?",
		    DBARGS(DS(hash), DS(people[i].status), DS(people[i].status), DI(id)), NULL, NULL) != 0 ||
	    db_exec("INSERT INTO password_history (account_id, fingerprint) VALUES (?, ?)",
		    DBARGS(DI(id), DB(fp, sizeof fp)), NULL, NULL) != 0)
		return -1;
	return 0;
}

/* One message from the Kasse with a small PDF in Mäuserast's group mailbox Beihilfe, once. */
static int message_seed(const struct seed_ctx *c)
{
	static const char pdf[] =
		"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
		"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
		"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
		"4 0 obj<</Length 62>>stream\nBT /F1 18 Tf 72 760 Td (Festsetzungsbescheid - Beispiel) Tj ET\nendstream\nendobj\n"
		"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
		"trailer<</Root 1 0 R>>\n%%EOF\n";
	db_res *org = db_query(c->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = '78970'", DBARGS(DS(cfg.kasse_nummer)));
	if (!org || org->nrows != 1)
		return -1;
	db_res *have = db_query(c->a, "SELECT COUNT(*) FROM nachricht WHERE org_id = ?", DBARGS(DI(db_int(org, 0, 0))));
	if (!have)
		return -1;
	if (db_int(have, 0, 0) > 0)
		return 0;
	upload doc = {"anhang", "Festsetzungsbescheid.pdf", pdf, sizeof pdf - 1};
	struct message_new m = {
		.org_id = db_int(org, 0, 0), .gruppe = G_BEIHILFE, .ordner = "eingang",
		.absender = "Kommunale Versorgungskassen Westfalen-Lippe",
		.betreff = "Festsetzungsbescheid Versorgungsbezüge",
		.text = "Sehr geehrte Damen und Herren,\n\nanbei erhalten Sie den Festsetzungsbescheid zur Kenntnis.\n\n"
			"Mit freundlichen Grüßen\nIhre Kommunale Versorgungskassen Westfalen-Lippe",
		.files = &doc, .nfiles = 1};
	long long id;
	return message_store(c->a, &m, &id);
}

static int seed_tx(void *p)
{
	struct seed_ctx *c = p;
	char hash[PWHASH_MAX];
	if (orgs_insert() != 0 || pw_hash(c->password, strlen(c->password), hash) != 0)
		return DB_TX_FAIL;
	for (size_t i = 0; i < ARRAY_LEN(people); i++) {
		db_res *acc = person_account(c, i);
		if (!acc || person_groups_rights(db_int(acc, 0, ACC_ID), i) != 0)
			return DB_TX_FAIL;
		bool activated = strcmp(people[i].status, "angelegt") != 0; /* angelegt: no password yet */
		if (activated && person_password(c, acc, i, hash) != 0)
			return DB_TX_FAIL;
	}
	return message_seed(c) == 0 ? 0 : DB_TX_FAIL;
}

int dev_seed(void)
{
	arena a;
	arena_init(&a);
	struct seed_ctx c = {.a = &a};
	/* a random, policy-conforming demo password: "Demo-" + 10 random chars + "-7" */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char rnd[11];
	for (int i = 0; i < 10; i++)
		rnd[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	rnd[10] = '\0';
	snprintf(c.password, sizeof c.password, "Demo-%s-7", rnd);
	int rc = db_tx(seed_tx, &c);
	arena_reset(&a);
	if (rc != 0) {
		fprintf(stderr, "dev-seed: database error\n");
		return 1;
	}
	printf("Demo-Daten angelegt.\n"
	       "  Administrator:   X201-000000000001 (Kim Mustermensch, Mäuserast)\n"
	       "  Sachbearbeiter:  S201-DEMO47950906 (Max Mustermensch; im Gruppenpostfach Beihilfe liegt eine\n"
	       "                   Nachricht der Kasse mit PDF)\n"
	       "  Kasse:           K201-000000000001 (Petra Portal, Portal-Administratorin)\n"
	       "                   K201-000000000002 (Felix Fach, Sachbearbeiter der Kasse)\n"
	       "  Passwort (alle, nur in dieser Entwicklungsumgebung): %s\n",
	       c.password);
	sodium_memzero(c.password, sizeof c.password);
	return 0;
}
