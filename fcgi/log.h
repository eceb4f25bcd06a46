/* log.h — the one logging function: level, UTC time, pid, context, escaped values.
 * Never pass a password, TAN, token or session id. */
#ifndef MV_LOG_H
#define MV_LOG_H
#include "util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_LEVEL__MAX };

void log_set_level(enum log_level level);
void log_set_context(const char *route, const char *remote); /* per request; NULL clears */
void log_msg(enum log_level level, const char *fmt, ...) MV_PRINTF(2, 3);
/* Security event (ASVS 16.3): event name, actor, target, outcome. */
void log_event(const char *event, const char *actor, const char *target, const char *detail);
/* Escape control characters (CR/LF…) so one log entry stays one line; writes into out. */
void log_escape(sbuf *out, const char *s);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
