/* cli_message.c — `mvctl message send`, `message list`, `message export`: messages from and to
 * the Kasse. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include "domain.h"
#include "messages.h"
#include "secret.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- message send ---- */

char *cli_file_read(arena *a, const char *path, size_t *len, const char **err)
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
	char *out = arena_alloc(a, b.len + 1);
	if (b.len)
		memcpy(out, b.data, b.len);
	sbuf_free(&b);
	return out;
}

int cli_files_read(actor *who, const struct opts *o, const char *field, upload files[CLI_MAX_ATTACHMENTS])
{
	if (o->nanhang > cfg.upload_max_files)
		return cli_fail("too many attachments", NULL);
	for (int i = 0; i < o->nanhang; i++) {
		size_t len = 0;
		const char *err = NULL;
		char *data = cli_file_read(who->a, o->anhang[i], &len, &err);
		if (!data)
			return cli_fail("cannot read attachment: %s", err);
		files[i] = (upload){field, upload_filename(who->a, o->anhang[i], strlen(o->anhang[i])), data, len};
	}
	return 0;
}

/* The mailbox of --pnr and --gruppe or --kennung into m (and the audit row's target), as the
 * page /kasse/nachrichten/neu finds it. 0 ok, 1 after cli_fail. */
static int message_recipient(actor *who, const struct opts *o, struct message_new *m, const char **target)
{
	switch (kasse_recipient(who->a, o->pnr, o->gruppe, o->gruppe ? NULL : o->kennung, m, target)) {
	case KT_OK:
		return 0;
	case KT_NO_ORG:
		return cli_fail("no organisation with PNR %s", o->pnr);
	case KT_BAD_GROUP:
		return cli_fail("unknown group %s (beihilfe, beamtenversorgung, finanzierung, mitglieder-recht, "
				"geschaeftsleitung, administration)", o->gruppe);
	case KT_NO_SB:
		return cli_fail("no Sachbearbeiter %s in this organisation", o->kennung);
	default:
		return cli_fail("database error", NULL);
	}
}

int cli_message_send(actor *who, struct opts *o)
{
	if (!o->pnr || !o->betreff || !o->text || (!o->gruppe == !o->kennung))
		return cli_fail_usage("message", "send");
	if (!valid_text(o->betreff, 255))
		return cli_fail("--betreff: 1-255 characters without control characters", NULL);
	if (!*o->text || !utf8_valid(o->text, strlen(o->text)) || utf8_count(o->text, strlen(o->text)) > 20000)
		return cli_fail("--text: 1-20000 characters of UTF-8", NULL);
	if (str_has_ctl_but(o->text, strlen(o->text), "\t\r\n"))
		return cli_fail("--text: no control characters other than tabs and line breaks", NULL);
	struct message_new m = {.betreff = o->betreff, .text = o->text};
	const char *target = NULL, *why = NULL;
	upload files[CLI_MAX_ATTACHMENTS];
	if (message_recipient(who, o, &m, &target) != 0 || cli_files_read(who, o, "anhang", files) != 0)
		return 1;
	m.files = files;
	m.nfiles = (size_t)o->nanhang;
	long long id;
	switch (kasse_message_send(who, &m, target, &id, &why)) {
	case KS_OK:
		break;
	case KS_BAD_DOCUMENT:
		return cli_fail("%s", why);
	default:
		return cli_fail("database error", NULL);
	}
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)id);
		cli_print_json(j);
	} else
		printf("Nachricht %lld zugestellt.\n", id);
	return 0;
}

/* ---- message list ---- */

int cli_message_list(actor *who, struct opts *o)
{
	enum { COL_ID, COL_ZEIT, COL_ORDNER, COL_GRUPPE, COL_KENNUNG, COL_ABSENDER, COL_BETREFF, COL_ANHAENGE };
	if (!o->pnr)
		return cli_fail("--pnr is required", NULL);
	char datum[11] = "1900-01-01";
	if (o->seit && !parse_date(o->seit, datum))
		return cli_fail("--seit JJJJ-MM-TT or TT.MM.JJJJ", NULL);
	long long org_id = cli_org_by_pnr(who, o->pnr);
	if (org_id < 0)
		return cli_fail("database error", NULL);
	if (org_id == 0)
		return cli_fail("no organisation with PNR %s", o->pnr);
	db_res *res = db_query(who->a,
		"SELECT n.id, DATE_FORMAT(n.erstellt, '%Y-%m-%dT%H:%i:%sZ'), n.ordner, COALESCE(n.gruppe, -1), "
		"COALESCE(a.kennung, ''), n.absender, n.betreff, n.anhaenge FROM nachricht n "
		"JOIN organisation o ON o.id = n.org_id LEFT JOIN account a ON a.id = n.konto_id "
		"WHERE o.kasse = ? AND o.pnr = ? AND n.erstellt >= ? ORDER BY n.id LIMIT 10000",
		DBARGS(DS(cfg.kasse_nummer), DS(o->pnr), DS(datum)));
	if (!res)
		return cli_fail("database error", NULL);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->nrows; i++) {
		long long g = db_int(res, i, COL_GRUPPE);
		const char *box = g >= 0 && g < GRUPPE__MAX ? gruppe_slug[g] : db_str(res, i, COL_KENNUNG);
		const char *dir = strcmp(db_str(res, i, COL_ORDNER), "eingang") == 0 ? "an_mitglied" : "an_kasse";
		if (!cli_json) {
			printf("%lld  %s  %-11s  %-17s  %s: %s (%lld Dokumente)\n", db_int(res, i, COL_ID), db_str(res, i, COL_ZEIT),
			       dir, box, cli_text(who->a, db_str(res, i, COL_ABSENDER)), cli_text(who->a, db_str(res, i, COL_BETREFF)),
			       db_int(res, i, COL_ANHAENGE));
			continue;
		}
		cJSON *m = cJSON_CreateObject();
		cJSON_AddNumberToObject(m, "id", (double)db_int(res, i, COL_ID));
		cJSON_AddStringToObject(m, "zeit", db_str(res, i, COL_ZEIT));
		cJSON_AddStringToObject(m, "richtung", dir);
		cJSON_AddStringToObject(m, "postfach", box);
		cJSON_AddStringToObject(m, "absender", db_str(res, i, COL_ABSENDER));
		cJSON_AddStringToObject(m, "betreff", db_str(res, i, COL_BETREFF));
		cJSON_AddNumberToObject(m, "anhaenge", (double)db_int(res, i, COL_ANHAENGE));
		cJSON_AddItemToArray(arr, m);
	}
	if (cli_json)
		cli_print_json(arr);
	else
		cJSON_Delete(arr);
	return 0;
}

