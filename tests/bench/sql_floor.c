/* sql_floor.c — the "same-SQL floor" for a page: a minimal libfcgi responder that runs, per
 * request, the statement sequence one real request of the page ran (captured from MariaDB's
 * general log by tests/bench/bench.py) and answers with a tiny page. Statements are prepared once
 * per process at start (as the portal's statement cache does), executed per request with every
 * row fetched through bound string buffers (as fcgi/db.c does); START TRANSACTION, COMMIT and
 * ROLLBACK go through the text protocol (as db_tx does). The connection gets the portal's
 * session settings (utf8mb4, UTC, READ COMMITTED, strict mode).
 *
 * usage: sql_floor serve CONFIG SOCKET PROCESSES NAME=FILE...   (GET /NAME runs FILE's sequence)
 *        sql_floor check CONFIG FILE                             (runs it once, prints rows per line)
 * CONFIG is the portal's config file (db_socket/db_host/db_port/db_user/db_password/db_name).
 * FILE: one statement per line, fields separated by tabs:
 *   Q <sql>                      text protocol (START TRANSACTION, COMMIT, ROLLBACK)
 *   P <sql with ?> <param>...    prepared statement; each param i:<integer>, s:<hex> (string),
 *                                b:<hex> (binary) or n (NULL) — the types fcgi/db.c binds */
#include <fcgiapp.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct param {
	enum enum_field_types type;
	char *data;
	unsigned long len;
	long long num;
};
struct stmt {
	char *sql;
	int text; /* 1: text protocol (transaction control) */
	MYSQL_STMT *st;
	struct param *p;
	size_t np;
	MYSQL_BIND *binds;
};
struct seq {
	char name[64];
	struct stmt *v;
	size_t n;
};

static char db_host[256], db_socket[512], db_user[128], db_password[256], db_name[128] = "meineversorgung";
static unsigned db_port = 3306;
static MYSQL *conn;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "sql_floor: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static void read_config(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open config", path);
	char line[2048];
	while (fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');
		if (line[0] == '#' || !eq)
			continue;
		*eq = '\0';
		char *k = trim(line), *v = trim(eq + 1);
		if (strcmp(k, "db_host") == 0)
			snprintf(db_host, sizeof db_host, "%s", v);
		else if (strcmp(k, "db_socket") == 0)
			snprintf(db_socket, sizeof db_socket, "%s", v);
		else if (strcmp(k, "db_user") == 0)
			snprintf(db_user, sizeof db_user, "%s", v);
		else if (strcmp(k, "db_password") == 0)
			snprintf(db_password, sizeof db_password, "%s", v);
		else if (strcmp(k, "db_name") == 0)
			snprintf(db_name, sizeof db_name, "%s", v);
		else if (strcmp(k, "db_port") == 0)
			db_port = (unsigned)atoi(v);
	}
	fclose(f);
}

static char *unhex(const char *h, unsigned long *len)
{
	size_t n = strlen(h) / 2;
	char *out = malloc(n + 1);
	if (!out)
		die("out of memory", NULL);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			die("bad hex parameter", h);
		out[i] = (char)v;
	}
	out[n] = '\0';
	*len = (unsigned long)n;
	return out;
}

static void parse_line(struct stmt *x, char *t)
{
	memset(x, 0, sizeof *x);
	char *save = NULL, *kind = strtok_r(t, "\t", &save), *sql = strtok_r(NULL, "\t", &save);
	if (!kind || !sql || (strcmp(kind, "Q") != 0 && strcmp(kind, "P") != 0))
		die("bad statement line", t);
	x->sql = strdup(sql);
	x->text = kind[0] == 'Q';
	for (char *f; (f = strtok_r(NULL, "\t", &save));) {
		x->p = realloc(x->p, (x->np + 1) * sizeof *x->p);
		if (!x->p)
			die("out of memory", NULL);
		struct param *p = &x->p[x->np++];
		memset(p, 0, sizeof *p);
		if (f[0] == 'i' && f[1] == ':') {
			p->type = MYSQL_TYPE_LONGLONG;
			p->num = strtoll(f + 2, NULL, 10);
		} else if ((f[0] == 's' || f[0] == 'b') && f[1] == ':') {
			p->type = f[0] == 's' ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
			p->data = unhex(f + 2, &p->len);
		} else if (strcmp(f, "n") == 0)
			p->type = MYSQL_TYPE_NULL;
		else
			die("bad parameter", f);
	}
	if (x->np) {
		x->binds = calloc(x->np, sizeof *x->binds);
		if (!x->binds)
			die("out of memory", NULL);
	}
}

static void load(struct seq *s, const char *name, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open statement file", path);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->v = NULL;
	s->n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *t = trim(line);
		if (!*t)
			continue;
		s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
		if (!s->v)
			die("out of memory", NULL);
		parse_line(&s->v[s->n++], t);
	}
	free(line);
	fclose(f);
}

static void connect_db(void)
{
	conn = mysql_init(NULL);
	if (!conn)
		die("out of memory", NULL);
	my_bool off = 0;
	mysql_options(conn, MYSQL_OPT_RECONNECT, &off);
	mysql_options(conn, MYSQL_OPT_LOCAL_INFILE, &off);
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(conn, MYSQL_INIT_COMMAND, "SET time_zone='+00:00', "
						"tx_isolation = 'READ-COMMITTED', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
	if (!mysql_real_connect(conn, *db_host ? db_host : NULL, db_user, db_password, db_name, db_port,
				*db_socket ? db_socket : NULL, 0))
		die("connect failed", mysql_error(conn));
}

static void prepare(struct seq *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].text)
			continue;
		MYSQL_STMT *st = mysql_stmt_init(conn);
		if (!st || mysql_stmt_prepare(st, s->v[i].sql, strlen(s->v[i].sql)) != 0)
			die("prepare failed", st ? mysql_stmt_error(st) : "out of memory");
		if (mysql_stmt_param_count(st) != s->v[i].np)
			die("parameter count differs", s->v[i].sql);
		my_bool on = 1;
		mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &on);
		s->v[i].st = st;
	}
}

