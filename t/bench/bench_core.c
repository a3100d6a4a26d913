/*
 * make bench-core: microseconds per verification, per algorithm, of
 *
 *   bare    the cheapest OpenSSL 3 sequence for one verification, set up
 *           beforehand as far as OpenSSL allows: RSA and ECDSA
 *           EVP_PKEY_verify() on a digest computed once, with an
 *           EVP_PKEY_CTX made and initialised for verify (digest,
 *           padding, PSS salt) once and reused; ECDSA's DER made once.
 *           EdDSA signs the message itself (no prehash): a context
 *           initialised once with EVP_DigestVerifyInit() is copied
 *           (EVP_MD_CTX_copy_ex(), as EVP_DigestVerify() may be called
 *           only once per initialisation from OpenSSL 3.2 on), then
 *           EVP_DigestVerify().  No fetch, no parse, no decoding.
 *   verify  jwtgate_verify_signature() on a token parsed once: key
 *           lookup, the hash of the signing input, ECDSA's r || s to
 *           DER, the check.
 *   miss    what a token not in the cache costs the core:
 *           jwtgate_token_parse() (split, base64url, JSON),
 *           jwtgate_verify_signature(), jwtgate_check_claims(), free.
 *   rest    the miss without the signature: the key that would be tried
 *           first looked up instead.
 *
 * and the differences verify - bare and miss - bare.  Medians of ROUNDS
 * rounds, the four measures interleaved within each round; the process's
 * CPU time (like the worker's in tools/bench.sh), not wall time, so that
 * other jobs on the CPU count less.
 *
 * tools/bench.sh reads the table by its first column (the alg, "RS256
 * (100-key set)" for --jwks-100) and takes the third (bare µs) as the
 * bare OpenSSL cost; keep that order.
 *
 * Tokens are the Crypt::JWT-minted seeds in t/fuzz/corpus/token/; keys
 * are t/data/ (rsa1 again without "alg" for RS384, RS512, PS256).  The
 * 909-byte token (rs256-900) carries iss and aud, and is checked against
 * an issuer and an audience.  Run from the repository root.
 *
 * `bench_core --jwe` measures JWE decryption instead (bench_jwe.c).
 *
 * Options: --jwks-100 (the RS256 token of the 100-key set only),
 * --alg NAME (only the rows whose first column is NAME, or whose token
 * file is NAME: "rs256" is the first RS256 row only), --iterations N
 * (every measure N times), --rounds R.  Instruction counts, free of
 * noise:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=cg.out \
 *       build/bench_core --alg es256 --iterations 20 --rounds 1
 *   callgrind_annotate --inclusive=yes cg.out | grep loop_
 *
 * gives loop_bare, loop_verify, loop_miss and loop_rest, each over 20
 * verifications (setup not counted).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bench_core.h"


typedef struct {
    const char  *alg;           /* the row's name */
    const char  *token_file;
    const char  *pub_pem;       /* NULL for HMAC */
    int          iterations;
    int          iss_aud;       /* check an issuer and an audience */
} bench_case_t;


static const bench_case_t  cases[] = {
    { "RS256", "rs256", "rsa1.pub.pem", 5000, 0 },
    { "RS256", "rs256-900", "rsa1.pub.pem", 5000, 1 },
    { "RS384", "rs384", "rsa1.pub.pem", 5000, 0 },
    { "RS512", "rs512", "rsa1.pub.pem", 5000, 0 },
    { "PS256", "ps256", "rsa1.pub.pem", 5000, 0 },
    { "ES256", "es256", "ec256.pub.pem", 2000, 0 },
    { "ES384", "es384", "ec384.pub.pem", 200, 0 },
    { "ES512", "es512", "ec521.pub.pem", 200, 0 },
    { "EdDSA", "eddsa", "ed25519.pub.pem", 1000, 0 },
    { "EdDSA (Ed448)", "ed448", "ed448.pub.pem", 300, 0 },
    { "HS256", "hs256", NULL, 50000, 0 },
};

static const char  *issuers[] = { "https://auth.example.com/realms/main" };
static const char  *audiences[] = { "users" };


static jwtgate_keyset_t  *sets[3];
static size_t             nsets;


char *
slurp(const char *path, size_t *len)
{
    FILE  *f;
    char  *buf;
    long   n;

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        exit(1);
    }

    buf = malloc((size_t) n + 1);
    if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        exit(1);
    }

    fclose(f);

    /* corpus files may end with a newline */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }

    buf[n] = '\0';
    *len = (size_t) n;
    return buf;
}


