/* metrics.h — this host's counters for the operator: one shared memory region that the master maps
 * before it forks (workers and the mailer count into it with atomic adds, the master records its
 * children there), rendered in the Prometheus text format; and the health verdict of /status and
 * `mvctl status` (database reachable, outbox age, workers alive). Per host and in memory: a master
 * restart starts the counters at 0 again (Prometheus sees a counter reset). No user data, no
 * secrets in any label: route classes are the route table's names. */
#ifndef MV_METRICS_H
#define MV_METRICS_H
#include "util.h"
#include <stdbool.h>
#include <sys/types.h>

enum login_result { LOGIN_PASSWORD_OK, LOGIN_PASSWORD_REFUSED, LOGIN_TAN_OK, LOGIN_TAN_REFUSED, LOGIN_RESULTS };

/* The master, before the first fork: the region, with the request classes of answers without a
 * route ("status", "not_found", "method_not_allowed", "unrouted"). 0, or -1 (then every counter
 * is a no-op). Then metrics_class_add for each route name (repeated names count once). */
int metrics_init(void);
void metrics_class_add(const char *name);

/* One answered request: its class (route name or one of the above), HTTP status, duration. */
void metrics_request(const char *cls, int status, double seconds);
void metrics_login(enum login_result res);
void metrics_tan_mail_queued(void);
void metrics_mail(bool sent); /* the mailer: one delivery accepted / one attempt failed */
void metrics_worker_recycled(void); /* a worker leaves after worker_max_requests */

/* The master's view of its children; the master refreshes it every round of its loop. */
struct metrics_master {
	long long pid, heartbeat;  /* the master's pid; time() of its last round */
	long long workers, workers_alive, mailer_alive;
	long long worker_restarts, mailer_restarts, workers_recycled;
};
void metrics_child_restarted(bool worker); /* a child ended other than cleanly and is restarted */
void metrics_children(long workers, long workers_alive, bool mailer_alive);
bool metrics_master_read(struct metrics_master *m); /* false: no region (not under the master) */

/* The shared state in the database, read at check time. */
struct metrics_db {
	bool reachable;
	long long oldest_age_s; /* the oldest mail not yet sent, seconds; 0 when the outbox is empty */
	long long queued, retrying; /* full only: unsent mails, those with failed attempts */
	const char *migration;      /* full only: the newest applied migration */
	long long sessions;         /* full only: logged-in sessions active within idle_timeout_s */
};
/* full=false: one cheap query (reachable + oldest age), what the load balancer's /status needs. */
void metrics_db_read(arena *a, bool full, struct metrics_db *d);

/* The verdict: database reachable, outbox's oldest unsent mail younger than
 * status_outbox_max_age_s, at least one worker alive under a master that ran in the last 10 s. */
struct metrics_health {
	bool ok, db_ok, outbox_ok, workers_ok;
};
struct metrics_health metrics_health(const struct metrics_db *d, const struct metrics_master *m, bool have_master,
				     long long now);

/* The details of the local /status and `mvctl status --json` (cJSON object, the caller's). */
typedef struct cJSON cJSON;
cJSON *metrics_status_json(const struct metrics_health *h, const struct metrics_db *d, const struct metrics_master *m,
			   bool have_master);

/* The whole exposition (text format 0.0.4) into out, with the database gauges of d. */
void metrics_render(sbuf *out, const struct metrics_db *d);

/* The master's status file next to the FastCGI socket (<fcgi_socket>.status, JSON, rewritten
 * every few seconds) for `mvctl status`; path into buf. */
void metrics_status_path(char *buf, size_t len);
void metrics_status_write(void); /* the master */

#endif
