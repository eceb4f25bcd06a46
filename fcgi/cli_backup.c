/* cli_backup.c — `mvctl backup --dir D` and `mvctl restore --dir D [--force]` (issue 15).
 * Everything the portal keeps lives in MariaDB — the documents too (anhang.daten,
 * meldung_anlage.daten are LONGBLOBs) — so a backup is one consistent dump: mariadb-dump
 * --single-transaction (InnoDB snapshot, online, no locks on the tables; documents as escaped
 * binary, not hex, so restoring needs no larger max_allowed_packet than storing) with the app's own
 * credentials, handed over in a 0600 option file, never on the command line. The dump streams
 * through this process: written to D/dump.sql, hashed (SHA-256) and its rows counted per table.
 * D also holds secret_key (the key of every session, link, TAN and CSRF hash; a restore without
 * it ends every session and link) and manifest.json (time, migration, rows per table, the
 * files' hashes), written last: a directory without a manifest is no backup. D and its files
 * are 0700/0600; D must be kept as secret as mv.conf. A restore checks the hashes first, loads
 * only into an empty database (--force: the backup's tables replace those of the same name),
 * then compares the rows per table with the manifest. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { BK_TABLES_MAX = 256, BK_NAME_MAX = 64 };

static const char *const bk_files[] = {"dump.sql", "secret_key"};

/* ---- the streaming row counter: mariadb-dump writes a table as `CREATE TABLE `t` (` and its
 * rows as `INSERT INTO `t` VALUES (…),(…);` statements (10.11 puts each row on a line of its
 * own); strings and blobs are quoted with backslash escapes (no raw newline, NUL or quote). A row is a '(' at depth 0
 * outside a string; the statement ends at a ';' there. */

struct bk_table {
	char name[BK_NAME_MAX + 1];
	long long rows;
};

struct bk_count {
	enum { BK_PREFIX, BK_VALUES, BK_SKIP } st;
	char pre[160];
	size_t npre;
	bool in_str, esc;
	int depth;
	int cur; /* the table of the INSERT line */
	struct bk_table t[BK_TABLES_MAX];
	int nt;
	bool overflow;
};

static int bk_table_find(struct bk_count *c, const char *name, size_t len)
{
	for (int i = 0; i < c->nt; i++)
		if (strlen(c->t[i].name) == len && memcmp(c->t[i].name, name, len) == 0)
			return i;
	if (c->nt == BK_TABLES_MAX || len > BK_NAME_MAX) {
		c->overflow = true;
		return -1;
	}
	memcpy(c->t[c->nt].name, name, len);
	c->t[c->nt].name[len] = '\0';
	c->t[c->nt].rows = 0;
	return c->nt++;
}

/* The table named between `…` after prefix kw in the collected line start, when the line
 * continues with tail; -1 otherwise. */
static int bk_prefix_table(struct bk_count *c, const char *kw, const char *tail)
{
	size_t kl = strlen(kw), tl = strlen(tail);
	if (c->npre < kl + tl + 2 || memcmp(c->pre, kw, kl) != 0 || c->pre[kl] != '`')
		return -1;
	const char *name = c->pre + kl + 1, *end = memchr(name, '`', c->npre - kl - 1);
	if (!end || (size_t)(c->pre + c->npre - (end + 1)) != tl || memcmp(end + 1, tail, tl) != 0)
		return -1;
	return bk_table_find(c, name, (size_t)(end - name));
}

static void bk_prefix_byte(struct bk_count *c, char ch)
{
	if (ch == '\n') {
		c->npre = 0;
		return;
	}
	c->pre[c->npre++] = ch;
	int t = bk_prefix_table(c, "INSERT INTO ", " VALUES");
	if (t >= 0) {
		c->st = BK_VALUES;
		c->cur = t;
		c->depth = 0;
		c->in_str = c->esc = false;
		return;
	}
	if (bk_prefix_table(c, "CREATE TABLE ", " (") >= 0 || c->npre == sizeof c->pre)
		c->st = BK_SKIP;
}

