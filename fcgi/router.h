/* router.h — the route table's types and the pure matcher (no I/O; unit-tested and fuzzed). */
#ifndef MV_ROUTER_H
#define MV_ROUTER_H
#include <stdbool.h>
#include <stddef.h>

/* Route flags: the dispatcher enforces them once; handlers never repeat the checks. */
enum {
	R_PUBLIC = 1 << 0,    /* no login needed (session still loaded if present) */
	R_LOGIN = 1 << 1,     /* a full session (password + TAN) */
	R_TANSTAGE = 1 << 2,  /* a session that passed the password step only */
	R_ADMIN = 1 << 3,     /* role X */
	R_SB = 1 << 4,        /* role S */
	R_NO_CSRF = 1 << 5,   /* POST without CSRF check (none so far) */
	R_MULTIPART = 1 << 6, /* accepts multipart/form-data with documents */
	R_AB = 1 << 7,        /* right "anspruchsberechtigte" in effect (SPEC §13) */
	R_KONTAKT = 1 << 8,   /* right "kontaktdaten" in effect */
	R_FORM = 1 << 9,      /* right "formulare" in effect (SPEC §14) */
	R_MEMBER = 1 << 10,   /* an organisation's account (X or S): refused to the Kasse's (K) */
	R_PORTALADMIN = 1 << 11, /* role K as portaladmin (SPEC §15) */
	R_FACH = 1 << 12,     /* role K as fund clerk (fach) */
};
/* Every route that needs a login names who may use it: one of these (or none of them for the few
 * pages every account has, ROUTES_FOR_EVERY_ACCOUNT in routes.c; a unit test checks both). */
#define R_WHO (R_ADMIN | R_SB | R_MEMBER | R_PORTALADMIN | R_FACH)

typedef struct req req;
typedef void (*handler_fn)(req *r);

typedef struct route {
	const char *method;
	const char *pattern; /* "/sachbearbeiter/{}" — {} matches one non-empty segment */
	handler_fn handler;
	unsigned flags;
	size_t max_body;  /* 0 = cfg.max_body_bytes */
	const char *name; /* for logs */
} route;

enum route_result { ROUTE_FOUND, ROUTE_WRONG_METHOD, ROUTE_NOT_FOUND };

typedef struct route_match {
	const route *route; /* ROUTE_FOUND */
	const char *arg;    /* the {} segment, pointing into the path (not terminated) */
	size_t arg_len;
	bool get, post;     /* ROUTE_WRONG_METHOD: which methods the path has (the Allow header) */
} route_match;

/* Finds the first route of table for method ("HEAD" counts as "GET") and path. */
enum route_result route_match_path(const route *table, size_t n, const char *method, const char *path,
				   route_match *m);
/* Whether table has a route with exactly this method and pattern (the layout links only to those). */
bool route_declared(const route *table, size_t n, const char *method, const char *pattern);

/* The portal's table (routes.c) and the lookups on it. */
extern const route routes[];
extern const size_t routes_count;
bool route_exists(const char *method, const char *pattern);

#endif
