/* cli.c — `scripts/mvctl`: the Kassen-Portal-Administrator's command line (SPEC §11).
 * The command table {noun, verb, handler, usage line} and the option table drive dispatch,
 * option parsing and the usage text; the handlers live in cli_<noun>.c. Same config and
 * database as the stack; every change in one transaction, errors on stderr with exit code 1
 * (2 for usage), `--json` for scripts. */
#include "cli.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_json;

/* In the order of the usage text. */
static const cli_command commands[] = {
	{"org", "add", cli_org_add, "org add --name N --bereich B --pnr P --abr A"},
	{"org", "restrict", cli_org_restrict, "org restrict --pnr P (--off|--on) RIGHT[,RIGHT]"},
	{"kasse", "add", cli_kasse_add, "kasse add --vorname V --name N --email E --rolle portaladmin|fach"},
	{"kasse", "update", cli_kasse_update,
	 "kasse update --kennung K [--vorname V] [--name N] [--email E] [--rolle portaladmin|fach]"},
	{"kasse", "lock", cli_kasse_lock, "kasse lock --kennung K   (ends its sessions)"},
	{"kasse", "unlock", cli_kasse_unlock, "kasse unlock --kennung K"},
	{"kasse", "list", cli_kasse_list, "kasse list"},
	{"admin", "add", cli_admin_add,
	 "admin add --pnr P --vorname V --name N --email E --geburtsdatum JJJJ-MM-TT"},
	{"admin", "update", cli_admin_update, "admin update --kennung K [--vorname V] [--name N] [--email E]"},
	{"user", "find", cli_user_find, "user find [--name N] [--email E] [--pnr P]"},
	{"audit", NULL, cli_audit, "audit --pnr P [--kennung K]"},
	{"message", "send", cli_message_send,
	 "message send --pnr P (--gruppe SLUG | --kennung K) --betreff B --text T [--anhang FILE]…"},
	{"message", "list", cli_message_list, "message list --pnr P [--seit DATUM]"},
	{"message", "export", cli_message_export, "message export --id N --dir D"},
	{"feedback", "list", cli_feedback_list, "feedback list [--seit DATUM]"},
	{"meldung", "list", cli_meldung_list, "meldung list [--pnr P] [--status S]"},
	{"meldung", "show", cli_meldung_show, "meldung show --az A"},
	{"meldung", "status", cli_meldung_status,
	 "meldung status --az A --status in_bearbeitung|rueckfrage|erledigt|abgelehnt [--text T] [--anhang FILE]…"},
	{"meldung", "export", cli_meldung_export, "meldung export --az A --dir D"},
	{"ab", "import", cli_ab_import, "ab import --file F [--full] [--dry-run]"},
	{"ab", "aenderungen", cli_ab_aenderungen, "ab aenderungen [--seit ID]"},
	{"ab", "zugriffe", cli_ab_zugriffe, "ab zugriffe --pnr P [--nr N] [--seit DATUM]"},
	{"ab", "aufraeumen", cli_ab_aufraeumen, "ab aufraeumen   (removes what has outlived its retention, as the housekeeping does)"},
	{"backup", NULL, cli_backup,
	 "backup --dir D   (a consistent online copy of the database with its documents and the secret key)"},
	{"restore", NULL, cli_restore, "restore --dir D [--force]   (into an empty database; --force replaces its tables)"},
	{"status", NULL, cli_status, "status   (this host: database, outbox, workers; exit code 1 when not healthy)"},
	{"dev", "seed", cli_dev_seed,
	 "dev seed --orgs N --users M [--messages K] [--persons P] [--pnr FIRST]   (dev_mode only: benchmark data)"},
};

enum option_kind {
	OPT_JSON,  /* the flag --json, allowed anywhere */
	OPT_VALUE, /* one value into the member */
	OPT_LIST,  /* repeatable: values into the array member, counted in count_member */
	OPT_FLAG,  /* no value: sets the bool member */
};

static const struct option {
	const char *name;
	enum option_kind kind;
	size_t member, count_member; /* offsets in struct opts */
} options[] = {
	{"--json", OPT_JSON, 0, 0},
#define VALUE(m) {"--" #m, OPT_VALUE, offsetof(struct opts, m), 0}
	VALUE(name), VALUE(bereich), VALUE(pnr), VALUE(abr), VALUE(vorname), VALUE(email),
	VALUE(geburtsdatum), VALUE(kennung), VALUE(off), VALUE(on), VALUE(orgs), VALUE(users),
	VALUE(messages), VALUE(gruppe), VALUE(betreff), VALUE(text), VALUE(seit), VALUE(id), VALUE(dir),
	VALUE(az), VALUE(status), VALUE(nr), VALUE(rolle),
	VALUE(file), VALUE(persons),
#undef VALUE
	{"--full", OPT_FLAG, offsetof(struct opts, full), 0},
	{"--dry-run", OPT_FLAG, offsetof(struct opts, dry_run), 0},
	{"--force", OPT_FLAG, offsetof(struct opts, force), 0},
	{"--anhang", OPT_LIST, offsetof(struct opts, anhang), offsetof(struct opts, nanhang)},
};

