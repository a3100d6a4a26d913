/*
 * make bench-core: what bench_core.c (signatures) and bench_jwe.c (JWE,
 * `bench_core --jwe`) share: the helpers, and the bare JWS verification
 * (a nested token's bare cost includes its inner signature's).
 */

#ifndef BENCH_CORE_H
#define BENCH_CORE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "jwtgate_int.h"


#define ROUNDS      7
#define NOINLINE    __attribute__((noinline))


/* the bare primitive, set up */
typedef struct {
    EVP_PKEY_CTX   *pctx;       /* RSA, ECDSA */
    EVP_MD_CTX     *prepared;   /* EdDSA: initialised once */
    EVP_MD_CTX     *work;       /* EdDSA: a copy of it per verification */
    unsigned char   digest[EVP_MAX_MD_SIZE];
    unsigned int    digest_len;
    unsigned char  *sig;        /* DER for ECDSA */
    size_t          sig_len;
    const char     *msg;        /* EdDSA: the signing input */
    size_t          msg_len;
} bare_t;


/* the file's bytes, NUL-terminated, without a final newline; exits on
 * failure */
char *slurp(const char *path, size_t *len);
/* the process's CPU time */
double now_us(void);
/* sorts v */
double median(double *v, int n);
void die(const char *what);

/* t/data/NAME, a public key in PEM */
EVP_PKEY *read_pub(const char *name);
/* the bare verification of the compact JWS tok with pkey, for alg
 * (RS*, PS*, ES*, EdDSA), everything but the check done */
void bare_setup(bare_t *b, const char *alg, const char *tok, size_t len,
    EVP_PKEY *pkey);
void bare_free(bare_t *b);
/* the check, n times */
void loop_bare(bare_t *b, int n);

/* bench_jwe.c: `bench_core --jwe ...` */
int bench_jwe(int argc, char **argv);

#endif /* BENCH_CORE_H */
