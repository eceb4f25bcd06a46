/* db.c — MariaDB Connector/C wrapper. Auto-reconnect stays off: after CR_SERVER_GONE_ERROR /
 * CR_SERVER_LOST we reconnect ourselves and drop the statement cache, retrying a lone
 * statement once; inside a transaction the whole transaction is retried by db_tx.
 *
 * Galera (README "Scaling out"): db_nodes lists several nodes. A connection goes to the node that
 * worked last (the first one at start); when it cannot be reached, or answers that it is not
 * ready (1047: not synced / not in the primary component), the next node in the list is tried.
 * A certification failure comes back as 1213 (deadlock) and is retried like one. db_sync_wait
 * sets wsrep_sync_wait for every statement of the connection (read-your-writes across nodes). */
#include "db.h"
#include "config.h"
#include "log.h"
#include <dirent.h>
#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static MYSQL *conn;
static bool in_tx;
/* The connection of the open transaction broke: its work is gone with it. Every later statement
 * of that transaction fails (never on a new connection in autocommit mode), and db_tx retries
 * the whole transaction instead of committing — even when a caller ignored the failed statement
 * (an audit row). Found by the multi-host proof: a node killed mid-transaction, the audit row's
 * failure ignored, the rest and COMMIT ran on the next node, the new account was lost. */
static bool tx_lost;
static int node_cur;     /* db_nodes: index of the node in use, or to try first */
static bool node_skip;   /* that node said it is not ready: start the next connect at the one after */
static enum db_err last_err;
static bool local_allowed; /* db_local_stream_allow: the connection negotiates LOCAL INFILE */

/* The one thing LOAD DATA LOCAL may read: the bytes db_load was handed, under the name DB_STREAM,
 * once per db_load call. Any other request of the server (another file name, no db_load under
 * way, a second request) is refused by db_infile_init before anything is read. */
static struct {
	const char *p;
	size_t len, pos;
	bool armed;
} stream;

#define STMT_CACHE 256
struct stmt_entry {
	const char *sql;
	MYSQL_STMT *stmt;
};
static struct stmt_entry stmt_cache[STMT_CACHE];
static size_t stmt_count;

enum db_err db_last_error(void)
{
	return last_err;
}

static void cache_clear(void)
{
	for (size_t i = 0; i < stmt_count; i++)
		if (stmt_cache[i].stmt)
			mysql_stmt_close(stmt_cache[i].stmt);
	stmt_count = 0;
}

static void conn_drop(void);

void db_close(void)
{
	conn_drop();
	in_tx = false;
}

static enum db_err classify(unsigned int err)
{
	switch (err) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
		return DB_ERR_GONE;
	case ER_UNKNOWN_COM_ERROR: /* 1047, Galera: "WSREP has not yet prepared node for application use" */
		node_skip = true;
		return DB_ERR_GONE;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
	case 1180: /* ER_ERROR_DURING_COMMIT (Galera certification) */
		return DB_ERR_RETRY;
	case ER_DUP_ENTRY:
		return DB_ERR_DUP;
	default:
		return DB_ERR_OTHER;
	}
}

static void connect_failed(const char *where)
{
	/* while the server is down every request tries again: say so at most every 10 s */
	static time_t last_logged;
	time_t now = time(NULL);
	if (now - last_logged >= 10) {
		log_error("database connect failed%s%s: %s", where ? " to " : "", where ? where : "", mysql_error(conn));
		last_logged = now;
	}
}

int db_infile_init(void **ptr, const char *filename, void *userdata)
{
	(void)userdata;
	*ptr = NULL;
	if (!stream.armed || strcmp(filename, DB_STREAM) != 0) {
		log_error("database: LOCAL INFILE request refused (not the portal's own stream)");
		return 1;
	}
	stream.armed = false;
	stream.pos = 0;
	*ptr = &stream;
	return 0;
}

