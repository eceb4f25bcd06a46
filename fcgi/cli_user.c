/* cli_user.c — `mvctl admin add`, `admin update`, `user find` and `audit`: the accounts of an
 * organisation as the Kasse sees them, and its change log. */
#include "access.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "mail.h"
#include <stdio.h>
#include <string.h>

/* Vorname, Name and E-Mail as given; all_required: each must be there. 0 ok, 1 after cli_fail. */
int cli_person_check(const struct opts *o, bool all_required)
{
	if ((all_required || o->vorname) && !valid_text(o->vorname, 100))
		return cli_fail("--vorname: 1-100 characters without control characters", NULL);
	if ((all_required || o->name) && !valid_text(o->name, 100))
		return cli_fail("--name: 1-100 characters without control characters", NULL);
	/* names greet their owner in official mails (issue 11) */
	if (o->vorname && name_check(o->vorname) != NAME_OK)
		return cli_fail("--vorname: no web addresses (www., https://, a domain) and no line or paragraph "
				"separators", NULL);
	if (o->name && name_check(o->name) != NAME_OK)
		return cli_fail("--name: no web addresses (www., https://, a domain) and no line or paragraph "
				"separators", NULL);
	if ((all_required || o->email) && !mail_addr_ok(o->email))
		return cli_fail("--email: not a valid e-mail address", NULL);
	return 0;
}

/* ---- admin add ---- */

int cli_admin_add(actor *who, struct opts *o)
{
	if (!o->pnr)
		return cli_fail("--pnr is required", NULL);
	if (cli_person_check(o, true))
		return 1;
	char datum[11];
	if (!parse_date(o->geburtsdatum, datum))
		return cli_fail("--geburtsdatum JJJJ-MM-TT is required", NULL);
	struct person_new p = {o->vorname, o->name, o->email, datum};
	char kennung[KENNUNG_LEN + 1];
	int rc = admin_add(who, o->pnr, &p, kennung);
	if (rc == ORGS_NOT_FOUND)
		return cli_fail("no organisation with PNR %s", o->pnr);
	if (rc != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", kennung);
		cJSON_AddStringToObject(j, "status", "angelegt");
		cJSON_AddStringToObject(j, "email", o->email);
		cli_print_json(j);
	} else
		printf("Administrator angelegt: %s (%s %s). Die E-Mail „Passwort festlegen“ geht an %s.\n", kennung,
		       o->vorname, o->name, o->email);
	return 0;
}

/* ---- admin update ---- */

void cli_change_note(sbuf *d, const char *label, const char *old_value, const char *new_value)
{
	change_note(d, label, old_value, new_value);
}

int cli_admin_update(actor *who, struct opts *o)
{
	if (!o->kennung)
		return cli_fail("--kennung is required", NULL);
	char *k = arena_strdup(who->a, o->kennung);
	if (!kennung_normalize(k) || k[0] != 'X')
		return cli_fail("--kennung must be an administrator's Nutzerkennung (X…)", NULL);
	if (!o->vorname && !o->name && !o->email)
		return cli_fail("nothing to change: give --vorname, --name or --email", NULL);
	if (cli_person_check(o, false))
		return 1;
	int rc = admin_update(who, k, o->vorname, o->name, o->email);
	if (rc == ORGS_NOT_FOUND)
		return cli_fail("no administrator %s", k);
	if (rc != 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "nutzerkennung", k);
		cJSON_AddBoolToObject(j, "geaendert", 1);
		cli_print_json(j);
	} else
		printf("Administrator %s geändert.\n", k);
	return 0;
}

/* ---- user find ---- */

static void user_print(arena *a, const user_hit *h)
{
	printf("%s  %s %s  <%s>  %s  %s\n", h->kennung, cli_text(a, h->vorname), cli_text(a, h->name),
	       cli_text(a, h->email), h->status, h->org_name ? cli_text(a, h->org_name) : "-");
}

int cli_user_find(actor *who, struct opts *o)
{
	if (!o->name && !o->email && !o->pnr)
		return cli_fail("give at least one of --name, --email, --pnr", NULL);
	user_hit *h;
	long long n = user_find(who->a, o->name, o->email, o->pnr, 200, &h);
	if (n < 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *arr = cJSON_CreateArray();
		for (long long i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, user_hit_json(&h[i]));
		cli_print_json(arr);
		return 0;
	}
	for (long long i = 0; i < n; i++)
		user_print(who->a, &h[i]);
	if (!n)
		puts("Keine Nutzer gefunden.");
	return 0;
}

/* ---- audit ---- */

int cli_audit(actor *who, struct opts *o)
{
	if (!o->pnr)
		return cli_fail("--pnr is required", NULL);
	long long org_id = cli_org_by_pnr(who, o->pnr);
	if (org_id < 0)
		return cli_fail("database error", NULL);
	if (org_id == 0)
		return cli_fail("no organisation with PNR %s", o->pnr);
	audit_entry *e;
	long long n = audit_list(who->a, org_id, AUDIT_ALL, o->kennung, 10000, 0, &e);
	if (n < 0)
		return cli_fail("database error", NULL);
	if (cli_json) {
		cJSON *arr = cJSON_CreateArray();
		for (long long i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, audit_entry_json(&e[i], "zeit"));
		cli_print_json(arr);
		return 0;
	}
	for (long long i = 0; i < n; i++)
		printf("%s  %-17s  %-40s  %-17s  %s\n", e[i].zeit, cli_text(who->a, e[i].wer),
		       cli_text(who->a, audit_event_label(e[i].ereignis)), cli_text(who->a, e[i].betroffen),
		       cli_text(who->a, e[i].aenderung));
	return 0;
}