static void bk_count_bytes(struct bk_count *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		if (c->st == BK_PREFIX) {
			bk_prefix_byte(c, ch);
		} else if (c->st == BK_SKIP) {
			if (ch == '\n')
				c->st = BK_PREFIX, c->npre = 0;
		} else if (c->in_str) {
			if (c->esc)
				c->esc = false;
			else if (ch == '\\')
				c->esc = true;
			else if (ch == '\'')
				c->in_str = false;
		} else if (ch == '\'') {
			c->in_str = true;
		} else if (ch == '(') {
			if (c->depth++ == 0)
				c->t[c->cur].rows++;
		} else if (ch == ')') {
			c->depth--;
		} else if (ch == ';' && c->depth == 0) {
			c->st = BK_SKIP; /* the rest of the statement's line */
		}
	}
}

/* ---- files ---- */

/* A new file (never an existing one or a link), 0600, synced: 0, or -1. */
static int bk_write_new(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) != 0) {
		close(fd);
		return -1;
	}
	if (fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Whether the file ends with text (mariadb-dump's last line says it completed). */
static bool bk_ends_with(const char *path, const char *text)
{
	size_t n = strlen(text);
	char buf[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || n > sizeof buf)
		return fd >= 0 ? close(fd), false : false;
	off_t end = lseek(fd, 0, SEEK_END);
	bool ok = end >= (off_t)n && pread(fd, buf, n, end - (off_t)n) == (ssize_t)n && memcmp(buf, text, n) == 0;
	close(fd);
	return ok;
}

/* SHA-256 of a file as hex, its size in *bytes: 0, or -1. */
static int bk_file_sha(const char *path, char out[2 * crypto_hash_sha256_BYTES + 1], long long *bytes)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	static char buf[1 << 16];
	ssize_t n;
	*bytes = 0;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		crypto_hash_sha256_update(&h, (unsigned char *)buf, (unsigned long long)n);
		*bytes += n;
	}
	close(fd);
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, d);
	sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, d, sizeof d);
	return n < 0 ? -1 : 0;
}

/* ---- the MariaDB clients ---- */

/* A value for a MariaDB option file: in double quotes, backslash and quote escaped. */
static void bk_opt_value(sbuf *b, const char *key, const char *v)
{
	sbuf_printf(b, "%s=\"", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_addc(b, '\\');
		sbuf_addc(b, *v);
	}
	sbuf_adds(b, "\"\n");
}

/* The app's connection settings (the first of db_nodes, else db_socket or db_host) as a
 * [client] option file, for the clients' --defaults-extra-file (the password never on a
 * command line, where ps shows it). */
static void bk_defaults_text(sbuf *b)
{
	db_node nodes[DB_NODES_MAX];
	int nn = db_nodes_parse(cfg.db_nodes, nodes, DB_NODES_MAX);
	sbuf_adds(b, "[client]\n");
	bk_opt_value(b, "user", cfg.db_user);
	bk_opt_value(b, "password", cfg.db_password);
	if (nn > 0 && nodes[0].socket[0])
		bk_opt_value(b, "socket", nodes[0].socket);
	else if (nn > 0)
		sbuf_printf(b, "host=\"%s\"\nport=%u\nprotocol=TCP\n", nodes[0].host, nodes[0].port);
	else if (*cfg.db_socket)
		bk_opt_value(b, "socket", cfg.db_socket);
	else
		sbuf_printf(b, "host=\"%s\"\nport=%ld\nprotocol=TCP\n", *cfg.db_host ? cfg.db_host : "localhost",
			    cfg.db_port);
}

/* The option file at path (a new file, 0600); with path ending in XXXXXX a new temporary file
 * whose name replaces the Xs. 0, or -1. */
static int bk_defaults_write(char *path)
{
	sbuf b;
	sbuf_init(&b);
	bk_defaults_text(&b);
	int rc = -1;
	size_t pl = strlen(path);
	if (pl > 6 && strcmp(path + pl - 6, "XXXXXX") == 0) {
		int fd = mkstemp(path);
		if (fd >= 0) {
			rc = write(fd, b.data, b.len) == (ssize_t)b.len ? 0 : -1;
			if (close(fd) != 0)
				rc = -1;
		}
	} else {
		rc = bk_write_new(path, b.data, b.len);
	}
	sodium_memzero(b.data, b.len);
	sbuf_free(&b);
	return rc;
}

