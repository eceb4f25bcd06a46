/* config.c — the table of keys with defaults; file parsing; MV_* overrides; checks. */
#include "config.h"
#include "util.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

config cfg;

enum cfg_type { CFG_STR, CFG_LONG };

struct cfg_key {
	const char *name;
	enum cfg_type type;
	size_t offset;
	const char *def;
	long min, max;
	bool secret;
};

#define S(name, def, secret) {#name, CFG_STR, offsetof(config, name), def, 0, 0, secret}
#define L(name, def, min, max) {#name, CFG_LONG, offsetof(config, name), #def, min, max, false}
/* A number whose default follows from other keys (config_validate): 0 until set, explicit values min..max. */
#define D(name, min, max) {#name, CFG_LONG, offsetof(config, name), NULL, min, max, false}

static const struct cfg_key keys[] = {
	S(db_host, "", false),
	L(db_port, 3306, 1, 65535),
	S(db_socket, "", false),
	S(db_nodes, "", false),
	L(db_sync_wait, 0, 0, 15),
	S(db_name, "meineversorgung", false),
	S(db_user, "mv", false),
	S(db_password, "", true),
	S(fcgi_socket, "/run/meineversorgung/mv.sock", false),
	L(workers, 4, 1, 256),
	L(worker_max_requests, 10000, 1, 100000000),
	S(base_url, "http://127.0.0.1:8080", false),
	S(html_dir, "html", false),
	S(legal_dir, "", false), /* the fund's own legal pages; "": the shipped ones (placeholders) */
	S(kasse_nummer, "201", false),
	L(max_body_bytes, 65536, 1024, 1073741824),
	L(max_params, 200, 1, 10000),
	L(max_field_bytes, 98304, 64, 1073741824), /* a 20,000-character message in UTF-8 */
	L(upload_max_bytes, 10485760, 1024, 1073741824),
	L(upload_max_files, 10, 1, 100),
	L(upload_max_total_bytes, 26214400, 1024, 1073741824),
	S(secret_key, "", true),
	S(smtp_host, "127.0.0.1", false),
	L(smtp_port, 25, 1, 65535),
	S(smtp_starttls, "required", false),
	S(smtp_user, "", false),
	S(smtp_password, "", true),
	S(smtp_ca_file, "", false),
	S(mail_from, "noreply@meineversorgung.org", false),
	S(feedback_email, "support@meineversorgung.org", false),
	S(support_email, "support@meineversorgung.org", false),
	L(mail_poll_ms, 200, 10, 60000),
	L(mail_retry_s, 5, 1, 86400),
	L(mail_max_attempts, 1000, 1, 1000000),
	L(tan_ttl_s, 300, 1, 86400),
	L(tan_max_tries, 3, 1, 100),
	L(link_ttl_s, 3600, 1, 2592000),
	L(kennung_link_max_tries, 5, 1, 100),
	L(idle_timeout_s, 600, 2, 86400),
	D(idle_warning_s, 1, 86400), /* default: one minute before idle_timeout_s (SPEC §4.4) */
	L(session_max_s, 28800, 2, 604800),
	L(lock_threshold, 5, 1, 1000),
	L(lock_minutes, 30, 1, 100000),
	L(tan_mail_limit, 5, 1, 100000),
	L(reset_mail_limit, 3, 1, 100000),
	L(rate_window_s, 900, 1, 86400),
	L(sb_create_limit, 50, 1, 1000000),
	L(email_change_window_days, 30, 1, 3650),
	L(login_ip_limit, 100, 1, 1000000000), /* POST /anmelden per client address and window: shared NAT */
	L(login_ip_window_s, 300, 1, 86400),
	L(argon_ops, 2, 1, 100),
	L(argon_mem_kib, 19456, 8, 4194304),
	L(ab_zugriff_tage, 730, 1, 3650),             /* access log kept 2 years (DOMAIN.md §5) */
	L(housekeeping_interval_s, 3600, 1, 86400),   /* the mailer's retention step */
	L(meldung_tage, 730, 1, 3650),                /* Meldungen kept after erledigt/abgelehnt/zurückgezogen */
	L(status_outbox_max_age_s, 900, 1, 604800),   /* /status: outbox older than this = unhealthy */
	L(dev_mode, 0, 0, 1),
	S(log_level, "info", false),
};

static const struct cfg_key *key_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

int config_set(const char *name, const char *value, char *err, size_t errlen)
{
	const struct cfg_key *k = key_find(name);
	if (!k) {
		snprintf(err, errlen, "unknown config key '%.64s'", name);
		return -1;
	}
	void *field = (char *)&cfg + k->offset;
	if (k->type == CFG_STR) {
		char **sp = field;
		free(*sp);
		*sp = xstrdup(value);
		return 0;
	}
	long long v;
	if (parse_int(value, k->min, k->max, &v) != 0) {
		snprintf(err, errlen, "config key '%s': expected a number %ld..%ld", k->name, k->min, k->max);
		return -1;
	}
	*(long *)field = (long)v;
	return 0;
}

static int load_file(const char *path, bool *has_secret, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = str_trim(s), *value = str_trim(eq + 1);
		const struct cfg_key *k = key_find(key);
		if (k && k->secret && *value)
			*has_secret = true;
		char msg[256];
		if (config_set(key, value, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void strings_free(config *c)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].type != CFG_STR)
			continue;
		char **sp = (char **)((char *)c + keys[i].offset);
		if (*sp && keys[i].secret)
			sodium_memzero(*sp, strlen(*sp));
		free(*sp);
		*sp = NULL;
	}
}

