/* cli_ab.c — `mvctl ab import --file F [--full] [--dry-run]` (SPEC §13, DOMAIN.md §3): the Kasse's
 * persons as JSON Lines, validated whole, then written in batches; and the batch writer that
 * `dev seed --persons` uses too.
 *
 * Pass 1 streams the file through a fixed buffer (a line over 1 MiB is refused and skipped
 * without being kept), parses and validates every line (abrecord.c) — in chunks of lines, two at a
 * time on two threads, taken in file order — looks its pnr up among our Kasse's organisations
 * (loaded once) and finds a second `nr` through a set of 64-bit keyed hashes (SipHash,
 * crypto_shorthash: 9–18 bytes per person; two different numbers share a hash with probability
 * about n²/2⁶⁵, for a million persons 3·10⁻⁸). Any error: nothing is written.
 * Pass 2 reads the file again on a reader thread, which parses batch k+1 (AB_BATCH persons or
 * AB_BATCH_BYTES of input) while this thread writes batch k, each one transaction: one SELECT of the
 * batch's existing rows (skipped when there was no person at all when the run began), an unchanged
 * record (same `inhalt`, the hash of its canonical JSON) is not written at all; new persons, and
 * the Lebenslauf and trigrams of new and changed ones, go in as LOAD DATA LOCAL rows streamed from
 * memory (db_load: a literal statement, the rows as data, no file involved), changed persons by one
 * UPDATE whose data is one JSON parameter (JSON_TABLE), the organisations' ab_anzahl in the same
 * transaction. A crash leaves whole batches; the rerun finds them unchanged and writes the rest.
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
#include <pthread.h>
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

enum { AB_GRAMS_MAX = 2 * 3 * (AB_TEXT_MAX + 2) };
enum kontakt_feld { KF_STRASSE, KF_PLZ, KF_ORT, KF_LAND, KF_TELEFON, KF_EMAIL, KF__MAX };
static const char *const kontakt_feld_key[KF__MAX] = {"strasse", "plz", "ort", "land", "telefon", "email"};

/* A stretch [at, at + len) of one of the batch's row texts. */
struct span {
	size_t at, len;
};

struct ab_item {
	struct ab_record rec;
	long long org_id;
	long zeile;
	struct span person, perioden, grams; /* its rows in the batch's texts, once built (rows) */
	bool rows;
	const char *key_name, *key_vorname; /* account_key of name and vorname, with the rows */
	/* filled by the batch's SELECT */
	long long id, alt_org;
	bool gefunden, gleich;
	unsigned keep; /* bits of enum kontakt_feld: the portal's value stays */
};

/* One batch: its records (arena, reset after the batch) and, prepared with them, their rows in
 * LOAD DATA's format — the person's row (for a new person), its periods' and trigrams' rows
 * without the person's id, which only the database knows (written in front of each row). */
struct ab_batch {
	arena a;
	struct ab_item *item; /* AB_BATCH */
	size_t n, bytes;
	sbuf person, perioden, grams;
	char (*g)[TRIGRAM_BYTES]; /* AB_GRAMS_MAX: one person's trigrams */
};

struct ab_writer {
	struct ab_batch cur; /* ab_writer_add/_queue/_flush */
	bool dry;
	bool leer;           /* no person at all when the run began: every number is new, no SELECT */
	sbuf rows;           /* the rows of one LOAD DATA */
	struct ab_zaehler z; /* committed batches */
};

static void batch_init(struct ab_batch *b)
{
	arena_init(&b->a);
	b->item = xcalloc(AB_BATCH, sizeof *b->item);
	b->g = xcalloc(AB_GRAMS_MAX, sizeof *b->g);
	sbuf_init(&b->person), sbuf_init(&b->perioden), sbuf_init(&b->grams);
}

static void batch_reset(struct ab_batch *b)
{
	arena_reset(&b->a);
	b->n = b->bytes = 0;
	sbuf_reset(&b->person), sbuf_reset(&b->perioden), sbuf_reset(&b->grams);
}

static void batch_free(struct ab_batch *b)
{
	arena_reset(&b->a);
	free(b->item);
	free(b->g);
	sbuf_free(&b->person), sbuf_free(&b->perioden), sbuf_free(&b->grams);
}

