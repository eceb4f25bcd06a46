/* main.c — the one binary: `serve` (master → workers + mailer), `migrate`, `cli …`, `dev-seed`.
 * The master binds the FastCGI unix socket (0660), forks N prefork workers and one mailer,
 * restarts dead children with back-off, recycles workers after M requests, stops gracefully
 * on SIGTERM, reloads its configuration on SIGHUP (new workers first, then the old ones finish
 * their request and leave) and replaces its own binary on SIGUSR2 (README "Upgrades": the master
 * re-execs the file it was started from under the same pid, hands over the listening socket,
 * starts new workers and retires the old ones — no request sees a gap). No threads. */
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
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *config_path;
static volatile sig_atomic_t got_term, got_hup, got_chld, got_usr2;
static char self_exe[PATH_MAX]; /* the binary the master was started from: SIGUSR2 re-execs it */
static char **self_argv;

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

/* The previous generation after a reload or a binary upgrade: asked to leave once the new one is
 * started (retire_in rounds later), killed if a request still runs after RETIRE_KILL_S. */
enum { RETIRE_MAX = 1024, RETIRE_KILL_S = 30 };
static pid_t retiring[RETIRE_MAX];
static size_t nretiring;
static int retire_in = -1;
static time_t retire_since;

static void on_master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		got_term = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
}

static void on_worker_term(int sig)
{
	(void)sig;
	got_term = 1; /* only ever delivered while waiting for a connection (worker_accept) */
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
	set_signal(SIGUSR2, SIG_DFL);
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

/* Waits for the next connection with SIGTERM unblocked only while waiting: a worker told to
 * leave while idle leaves at once, and no request — neither one just accepted nor one in flight —
 * is ever cut off by the signal (it stays pending until the worker waits again). The listening
 * socket is non-blocking, so a worker that loses the race for a connection waits again. Returns
 * the connection, or -1 when the worker is to leave. */
static int worker_accept(int listen_fd, const sigset_t *waitmask)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	while (!got_term) {
		int n = ppoll(&p, 1, NULL, waitmask);
		if (n < 0 && errno != EINTR) {
			log_error("worker: poll on the FastCGI socket: %s", strerror(errno));
			return -1;
		}
		if (n <= 0 || got_term)
			continue;
		int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED) {
			log_error("worker: accept: %s", strerror(errno));
			return -1;
		}
	}
	return -1;
}

static void worker_main(int listen_fd)
{
	child_signals_reset();
	set_signal(SIGTERM, on_worker_term);
	sigset_t term, waitmask;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	tpl_clear_cache();
	if (FCGX_Init() != 0)
		_exit(1);
	FCGX_Request fr;
	FCGX_InitRequest(&fr, listen_fd, 0);
	worker_heap_keep();
	worker_init();
	long served = 0;
	while (served < cfg.worker_max_requests) {
		int c = worker_accept(listen_fd, &waitmask);
		if (c < 0)
			break;
		/* libfcgi reads a connection already in ipcFd instead of accepting one; keepConnection
		 * stops its FCGX_Finish_r of the previous request from closing the new one */
		fr.ipcFd = c;
		fr.keepConnection = 1;
		if (FCGX_Accept_r(&fr) < 0)
			continue; /* the peer went away before its request was read */
		worker_handle_fcgi(&fr);
		FCGX_Finish_r(&fr);
		if (fr.ipcFd >= 0) /* nginx asked to keep the connection: not used, close it */
			FCGX_Free(&fr, 1);
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
		for (size_t i = 0; i < nretiring; i++)
			if (retiring[i] == pid)
				retiring[i--] = retiring[--nretiring];
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

static void children_layout(void)
{
	nchildren = (size_t)cfg.workers + 1;
	children = xcalloc(nchildren, sizeof *children);
	for (size_t i = 0; i < nchildren; i++)
		children[i].kind = i + 1 == nchildren ? CHILD_MAILER : CHILD_WORKER;
}

static void retiring_signal(int sig)
{
	for (size_t i = 0; i < nretiring; i++)
		kill(retiring[i], sig);
}

static bool children_alive(void)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid > 0)
			return true;
	return nretiring > 0;
}