/* Runs argv with stdin from in_fd and stdout to out_fd (-1: inherit); returns the pid or -1. */
static pid_t bk_spawn(char *const argv[], int in_fd, int out_fd, int close_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (in_fd >= 0 && dup2(in_fd, 0) < 0)
		_exit(127);
	if (out_fd >= 0 && dup2(out_fd, 1) < 0)
		_exit(127);
	if (close_fd >= 0)
		close(close_fd);
	execvp(argv[0], argv);
	fprintf(stderr, "mvctl: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static bool bk_wait_ok(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void bk_hex(const unsigned char h[crypto_hash_sha256_BYTES], char out[2 * crypto_hash_sha256_BYTES + 1])
{
	sodium_bin2hex(out, 2 * crypto_hash_sha256_BYTES + 1, h, crypto_hash_sha256_BYTES);
}

/* ---- backup ---- */

struct bk_run {
	const char *dir;
	bool created;                  /* D made by this run (removed again on failure) */
	char cnf[4096];                /* the option file inside D while the dump runs */
	char sha[2][2 * crypto_hash_sha256_BYTES + 1];
	long long bytes[2];
	struct bk_count count;
};

/* D: created 0700, or an existing empty directory of ours that nobody else can read. */
static int bk_dir_prepare(struct bk_run *b)
{
	struct stat st;
	if (mkdir(b->dir, 0700) == 0) {
		b->created = true;
		return 0;
	}
	if (errno != EEXIST)
		return cli_fail("cannot create the backup directory %s", b->dir);
	if (lstat(b->dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_fail("%s exists and is not a directory", b->dir);
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return cli_fail("%s is readable by others or not ours; a backup holds every document and the "
				"secret key: give a new directory or one with mode 0700",
				b->dir);
	DIR *d = opendir(b->dir);
	struct dirent *e;
	bool empty = true;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	if (d)
		closedir(d);
	if (!d || !empty)
		return cli_fail("%s is not empty; give a new directory for each backup", b->dir);
	return 0;
}

/* Removes what this run wrote (a failed backup leaves no directory that looks like one). */
static void bk_undo(struct bk_run *b)
{
	char path[4096];
	static const char *const all[] = {"dump.sql", "secret_key", "manifest.json", ".client.cnf"};
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		snprintf(path, sizeof path, "%s/%s", b->dir, all[i]);
		unlink(path);
	}
	if (b->created)
		rmdir(b->dir);
}

/* The dump's bytes from fd into D/dump.sql, hashed and counted: 0, or -1. */
static int bk_dump_copy(struct bk_run *b, int fd)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/dump.sql", b->dir);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return -1;
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	static char buf[1 << 16];
	ssize_t n;
	int rc = 0;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
		crypto_hash_sha256_update(&h, (unsigned char *)buf, (unsigned long long)n);
		bk_count_bytes(&b->count, buf, (size_t)n);
		b->bytes[0] += n;
	}
	if (fsync(out) != 0 || close(out) != 0)
		rc = -1;
	unsigned char d[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_final(&h, d);
	bk_hex(d, b->sha[0]);
	return rc;
}

/* mariadb-dump of the application database into D/dump.sql: 0, or 1 after cli_fail. */
static int bk_dump(struct bk_run *b)
{
	snprintf(b->cnf, sizeof b->cnf, "%s/.client.cnf", b->dir);
	if (bk_defaults_write(b->cnf) != 0)
		return cli_fail("cannot write the client option file in %s", b->dir);
	char defaults[4200];
	snprintf(defaults, sizeof defaults, "--defaults-extra-file=%s", b->cnf);
	/* no --hex-blob: a document in hex doubles its INSERT, and a restore would need twice the server's
	 * max_allowed_packet the app needs to store it (16 MB by default: a 10 MB document failed) */
	char *argv[] = {"mariadb-dump", defaults, "--single-transaction", "--routines", "--triggers",
			"--default-character-set=utf8mb4", "--max-allowed-packet=1G", "--skip-dump-date", cfg.db_name,
			NULL};
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return cli_fail("cannot start mariadb-dump", NULL);
	pid_t pid = bk_spawn(argv, -1, p[1], p[0]);
	close(p[1]);
	int rc = pid < 0 ? -1 : bk_dump_copy(b, p[0]);
	close(p[0]);
	bool ok = pid >= 0 && bk_wait_ok(pid);
	unlink(b->cnf);
	if (!ok)
		return cli_fail("mariadb-dump failed (its message above); no backup was written", NULL);
	if (rc != 0 || b->count.overflow)
		return cli_fail("cannot write %s/dump.sql (disk full?); no backup was written", b->dir);
	char path[4096];
	snprintf(path, sizeof path, "%s/dump.sql", b->dir);
	if (!bk_ends_with(path, "-- Dump completed\n"))
		return cli_fail("the dump in %s is incomplete; no backup was written", b->dir);
	int sm = bk_table_find(&b->count, "schema_migrations", strlen("schema_migrations"));
	if (sm < 0 || b->count.t[sm].rows == 0) /* every migrated database has rows there */
		return cli_fail("cannot count the rows of the dump (an unknown mariadb-dump format?); no backup was "
				"written",
				NULL);
	return 0;
}

/* D/secret_key: the configuration line to put back into mv.conf, 0600. */
static int bk_secret_write(struct bk_run *b)
{
	char path[4096], line[128];
	snprintf(path, sizeof path, "%s/secret_key", b->dir);
	int n = snprintf(line, sizeof line, "secret_key = %s\n", cfg.secret_key);
	int rc = bk_write_new(path, line, (size_t)n) == 0 ? bk_file_sha(path, b->sha[1], &b->bytes[1]) : -1;
	sodium_memzero(line, sizeof line);
	return rc;
}

static cJSON *bk_manifest(const struct bk_run *b, const char *migration, const char *gtid, time_t t)
{
	char when[32];
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "format", 1);
	cJSON_AddStringToObject(m, "zeit_utc", when);
	cJSON_AddStringToObject(m, "datenbank", cfg.db_name);
	cJSON_AddStringToObject(m, "migration", migration);
	cJSON_AddStringToObject(m, "gtid", gtid);
	cJSON *tabs = cJSON_AddObjectToObject(m, "tabellen");
	for (int i = 0; i < b->count.nt; i++)
		cJSON_AddNumberToObject(tabs, b->count.t[i].name, (double)b->count.t[i].rows);
	cJSON *files = cJSON_AddObjectToObject(m, "dateien");
	for (size_t i = 0; i < ARRAY_LEN(bk_files); i++) {
		cJSON *f = cJSON_AddObjectToObject(files, bk_files[i]);
		cJSON_AddStringToObject(f, "sha256", b->sha[i]);
		cJSON_AddNumberToObject(f, "bytes", (double)b->bytes[i]);
	}
	return m;
}

static void bk_print(const cJSON *m, const char *dir, arena *a)
{
	const cJSON *tabs = cJSON_GetObjectItemCaseSensitive(m, "tabellen");
	long long rows = 0;
	int n = 0;
	for (const cJSON *t = tabs->child; t; t = t->next, n++)
		rows += (long long)t->valuedouble;
	if (cli_json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "verzeichnis", dir);
		cJSON_AddStringToObject(o, "zeit_utc", cJSON_GetObjectItemCaseSensitive(m, "zeit_utc")->valuestring);
		cJSON_AddStringToObject(o, "migration", cJSON_GetObjectItemCaseSensitive(m, "migration")->valuestring);
		cJSON_AddNumberToObject(o, "tabellen", n);
		cJSON_AddNumberToObject(o, "zeilen", (double)rows);
		cli_print_json(o);
		return;
	}
	printf("backup written to %s: %d tables, %lld rows, migration %s\n", cli_text(a, dir), n, rows,
	       cJSON_GetObjectItemCaseSensitive(m, "migration")->valuestring);
	printf("it holds every document and the secret key: keep it as secret as mv.conf (encrypted, off this host)\n");
}