struct ab_writer *ab_writer_new(bool dry)
{
	struct ab_writer *w = xcalloc(1, sizeof *w);
	batch_init(&w->cur);
	sbuf_init(&w->rows);
	w->dry = dry;
	if (!dry)
		db_local_stream_allow();
	arena a;
	arena_init(&a);
	db_res *res = db_query(&a, "SELECT EXISTS (SELECT 1 FROM person)", DBNOARGS);
	w->leer = res && res->nrows == 1 && db_int(res, 0, 0) == 0;
	arena_reset(&a);
	return w;
}

void ab_writer_free(struct ab_writer *w)
{
	if (!w)
		return;
	batch_free(&w->cur);
	sbuf_free(&w->rows);
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

/* ---- rows in LOAD DATA's format (fields by tabs, rows by newlines, \N for NULL, backslash
 * escapes; the record's texts have no control characters, tab and newline are escaped anyway) ---- */

static void tsv(sbuf *b, const char *s, char end)
{
	if (!s)
		sbuf_add(b, "\\N", 2);
	for (const char *p = s; p && *p;) {
		size_t k = strcspn(p, "\\\t\n");
		sbuf_add(b, p, k);
		p += k;
		if (!*p)
			break;
		sbuf_addc(b, '\\');
		sbuf_addc(b, *p == '\t' ? 't' : *p == '\n' ? 'n' : '\\');
		p++;
	}
	sbuf_addc(b, end);
}

static void tsv_dec(sbuf *b, long h, char end)
{
	char d[16];
	if (h >= 0)
		abrecord_decimal(h, d);
	tsv(b, h >= 0 ? d : NULL, end);
}

/* The person's row in the order of PERSON_LOAD. */
static void rows_person(sbuf *b, const struct ab_item *it)
{
	const struct ab_record *r = &it->rec;
	char num[24], hex[33];
	snprintf(num, sizeof num, "%lld", it->org_id);
	const char *v[] = {num, r->nr, ab_art_key[r->art], r->name, r->vorname, r->geburtsname, r->titel,
			   r->geburtsdatum, r->familienstand, r->familienstand_seit, r->strasse, r->plz, r->ort, r->land,
			   r->telefon, r->email, r->verhaeltnis, r->amtsbezeichnung, r->besoldungsgruppe};
	for (size_t i = 0; i < ARRAY_LEN(v); i++)
		tsv(b, v[i], '\t');
	snprintf(num, sizeof num, "%d", r->stufe);
	tsv(b, r->stufe ? num : NULL, '\t');
	tsv_dec(b, r->stunden, '\t');
	tsv_dec(b, r->regelstunden, '\t');
	hex16(r->inhalt, hex);
	const char *w[] = {r->eintritt, r->ruhestand_voraussichtlich, r->versorgung_art, r->versorgung_beginn, r->bezug_nr,
			   it->key_name, it->key_vorname};
	for (size_t i = 0; i < ARRAY_LEN(w); i++)
		tsv(b, w[i], '\t');
	tsv(b, hex, '\n');
}

/* Its periods' rows (PERIODEN_LOAD without person_id) and trigrams' rows (GRAMS_LOAD without
 * person_id). */
static void rows_children(struct ab_batch *b, const struct ab_item *it)
{
	const struct ab_record *r = &it->rec;
	char num[24];
	for (size_t k = 0; k < r->nperioden; k++) {
		const struct ab_periode *p = &r->perioden[k];
		snprintf(num, sizeof num, "%zu", k);
		tsv(&b->perioden, num, '\t');
		tsv(&b->perioden, p->beginn, '\t');
		tsv(&b->perioden, p->ende[0] ? p->ende : NULL, '\t');
		tsv(&b->perioden, zeitart_info[p->zeitart].key, '\t');
		tsv_dec(&b->perioden, p->stunden, '\t');
		tsv_dec(&b->perioden, p->regelstunden, '\t');
		tsv(&b->perioden, p->dienstherr, '\t');
		tsv(&b->perioden, anerkennung_key[p->anerkennung], '\n');
	}
	size_t n = text_trigrams(it->key_name, 'n', b->g, AB_GRAMS_MAX); /* no repeats within a tag */
	n += text_trigrams(it->key_vorname, 'v', b->g + n, AB_GRAMS_MAX - n);
	snprintf(num, sizeof num, "%lld", it->org_id);
	for (size_t i = 0; i < n; i++) {
		tsv(&b->grams, num, '\t');
		tsv(&b->grams, b->g[i], '\n');
	}
}

/* The item's rows appended to the batch's texts. */
static void item_rows(struct ab_batch *b, struct ab_item *it)
{
	it->rows = true;
	it->key_name = account_key(&b->a, it->rec.name);
	it->key_vorname = account_key(&b->a, it->rec.vorname);
	it->person.at = b->person.len, it->perioden.at = b->perioden.len, it->grams.at = b->grams.len;
	rows_person(&b->person, it);
	rows_children(b, it);
	it->person.len = b->person.len - it->person.at;
	it->perioden.len = b->perioden.len - it->perioden.at;
	it->grams.len = b->grams.len - it->grams.at;
}

/* The rows of one stretch, each with the person's id in front. */
static void rows_with_id(sbuf *out, long long id, const sbuf *text, struct span s)
{
	char pre[24];
	int k = snprintf(pre, sizeof pre, "%lld\t", id);
	const char *p = text->data + s.at, *end = p + s.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		sbuf_add(out, pre, (size_t)k);
		sbuf_add(out, p, (size_t)(nl - p) + 1);
		p = nl + 1;
	}
}

