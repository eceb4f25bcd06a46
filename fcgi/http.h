/* http.h — the one input parser: query strings, urlencoded bodies and cookies into one
 * parameter table, with hard limits. Pure functions (no FastCGI), fuzzed in tests/fuzz. */
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
/* Document type by content (magic bytes): "application/pdf", "image/png", "image/jpeg" or NULL. */
const char *upload_sniff(const char *data, size_t len);
/* Safe file name for display and Content-Disposition (allocated in a). */
char *upload_filename(arena *a, const char *raw, size_t n);

/* Percent-decodes s[0..n) ('+' as space when plus_space); NULL on a broken escape. */
char *url_decode(arena *a, const char *s, size_t n, bool plus_space, size_t *outlen);

#endif
