/* request.h — one HTTP request as the pages see it: who asks (session, account, actor), what
 * came in (parsed parameters and documents), what goes out (status, headers, body). */
#ifndef MV_REQUEST_H
#define MV_REQUEST_H
#include "audit.h"
#include "http.h"
#include "router.h"
#include "secret.h"
#include "util.h"
#include <cjson/cJSON.h>

enum role { ROLE_NONE, ROLE_ADMIN, ROLE_SB, ROLE_KASSE }; /* account.rolle 'X', 'S', 'K' */
/* What a fund account (K) does (account.kasse_rolle, SPEC §15). */
enum kasse_rolle { KR_NONE, KR_PORTALADMIN, KR_FACH };
enum stage { STAGE_NONE, STAGE_TAN, STAGE_FULL }; /* session.stage 'tan', 'voll' */

enum role role_parse(const char *db_rolle);
enum kasse_rolle kasse_rolle_parse(const char *db_kasse_rolle);
enum stage stage_parse(const char *db_stage);

typedef struct account {
	long long id, org_id;
	enum role role;
	enum kasse_rolle kasse_rolle; /* KR_NONE unless role K */
	char *kennung, *vorname, *name, *email, *status;
	unsigned rechte; /* bit k: right k (enum recht) in effect — granted and not switched off (§1.7) */
	char *org_line; /* "Mäuserast (Beamtenversorgung) (PNR: 78970, Abr: 102898)" */
} account;

typedef struct session {
	long long id;
	enum stage stage;
	long idle_left_s;
} session;

typedef struct field_error {
	const char *field, *message;
} field_error;

typedef struct req req;

struct req {
	arena *a;
	/* request */
	const char *method, *path, *query, *remote, *content_type, *accept, *origin, *sec_fetch_site;
	const char *csrf_header; /* X-CSRF-Token */
	bool session_expired;    /* a session cookie was presented but has expired (idle or absolute) */
	bool session_ended;      /* a session cookie was presented whose session no longer exists */
	bool https, want_json, is_head;
	param_list params;   /* query + body + cookies */
	upload_list uploads; /* files of a multipart body (routes with R_MULTIPART) */
	const route *route;
	const char *path_arg;
	/* identity */
	session *sess;
	account *me;
	actor who;              /* for services and the audit log: me (or nobody) from remote */
	const char *sid_cookie; /* raw session cookie value (never logged) */
	const char *pre_cookie; /* anonymous CSRF cookie */
	char csrf[TOKEN_CHARS + 1];
	/* response */
	int status;
	sbuf head, body;
	const char *ctype;
	cJSON *json; /* JSON answer under construction (owned; freed after the request) */
	field_error errors[32];
	size_t nerrors;
	bool responded;
};

/* A full session (password and TAN). */
static inline bool logged_in(const req *r)
{
	return r->sess && r->sess->stage == STAGE_FULL;
}

/* The actor of r after the session changed (login, logout). */
void request_set_actor(req *r);

#endif
