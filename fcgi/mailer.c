/* mailer.c — the body of the mailer child process: drains the transactional outbox.
 *
 * Owns:
 *   - the outbox state machine after the INSERT: 'wartend' -> 'versand' (claimed, committed before
 *     anything is sent) -> 'gesendet', or back to 'wartend' with attempts+1, exponential back-off
 *     and last_error; and the recovery of rows left in 'versand' by a mailer that died;
 *   - the one libesmtp SMTP session per batch (STARTTLS policy, our own SSL_CTX, AUTH, timeouts);
 *   - the mailer's share of logging: one line per mail with outbox id, recipient domain and result.
 *     Never the subject, the body (it may carry a TAN) or the full address; server reply texts go
 *     to outbox.last_error only.
 *
 * Delivery is at least once: a row is marked sent only after the server accepted it, so a crash
 * between "250" and the UPDATE sends it again after recovery (same Message-ID, see mail_build).
 * That window is one UPDATE wide: each accepted mail is recorded as soon as the server's "250"
 * for it arrives (SMTP_EV_MESSAGESENT), not when the batch's session ends.
 * A row is never dropped: after mail_max_attempts it keeps the capped back-off and logs an error.
 *
 * Process-wide effects (this is a dedicated child): SIGPIPE is ignored (libesmtp may write to a
 * socket the server already closed); the log context is "mailer".
 */
#include "mail.h"
#include <sodium.h>
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "retention.h"
#include "util.h"

/* OpenSSL and auth-client.h before libesmtp.h: it declares smtp_starttls_set_ctx and
 * smtp_auth_set_context only when those headers were seen. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <libesmtp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <strings.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAILER_BATCH 20          /* rows per claim = messages per SMTP session */
#define CLAIM_EXPIRE_S 120       /* 'versand' older than this: its mailer died */
#define RECOVER_EVERY_S 30
#define BACKOFF_CAP_S 900        /* 15 min */
#define DB_LOG_EVERY_S 10
#define ERRLEN 256               /* outbox.last_error is VARCHAR(255) */
#define STR_(x) #x
#define STR(x) STR_(x)

/* One claimed row: input of mailer_send and its per-message result. */
struct mail_item {
	long long id;
	const char *to, *subject, *body;
	long attempts;      /* before this try */
	bool sent;          /* out: server accepted recipient and data (2xx) */
	bool recorded;      /* out: already marked 'gesendet' in the database during the session */
	char code[32];      /* out: "smtp 550 5.1.1" / "session" / "address" — for the log */
	char err[ERRLEN];   /* out: for last_error; server reply text, never the body */
};

/* A result waiting for its UPDATE. Kept across rounds while the database is away, so a mail the
 * server accepted is not sent again just because MariaDB blinked. claimed_at is our claim token:
 * the UPDATE only touches the row if nobody recovered and re-claimed it meanwhile. */
struct pending {
	long long id;
	bool sent;
	long delay_s;
	char token[32];
	char err[ERRLEN];
	unsigned long long applied;
};

static struct pending pend[MAILER_BATCH];
static size_t npend;

static SSL_CTX *tls_ctx;   /* ours, once per process; libesmtp only takes a reference */
static bool auth_ready;

/* ---- small helpers ---- */

static bool tls_required(void)
{
	return strcmp(cfg.smtp_starttls, "required") == 0;
}

static long mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

/* Sleeps ms, in slices so a stop request (signal) is noticed quickly even if it races the check. */
static void nap_ms(long ms, volatile sig_atomic_t *stop)
{
	while (ms > 0 && !*stop) {
		long slice = ms > 200 ? 200 : ms;
		struct timespec req = {.tv_sec = slice / 1000, .tv_nsec = (slice % 1000) * 1000000L}, rem;
		while (nanosleep(&req, &rem) != 0 && errno == EINTR && !*stop)
			req = rem;
		ms -= slice;
	}
}

/* Recipient domain for the log: the local part is personal data and stays out. */
static const char *domain_of(const char *to)
{
	const char *at = to ? strrchr(to, '@') : NULL;
	return at && at[1] ? at + 1 : "?";
}