double
now_us(void)
{
    struct timespec  ts;

    /* CPU time: a shared machine's other processes are not counted */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}


double
median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof(double), cmp_double);
    return v[n / 2];
}


void
die(const char *what)
{
    fprintf(stderr, "bench_core: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}


static void
policy_init(jwtgate_claims_policy_t *policy, int iss_aud)
{
    memset(policy, 0, sizeof(jwtgate_claims_policy_t));
    policy->now = time(NULL);
    policy->require_exp = 1;

    if (iss_aud) {
        policy->issuers = issuers;
        policy->n_issuers = 1;
        policy->audiences = audiences;
        policy->n_audiences = 1;
    }
}


/* the bare primitive, n times */

NOINLINE void
loop_bare(bare_t *b, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (b->pctx != NULL) {
            if (EVP_PKEY_verify(b->pctx, b->sig, b->sig_len, b->digest,
                                b->digest_len)
                != 1)
            {
                die("bare verify failed");
            }

            continue;
        }

        if (EVP_MD_CTX_copy_ex(b->work, b->prepared) != 1
            || EVP_DigestVerify(b->work, b->sig, b->sig_len,
                                (const unsigned char *) b->msg, b->msg_len)
               != 1)
        {
            die("bare EdDSA verify failed");
        }
    }
}


/* jwtgate_verify_signature() on a parsed token, n times */

static NOINLINE void
loop_verify(const jwtgate_token_t *token, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (jwtgate_verify_signature(token,
                                     (const jwtgate_keyset_t *const *) sets,
                                     nsets, NULL, NULL)
            != JWTGATE_OK)
        {
            die("core verify failed");
        }
    }
}


/* parse, verify (or look the key up only), claims, free: n times */

static int
one_miss(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int with_signature)
{
    size_t                k, pos;
    jwtgate_rc_t          rc;
    jwtgate_token_t      *token;
    const jwtgate_key_t  *key;

    rc = jwtgate_token_parse(tok, len, limits, JWTGATE_ALGS_ALL, &token);

    if (rc == JWTGATE_OK && with_signature) {
        rc = jwtgate_verify_signature(token,
                                      (const jwtgate_keyset_t *const *) sets,
                                      nsets, NULL, NULL);

    } else if (rc == JWTGATE_OK) {
        key = NULL;

        for (k = 0; key == NULL && k < nsets; k++) {
            pos = 0;
            key = jwtgate_keyset_next(sets[k], token, &pos);
        }

        rc = key != NULL ? JWTGATE_OK : JWTGATE_ERR_UNKNOWN_KID;
    }

    if (rc == JWTGATE_OK) {
        rc = jwtgate_check_claims(token, policy);
    }

    if (rc != JWTGATE_OK) {
        fprintf(stderr, "bench token rejected: %s\n", jwtgate_strerror(rc));
        exit(1);
    }

    jwtgate_token_free(token);
    return 0;
}


static NOINLINE void
loop_miss(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        one_miss(tok, len, limits, policy, 1);
    }
}


static NOINLINE void
loop_rest(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        one_miss(tok, len, limits, policy, 0);
    }
}


EVP_PKEY *
read_pub(const char *name)
{
    FILE      *f;
    char       path[256];
    EVP_PKEY  *pkey;

    snprintf(path, sizeof(path), "t/data/%s", name);

    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        exit(1);
    }

    pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);

    if (pkey == NULL) {
        die("no public key");
    }

    return pkey;
}


/* the bare primitive for the token: everything but the check done */

