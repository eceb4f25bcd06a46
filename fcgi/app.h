/* app.h — the request, the response writer, routes and the helpers every page uses. */
#ifndef MV_APP_H
#define MV_APP_H
#include "util.h"
#include "http.h"
#include "secret.h"
#include <cjson/cJSON.h>

/* Route flags: the dispatcher enforces them once; handlers never repeat the checks. */
enum {
	R_PUBLIC = 1 << 0,   /* no login needed (session still loaded if present) */
	R_LOGIN = 1 << 1,    /* a full session (password + TAN) */
	R_TANSTAGE = 1 << 2, /* a session that passed the password step only */
	R_ADMIN = 1 << 3,    /* role X */
	R_SB = 1 << 4,       /* role S */
	R_NO_CSRF = 1 << 5,  /* POST without CSRF check (none so far) */
	R_MULTIPART = 1 << 6, /* accepts multipart/form-data with documents */
};

typedef struct account {
	long long id, org_id;
	char *kennung, *rolle, *vorname, *name, *email, *status;
	char *org_line; /* "Mäuserast (Beamtenversorgung) (PNR: 78970, Abr: 102898)" */
} account;

typedef struct session {
	long long id;
	char stage[8];          /* "tan" or "voll" */
	long idle_left_s;
} session;

typedef struct field_error {
	const char *field, *message;
} field_error;

typedef struct req req;
typedef void (*handler_fn)(req *r);

typedef struct route {
	const char *method;
	const char *pattern; /* "/sachbearbeiter/{}" — {} matches one segment */
	handler_fn handler;
	unsigned flags;
	size_t max_body;     /* 0 = cfg.max_body_bytes */
	const char *name;    /* for logs */
} route;

struct req {
	arena *a;
	/* request */
	const char *method, *path, *query, *remote, *content_type, *accept, *origin, *sec_fetch_site;
	const char *csrf_header; /* X-CSRF-Token */
	bool session_expired;    /* a session cookie was presented but has expired (idle or absolute) */
	bool session_ended;      /* a session cookie was presented whose session no longer exists */
	bool https, want_json, is_head;
	param_list params;  /* query + body + cookies */
	upload_list uploads; /* files of a multipart body (routes with R_MULTIPART) */
	const route *route;
	const char *path_arg;
	/* identity */
	session *sess;
	account *me;
	const char *sid_cookie; /* raw session cookie value (never logged) */
	const char *pre_cookie; /* anonymous CSRF cookie */
	char csrf[TOKEN_CHARS + 1];
	/* response */
	int status;
	sbuf head, body;
	const char *ctype;
	cJSON *json;        /* JSON answer under construction (owned; freed after the request) */
	field_error errors[32];
	size_t nerrors;
	bool responded;
};

/* ---- input ---- */
/* Value of a single-valued field from query or body, trimmed unless raw; NULL if absent.
 * A repeated single-valued field makes the request a 400 (see form_ok). */
const char *form_get(req *r, const char *name);
const char *form_get_raw(req *r, const char *name); /* untrimmed (passwords) */
size_t form_all(req *r, const char *name, const char **out, size_t max);
const char *cookie_get(req *r, const char *name);
void form_error(req *r, const char *field, const char *message);
const char *form_error_for(req *r, const char *field);

/* ---- output ---- */
void resp_header(req *r, const char *name, const char *value);
void resp_cookie(req *r, const char *name, const char *value, long max_age_s); /* max_age <0: delete */
const char *cookie_name(req *r, const char *base); /* "__Host-" prefix under TLS */
/* A page in the shared layout: title (text), body markup built with html.h. */
void page_send(req *r, int status, const char *title, sbuf *content);
void page_error(req *r, int status, const char *message);
void redirect(req *r, const char *location);   /* 303; JSON: {"ok":true,"next":…} */
void json_send(req *r, int status);             /* sends r->json plus "csrf" */
cJSON *json_obj(req *r);                        /* r->json, created on first use */
void form_errors_send(req *r, int status, void (*render)(req *r)); /* 422 + errors */

/* Form helpers (markup via the escaping writer). */
void form_open(req *r, sbuf *b, const char *action, bool multipart);
void form_close(sbuf *b);
void form_input(req *r, sbuf *b, const char *name, const char *label, const char *type,
		const char *value, const char *autocomplete, bool required);
void alert_box(sbuf *b, const char *kind, const char *text);

/* ---- audit ---- */
void audit(req *r, const char *event, const char *target, const char *detail);