/* Server texts go into last_error: printable ASCII only, bounded. */
static void clean_copy(char *dst, size_t cap, const char *src)
{
	size_t n = 0;
	for (; src && *src && n + 1 < cap; src++) {
		unsigned char c = (unsigned char)*src;
		dst[n++] = c >= 0x20 && c < 0x7F ? (char)c : ' ';
	}
	while (n && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* First try after mail_retry_s, doubling, capped at 15 min (or at mail_retry_s if that is larger). */
static long backoff_s(long attempts_before)
{
	long cap = cfg.mail_retry_s > BACKOFF_CAP_S ? cfg.mail_retry_s : BACKOFF_CAP_S;
	long d = cfg.mail_retry_s;
	for (long i = 0; i < attempts_before && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

/* ---- TLS and AUTH setup ---- */

/* The first certificate error of the running handshake, from OpenSSL's verify callback (this
 * process is single-threaded; reset before each session): the log then says which check failed —
 * "hostname mismatch", "unable to get local issuer certificate" — not only "certificate verify
 * failed". */
static int tls_verify_err;

static int tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	if (!ok && !tls_verify_err)
		tls_verify_err = X509_STORE_CTX_get_error(x);
	return ok;
}

/* libesmtp's built-in SSL_CTX allows TLS 1.0 and is cached in a static that the first session frees
 * (second session: use after free). Ours: peer verification in the handshake, and the configured
 * host name checked by OpenSSL on top of libesmtp's own name check.
 * Exactly TLS 1.2: a TLS 1.3 server sends its session tickets after the handshake; if they are
 * readable before libesmtp 1.1.0 has flushed the EHLO, its engine reads first and waits for an
 * answer to a command it never sent, and the session dies on the envelope timeout (seen with
 * Python's and OpenSSL's servers on localhost). TLS 1.2 has no post-handshake messages. */
static SSL_CTX *tls_ctx_new(void)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	if (!c)
		return NULL;
	unsigned char ipbuf[16];
	bool ip = inet_pton(AF_INET, cfg.smtp_host, ipbuf) == 1 || inet_pton(AF_INET6, cfg.smtp_host, ipbuf) == 1;
	X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(c);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	SSL_CTX_set_options(c, SSL_OP_NO_TICKET); /* we never resume */
	int ok = SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) && SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION);
	if (ok)
		ok = *cfg.smtp_ca_file ? SSL_CTX_load_verify_locations(c, cfg.smtp_ca_file, NULL)
				       : SSL_CTX_set_default_verify_paths(c);
	if (ok)
		ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, cfg.smtp_host) : X509_VERIFY_PARAM_set1_host(vp, cfg.smtp_host, 0);
	if (!ok) {
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, tls_verify_cb);
	return c;
}

/* Answers the SASL plugin's questions from the config; anything else (realm …) is refused. */
static int auth_interact(auth_client_request_t req, char **result, int fields, void *arg)
{
	(void)arg;
	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = cfg.smtp_user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = cfg.smtp_password;
		else
			return 0;
	}
	return 1;
}

/* Once per process, before the first session. -1: configuration unusable (already logged). */
static int mailer_init(void)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);

	if (!mail_addr_ok(cfg.mail_from)) {
		log_error("mailer: mail_from is not a usable address");
		return -1;
	}
	if (tls_required() && !tls_ctx) {
		tls_ctx = tls_ctx_new();
		if (!tls_ctx) {
			char buf[256];
			ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
			log_error("mailer: cannot set up TLS (smtp_ca_file %s): %s",
				  *cfg.smtp_ca_file ? cfg.smtp_ca_file : "(system default)", buf);
			ERR_clear_error();
			return -1;
		}
	}
	if (*cfg.smtp_user && !auth_ready) {
		auth_client_init();
		auth_ready = true;
		if (!tls_required())
			log_warn("mailer: smtp_user is set but smtp_starttls=none: the SMTP password crosses the network in clear");
	}
	return 0;
}

static void mailer_fini(void)
{
	if (tls_ctx)
		SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
	if (auth_ready)
		auth_client_exit();
	auth_ready = false;
}

/* ---- one SMTP session ---- */

struct send_ev {
	bool connected, tls_ok;
	const char *tls_problem;
	long verify_result;
	SSL *ssl;                /* libesmtp's TLS connection, from SMTP_EV_STARTTLS_OK */
	/* AUTH, seen by smtp_monitor: the reply to our AUTH, and whether we cut the connection
	 * before an unauthenticated MAIL FROM */
	bool auth_pending, authenticated, auth_cut;
	char auth_reply[96];
	/* to record each accepted mail at once */
	const char *token;
	struct mail_item *m;
	smtp_message_t *msg;
	smtp_recipient_t *rcpt;
	size_t n;
	bool db_failed; /* one failed UPDATE: leave the rest of the batch to the end of the session */
};

static int result_tx(void *arg);
static void record_accepted(struct send_ev *ev, smtp_message_t message);

/* Only records what happened. It never sets an event's *ok: libesmtp presets it to 0, so a bad
 * certificate, a missing STARTTLS or a weak cipher ends the session. */
