/* policy.c — password rules. Length counts Unicode code points; letters include umlauts/ß
 * and other Latin/Greek/Cyrillic letters; a special character is anything that is neither. */
#include "policy.h"
#include <stdlib.h>
#include <string.h>

const char *const policy_messages[PW_RULE__MAX] = {
	[PW_LENGTH] = "Das Passwort muss zwischen 12 und 128 Zeichen lang sein.",
	[PW_LETTER] = "Das Passwort muss mindestens einen Buchstaben enthalten.",
	[PW_DIGIT] = "Das Passwort muss mindestens eine Ziffer enthalten.",
	[PW_SPECIAL] = "Das Passwort muss mindestens ein Sonderzeichen enthalten.",
	[PW_CONTROL] = "Das Passwort darf keine Steuerzeichen enthalten.",
	[PW_COMMON] = "Das Passwort ist zu gebräuchlich und leicht zu erraten.",
	[PW_KENNUNG] = "Das Passwort darf Ihre Nutzerkennung nicht enthalten.",
	[PW_NAME] = "Das Passwort darf Ihren Vor- oder Nachnamen nicht enthalten.",
	[PW_PORTAL] = "Das Passwort darf den Namen des Portals („Versorgung“) nicht enthalten.",
};

static bool is_letter(unsigned cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
		return true;
	if (cp >= 0xC0 && cp <= 0x24F)
		return cp != 0xD7 && cp != 0xF7; /* × ÷ */
	return (cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x400 && cp <= 0x4FF) || (cp >= 0x1E00 && cp <= 0x1EFF);
}

/* Lower-cases ASCII and the Latin-1 capitals (Ä Ö Ü …) into a new buffer. */
static char *fold(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		else if (c == 0xC3 && i + 1 < n) {
			unsigned char d = (unsigned char)s[i + 1];
			out[i++] = (char)c;
			c = (d >= 0x80 && d <= 0x9E && d != 0x97) ? (unsigned char)(d + 0x20) : d;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return out;
}

static bool contains_folded(const char *hay_folded, const char *needle)
{
	if (!needle)
		return false;
	size_t n = strlen(needle);
	while (n && needle[n - 1] == ' ')
		n--;
	while (n && *needle == ' ') {
		needle++;
		n--;
	}
	if (n < 3) /* "Li" as a name would forbid half the dictionary */
		return false;
	char *f = fold(needle, n);
	bool hit = strstr(hay_folded, f) != NULL;
	free(f);
	return hit;
}

/* Common passwords and the words they are built from. A password whose core (without leading
 * and trailing digits and special characters) is one of these words is refused too:
 * "Passwort2024!" and "!!Sommer123456" are as weak as the word itself. */
static const char *const common_words[] = {
	"passwort", "password", "passw0rd", "kennwort", "geheim", "hallo", "hallohallo", "willkommen",
	"welcome", "sommer", "winter", "fruehling", "frühling", "herbst", "januar", "februar", "maerz",
	"märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember",
	"montag", "freitag", "qwertz", "qwertzuiop", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "yxcvbnm",
	"abc", "abcdef", "abcdefg", "abcdefgh", "admin", "administrator", "root", "test", "tester", "login",
	"schatz", "schatzi", "liebe", "iloveyou", "ichliebedich", "fussball", "fußball", "bundesliga",
	"schalke", "borussia", "dortmund", "bayern", "muenchen", "münchen", "berlin", "hamburg", "koeln",
	"köln", "muenster", "münster", "deutschland", "germany", "master", "dragon", "monkey", "letmein",
	"trustno1", "sunshine", "princess", "football", "baseball", "superman", "batman", "starwars",
	"computer", "internet", "sicherheit", "sicher", "zugang", "benutzer", "nutzer", "anmelden",
	"kasse", "portal", "mitglied", "verwaltung", "beamte", "beamter", "rathaus", "stadt", "gemeinde",
	"kreis", "changeme", "default", "secret", "service", "support", "user", "guest", "gast",
};

static bool is_common(const char *folded, size_t n)
{
	size_t start = 0, end = n;
	while (start < end && !((unsigned char)folded[start] >= 0x80 ||
				(folded[start] >= 'a' && folded[start] <= 'z')))
		start++;
	while (end > start && !((unsigned char)folded[end - 1] >= 0x80 ||
				(folded[end - 1] >= 'a' && folded[end - 1] <= 'z')))
		end--;
	size_t core = end - start;
	if (core == 0)
		return false; /* no letters at all: the letter rule reports it */
	for (size_t i = 0; i < ARRAY_LEN(common_words); i++) {
		size_t wl = strlen(common_words[i]);
		if (wl == core && memcmp(folded + start, common_words[i], wl) == 0)
			return true;
		/* the same word repeated: "passwortpasswort1!" */
		if (core % wl == 0 && core > wl) {
			bool rep = true;
			for (size_t k = 0; k < core && rep; k += wl)
				rep = memcmp(folded + start + k, common_words[i], wl) == 0;
			if (rep)
				return true;
		}
	}
	/* one character repeated ("ßßßßßßßß1!") or a straight ASCII run ("abcdefghijk1!") */
	size_t cl = 1;
	while (start + cl < end && ((unsigned char)folded[start + cl] & 0xC0) == 0x80)
		cl++;
	bool same = core % cl == 0, run = true;
	for (size_t i = start + cl; i < end && same; i += cl)
		same = memcmp(folded + i, folded + start, cl) == 0;
	for (size_t i = start + 1; i < end; i++)
		run = run && (unsigned char)folded[i] == (unsigned char)folded[i - 1] + 1;
	return core / cl >= 3 && (same || run);
}

unsigned policy_check(const char *pw, size_t len, const char *kennung, const char *vorname, const char *name)
{
	unsigned v = 0;
	bool letter = false, digit = false, special = false, control = false;
	if (!utf8_valid(pw, len))
		return 1u << PW_CONTROL;
	size_t chars = 0;
	const unsigned char *p = (const unsigned char *)pw;
	for (size_t i = 0; i < len;) {
		unsigned cp = utf8_decode(p, len, &i);
		chars++;
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			control = true;
		else if (cp >= '0' && cp <= '9')
			digit = true;
		else if (is_letter(cp))
			letter = true;
		else
			special = true;
	}
	if (chars < 12 || chars > 128)
		v |= 1u << PW_LENGTH;
	if (!letter)
		v |= 1u << PW_LETTER;
	if (!digit)
		v |= 1u << PW_DIGIT;
	if (!special)
		v |= 1u << PW_SPECIAL;
	if (control)
		v |= 1u << PW_CONTROL;
	char *f = fold(pw, len);
	if (memchr(pw, '\0', len) == NULL) {
		if (is_common(f, len))
			v |= 1u << PW_COMMON;
		if (contains_folded(f, kennung))
			v |= 1u << PW_KENNUNG;
		if (kennung && strlen(kennung) > 5 && contains_folded(f, kennung + 5))
			v |= 1u << PW_KENNUNG;
		if (contains_folded(f, vorname) || contains_folded(f, name))
			v |= 1u << PW_NAME;
		if (strstr(f, "versorgung"))
			v |= 1u << PW_PORTAL;
	}
	free(f);
	return v;
}

void policy_describe(unsigned violations, sbuf *out)
{
	for (int r = 0; r < PW_RULE__MAX; r++)
		if (violations & (1u << r)) {
			if (out->len)
				sbuf_addc(out, ' ');
			sbuf_adds(out, policy_messages[r]);
		}
}