/* ---- one batch in one transaction ---- */

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

/* The JSON array of the numbers of the batch's items (all, or only the new ones). */
static char *nrs_json(const struct ab_batch *b, bool only_new)
{
	cJSON *nrs = cJSON_CreateArray();
	for (size_t i = 0; i < b->n; i++)
		cJSON_AddItemToArray(nrs, cJSON_CreateString(only_new && b->item[i].gefunden ? "" : b->item[i].rec.nr));
	char *json = cJSON_PrintUnformatted(nrs);
	cJSON_Delete(nrs);
	return json;
}

/* The batch's existing persons (locked), with their open contact changes and contact values. */
static int batch_select(struct ab_writer *w, struct ab_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->item[i].gefunden = b->item[i].gleich = false, b->item[i].keep = 0;
	if (w->leer)
		return 0;
	char *json = nrs_json(b, false);
	db_res *res = db_query(&b->a,
			       "SELECT j.i, p.id, p.org_id, HEX(p.inhalt), (SELECT GROUP_CONCAT(k.feld) FROM kontakt_aenderung k "
			       "WHERE k.person_id = p.id AND k.gelistet_am IS NULL), p.strasse, p.plz, p.ort, p.land, p.telefon, p.email "
			       "FROM JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY, nr VARCHAR(20) CHARACTER SET ascii "
			       "COLLATE ascii_bin PATH '$')) j JOIN person p ON p.nr = j.nr FOR UPDATE",
			       DBARGS(DS(json)));
	free(json);
	if (!res)
		return -1;
	for (size_t row = 0; row < res->nrows; row++) {
		long long i = db_int(res, row, 0);
		if (i >= 1 && (size_t)i <= b->n)
			item_match(&b->item[i - 1], res, row);
	}
	return 0;
}

