/* page_status.c — GET /status for load balancers and GET /metrics for Prometheus, answered before
 * the session is loaded (no cookie, no session row, no rate limit, no log line of ours; one cheap
 * query). Outside, /status says only "ok" (200) or "fail" (503) and /metrics does not exist (404).
 * The local listener — an nginx server bound to 127.0.0.1 that passes the FastCGI parameter
 * MV_LISTENER=intern, which no client can set — gets the details of /status as JSON and /metrics.
 * Also the class under which web.c counts every answered request (metrics.c). */
#include "pages.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "response.h"
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The public /status counts as "status"; the local listener's answers are not counted ("intern"
 * is no class), so a scrape does not move what it measures. */
static const route status_route = {"GET", "/status", NULL, R_PUBLIC, 0, "status"};
static const route intern_route = {"GET", "/status", NULL, R_PUBLIC, 0, "intern"};

static void answer(req *r, int status, const char *ctype, const char *body)
{
	sbuf_reset(&r->body);
	sbuf_adds(&r->body, body);
	r->status = status;
	r->ctype = ctype;
	r->responded = true;
}

static void status_get(req *r, bool intern)
{
	struct metrics_db d;
	struct metrics_master m = {0};
	metrics_db_read(r->a, intern, &d);
	bool have = metrics_master_read(&m);
	struct metrics_health h = metrics_health(&d, &m, have, (long long)time(NULL));
	int st = h.ok ? 200 : 503;
	if (intern) {
		cJSON *o = metrics_status_json(&h, &d, &m, have);
		char *text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!text)
			mv_oom();
		answer(r, st, "application/json; charset=utf-8", text);
		free(text);
	} else if (r->want_json)
		answer(r, st, "application/json; charset=utf-8", h.ok ? "{\"status\":\"ok\"}" : "{\"status\":\"fail\"}");
	else
		answer(r, st, "text/plain; charset=utf-8", h.ok ? "ok\n" : "fail\n");
}

static void metrics_get(req *r)
{
	struct metrics_db d;
	metrics_db_read(r->a, true, &d);
	sbuf out = sbuf_in(r->a);
	metrics_render(&out, &d);
	answer(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "");
}

bool status_answer(req *r, char *const *env)
{
	bool intern = str_eq(http_env_get(env, "MV_LISTENER"), "intern");
	bool status = strcmp(r->path, "/status") == 0, metrics = intern && strcmp(r->path, "/metrics") == 0;
	if (!status && !metrics)
		return false;
	r->route = intern ? &intern_route : &status_route;
	if (!str_eq(r->method, "GET") && !str_eq(r->method, "HEAD")) {
		resp_header(r, "Allow", "GET, HEAD");
		answer(r, 405, "text/plain; charset=utf-8", "Methode nicht erlaubt.\n");
	} else if (metrics)
		metrics_get(r);
	else
		status_get(r, intern);
	return true;
}

void status_observe(const req *r, double seconds)
{
	const char *cls = r->route ? r->route->name
			: r->status == 404 ? "not_found"
			: r->status == 405 ? "method_not_allowed"
					   : "unrouted";
	metrics_request(cls, r->status, seconds);
	if (r->status >= 500 && r->route != &status_route && r->route != &intern_route)
		log_warn("answered %d", r->status); /* a load balancer's /status polls are not logged */
}
