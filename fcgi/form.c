/* form.c — reading the request's parameters, and declared field tables into typed structs. */
#include "form.h"
#include "mail.h"
#include <string.h>

const char *form_get_raw(req *r, const char *name)
{
	const param *p = params_find(&r->params, name, SRC__MAX);
	return p ? p->value : NULL;
}

const char *form_get(req *r, const char *name)
{
	const char *v = form_get_raw(r, name);
	return v ? str_trim(arena_strdup(r->a, v)) : NULL;
}

size_t form_all(req *r, const char *name, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->params.n && n < max; i++) {
		const param *p = &r->params.items[i];
		if (p->src != SRC_COOKIE && strcmp(p->name, name) == 0)
			out[n++] = p->value;
	}
	return n;
}

const char *cookie_get(req *r, const char *name)
{
	const param *p = params_find(&r->params, name, SRC_COOKIE);
	return p ? p->value : NULL;
}

void form_error(req *r, const char *field, const char *message)
{
	if (form_error_for(r, field))
		return;
	if (r->nerrors < ARRAY_LEN(r->errors))
		r->errors[r->nerrors++] = (field_error){field, message};
}

const char *form_error_for(const req *r, const char *field)
{
	for (size_t i = 0; i < r->nerrors; i++)
		if (strcmp(r->errors[i].field, field) == 0)
			return r->errors[i].message;
	return NULL;
}

static const char **slot(const form_field *f, void *out)
{
	return (const char **)((char *)out + f->offset);
}

const char *form_value(const form_field *f, const void *in)
{
	return *(const char *const *)((const char *)in + f->offset);
}

/* One field: NULL when empty, else the (checked) value; an error is recorded at the field. */
static const char *field_read(req *r, const form_field *f)
{
	const char *v = f->flags & FF_RAW ? form_get_raw(r, f->name) : form_get(r, f->name);
	if (!v || !*v) {
		if (f->flags & FF_REQUIRED)
			form_error(r, f->name, f->missing);
		return NULL;
	}
	bool too_long = f->max_chars && utf8_count(v, strlen(v)) > f->max_chars;
	const char *ok = too_long ? NULL : f->check ? f->check(r->a, v) : v;
	if (!ok)
		form_error(r, f->name, f->invalid ? f->invalid : f->missing);
	return ok ? ok : v; /* a refused value is shown again for correction */
}

size_t form_read(req *r, const form_field *fields, size_t n, void *out)
{
	size_t before = r->nerrors;
	for (size_t i = 0; i < n; i++)
		*slot(&fields[i], out) = field_read(r, &fields[i]);
	return r->nerrors - before;
}

const char *check_email(arena *a, const char *v)
{
	(void)a;
	return mail_addr_ok(v) ? v : NULL;
}

const char *check_date(arena *a, const char *v)
{
	char out[11];
	return parse_date(v, out) ? arena_strdup(a, out) : NULL;
}

const char *check_digits(arena *a, const char *v)
{
	(void)a;
	return strspn(v, "0123456789") == strlen(v) ? v : NULL;
}

/* ---- appended for the message forms (page_mailbox.c, page_help.c) ---- */

const char *check_line(arena *a, const char *v)
{
	(void)a;
	return valid_text(v, SIZE_MAX) ? v : NULL;
}

size_t form_read_text(req *r, const form_field *fields, size_t n, void *out)
{
	size_t before = r->nerrors;
	for (size_t i = 0; i < n; i++) {
		const char *raw = form_get_raw(r, fields[i].name);
		if ((fields[i].flags & FF_RAW) && raw && *raw && !*str_trim(arena_strdup(r->a, raw)))
			form_error(r, fields[i].name, fields[i].missing); /* first message wins: before the length */
		form_read(r, &fields[i], 1, out);
	}
	return r->nerrors - before;
}

void form_prefill(req *r, const form_field *fields, size_t n, void *out)
{
	for (size_t i = 0; i < n; i++)
		*slot(&fields[i], out) = fields[i].flags & FF_RAW ? form_get_raw(r, fields[i].name) : form_get(r, fields[i].name);
}