static void smtp_event(smtp_session_t s, int event, void *arg, ...)
{
	(void)s;
	struct send_ev *ev = arg;
	switch (event) {
	case SMTP_EV_CONNECT:
		ev->connected = true;
		break;
	case SMTP_EV_STARTTLS_OK: {
		va_list ap;
		va_start(ap, arg);
		ev->ssl = va_arg(ap, SSL *);
		va_end(ap);
		ev->tls_ok = true;
		break;
	}
	case SMTP_EV_EXTNA_STARTTLS:
		ev->tls_problem = "server does not offer STARTTLS";
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE: {
		va_list ap;
		va_start(ap, arg);
		ev->verify_result = va_arg(ap, long);
		va_end(ap);
		ev->tls_problem = "invalid server certificate";
		break;
	}
	case SMTP_EV_NO_PEER_CERTIFICATE:
		ev->tls_problem = "server sent no certificate";
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE:
		ev->tls_problem = "server certificate does not match smtp_host";
		break;
	case SMTP_EV_WEAK_CIPHER:
		ev->tls_problem = "weak cipher";
		break;
	case SMTP_EV_MESSAGESENT: {
		va_list ap;
		va_start(ap, arg);
		smtp_message_t message = va_arg(ap, smtp_message_t);
		va_end(ap);
		record_accepted(ev, message);
		break;
	}
	default:
		break;
	}
}

/* libesmtp goes on to MAIL FROM without authentication when every AUTH mechanism failed or the
 * server offers none (smtp-auth.c: "the MTA is required to accept mail for its own domain"), and
 * offers no option to refuse that. With smtp_user set an unauthenticated session is a fault to
 * report, not a way to send: this protocol monitor watches the reply to AUTH and shuts the socket
 * down just before an unauthenticated MAIL FROM is written, so no envelope and no body leaves.
 * It never copies what we write (the AUTH line carries the password), only the server's reply. */
static void smtp_monitor(const char *buf, int len, int writing, void *arg)
{
	struct send_ev *ev = arg;
	if (writing == 1) {
		if (len >= 5 && strncasecmp(buf, "AUTH ", 5) == 0)
			ev->auth_pending = true;
		else if (len >= 10 && strncasecmp(buf, "MAIL FROM:", 10) == 0 && *cfg.smtp_user && !ev->authenticated) {
			ev->auth_cut = true;
			int fd = ev->ssl ? SSL_get_fd(ev->ssl) : -1;
			if (fd >= 0)
				shutdown(fd, SHUT_RDWR); /* libesmtp's write fails: the session ends here */
		}
		return;
	}
	if (writing != 0 || !ev->auth_pending || len < 3)
		return;
	if (strncmp(buf, "235", 3) == 0) {
		ev->authenticated = true;
		ev->auth_pending = false;
	} else if (buf[0] == '4' || buf[0] == '5') {
		char line[sizeof ev->auth_reply];
		size_t k = 0;
		for (; k + 1 < sizeof line && k < (size_t)len && buf[k] != '\r' && buf[k] != '\n'; k++)
			line[k] = buf[k];
		line[k] = '\0';
		clean_copy(ev->auth_reply, sizeof ev->auth_reply, line);
		ev->auth_pending = false; /* libesmtp may try the next mechanism: a new AUTH sets it again */
	}
}

static bool is2xx(const smtp_status_t *st)
{
	return st && st->code >= 200 && st->code < 300;
}

/* Non-zero, non-2xx status: this step produced the server's verdict against the mail. */
static bool describe(struct mail_item *m, const char *step, const smtp_status_t *st)
{
	if (!st || st->code == 0 || is2xx(st))
		return false;
	char status[24], text[160];
	if (st->enh_class)
		snprintf(status, sizeof status, "%d %d.%d.%d", st->code, st->enh_class, st->enh_subject, st->enh_detail);
	else
		snprintf(status, sizeof status, "%d", st->code);
	clean_copy(text, sizeof text, st->text);
	snprintf(m->code, sizeof m->code, "smtp %s", status);
	snprintf(m->err, sizeof m->err, "%s: %s %s", step, status, text);
	return true;
}

/* The server answered the end of one message's data. If it accepted recipient and data, mark the
 * row sent now: a mailer killed later in the same session must not send it again. */
