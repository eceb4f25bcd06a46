/* pwhash_loop.c — the floor for login throughput: crypto_pwhash_str_verify in a loop with the
 * portal's argon2id parameters, in PROCESSES processes for SECONDS.
 * usage: pwhash_loop OPS MEM_KIB SECONDS PROCESSES
 * prints: verifications per wall-clock second (all processes), verifications per CPU second */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5 || sodium_init() < 0)
		return 2;
	unsigned long long ops = strtoull(argv[1], NULL, 10);
	size_t mem = strtoull(argv[2], NULL, 10) * 1024;
	double secs = atof(argv[3]);
	int procs = atoi(argv[4]);
	if (procs < 1 || procs > 64)
		return 2;
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str_alg(hash, "Bench-Passwort-1", 16, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return 1;
	int fds[64][2];
	for (int p = 0; p < procs; p++) {
		if (pipe(fds[p]) != 0)
			return 1;
		if (fork() == 0) {
			double r[2] = {0, 0}; /* verifications, CPU seconds */
			double end = clock_s(CLOCK_MONOTONIC) + secs, cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
			while (clock_s(CLOCK_MONOTONIC) < end) {
				if (crypto_pwhash_str_verify(hash, "Bench-Passwort-1", 16) != 0)
					_exit(1);
				r[0]++;
			}
			r[1] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
			if (write(fds[p][1], r, sizeof r) != sizeof r)
				_exit(1);
			_exit(0);
		}
	}
	double n = 0, cpu = 0;
	for (int p = 0; p < procs; p++) {
		double r[2] = {0, 0};
		if (read(fds[p][0], r, sizeof r) == sizeof r) {
			n += r[0];
			cpu += r[1];
		}
		wait(NULL);
	}
	printf("%.2f %.2f\n", n / secs, cpu > 0 ? n / cpu : 0);
	return 0;
}
