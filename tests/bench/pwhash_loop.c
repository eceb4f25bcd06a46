/* pwhash_loop.c — the floor for login throughput: crypto_pwhash_str_verify in a loop with the
 * portal's argon2id parameters. usage: pwhash_loop OPS MEM_KIB SECONDS THREADS(processes) */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
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
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str_alg(hash, "Bench-Passwort-1", 16, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return 1;
	int fds[64][2];
	for (int p = 0; p < procs; p++) {
		if (pipe(fds[p]) != 0)
			return 1;
		if (fork() == 0) {
			long n = 0;
			double end = now() + secs;
			while (now() < end) {
				if (crypto_pwhash_str_verify(hash, "Bench-Passwort-1", 16) != 0)
					_exit(1);
				n++;
			}
			if (write(fds[p][1], &n, sizeof n) != sizeof n)
				_exit(1);
			_exit(0);
		}
	}
	long total = 0;
	for (int p = 0; p < procs; p++) {
		long n = 0;
		if (read(fds[p][0], &n, sizeof n) == sizeof n)
			total += n;
		wait(NULL);
	}
	printf("%.2f\n", (double)total / secs);
	return 0;
}
