/* main.c — the one binary: `serve` (master → workers + mailer), `migrate`, `cli …`, `dev-seed`.
 * The master binds the FastCGI unix socket (0660), forks N prefork workers and one mailer,
 * restarts dead children with back-off, recycles workers after M requests, stops gracefully
 * on SIGTERM and reloads its configuration on SIGHUP. No threads. */
#include "cli.h"
#include "access.h"
#include "pages.h"
#include "secret.h"
#include "web.h"
#include "config.h"
#include "db.h"
#include "html.h"
#include "log.h"
#include "mail.h"
#include "metrics.h"
#include "pages.h"
#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *config_path;
static volatile sig_atomic_t got_term, got_hup, got_chld;
static volatile sig_atomic_t in_request;

enum child_kind { CHILD_WORKER, CHILD_MAILER };

struct child {
	pid_t pid;
	enum child_kind kind;
	time_t started;
	time_t restart_at; /* back-off after a crash */
	int crashes;
};

static struct child *children;
static size_t nchildren;

static void on_master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void on_worker_term(int sig)
{
	(void)sig;
	if (!in_request)
		_exit(0); /* idle in accept(): nothing to finish */
	got_term = 1;     /* finish the request in flight, then leave */
}

static void set_signal(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static int load_config(char *err, size_t errlen)
{
	if (config_load(config_path, err, errlen) != 0)
		return -1;
	enum log_level lvl = LOG_INFO;
	if (strcmp(cfg.log_level, "debug") == 0)
		lvl = LOG_DEBUG;
	else if (strcmp(cfg.log_level, "warn") == 0)
		lvl = LOG_WARN;
	else if (strcmp(cfg.log_level, "error") == 0)
		lvl = LOG_ERROR;
	log_set_level(lvl);
	return 0;
}

static void child_signals_reset(void)
{
	set_signal(SIGHUP, SIG_DFL);
	set_signal(SIGCHLD, SIG_DFL);
	set_signal(SIGINT, SIG_DFL);
	set_signal(SIGPIPE, SIG_IGN);
}

/* A worker keeps its heap between requests: glibc would otherwise give the top of the heap back
 * after every request (brk) and take it again for the next, and hand blocks over 128 KiB to
 * mmap/munmap each time (together 7 % of a long page's CPU). Blocks of 1 MiB and more — upload
 * bodies and documents, never a page's own buffers — still come from mmap and go back when freed,
 * so a worker that handled a 10 MB upload returns to its usual size (a fixed threshold also stops
 * glibc from raising it after the first large block). */
static void worker_heap_keep(void)
{
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
}

static void worker_main(int listen_fd)
{
	child_signals_reset();
	set_signal(SIGTERM, on_worker_term);
	tpl_clear_cache();
	if (FCGX_Init() != 0)
		_exit(1);
	FCGX_Request fr;
	FCGX_InitRequest(&fr, listen_fd, 0);
	worker_heap_keep();
	worker_init();
	long served = 0;
	while (!got_term && served < cfg.worker_max_requests) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		in_request = 1;
		worker_handle_fcgi(&fr);
		FCGX_Finish_r(&fr);
		in_request = 0;
		served++;
	}
	if (served >= cfg.worker_max_requests)
		metrics_worker_recycled();
	db_close();
	_exit(0);
}

static void mailer_main(void)
{
	child_signals_reset();
	set_signal(SIGTERM, on_master_signal); /* sets got_term: finish the batch, then stop */
	int rc = mailer_run(&got_term);
	db_close();
	_exit(rc == 0 ? 0 : 1);
}

static void child_start(struct child *c, int listen_fd)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("fork failed: %s", strerror(errno));
		c->restart_at = time(NULL) + 1;
		return;
	}
	if (pid == 0) {
		if (c->kind == CHILD_WORKER)
			worker_main(listen_fd);
		else {
			close(listen_fd);
			mailer_main();
		}
	}
	c->pid = pid;
	c->started = time(NULL);
	c->restart_at = 0;
}

static void reap(void)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < nchildren; i++) {
			struct child *c = &children[i];
			if (c->pid != pid)
				continue;
			c->pid = 0;
			bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			/* SIGKILL is never the program's own fault (an operator, the OOM killer): no crash
			 * loop to slow down, so restart at once — else a few kills leave no worker for 30 s */
			bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
			if (!clean) {
				/* crashed soon after start: back off 1, 2, 4 … 30 s */
				if (!killed)
					c->crashes = time(NULL) - c->started < 10 ? c->crashes + 1 : 0;
				int delay = c->crashes && !killed ? 1 << (c->crashes > 5 ? 5 : c->crashes - 1) : 0;
				if (delay > 30)
					delay = 30;
				c->restart_at = time(NULL) + delay;
				if (!got_term)
					metrics_child_restarted(c->kind == CHILD_WORKER);
				log_warn("%s pid %d ended (%s %d); restart in %d s",
					 c->kind == CHILD_WORKER ? "worker" : "mailer", (int)pid,
					 WIFSIGNALED(status) ? "signal" : "exit",
					 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), delay);
			} else {
				c->crashes = 0;
				c->restart_at = 0;
			}
		}
	}
}

static void children_signal(int sig)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid > 0)
			kill(children[i].pid, sig);
}

static bool children_alive(void)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid > 0)
			return true;
	return false;
}

/* The master's record for /status, /metrics and `mvctl status`: who runs, every round; the status
 * file every STATUS_EVERY rounds (2 s). */
