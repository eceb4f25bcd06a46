/* http.h — the one input parser: the FastCGI params of a request, query strings, urlencoded and
 * multipart bodies and cookies into one parameter table, with hard limits. Pure functions (no
 * libfcgi, no database), fuzzed in tests/fuzz. */
#ifndef MV_HTTP_H
#define MV_HTTP_H
#include "util.h"

enum param_src { SRC_QUERY, SRC_BODY, SRC_COOKIE, SRC__MAX };

typedef struct param {
	const char *name;
	const char *value; /* NUL-terminated, valid UTF-8, no NUL inside */
	size_t len;
	enum param_src src;
} param;

typedef struct param_list {
	param *items;
	size_t n, cap;
} param_list;

typedef struct http_limits {
	size_t max_params;
	size_t max_name;
	size_t max_value;
} http_limits;

enum http_parse_err {
	HTTP_OK = 0,
	HTTP_ERR_TOO_MANY,    /* too many parameters */
	HTTP_ERR_TOO_LONG,    /* a name or value over its limit */
	HTTP_ERR_BAD_NAME,    /* name outside [-A-Za-z0-9_.] */
	HTTP_ERR_BAD_ENCODING,/* broken %xx, invalid UTF-8, NUL or control characters */
	HTTP_ERR__MAX
};

const char *http_parse_err_str(enum http_parse_err e);

/* Parses `a=1&b=2` (query or application/x-www-form-urlencoded) into list. */
enum http_parse_err http_parse_urlencoded(arena *a, const char *s, size_t n, enum param_src src,
					  const http_limits *lim, param_list *list);
/* Parses a Cookie header (`a=1; b=2`). Cookies that break the rules are skipped, not fatal. */
enum http_parse_err http_parse_cookies(arena *a, const char *s, const http_limits *lim, param_list *list);

/* Lookups. count: how often name occurs from src (SRC__MAX = any of query/body). */
const param *params_find(const param_list *l, const char *name, enum param_src src);
size_t params_count(const param_list *l, const char *name, enum param_src src);

/* An uploaded file of a multipart/form-data body (points into the body). */
typedef struct upload {
	const char *field;    /* form field name */
	const char *filename; /* sanitised: no path, no control characters, valid UTF-8, never empty */
	const char *data;
	size_t len;
} upload;

typedef struct upload_list {
	upload *items;
	size_t n, cap;
} upload_list;

/* Parses a multipart/form-data body. Text fields go to list (SRC_BODY) with the same rules as
 * urlencoded values; files to files (at most max_files; an empty part for "no file chosen" is
 * skipped). HTTP_ERR_TOO_MANY also means too many files. */
enum http_parse_err http_parse_multipart(arena *a, const char *body, size_t n, const char *content_type,
					 const http_limits *lim, size_t max_files, param_list *list, upload_list *files);
/* The text field `field` among the first n bytes of a multipart body (what has arrived so far),
 * looked for in the parts before the first document: HTTP_SCAN_FOUND (*value: its value, in a),
 * HTTP_SCAN_MORE (not among the complete parts yet: read on), HTTP_SCAN_ABSENT (a document, the
 * end of the body or malformed data comes first). The CSRF token of an upload is checked so before
 * its documents are read. */
enum http_scan { HTTP_SCAN_FOUND, HTTP_SCAN_MORE, HTTP_SCAN_ABSENT };
enum http_scan http_multipart_field(arena *a, const char *body, size_t n, const char *content_type, const char *field,
				    const char **value);
/* Document type by content (magic bytes): "application/pdf", "image/png", "image/jpeg" or NULL. */
const char *upload_sniff(const char *data, size_t len);
/* Safe file name of an uploaded file: its last path component without controls, Unicode format
 * characters (bidirectional overrides, zero-width characters …), quotes, leading and trailing dots
 * and blanks; "Dokument" if nothing is left or it is not UTF-8 or longer than 200 characters
 * (allocated in a). Used in error messages; stored and offered is document_name's. */
char *upload_filename(arena *a, const char *raw, size_t n);
/* The extension of a document type of upload_sniff: ".pdf", ".png", ".jpg"; "" for another. */
const char *document_ext(const char *type);
/* The name under which a document of type is stored, listed, offered for download and exported:
 * name cleaned as by upload_filename (for rows stored before that rule too), then, unless it ends
 * in the type's extension (case-insensitive; ".jpeg" for JPEG too), the extension appended:
 * "Bescheid.pdf.html" → "Bescheid.pdf.html.pdf", "run.bat" → "run.bat.pdf"; nothing left →
 * "Dokument.pdf". The original name stays readable, and the last extension is always the type's. */
char *document_name(arena *a, const char *name, const char *type);

/* Percent-decodes s[0..n) ('+' as space when plus_space); NULL on a broken escape. */
char *url_decode(arena *a, const char *s, size_t n, bool plus_space, size_t *outlen);

/* ---- the FastCGI params of one request (what web.c hands over; fuzzed as `request`) ---- */

/* Value of name in a NULL-terminated array of "NAME=value" strings (FCGX_Request.envp);
 * the first entry wins, as with FCGX_GetParam. NULL if absent. */
const char *http_env_get(char *const *env, const char *name);

/* The request line and headers the worker uses. Strings point into env (path into a). */
typedef struct http_head {
	const char *method, *uri, *path, *query, *remote, *content_type, *content_length;
	const char *accept, *origin, *sec_fetch_site, *csrf_header, *cookie;
	bool https, want_json, is_head;
} http_head;

enum http_head_err {
	HTTP_HEAD_OK = 0,
	HTTP_HEAD_BAD_REQUEST, /* no REQUEST_METHOD, or REQUEST_URI missing or not starting with '/' (path "/") */
	HTTP_HEAD_BAD_QUERY,   /* the query string did not parse (path and query are set) */
};

/* Reads the params into h, splits REQUEST_URI into path and query, parses the query (SRC_QUERY)
 * and then a Cookie header under 8 KiB (SRC_COOKIE; broken cookies are skipped) into list. */
enum http_head_err http_parse_head(arena *a, char *const *env, const http_limits *lim, http_head *h,
				   param_list *list);

/* Reads a body of at most limit bytes through rd (returns bytes read, <= 0 at the end), checked
 * against CONTENT_LENGTH (may be NULL). Returns 0 (*body NUL-terminated, in a), 400 (bad or
 * mismatching CONTENT_LENGTH) or 413 (over the limit). */
typedef int (*http_read_fn)(void *ctx, char *buf, int n);
int http_read_body(arena *a, const char *content_length, size_t limit, http_read_fn rd, void *ctx, char **body,
		   size_t *len);

/* Parses a non-empty POST body by its Content-Type into list/files: multipart/form-data where
 * multipart_ok (the route takes documents), else application/x-www-form-urlencoded. Returns 0,
 * 415 (other type), 413 (too long, too many fields or files) or 400; *multipart and *err tell
 * which parser refused and why (HTTP_OK for 415). An empty body is accepted as it is. */
int http_parse_body(arena *a, const char *body, size_t n, const char *content_type, bool multipart_ok,
		    const http_limits *lim, size_t max_files, param_list *list, upload_list *files, bool *multipart,
		    enum http_parse_err *err);

/* Parameter pollution: the first query/body field that occurs more than once and is not in
 * repeatable, or NULL. */
const char *http_repeated_field(const param_list *l, const char *const *repeatable, size_t nrepeatable);

#endif