void
bare_setup(bare_t *b, const char *alg, const char *tok, size_t len,
    EVP_PKEY *pkey)
{
    int             ok;
    size_t          half;
    BIGNUM         *r, *s;
    EVP_MD         *md;
    ECDSA_SIG      *es;
    const char     *dot;
    unsigned char  *p;

    memset(b, 0, sizeof(bare_t));

    dot = strrchr(tok, '.');
    b->msg = tok;
    b->msg_len = (size_t) (dot - tok);

    b->sig = malloc(len);
    if (b->sig == NULL) {
        die("out of memory");
    }

    b->sig_len = jwtgate_b64url_decode(b->sig, dot + 1,
                                       len - b->msg_len - 1);
    if (b->sig_len == (size_t) -1) {
        die("signature not base64url");
    }

    if (strncmp(alg, "EdDSA", 5) == 0) {
        b->prepared = EVP_MD_CTX_new();
        b->work = EVP_MD_CTX_new();

        if (b->prepared == NULL || b->work == NULL
            || EVP_DigestVerifyInit(b->prepared, NULL, NULL, NULL, pkey) != 1)
        {
            die("EdDSA setup");
        }

        return;
    }

    md = EVP_MD_fetch(NULL, strstr(alg, "256") ? "SHA256"
                            : strstr(alg, "384") ? "SHA384" : "SHA512",
                      NULL);

    if (md == NULL
        || EVP_Digest(b->msg, b->msg_len, b->digest, &b->digest_len, md,
                      NULL)
           != 1)
    {
        die("digest");
    }

    b->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (b->pctx == NULL || EVP_PKEY_verify_init(b->pctx) != 1
        || EVP_PKEY_CTX_set_signature_md(b->pctx, md) != 1)
    {
        die("verify context");
    }

    ok = 1;

    if (alg[0] == 'P') {
        ok = EVP_PKEY_CTX_set_rsa_padding(b->pctx, RSA_PKCS1_PSS_PADDING)
                 == 1
             && EVP_PKEY_CTX_set_rsa_pss_saltlen(b->pctx,
                                                 RSA_PSS_SALTLEN_DIGEST)
                == 1
             && EVP_PKEY_CTX_set_rsa_mgf1_md(b->pctx, md) == 1;

    } else if (alg[0] == 'R') {
        ok = EVP_PKEY_CTX_set_rsa_padding(b->pctx, RSA_PKCS1_PADDING) == 1;
    }

    EVP_MD_free(md);

    if (!ok) {
        die("padding");
    }

    if (alg[0] != 'E') {
        return;
    }

    /* r || s to DER with OpenSSL's own encoder, once */
    half = b->sig_len / 2;
    es = ECDSA_SIG_new();
    r = BN_bin2bn(b->sig, (int) half, NULL);
    s = BN_bin2bn(b->sig + half, (int) half, NULL);

    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        die("ECDSA_SIG");
    }

    p = b->sig;
    b->sig_len = (size_t) i2d_ECDSA_SIG(es, &p);
    ECDSA_SIG_free(es);
}


void
bare_free(bare_t *b)
{
    EVP_PKEY_CTX_free(b->pctx);
    EVP_MD_CTX_free(b->prepared);
    EVP_MD_CTX_free(b->work);
    free(b->sig);
}


static double
timed_bare(bare_t *b, int n)
{
    double  t0;

    t0 = now_us();
    loop_bare(b, n);
    return (now_us() - t0) / n;
}


static double
timed_verify(const jwtgate_token_t *token, int n)
{
    double  t0;

    t0 = now_us();
    loop_verify(token, n);
    return (now_us() - t0) / n;
}


static double
timed_miss(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int n, int with_signature)
{
    double  t0;

    t0 = now_us();

    if (with_signature) {
        loop_miss(tok, len, limits, policy, n);

    } else {
        loop_rest(tok, len, limits, policy, n);
    }

    return (now_us() - t0) / n;
}


static jwtgate_keyset_t *
read_set(const char *path)
{
    char              *text;
    size_t             len;
    jwtgate_keyset_t  *set;

    text = slurp(path, &len);

    if (jwtgate_keyset_parse(text, len, NULL, NULL, &set) != JWTGATE_OK) {
        fprintf(stderr, "%s: not a usable key set\n", path);
        exit(1);
    }

    free(text);
    return set;
}


/* rsa1 without "alg", so that it verifies every RSA algorithm */

static jwtgate_keyset_t *
rsa1_any_alg(void)
{
    char              *text;
    json_t            *jwk, *set;
    jwtgate_keyset_t  *out;

    jwk = json_load_file("t/data/rsa1.jwk", 0, NULL);
    if (jwk == NULL || json_object_del(jwk, "alg") != 0) {
        fprintf(stderr, "t/data/rsa1.jwk: no key with an alg\n");
        exit(1);
    }

    set = json_pack("{s:[o]}", "keys", jwk);
    text = set != NULL ? json_dumps(set, 0) : NULL;

    if (text == NULL
        || jwtgate_keyset_parse(text, strlen(text), NULL, NULL, &out)
           != JWTGATE_OK)
    {
        fprintf(stderr, "rsa1 without alg: not a usable key set\n");
        exit(1);
    }

    free(text);
    json_decref(set);
    return out;
}