/* The ids the database gave the batch's new persons. */
static int batch_new_ids(struct ab_batch *b)
{
	char *json = nrs_json(b, true);
	db_res *res = db_query(&b->a,
			       "SELECT j.i, p.id FROM JSON_TABLE(?, '$[*]' COLUMNS (i FOR ORDINALITY, nr VARCHAR(20) "
			       "CHARACTER SET ascii COLLATE ascii_bin PATH '$')) j JOIN person p ON p.nr = j.nr",
			       DBARGS(DS(json)));
	free(json);
	if (!res)
		return -1;
	for (size_t row = 0; row < res->nrows; row++) {
		long long i = db_int(res, row, 0);
		if (i >= 1 && (size_t)i <= b->n && !b->item[i - 1].gefunden)
			b->item[i - 1].id = db_int(res, row, 1);
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

/* A changed person's columns in the order of PERSON_COLS: [id, org, keep, nr, art, …, inhalt]. */
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

/* The text of the JSON array j (freed here), or NULL when it is empty. */
static char *json_take(cJSON *j)
{
	char *t = cJSON_GetArraySize(j) > 0 ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	return t;
}

struct batch_tx_ctx {
	struct ab_writer *w;
	struct ab_batch *b;
	struct ab_zaehler z;
	size_t neu;
	char *upd, *ids, *deltas; /* JSON of the changed persons, their ids, the ab_anzahl deltas (NULL: none) */
	char *orgs;               /* JSON of the organisations whose list the batch changes (NULL: none) */
};

/* Sorts the selected batch into new, changed and unchanged (counted) and builds the JSON of the
 * changed persons and of the deltas. */
static void batch_sort(struct batch_tx_ctx *c)
{
	struct ab_batch *b = c->b;
	cJSON *upd = cJSON_CreateArray(), *ids = cJSON_CreateArray();
	struct deltas *ds = arena_alloc(&b->a, sizeof *ds);
	c->z = (struct ab_zaehler){0};
	c->neu = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct ab_item *it = &b->item[i];
		if (it->gefunden && it->gleich) {
			c->z.unveraendert++;
			continue;
		}
		if (it->gefunden)
			c->z.geaendert++;
		else
			c->z.neu++, c->neu++;
		if (c->w->dry)
			continue;
		if (it->gefunden) {
			cJSON_AddItemToArray(upd, person_row(&b->a, it));
			cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)it->id));
			delta_add(ds, it->alt_org, -1);
		}
		delta_add(ds, it->org_id, 1);
	}
	c->upd = json_take(upd), c->ids = json_take(ids), c->deltas = json_take(deltas_json(ds));
	cJSON *orgs = cJSON_CreateArray();
	for (size_t i = 0; i < ds->n; i++)
		cJSON_AddItemToArray(orgs, cJSON_CreateNumber((double)ds->org[i]));
	c->orgs = json_take(orgs);
}

/* The new persons through LOAD DATA (all of the batch: its prepared text as it is), then their ids. */
static int persons_load(struct batch_tx_ctx *c)
{
	struct ab_batch *b = c->b;
	sbuf *rows = &c->w->rows;
	if (c->neu < b->n) {
		sbuf_reset(rows);
		for (size_t i = 0; i < b->n; i++)
			if (!b->item[i].gefunden)
				sbuf_add(rows, b->person.data + b->item[i].person.at, b->item[i].person.len);
	}
	const sbuf *t = c->neu < b->n ? rows : &b->person;
	unsigned long long n = 0;
	if (db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE person CHARACTER SET utf8mb4 (org_id, nr, art, name, "
		    "vorname, geburtsname, titel, geburtsdatum, familienstand, familienstand_seit, strasse, plz, ort, land, "
		    "telefon, email, dienst_verhaeltnis, dienst_amtsbezeichnung, dienst_besoldungsgruppe, dienst_stufe, "
		    "dienst_stunden, dienst_regelstunden, dienst_eintritt, dienst_ruhestand_voraussichtlich, versorgung_art, "
		    "versorgung_beginn, versorgung_bezug_nr, such_name, such_vorname, @ih) SET inhalt = UNHEX(@ih)",
		    t->data, t->len, &n) != 0 ||
	    n != c->neu)
		return -1;
	return batch_new_ids(b);
}

/* The periods and trigrams of every written person, each with the person's id. */
static int children_load(struct batch_tx_ctx *c)
{
	struct ab_batch *b = c->b;
	sbuf *rows = &c->w->rows;
	sbuf_reset(rows);
	for (size_t i = 0; i < b->n; i++) {
		const struct ab_item *it = &b->item[i];
		if (!(it->gefunden && it->gleich) && it->id > 0)
			rows_with_id(rows, it->id, &b->perioden, it->perioden);
		else if (!(it->gefunden && it->gleich))
			return -1;
	}
	if (rows->len && db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE lebenslauf CHARACTER SET utf8mb4 "
				 "(person_id, pos, beginn, ende, zeitart, stunden, regelstunden, dienstherr, anerkennung)",
				 rows->data, rows->len, NULL) != 0)
		return -1;
	sbuf_reset(rows);
	for (size_t i = 0; i < b->n; i++)
		if (!(b->item[i].gefunden && b->item[i].gleich))
			rows_with_id(rows, b->item[i].id, &b->grams, b->item[i].grams);
	if (rows->len && db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE person_such CHARACTER SET utf8mb4 "
				 "(person_id, org_id, gram)",
				 rows->data, rows->len, NULL) != 0)
		return -1;
	return 0;
}

/* The batch's writes, in the transaction. 0 or -1. The rows of the persons to be written, as far
 * as the reader did not build them already. */
