/* domain.c — names, slugs, labels and dependencies of groups and rights (handbook §3). */
#include "domain.h"
#include <string.h>
#include <strings.h>

const char *const gruppe_name[GRUPPE__MAX] = {
	"Beihilfe", "Beamtenversorgung", "Finanzierung", "Mitglieder/Recht", "Geschäftsleitung", "Administration",
};
const char *const gruppe_slug[GRUPPE__MAX] = {
	"beihilfe", "beamtenversorgung", "finanzierung", "mitglieder-recht", "geschaeftsleitung", "administration",
};

int gruppe_parse(const char *s)
{
	if (!s)
		return -1;
	for (int g = 0; g < GRUPPE__MAX; g++)
		if (strcmp(s, gruppe_name[g]) == 0 || strcasecmp(s, gruppe_slug[g]) == 0 ||
		    strcasecmp(s, gruppe_name[g]) == 0)
			return g;
	if (strcmp(s, "GESCHÄFTSLEITUNG") == 0 || strcmp(s, "geschäftsleitung") == 0)
		return G_GESCHAEFTSLEITUNG;
	return -1;
}

const char *const recht_key[RECHT__MAX] = {"anspruchsberechtigte", "kontaktdaten", "formulare"};
const char *const recht_label[RECHT__MAX] = {
	"darf Anspruchsberechtigte (inkl. Lebensläufe) sehen (bei aktiven Beamten)",
	"darf Personen-/Kontaktdaten sehen und ändern",
	"darf Beamtenformulare sehen und Änderungen melden",
};
static const char *const recht_info_base[RECHT__MAX] = {
	"Anzeige von Anspruchsberechtigten (bei Beamten inkl. Lebensläufe).",
	"Anzeige und Bearbeitung von Personen-/Kontaktdaten von Anspruchsberechtigten.",
	"Meldung von Änderungen bei aktiven Beamten mittels Beamtenformularen.",
};

const char *recht_info_text(arena *a, int k, unsigned available)
{
	sbuf b = sbuf_in(a);
	sbuf_adds(&b, recht_info_base[k]);
	if (recht_requires[k] >= 0)
		sbuf_printf(&b, " Setzt das Recht „%s“ voraus.", recht_label[recht_requires[k]]);
	int named = 0, offered = 0;
	for (int d = 0; d < RECHT__MAX; d++)
		offered += recht_requires[d] == k && (available & (1u << d));
	for (int d = 0; d < RECHT__MAX; d++) {
		if (recht_requires[d] != k || !(available & (1u << d)))
			continue; /* a dependant switched off for the organisation (§1.7) is not named */
		sbuf_adds(&b, named == 0 ? " Dieses Recht ist Voraussetzung für „" : named + 1 == offered ? " und „" : ", „");
		sbuf_printf(&b, "%s“", recht_label[d]);
		if (++named == offered)
			sbuf_addc(&b, '.');
	}
	return b.data;
}
const int recht_requires[RECHT__MAX] = {-1, R_ANSPRUCHSBERECHTIGTE, R_ANSPRUCHSBERECHTIGTE};
const char recht_base_label[] = "persönliches Postfach und Gruppenpostfächer (gemäß Auswahl oben)";
const char recht_base_info[] =
	"Basisfunktionalität: Den Zugriff auf ein persönliches Postfach besitzen Nutzer stets, dazu die oben "
	"ausgewählten Gruppenpostfächer. Dieses Recht kann nicht entzogen werden.";

int recht_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "postfach") == 0)
		return RECHT__MAX;
	for (int k = 0; k < RECHT__MAX; k++)
		if (strcmp(s, recht_key[k]) == 0)
			return k;
	return -1;
}

unsigned rechte_available(unsigned switched_off)
{
	unsigned avail = 0;
	for (int k = 0; k < RECHT__MAX; k++) {
		if (switched_off & (1u << k))
			continue;
		if (recht_requires[k] >= 0 && !(avail & (1u << recht_requires[k])))
			continue;
		avail |= 1u << k;
	}
	return avail;
}

const char *status_label(const char *s)
{
	if (!s)
		return "";
	if (strcmp(s, "aktiv") == 0)
		return "Aktiv";
	if (strcmp(s, "angelegt") == 0)
		return "Angelegt";
	if (strcmp(s, "gesperrt") == 0)
		return "Gesperrt";
	return s;
}