static int infile_read(void *ptr, char *buf, unsigned int len)
{
	if (ptr != &stream)
		return -1;
	size_t k = stream.len - stream.pos < len ? stream.len - stream.pos : len;
	memcpy(buf, stream.p + stream.pos, k);
	stream.pos += k;
	return (int)k;
}

static void infile_end(void *ptr)
{
	(void)ptr;
}

static int infile_error(void *ptr, char *msg, unsigned int len)
{
	(void)ptr;
	snprintf(msg, len, "LOCAL INFILE refused: only the portal's own stream is sent");
	return CR_UNKNOWN_ERROR;
}

void db_local_stream_allow(void)
{
	if (local_allowed)
		return;
	local_allowed = true;
	if (conn && !in_tx)
		conn_drop(); /* LOCAL INFILE is negotiated when connecting */
}

static bool connect_to(const char *host, unsigned port, const char *sock)
{
	conn = mysql_init(NULL);
	if (!conn)
		mv_oom();
	unsigned int timeout = 3, rw_timeout = 30, local_infile = local_allowed;
	my_bool off = 0;
	mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(conn, MYSQL_OPT_LOCAL_INFILE, &local_infile); /* the option reads an unsigned int */
	mysql_set_local_infile_handler(conn, db_infile_init, infile_read, infile_end, infile_error, NULL);
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	char init[256];
	snprintf(init, sizeof init,
		 "SET time_zone='+00:00', tx_isolation = 'READ-COMMITTED', "
		 "sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'%s",
		 cfg.db_sync_wait ? ", wsrep_sync_wait = " : "");
	if (cfg.db_sync_wait) {
		size_t l = strlen(init);
		snprintf(init + l, sizeof init - l, "%ld", cfg.db_sync_wait);
	}
	mysql_options(conn, MYSQL_INIT_COMMAND, init);
	if (!mysql_real_connect(conn, host, cfg.db_user, cfg.db_password, cfg.db_name, port, sock, 0))
		return false;
	return true;
}

int db_connect(void)
{
	if (conn)
		return 0;
	if (in_tx) {
		tx_lost = true;
		last_err = DB_ERR_GONE;
		return -1;
	}
	db_node nodes[DB_NODES_MAX];
	int count = db_nodes_parse(cfg.db_nodes, nodes, DB_NODES_MAX);
	if (count <= 0) {
		const char *host = *cfg.db_host ? cfg.db_host : NULL;
		const char *sock = *cfg.db_socket ? cfg.db_socket : NULL;
		if (connect_to(host, (unsigned)cfg.db_port, sock))
			return 0;
		connect_failed(NULL);
	} else {
		int first = node_cur % count;
		if (node_skip && count > 1)
			first = (first + 1) % count;
		node_skip = false;
		for (int i = 0; i < count; i++) {
			int idx = (first + i) % count;
			const db_node *nd = &nodes[idx];
			if (connect_to(*nd->socket ? NULL : nd->host, nd->port, *nd->socket ? nd->socket : NULL)) {
				if (idx != node_cur && *nd->socket)
					log_warn("database: now using node %d of db_nodes (%s)", idx + 1, nd->socket);
				else if (idx != node_cur)
					log_warn("database: now using node %d of db_nodes (%s:%u)", idx + 1, nd->host, nd->port);
				node_cur = idx;
				return 0;
			}
			char where[300];
			snprintf(where, sizeof where, "node %d", idx + 1);
			connect_failed(where);
			mysql_close(conn);
			conn = NULL;
		}
		last_err = DB_ERR_GONE;
		return -1;
	}
	mysql_close(conn);
	conn = NULL;
	last_err = DB_ERR_GONE;
	return -1;
}