static int batch_writes(struct batch_tx_ctx *c)
{
	for (size_t i = 0; i < c->b->n; i++)
		if (!c->b->item[i].rows && !(c->b->item[i].gefunden && c->b->item[i].gleich))
			item_rows(c->b, &c->b->item[i]);
	if (c->neu && persons_load(c) != 0)
		return -1;
	if (c->upd && persons_update(c->upd) != 0)
		return -1;
	if (c->ids && (db_exec("DELETE l FROM lebenslauf l JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
			       "ON l.person_id = j.id",
			       DBARGS(DS(c->ids)), NULL, NULL) != 0 ||
		       db_exec("DELETE s FROM person_such s JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
			       "ON s.person_id = j.id",
			       DBARGS(DS(c->ids)), NULL, NULL) != 0))
		return -1;
	if (children_load(c) != 0)
		return -1;
	/* the list anchors of every organisation the batch writes are stale from here on (ab_pos.c) */
	if (c->orgs && db_exec("UPDATE ab_pos_stand s JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$')) j "
			       "ON s.org_id = j.id SET s.gueltig = 0",
			       DBARGS(DS(c->orgs)), NULL, NULL) != 0)
		return -1;
	if (c->deltas && db_exec("UPDATE organisation o JOIN JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT PATH '$[0]', "
				 "d INT PATH '$[1]')) j ON o.id = j.id SET o.ab_anzahl = GREATEST(CAST(o.ab_anzahl AS SIGNED) + j.d, 0)",
				 DBARGS(DS(c->deltas)), NULL, NULL) != 0)
		return -1;
	return 0;
}

static int batch_tx(void *p)
{
	struct batch_tx_ctx *c = p;
	if (batch_select(c->w, c->b) != 0)
		return DB_TX_FAIL;
	batch_sort(c);
	int rc = c->w->dry ? 0 : batch_writes(c);
	free(c->upd), free(c->ids), free(c->deltas), free(c->orgs);
	return rc == 0 ? 0 : DB_TX_FAIL;
}