int cli_backup(actor *who, struct opts *o)
{
	if (!o->dir || !*o->dir)
		return cli_fail_usage("backup", NULL);
	umask(077);
	if (db_connect() != 0)
		return cli_fail("cannot connect to the database (see the configuration); no backup was written", NULL);
	static struct bk_run b;
	b = (struct bk_run){.dir = o->dir};
	db_res *r = db_query(who->a, "SELECT COALESCE(MAX(version), ''), @@gtid_current_pos FROM schema_migrations",
			     DBNOARGS);
	if (!r || !r->nrows)
		return cli_fail("cannot read the migration level from the database", NULL);
	const char *migration = db_str(r, 0, 0), *gtid = db_str(r, 0, 1) ? db_str(r, 0, 1) : "";
	time_t t = time(NULL);
	if (bk_dir_prepare(&b) != 0)
		return 1;
	if (bk_dump(&b) != 0 || (bk_secret_write(&b) != 0 && cli_fail("cannot write %s/secret_key", b.dir))) {
		bk_undo(&b);
		return 1;
	}
	cJSON *m = bk_manifest(&b, migration, gtid, t);
	char *text = cJSON_Print(m);
	char path[4096];
	snprintf(path, sizeof path, "%s/manifest.json", b.dir);
	int rc = bk_write_new(path, text, strlen(text));
	free(text);
	if (rc != 0) {
		cJSON_Delete(m);
		bk_undo(&b);
		return cli_fail("cannot write %s/manifest.json; no backup was written", b.dir);
	}
	bk_print(m, b.dir, who->a);
	cJSON_Delete(m);
	return 0;
}

