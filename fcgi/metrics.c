/* metrics.c — the shared counters, the Prometheus exposition, the health verdict and the master's
 * status file (see metrics.h). Counters are updated with __atomic builtins (relaxed: they are
 * independent numbers, a scrape may see one request counted and its duration not yet). */
#include "metrics.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { CLASSES = 128, CLASS_NAME = 32, CODES = 5, MASTER_STALE_S = 10 };

static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])
static const char *const extra_classes[] = {"status", "not_found", "method_not_allowed", "unrouted"};
static const char *const login_names[LOGIN_RESULTS] = {"password_ok", "password_refused", "tan_ok", "tan_refused"};

struct region {
	size_t nclasses;
	char names[CLASSES][CLASS_NAME];
	unsigned long long requests[CLASSES][CODES]; /* 1xx … 5xx */
	unsigned long long buckets[NBOUNDS + 1];      /* per bucket (not cumulative); the last: over 10 s */
	unsigned long long sum_us;
	unsigned long long logins[LOGIN_RESULTS];
	unsigned long long tan_queued, mails_sent, mails_failed;
	struct metrics_master master;
};

static struct region *M;

static void add(unsigned long long *c, unsigned long long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static unsigned long long get(const unsigned long long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

void metrics_class_add(const char *name)
{
	if (!M)
		return;
	for (size_t i = 0; i < M->nclasses; i++)
		if (strcmp(M->names[i], name) == 0)
			return;
	if (M->nclasses == CLASSES || strlen(name) >= CLASS_NAME) {
		log_warn("metrics: no request class for route name %s", name);
		return;
	}
	snprintf(M->names[M->nclasses++], CLASS_NAME, "%s", name);
}

int metrics_init(void)
{
	void *p = mmap(NULL, sizeof *M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_error("metrics: cannot map the shared counters: %s", strerror(errno));
		return -1;
	}
	M = p; /* zeroed by the kernel */
	for (size_t i = 0; i < ARRAY_LEN(extra_classes); i++)
		metrics_class_add(extra_classes[i]);
	M->master.pid = getpid();
	M->master.heartbeat = time(NULL);
	return 0;
}

void metrics_request(const char *cls, int status, double seconds)
{
	if (!M || !cls)
		return;
	size_t c = 0;
	while (c < M->nclasses && strcmp(M->names[c], cls) != 0)
		c++;
	if (c == M->nclasses)
		return;
	int code = status / 100 - 1;
	add(&M->requests[c][code < 0 ? 0 : code >= CODES ? CODES - 1 : code], 1);
	size_t b = 0;
	while (b < NBOUNDS && seconds > bounds[b])
		b++;
	add(&M->buckets[b], 1);
	add(&M->sum_us, seconds > 0 ? (unsigned long long)(seconds * 1e6 + 0.5) : 0);
}

void metrics_login(enum login_result res)
{
	if (M && res < LOGIN_RESULTS)
		add(&M->logins[res], 1);
}

void metrics_tan_mail_queued(void)
{
	if (M)
		add(&M->tan_queued, 1);
}

void metrics_mail(bool sent)
{
	if (M)
		add(sent ? &M->mails_sent : &M->mails_failed, 1);
}

void metrics_worker_recycled(void)
{
	if (M)
		add((unsigned long long *)&M->master.workers_recycled, 1);
}

void metrics_child_restarted(bool worker)
{
	if (M)
		add((unsigned long long *)(worker ? &M->master.worker_restarts : &M->master.mailer_restarts), 1);
}

void metrics_children(long workers, long workers_alive, bool mailer_alive)
{
	if (!M)
		return;
	__atomic_store_n(&M->master.workers, workers, __ATOMIC_RELAXED);
	__atomic_store_n(&M->master.workers_alive, workers_alive, __ATOMIC_RELAXED);
	__atomic_store_n(&M->master.mailer_alive, mailer_alive ? 1 : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&M->master.heartbeat, (long long)time(NULL), __ATOMIC_RELAXED);
}

bool metrics_master_read(struct metrics_master *m)
{
	if (!M)
		return false;
	const long long *src = (const long long *)&M->master;
	long long *dst = (long long *)m;
	for (size_t i = 0; i < sizeof *m / sizeof(long long); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return true;
}

/* ---- the database's part ---- */

static void db_outbox(arena *a, bool full, struct metrics_db *d)
{
	db_res *r = full ? db_query(a,
				    "SELECT TIMESTAMPDIFF(SECOND, MIN(created_at), NOW()), COUNT(*), "
				    "COALESCE(SUM(attempts > 0), 0) FROM outbox WHERE status IN ('wartend', 'versand')",
				    DBNOARGS)
			 : db_query(a,
				    "SELECT TIMESTAMPDIFF(SECOND, MIN(created_at), NOW()) FROM outbox "
				    "WHERE status IN ('wartend', 'versand')",
				    DBNOARGS);
	if (!r || r->nrows != 1)
		return;
	d->reachable = true;
	long long age = db_int(r, 0, 0);
	d->oldest_age_s = age > 0 ? age : 0;
	if (full) {
		d->queued = db_int(r, 0, 1);
		d->retrying = db_int(r, 0, 2);
	}
}

void metrics_db_read(arena *a, bool full, struct metrics_db *d)
{
	*d = (struct metrics_db){.migration = ""};
	db_outbox(a, full, d);
	if (!full || !d->reachable)
		return;
	db_res *m = db_query(a, "SELECT COALESCE(MAX(version), '') FROM schema_migrations", DBNOARGS);
	if (m && m->nrows == 1)
		d->migration = db_str(m, 0, 0);
	db_res *s = db_query(a,
			     "SELECT COUNT(*) FROM session WHERE stage = 'voll' AND last_seen > NOW() - INTERVAL ? SECOND",
			     DBARGS(DI(cfg.idle_timeout_s)));
	if (s && s->nrows == 1)
		d->sessions = db_int(s, 0, 0);
	if (!m || !s)
		d->reachable = false;
}

struct metrics_health metrics_health(const struct metrics_db *d, const struct metrics_master *m, bool have_master,
				     long long now)
{
	struct metrics_health h = {.db_ok = d->reachable};
	h.outbox_ok = d->reachable && d->oldest_age_s < cfg.status_outbox_max_age_s;
	h.workers_ok = have_master && m->workers_alive >= 1 && now - m->heartbeat <= MASTER_STALE_S;
	h.ok = h.db_ok && h.outbox_ok && h.workers_ok;
	return h;
}

static void add_num(cJSON *o, const char *name, long long v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

cJSON *metrics_status_json(const struct metrics_health *h, const struct metrics_db *d, const struct metrics_master *m,
			   bool have_master)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", h->ok ? "ok" : "fail");
	cJSON *c = cJSON_AddObjectToObject(o, "checks");
	cJSON_AddBoolToObject(c, "database", h->db_ok);
	cJSON_AddBoolToObject(c, "outbox", h->outbox_ok);
	cJSON_AddBoolToObject(c, "workers", h->workers_ok);
	cJSON *db = cJSON_AddObjectToObject(o, "database");
	cJSON_AddBoolToObject(db, "reachable", d->reachable);
	cJSON_AddStringToObject(db, "migration", d->migration);
	add_num(db, "sessions_active", d->sessions);
	cJSON *ob = cJSON_AddObjectToObject(o, "outbox");
	add_num(ob, "unsent", d->queued);
	add_num(ob, "retrying", d->retrying);
	add_num(ob, "oldest_unsent_age_s", d->oldest_age_s);
	add_num(ob, "max_age_s", cfg.status_outbox_max_age_s);
	if (!have_master) {
		cJSON_AddNullToObject(o, "master");
		return o;
	}
	cJSON *w = cJSON_AddObjectToObject(o, "master");
	add_num(w, "pid", m->pid);
	add_num(w, "workers", m->workers);
	add_num(w, "workers_alive", m->workers_alive);
	cJSON_AddBoolToObject(w, "mailer_alive", m->mailer_alive != 0);
	add_num(w, "worker_restarts", m->worker_restarts);
	add_num(w, "mailer_restarts", m->mailer_restarts);
	add_num(w, "workers_recycled", m->workers_recycled);
	return o;
}

/* ---- exposition ---- */

static void head(sbuf *o, const char *name, const char *type, const char *help)
{
	sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(sbuf *o, const char *name, const char *type, const char *help, long long v)
{
	head(o, name, type, help);
	sbuf_printf(o, "%s %lld\n", name, v);
}

static void render_requests(sbuf *o)
{
	head(o, "mv_http_requests_total", "counter", "Requests answered by the application, by route class and status class.");
	for (size_t c = 0; c < M->nclasses; c++)
		for (int k = 0; k < CODES; k++) {
			unsigned long long v = get(&M->requests[c][k]);
			if (v)
				sbuf_printf(o, "mv_http_requests_total{route=\"%s\",code=\"%dxx\"} %llu\n", M->names[c], k + 1, v);
		}
	head(o, "mv_http_request_duration_seconds", "histogram",
	     "Time from a worker's accepting a request to its answer being handed to nginx.");
	unsigned long long cum = 0;
	for (size_t b = 0; b <= NBOUNDS; b++) {
		cum += get(&M->buckets[b]);
		if (b < NBOUNDS)
			sbuf_printf(o, "mv_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[b], cum);
		else
			sbuf_printf(o, "mv_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	}
	unsigned long long us = get(&M->sum_us);
	sbuf_printf(o, "mv_http_request_duration_seconds_sum %llu.%06llu\n", us / 1000000, us % 1000000);
	sbuf_printf(o, "mv_http_request_duration_seconds_count %llu\n", cum);
}

static void render_counters(sbuf *o)
{
	head(o, "mv_logins_total", "counter", "Login steps: password accepted or refused, TAN accepted or refused.");
	for (int i = 0; i < LOGIN_RESULTS; i++)
		sbuf_printf(o, "mv_logins_total{result=\"%s\"} %llu\n", login_names[i], get(&M->logins[i]));
	one(o, "mv_tan_mails_queued_total", "counter", "TAN mails written to the outbox.", (long long)get(&M->tan_queued));
	one(o, "mv_mails_sent_total", "counter", "Mails the SMTP server accepted (this host's mailer).",
	    (long long)get(&M->mails_sent));
	one(o, "mv_mails_failed_total", "counter", "Failed delivery attempts (the mail stays queued and is retried).",
	    (long long)get(&M->mails_failed));
	struct metrics_master m;
	metrics_master_read(&m);
	one(o, "mv_workers_recycled_total", "counter", "Workers replaced after worker_max_requests.", m.workers_recycled);
	one(o, "mv_worker_restarts_total", "counter", "Workers restarted after a crash or a kill.", m.worker_restarts);
	one(o, "mv_mailer_restarts_total", "counter", "Mailer restarts after a crash or a kill.", m.mailer_restarts);
	one(o, "mv_workers", "gauge", "Workers configured.", m.workers);
	one(o, "mv_workers_alive", "gauge", "Workers running.", m.workers_alive);
	one(o, "mv_mailer_alive", "gauge", "1 while the mailer runs.", m.mailer_alive);
}

void metrics_render(sbuf *o, const struct metrics_db *d)
{
	if (!M)
		return;
	render_requests(o);
	render_counters(o);
	one(o, "mv_database_up", "gauge", "1 if the database answered this scrape's query.", d->reachable);
	if (!d->reachable)
		return; /* no outbox numbers rather than made-up ones */
	one(o, "mv_outbox_oldest_unsent_age_seconds", "gauge",
	    "Age of the oldest mail in the outbox not yet sent (0: none waiting); all hosts.", d->oldest_age_s);
	one(o, "mv_outbox_unsent", "gauge", "Mails in the outbox not yet sent; all hosts.", d->queued);
}

/* ---- the master's status file ---- */

void metrics_status_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s.status", cfg.fcgi_socket);
}

void metrics_status_write(void)
{
	struct metrics_master m;
	if (!metrics_master_read(&m))
		return;
	char path[1024], tmp[1100];
	metrics_status_path(path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fchmod(fileno(f), 0640);
	fprintf(f,
		"{\"pid\":%lld,\"heartbeat\":%lld,\"workers\":%lld,\"workers_alive\":%lld,\"mailer_alive\":%lld,"
		"\"worker_restarts\":%lld,\"mailer_restarts\":%lld,\"workers_recycled\":%lld}\n",
		m.pid, m.heartbeat, m.workers, m.workers_alive, m.mailer_alive, m.worker_restarts, m.mailer_restarts,
		m.workers_recycled);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		unlink(tmp);
}