/* ---- routes ---- */
extern const route routes[];
extern const size_t routes_count;
bool route_exists(const char *method, const char *path);
void request_handle(req *r);

/* page handlers */
void auth_login_get(req *r);
void auth_login_post(req *r);
void auth_tan_get(req *r);
void auth_tan_post(req *r);
void auth_logout_post(req *r);
void auth_keepalive_post(req *r);
void auth_forgot_get(req *r);
void auth_forgot_post(req *r);
void auth_setpw_get(req *r);
void auth_setpw_post(req *r);
void auth_kennung_get(req *r);
void auth_kennung_post(req *r);
void account_home(req *r);
void account_settings_get(req *r);
void account_settings_post(req *r);
void account_orgdata(req *r);
void static_page(req *r);
void users_new_get(req *r);
void users_new_post(req *r);
void users_list(req *r);
void users_show(req *r);
void users_edit_get(req *r);
void users_edit_post(req *r);
void users_lock(req *r);
void users_unlock(req *r);
void users_password_mail(req *r);
void users_log(req *r);
const char *audit_event_label(const char *event);
struct db_res;
/* one change-log row (time, who, event, target, detail) as JSON; time under time_key */
cJSON *audit_entry_json(const struct db_res *res, size_t i, const char *time_key);
void groups_list(req *r);
void mailbox_overview(req *r);
void mailbox_list(req *r);
void mailbox_new_get(req *r);
void mailbox_new_post(req *r);
void message_show(req *r);
void attachment_download(req *r);
void groups_show(req *r);
void groups_save(req *r);
void faq_page(req *r);
void search_page(req *r);
void contact_get(req *r);
void contact_post(req *r);

/* sessions (session.c) */
int session_load(req *r);                       /* 0 ok (maybe anonymous), -1 db error */
int session_insert(req *r, const char *token, long long account_id, const char *stage, long long *session_id);
void session_cookie_set(req *r, const char *token); /* after commit */
int session_upgrade(long long session_id, const char *token);
int session_end_all(long long account_id);      /* inside a transaction */
void db_fail(req *r);                           /* 503 when the database is gone, else 500 */
void session_clear_cookie(req *r);

/* access helpers (access.c) */
/* Counts one hit in a fixed window; 1 = allowed, 0 = over the limit, -1 = db error. */
int rate_hit(req *r, const char *what, long limit, long window_s);
/* New single-use link token for account (older unused ones of that purpose die). */
int link_create(long long account_id, const char *zweck, char token_out[TOKEN_CHARS + 1]);
char *link_url(req *r, const char *path, const char *token);
/* Records one failed login for account; locks it when the threshold is reached.
 * Returns 1 if this failure locked the account, 0 otherwise, -1 on db error. */
int login_failure(req *r, long long account_id, const char *kennung);

/* New passwords (page_auth.c), shared by the link flow and "Einstellungen". */
struct newpw {
	const char *pw, *confirm;
	const char *field, *confirm_field;
	unsigned char fingerprint[HASH_BYTES];
	char hash[PWHASH_MAX];
};
struct db_cell;
/* policy + confirmation; computes hash and history fingerprint. 0 ok, 1 errors set, -1 resources */
int newpw_prepare(req *r, struct newpw *n, const char *kennung, const char *vorname, const char *name,
		  const struct db_cell *salt, long long ops, long long mem);
int newpw_in_history(req *r, long long account_id, const unsigned char fp[HASH_BYTES]); /* in a tx */
int newpw_store(req *r, long long account_id, const struct newpw *n, const char *email, const char *vorname,
		const char *name); /* in a tx: hash, history, ends all sessions, notice mail */

/* Inserts an account ('X', 'S') in state angelegt; in a transaction. 0 ok, -1 db error (DB_ERR_DUP: e-mail taken). */
int account_insert(char role, long long org_id, const char *vorname, const char *name, const char *email,
		   const char *geburtsdatum, const char *fixed_kennung, char kennung_out[KENNUNG_LEN + 1],
		   long long *id_out);
/* audit with an explicit organisation (NULL actor = command line) */
void audit_org(req *r, long long org_id, const char *event, const char *target, const char *detail);
/* an event of the account itself (login, activation, self-lock): actor and target are the account */
void audit_self(req *r, long long account_id, const char *event, const char *detail);

/* worker entry */
void worker_init(void);
int worker_handle_fcgi(void *fcgx_request);

#endif
