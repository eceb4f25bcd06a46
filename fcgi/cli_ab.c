/* cli_ab.c — `mvctl ab import --file F [--full] [--dry-run]` (SPEC §13, DOMAIN.md §3): the Kasse's
 * persons as JSON Lines, validated whole, then written in batches; and the batch writer that
 * `dev seed --persons` uses too.
 *
 * Pass 1 streams the file through a fixed buffer (a line over 1 MiB is refused and skipped
 * without being kept), parses and validates every line (abrecord.c), looks its pnr up among our
 * Kasse's organisations (loaded once) and finds a second `nr` through a set of 64-bit keyed
 * hashes (SipHash, crypto_shorthash: 9–18 bytes per person; two different numbers share a hash
 * with probability about n²/2⁶⁵, for a million persons 3·10⁻⁸). Any error: nothing is written.
 * Pass 2 reads the file again and writes batches of AB_BATCH persons (or AB_BATCH_BYTES of input),
 * each one transaction: one SELECT of the batch's existing rows, an unchanged record (same
 * `inhalt`, the hash of its canonical JSON) is not written at all; new and changed persons, their
 * Lebenslauf, filter keys and trigrams each in one statement whose data is one JSON parameter
 * (JSON_TABLE), the organisations' ab_anzahl in the same transaction. A crash leaves whole
 * batches; the rerun finds them unchanged and writes the rest.
 * Contact rule: a field with a change from the portal that `ab aenderungen` has not listed
 * (kontakt_aenderung.gelistet_am IS NULL) keeps the portal's value; the row's inhalt is then
 * zero, so that a later import writes the file's value once the change is listed. */
#include "ab_pos.h"
#include "abrecord.h"
#include "access.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "dienstzeit.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { AB_LINE_MAX = 1 << 20, AB_CHUNK = 1 << 16, AB_BATCH = 500, AB_BATCH_BYTES = 4 << 20, AB_FEHLER_MAX = 100 };

/* ---- reading lines with a fixed buffer ---- */

struct reader {
	int fd;
	char chunk[AB_CHUNK];
	size_t clen, cpos;
	char *line; /* AB_LINE_MAX + 1 bytes */
	size_t len;
	long zeile;
	bool too_long;
};

/* The next line (without its newline) in r->line[0..len): 1, 0 at the end, -1 on a read error.
 * A line longer than AB_LINE_MAX sets too_long and is read past, not kept. */
static int reader_next(struct reader *r)
{
	bool any = false;
	r->len = 0;
	r->too_long = false;
	for (;;) {
		if (r->cpos == r->clen) {
			ssize_t k = read(r->fd, r->chunk, sizeof r->chunk);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			if (k == 0)
				return any ? (r->zeile++, 1) : 0;
			r->clen = (size_t)k;
			r->cpos = 0;
		}
		any = true;
		char *s = r->chunk + r->cpos, *nl = memchr(s, '\n', r->clen - r->cpos);
		size_t take = nl ? (size_t)(nl - s) : r->clen - r->cpos;
		if (!r->too_long && r->len + take > AB_LINE_MAX)
			r->too_long = true;
		else if (!r->too_long) {
			memcpy(r->line + r->len, s, take);
			r->len += take;
		}
		r->cpos += take + (nl ? 1 : 0);
		if (nl) {
			r->zeile++;
			return 1;
		}
	}
}

static bool line_blank(const struct reader *r)
{
	for (size_t i = 0; i < r->len; i++)
		if (r->line[i] != ' ' && r->line[i] != '\t' && r->line[i] != '\r')
			return false;
	return true;
}

/* ---- the set of person numbers (keyed 64-bit hashes; 0 marks an empty slot) ---- */

struct nrset {
	uint64_t *slot;
	size_t cap, n; /* cap a power of two */
	unsigned char key[crypto_shorthash_KEYBYTES];
};

static uint64_t nr_hash(const struct nrset *s, const char *nr)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)nr, strlen(nr), s->key);
	uint64_t v;
	memcpy(&v, h, sizeof v);
	return v ? v : 1;
}

static bool set_put(uint64_t *slot, size_t cap, uint64_t v)
{
	for (size_t i = (size_t)v & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (slot[i] == v)
			return false;
		if (!slot[i]) {
			slot[i] = v;
			return true;
		}
	}
}

/* Adds nr; false if it was there already. */
static bool nrset_add(struct nrset *s, const char *nr)
{
	if (s->n + 1 > s->cap - s->cap / 8) { /* load at most 7/8 */
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *slot = xcalloc(cap, sizeof *slot);
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i])
				set_put(slot, cap, s->slot[i]);
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	if (!set_put(s->slot, s->cap, nr_hash(s, nr)))
		return false;
	s->n++;
	return true;
}