static MYSQL_STMT *stmt_get(const char *sql)
{
	for (size_t i = 0; i < stmt_count; i++)
		if (stmt_cache[i].sql == sql || strcmp(stmt_cache[i].sql, sql) == 0)
			return stmt_cache[i].stmt;
	MYSQL_STMT *st = mysql_stmt_init(conn);
	if (!st)
		mv_oom();
	if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
		unsigned err = mysql_stmt_errno(st);
		last_err = classify(err);
		log_error("prepare failed (%u): %s", err, mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	my_bool on = 1;
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
	if (stmt_count == STMT_CACHE) {
		mysql_stmt_close(stmt_cache[0].stmt);
		memmove(stmt_cache, stmt_cache + 1, (STMT_CACHE - 1) * sizeof *stmt_cache);
		stmt_count--;
	}
	stmt_cache[stmt_count].sql = sql;
	stmt_cache[stmt_count].stmt = st;
	stmt_count++;
	return st;
}

static int bind_params(MYSQL_STMT *st, const db_param *params, size_t n, MYSQL_BIND *binds, my_bool *nulls)
{
	if (mysql_stmt_param_count(st) != n) {
		log_error("statement expects %lu parameters, got %zu", mysql_stmt_param_count(st), n);
		last_err = DB_ERR_OTHER;
		return -1;
	}
	memset(binds, 0, n * sizeof *binds);
	for (size_t i = 0; i < n; i++) {
		switch (params[i].type) {
		case DBP_STR:
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = (void *)params[i].ptr;
			binds[i].buffer_length = params[i].len;
			break;
		case DBP_BLOB:
			binds[i].buffer_type = MYSQL_TYPE_BLOB;
			binds[i].buffer = (void *)params[i].ptr;
			binds[i].buffer_length = params[i].len;
			break;
		case DBP_INT:
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = (void *)&params[i].num;
			break;
		case DBP_NULL:
			nulls[i] = 1;
			binds[i].buffer_type = MYSQL_TYPE_NULL;
			binds[i].is_null = &nulls[i];
			break;
		}
	}
	if (n && mysql_stmt_bind_param(st, binds) != 0) {
		last_err = DB_ERR_OTHER;
		log_error("bind failed: %s", mysql_stmt_error(st));
		return -1;
	}
	return 0;
}

enum { MAX_PARAMS = 48, MAX_COLS = 64 };

/* Binds and executes a prepared statement; counts for writes. 0 ok, -1 error (last_err set). */
static int stmt_run(MYSQL_STMT *st, const db_param *params, size_t n, unsigned long long *affected,
		    unsigned long long *insert_id)
{
	MYSQL_BIND pbinds[MAX_PARAMS];
	my_bool pnulls[MAX_PARAMS];
	if (n > MAX_PARAMS)
		abort(); /* a statement with that many parameters is a bug */
	memset(pnulls, 0, sizeof pnulls);
	if (bind_params(st, params, n, pbinds, pnulls) != 0)
		return -1;
	if (mysql_stmt_execute(st) != 0) {
		unsigned err = mysql_stmt_errno(st);
		last_err = classify(err);
		if (last_err != DB_ERR_DUP)
			log_error("execute failed (%u): %s", err, mysql_stmt_error(st));
		return -1;
	}
	if (affected)
		*affected = mysql_stmt_affected_rows(st);
	if (insert_id)
		*insert_id = mysql_stmt_insert_id(st);
	return 0;
}

/* Result buffers as wide as the longest value of each column (store_result measured them). */
struct fetch_bufs {
	MYSQL_BIND rb[MAX_COLS];
	unsigned long lens[MAX_COLS];
	my_bool nulls[MAX_COLS], errs[MAX_COLS];
	char *bufs[MAX_COLS];
	unsigned ncols;
};

static void fetch_bufs_init(struct fetch_bufs *f, MYSQL_RES *meta)
{
	f->ncols = mysql_num_fields(meta);
	if (f->ncols > MAX_COLS)
		abort();
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	memset(f->rb, 0, sizeof f->rb);
	for (unsigned i = 0; i < f->ncols; i++) {
		unsigned long cap = fields[i].max_length + 1;
		if (cap < 72)
			cap = 72;
		f->bufs[i] = xmalloc(cap);
		f->rb[i] = (MYSQL_BIND){.buffer_type = MYSQL_TYPE_STRING, .buffer = f->bufs[i], .buffer_length = cap,
					.length = &f->lens[i], .is_null = &f->nulls[i], .error = &f->errs[i]};
	}
}

static void fetch_bufs_free(struct fetch_bufs *f)
{
	for (unsigned i = 0; i < f->ncols; i++)
		free(f->bufs[i]);
}

/* Fetches every row; copies them into res (in a) when res != NULL. 0 ok, -1 error. */
static int fetch_rows(MYSQL_STMT *st, struct fetch_bufs *f, arena *a, db_res *res)
{
	if (f->ncols && mysql_stmt_bind_result(st, f->rb) != 0) {
		last_err = DB_ERR_OTHER;
		return -1;
	}
	for (size_t row = 0;; row++) {
		int rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			return 0;
		if (rc != 0) {
			last_err = rc == MYSQL_DATA_TRUNCATED ? DB_ERR_OTHER : classify(mysql_stmt_errno(st));
			log_error("fetch failed (%d)", rc);
			return -1;
		}
		for (unsigned c = 0; res && row < res->nrows && c < f->ncols; c++) {
			db_cell *cell = &res->cells[row * f->ncols + c];
			cell->null = f->nulls[c];
			cell->len = f->nulls[c] ? 0 : f->lens[c];
			cell->s = arena_strndup(a, f->bufs[c], cell->len);
		}
	}
}

/* The result set of an executed statement into *out (in a; NULL a: read and dropped). */
static int result_read(MYSQL_STMT *st, MYSQL_RES *meta, arena *a, db_res **out)
{
	if (mysql_stmt_store_result(st) != 0) {
		last_err = classify(mysql_stmt_errno(st));
		log_error("store_result failed: %s", mysql_stmt_error(st));
		return -1;
	}
	struct fetch_bufs f;
	fetch_bufs_init(&f, meta);
	db_res *res = a ? arena_alloc(a, sizeof *res) : NULL;
	if (res) {
		size_t nrows = (size_t)mysql_stmt_num_rows(st);
		*res = (db_res){.nrows = nrows, .ncols = f.ncols,
				.cells = arena_alloc(a, nrows * f.ncols * sizeof(db_cell) + 1)};
	}
	int rc = fetch_rows(st, &f, a, res);
	fetch_bufs_free(&f);
	if (rc == 0 && out)
		*out = res;
	return rc;
}

/* One attempt: prepare (cached), bind, execute, fetch into arena when a != NULL. */
static int run_once(arena *a, const char *sql, const db_param *params, size_t n, db_res **out,
		    unsigned long long *affected, unsigned long long *insert_id)
{
	if (db_connect() != 0)
		return -1;
	MYSQL_STMT *st = stmt_get(sql);
	if (!st || stmt_run(st, params, n, affected, insert_id) != 0)
		return -1;
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta) {
		if (out)
			*out = arena_alloc(a, sizeof **out);
		return 0;
	}
	int rc = result_read(st, meta, a, out);
	mysql_stmt_free_result(st);
	mysql_free_result(meta);
	return rc;
}