int
main(int argc, char **argv)
{
    int                       a, r, n, rounds, iterations, only_100;
    char                      path[256], name[64], *tok;
    size_t                    i, len, target_len;
    double                    bare[ROUNDS], verify[ROUNDS], miss[ROUNDS];
    double                    rest[ROUNDS], b, v, m, o, target;
    bare_t                    bs;
    EVP_PKEY                 *pkey;
    const char               *only;
    jwtgate_rc_t              rc;
    jwtgate_token_t          *token;
    jwtgate_limits_t          limits;
    jwtgate_claims_policy_t   policy;

    if (argc > 1 && strcmp(argv[1], "--jwe") == 0) {
        /* JWE decryption: bench_jwe.c */
        return bench_jwe(argc - 1, argv + 1);
    }

    only_100 = 0;
    only = NULL;
    iterations = 0;
    rounds = ROUNDS;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--jwks-100") == 0) {
            only_100 = 1;

        } else if (strcmp(argv[a], "--alg") == 0 && a + 1 < argc) {
            only = argv[++a];

        } else if (strcmp(argv[a], "--iterations") == 0 && a + 1 < argc) {
            iterations = atoi(argv[++a]);

        } else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
            rounds = atoi(argv[++a]);

        } else {
            fprintf(stderr, "usage: bench_core [--jwks-100] [--alg NAME] "
                    "[--iterations N] [--rounds R (1..%d)]\n"
                    "       bench_core --jwe [--alg NAME] [--iterations N] "
                    "[--rounds R]\n", ROUNDS);
            return 2;
        }
    }

    if (rounds < 1 || rounds > ROUNDS || iterations < 0) {
        fprintf(stderr, "bench_core: bad --rounds or --iterations\n");
        return 2;
    }

    if (only_100) {
        /* the 100-key set holds rsa1 as k042 */
        sets[0] = read_set("t/data/jwks-100.json");
        nsets = 1;

    } else {
        sets[0] = read_set("t/data/jwks-all.json");
        sets[1] = read_set("t/data/jwks-hmac.json");
        sets[2] = rsa1_any_alg();
        nsets = 3;
    }

    jwtgate_limits_init(&limits);

    printf("| alg | token bytes | bare OpenSSL µs | core verify µs "
           "| core miss µs | verify − bare µs | miss − bare µs "
           "| all but the signature µs |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");

    target = -1;
    target_len = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (only_100 && strcmp(cases[i].token_file, "rs256") != 0) {
            continue;
        }

        snprintf(name, sizeof(name), "%s%s", cases[i].alg,
                 only_100 ? " (100-key set)" : "");

        if (only != NULL && strcmp(only, name) != 0
            && strcmp(only, cases[i].token_file) != 0)
        {
            continue;
        }

        snprintf(path, sizeof(path), "t/fuzz/corpus/token/%s%s",
                 cases[i].token_file, only_100 ? "-k042" : "");
        tok = slurp(path, &len);

        pkey = cases[i].pub_pem ? read_pub(cases[i].pub_pem) : NULL;
        n = iterations ? iterations : cases[i].iterations;

        if (pkey != NULL) {
            bare_setup(&bs, cases[i].alg, tok, len, pkey);
        }

        policy_init(&policy, cases[i].iss_aud);

        rc = jwtgate_token_parse(tok, len, &limits, JWTGATE_ALGS_ALL,
                                 &token);
        if (rc != JWTGATE_OK) {
            die(jwtgate_strerror(rc));
        }

        for (r = 0; r < rounds; r++) {
            bare[r] = pkey ? timed_bare(&bs, n) : 0;
            verify[r] = timed_verify(token, n);
            miss[r] = timed_miss(tok, len, &limits, &policy, n, 1);
            /* cheap: more iterations for a steadier figure */
            rest[r] = timed_miss(tok, len, &limits, &policy,
                                 iterations ? iterations
                                 : n < 50000 ? 50000 : n, 0);
        }

        b = median(bare, rounds);
        v = median(verify, rounds);
        m = median(miss, rounds);
        o = median(rest, rounds);

        if (strcmp(cases[i].token_file, "rs256-900") == 0) {
            target = o;
            target_len = len;
        }

        if (pkey != NULL) {
            printf("| %s | %zu | %.2f | %.2f | %.2f | %+.2f | %+.2f "
                   "| %.2f |\n", name, len, b, v, m, v - b, m - b, o);
            bare_free(&bs);

        } else {
            printf("| %s | %zu | — | %.2f | %.2f | — | — "
                   "| %.2f |\n", name, len, v, m, o);
        }

        jwtgate_token_free(token);
        EVP_PKEY_free(pkey);
        free(tok);
    }

    if (target >= 0) {
        printf("\nAll but the signature, %zu-byte token (issuer and audience "
               "checked): %.2f µs median of %d rounds (target: 3 µs)\n",
               target_len, target, rounds);
    }

    for (i = 0; i < nsets; i++) {
        jwtgate_keyset_free(sets[i]);
    }

    return 0;
}