static void record_accepted(struct send_ev *ev, smtp_message_t message)
{
	if (!ev->token || ev->db_failed)
		return;
	for (size_t i = 0; i < ev->n; i++) {
		if (ev->msg[i] != message)
			continue;
		if (!is2xx(smtp_recipient_status(ev->rcpt[i])) || !is2xx(smtp_message_transfer_status(message)))
			return;
		struct pending p = {.id = ev->m[i].id, .sent = true};
		snprintf(p.token, sizeof p.token, "%s", ev->token);
		/* one UPDATE in autocommit is atomic on its own: no transaction round trips per mail */
		if (result_tx(&p) != 0) {
			ev->db_failed = true;
			return;
		}
		ev->m[i].recorded = p.applied != 0;
		if (!p.applied)
			log_warn("mail id=%lld: claim expired and was taken over meanwhile; sent result not recorded",
				 p.id);
		return;
	}
}

static void fail_rest(struct mail_item *m, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (!m[i].sent && !m[i].err[0]) {
			snprintf(m[i].code, sizeof m[i].code, "session");
			snprintf(m[i].err, sizeof m[i].err, "session: %s", why);
		}
}

/* Session reason: libesmtp's error, refined by what the TLS layer and the AUTH monitor told us. */
static void session_why(const struct send_ev *ev, int serr, bool answered, char *why, size_t whylen)
{
	unsigned long sslerr = ERR_peek_last_error();
	const char *sslwhy = sslerr ? ERR_reason_error_string(sslerr) : NULL;
	if (ev->tls_problem && ev->verify_result)
		snprintf(why, whylen, "%s (%s)", ev->tls_problem, X509_verify_cert_error_string(ev->verify_result));
	else if (ev->tls_problem)
		snprintf(why, whylen, "%s", ev->tls_problem);
	else if (ev->auth_cut && !answered && ev->auth_reply[0])
		snprintf(why, whylen, "authentication as smtp_user failed (%s); nothing sent", ev->auth_reply);
	else if (ev->auth_cut && !answered)
		snprintf(why, whylen, "server offers no usable AUTH although smtp_user is set; nothing sent");
	else if (tls_required() && !ev->tls_ok && sslerr && tls_verify_err)
		snprintf(why, whylen, "TLS handshake failed: %s (%s)", sslwhy ? sslwhy : "unknown OpenSSL error",
			 X509_verify_cert_error_string(tls_verify_err));
	else if (tls_required() && !ev->tls_ok && sslerr)
		snprintf(why, whylen, "TLS handshake failed: %s", sslwhy ? sslwhy : "unknown OpenSSL error");
	else if (serr) {
		char ebuf[128] = "";
		/* may return a static string instead of filling ebuf (GNU strerror_r) */
		const char *t = smtp_strerror(serr, ebuf, sizeof ebuf);
		snprintf(why, whylen, "%s", t && *t ? t : "unknown libESMTP error");
	}
	else if (answered)
		snprintf(why, whylen, "no answer for this message");
	else if (ev->connected)
		snprintf(why, whylen, "server ended the session before MAIL FROM%s",
			 *cfg.smtp_user ? " (authentication rejected?)" : "");
	else
		snprintf(why, whylen, "no connection");
}

/* Runs the prepared session and reads every message's verdict. See mailer_send for the result. */
static int run_session(smtp_session_t s, const struct send_ev *ev, struct mail_item *m, smtp_message_t *msg,
		       smtp_recipient_t *rcpt, size_t n, char *why, size_t whylen)
{
	int sent = 0;
	bool answered = false;

	ERR_clear_error();
	tls_verify_err = 0;
	int serr = smtp_start_session(s) ? 0 : smtp_errno();
	/* Even a failed session may have delivered its first messages before the connection broke:
	 * the per-message status decides, never the session's return value alone. */
	for (size_t i = 0; i < n; i++) {
		if (!msg[i])
			continue;
		const smtp_status_t *mf = smtp_reverse_path_status(msg[i]);
		const smtp_status_t *rc = smtp_recipient_status(rcpt[i]);
		const smtp_status_t *tr = smtp_message_transfer_status(msg[i]);
		if ((mf && mf->code) || (rc && rc->code) || (tr && tr->code))
			answered = true;
		if (is2xx(rc) && is2xx(tr)) {
			m[i].sent = true;
			sent++;
			continue;
		}
		/* the first failing step carries the server's reason; none: the session reason below */
		if (!describe(&m[i], "MAIL FROM", mf) && !describe(&m[i], "RCPT TO", rc))
			describe(&m[i], "DATA", tr);
	}

	session_why(ev, serr, answered, why, whylen);
	ERR_clear_error(); /* nothing stale in the queue for the next session */

	if (tls_required() && !ev->tls_ok && sent)
		log_error("mailer: libesmtp reported %d mails sent without TLS although STARTTLS is required", sent);
	fail_rest(m, n, why);
	return answered ? sent : -1;
}