int cli_fail(const char *fmt, const char *arg)
{
	if (cli_json) {
		cJSON *o = cJSON_CreateObject();
		char msg[512];
		snprintf(msg, sizeof msg, "%s", fmt);
		char *pct = arg ? strstr(msg, "%s") : NULL;
		if (pct) {
			char rest[512];
			snprintf(rest, sizeof rest, "%s", pct + 2);
			snprintf(pct, sizeof msg - (size_t)(pct - msg), "%s%s", arg, rest);
		}
		cJSON_AddStringToObject(o, "error", msg);
		char *t = cJSON_PrintUnformatted(o);
		fprintf(stderr, "%s\n", t);
		free(t);
		cJSON_Delete(o);
	} else {
		fputs("mvctl: ", stderr);
		const char *pct = strstr(fmt, "%s");
		if (pct && arg) {
			sbuf e;
			sbuf_init(&e);
			str_escape_ctl(&e, arg);
			fwrite(fmt, 1, (size_t)(pct - fmt), stderr);
			fputs(e.data, stderr);
			fputs(pct + 2, stderr);
			sbuf_free(&e);
		} else
			fputs(fmt, stderr);
		fputc('\n', stderr);
	}
	return 1;
}

/* Writes cJSON's text t on stdout: cJSON escapes C0 controls but writes DEL and C1 controls
 * (U+0080–U+009F) raw: outside strings the text is ASCII, so each of them is a character of a
 * string and becomes \u00NN. */
static void json_text_put(const char *t)
{
	sbuf b;
	sbuf_init(&b);
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (*p == 0x7F)
			sbuf_adds(&b, "\\u007f");
		else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			sbuf_printf(&b, "\\u%04x", (unsigned)*++p);
		else
			sbuf_addc(&b, (char)*p);
	}
	fputs(b.data, stdout);
	sbuf_free(&b);
}

void cli_print_json(cJSON *o)
{
	char *t = cJSON_Print(o);
	json_text_put(t);
	putchar('\n');
	free(t);
	cJSON_Delete(o);
}

void cli_print_json_item(cJSON *o)
{
	char *t = cJSON_PrintUnformatted(o);
	json_text_put(t);
	free(t);
	cJSON_Delete(o);
}

const char *cli_text(arena *a, const char *s)
{
	sbuf b = sbuf_in(a);
	str_escape_ctl(&b, s);
	return b.data ? b.data : "";
}

bool cli_digits(const char *s, size_t min, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

long long cli_org_by_pnr(actor *who, const char *pnr)
{
	db_res *org = db_query(who->a, "SELECT id FROM organisation WHERE kasse = ? AND pnr = ?",
			       DBARGS(DS(cfg.kasse_nummer), DS(pnr)));
	if (!org)
		return -1;
	return org->nrows ? db_int(org, 0, 0) : 0;
}

/* ---- commands ---- */

/* Both NULL or equal. */
static bool same_word(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static const cli_command *command_find(const char *noun, const char *verb)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (same_word(commands[i].noun, noun) && same_word(commands[i].verb, verb))
			return &commands[i];
	return NULL;
}

/* How many words name a command starting with this noun: 1 for a noun without verbs ("audit"). */
static int command_words(const char *noun)
{
	return command_find(noun, NULL) ? 1 : 2;
}

int cli_fail_usage(const char *noun, const char *verb)
{
	const cli_command *c = command_find(noun, verb);
	char msg[512];
	snprintf(msg, sizeof msg, "usage: %s", c ? c->usage : noun);
	return cli_fail(msg, NULL);
}

static void usage(void)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(stderr, "%s%s\n", i == 0 ? "usage: mvctl [--json] " : "       mvctl ", commands[i].usage);
}

/* ---- options ---- */

static const struct option *option_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(options); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static int option_store(struct opts *o, const struct option *opt, const char *value)
{
	const char **slot = (const char **)((char *)o + opt->member);
	if (opt->kind == OPT_VALUE) {
		*slot = value;
		return 0;
	}
	int *count = (int *)((char *)o + opt->count_member);
	if (*count == CLI_MAX_ATTACHMENTS)
		return cli_fail("too many %s options", opt->name);
	slot[(*count)++] = value;
	return 0;
}

static int opts_parse(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 0; i < argc; i++) {
		const struct option *opt = option_find(argv[i]);
		if (opt && opt->kind == OPT_JSON) {
			cli_json = true;
			continue;
		}
		if (opt && opt->kind == OPT_FLAG) {
			*(bool *)((char *)o + opt->member) = true;
			continue;
		}
		if (i + 1 >= argc)
			return cli_fail("option %s needs a value", argv[i]);
		if (!opt)
			return cli_fail("unknown option %s", argv[i]);
		if (option_store(o, opt, argv[++i]) != 0)
			return 1;
	}
	return 0;
}

/* ---- entry ---- */

/* The command line acts as "mvctl", from the operating-system user, for the audit log. */
static actor cli_actor(arena *a)
{
	struct passwd *pw = getpwuid(getuid());
	return (actor){.a = a, .kennung = "mvctl", .remote = arena_printf(a, "mvctl (Benutzer %s)", pw ? pw->pw_name : "?")};
}

int cli_main(int argc, char **argv)
{
	log_set_level(LOG_WARN);
	while (argc > 0 && strcmp(argv[0], "--json") == 0) { /* --json may come first */
		cli_json = true;
		argc--;
		argv++;
	}
	int words = argc > 0 ? command_words(argv[0]) : 1;
	if (argc < words) {
		usage();
		return 2;
	}
	const cli_command *cmd = command_find(argv[0], words == 2 ? argv[1] : NULL);
	struct opts o;
	if (opts_parse(argc - words, argv + words, &o) != 0)
		return 2;
	/* status reports the outage itself; backup and restore say what it means for them */
	if (db_connect() != 0 && !(cmd && (cmd->run == cli_status || cmd->run == cli_backup || cmd->run == cli_restore)))
		return cli_fail("cannot connect to the database (see the configuration)", NULL);
	if (!cmd) {
		usage();
		return 2;
	}
	arena a;
	arena_init(&a);
	actor who = cli_actor(&a);
	int rc = cmd->run(&who, &o);
	arena_reset(&a);
	return rc;
}
