/* secret.h — everything secret, from libsodium: tokens, keyed hashes, TANs, Nutzerkennungen,
 * argon2id password hashes and the password-history fingerprint. Compare with sodium_memcmp. */
#ifndef MV_SECRET_H
#define MV_SECRET_H
#include <stdbool.h>
#include <stddef.h>

#define TOKEN_CHARS 43       /* 32 random bytes, base64url without padding */
#define HASH_BYTES 32
#define KENNUNG_LEN 17       /* X201-ABCDEFGHJKLM */
#define PWHASH_MAX 128

int secret_init(void);                                   /* sodium_init; -1 on failure */
void secret_token(char out[TOKEN_CHARS + 1]);
/* Keyed BLAKE2b of a secret (purpose separates domains: "session", "tan", "link", …). */
void secret_hash(const char *purpose, const char *value, size_t len, unsigned char out[HASH_BYTES]);
/* CSRF token bound to a cookie value: base64url(keyed hash). */
void secret_csrf(const char *cookie_value, char out[TOKEN_CHARS + 1]);
bool secret_equal(const char *a, const char *b);         /* constant time for equal lengths */
void secret_tan(char out[7]);                            /* 6 digits, leading zeros kept */
/* role 'X', 'S' or 'K' + kasse "201" → "X201-" + 12 of [A-Z0-9] */
void kennung_generate(char role, const char *kasse, char out[KENNUNG_LEN + 1]);
bool kennung_normalize(char *s);                         /* trim + upper-case in place; format ok? */

/* Before forking workers: argon2id calls of all processes wait for one of nproc slots. */
int pw_gate_init(void);
/* argon2id (cfg.argon_ops, cfg.argon_mem_kib). 0 ok, -1 out of memory. */
int pw_hash(const char *pw, size_t len, char out[PWHASH_MAX]);
/* 1 match, 0 mismatch, -1 error (out of memory, malformed hash: never a wrong password). */
int pw_verify(const char *hash, const char *pw, size_t len);
/* History fingerprint: argon2id(pw, per-account salt, ops, mem). 0 ok, -1 error. */
int pw_fingerprint(const char *pw, size_t len, const unsigned char salt[16], long ops, long mem_kib,
		   unsigned char out[HASH_BYTES]);
void pw_dummy_verify(const char *pw, size_t len);       /* same cost as a real verify */

#endif
