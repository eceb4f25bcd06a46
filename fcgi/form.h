/* form.h — input: the parameters of a request, and declared field tables that read and check a
 * form into a typed struct (as kcgi declares its fields). A form is data: the same table is
 * read by form_read and drawn by form_fields (layout.h). */
#ifndef MV_FORM_H
#define MV_FORM_H
#include "request.h"
#include <stddef.h>

/* Raw access (query, body, cookies). */
const char *form_get(req *r, const char *name);     /* trimmed; NULL if absent */
const char *form_get_raw(req *r, const char *name); /* untrimmed (passwords) */
size_t form_all(req *r, const char *name, const char **out, size_t max); /* repeatable fields */
const char *cookie_get(req *r, const char *name);
void form_error(req *r, const char *field, const char *message); /* first message per field wins */
const char *form_error_for(const req *r, const char *field);

enum field_type { FT_TEXT, FT_EMAIL, FT_PASSWORD, FT_DATE, FT_NUMERIC, FT_TEXTAREA };

enum {
	FF_REQUIRED = 1 << 0, /* empty is an error (message `missing`) */
	FF_RAW = 1 << 1,      /* not trimmed (passwords) */
	FF_KEEP = 1 << 2,     /* shown again after an error (never for passwords) */
};

/* Checks (and may normalise) a non-empty value: the value to keep, or NULL if it is refused. */
typedef const char *(*field_check)(arena *a, const char *value);

typedef struct form_field {
	const char *name;    /* parameter name; the input's id is "f-NAME" */
	const char *label;   /* German label, as in the handbook */
	enum field_type type;
	unsigned flags;
	size_t max_chars;    /* 0: only the parser's limit */
	field_check check;   /* NULL: any text */
	const char *missing; /* message when required and empty */
	const char *invalid; /* message when too long or refused by check */
	const char *autocomplete;
	size_t offset;       /* offsetof the `const char *` member of the typed input struct */
} form_field;

/* A person's Vorname, Name and dienstliche E-Mail-Adresse, required, as every form that creates or
 * changes an account asks for them; TYPE is the input struct with members vorname, name, email. */
#define FIELD_VORNAME(TYPE)                                                                              \
	{"vorname", "Vorname", FT_TEXT, FF_REQUIRED | FF_KEEP, 100, check_line, "Bitte geben Sie den Vornamen ein.", \
	 "Der Vorname darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "off",            \
	 offsetof(TYPE, vorname)}
#define FIELD_NAME(TYPE)                                                                                 \
	{"name", "Name", FT_TEXT, FF_REQUIRED | FF_KEEP, 100, check_line, "Bitte geben Sie den Namen ein.",       \
	 "Der Name darf höchstens 100 Zeichen lang sein und keine Steuerzeichen enthalten.", "off",               \
	 offsetof(TYPE, name)}
#define FIELD_EMAIL(TYPE)                                                                                \
	{"email", "E-Mail-Adresse", FT_EMAIL, FF_REQUIRED | FF_KEEP, 254, check_email,                            \
	 "Bitte geben Sie die E-Mail-Adresse ein.",                                                               \
	 "Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@organisation.de).", "off", offsetof(TYPE, email)}

/* Reads every field into the struct at out (NULL where absent or empty), checking required,
 * length and check; each failure is recorded at its field. Returns the number of errors. */
size_t form_read(req *r, const form_field *fields, size_t n, void *out);
/* The value of field f in the typed struct at in. */
const char *form_value(const form_field *f, const void *in);

/* Common checks. */
const char *check_email(arena *a, const char *v);
const char *check_date(arena *a, const char *v); /* TT.MM.JJJJ or JJJJ-MM-TT → JJJJ-MM-TT */
const char *check_digits(arena *a, const char *v);

/* Appended for the message forms (page_mailbox.c, page_help.c): */
const char *check_line(arena *a, const char *v); /* one line of valid UTF-8, no control characters */
/* form_read, where an FF_RAW value of blanks only counts as missing (the text is kept untrimmed). */
size_t form_read_text(req *r, const form_field *fields, size_t n, void *out);
/* The values as given (trimmed unless FF_RAW, NULL if absent), unchecked: a form drawn first. */
void form_prefill(req *r, const form_field *fields, size_t n, void *out);

#endif
