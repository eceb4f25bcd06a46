/* cli.h — `mvctl` (SPEC §11): the command table, the options, the output helpers the command
 * files (cli_org.c, cli_user.c, cli_message.c, cli_feedback.c, cli_dev.c) share, and the entry
 * points main.c calls. */
#ifndef MV_CLI_H
#define MV_CLI_H
#include "audit.h"
#include "http.h"
#include "orgs.h"
#include <cjson/cJSON.h>
#include <stdbool.h>

enum { CLI_MAX_ATTACHMENTS = 16 };

/* The options of every command, filled through the option table in cli.c; NULL when absent. */
struct opts {
	const char *name, *bereich, *pnr, *abr, *vorname, *email, *geburtsdatum, *kennung, *off, *on;
	const char *orgs, *users, *messages;
	const char *gruppe, *betreff, *text, *seit, *id, *dir, *az, *status;
	const char *nr, *rolle;
	const char *file, *persons;
	bool full, dry_run, force; /* flags --full, --dry-run, --force */
	const char *anhang[CLI_MAX_ATTACHMENTS];
	int nanhang;
};

/* A command's handler: returns the exit code (0, or 1 after cli_fail). */
typedef int cli_handler(actor *who, struct opts *o);

typedef struct cli_command {
	const char *noun, *verb; /* verb NULL: the noun alone is the command ("audit") */
	cli_handler *run;
	const char *usage; /* the usage line, noun and verb included */
} cli_command;

extern bool cli_json; /* --json: results and errors as JSON */

/* The error on stderr ("mvctl: …" or {"error": …}); fmt may hold one "%s" for arg. Returns 1. */
int cli_fail(const char *fmt, const char *arg);
/* cli_fail with "usage: " and the command's line from the table. */
int cli_fail_usage(const char *noun, const char *verb);
/* Prints o (pretty) on stdout and frees it; DEL and C1 controls written as \u00NN. */
void cli_print_json(cJSON *o);
/* The same on one line without a newline: an item of a list streamed piece by piece. */
void cli_print_json_item(cJSON *o);
/* Stored text for the terminal (allocated in a): control characters (C0, DEL, C1) and bytes that are
 * not UTF-8 escaped as in the log (str_escape_ctl), so no stored text can act on the terminal. */
const char *cli_text(arena *a, const char *s);
bool cli_digits(const char *s, size_t min, size_t max);
/* The organisation with this PNR in our Kasse: its id, 0 if there is none, -1 on a database error. */
long long cli_org_by_pnr(actor *who, const char *pnr);

/* --vorname, --name, --email as given; all_required: each must be there. 0, or 1 after cli_fail. */
int cli_person_check(const struct opts *o, bool all_required);
/* "Feld: alt → neu; " into d when new_value is given and differs from the stored one. */
void cli_change_note(sbuf *d, const char *label, const char *old_value, const char *new_value);

/* A whole file into the arena (stops reading past the upload limit); NULL with *err on failure. */
char *cli_file_read(arena *a, const char *path, size_t *len, const char **err);
/* The --anhang files read (not checked) as uploads of field `field`: 0, or 1 after cli_fail. */
int cli_files_read(actor *who, const struct opts *o, const char *field, upload files[CLI_MAX_ATTACHMENTS]);
/* Writes one file inside dir without following links or overwriting: 0, or -1. */
int cli_file_write_new(const char *dir, const char *name, const char *data, size_t len);

/* What a command's transaction returns besides 0 and DB_TX_FAIL (db_tx rolls back and passes it on). */
enum cli_tx_result { CLI_TX_NOT_FOUND = 1, CLI_TX_EXISTS };

cli_handler cli_org_add, cli_org_restrict;
cli_handler cli_kasse_add, cli_kasse_update, cli_kasse_lock, cli_kasse_unlock, cli_kasse_list;
cli_handler cli_admin_add, cli_admin_update, cli_user_find, cli_audit;
cli_handler cli_message_send, cli_message_list, cli_message_export;
cli_handler cli_feedback_list;
cli_handler cli_meldung_list, cli_meldung_show, cli_meldung_status, cli_meldung_export;
cli_handler cli_dev_seed;
cli_handler cli_status;
cli_handler cli_backup, cli_restore;
cli_handler cli_ab_aenderungen, cli_ab_zugriffe, cli_ab_aufraeumen;
cli_handler cli_ab_import;

/* The import's batch writer (cli_ab.c), also for `dev seed --persons`: records are parsed
 * (abrecord.c) into the current batch with ab_writer_add, queued with their organisation by
 * ab_writer_queue (which writes a full batch, one transaction), and the rest written by
 * ab_writer_flush. Unchanged persons are not written; dry: nothing is written, only counted. */
struct ab_zaehler {
	long long neu, geaendert, unveraendert;
};
struct ab_writer;
struct ab_record;
struct ab_writer *ab_writer_new(bool dry);
void ab_writer_free(struct ab_writer *w);
/* The parsed record, or NULL with the German message in err. */
const struct ab_record *ab_writer_add(struct ab_writer *w, const char *line, size_t n, long zeile, char *err,
				      size_t errlen);
int ab_writer_queue(struct ab_writer *w, long long org_id, size_t bytes); /* 0, or -1 database error */
int ab_writer_flush(struct ab_writer *w);                                  /* 0, or -1 database error */
const struct ab_zaehler *ab_writer_zaehler(const struct ab_writer *w);

/* main.c: `meineversorgung cli …` and `meineversorgung dev-seed` (devseed.c). */
int cli_main(int argc, char **argv);
int dev_seed(void);

#endif
