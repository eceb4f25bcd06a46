/* retention.c — removing what has outlived its retention period (see retention.h). */
#include "retention.h"
#include "config.h"
#include "db.h"
#include "log.h"

/* The access log: rows older than ab_zugriff_tage days (UTC, as stored). Ordered by the index
 * ix_ab_zugriff_at (its entries carry the id), so each chunk is one range read of that index. */
static int zugriffe_remove(long max_chunks, struct retention_result *out)
{
	for (long i = 0; max_chunks == 0 || i < max_chunks; i++) {
		unsigned long long n = 0;
		if (db_exec("DELETE FROM ab_zugriff WHERE at < NOW() - INTERVAL ? DAY ORDER BY at, id LIMIT ?",
			    DBARGS(DI(cfg.ab_zugriff_tage), DI(RETENTION_CHUNK)), &n, NULL) != 0)
			return -1;
		out->zugriffe += (long long)n;
		if (n < RETENTION_CHUNK)
			return 0;
	}
	out->more = true;
	return 0;
}

int retention_run(long max_chunks, struct retention_result *out)
{
	long long before = out->zugriffe;
	int rc = zugriffe_remove(max_chunks, out);
	if (out->zugriffe > before)
		log_info("retention: %lld access-log rows older than %ld days removed%s", out->zugriffe - before,
			 cfg.ab_zugriff_tage, out->more ? " (more due)" : "");
	if (rc != 0)
		log_warn("retention: removing old access-log rows failed (database error); tried again later");
	return rc;
}
