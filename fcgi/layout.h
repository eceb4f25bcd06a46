/* layout.h — the page shell (header, navigation, footer, session dialogs), error pages and the
 * form markup. All markup through the escaping writer (html.h). */
#ifndef MV_LAYOUT_H
#define MV_LAYOUT_H
#include "form.h"
#include "request.h"

/* The one page shape: a handler reads its input through a declared field table (form.h) into
 * a typed struct, loads what it shows into a view struct with named members, and answers with
 * page_render, which draws the view as HTML in the layout or as JSON. */
typedef struct page_kind {
	const char *title;
	void (*html)(req *r, sbuf *b, const void *view);
	void (*json)(req *r, cJSON *o, const void *view); /* all of the JSON answer; NULL: {"titel": …} */
	const char *(*title_for)(const void *view);        /* NULL: title */
} page_kind;

/* The Kasse's areas (SPEC §15) by the K account's kind: the navigation and the start page show
 * those whose route exists. */
typedef struct kasse_area {
	const char *path, *label, *hint;
	enum kasse_rolle rolle;
} kasse_area;
extern const kasse_area kasse_areas[];
extern const size_t kasse_areas_count;

/* status 200..; with errors recorded (form_error) JSON answers {"errors":…} instead of the view. */
void page_render(req *r, int status, const page_kind *k, const void *view);

/* A page body in the request's arena (freed with the request, never by hand). */
sbuf page_buf(req *r);
/* A page in the shared layout: title (text), content markup; JSON: r->json plus "titel". */
void page_send(req *r, int status, const char *title, const sbuf *content);
void page_error(req *r, int status, const char *message);
void db_fail(req *r); /* 503 when the database is gone, else 500 */

/* What looking something up found; answered: a database error, or 404 with not_found (true if
 * it answered). The id in the path ({id}): LOOKUP_NONE for one no row can have. */
enum lookup { LOOKUP_FOUND, LOOKUP_NONE, LOOKUP_DB_ERROR };
bool lookup_answered(req *r, enum lookup l, const char *not_found);
enum lookup path_id(req *r, long long *id);

/* Form markup. */
void form_open(req *r, sbuf *b, const char *action, bool multipart);
void form_close(sbuf *b);
void form_input(req *r, sbuf *b, const char *name, const char *label, const char *type, const char *value,
		const char *autocomplete, bool required);
/* Every field of a declared table, with the values of the typed struct at in (may be NULL). */
void form_fields(req *r, sbuf *b, const form_field *fields, size_t n, const void *in);
/* The same fields' values as hidden inputs (those set): a second form that keeps them. */
void form_hidden_fields(sbuf *b, const form_field *fields, size_t n, const void *in);
void alert_box(sbuf *b, const char *kind, const char *text);
void required_note(sbuf *b);

/* Appended for the message forms: a textarea for field f (FT_TEXTAREA) with its error. */
void form_textarea(req *r, sbuf *b, const form_field *f, const char *value, int rows);

/* A list table's start: a region scrollable by keyboard named label, <table class="list"> and its
 * head, one <th scope="col"> a column; a NULL column is an actions column whose head only screen
 * readers hear ("Aktion"). A variant ("list VARIANT") is a table mv.css labels by itself on
 * narrow screens (data-labels="css": no data-label in every cell). TABLE_COLS("A", "B") gives
 * cols and n. table_close ends it. */
void table_open(sbuf *b, const char *label, const char *variant, const char *const *cols, size_t n);
#define TABLE_COLS(...) (const char *const[]){__VA_ARGS__}, ARRAY_LEN(((const char *const[]){__VA_ARGS__}))
void table_close(sbuf *b);

/* A filter form's text field "filter-<name>" (a date gets the TT.MM.JJJJ hint) with its error;
 * after an error it shows what was sent. */
void filter_input(req *r, sbuf *b, const form_field *f, const char *value);

#endif
