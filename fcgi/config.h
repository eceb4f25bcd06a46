/* config.h — every setting of the portal: file `key = value`, overridden by MV_<KEY>. */
#ifndef MV_CONFIG_H
#define MV_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

typedef struct config {
	/* database */
	char *db_host, *db_socket, *db_name, *db_user, *db_password;
	char *db_nodes; /* "host:port, /path/to.sock, ..." tried in order (Galera fail-over); overrides host/socket */
	long db_port;
	long db_sync_wait; /* wsrep_sync_wait per connection (Galera read-your-writes); 0 = not set */
	/* processes */
	char *fcgi_socket;
	long workers, worker_max_requests;
	/* web */
	char *base_url, *html_dir, *kasse_nummer;
	char *legal_dir; /* impressum.html, datenschutz.html, … of the operator (trusted HTML); "": html_dir/pages */
	long max_body_bytes, max_params, max_field_bytes;
	long upload_max_bytes, upload_max_files, upload_max_total_bytes;
	/* secrets */
	char *secret_key; /* 64 hex chars: keys the hashes of tokens, TANs, CSRF */
	/* mail */
	char *smtp_host, *smtp_starttls, *smtp_user, *smtp_password, *mail_from, *smtp_ca_file;
	char *feedback_email, *support_email;
	long smtp_port, mail_poll_ms, mail_retry_s, mail_max_attempts;
	/* access */
	long tan_ttl_s, tan_max_tries, link_ttl_s, kennung_link_max_tries;
	long idle_timeout_s, idle_warning_s, session_max_s;
	long lock_threshold, lock_minutes;
	long tan_mail_limit, reset_mail_limit, rate_window_s;
	long sb_create_limit; /* Sachbearbeiter an administrator may create per hour */
	long email_change_window_days; /* after an address change, new passwords are told to the previous one */
	long login_ip_limit, login_ip_window_s; /* login attempts (each an argon2id) per client address */
	long argon_ops, argon_mem_kib;
	/* retention (DOMAIN.md §5; retention.c, run by the mailer's housekeeping and `mvctl ab aufraeumen`) */
	long ab_zugriff_tage, housekeeping_interval_s;
	long meldung_tage; /* a closed Meldung and its documents are removed that many days later */
	/* operations: /status answers 503 once the oldest unsent mail is this old (metrics.c) */
	long status_outbox_max_age_s;
	/* misc */
	long dev_mode;
	char *log_level;
	unsigned char key[32]; /* decoded secret_key */
} config;

extern config cfg;

/* Load defaults, then the file (may be NULL), then MV_* environment.
 * Returns 0, or -1 with a message in err. Refuses a secret-bearing file readable by others. */
/* One entry of db_nodes: a unix socket (path starts with '/') or host:port (port default 3306). */
#define DB_NODES_MAX 16
typedef struct db_node {
	char host[256];
	char socket[108];
	unsigned port;
} db_node;
/* Parses db_nodes into out[0..max) (out may be NULL to only check). Returns the number of entries
 * (0 for an empty list) or -1 if the list is malformed or longer than DB_NODES_MAX. */
int db_nodes_parse(const char *list, db_node *out, int max);

int config_load(const char *path, char *err, size_t errlen);
/* Parse one `key = value` line into cfg; used by config_load and the fuzz driver. */
int config_set(const char *key, const char *value, char *err, size_t errlen);
int config_validate(char *err, size_t errlen);
void config_free(void);

#endif