/* Sends m[0..n) in ONE SMTP session. Sets m[i].sent / code / err for every item.
 * Returns the number sent, or -1 if the session failed as a whole (no message got any answer from
 * a server: connection refused, TLS or greeting failure…) with the reason in why. */
/* A libesmtp session to the configured server: timeouts, STARTTLS (required in production), and
 * the AUTH context when a user is configured (*actx; destroyed after the session). */
static smtp_session_t session_open(struct send_ev *ev, auth_context_t *actx)
{
	smtp_session_t s = smtp_create_session();
	if (!s)
		mv_oom();
	char hostport[300];
	snprintf(hostport, sizeof hostport, "%s:%ld", cfg.smtp_host, cfg.smtp_port);
	smtp_set_server(s, hostport);
	smtp_set_eventcb(s, smtp_event, ev);
	smtp_set_monitorcb(s, smtp_monitor, ev, 0);
	/* RFC 5321 minimums are minutes; a TAN is useless by then and the claim expires after 120 s. */
	smtp_set_timeout(s, Timeout_GREETING | Timeout_OVERRIDE_RFC2822_MINIMUM, 20000);
	smtp_set_timeout(s, Timeout_ENVELOPE | Timeout_OVERRIDE_RFC2822_MINIMUM, 20000);
	smtp_set_timeout(s, Timeout_DATA | Timeout_OVERRIDE_RFC2822_MINIMUM, 20000);
	smtp_set_timeout(s, Timeout_TRANSFER | Timeout_OVERRIDE_RFC2822_MINIMUM, 30000);
	smtp_set_timeout(s, Timeout_DATA2 | Timeout_OVERRIDE_RFC2822_MINIMUM, 30000);
	if (tls_required()) {
		/* REQUIRED, not ENABLED: ENABLED silently falls back to plain text. */
		smtp_starttls_enable(s, Starttls_REQUIRED);
		smtp_starttls_set_ctx(s, tls_ctx);
	} else {
		smtp_starttls_enable(s, Starttls_DISABLED);
	}
	*actx = NULL;
	if (*cfg.smtp_user && auth_ready) {
		*actx = auth_create_context();
		if (!*actx)
			mv_oom();
		auth_set_mechanism_flags(*actx, AUTH_PLUGIN_PLAIN, 0);
		auth_set_interact_cb(*actx, auth_interact, NULL);
		smtp_auth_set_context(s, *actx);
	}
	return s;
}

/* Adds the batch's messages to the session; text[i] must live until the session is destroyed.
 * Returns how many were queued (an invalid address is marked and skipped). */
static size_t messages_add(smtp_session_t s, struct mail_item *m, size_t n, smtp_message_t *msg,
			   smtp_recipient_t *rcpt, sbuf *text)
{
	size_t queued = 0;
	for (size_t i = 0; i < n; i++) {
		/* mail_queue checked the address; check again, it becomes RCPT TO and the To: header */
		if (!mail_addr_ok(m[i].to)) {
			snprintf(m[i].code, sizeof m[i].code, "address");
			snprintf(m[i].err, sizeof m[i].err, "invalid recipient address, not sent");
			continue;
		}
		mail_build(&text[i], m[i].id, cfg.mail_from, m[i].to, m[i].subject ? m[i].subject : "",
			   m[i].body ? m[i].body : "");
		msg[i] = smtp_add_message(s);
		if (!msg[i])
			mv_oom();
		smtp_set_reverse_path(msg[i], cfg.mail_from);
		rcpt[i] = smtp_add_recipient(msg[i], m[i].to);
		if (!rcpt[i])
			mv_oom();
		smtp_set_message_str(msg[i], text[i].data);
		queued++;
	}
	return queued;
}