static void conn_drop(void)
{
	cache_clear();
	if (conn)
		mysql_close(conn);
	conn = NULL;
}

/* A read: a SELECT, or one under SET STATEMENT (the session lookup's wsrep_sync_wait). */
static bool is_read(const char *sql)
{
	return strncmp(sql, "SELECT", 6) == 0 || (strncmp(sql, "SET STATEMENT ", 14) == 0 && strstr(sql, " FOR SELECT "));
}

/* A lone read is retried once on a fresh connection — a worker that slept through a database
 * restart serves its first request (the session lookup) instead of answering 503; writes are not
 * (they may have been applied before the connection broke) and a transaction is retried whole by
 * db_tx. */
static int run(arena *a, const char *sql, const db_param *params, size_t n, db_res **out,
	       unsigned long long *affected, unsigned long long *insert_id)
{
	last_err = DB_OK;
	int rc = run_once(a, sql, params, n, out, affected, insert_id);
	if (rc != 0 && last_err == DB_ERR_GONE) {
		conn_drop();
		tx_lost = in_tx;
		if (!in_tx && is_read(sql)) {
			rc = run_once(a, sql, params, n, out, affected, insert_id);
			if (rc != 0 && last_err == DB_ERR_GONE)
				conn_drop();
		}
	}
	return rc;
}

