/* pages.h — the page handlers the route table (routes.c) names, one area per file. */
#ifndef MV_PAGES_H
#define MV_PAGES_H
#include "request.h"

/* page_auth.c: login with password and TAN, logout, keep-alive */
void auth_login_get(req *r);
void auth_login_post(req *r);
void auth_tan_get(req *r);
void auth_tan_post(req *r);
void auth_logout_post(req *r);
void auth_keepalive_post(req *r);
/* page_links.c: the mailed-link flows */
void auth_forgot_get(req *r);
void auth_forgot_post(req *r);
void auth_setpw_get(req *r);
void auth_setpw_post(req *r);
void auth_kennung_get(req *r);
void auth_kennung_post(req *r);
/* page_account.c: start page, settings, organisation data */
void account_home(req *r);
void account_settings_get(req *r);
void account_settings_post(req *r);
void account_orgdata(req *r);
/* page_users.c, page_users_list.c: the administrator's Sachbearbeiter management */
void users_new_get(req *r);
void users_new_post(req *r);
void users_list(req *r);
void users_show(req *r);
void users_edit_get(req *r);
void users_edit_post(req *r);
void users_lock_confirm(req *r); /* GET: "Möchten Sie den Benutzer … wirklich sperren?" */
void users_lock(req *r);
void users_unlock(req *r);
void users_password_mail(req *r);
void users_log(req *r);
/* page_groups.c */
void groups_list(req *r);
void groups_show(req *r);
void groups_save(req *r);
/* page_mailbox.c */
void mailbox_overview(req *r);
void mailbox_list(req *r);
void mailbox_new_get(req *r);
void mailbox_new_post(req *r);
void message_show(req *r);
void attachment_download(req *r);
/* page_kasse_nachrichten.c: the fund clerk's messages (SPEC §15) */
void kasse_inbox(req *r);
void kasse_message_show(req *r);
void kasse_message_unread(req *r);
void kasse_attachment_download(req *r);
void kasse_compose_get(req *r);
void kasse_compose_post(req *r);
/* page_formulare.c, page_formular.c: Beamtenformulare (SPEC §14) */
void formulare_list(req *r);
void formulare_neu(req *r);
void formular_neu_get(req *r);
void formular_neu_post(req *r);
void formular_entwurf_get(req *r);
void formular_entwurf_post(req *r);
void formulare_show(req *r);
void formulare_loeschen(req *r);
void formulare_zurueckziehen(req *r);
void formulare_antwort(req *r);
void formular_anlage_download(req *r);
/* page_formulare.c, page_kasse_meldungen.c: the Kasse's Meldungen (SPEC §15) */
void kasse_meldungen(req *r);
void kasse_meldung_show(req *r);
void kasse_meldung_status(req *r);
void kasse_meldung_anlage(req *r);
/* page_help.c */
void faq_page(req *r);
void search_page(req *r);
void contact_get(req *r);
void contact_post(req *r);
/* page_ab.c, page_ab_kontakt.c: Anspruchsberechtigte (SPEC §13) */
void ab_list(req *r);
void ab_show(req *r);
void ab_kontakt_get(req *r);
void ab_kontakt_post(req *r);
/* page_ab.c: the Kasse's read-only view of every organisation's Anspruchsberechtigte (SPEC §15) */
void kasse_ab_list(req *r);
void kasse_ab_show(req *r);
/* Shared by the two: a person of the user's organisation as stored (NULL where the column is). */
typedef struct ab_person {
	long long id, version;
	const char *nr, *art, *name, *vorname, *geburtsname, *titel, *geburtsdatum, *familienstand,
		*familienstand_seit, *strasse, *plz, *ort, *land, *telefon, *email, *verhaeltnis, *amtsbezeichnung,
		*besoldungsgruppe, *stufe, *stunden, *regelstunden, *eintritt, *ruhestand, *versorgung_art,
		*versorgung_beginn, *bezug_nr;
} ab_person;
enum ab_found { AB_FOUND, AB_NONE, AB_DB_ERROR };
/* The person nr of the user's organisation (another organisation's is AB_NONE, like an unknown
 * one); with lock, FOR UPDATE (inside a transaction). */
enum ab_found ab_person_load(req *r, const char *nr, bool lock, ab_person *out);
/* The path's person, or NULL after the 404 (or db_fail) has been answered. */
ab_person *ab_from_path(req *r);
/* One row of the access log (who, which person, 'ansehen' or 'aendern'); 0, or -1 on a db error. */
int ab_zugriff(req *r, const char *nr, const char *aktion);
extern const char ab_not_found_msg[];

/* page_static.c */
void static_page(req *r);
/* Reads the footer pages (see page_static.c) for the workers to come; in production (not dev_mode) a page
 * that is missing or still holds a "[…]" placeholder is logged by name and refused: -1, the pages loaded
 * before stay. In dev mode such a page is only logged. */
int static_pages_load(bool production);

/* page_help.c: the stems of every FAQ entry's words anew (faq.such_frage, such_antwort), for
 * the search; `migrate` runs it after the SQL files. 0 ok, -1 on a database error. */
int faq_stems_fill(void);

/* page_status.c: GET /status and, on the local listener (FastCGI param MV_LISTENER=intern), GET
 * /metrics — before the session (true: answered); the class web.c counts a finished request under. */
bool status_answer(req *r, char *const *env);
void status_observe(const req *r, double seconds);

/* page_kasse_orgs.c, page_kasse_admin.c: the Kasse's portal administrators (SPEC §15) */
void kasse_orgs_list(req *r);
void kasse_org_new_get(req *r);
void kasse_org_new_post(req *r);
void kasse_org_show(req *r);
void kasse_org_restrict(req *r);
void kasse_admin_new_get(req *r);
void kasse_admin_new_post(req *r);
void kasse_admin_edit_get(req *r);
void kasse_admin_edit_post(req *r);
void kasse_user_find(req *r);
void kasse_audit(req *r);
void kasse_feedback(req *r);

#endif