static bool nrset_has(const struct nrset *s, const char *nr)
{
	if (!s->cap)
		return false;
	uint64_t v = nr_hash(s, nr);
	for (size_t i = (size_t)v & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == v)
			return true;
	return false;
}

/* ---- our Kasse's organisations, by pnr ---- */

struct org {
	char *pnr;
	long long id;
	bool named; /* the file holds persons of it (--full) */
};
struct orgs {
	struct org *v;
	size_t n;
};

static int org_cmp(const void *x, const void *y)
{
	return strcmp(((const struct org *)x)->pnr, ((const struct org *)y)->pnr);
}

static int orgs_load(arena *a, struct orgs *o)
{
	db_res *res = db_query(a, "SELECT id, pnr FROM organisation WHERE kasse = ?", DBARGS(DS(cfg.kasse_nummer)));
	if (!res)
		return -1;
	o->n = res->nrows;
	o->v = xcalloc(o->n + 1, sizeof *o->v);
	for (size_t i = 0; i < o->n; i++)
		o->v[i] = (struct org){xstrdup(db_str(res, i, 1)), db_int(res, i, 0), false};
	qsort(o->v, o->n, sizeof *o->v, org_cmp);
	return 0;
}

static struct org *orgs_find(struct orgs *o, const char *pnr)
{
	struct org key = {.pnr = (char *)pnr};
	return o->n ? bsearch(&key, o->v, o->n, sizeof *o->v, org_cmp) : NULL;
}

static void orgs_free(struct orgs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].pnr);
	free(o->v);
}

/* ---- the batch writer ---- */

enum kontakt_feld { KF_STRASSE, KF_PLZ, KF_ORT, KF_LAND, KF_TELEFON, KF_EMAIL, KF__MAX };
static const char *const kontakt_feld_key[KF__MAX] = {"strasse", "plz", "ort", "land", "telefon", "email"};

struct ab_item {
	struct ab_record rec;
	long long org_id;
	long zeile;
	/* filled by the batch's SELECT */
	long long id, alt_org;
	bool gefunden, gleich;
	unsigned keep; /* bits of enum kontakt_feld: the portal's value stays */
};

struct ab_writer {
	arena a;                /* the batch's records; reset after each batch */
	struct ab_item *item;   /* AB_BATCH */
	size_t n, bytes;
	bool dry;
	struct ab_zaehler z;    /* committed batches */
};

struct ab_writer *ab_writer_new(bool dry)
{
	struct ab_writer *w = xcalloc(1, sizeof *w);
	arena_init(&w->a);
	w->item = xcalloc(AB_BATCH, sizeof *w->item);
	w->dry = dry;
	return w;
}

void ab_writer_free(struct ab_writer *w)
{
	if (!w)
		return;
	arena_reset(&w->a);
	free(w->item);
	free(w);
}

const struct ab_zaehler *ab_writer_zaehler(const struct ab_writer *w)
{
	return &w->z;
}

static const char *rec_kontakt(const struct ab_record *r, int f)
{
	const char *v[KF__MAX] = {r->strasse, r->plz, r->ort, r->land, r->telefon, r->email};
	return v[f];
}

static void hex16(const unsigned char *in, char out[33])
{
	sodium_bin2hex(out, 33, in, AB_HASH_BYTES);
}

/* One row of the batch's SELECT applied to its item: found, unchanged?, which contact fields keep
 * the portal's value (a pending change whose value differs from the file's). */
static void item_match(struct ab_item *it, const db_res *res, size_t row)
{
	char hex[33];
	hex16(it->rec.inhalt, hex);
	it->gefunden = true;
	it->id = db_int(res, row, 1);
	it->alt_org = db_int(res, row, 2);
	it->gleich = it->alt_org == it->org_id && strcasecmp(db_str(res, row, 3), hex) == 0;
	const char *offen = db_str(res, row, 4);
	it->keep = 0;
	for (int f = 0; offen && f < KF__MAX; f++) {
		const char *cur = db_str(res, row, 5 + (size_t)f), *neu = rec_kontakt(&it->rec, f);
		bool pending = false;
		for (const char *p = offen; *p;) { /* "plz,ort" */
			size_t k = strcspn(p, ",");
			pending |= strlen(kontakt_feld_key[f]) == k && strncmp(p, kontakt_feld_key[f], k) == 0;
			p += k + (p[k] == ',');
		}
		if (pending && !str_eq(cur, neu))
			it->keep |= 1u << f;
	}
}