/* ---- message export ---- */

int cli_file_write_new(const char *dir, const char *name, const char *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0640);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The message (row 0 of the query in cli_message_export) as text: its metadata, a blank line,
 * the text. Allocates in a. */
static char *message_text(arena *a, long long id, const db_res *m)
{
	enum { COL_ZEIT, COL_ABSENDER, COL_BETREFF, COL_TEXT, COL_PNR, COL_GRUPPE, COL_ORDNER, COL_KENNUNG };
	long long g = db_int(m, 0, COL_GRUPPE);
	const char *box = g >= 0 && g < GRUPPE__MAX ? gruppe_name[g]
						   : arena_printf(a, "persönlich (%s)", db_str(m, 0, COL_KENNUNG));
	const char *dir = strcmp(db_str(m, 0, COL_ORDNER), "eingang") == 0 ? "Kasse an Mitglied" : "Mitglied an Kasse";
	return arena_printf(a, "Nachricht: %lld\nZeit: %s\nMitglied (PNR): %s\nPostfach: %s\nRichtung: %s\n"
			       "Absender: %s\nBetreff: %s\n\n%s\n",
			    id, db_str(m, 0, COL_ZEIT), db_str(m, 0, COL_PNR), box, dir, db_str(m, 0, COL_ABSENDER),
			    db_str(m, 0, COL_BETREFF), db_str(m, 0, COL_TEXT));
}

/* Each document as "<message id>-<document id>-<name>" (the name as the portal offers it:
 * document_name, which also covers rows stored before its rules; the ids keep two equal names
 * apart), added to files. 0 ok, 1 after cli_fail. */
static int attachments_write(arena *a, long long id, const db_res *att, const char *dir, cJSON *files)
{
	enum { COL_ID, COL_DATEINAME, COL_TYP, COL_DATEN };
	for (size_t i = 0; i < att->nrows; i++) {
		char *fname = arena_printf(a, "%lld-%lld-%s", id, db_int(att, i, COL_ID),
					   document_name(a, db_str(att, i, COL_DATEINAME), db_str(att, i, COL_TYP)));
		const db_cell *d = db_get(att, i, COL_DATEN);
		if (cli_file_write_new(dir, fname, d->s, d->len) != 0)
			return cli_fail("cannot write %s (exists already?)", fname);
		cJSON_AddItemToArray(files, cJSON_CreateString(fname));
	}
	return 0;
}

static void export_print(arena *a, const char *dir, cJSON *files)
{
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddItemToObject(j, "dateien", files);
		cli_print_json(j);
		return;
	}
	for (cJSON *it = files->child; it; it = it->next)
		printf("%s/%s\n", cli_text(a, dir), cli_text(a, it->valuestring));
	cJSON_Delete(files);
}

int cli_message_export(actor *who, struct opts *o)
{
	long long id;
	if (!o->id || parse_int(o->id, 1, 1LL << 62, &id) != 0 || !o->dir)
		return cli_fail_usage("message", "export");
	db_res *m = db_query(who->a,
		"SELECT DATE_FORMAT(n.erstellt, '%Y-%m-%dT%H:%i:%sZ'), n.absender, n.betreff, n.text, o.pnr, "
		"COALESCE(n.gruppe, -1), n.ordner, COALESCE(a.kennung, '') FROM nachricht n "
		"JOIN organisation o ON o.id = n.org_id LEFT JOIN account a ON a.id = n.konto_id WHERE n.id = ?",
		DBARGS(DI(id)));
	if (!m)
		return cli_fail("database error", NULL);
	if (m->nrows == 0)
		return cli_fail("no message %s", o->id);
	if (mkdir(o->dir, 0750) != 0 && errno != EEXIST)
		return cli_fail("cannot create the directory: %s", strerror(errno));
	db_res *att = db_query(who->a, "SELECT id, dateiname, typ, daten FROM anhang WHERE nachricht_id = ? ORDER BY id",
			       DBARGS(DI(id)));
	if (!att)
		return cli_fail("database error", NULL);
	char *txt = message_text(who->a, id, m);
	char *name = arena_printf(who->a, "nachricht-%lld.txt", id);
	if (cli_file_write_new(o->dir, name, txt, strlen(txt)) != 0)
		return cli_fail("cannot write %s (exists already?)", name);
	cJSON *files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, cJSON_CreateString(name));
	if (attachments_write(who->a, id, att, o->dir, files) != 0) {
		cJSON_Delete(files);
		return 1;
	}
	export_print(who->a, o->dir, files);
	return 0;
}
