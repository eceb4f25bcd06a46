/* log.c — one line per entry on stderr (the stack redirects it to var/log/mv.log;
 * under systemd it goes to the journal). Control characters (C0, DEL, C1) are escaped (ASVS 16.4.1). */
#include "log.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static char ctx_route[128];
static char ctx_remote[64];

static const char *const level_names[LOG_LEVEL__MAX] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_set_context(const char *route, const char *remote)
{
	snprintf(ctx_route, sizeof ctx_route, "%s", route ? route : "");
	snprintf(ctx_remote, sizeof ctx_remote, "%s", remote ? remote : "");
}

void log_escape(sbuf *out, const char *s)
{
	str_escape_ctl(out, s); /* C0, DEL, C1 and bytes that are not UTF-8 */
}

static void log_write(enum log_level level, const char *text)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	sbuf line;
	sbuf_init(&line);
	sbuf_printf(&line, "%s %s pid=%d", ts, level_names[level], (int)getpid());
	if (ctx_route[0]) {
		sbuf_adds(&line, " route=");
		log_escape(&line, ctx_route);
	}
	if (ctx_remote[0]) {
		sbuf_adds(&line, " remote=");
		log_escape(&line, ctx_remote);
	}
	sbuf_addc(&line, ' ');
	log_escape(&line, text);
	sbuf_addc(&line, '\n');
	ssize_t r = write(2, line.data, line.len);
	(void)r;
	sbuf_free(&line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level < min_level)
		return;
	sbuf text;
	sbuf_init(&text);
	va_list ap;
	va_start(ap, fmt);
	sbuf_vprintf(&text, fmt, ap);
	va_end(ap);
	log_write(level, text.data);
	sbuf_free(&text);
}

void log_event(const char *event, const char *actor, const char *target, const char *detail)
{
	log_msg(LOG_INFO, "event=%s actor=%s target=%s %s", event, actor && *actor ? actor : "-",
		target && *target ? target : "-", detail ? detail : "");
}