/* The batch's existing persons (locked), with their open contact changes and contact values. */
static int batch_select(struct ab_writer *w)
{
	cJSON *nrs = cJSON_CreateArray();
	for (size_t i = 0; i < w->n; i++)
		cJSON_AddItemToArray(nrs, cJSON_CreateString(w->item[i].rec.nr));
	char *json = cJSON_PrintUnformatted(nrs);
	cJSON_Delete(nrs);
	db_res *res = db_query(&w->a,
			       "SELECT j.i, p.id, p.org_id, HEX(p.inhalt), (SELECT GROUP_CONCAT(k.feld) FROM kontakt_aenderung k "
			       "WHERE k.person_id = p.id AND k.gelistet_am IS NULL), p.strasse, p.plz, p.ort, p.land, p.telefon, p.email "
			       "FROM JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY, nr VARCHAR(20) CHARACTER SET ascii "
			       "COLLATE ascii_bin PATH '$')) j JOIN person p ON p.nr = j.nr FOR UPDATE",
			       DBARGS(DS(json)));
	free(json);
	if (!res)
		return -1;
	for (size_t i = 0; i < w->n; i++)
		w->item[i].gefunden = w->item[i].gleich = false, w->item[i].keep = 0;
	for (size_t row = 0; row < res->nrows; row++) {
		long long i = db_int(res, row, 0);
		if (i >= 1 && (size_t)i <= w->n)
			item_match(&w->item[i - 1], res, row);
	}
	return 0;
}