static int config_read(const char *path, char *err, size_t errlen);

/* All or nothing: a configuration that fails to load leaves the previous one in place (a reload
 * refused on SIGHUP must not leave the master, and the workers it starts later, half reset). */
int config_load(const char *path, char *err, size_t errlen)
{
	config saved = cfg;
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (keys[i].type == CFG_STR)
			*(char **)((char *)&cfg + keys[i].offset) = NULL;
	if (config_read(path, err, errlen) != 0) {
		strings_free(&cfg);
		cfg = saved;
		return -1;
	}
	strings_free(&saved);
	return 0;
}

static int config_read(const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (!keys[i].def)
			*(long *)((char *)&cfg + keys[i].offset) = 0; /* derived in config_validate unless set */
		else if (config_set(keys[i].name, keys[i].def, err, errlen) != 0)
			return -1;
	}
	if (path && *path) {
		bool has_secret = false;
		if (load_file(path, &has_secret, err, errlen) != 0)
			return -1;
		struct stat st;
		if (has_secret && stat(path, &st) == 0 && (st.st_mode & 077)) {
			snprintf(err, errlen,
				 "config file %s holds secrets but is readable by others (mode %03o); "
				 "run: chmod 600 %s",
				 path, (unsigned)(st.st_mode & 0777), path);
			return -1;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		char env[96] = "MV_";
		size_t n = strlen(keys[i].name);
		for (size_t j = 0; j < n && j + 4 < sizeof env; j++)
			env[3 + j] = (char)toupper((unsigned char)keys[i].name[j]);
		env[3 + n] = '\0';
		const char *v = getenv(env);
		if (v) {
			char msg[256];
			if (config_set(keys[i].name, v, msg, sizeof msg) != 0) {
				snprintf(err, errlen, "%s: %s", env, msg);
				return -1;
			}
		}
	}
	return config_validate(err, errlen);
}

int db_nodes_parse(const char *list, db_node *out, int max)
{
	int n = 0;
	const char *p = list ? list : "";
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (!len || n >= DB_NODES_MAX || (out && n >= max))
			return -1;
		db_node node;
		memset(&node, 0, sizeof node);
		if (p[0] == '/') {
			if (len >= sizeof node.socket)
				return -1;
			memcpy(node.socket, p, len);
		} else {
			const char *colon = memrchr(p, ':', len);
			size_t hl = colon ? (size_t)(colon - p) : len;
			if (!hl || hl >= sizeof node.host || memchr(p, ' ', hl))
				return -1;
			memcpy(node.host, p, hl);
			node.port = 3306;
			if (colon) {
				char num[8];
				size_t pl = len - hl - 1;
				long long v;
				if (!pl || pl >= sizeof num)
					return -1;
				memcpy(num, colon + 1, pl);
				num[pl] = '\0';
				if (parse_int(num, 1, 65535, &v) != 0)
					return -1;
				node.port = (unsigned)v;
			}
		}
		if (out)
			out[n] = node;
		n++;
		if (!end)
			break;
		p = end + 1;
	}
	return n;
}

int config_validate(char *err, size_t errlen)
{
	size_t bin_len = 0;
	if (strlen(cfg.secret_key) != 64 ||
	    sodium_hex2bin(cfg.key, sizeof cfg.key, cfg.secret_key, 64, NULL, &bin_len, NULL) != 0 ||
	    bin_len != 32) {
		snprintf(err, errlen, "secret_key must be 64 hex characters (32 random bytes), e.g. from "
				      "'head -c32 /dev/urandom | xxd -p -c64'");
		return -1;
	}
	if (!cfg.idle_warning_s) /* one minute before the timeout (SPEC §4.4); half-way for a timeout of 1 min or less */
		cfg.idle_warning_s = cfg.idle_timeout_s > 60 ? cfg.idle_timeout_s - 60 : cfg.idle_timeout_s / 2;
	if (cfg.idle_warning_s >= cfg.idle_timeout_s) {
		snprintf(err, errlen, "idle_warning_s (%ld) must be smaller than idle_timeout_s (%ld); leave idle_warning_s "
				      "unset for the default, one minute before the timeout",
			 cfg.idle_warning_s, cfg.idle_timeout_s);
		return -1;
	}
	if (!str_starts(cfg.base_url, "http://") && !str_starts(cfg.base_url, "https://")) {
		snprintf(err, errlen, "base_url must start with http:// or https://");
		return -1;
	}
	size_t bl = strlen(cfg.base_url);
	if (bl && cfg.base_url[bl - 1] == '/')
		cfg.base_url[bl - 1] = '\0';
	if (db_nodes_parse(cfg.db_nodes, NULL, 0) < 0) {
		snprintf(err, errlen, "db_nodes must be a comma-separated list of host:port or /path/to/socket "
				      "(at most %d entries)", DB_NODES_MAX);
		return -1;
	}
	if (strcmp(cfg.smtp_starttls, "none") && strcmp(cfg.smtp_starttls, "required")) {
		snprintf(err, errlen, "smtp_starttls must be 'none' or 'required'");
		return -1;
	}
	if (strlen(cfg.kasse_nummer) != 3 || strspn(cfg.kasse_nummer, "0123456789") != 3) {
		snprintf(err, errlen, "kasse_nummer must be 3 digits");
		return -1;
	}
	return 0;
}

void config_free(void)
{
	strings_free(&cfg);
}
