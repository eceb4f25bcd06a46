/* secret.c — libsodium wrappers. pw_verify recomputes the argon2id hash itself so that an
 * allocation failure (-1 from crypto_pwhash) is never mistaken for a wrong password. */
#include "secret.h"
#include "config.h"
#include "util.h"
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

static void b64url(const unsigned char *bin, size_t n, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, bin, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void secret_token(char out[TOKEN_CHARS + 1])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	b64url(raw, sizeof raw, out, TOKEN_CHARS + 1);
	sodium_memzero(raw, sizeof raw);
}

void secret_hash(const char *purpose, const char *value, size_t len, unsigned char out[HASH_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, cfg.key, sizeof cfg.key, HASH_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose) + 1);
	crypto_generichash_update(&st, (const unsigned char *)value, len);
	crypto_generichash_final(&st, out, HASH_BYTES);
}

void secret_csrf(const char *cookie_value, char out[TOKEN_CHARS + 1])
{
	unsigned char h[HASH_BYTES];
	secret_hash("csrf", cookie_value, strlen(cookie_value), h);
	b64url(h, sizeof h, out, TOKEN_CHARS + 1);
}

bool secret_equal(const char *a, const char *b)
{
	if (!a || !b)
		return false;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return sodium_memcmp(a, b, la) == 0;
}

void secret_tan(char out[7])
{
	snprintf(out, 7, "%06u", (unsigned)randombytes_uniform(1000000));
}

void kennung_generate(char role, const char *kasse, char out[KENNUNG_LEN + 1])
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	out[0] = role;
	memcpy(out + 1, kasse, 3);
	out[4] = '-';
	for (int i = 0; i < 12; i++)
		out[5 + i] = alphabet[randombytes_uniform(36)];
	out[KENNUNG_LEN] = '\0';
}

bool kennung_normalize(char *s)
{
	char *t = str_trim(s);
	if (t != s)
		memmove(s, t, strlen(t) + 1);
	str_upper_ascii(s);
	if (strlen(s) != KENNUNG_LEN || !strchr("KXS", s[0]) || s[4] != '-')
		return false;
	for (int i = 1; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	for (int i = 5; i < KENNUNG_LEN; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The argon2id gate: at most one verification per CPU across all workers. More at once only
 * share the CPUs and their caches (each takes cfg.argon_mem_kib), so every login gets slower.
 * The slots live in shared memory mapped before the workers fork; robust mutexes free the slot
 * of a worker killed in the middle of a hash. Without pw_gate_init (mvctl) there is no gate. */
struct pw_gate {
	unsigned long next;      /* ticket: which slot a waiter queues on */
	long slots;
	pthread_mutex_t slot[];
};
static struct pw_gate *gate;

int pw_gate_init(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	size_t size = sizeof *gate + (size_t)cpus * sizeof gate->slot[0];
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	struct pw_gate *g = m;
	g->slots = cpus;
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	for (long i = 0; i < cpus; i++)
		pthread_mutex_init(&g->slot[i], &at);
	pthread_mutexattr_destroy(&at);
	gate = g;
	return 0;
}

static int lock_slot(pthread_mutex_t *m, bool wait)
{
	int rc = wait ? pthread_mutex_lock(m) : pthread_mutex_trylock(m);
	if (rc == EOWNERDEAD) /* its holder died mid-hash: nothing to repair, the slot is free */
		rc = pthread_mutex_consistent(m);
	return rc;
}

static pthread_mutex_t *gate_enter(void)
{
	if (!gate)
		return NULL;
	for (long i = 0; i < gate->slots; i++)
		if (lock_slot(&gate->slot[i], false) == 0)
			return &gate->slot[i];
	pthread_mutex_t *m = &gate->slot[__atomic_fetch_add(&gate->next, 1, __ATOMIC_RELAXED) % (unsigned long)gate->slots];
	return lock_slot(m, true) == 0 ? m : NULL;
}

static void gate_leave(pthread_mutex_t *m)
{
	if (m)
		pthread_mutex_unlock(m);
}

static int argon2id(unsigned char *out, size_t outlen, const char *pw, size_t len, const unsigned char salt[16],
		    unsigned long long ops, size_t mem)
{
	pthread_mutex_t *slot = gate_enter();
	int rc = crypto_pwhash(out, outlen, pw, len, salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
	gate_leave(slot);
	return rc;
}

int pw_hash(const char *pw, size_t len, char out[PWHASH_MAX])
{
	_Static_assert(PWHASH_MAX >= crypto_pwhash_STRBYTES, "hash buffer");
	pthread_mutex_t *slot = gate_enter();
	int rc = crypto_pwhash_str_alg(out, pw, len, (unsigned long long)cfg.argon_ops,
				       (size_t)cfg.argon_mem_kib * 1024, crypto_pwhash_ALG_ARGON2ID13);
	gate_leave(slot);
	return rc;
}

/* Parses $argon2id$v=19$m=M,t=T,p=1$SALT$HASH. */
static int parse_hash(const char *hash, unsigned *m, unsigned *t, unsigned char salt[16],
		      unsigned char digest[64], size_t *dlen)
{
	unsigned p;
	int consumed = 0;
	if (sscanf(hash, "$argon2id$v=19$m=%u,t=%u,p=%u$%n", m, t, &p, &consumed) != 3 || consumed == 0 || p != 1)
		return -1;
	const char *s = hash + consumed;
	const char *dollar = strchr(s, '$');
	if (!dollar)
		return -1;
	size_t slen = 0;
	if (sodium_base642bin(salt, 16, s, (size_t)(dollar - s), NULL, &slen, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 || slen != 16)
		return -1;
	if (sodium_base642bin(digest, 64, dollar + 1, strlen(dollar + 1), NULL, dlen, NULL,
			      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 || *dlen < 16)
		return -1;
	return 0;
}

int pw_verify(const char *hash, const char *pw, size_t len)
{
	unsigned m, t;
	unsigned char salt[16], digest[64], mine[64];
	size_t dlen = 0;
	if (!hash || parse_hash(hash, &m, &t, salt, digest, &dlen) != 0)
		return -1;
	if (argon2id(mine, dlen, pw, len, salt, t, (size_t)m * 1024) != 0)
		return -1;
	int ok = sodium_memcmp(mine, digest, dlen) == 0;
	sodium_memzero(mine, sizeof mine);
	return ok;
}

int pw_fingerprint(const char *pw, size_t len, const unsigned char salt[16], long ops, long mem_kib,
		   unsigned char out[HASH_BYTES])
{
	return argon2id(out, HASH_BYTES, pw, len, salt, (unsigned long long)ops, (size_t)mem_kib * 1024);
}

void pw_dummy_verify(const char *pw, size_t len)
{
	static char dummy[PWHASH_MAX];
	if (!dummy[0]) {
		char rnd[TOKEN_CHARS + 1];
		secret_token(rnd);
		if (pw_hash(rnd, strlen(rnd), dummy) != 0)
			return;
	}
	(void)pw_verify(dummy, pw, len);
}
