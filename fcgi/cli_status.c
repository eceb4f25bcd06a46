/* cli_status.c — `mvctl status [--json]`: this host's health with every detail, for the operator and
 * for a cron or monitoring check. The database part is read directly (also when the database is
 * down: then it says so); the master's part from the status file the master rewrites every 2 s
 * next to its socket (metrics.c). The same checks as GET /status; exit code 0 only when healthy. */
#include "cli.h"
#include "config.h"
#include "metrics.h"
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The master's last record; false when there is no file (the master does not run on this host),
 * it cannot be read, or its process is gone. */
static bool master_read(arena *a, struct metrics_master *m)
{
	char path[1024];
	metrics_status_path(path, sizeof path);
	size_t len;
	const char *err;
	char *text = cli_file_read(a, path, &len, &err);
	cJSON *o = text ? cJSON_ParseWithLength(text, len) : NULL;
	if (!o)
		return false;
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"pid", offsetof(struct metrics_master, pid)},
		{"heartbeat", offsetof(struct metrics_master, heartbeat)},
		{"workers", offsetof(struct metrics_master, workers)},
		{"workers_alive", offsetof(struct metrics_master, workers_alive)},
		{"mailer_alive", offsetof(struct metrics_master, mailer_alive)},
		{"worker_restarts", offsetof(struct metrics_master, worker_restarts)},
		{"mailer_restarts", offsetof(struct metrics_master, mailer_restarts)},
		{"workers_recycled", offsetof(struct metrics_master, workers_recycled)},
	};
	for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, fields[i].name);
		*(long long *)((char *)m + fields[i].off) = cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
	}
	cJSON_Delete(o);
	return m->pid > 0 && (kill((pid_t)m->pid, 0) == 0 || errno == EPERM);
}

static void status_print(const struct metrics_health *h, const struct metrics_db *d, const struct metrics_master *m,
			 bool have)
{
	printf("status    %s\n", h->ok ? "ok" : "FAIL");
	if (d->reachable)
		printf("database  ok: reachable, migration %s, %lld active sessions\n", d->migration, d->sessions);
	else
		printf("database  FAIL: unreachable\n");
	if (d->reachable)
		printf("outbox    %s: %lld unsent (%lld with failed attempts), oldest %lld s (limit %ld s)\n",
		       h->outbox_ok ? "ok" : "FAIL", d->queued, d->retrying, d->oldest_age_s, cfg.status_outbox_max_age_s);
	else
		printf("outbox    FAIL: unknown (database unreachable)\n");
	if (!have) {
		printf("workers   FAIL: no master running on this host (no current %s.status)\n", cfg.fcgi_socket);
		return;
	}
	printf("workers   %s: %lld of %lld alive, mailer %s, master pid %lld (%lld s ago)\n", h->workers_ok ? "ok" : "FAIL",
	       m->workers_alive, m->workers, m->mailer_alive ? "running" : "NOT running", m->pid,
	       (long long)time(NULL) - m->heartbeat);
	printf("restarts  workers %lld, mailer %lld; workers recycled %lld\n", m->worker_restarts, m->mailer_restarts,
	       m->workers_recycled);
}

int cli_status(actor *who, struct opts *o)
{
	(void)o;
	struct metrics_db d;
	struct metrics_master m = {0};
	metrics_db_read(who->a, true, &d);
	bool have = master_read(who->a, &m);
	struct metrics_health h = metrics_health(&d, &m, have, (long long)time(NULL));
	if (cli_json)
		cli_print_json(metrics_status_json(&h, &d, &m, have));
	else
		status_print(&h, &d, &m, have);
	return h.ok ? 0 : 1;
}