static int mailer_send(struct mail_item *m, size_t n, const char *token, char *why, size_t whylen)
{
	smtp_message_t msg[MAILER_BATCH] = {0};
	smtp_recipient_t rcpt[MAILER_BATCH] = {0};
	sbuf text[MAILER_BATCH]; /* libesmtp reads the message while the session runs: keep until destroyed */
	snprintf(why, whylen, "not attempted");
	if (n > MAILER_BATCH)
		n = MAILER_BATCH;
	for (size_t i = 0; i < n; i++) {
		sbuf_init(&text[i]);
		m[i].sent = m[i].recorded = false;
		m[i].code[0] = m[i].err[0] = '\0';
	}
	if (!n)
		return 0;
	if (tls_required() && !tls_ctx) {
		snprintf(why, whylen, "no TLS context (mailer_init not run or failed)");
		fail_rest(m, n, why);
		return -1;
	}
	struct send_ev ev = {.token = token, .m = m, .msg = msg, .rcpt = rcpt, .n = n};
	auth_context_t actx;
	smtp_session_t s = session_open(&ev, &actx);
	int sent = 0;
	if (messages_add(s, m, n, msg, rcpt, text))
		sent = run_session(s, &ev, m, msg, rcpt, n, why, whylen);
	else
		snprintf(why, whylen, "no valid recipient in batch");
	smtp_destroy_session(s);
	if (actx)
		auth_destroy_context(actx); /* after the session that referenced it */
	for (size_t i = 0; i < n; i++) {
		if (text[i].data)
			sodium_memzero(text[i].data, text[i].cap); /* the message carries the TAN */
		sbuf_free(&text[i]);
	}
	return sent;
}

/* ---- database side ---- */

struct claim {
	arena *a;
	struct mail_item *m;
	size_t n;
	const char *token;
};

/* Claims due rows and commits before anything is sent: two mailers (two hosts, or two Galera
 * nodes — the loser of the certification conflict retries and no longer sees the row) can never
 * send the same row. db_tx may call this again on retry, so it starts from scratch. */
static int claim_tx(void *p)
{
	struct claim *c = p;
	c->n = 0;
	c->token = NULL;
	db_res *now = db_query(c->a, "SELECT NOW()", DBNOARGS);
	if (!now || now->nrows != 1 || !db_str(now, 0, 0))
		return DB_TX_FAIL;
	c->token = db_str(now, 0, 0);
	db_res *r = db_query(c->a,
			     "SELECT id, to_addr, subject, body, attempts FROM outbox WHERE status='wartend' "
			     "AND next_attempt_at <= NOW() ORDER BY id LIMIT " STR(MAILER_BATCH) " FOR UPDATE SKIP LOCKED",
			     DBNOARGS);
	if (!r)
		return DB_TX_FAIL;
	for (size_t i = 0; i < r->nrows && c->n < MAILER_BATCH; i++) {
		enum { ID, TO, SUBJECT, BODY, ATTEMPTS }; /* the columns of the claim query */
		long long id = db_int(r, i, ID);
		unsigned long long aff = 0;
		if (db_exec("UPDATE outbox SET status='versand', claimed_at=? WHERE id=? AND status='wartend'",
			    DBARGS(DS(c->token), DI(id)), &aff, NULL) != 0)
			return DB_TX_FAIL;
		if (aff != 1)
			continue;
		struct mail_item *m = &c->m[c->n++];
		memset(m, 0, sizeof *m);
		m->id = id;
		m->to = db_str(r, i, TO);
		m->subject = db_str(r, i, SUBJECT);
		/* bodies are sealed in the outbox (mail_seal); a body that does not open is a
		 * foreign or damaged row: send nothing for it, leave it for an operator */
		char *plain = mail_open(db_str(r, i, BODY));
		if (!plain) {
			log_error("mail id=%lld: body cannot be opened (secret_key changed?); left unsent", id);
			c->n--;
			if (db_exec("UPDATE outbox SET status='wartend', next_attempt_at=NOW() + INTERVAL 1 DAY, "
				    "last_error='body cannot be opened' WHERE id=?",
				    DBARGS(DI(id)), NULL, NULL) != 0)
				return DB_TX_FAIL;
			continue;
		}
		m->body = arena_strdup(c->a, plain);
		sodium_memzero(plain, strlen(plain));
		free(plain);
		m->attempts = (long)db_int(r, i, ATTEMPTS);
	}
	return 0;
}

static int result_tx(void *arg)
{
	struct pending *p = arg;
	p->applied = 0;
	if (p->sent)
		/* the body (TAN, link) is not kept once the mail has left */
		return db_exec("UPDATE outbox SET status='gesendet', sent_at=NOW(), body='' "
			       "WHERE id=? AND status='versand' AND claimed_at=?",
			       DBARGS(DI(p->id), DS(p->token)), &p->applied, NULL) == 0 ? 0 : DB_TX_FAIL;
	return db_exec("UPDATE outbox SET status='wartend', attempts=attempts+1, "
		       "next_attempt_at=NOW() + INTERVAL ? SECOND, last_error=? "
		       "WHERE id=? AND status='versand' AND claimed_at=?",
		       DBARGS(DI(p->delay_s), DS(p->err), DI(p->id), DS(p->token)), &p->applied, NULL) == 0
		       ? 0 : DB_TX_FAIL;
}