static cJSON *jstr(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *jdec(long h)
{
	char d[16];
	if (h < 0)
		return cJSON_CreateNull();
	abrecord_decimal(h, d);
	return cJSON_CreateRaw(d);
}

/* The person's columns in the order of PERSON_COLS: [id, org, keep, nr, art, …, inhalt]. */
static cJSON *person_row(arena *a, const struct ab_item *it)
{
	const struct ab_record *r = &it->rec;
	char hex[33];
	static const unsigned char zero[AB_HASH_BYTES];
	hex16(it->keep ? zero : r->inhalt, hex);
	cJSON *row = cJSON_CreateArray();
	cJSON *v[] = {cJSON_CreateNumber((double)it->id), cJSON_CreateNumber((double)it->org_id),
		      cJSON_CreateNumber(it->keep), jstr(r->nr), jstr(ab_art_key[r->art]), jstr(r->name), jstr(r->vorname),
		      jstr(r->geburtsname), jstr(r->titel), jstr(r->geburtsdatum), jstr(r->familienstand),
		      jstr(r->familienstand_seit), jstr(r->strasse), jstr(r->plz), jstr(r->ort), jstr(r->land),
		      jstr(r->telefon), jstr(r->email), jstr(r->verhaeltnis), jstr(r->amtsbezeichnung),
		      jstr(r->besoldungsgruppe), r->stufe ? cJSON_CreateNumber(r->stufe) : cJSON_CreateNull(),
		      jdec(r->stunden), jdec(r->regelstunden), jstr(r->eintritt), jstr(r->ruhestand_voraussichtlich),
		      jstr(r->versorgung_art), jstr(r->versorgung_beginn), jstr(r->bezug_nr),
		      jstr(account_key(a, r->name)), jstr(account_key(a, r->vorname)), jstr(hex)};
	for (size_t i = 0; i < ARRAY_LEN(v); i++)
		cJSON_AddItemToArray(row, v[i]);
	return row;
}

/* JSON_TABLE columns of person_row. */
#define PERSON_COLS                                                                                                    \
	"'$[*]' COLUMNS (id BIGINT PATH '$[0]', o BIGINT PATH '$[1]', k INT PATH '$[2]', "                             \
	"nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin PATH '$[3]', art VARCHAR(20) PATH '$[4]', "              \
	"name VARCHAR(100) PATH '$[5]', vorname VARCHAR(100) PATH '$[6]', gn VARCHAR(100) PATH '$[7]', "               \
	"ti VARCHAR(50) PATH '$[8]', gd DATE PATH '$[9]', fs VARCHAR(40) PATH '$[10]', fss DATE PATH '$[11]', "        \
	"st VARCHAR(100) PATH '$[12]', plz VARCHAR(10) PATH '$[13]', ort VARCHAR(100) PATH '$[14]', "                   \
	"la VARCHAR(2) PATH '$[15]', tel VARCHAR(40) PATH '$[16]', em VARCHAR(254) PATH '$[17]', "                     \
	"dv VARCHAR(20) PATH '$[18]', da VARCHAR(100) PATH '$[19]', dbg VARCHAR(3) PATH '$[20]', ds INT PATH '$[21]', " \
	"dst DECIMAL(5,2) PATH '$[22]', drs DECIMAL(5,2) PATH '$[23]', de DATE PATH '$[24]', dr DATE PATH '$[25]', "   \
	"va VARCHAR(20) PATH '$[26]', vb DATE PATH '$[27]', vn VARCHAR(20) PATH '$[28]', "                             \
	"sn VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[29]', "                                      \
	"sv VARCHAR(250) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[30]', ih VARCHAR(32) PATH '$[31]')) j"

static int persons_insert(const char *json)
{
	return db_exec("INSERT INTO person (org_id, nr, art, name, vorname, geburtsname, titel, geburtsdatum, familienstand, "
		       "familienstand_seit, strasse, plz, ort, land, telefon, email, dienst_verhaeltnis, dienst_amtsbezeichnung, "
		       "dienst_besoldungsgruppe, dienst_stufe, dienst_stunden, dienst_regelstunden, dienst_eintritt, "
		       "dienst_ruhestand_voraussichtlich, versorgung_art, versorgung_beginn, versorgung_bezug_nr, such_name, "
		       "such_vorname, inhalt) SELECT j.o, j.nr, j.art, j.name, j.vorname, j.gn, j.ti, j.gd, j.fs, j.fss, j.st, "
		       "j.plz, j.ort, j.la, j.tel, j.em, j.dv, j.da, j.dbg, j.ds, j.dst, j.drs, j.de, j.dr, j.va, j.vb, j.vn, "
		       "j.sn, j.sv, UNHEX(j.ih) FROM JSON_TABLE(?, " PERSON_COLS,
		       DBARGS(DS(json)), NULL, NULL);
}

static int persons_update(const char *json)
{
	return db_exec("UPDATE person p JOIN JSON_TABLE(?, " PERSON_COLS " ON p.id = j.id SET p.org_id = j.o, p.art = j.art, "
		       "p.name = j.name, p.vorname = j.vorname, p.geburtsname = j.gn, p.titel = j.ti, p.geburtsdatum = j.gd, "
		       "p.familienstand = j.fs, p.familienstand_seit = j.fss, p.strasse = IF(j.k & 1, p.strasse, j.st), "
		       "p.plz = IF(j.k & 2, p.plz, j.plz), p.ort = IF(j.k & 4, p.ort, j.ort), p.land = IF(j.k & 8, p.land, j.la), "
		       "p.telefon = IF(j.k & 16, p.telefon, j.tel), p.email = IF(j.k & 32, p.email, j.em), "
		       "p.dienst_verhaeltnis = j.dv, p.dienst_amtsbezeichnung = j.da, p.dienst_besoldungsgruppe = j.dbg, "
		       "p.dienst_stufe = j.ds, p.dienst_stunden = j.dst, p.dienst_regelstunden = j.drs, p.dienst_eintritt = j.de, "
		       "p.dienst_ruhestand_voraussichtlich = j.dr, p.versorgung_art = j.va, p.versorgung_beginn = j.vb, "
		       "p.versorgung_bezug_nr = j.vn, p.such_name = j.sn, p.such_vorname = j.sv, p.inhalt = UNHEX(j.ih), "
		       "p.version = p.version + 1, p.importiert_am = NOW()",
		       DBARGS(DS(json)), NULL, NULL);
}

/* The periods ([nr, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung])
 * and trigrams ([nr, gram]) of one person appended. */
static void person_children(arena *a, const struct ab_record *r, cJSON *perioden, cJSON *grams)
{
	for (size_t k = 0; k < r->nperioden; k++) {
		const struct ab_periode *p = &r->perioden[k];
		cJSON *row = cJSON_CreateArray();
		cJSON *v[] = {jstr(r->nr), cJSON_CreateNumber((double)k), jstr(p->beginn), jstr(p->ende[0] ? p->ende : NULL),
			      jstr(zeitart_info[p->zeitart].key), jdec(p->stunden), jdec(p->regelstunden), jstr(p->dienstherr),
			      jstr(anerkennung_key[p->anerkennung])};
		for (size_t i = 0; i < ARRAY_LEN(v); i++)
			cJSON_AddItemToArray(row, v[i]);
		cJSON_AddItemToArray(perioden, row);
	}
	enum { MAX = 2 * 3 * (AB_TEXT_MAX + 2) };
	char(*g)[TRIGRAM_BYTES] = arena_alloc(a, MAX * sizeof *g);
	size_t n = text_trigrams(account_key(a, r->name), 'n', g, MAX);
	n += text_trigrams(account_key(a, r->vorname), 'v', g + n, MAX - n);
	for (size_t i = 0; i < n; i++) {
		cJSON *row = cJSON_CreateArray();
		cJSON_AddItemToArray(row, cJSON_CreateString(r->nr));
		cJSON_AddItemToArray(row, cJSON_CreateString(g[i]));
		cJSON_AddItemToArray(grams, row);
	}
}

/* The text of the JSON array j (freed here), or NULL when it is empty. */
static char *json_take(cJSON *j)
{
	char *t = cJSON_GetArraySize(j) > 0 ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	return t;
}

/* Organisations whose ab_anzahl a batch changes, and by how much. */
struct deltas {
	long long org[2 * AB_BATCH];
	long d[2 * AB_BATCH];
	size_t n;
};

static void delta_add(struct deltas *ds, long long org, long d)
{
	size_t i = 0;
	while (i < ds->n && ds->org[i] != org)
		i++;
	if (i == ds->n) {
		ds->org[ds->n] = org;
		ds->d[ds->n++] = 0;
	}
	ds->d[i] += d;
}

static cJSON *deltas_json(const struct deltas *ds)
{
	cJSON *j = cJSON_CreateArray();
	for (size_t i = 0; i < ds->n; i++)
		if (ds->d[i]) {
			cJSON *row = cJSON_CreateArray();
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)ds->org[i]));
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)ds->d[i]));
			cJSON_AddItemToArray(j, row);
		}
	return j;
}