/* The notes of the contact rule, after the batch's commit. */
static void batch_notes(const struct ab_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct ab_item *it = &b->item[i];
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

/* One batch written (--dry-run: compared) in one transaction, counted, emptied. 0 or -1. */
static int batch_write(struct ab_writer *w, struct ab_batch *b)
{
	if (!b->n)
		return 0;
	struct batch_tx_ctx c = {.w = w, .b = b};
	int rc = db_tx(batch_tx, &c);
	if (rc == 0) {
		w->z.neu += c.z.neu;
		w->z.geaendert += c.z.geaendert;
		w->z.unveraendert += c.z.unveraendert;
		if (!w->dry)
			batch_notes(b);
	}
	batch_reset(b);
	return rc == 0 ? 0 : -1;
}

/* The line parsed into the batch's next item: the record, or NULL with the message in err. */
static const struct ab_record *batch_add(struct ab_batch *b, const char *line, size_t n, long zeile, char *err,
					 size_t errlen)
{
	struct ab_item *it = &b->item[b->n];
	memset(it, 0, sizeof *it);
	it->zeile = zeile;
	return abrecord_parse(&b->a, line, n, &it->rec, err, errlen) == 0 ? &it->rec : NULL;
}

/* The parsed item taken into the batch with its organisation; true when the batch is full. Its rows
 * are built here when every person is new (w->leer): then on the reader's thread, in parallel with
 * the database; otherwise only for the persons the batch's SELECT finds new or changed. */
static bool batch_queue(struct ab_batch *b, const struct ab_writer *w, long long org_id, size_t bytes)
{
	struct ab_item *it = &b->item[b->n++];
	it->org_id = org_id;
	b->bytes += bytes;
	if (!w->dry && w->leer)
		item_rows(b, it);
	return b->n == AB_BATCH || b->bytes >= AB_BATCH_BYTES;
}

int ab_writer_flush(struct ab_writer *w)
{
	return batch_write(w, &w->cur);
}

const struct ab_record *ab_writer_add(struct ab_writer *w, const char *line, size_t n, long zeile, char *err,
				      size_t errlen)
{
	return batch_add(&w->cur, line, n, zeile, err, errlen);
}

int ab_writer_queue(struct ab_writer *w, long long org_id, size_t bytes)
{
	return batch_queue(&w->cur, w, org_id, bytes) ? ab_writer_flush(w) : 0;
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

/* Pass 1 on two threads: this thread reads the lines in chunks; of each pair of chunks a helper
 * thread parses the first while this one parses the second; then both are taken in file order —
 * the organisation looked up, the number added to the set, the errors counted — exactly as one
 * thread would. */
enum { P1_LINES = 256, P1_BYTES = 2 << 20 };

struct p1_line {
	size_t at, len;
	long zeile;
	bool too_long;
	const char *pnr, *nr, *err; /* after parsing: the numbers, or the message */
};

struct p1_chunk {
	arena a; /* the parsed records' memory */
	sbuf text;
	struct p1_line l[P1_LINES];
	size_t n;
};

/* The next chunk of non-blank lines: their number (0 at the end), or -1 on a read error. */
static int p1_read(struct reader *r, struct p1_chunk *c)
{
	c->n = 0;
	sbuf_reset(&c->text);
	arena_reset(&c->a);
	while (c->n < P1_LINES && c->text.len < P1_BYTES) {
		int rc = reader_next(r);
		if (rc <= 0)
			return rc < 0 ? -1 : (int)c->n;
		if (!r->too_long && line_blank(r))
			continue;
		c->l[c->n++] = (struct p1_line){.at = c->text.len, .len = r->too_long ? 0 : r->len, .zeile = r->zeile,
					       .too_long = r->too_long};
		if (!r->too_long)
			sbuf_add(&c->text, r->line, r->len);
	}
	return (int)c->n;
}

static void *p1_parse(void *p)
{
	struct p1_chunk *c = p;
	char err[400];
	for (size_t i = 0; i < c->n; i++) {
		struct p1_line *l = &c->l[i];
		struct ab_record rec;
		if (l->too_long)
			l->err = "Die Zeile ist länger als 1 MiB und wurde übersprungen.";
		else if (abrecord_check(&c->a, c->text.data + l->at, l->len, &rec, err, sizeof err) != 0)
			l->err = arena_strdup(&c->a, err);
		else
			l->pnr = rec.pnr, l->nr = rec.nr;
	}
	return NULL;
}

/* The parsed chunk taken in order: organisation, repeated number, errors. */
static void p1_take(struct import *im, const struct p1_chunk *c)
{
	char err[400];
	for (size_t i = 0; i < c->n; i++) {
		const struct p1_line *l = &c->l[i];
		struct org *org = l->err ? NULL : orgs_find(&im->orgs, l->pnr);
		if (l->err)
			fehler_add(im, l->zeile, l->err);
		else if (!org) {
			snprintf(err, sizeof err, "Unbekannte PNR „%s“ (keine Organisation der Kasse %s).", l->pnr,
				 cfg.kasse_nummer);
			fehler_add(im, l->zeile, err);
		} else if (!nrset_add(&im->nrs, l->nr)) {
			snprintf(err, sizeof err, "Die Personennummer „%s“ steht mehrfach in der Datei.", l->nr);
			fehler_add(im, l->zeile, err);
		} else
			org->named = true;
	}
}

/* Pass 1: every line validated; 0, or -1 on a read error. */
static int pass_check(struct import *im)
{
	struct p1_chunk *c = xcalloc(2, sizeof *c);
	for (int k = 0; k < 2; k++)
		arena_init(&c[k].a), sbuf_init(&c[k].text);
	int n0, n1 = 0;
	while ((n0 = p1_read(im->rd, &c[0])) > 0) {
		pthread_t t;
		bool helper = pthread_create(&t, NULL, p1_parse, &c[0]) == 0;
		if ((n1 = p1_read(im->rd, &c[1])) > 0)
			p1_parse(&c[1]);
		if (helper)
			pthread_join(t, NULL);
		else
			p1_parse(&c[0]);
		p1_take(im, &c[0]);
		if (n1 > 0)
			p1_take(im, &c[1]);
		if (n1 <= 0)
			break;
	}
	for (int k = 0; k < 2; k++)
		arena_reset(&c[k].a), sbuf_free(&c[k].text);
	free(c);
	return n0 < 0 || n1 < 0 ? -1 : 0;
}

/* Pass 2 on two threads: a reader thread reads and parses the file into one batch (records, their
 * rows) while this thread writes the other one, so the file's work and the database's overlap.
 * The two batches alternate; the database connection belongs to this thread alone. */
struct pipe {
	struct import *im;
	struct ab_writer *w;
	struct ab_batch b[2];
	bool voll[2];      /* b[k] is ready for the writer */
	bool ende;         /* the reader is done (all batches handed over, or an error) */
	bool halt;         /* the writer stopped: the reader stops too */
	long geaendert;    /* the line at which the file no longer was what pass 1 read (0: none) */
	bool lesefehler;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Hands batch k over (voll) or waits until it is free again; false once the writer stopped. */
static bool pipe_set(struct pipe *q, int k, bool voll)
{
	pthread_mutex_lock(&q->mu);
	if (voll) {
		q->voll[k] = true;
		pthread_cond_broadcast(&q->cv);
	}
	while (!voll && q->voll[k] && !q->halt)
		pthread_cond_wait(&q->cv, &q->mu);
	bool ok = !q->halt;
	pthread_mutex_unlock(&q->mu);
	return ok;
}

static void *pipe_reader(void *p)
{
	struct pipe *q = p;
	struct reader *r = q->im->rd;
	char err[400];
	int k = 0, rc = 0;
	bool offen = pipe_set(q, k, false); /* b[k] is being filled */
	while (offen && (rc = reader_next(r)) == 1) {
		if (!r->too_long && line_blank(r))
			continue;
		const struct ab_record *rec = r->too_long ? NULL : batch_add(&q->b[k], r->line, r->len, r->zeile, err, sizeof err);
		struct org *org = rec ? orgs_find(&q->im->orgs, rec->pnr) : NULL;
		if (!org) {
			q->geaendert = r->zeile;
			break;
		}
		if (batch_queue(&q->b[k], q->w, org->id, r->len)) {
			pipe_set(q, k, true);
			k ^= 1;
			offen = pipe_set(q, k, false);
		}
	}
	q->lesefehler = offen && rc < 0;
	if (offen && !q->geaendert && !q->lesefehler && q->b[k].n)
		pipe_set(q, k, true);
	pthread_mutex_lock(&q->mu);
	q->ende = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* The writer's side: the batches in order until the reader is done. 0, or -1 on a database error. */
static int pipe_write(struct pipe *q)
{
	for (int k = 0;; k ^= 1) {
		pthread_mutex_lock(&q->mu);
		while (!q->voll[k] && !q->ende)
			pthread_cond_wait(&q->cv, &q->mu);
		bool voll = q->voll[k];
		pthread_mutex_unlock(&q->mu);
		if (!voll)
			return 0;
		int rc = batch_write(q->w, &q->b[k]); /* empties b[k] */
		pthread_mutex_lock(&q->mu);
		q->voll[k] = false;
		q->halt |= rc != 0;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		if (rc != 0)
			return -1;
	}
}

/* Pass 2: the file again, written (or, --dry-run, compared) in batches. 0, or 1 after cli_fail. */
static int pass_write(struct import *im, struct ab_writer *w)
{
	struct pipe q = {.im = im, .w = w};
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.cv, NULL);
	batch_init(&q.b[0]), batch_init(&q.b[1]);
	pthread_t t;
	int rc = pthread_create(&t, NULL, pipe_reader, &q) != 0 ? -2 : pipe_write(&q);
	if (rc != -2) {
		pthread_mutex_lock(&q.mu);
		q.halt = true;
		pthread_cond_broadcast(&q.cv);
		pthread_mutex_unlock(&q.mu);
		pthread_join(t, NULL);
	}
	batch_free(&q.b[0]), batch_free(&q.b[1]);
	pthread_cond_destroy(&q.cv);
	pthread_mutex_destroy(&q.mu);
	if (rc == -2)
		return cli_fail("Der Import kann keinen zweiten Thread starten.", NULL);
	if (rc != 0)
		return cli_fail("Datenbankfehler beim Schreiben; bitte erneut ausführen.", NULL);
	if (q.geaendert)
		return cli_fail("Die Datei hat sich während des Imports geändert (Zeile %s); bitte erneut ausführen.",
				arena_printf(im->who->a, "%ld", q.geaendert));
	if (q.lesefehler)
		return cli_fail("Die Datei %s kann nicht gelesen werden.", im->o->file);
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
		    DBARGS(DI(c->removed), DI(c->org_id)), NULL, NULL) != 0 ||
	    db_exec("UPDATE ab_pos_stand SET gueltig = 0 WHERE org_id = ?", DBARGS(DI(c->org_id)), NULL, NULL) != 0)
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
