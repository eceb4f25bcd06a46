/* db_stream.c — db_load's LOCAL INFILE handler against the real server (run by
 * tests/http/test_ab_stream.py with the stack's configuration): the server gets exactly the bytes
 * handed to db_load under the name DB_STREAM and nothing else — a LOAD DATA naming another file is
 * refused before anything is read, a request when no db_load is under way is refused, a process
 * that did not allow the stream cannot use it, a row the server would skip or convert is an error.
 * Prints one line per check; exit status 1 if one failed. */
#include "config.h"
#include "db.h"
#include <stdio.h>
#include <string.h>

static int failed;

static void check(bool ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	failed |= !ok;
}

static long long count(const char *where_v)
{
	arena a;
	arena_init(&a);
	db_res *r = db_query(&a, "SELECT COUNT(*) FROM stream_probe WHERE v = ?", DBARGS(DS(where_v)));
	long long n = r && r->nrows ? db_int(r, 0, 0) : -1;
	arena_reset(&a);
	return n;
}

int main(int argc, char **argv)
{
	char err[256];
	if (argc != 2 || config_load(argv[1], err, sizeof err) != 0) {
		fprintf(stderr, "usage: db_stream CONFIG (%s)\n", argc == 2 ? err : "");
		return 2;
	}
	static const char rows[] = "Back\\\\slash\n\\\\N\n\\N\nTab\\there\n";
	check(db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE zeitart (zeitart)", "XX\n", 3, NULL) != 0,
	      "without db_local_stream_allow the server gets no stream");
	db_local_stream_allow();
	check(db_exec("CREATE TEMPORARY TABLE stream_probe (v VARCHAR(20) NULL)", DBNOARGS, NULL, NULL) == 0,
	      "temporary table");
	unsigned long long n = 0;
	check(db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE stream_probe CHARACTER SET utf8mb4 (v)", rows,
		      strlen(rows), &n) == 0 && n == 4,
	      "the armed stream is loaded: 4 rows");
	check(count("Back\\slash") == 1 && count("\\N") == 1 && count("Tab\there") == 1, "escapes arrive as values");
	check(db_load("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE stream_probe (v)", "x\n", 2, NULL) != 0,
	      "a LOAD DATA naming another file is refused");
	check(db_load("LOAD DATA LOCAL INFILE 'mv-stream2' INTO TABLE stream_probe (v)", "x\n", 2, NULL) != 0,
	      "a name that only starts like the stream's is refused");
	check(count("x") == 0, "nothing of the refused requests arrived");
	void *ptr = &n;
	check(db_infile_init(&ptr, DB_STREAM, NULL) == 1 && ptr == NULL,
	      "a request for the stream's name while no db_load is under way is refused");
	check(db_infile_init(&ptr, "/etc/passwd", NULL) == 1 && ptr == NULL, "a request for a file is refused");
	check(db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE stream_probe (v)",
		      "far longer than twenty characters\n", 34, NULL) != 0,
	      "a value the server would cut (a warning) is an error");
	check(db_load("LOAD DATA LOCAL INFILE '" DB_STREAM "' INTO TABLE stream_probe (v)", "", 0, &n) == 0 && n == 0,
	      "an empty stream loads nothing");
	check(count("Back\\slash") == 1, "the connection still works after the refusals");
	return failed;
}