/* The JSON texts of one batch's writes (NULL: nothing of that kind). */
struct batch_json {
	char *neu, *upd, *ids, *per, *grams, *deltas;
};

static void batch_json_free(struct batch_json *b)
{
	free(b->neu), free(b->upd), free(b->ids), free(b->per), free(b->grams), free(b->deltas);
}

/* Sorts the selected batch into new, changed and unchanged (counted in z) and builds the JSON of
 * the writes. */
static void batch_build(struct ab_writer *w, struct ab_zaehler *z, struct batch_json *b)
{
	cJSON *neu = cJSON_CreateArray(), *upd = cJSON_CreateArray(), *ids = cJSON_CreateArray();
	cJSON *per = cJSON_CreateArray(), *grams = cJSON_CreateArray();
	struct deltas *ds = arena_alloc(&w->a, sizeof *ds);
	for (size_t i = 0; i < w->n; i++) {
		struct ab_item *it = &w->item[i];
		if (it->gefunden && it->gleich) {
			z->unveraendert++;
			continue;
		}
		if (w->dry) {
			it->gefunden ? z->geaendert++ : z->neu++;
			continue;
		}
		cJSON_AddItemToArray(it->gefunden ? upd : neu, person_row(&w->a, it));
		if (it->gefunden) {
			z->geaendert++;
			cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)it->id));
			delta_add(ds, it->alt_org, -1);
		} else
			z->neu++;
		delta_add(ds, it->org_id, 1);
		person_children(&w->a, &it->rec, per, grams);
	}
	*b = (struct batch_json){json_take(neu), json_take(upd), json_take(ids), json_take(per), json_take(grams),
				 json_take(deltas_json(ds))};
}

static int batch_children(const struct batch_json *b)
{
	if (b->ids && (db_exec("DELETE l FROM lebenslauf l JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
			       "ON l.person_id = j.id",
			       DBARGS(DS(b->ids)), NULL, NULL) != 0 ||
		       db_exec("DELETE s FROM person_such s JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
			       "ON s.person_id = j.id",
			       DBARGS(DS(b->ids)), NULL, NULL) != 0))
		return -1;
	if (b->per && db_exec("INSERT INTO lebenslauf (person_id, pos, beginn, ende, zeitart, stunden, regelstunden, "
			      "dienstherr, anerkennung) SELECT p.id, j.pos, j.b, j.e, j.z, j.s, j.r, j.dh, j.an "
			      "FROM JSON_TABLE(?, '$[*]' COLUMNS (nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin "
			      "PATH '$[0]', pos INT PATH '$[1]', b DATE PATH '$[2]', e DATE PATH '$[3]', "
			      "z VARCHAR(5) CHARACTER SET ascii COLLATE ascii_bin PATH '$[4]', s DECIMAL(5,2) PATH '$[5]', "
			      "r DECIMAL(5,2) PATH '$[6]', dh VARCHAR(200) PATH '$[7]', an VARCHAR(20) PATH '$[8]')) j "
			      "JOIN person p ON p.nr = j.nr",
			      DBARGS(DS(b->per)), NULL, NULL) != 0)
		return -1;
	if (b->grams && db_exec("INSERT IGNORE INTO person_such (org_id, gram, person_id) SELECT p.org_id, j.g, p.id "
				"FROM JSON_TABLE(?, '$[*]' COLUMNS (nr VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin "
				"PATH '$[0]', g VARCHAR(4) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) j "
				"JOIN person p ON p.nr = j.nr",
				DBARGS(DS(b->grams)), NULL, NULL) != 0)
		return -1;
	if (b->deltas && db_exec("UPDATE organisation o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$[0]', "
				 "d INT PATH '$[1]')) j ON o.id = j.id SET o.ab_anzahl = GREATEST(CAST(o.ab_anzahl AS SIGNED) + j.d, 0)",
				 DBARGS(DS(b->deltas)), NULL, NULL) != 0)
		return -1;
	return 0;
}