/* ---- restore ---- */

static bool bk_ident(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= BK_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* The manifest, checked: every file of a backup listed with the hash it has now, table names
 * that are identifiers with counts. NULL after cli_fail. */
static cJSON *rs_manifest(arena *a, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	size_t len;
	const char *err;
	char *text = cli_file_read(a, path, &len, &err);
	cJSON *m = text ? cJSON_ParseWithLength(text, len) : NULL;
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(m, "dateien");
	const cJSON *tabs = cJSON_GetObjectItemCaseSensitive(m, "tabellen");
	if (!cJSON_IsObject(files) || !cJSON_IsObject(tabs)) {
		cJSON_Delete(m);
		cli_fail("%s has no readable manifest.json: not a backup of mvctl backup, or an incomplete one", dir);
		return NULL;
	}
	for (const cJSON *t = tabs->child; t; t = t->next)
		if (!bk_ident(t->string) || !cJSON_IsNumber(t)) {
			cJSON_Delete(m);
			cli_fail("the manifest in %s is damaged (table list); nothing restored", dir);
			return NULL;
		}
	for (size_t i = 0; i < ARRAY_LEN(bk_files); i++) {
		const cJSON *want = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(files, bk_files[i]),
								     "sha256");
		char have[2 * crypto_hash_sha256_BYTES + 1];
		long long bytes;
		snprintf(path, sizeof path, "%s/%s", dir, bk_files[i]);
		if (!cJSON_IsString(want) || bk_file_sha(path, have, &bytes) != 0 ||
		    strcmp(have, want->valuestring) != 0) {
			cJSON_Delete(m);
			cli_fail("%s does not match the manifest's SHA-256 (changed, damaged or missing); nothing restored",
				 path);
			return NULL;
		}
	}
	return m;
}

/* Runs the mariadb client on the application database with extra arguments, stdin from in_fd,
 * stdout into *out (NULL: inherited). true when it exits 0. */