int db_exec(const char *sql, const db_param *params, size_t n, unsigned long long *affected,
	    unsigned long long *insert_id)
{
	return run(NULL, sql, params, n, NULL, affected, insert_id);
}

db_res *db_query(arena *a, const char *sql, const db_param *params, size_t n)
{
	db_res *res = NULL;
	if (run(a, sql, params, n, &res, NULL, NULL) != 0)
		return NULL;
	return res;
}

long long db_int(const db_res *r, size_t row, size_t col)
{
	const char *s = db_str(r, row, col);
	return s ? strtoll(s, NULL, 10) : 0;
}

static int simple(const char *sql)
{
	if (db_connect() != 0)
		return -1;
	if (mysql_real_query(conn, sql, strlen(sql)) != 0) {
		last_err = classify(mysql_errno(conn));
		log_error("%s failed: %s", sql, mysql_error(conn));
		return -1;
	}
	return 0;
}

int db_load(const char *sql, const char *data, size_t len, unsigned long long *affected)
{
	last_err = DB_OK;
	if (!local_allowed) {
		last_err = DB_ERR_OTHER;
		return -1;
	}
	if (db_connect() != 0)
		return -1;
	stream.p = data;
	stream.len = len;
	stream.armed = true;
	int rc = mysql_real_query(conn, sql, strlen(sql));
	bool used = !stream.armed;
	stream.armed = false;
	if (rc != 0) {
		last_err = classify(mysql_errno(conn));
		log_error("LOAD DATA failed: %s", mysql_error(conn));
		return -1;
	}
	unsigned warnings = mysql_warning_count(conn);
	MYSQL_RES *stray = mysql_store_result(conn); /* none for a LOAD DATA; keeps the connection in step */
	if (stray)
		mysql_free_result(stray);
	if (!used || warnings) { /* strict: a skipped or converted row is an error, the transaction rolls back */
		last_err = DB_ERR_OTHER;
		log_error("LOAD DATA: %s (%u warnings)", used ? "rows not taken as sent" : "the stream was not read", warnings);
		return -1;
	}
	if (affected)
		*affected = mysql_affected_rows(conn);
	return 0;
}

int db_tx(int (*fn)(void *ctx), void *ctx)
{
	for (int attempt = 0;; attempt++) {
		last_err = DB_OK;
		tx_lost = false;
		int rc = simple("START TRANSACTION");
		if (rc == 0) {
			in_tx = true;
			rc = fn(ctx);
			in_tx = false;
			if (tx_lost) /* never COMMIT on a connection the transaction did not start on */
				rc = DB_TX_FAIL, last_err = DB_ERR_GONE;
			if (rc == 0) {
				if (simple("COMMIT") == 0)
					return 0;
				rc = DB_TX_FAIL;
			}
			if (conn)
				mysql_rollback(conn);
			if (rc > 0)
				return rc;
		}
		enum db_err e = last_err;
		if (e == DB_ERR_GONE)
			conn_drop();
		if ((e != DB_ERR_RETRY && e != DB_ERR_GONE) || attempt >= 4)
			return DB_TX_FAIL;
		usleep((useconds_t)(10000 << attempt)); /* 10, 20, 40, 80 ms */
		log_warn("transaction retry %d after %s", attempt + 1, e == DB_ERR_GONE ? "lost connection" : "deadlock");
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Migrations are trusted files from the release: run with the text protocol, one statement
 * at a time (split at ';' line ends), since DDL is not preparable in general. */
/* The migration files of sql_dir (NNN_*.sql), sorted; *count of them (heap strings). */
static int migration_names(const char *sql_dir, char **names, size_t max, size_t *count)
{
	DIR *d = opendir(sql_dir);
	if (!d) {
		log_error("cannot open %s: %s", sql_dir, strerror(errno));
		return -1;
	}
	*count = 0;
	struct dirent *e;
	while ((e = readdir(d)) && *count < max) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".sql") == 0 && e->d_name[0] >= '0' && e->d_name[0] <= '9')
			names[(*count)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *count, sizeof *names, name_cmp);
	return 0;
}