struct batch_tx_ctx {
	struct ab_writer *w;
	struct ab_zaehler z;
};

static int batch_tx(void *p)
{
	struct batch_tx_ctx *c = p;
	c->z = (struct ab_zaehler){0};
	if (batch_select(c->w) != 0)
		return DB_TX_FAIL;
	struct batch_json b;
	batch_build(c->w, &c->z, &b);
	int rc = 0;
	if ((b.neu && persons_insert(b.neu) != 0) || (b.upd && persons_update(b.upd) != 0) || batch_children(&b) != 0)
		rc = DB_TX_FAIL;
	batch_json_free(&b);
	return rc;
}

/* The notes of the contact rule, after the batch's commit. */
static void batch_notes(const struct ab_writer *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct ab_item *it = &w->item[i];
		if (!it->keep || (it->gefunden && it->gleich))
			continue;
		char felder[64] = "";
		for (int f = 0; f < KF__MAX; f++)
			if (it->keep & (1u << f))
				snprintf(felder + strlen(felder), sizeof felder - strlen(felder), "%s%s", felder[0] ? ", " : "",
					 kontakt_feld_key[f]);
		fprintf(stderr, "Zeile %ld: Kontaktdaten von %s nicht überschrieben (offene Änderung aus dem Portal: %s)\n",
			it->zeile, it->rec.nr, felder);
	}
}

int ab_writer_flush(struct ab_writer *w)
{
	if (!w->n)
		return 0;
	struct batch_tx_ctx c = {.w = w};
	int rc = db_tx(batch_tx, &c);
	if (rc == 0) {
		w->z.neu += c.z.neu;
		w->z.geaendert += c.z.geaendert;
		w->z.unveraendert += c.z.unveraendert;
		if (!w->dry)
			batch_notes(w);
	}
	w->n = w->bytes = 0;
	arena_reset(&w->a);
	return rc == 0 ? 0 : -1;
}

const struct ab_record *ab_writer_add(struct ab_writer *w, const char *line, size_t n, long zeile, char *err,
				      size_t errlen)
{
	struct ab_item *it = &w->item[w->n];
	memset(it, 0, sizeof *it);
	it->zeile = zeile;
	return abrecord_parse(&w->a, line, n, &it->rec, err, errlen) == 0 ? &it->rec : NULL;
}

int ab_writer_queue(struct ab_writer *w, long long org_id, size_t bytes)
{
	w->item[w->n++].org_id = org_id;
	w->bytes += bytes;
	return w->n == AB_BATCH || w->bytes >= AB_BATCH_BYTES ? ab_writer_flush(w) : 0;
}

/* ---- the command ---- */

struct import {
	actor *who;
	struct opts *o;
	struct reader *rd;
	struct orgs orgs;
	struct nrset nrs;
	long fehler_anzahl;
	cJSON *fehler; /* the first AB_FEHLER_MAX: [{"zeile": n, "meldung": "…"}] */
	long long entfernt;
};

static void fehler_add(struct import *im, long zeile, const char *meldung)
{
	if (im->fehler_anzahl++ >= AB_FEHLER_MAX)
		return;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "zeile", (double)zeile);
	char m[600];
	snprintf(m, sizeof m, "Zeile %ld: %s", zeile, meldung);
	cJSON_AddStringToObject(f, "meldung", m);
	cJSON_AddItemToArray(im->fehler, f);
}