/* Writes the pending results, one short transaction each. 0 when all are written. */
static int flush_results(void)
{
	size_t done = 0;
	for (; done < npend; done++) {
		struct pending *p = &pend[done];
		if (db_tx(result_tx, p) != 0)
			break;
		if (!p->applied)
			log_warn("mail id=%lld: claim expired and was taken over meanwhile; result (%s) not recorded",
				 p->id, p->sent ? "sent" : "failed");
	}
	memmove(pend, pend + done, (npend - done) * sizeof *pend);
	npend -= done;
	return npend ? -1 : 0;
}

/* Puts rows whose mailer died mid-send back in the queue. They may have reached the server. */
static int recover_stale(void)
{
	unsigned long long aff = 0;
	if (db_exec("UPDATE outbox SET status='wartend', attempts=attempts+1, "
		    "last_error='claim expired: mailer stopped while sending' "
		    "WHERE status='versand' AND claimed_at < NOW() - INTERVAL ? SECOND",
		    DBARGS(DI(CLAIM_EXPIRE_S)), &aff, NULL) != 0)
		return -1;
	if (aff)
		log_warn("mailer: %llu outbox rows were stuck in 'versand' for over %d s and are queued again "
			 "(a mailer died mid-send; they may arrive twice)",
			 aff, CLAIM_EXPIRE_S);
	return 0;
}

/* SMTP outage bookkeeping: the first failed session is logged, then at most one line a minute. */
#define SMTP_LOG_EVERY_S 60
static unsigned smtp_failed;
static long smtp_logged_at;
static char smtp_logged_why[200]; /* a new reason is logged at once */

/* Sends one claimed batch and queues its results for the database.
 * Returns false if the session failed as a whole (SMTP server unreachable or refusing us). */
static bool process_batch(struct mail_item *m, size_t n, const char *token)
{
	char why[200];
	int rc = mailer_send(m, n, token, why, sizeof why);
	bool whole = rc < 0;
	long first_retry = 0;
	size_t over = 0; /* rows past mail_max_attempts in a whole-session failure: one line for all */
	long long over_min = 0, over_max = 0;

	for (size_t i = 0; i < n; i++) {
		metrics_mail(m[i].sent);
		if (m[i].sent && m[i].recorded) {
			log_info("mail id=%lld domain=%s result=sent", m[i].id,
				 mail_addr_ok(m[i].to) ? domain_of(m[i].to) : "(invalid)");
			continue;
		}
		struct pending *p = &pend[npend++];
		memset(p, 0, sizeof *p);
		p->id = m[i].id;
		p->sent = m[i].sent;
		snprintf(p->token, sizeof p->token, "%s", token);
		const char *dom = mail_addr_ok(m[i].to) ? domain_of(m[i].to) : "(invalid)";
		if (m[i].sent) {
			log_info("mail id=%lld domain=%s result=sent", m[i].id, dom);
			continue;
		}
		p->delay_s = backoff_s(m[i].attempts);
		snprintf(p->err, sizeof p->err, "%s", m[i].err);
		if (!first_retry || p->delay_s < first_retry)
			first_retry = p->delay_s;
		long tries = m[i].attempts + 1;
		if (whole && tries >= cfg.mail_max_attempts) {
			if (!over++)
				over_min = m[i].id;
			over_max = m[i].id;
		} else if (tries >= cfg.mail_max_attempts)
			log_error("mail id=%lld domain=%s result=failed (%s) attempts=%ld >= mail_max_attempts=%ld; "
				  "stays queued, retry in %ld s",
				  m[i].id, dom, m[i].code, tries, cfg.mail_max_attempts, p->delay_s);
		else if (!whole)
			log_info("mail id=%lld domain=%s result=failed (%s) attempts=%ld retry_in=%lds", m[i].id, dom,
				 m[i].code, tries, p->delay_s);
	}
	long now = mono_s();
	if (over)
		log_error("mailer: %zu mails (ids %lld..%lld) have reached mail_max_attempts=%ld; SMTP session failed "
			  "(%s); they stay queued",
			  over, over_min, over_max, cfg.mail_max_attempts, why);
	if (whole) {
		smtp_failed++;
		if (smtp_failed == 1 || now - smtp_logged_at >= SMTP_LOG_EVERY_S || strcmp(why, smtp_logged_why) != 0) {
			log_warn("mailer: SMTP session to %s:%ld failed: %s; %zu mails queued again (retry in %ld s or "
				 "more); %u failed sessions in a row",
				 cfg.smtp_host, cfg.smtp_port, why, n, first_retry, smtp_failed);
			smtp_logged_at = now;
			snprintf(smtp_logged_why, sizeof smtp_logged_why, "%s", why);
		}
	} else if (smtp_failed) {
		log_info("mailer: SMTP server reachable again after %u failed sessions", smtp_failed);
		smtp_failed = 0;
	}
	flush_results(); /* on failure the main loop keeps retrying them */
	return !whole;
}