enum { STATUS_EVERY = 10 };

static void children_record(void)
{
	static unsigned round;
	long workers = 0, alive = 0;
	bool mailer = false;
	for (size_t i = 0; i < nchildren; i++) {
		if (children[i].kind == CHILD_MAILER) {
			mailer = children[i].pid > 0;
			continue;
		}
		workers++;
		alive += children[i].pid > 0;
	}
	metrics_children(workers, alive, mailer);
	if (round++ % STATUS_EVERY == 0)
		metrics_status_write();
}

static void children_layout(void)
{
	nchildren = (size_t)cfg.workers + 1;
	children = xcalloc(nchildren, sizeof *children);
	for (size_t i = 0; i < nchildren; i++)
		children[i].kind = i + 1 == nchildren ? CHILD_MAILER : CHILD_WORKER;
}

static int serve(void)
{
	if (static_pages_load(!cfg.dev_mode) != 0) {
		log_error("refusing to start");
		return 1;
	}
	unlink(cfg.fcgi_socket);
	mode_t old = umask(0117);
	int fd = FCGX_OpenSocket(cfg.fcgi_socket, 128);
	umask(old);
	if (fd < 0) {
		log_error("cannot bind FastCGI socket %s", cfg.fcgi_socket);
		return 1;
	}
	chmod(cfg.fcgi_socket, 0660);
	set_signal(SIGTERM, on_master_signal);
	set_signal(SIGINT, on_master_signal);
	set_signal(SIGHUP, on_master_signal);
	set_signal(SIGCHLD, on_master_signal);
	set_signal(SIGPIPE, SIG_IGN);
	if (pw_gate_init() != 0)
		log_warn("argon2id gate unavailable: %s", strerror(errno));
	children_layout();
	if (metrics_init() != 0)
		log_warn("running without metrics");
	for (size_t i = 0; i < routes_count; i++)
		metrics_class_add(routes[i].name);
	log_info("master pid %d: %ld workers + mailer on %s", (int)getpid(), cfg.workers, cfg.fcgi_socket);
	for (;;) {
		if (got_term)
			break;
		if (got_hup) {
			got_hup = 0;
			char err[512];
			if (load_config(err, sizeof err) != 0) {
				log_error("reload refused, keeping the old configuration: %s", err);
			} else if (static_pages_load(!cfg.dev_mode) != 0) {
				log_error("reload refused, keeping the running workers and the legal pages they serve");
			} else {
				log_info("configuration reloaded; restarting children");
				children_signal(SIGTERM);
				while (children_alive()) {
					reap();
					usleep(50000);
				}
				free(children);
				children_layout();
			}
		}
		reap();
		time_t now = time(NULL);
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].pid == 0 && children[i].restart_at <= now)
				child_start(&children[i], fd);
		children_record();
		usleep(200000);
	}
	log_info("stopping: waiting for requests in flight");
	children_signal(SIGTERM);
	for (int i = 0; i < 100 && children_alive(); i++) {
		reap();
		usleep(100000);
	}
	if (children_alive()) {
		children_signal(SIGKILL);
		while (children_alive()) {
			reap();
			usleep(50000);
		}
	}
	close(fd);
	unlink(cfg.fcgi_socket);
	char status_file[1024];
	metrics_status_path(status_file, sizeof status_file);
	unlink(status_file);
	log_info("stopped");
	return 0;
}

/* The exit status of a refused configuration (sysexits' EX_CONFIG): scripts/stack tells it apart. */
enum { EXIT_CONFIG = 78 };

static void usage(void)
{
	fprintf(stderr, "usage: meineversorgung [--config FILE] serve | migrate [SQL_DIR] | dev-seed | cli …\n"
			"       (MV_CONFIG names the config file too; MV_<KEY> overrides any key;\n"
			"       exit status 78 when the configuration is refused)\n");
}

int main(int argc, char **argv)
{
	int i = 1;
	config_path = getenv("MV_CONFIG");
	if (i + 1 < argc && strcmp(argv[i], "--config") == 0) {
		config_path = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	if (secret_init() != 0) {
		fprintf(stderr, "libsodium initialisation failed\n");
		return 1;
	}
	char err[512];
	if (load_config(err, sizeof err) != 0) {
		fprintf(stderr, "configuration error: %s\n", err);
		return EXIT_CONFIG;
	}
	const char *cmd = argv[i];
	if (strcmp(cmd, "serve") == 0)
		return serve();
	if (strcmp(cmd, "migrate") == 0) {
		const char *dir = i + 1 < argc ? argv[i + 1] : NULL;
		char buf[1024];
		if (!dir) {
			snprintf(buf, sizeof buf, "%s/../sql", cfg.html_dir);
			dir = buf;
		}
		int rc = db_migrate(dir);
		if (rc == 0) /* what SQL cannot do (migration 009): filter keys of older rows, the FAQ's stems */
			rc = account_keys_fill() == 0 && faq_stems_fill() == 0 ? 0 : 1;
		db_close();
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(cmd, "dev-seed") == 0) {
		if (!cfg.dev_mode) {
			fprintf(stderr, "dev-seed only runs with dev_mode = 1 (demo data never goes to production)\n");
			return 1;
		}
		int rc = dev_seed();
		db_close();
		return rc;
	}
	if (strcmp(cmd, "cli") == 0) {
		int rc = cli_main(argc - i - 1, argv + i + 1);
		db_close();
		return rc;
	}
	usage();
	return 2;
}