/* One line of pass 1. */
static void check_line(struct import *im, arena *a)
{
	struct reader *r = im->rd;
	char err[400];
	struct ab_record rec;
	if (r->too_long) {
		fehler_add(im, r->zeile, "Die Zeile ist länger als 1 MiB und wurde übersprungen.");
		return;
	}
	if (line_blank(r))
		return;
	if (abrecord_parse(a, r->line, r->len, &rec, err, sizeof err) != 0) {
		fehler_add(im, r->zeile, err);
		return;
	}
	struct org *org = orgs_find(&im->orgs, rec.pnr);
	if (!org) {
		snprintf(err, sizeof err, "Unbekannte PNR „%s“ (keine Organisation der Kasse %s).", rec.pnr, cfg.kasse_nummer);
		fehler_add(im, r->zeile, err);
		return;
	}
	if (!nrset_add(&im->nrs, rec.nr)) {
		snprintf(err, sizeof err, "Die Personennummer „%s“ steht mehrfach in der Datei.", rec.nr);
		fehler_add(im, r->zeile, err);
		return;
	}
	org->named = true;
}

/* Pass 1: every line validated; 0, or -1 on a read error. */
static int pass_check(struct import *im)
{
	arena a;
	arena_init(&a);
	int rc;
	while ((rc = reader_next(im->rd)) == 1) {
		check_line(im, &a);
		arena_reset(&a);
	}
	return rc;
}

/* Pass 2: the file again, written (or, --dry-run, compared) in batches. 0, or 1 after cli_fail. */
static int pass_write(struct import *im, struct ab_writer *w)
{
	struct reader *r = im->rd;
	char err[400];
	int rc;
	while ((rc = reader_next(r)) == 1) {
		if (!r->too_long && line_blank(r))
			continue;
		const struct ab_record *rec = r->too_long ? NULL : ab_writer_add(w, r->line, r->len, r->zeile, err, sizeof err);
		struct org *org = rec ? orgs_find(&im->orgs, rec->pnr) : NULL;
		if (!org)
			return cli_fail("Die Datei hat sich während des Imports geändert (Zeile %s); bitte erneut ausführen.",
					arena_printf(im->who->a, "%ld", r->zeile));
		if (ab_writer_queue(w, org->id, r->len) != 0)
			return cli_fail("Datenbankfehler beim Schreiben; bitte erneut ausführen.", NULL);
	}
	if (rc < 0)
		return cli_fail("Die Datei %s kann nicht gelesen werden.", im->o->file);
	if (ab_writer_flush(w) != 0)
		return cli_fail("Datenbankfehler beim Schreiben; bitte erneut ausführen.", NULL);
	return 0;
}

struct remove_ctx {
	long long org_id;
	const char *ids;
	unsigned long long removed;
};

static int remove_tx(void *p)
{
	struct remove_ctx *c = p;
	if (db_exec("DELETE p FROM person p JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j ON p.id = j.id "
		    "WHERE p.org_id = ?",
		    DBARGS(DS(c->ids), DI(c->org_id)), &c->removed, NULL) != 0 ||
	    db_exec("UPDATE organisation SET ab_anzahl = GREATEST(CAST(ab_anzahl AS SIGNED) - ?, 0) WHERE id = ?",
		    DBARGS(DI(c->removed), DI(c->org_id)), NULL, NULL) != 0)
		return DB_TX_FAIL;
	return 0;
}

/* --full for one organisation: its persons not in the file removed (counted only with --dry-run),
 * a page of 1,000 at a time. 0 or -1. */
static int remove_missing(struct import *im, long long org_id)
{
	arena a;
	arena_init(&a);
	long long after = 0;
	int rc = 0;
	for (;;) {
		db_res *res = db_query(&a, "SELECT id, nr FROM person WHERE org_id = ? AND id > ? ORDER BY id LIMIT 1000",
				       DBARGS(DI(org_id), DI(after)));
		if (!res || !res->nrows) {
			rc = res ? 0 : -1;
			break;
		}
		cJSON *ids = cJSON_CreateArray();
		for (size_t i = 0; i < res->nrows; i++)
			if (!nrset_has(&im->nrs, db_str(res, i, 1)))
				cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)db_int(res, i, 0)));
		after = db_int(res, res->nrows - 1, 0);
		long long n = cJSON_GetArraySize(ids);
		char *t = json_take(ids);
		struct remove_ctx c = {org_id, t, 0};
		if (t && !im->o->dry_run && db_tx(remove_tx, &c) != 0)
			rc = -1;
		im->entfernt += im->o->dry_run ? n : (long long)c.removed;
		free(t);
		arena_reset(&a);
		if (rc)
			break;
	}
	arena_reset(&a);
	return rc;
}

static cJSON *summary_json(const struct ab_zaehler *z, long long entfernt, cJSON *fehler)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "neu", (double)z->neu);
	cJSON_AddNumberToObject(o, "geaendert", (double)z->geaendert);
	cJSON_AddNumberToObject(o, "unveraendert", (double)z->unveraendert);
	cJSON_AddNumberToObject(o, "entfernt", (double)entfernt);
	cJSON_AddItemToObject(o, "fehler", fehler);
	return o;
}

