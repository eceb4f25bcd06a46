/* retention.h — removing what has outlived its retention period (DOMAIN.md §5): the access log
 * (ab_zugriff) after `ab_zugriff_tage` days. Run by the mailer process as its housekeeping step
 * (every `housekeeping_interval_s`) and by `mvctl ab aufraeumen`. Each further kept table adds its
 * count to struct retention_result and its step to retention_run. */
#ifndef MV_RETENTION_H
#define MV_RETENTION_H
#include <stdbool.h>

enum { RETENTION_CHUNK = 10000 }; /* rows per DELETE statement (one short transaction each) */

struct retention_result {
	long long zugriffe; /* access-log rows removed */
	bool more;          /* max_chunks was reached with rows still due: call again */
};

/* Deletes due rows in chunks of RETENTION_CHUNK, each its own statement (autocommit), oldest
 * first, at most max_chunks statements per table (0: until none is due). Safe when several hosts
 * run it at once: each DELETE takes what is still there. Adds to *out (zero it first).
 * Returns 0, or -1 on a database error (what was deleted so far stays deleted and counted). */
int retention_run(long max_chunks, struct retention_result *out);

#endif