static bool rs_client(arena *a, const char *extra[], int in_fd, char **out)
{
	char cnf[4096];
	const char *tmp = getenv("TMPDIR");
	snprintf(cnf, sizeof cnf, "%s/mvctl-restore-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (bk_defaults_write(cnf) != 0)
		return false;
	char defaults[4200];
	snprintf(defaults, sizeof defaults, "--defaults-extra-file=%s", cnf);
	char *argv[16] = {"mariadb", defaults, "--default-character-set=utf8mb4", "--max-allowed-packet=1G"};
	int n = 4;
	for (int i = 0; extra[i] && n < 14; i++)
		argv[n++] = (char *)extra[i];
	argv[n++] = cfg.db_name;
	argv[n] = NULL;
	int p[2] = {-1, -1};
	if (out && pipe2(p, O_CLOEXEC) != 0) {
		unlink(cnf);
		return false;
	}
	pid_t pid = bk_spawn(argv, in_fd, p[1], p[0]);
	sbuf b = sbuf_in(a);
	if (out) {
		close(p[1]);
		char buf[4096];
		ssize_t r;
		while ((r = read(p[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
			if (r > 0)
				sbuf_add(&b, buf, (size_t)r);
		close(p[0]);
		*out = b.data ? b.data : "";
	}
	bool ok = pid >= 0 && bk_wait_ok(pid);
	unlink(cnf);
	return ok;
}

/* Rows per table in the database now against the manifest: the number of differences, -1 when
 * they cannot be read. */
static int rs_counts(arena *a, const cJSON *tabs)
{
	sbuf q = sbuf_in(a);
	for (const cJSON *t = tabs->child; t; t = t->next) /* names checked by bk_ident */
		sbuf_printf(&q, "SELECT '%s', COUNT(*) FROM `%s`;\n", t->string, t->string);
	const char *extra[] = {"-N", "-B", "-e", q.data ? q.data : "SELECT 1", NULL};
	char *out;
	if (!rs_client(a, extra, -1, &out))
		return -1;
	int diff = 0;
	for (const cJSON *t = tabs->child; t; t = t->next) {
		char *line = arena_printf(a, "%s\t%lld\n", t->string, (long long)t->valuedouble);
		size_t ll = strlen(line);
		if (strncmp(out, line, ll) != 0) {
			fprintf(stderr, "mvctl: table %s: rows differ from the manifest (%lld expected)\n", t->string,
				(long long)t->valuedouble);
			diff++;
			char *nl = strchr(out, '\n');
			out = nl ? nl + 1 : out + strlen(out);
		} else {
			out += ll;
		}
	}
	return diff;
}

/* The backup's key against the configured one: true when they are the same. */
static bool rs_secret_same(arena *a, const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/secret_key", dir);
	size_t len;
	const char *err;
	char *text = cli_file_read(a, path, &len, &err);
	char *want = arena_printf(a, "secret_key = %s\n", cfg.secret_key);
	bool same = text && strcmp(text, want) == 0;
	sodium_memzero(want, strlen(want));
	if (text)
		sodium_memzero(text, len);
	return same;
}

static void rs_print(const cJSON *m, bool same, long long rows, int ntab, const char *dir, arena *a)
{
	const char *when = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "zeit_utc"));
	if (cli_json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "verzeichnis", dir);
		cJSON_AddStringToObject(o, "zeit_utc", when ? when : "");
		cJSON_AddNumberToObject(o, "tabellen", ntab);
		cJSON_AddNumberToObject(o, "zeilen", (double)rows);
		cJSON_AddBoolToObject(o, "secret_key_gleich", same);
		cli_print_json(o);
		return;
	}
	printf("restored %s (backup of %s): %d tables, %lld rows, each as the manifest counts\n", cli_text(a, dir),
	       when ? cli_text(a, when) : "?", ntab, rows);
	if (same)
		printf("secret_key: mv.conf holds the backup's key; sessions and links of the backup stay valid\n");
	else
		printf("secret_key: mv.conf holds ANOTHER key than the backup (%s/secret_key). Put the backup's line into "
		       "mv.conf and restart, or sessions, links and TANs of the backup are void (the users log in "
		       "again; passwords do not depend on the key)\n",
		       cli_text(a, dir));
}

int cli_restore(actor *who, struct opts *o)
{
	if (!o->dir || !*o->dir)
		return cli_fail_usage("restore", NULL);
	umask(077);
	cJSON *m = rs_manifest(who->a, o->dir);
	if (!m)
		return 1;
	if (db_connect() != 0) {
		cJSON_Delete(m);
		return cli_fail("cannot connect to the database %s: create it empty first (CREATE DATABASE … CHARACTER SET "
				"utf8mb4 COLLATE utf8mb4_unicode_ci) with the app's user allowed on it; nothing restored",
				cfg.db_name);
	}
	db_res *r = db_query(who->a, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
			     DBNOARGS);
	int rc = 1;
	if (!r)
		cli_fail("cannot read the database's tables", NULL);
	else if (db_int(r, 0, 0) > 0 && !o->force)
		cli_fail("the database is not empty; restore into an empty database (DROP and CREATE it), or give "
			 "--force to replace its tables with the backup's",
			 NULL);
	else
		rc = 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/dump.sql", o->dir);
	int fd = rc == 0 ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	const char *none[] = {NULL};
	if (rc == 0 && (fd < 0 || !rs_client(who->a, none, fd, NULL)))
		rc = cli_fail("loading %s failed (the client's message above); the database holds part of the backup: "
			      "drop and create it before the next try",
			      path);
	if (fd >= 0)
		close(fd);
	const cJSON *tabs = cJSON_GetObjectItemCaseSensitive(m, "tabellen");
	int diff = rc == 0 ? rs_counts(who->a, tabs) : 0;
	if (rc == 0 && diff != 0)
		rc = cli_fail(diff < 0 ? "cannot count the restored rows" : "the restored rows differ from the manifest",
			      NULL);
	if (rc == 0) {
		long long rows = 0;
		int n = 0;
		for (const cJSON *t = tabs->child; t; t = t->next, n++)
			rows += (long long)t->valuedouble;
		rs_print(m, rs_secret_same(who->a, o->dir), rows, n, o->dir, who->a);
	}
	cJSON_Delete(m);
	return rc;
}