/* The refusal: every error (at most AB_FEHLER_MAX) with its line number; nothing written. */
static int report_errors(struct import *im)
{
	if (im->fehler_anzahl > AB_FEHLER_MAX) {
		char m[128];
		snprintf(m, sizeof m, "… und %ld weitere Fehler", im->fehler_anzahl - AB_FEHLER_MAX);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNullToObject(f, "zeile");
		cJSON_AddStringToObject(f, "meldung", m);
		cJSON_AddItemToArray(im->fehler, f);
	}
	if (cli_json) {
		struct ab_zaehler z = {0};
		cli_print_json(summary_json(&z, 0, im->fehler));
		im->fehler = NULL;
		return 1;
	}
	const cJSON *f;
	cJSON_ArrayForEach(f, im->fehler)
	{
		fputs(cli_text(im->who->a, cJSON_GetObjectItem(f, "meldung")->valuestring), stderr);
		fputc('\n', stderr);
	}
	fprintf(stderr, "mvctl: %ld Fehler, nichts geschrieben.\n", im->fehler_anzahl);
	return 1;
}

static void report_summary(struct import *im, const struct ab_zaehler *z)
{
	if (cli_json) {
		cli_print_json(summary_json(z, im->entfernt, im->fehler));
		im->fehler = NULL;
		return;
	}
	printf("%s%lld neu, %lld geändert, %lld unverändert, %lld entfernt.\n",
	       im->o->dry_run ? "Probelauf (nichts geschrieben): " : "Import abgeschlossen: ", z->neu, z->geaendert,
	       z->unveraendert, im->entfernt);
}

/* Pass 2, --full and the audit row, after a clean pass 1. 0 or 1. */
static int import_write(struct import *im)
{
	if (lseek(im->rd->fd, 0, SEEK_SET) != 0)
		return cli_fail("Die Datei %s kann nicht erneut gelesen werden.", im->o->file);
	im->rd->clen = im->rd->cpos = 0;
	im->rd->zeile = 0;
	struct ab_writer *w = ab_writer_new(im->o->dry_run);
	int rc = pass_write(im, w);
	for (size_t i = 0; rc == 0 && im->o->full && i < im->orgs.n; i++)
		if (im->orgs.v[i].named && remove_missing(im, im->orgs.v[i].id) != 0)
			rc = cli_fail("Datenbankfehler beim Entfernen (--full); bitte erneut ausführen.", NULL);
	struct ab_zaehler z = w->z;
	ab_writer_free(w);
	if (rc == 0 && !im->o->dry_run && ab_pos_recompute() < 0) /* the list's anchors (ab_pos.c) */
		rc = cli_fail("Datenbankfehler bei den Listenpositionen; bitte erneut ausführen.", NULL);
	if (rc)
		return rc;
	if (!im->o->dry_run) {
		const char *base = strrchr(im->o->file, '/');
		audit_org(im->who, 0, "ab_import", utf8_clip(im->who->a, base ? base + 1 : im->o->file, 200),
			  arena_printf(im->who->a, "neu=%lld geaendert=%lld unveraendert=%lld entfernt=%lld%s", z.neu,
				       z.geaendert, z.unveraendert, im->entfernt, im->o->full ? " (--full)" : ""));
	}
	report_summary(im, &z);
	return 0;
}

int cli_ab_import(actor *who, struct opts *o)
{
	if (!o->file)
		return cli_fail_usage("ab", "import");
	struct import im = {.who = who, .o = o, .fehler = cJSON_CreateArray()};
	im.rd = xcalloc(1, sizeof *im.rd);
	im.rd->line = xmalloc(AB_LINE_MAX + 1);
	im.rd->fd = open(o->file, O_RDONLY | O_CLOEXEC);
	randombytes_buf(im.nrs.key, sizeof im.nrs.key);
	int rc;
	if (im.rd->fd < 0)
		rc = cli_fail("Die Datei %s kann nicht gelesen werden.", o->file);
	else if (orgs_load(who->a, &im.orgs) != 0)
		rc = cli_fail("Datenbankfehler beim Lesen der Organisationen.", NULL);
	else if (pass_check(&im) != 0)
		rc = cli_fail("Die Datei %s kann nicht gelesen werden.", o->file);
	else
		rc = im.fehler_anzahl ? report_errors(&im) : import_write(&im);
	if (im.rd->fd >= 0)
		close(im.rd->fd);
	free(im.rd->line);
	free(im.rd);
	orgs_free(&im.orgs);
	free(im.nrs.slot);
	cJSON_Delete(im.fehler);
	return rc;
}