/* Executes one statement; returns the number of rows fetched, -1 on error. */
static long long run(struct stmt *x)
{
	if (x->text)
		return mysql_real_query(conn, x->sql, strlen(x->sql)) == 0 ? 0 : -1;
	MYSQL_STMT *st = x->st;
	/* bound per execution, as fcgi/db.c does */
	for (size_t i = 0; i < x->np; i++) {
		MYSQL_BIND *b = &x->binds[i];
		memset(b, 0, sizeof *b);
		b->buffer_type = x->p[i].type;
		if (x->p[i].type == MYSQL_TYPE_LONGLONG)
			b->buffer = &x->p[i].num;
		else if (x->p[i].type != MYSQL_TYPE_NULL) {
			b->buffer = x->p[i].data;
			b->buffer_length = x->p[i].len;
		}
	}
	if (x->np && mysql_stmt_bind_param(st, x->binds) != 0)
		return -1;
	if (mysql_stmt_execute(st) != 0)
		return -1;
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	if (!meta)
		return 0;
	long long rows = -1;
	if (mysql_stmt_store_result(st) != 0) {
		mysql_free_result(meta);
		return -1;
	}
	unsigned ncols = mysql_num_fields(meta);
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	enum { MAX_COLS = 64 };
	MYSQL_BIND rb[MAX_COLS];
	unsigned long lens[MAX_COLS];
	my_bool nulls[MAX_COLS], errs[MAX_COLS];
	char *bufs[MAX_COLS];
	if (ncols > MAX_COLS)
		die("too many columns", x->sql);
	memset(rb, 0, sizeof rb);
	for (unsigned i = 0; i < ncols; i++) {
		unsigned long cap = fields[i].max_length + 1;
		if (cap < 72)
			cap = 72;
		bufs[i] = malloc(cap);
		if (!bufs[i])
			die("out of memory", NULL);
		rb[i].buffer_type = MYSQL_TYPE_STRING;
		rb[i].buffer = bufs[i];
		rb[i].buffer_length = cap;
		rb[i].length = &lens[i];
		rb[i].is_null = &nulls[i];
		rb[i].error = &errs[i];
	}
	if (ncols == 0 || mysql_stmt_bind_result(st, rb) == 0) {
		long long n = 0;
		int f;
		while ((f = mysql_stmt_fetch(st)) == 0)
			n++;
		if (f == MYSQL_NO_DATA)
			rows = n;
	}
	for (unsigned i = 0; i < ncols; i++)
		free(bufs[i]);
	mysql_stmt_free_result(st);
	mysql_free_result(meta);
	return rows;
}

static int run_seq(struct seq *s, long long *rows_out)
{
	for (size_t i = 0; i < s->n; i++) {
		long long rows = run(&s->v[i]);
		if (rows < 0) {
			fprintf(stderr, "sql_floor: %s, statement %zu failed: %s\n", s->name, i + 1, mysql_error(conn));
			mysql_rollback(conn);
			return -1;
		}
		if (rows_out)
			rows_out[i] = rows;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "check") == 0) {
		read_config(argv[2]);
		struct seq s;
		load(&s, "check", argv[3]);
		connect_db();
		prepare(&s);
		long long *rows = calloc(s.n + 1, sizeof *rows);
		if (!rows || run_seq(&s, rows) != 0)
			return 1;
		for (size_t i = 0; i < s.n; i++)
			printf("%lld\n", rows[i]);
		return 0;
	}
	if (argc < 6 || strcmp(argv[1], "serve") != 0) {
		fprintf(stderr, "usage: sql_floor serve CONFIG SOCKET PROCESSES NAME=FILE... | check CONFIG FILE\n");
		return 2;
	}
	read_config(argv[2]);
	size_t nseq = (size_t)(argc - 5);
	struct seq *seqs = calloc(nseq, sizeof *seqs);
	if (!seqs)
		return 1;
	for (size_t i = 0; i < nseq; i++) {
		char *eq = strchr(argv[5 + i], '=');
		if (!eq)
			die("expected NAME=FILE", argv[5 + i]);
		*eq = '\0';
		load(&seqs[i], argv[5 + i], eq + 1);
	}
	if (FCGX_Init() != 0)
		return 2;
	unlink(argv[3]);
	int fd = FCGX_OpenSocket(argv[3], 128);
	if (fd < 0)
		die("cannot open socket", argv[3]);
	chmod(argv[3], 0660);
	for (int i = 1; i < atoi(argv[4]); i++)
		if (fork() == 0)
			break;
	connect_db(); /* one connection per process, statements prepared once */
	for (size_t i = 0; i < nseq; i++)
		prepare(&seqs[i]);
	FCGX_Request r;
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		const char *uri = FCGX_GetParam("DOCUMENT_URI", r.envp);
		struct seq *s = NULL;
		for (size_t i = 0; uri && i < nseq; i++)
			if (uri[0] == '/' && strcmp(uri + 1, seqs[i].name) == 0)
				s = &seqs[i];
		if (!s)
			FCGX_FPrintF(r.out, "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nunknown page\n");
		else if (run_seq(s, NULL) != 0)
			FCGX_FPrintF(r.out, "Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nSQL failed\n");
		else
			FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
					    "<!DOCTYPE html><html lang=\"de\"><title>Boden</title><p>Boden</p></html>");
		FCGX_Finish_r(&r);
	}
	return 0;
}