/* Whether a chunk of SQL holds nothing but "--" comments and blanks. */
static bool only_comments(const char *q)
{
	for (const char *ln = q; ln && *ln;) {
		const char *s = ln + strspn(ln, " \t");
		if (*s && *s != '\n' && !(s[0] == '-' && s[1] == '-'))
			return false;
		const char *nl = strchr(ln, '\n');
		ln = nl ? nl + 1 : NULL;
	}
	return true;
}

/* Runs the statements of one file, split at ';' at the end of a line. 0 ok, -1 error. */
static int migration_run(const char *text)
{
	sbuf stmt;
	sbuf_init(&stmt);
	int rc = 0;
	for (const char *p = text; *p && rc == 0;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
		sbuf_add(&stmt, p, len);
		p += len;
		size_t tl = stmt.len;
		while (tl && (stmt.data[tl - 1] == '\n' || stmt.data[tl - 1] == ' ' || stmt.data[tl - 1] == '\r'))
			tl--;
		if (!tl || stmt.data[tl - 1] != ';')
			continue;
		stmt.data[tl - 1] = '\0';
		char *q = str_trim(stmt.data);
		if (!only_comments(q) && simple(q) != 0)
			rc = -1;
		sbuf_reset(&stmt);
	}
	sbuf_free(&stmt);
	return rc;
}

/* Applies one migration unless schema_migrations has it. 0 ok, -1 error. */
static int migration_apply(arena *a, const char *sql_dir, const char *name)
{
	db_res *done = db_query(a, "SELECT 1 FROM schema_migrations WHERE version = ?", DBARGS(DS(name)));
	if (!done)
		return -1;
	if (done->nrows)
		return 0;
	char path[2048];
	snprintf(path, sizeof path, "%s/%s", sql_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	sbuf all;
	sbuf_init(&all);
	char line[8192];
	while (fgets(line, sizeof line, f))
		sbuf_adds(&all, line);
	fclose(f);
	int rc = migration_run(all.data ? all.data : "");
	sbuf_free(&all);
	if (rc == 0 && db_exec("INSERT INTO schema_migrations (version) VALUES (?)", DBARGS(DS(name)), NULL, NULL) != 0)
		rc = -1;
	if (rc == 0)
		log_info("migration %s applied", name);
	else
		log_error("migration %s failed", name);
	return rc;
}

int db_migrate(const char *sql_dir)
{
	if (db_connect() != 0)
		return -1;
	if (simple("CREATE TABLE IF NOT EXISTS schema_migrations (version VARCHAR(100) NOT NULL PRIMARY KEY, "
		   "applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4") != 0)
		return -1;
	char *names[512] = {0};
	size_t count = 0;
	if (migration_names(sql_dir, names, ARRAY_LEN(names), &count) != 0)
		return -1;
	int rc = 0;
	arena a;
	arena_init(&a);
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = migration_apply(&a, sql_dir, names[i]);
	arena_reset(&a);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	return rc;
}