/* The running children become the previous generation; a new one is started in this round. */
static void children_retire(void)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i].pid > 0 && nretiring < RETIRE_MAX)
			retiring[nretiring++] = children[i].pid;
	free(children);
	children_layout();
	retire_in = 2;
}

/* Once the new generation runs (two rounds, 400 ms), the old one is asked to leave: each worker
 * finishes its request; SIGKILL only for one still busy after RETIRE_KILL_S. */
static void retiring_step(void)
{
	if (retire_in > 0 && --retire_in == 0) {
		retiring_signal(SIGTERM);
		retire_since = time(NULL);
		log_info("previous generation (%zu processes) asked to finish and leave", nretiring);
	}
	if (retire_in == 0 && nretiring > 0 && time(NULL) - retire_since > RETIRE_KILL_S) {
		log_warn("%zu processes of the previous generation still busy after %d s: killed", nretiring,
			 RETIRE_KILL_S);
		retiring_signal(SIGKILL);
		retire_since = time(NULL);
	}
	if (retire_in == 0 && nretiring == 0)
		retire_in = -1;
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

/* The signals the master handles; blocked across the re-exec so none arrives before the new
 * image has installed its handlers (the blocked mask survives execve). */
static void master_signals(int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(how, &set, NULL);
}

/* The listening socket: inherited from the previous binary (MV_LISTEN_FD, set by upgrade_exec;
 * its workers, named in MV_RETIRING, are ours to retire) or bound afresh. Non-blocking: see
 * worker_accept. */
static int listen_socket(void)
{
	int fd = -1;
	const char *inh = getenv("MV_LISTEN_FD");
	struct stat st;
	if (inh && (fd = atoi(inh)) >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		const char *old = getenv("MV_RETIRING");
		for (char *end; old && *old && nretiring < RETIRE_MAX; old = *end ? end + 1 : end) {
			long pid = strtol(old, &end, 10);
			if (end == old)
				break;
			retiring[nretiring++] = (pid_t)pid;
		}
		retire_in = 2;
		log_info("binary upgrade: took over the FastCGI socket; %zu old processes to retire", nretiring);
	} else {
		unlink(cfg.fcgi_socket);
		mode_t old = umask(0117);
		fd = FCGX_OpenSocket(cfg.fcgi_socket, 128);
		umask(old);
		if (fd < 0) {
			log_error("cannot bind FastCGI socket %s", cfg.fcgi_socket);
			return -1;
		}
		chmod(cfg.fcgi_socket, 0660);
	}
	unsetenv("MV_LISTEN_FD");
	unsetenv("MV_RETIRING");
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* The new binary must accept the configuration before the running one hands over: `check`. */
static bool upgrade_preflight(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *args[] = { self_exe, NULL, NULL, "check", NULL };
		if (config_path) {
			args[1] = "--config";
			args[2] = (char *)config_path;
		} else
			args[1] = "check";
		execv(self_exe, args);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* SIGUSR2: re-exec the binary at self_exe (an upgrade has replaced the file) under the same pid —
 * systemd's main pid and the pid file stay right. The children keep serving meanwhile; they are
 * the new master's children too and are retired once its own workers run. */
static void upgrade_exec(int fd)
{
	if (!upgrade_preflight()) {
		log_error("binary upgrade refused: %s does not accept the configuration (see its "
			  "`check` output); keeping the running binary", self_exe);
		return;
	}
	char num[32], list[RETIRE_MAX * 12] = "";
	size_t len = 0;
	snprintf(num, sizeof num, "%d", fd);
	for (size_t i = 0; i < nchildren + nretiring; i++) {
		pid_t pid = i < nchildren ? children[i].pid : retiring[i - nchildren];
		if (pid > 0 && len + 12 < sizeof list)
			len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", len ? "," : "", (int)pid);
	}
	log_info("binary upgrade: re-executing %s", self_exe);
	master_signals(SIG_BLOCK);
	setenv("MV_LISTEN_FD", num, 1);
	setenv("MV_RETIRING", list, 1);
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) & ~FD_CLOEXEC);
	execv(self_exe, self_argv);
	log_error("binary upgrade: exec %s failed: %s; keeping the running binary", self_exe, strerror(errno));
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	unsetenv("MV_LISTEN_FD");
	unsetenv("MV_RETIRING");
	master_signals(SIG_UNBLOCK);
}

static void reload(void)
{
	char err[512];
	if (load_config(err, sizeof err) != 0) {
		log_error("reload refused, keeping the old configuration: %s", err);
	} else if (static_pages_load(!cfg.dev_mode) != 0) {
		log_error("reload refused, keeping the running workers and the legal pages they serve");
	} else {
		log_info("configuration reloaded; new workers start, the old ones finish and leave");
		children_retire();
	}
}

static void stop_all(int fd)
{
	log_info("stopping: waiting for requests in flight");
	children_signal(SIGTERM);
	retiring_signal(SIGTERM);
	for (int i = 0; i < 100 && children_alive(); i++) {
		reap();
		usleep(100000);
	}
	if (children_alive()) {
		children_signal(SIGKILL);
		retiring_signal(SIGKILL);
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
}

static int serve(void)
{
	if (static_pages_load(!cfg.dev_mode) != 0) {
		log_error("refusing to start");
		return 1;
	}
	int fd = listen_socket();
	if (fd < 0)
		return 1;
	set_signal(SIGTERM, on_master_signal);
	set_signal(SIGINT, on_master_signal);
	set_signal(SIGHUP, on_master_signal);
	set_signal(SIGUSR2, on_master_signal);
	set_signal(SIGCHLD, on_master_signal);
	set_signal(SIGPIPE, SIG_IGN);
	master_signals(SIG_UNBLOCK);
	if (pw_gate_init() != 0)
		log_warn("argon2id gate unavailable: %s", strerror(errno));
	children_layout();
	if (metrics_init() != 0)
		log_warn("running without metrics");
	for (size_t i = 0; i < routes_count; i++)
		metrics_class_add(routes[i].name);
	log_info("master pid %d: %ld workers + mailer on %s", (int)getpid(), cfg.workers, cfg.fcgi_socket);
	while (!got_term) {
		if (got_hup) {
			got_hup = 0;
			reload();
		}
		if (got_usr2) {
			got_usr2 = 0;
			upgrade_exec(fd);
		}
		reap();
		time_t now = time(NULL);
		for (size_t i = 0; i < nchildren; i++)
			if (children[i].pid == 0 && children[i].restart_at <= now)
				child_start(&children[i], fd);
		retiring_step();
		children_record();
		usleep(200000);
	}
	stop_all(fd);
	return 0;
}

/* The exit status of a refused configuration (sysexits' EX_CONFIG): scripts/stack tells it apart. */
enum { EXIT_CONFIG = 78 };

static void usage(void)
{
	fprintf(stderr, "usage: meineversorgung [--config FILE] serve | check | migrate [SQL_DIR] | dev-seed | cli …\n"
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
	if (strcmp(cmd, "serve") == 0) {
		ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
		if (n <= 0 || (size_t)n >= sizeof self_exe - 1 || strstr(self_exe, " (deleted)")) {
			fprintf(stderr, "cannot tell which binary runs (/proc/self/exe)\n");
			return 1;
		}
		self_argv = argv;
		return serve();
	}
	if (strcmp(cmd, "check") == 0) /* the configuration was accepted above; the legal pages too? */
		return static_pages_load(!cfg.dev_mode) == 0 ? 0 : EXIT_CONFIG;
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
