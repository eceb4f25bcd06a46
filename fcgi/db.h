/* db.h — the only way to MariaDB: prepared statements with bound parameters, a statement
 * cache, reconnect + re-prepare after the server went away, whole-transaction retry. */
#ifndef MV_DB_H
#define MV_DB_H
#include "util.h"
#include <string.h>

enum db_ptype { DBP_STR, DBP_INT, DBP_BLOB, DBP_NULL };

typedef struct db_param {
	enum db_ptype type;
	const void *ptr;
	size_t len;
	long long num;
} db_param;

#define DS(s) ((db_param){.type = DBP_STR, .ptr = (s), .len = strlen(s)})
#define DSN(s, n) ((db_param){.type = DBP_STR, .ptr = (s), .len = (n)})
#define DSZ(s) db_strz(s)                            /* NULL -> SQL NULL */
#define DI(n) ((db_param){.type = DBP_INT, .num = (long long)(n)})
#define DB(p, n) ((db_param){.type = DBP_BLOB, .ptr = (p), .len = (n)})
#define DNULL ((db_param){.type = DBP_NULL})
static inline db_param db_strz(const char *s)
{
	if (!s)
		return (db_param){.type = DBP_NULL};
	return (db_param){.type = DBP_STR, .ptr = s, .len = strlen(s)};
}
/* DBARGS(DS(x), DI(y)) expands to the array and its length */
#define DBARGS(...) ((const db_param[]){__VA_ARGS__}), (sizeof((const db_param[]){__VA_ARGS__}) / sizeof(db_param))
#define DBNOARGS NULL, 0

typedef struct db_cell {
	const char *s; /* NUL-terminated (binary columns may contain NUL; use len) */
	size_t len;
	bool null;
} db_cell;

typedef struct db_res {
	size_t nrows, ncols;
	db_cell *cells;
} db_res;

enum db_err { DB_OK, DB_ERR_GONE, DB_ERR_RETRY, DB_ERR_DUP, DB_ERR_OTHER };

/* Connection per process, opened lazily. */
int db_connect(void);
void db_close(void);
enum db_err db_last_error(void);

/* Runs a statement without result set. Returns 0 or -1 (see db_last_error). */
int db_exec(const char *sql, const db_param *params, size_t n, unsigned long long *affected,
	    unsigned long long *insert_id);
/* Runs a query; all values come back as strings in arena a. NULL on error. */
db_res *db_query(arena *a, const char *sql, const db_param *params, size_t n);

static inline const char *db_str(const db_res *r, size_t row, size_t col)
{
	const db_cell *c = &r->cells[row * r->ncols + col];
	return c->null ? NULL : c->s;
}
static inline const db_cell *db_get(const db_res *r, size_t row, size_t col)
{
	return &r->cells[row * r->ncols + col];
}
long long db_int(const db_res *r, size_t row, size_t col); /* NULL -> 0 */

/* Bulk rows from memory: sql is a literal `LOAD DATA LOCAL INFILE 'mv-stream' …` (LOAD DATA has no
 * prepared form), the rows (tab-separated, LOAD DATA's escaping) are data, len bytes; the server
 * reads them through our LOCAL INFILE handler, which hands out exactly these bytes under exactly
 * the name DB_STREAM during this call and refuses every other request. Any warning (a row skipped
 * or converted) is an error. Needs db_local_stream_allow() first. 0 or -1 (see db_last_error). */
#define DB_STREAM "mv-stream"
void db_local_stream_allow(void); /* this process's connection negotiates LOCAL INFILE (mvctl ab import) */
int db_load(const char *sql, const char *data, size_t len, unsigned long long *affected);
/* The handler's decision, for the unit test: 0 (serve the armed stream) or 1 (refused). */
int db_infile_init(void **ptr, const char *filename, void *userdata);

/* Transaction with whole-retry on deadlock / lock wait timeout / lost connection.
 * fn returns 0 to commit, DB_TX_FAIL on a database error (retried if retryable),
 * or a positive application code to roll back and return that code. */
#define DB_TX_FAIL (-1)
int db_tx(int (*fn)(void *ctx), void *ctx);

/* Migrations: apply sql/NNN_*.sql in order, recorded in schema_migrations. */
int db_migrate(const char *sql_dir);

#endif