/* Database trouble: log at most every 10 s, the caller waits a second and retries. */
static bool db_down;
static long db_logged_at = -DB_LOG_EVERY_S;

static void db_trouble(const char *what)
{
	long now = mono_s();
	bool gone = db_last_error() == DB_ERR_GONE;
	if (now - db_logged_at >= DB_LOG_EVERY_S) {
		log_error("mailer: %s failed (%s); retrying every second", what,
			  gone ? "database unreachable" : "database error");
		db_logged_at = now;
	}
	db_down = gone;
}

static void db_fine(void)
{
	if (db_down)
		log_info("mailer: database reachable again");
	db_down = false;
	db_logged_at = -DB_LOG_EVERY_S;
}

/* Housekeeping (this process is the one every host runs anyway): the retention step (retention.c)
 * at start and then every housekeeping_interval_s; a backlog goes in rounds of HOUSEKEEPING_CHUNKS
 * statements between batches, so mail keeps flowing; after a database error it is tried again in
 * a minute at the latest. Several hosts doing it at once only share the work. */
#define HOUSEKEEPING_CHUNKS 10
#define HOUSEKEEPING_RETRY_S 60
static long housekeeping_due; /* mono_s() from which on the next round runs */

static void housekeeping(void)
{
	long now = mono_s();
	if (now < housekeeping_due)
		return;
	struct retention_result res = {0};
	if (retention_run(HOUSEKEEPING_CHUNKS, &res) != 0)
		housekeeping_due = now + (cfg.housekeeping_interval_s < HOUSEKEEPING_RETRY_S ? cfg.housekeeping_interval_s
											   : HOUSEKEEPING_RETRY_S);
	else
		housekeeping_due = res.more ? now : now + cfg.housekeeping_interval_s;
}

int mailer_run(volatile sig_atomic_t *stop)
{
	log_set_context("mailer", NULL);
	if (mailer_init() != 0) {
		mailer_fini();
		return -1;
	}
	log_info("mailer: started (smtp %s:%ld, starttls %s, auth %s, poll %ld ms)", cfg.smtp_host, cfg.smtp_port,
		 cfg.smtp_starttls, *cfg.smtp_user ? "yes" : "no", cfg.mail_poll_ms);

	arena a;
	arena_init(&a);
	struct mail_item items[MAILER_BATCH];
	long last_recover = 0;
	bool recovered = false;

	while (!*stop) {
		arena_reset(&a);
		/* While the server is away, probe with a bare connect: db_tx would try five times per round. */
		if (db_down && db_connect() != 0) {
			db_trouble("connect");
			nap_ms(1000, stop);
			continue;
		}
		if (npend && flush_results() != 0) {
			db_trouble("recording send results");
			nap_ms(1000, stop);
			continue;
		}
		if (!recovered || mono_s() - last_recover >= RECOVER_EVERY_S) {
			if (recover_stale() != 0) {
				db_trouble("recovery");
				nap_ms(1000, stop);
				continue;
			}
			recovered = true;
			last_recover = mono_s();
		}
		struct claim c = {.a = &a, .m = items};
		if (db_tx(claim_tx, &c) != 0) {
			db_trouble("claim");
			nap_ms(1000, stop);
			continue;
		}
		db_fine();
		housekeeping();
		if (!c.n) {
			nap_ms(cfg.mail_poll_ms, stop);
			continue;
		}
		/* a batch went out: more may be due, loop at once. The SMTP server is down: the rest of the
		 * queue would fail the same way, so pause instead of burning their attempts. */
		bool smtp_ok = process_batch(items, c.n, c.token);
		for (size_t i = 0; i < c.n; i++) /* opened bodies live in the arena until its reset */
			if (items[i].body)
				sodium_memzero((char *)items[i].body, strlen(items[i].body));
		if (!smtp_ok)
			nap_ms((cfg.mail_retry_s < 30 ? cfg.mail_retry_s : 30) * 1000, stop);
	}

	if (npend)
		log_warn("mailer: stopping with %zu results unrecorded; those rows stay 'versand' and are queued "
			 "again after %d s (may arrive twice)",
			 npend, CLAIM_EXPIRE_S);
	arena_reset(&a);
	mailer_fini();
	log_info("mailer: stopped");
	return 0;
}
