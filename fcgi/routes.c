/* routes.c — the route table: method, path pattern, handler, flags, body limit.
 * The dispatcher (web.c) answers 404/405, login, role and CSRF before any handler runs. */
#include "pages.h"

#define LOGIN_BODY 8192

const route routes[] = {
	{"GET", "/", account_home, R_LOGIN, 0, "home"},
	{"GET", "/anmelden", auth_login_get, R_PUBLIC, 0, "login"},
	{"POST", "/anmelden", auth_login_post, R_PUBLIC, LOGIN_BODY, "login"},
	{"GET", "/anmelden/tan", auth_tan_get, R_TANSTAGE, 0, "tan"},
	{"POST", "/anmelden/tan", auth_tan_post, R_TANSTAGE, LOGIN_BODY, "tan"},
	{"POST", "/abmelden", auth_logout_post, R_PUBLIC, LOGIN_BODY, "logout"},
	{"POST", "/sitzung/verlaengern", auth_keepalive_post, R_LOGIN, LOGIN_BODY, "keepalive"},
	{"GET", "/passwort-vergessen", auth_forgot_get, R_PUBLIC, 0, "forgot"},
	{"POST", "/passwort-vergessen", auth_forgot_post, R_PUBLIC, LOGIN_BODY, "forgot"},
	{"GET", "/passwort-setzen", auth_setpw_get, R_PUBLIC, 0, "setpw"},
	{"POST", "/passwort-setzen", auth_setpw_post, R_PUBLIC, LOGIN_BODY, "setpw"},
	{"GET", "/nutzerkennung", auth_kennung_get, R_PUBLIC, 0, "kennung"},
	{"POST", "/nutzerkennung", auth_kennung_post, R_PUBLIC, LOGIN_BODY, "kennung"},
	{"GET", "/einstellungen", account_settings_get, R_LOGIN, 0, "settings"},
	{"POST", "/einstellungen", account_settings_post, R_LOGIN, LOGIN_BODY, "settings"},
	{"GET", "/mitgliederdaten", account_orgdata, R_LOGIN | R_MEMBER, 0, "orgdata"},
	{"GET", "/sachbearbeiter/neu", users_new_get, R_LOGIN | R_ADMIN, 0, "users_new"},
	{"POST", "/sachbearbeiter/neu", users_new_post, R_LOGIN | R_ADMIN, 0, "users_new"},
	{"GET", "/sachbearbeiter", users_list, R_LOGIN | R_ADMIN, 0, "users_list"},
	{"GET", "/sachbearbeiter/{}", users_show, R_LOGIN | R_ADMIN, 0, "users_show"},
	{"GET", "/sachbearbeiter/{}/bearbeiten", users_edit_get, R_LOGIN | R_ADMIN, 0, "users_edit"},
	{"POST", "/sachbearbeiter/{}/bearbeiten", users_edit_post, R_LOGIN | R_ADMIN, 0, "users_edit"},
	{"GET", "/sachbearbeiter/{}/sperren", users_lock_confirm, R_LOGIN | R_ADMIN, 0, "users_lock"},
	{"POST", "/sachbearbeiter/{}/sperren", users_lock, R_LOGIN | R_ADMIN, 0, "users_lock"},
	{"POST", "/sachbearbeiter/{}/entsperren", users_unlock, R_LOGIN | R_ADMIN, 0, "users_unlock"},
	{"POST", "/sachbearbeiter/{}/passwort-email", users_password_mail, R_LOGIN | R_ADMIN, 0, "users_mail"},
	{"GET", "/gruppen", groups_list, R_LOGIN | R_ADMIN, 0, "groups"},
	{"GET", "/gruppen/{}", groups_show, R_LOGIN | R_ADMIN, 0, "groups"},
	{"POST", "/gruppen/{}", groups_save, R_LOGIN | R_ADMIN, 0, "groups"},
	{"GET", "/postfach", mailbox_overview, R_LOGIN | R_SB, 0, "mailbox"},
	{"GET", "/postfach/{}", mailbox_list, R_LOGIN | R_SB, 0, "mailbox"},
	{"GET", "/postfach/{}/neu", mailbox_new_get, R_LOGIN | R_SB, 0, "compose"},
	{"POST", "/postfach/{}/neu", mailbox_new_post, R_LOGIN | R_SB | R_MULTIPART, 0, "compose"},
	{"GET", "/nachricht/{}", message_show, R_LOGIN | R_SB, 0, "message"},
	{"GET", "/anhang/{}", attachment_download, R_LOGIN | R_SB, 0, "download"},
	{"GET", "/formulare", formulare_list, R_LOGIN | R_SB | R_FORM, 0, "meldungen"},
	{"GET", "/formulare/neu", formulare_neu, R_LOGIN | R_SB | R_FORM, 0, "meldung_neu"},
	{"GET", "/formulare/neu/{}", formular_neu_get, R_LOGIN | R_SB | R_FORM, 0, "meldung_neu"},
	{"POST", "/formulare/neu/{}", formular_neu_post, R_LOGIN | R_SB | R_FORM | R_MULTIPART, 0, "meldung_neu"},
	{"GET", "/formulare/{}", formulare_show, R_LOGIN | R_SB | R_FORM, 0, "meldung"},
	{"GET", "/formulare/{}/bearbeiten", formular_entwurf_get, R_LOGIN | R_SB | R_FORM, 0, "meldung_entwurf"},
	{"POST", "/formulare/{}/bearbeiten", formular_entwurf_post, R_LOGIN | R_SB | R_FORM | R_MULTIPART, 0, "meldung_entwurf"},
	{"POST", "/formulare/{}/loeschen", formulare_loeschen, R_LOGIN | R_SB | R_FORM, 0, "meldung_entwurf"},
	{"POST", "/formulare/{}/zurueckziehen", formulare_zurueckziehen, R_LOGIN | R_SB | R_FORM, 0, "meldung_status"},
	{"POST", "/formulare/{}/antwort", formulare_antwort, R_LOGIN | R_SB | R_FORM | R_MULTIPART, 0, "meldung_status"},
	{"GET", "/formular-anlage/{}", formular_anlage_download, R_LOGIN | R_SB | R_FORM, 0, "meldung_download"},
	{"GET", "/protokoll", users_log, R_LOGIN | R_ADMIN, 0, "users_log"},
	{"GET", "/anspruchsberechtigte", ab_list, R_LOGIN | R_SB | R_AB, 0, "ab_list"},
	{"GET", "/anspruchsberechtigte/{}", ab_show, R_LOGIN | R_SB | R_AB, 0, "ab_show"},
	{"GET", "/anspruchsberechtigte/{}/kontaktdaten", ab_kontakt_get, R_LOGIN | R_SB | R_AB | R_KONTAKT, 0, "ab_kontakt"},
	{"POST", "/anspruchsberechtigte/{}/kontaktdaten", ab_kontakt_post, R_LOGIN | R_SB | R_AB | R_KONTAKT, 0, "ab_kontakt"},
	{"GET", "/faq", faq_page, R_PUBLIC, 0, "faq"},
	{"GET", "/suche", search_page, R_PUBLIC, 0, "search"},
	{"GET", "/feedback", contact_get, R_LOGIN | R_MEMBER, 0, "feedback"},
	{"POST", "/feedback", contact_post, R_LOGIN | R_MEMBER, 0, "feedback"},
	{"GET", "/support", contact_get, R_PUBLIC, 0, "support"},
	{"POST", "/support", contact_post, R_PUBLIC, 0, "support"},
	{"GET", "/impressum", static_page, R_PUBLIC, 0, "static"},
	{"GET", "/datenschutz", static_page, R_PUBLIC, 0, "static"},
	{"GET", "/nutzungsbedingungen", static_page, R_PUBLIC, 0, "static"},
	{"GET", "/barrierefreiheit", static_page, R_PUBLIC, 0, "static"},
};

const size_t routes_count = sizeof routes / sizeof routes[0];

bool route_exists(const char *method, const char *pattern)
{
	return route_declared(routes, routes_count, method, pattern);
}
