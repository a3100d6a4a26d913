/*
 * make bench-core: microseconds per verification through the core, for
 * each algorithm, next to a bare OpenSSL verify loop on the same key and
 * the same bytes, and the cost of everything but the signature: split,
 * base64url, JSON, key lookup (the keys verify_signature would try,
 * found without trying them), claims.  Medians of several rounds.
 *
 * Tokens are the Crypt::JWT-minted seeds in t/fuzz/corpus/token/; keys
 * are t/data/ (rsa1 again without "alg" for RS384, RS512, PS256).  The
 * 909-byte token (rs256-900) carries iss and aud, and is checked against
 * an issuer and an audience.  Run from the repository root.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jwtgate_int.h"


#define ROUNDS  7


typedef struct {
    const char  *alg;
    const char  *token_file;
    const char  *pub_pem;       /* NULL for HMAC */
    int          iterations;
    int          iss_aud;       /* check an issuer and an audience */
} bench_case_t;


static const bench_case_t  cases[] = {
    { "RS256", "rs256", "rsa1.pub.pem", 20000, 0 },
    { "RS256", "rs256-900", "rsa1.pub.pem", 20000, 1 },
    { "RS384", "rs384", "rsa1.pub.pem", 20000, 0 },
    { "RS512", "rs512", "rsa1.pub.pem", 20000, 0 },
    { "PS256", "ps256", "rsa1.pub.pem", 20000, 0 },
    { "ES256", "es256", "ec256.pub.pem", 5000, 0 },
    { "ES384", "es384", "ec384.pub.pem", 2000, 0 },
    { "ES512", "es512", "ec521.pub.pem", 1000, 0 },
    { "EdDSA", "eddsa", "ed25519.pub.pem", 5000, 0 },
    { "HS256", "hs256", NULL, 100000, 0 },
};

static const char  *issuers[] = { "https://auth.example.com/realms/main" };
static const char  *audiences[] = { "users" };


static jwtgate_keyset_t  *sets[3];
static size_t             nsets;


static char *
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


static double
now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}


static double
median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof(double), cmp_double);
    return v[n / 2];
}


/* 1: full verification; 0: everything but the signature, the key that
 * would be tried first looked up */

static double
run_core(const char *tok, size_t len, int iterations, int with_signature,
    int iss_aud)
{
    int                       i;
    size_t                    k, pos;
    double                    t0;
    jwtgate_rc_t              rc;
    jwtgate_token_t          *token;
    jwtgate_limits_t          limits;
    const jwtgate_key_t      *key;
    jwtgate_claims_policy_t   policy;

    jwtgate_limits_init(&limits);
    memset(&policy, 0, sizeof(policy));
    policy.now = time(NULL);
    policy.require_exp = 1;

    if (iss_aud) {
        policy.issuers = issuers;
        policy.n_issuers = 1;
        policy.audiences = audiences;
        policy.n_audiences = 1;
    }

    t0 = now_us();

    for (i = 0; i < iterations; i++) {
        rc = jwtgate_token_parse(tok, len, &limits, JWTGATE_ALGS_ALL, &token);

        if (rc == JWTGATE_OK && with_signature) {
            rc = jwtgate_verify_signature(token,
                                          (const jwtgate_keyset_t *const *)
                                              sets, nsets, NULL, NULL);

        } else if (rc == JWTGATE_OK) {
            key = NULL;

            for (k = 0; key == NULL && k < nsets; k++) {
                pos = 0;
                key = jwtgate_keyset_next(sets[k], token, &pos);
            }

            rc = key != NULL ? JWTGATE_OK : JWTGATE_ERR_UNKNOWN_KID;
        }

        if (rc == JWTGATE_OK) {
            rc = jwtgate_check_claims(token, &policy);
        }

        if (rc != JWTGATE_OK) {
            fprintf(stderr, "bench token rejected: %s\n",
                    jwtgate_strerror(rc));
            exit(1);
        }

        jwtgate_token_free(token);
    }

    return (now_us() - t0) / iterations;
}


/* the same signature check with OpenSSL alone, on a parsed key */

static double
run_bare(const char *alg, const char *tok, size_t len, EVP_PKEY *pkey,
    int iterations)
{
    int              i, pss, half;
    double           t0;
    size_t           sig_len, input_len, der_len;
    const char      *dot;
    EVP_MD_CTX      *ctx;
    EVP_PKEY_CTX    *pctx;
    ECDSA_SIG       *es;
    const EVP_MD    *md;
    unsigned char   *sig, *der, *p;

    dot = strrchr(tok, '.');
    input_len = (size_t) (dot - tok);

    sig = malloc(len);
    sig_len = jwtgate_b64url_decode(sig, dot + 1, len - input_len - 1);

    md = strstr(alg, "256") ? EVP_sha256()
         : strstr(alg, "384") ? EVP_sha384()
         : strstr(alg, "512") ? EVP_sha512() : NULL;
    pss = alg[0] == 'P';

    if (alg[0] == 'E' && alg[1] == 'S') {
        half = (int) sig_len / 2;
        es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, half, NULL),
                       BN_bin2bn(sig + half, half, NULL));
        der = malloc(256);
        p = der;
        der_len = (size_t) i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        free(sig);
        sig = der;
        sig_len = der_len;
    }

    t0 = now_us();

    for (i = 0; i < iterations; i++) {
        ctx = EVP_MD_CTX_new();

        if (EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) != 1) {
            exit(1);
        }

        if (pss) {
            EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
        }

        if (EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) tok,
                             input_len)
            != 1)
        {
            fprintf(stderr, "bare %s verify failed\n", alg);
            exit(1);
        }

        EVP_MD_CTX_free(ctx);
    }

    free(sig);
    return (now_us() - t0) / iterations;
}


static EVP_PKEY *
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
        exit(1);
    }

    return pkey;
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
    int            r, n, only_100;
    char           path[256], *tok;
    const char    *alg;
    size_t         i, len, target_len;
    double         full[ROUNDS], bare[ROUNDS], rest[ROUNDS], f, b, o;
    double         target;
    EVP_PKEY      *pkey;

    only_100 = argc > 1 && strcmp(argv[1], "--jwks-100") == 0;

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

    printf("| alg | token bytes | core µs/verify | bare OpenSSL µs "
           "| core / bare | all but the signature µs |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");

    target = -1;
    target_len = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (only_100 && strcmp(cases[i].token_file, "rs256") != 0) {
            continue;
        }

        snprintf(path, sizeof(path), "t/fuzz/corpus/token/%s%s",
                 cases[i].token_file, only_100 ? "-k042" : "");
        tok = slurp(path, &len);

        pkey = cases[i].pub_pem ? read_pub(cases[i].pub_pem) : NULL;
        alg = cases[i].alg;
        n = cases[i].iterations;

        for (r = 0; r < ROUNDS; r++) {
            full[r] = run_core(tok, len, n, 1, cases[i].iss_aud);
            /* cheap: more iterations for a steadier figure */
            rest[r] = run_core(tok, len, n < 50000 ? 50000 : n, 0,
                               cases[i].iss_aud);
            bare[r] = pkey ? run_bare(alg, tok, len, pkey, n) : 0;
        }

        f = median(full, ROUNDS);
        b = median(bare, ROUNDS);
        o = median(rest, ROUNDS);

        if (strcmp(cases[i].token_file, "rs256-900") == 0) {
            target = o;
            target_len = len;
        }

        if (pkey != NULL) {
            printf("| %s%s | %zu | %.2f | %.2f | %.3f | %.2f |\n",
                   cases[i].alg, only_100 ? " (100-key set)" : "", len, f,
                   b, f / b, o);

        } else {
            printf("| %s | %zu | %.2f | — | — | %.2f |\n", cases[i].alg,
                   len, f, o);
        }

        EVP_PKEY_free(pkey);
        free(tok);
    }

    if (target >= 0) {
        printf("\nAll but the signature, %zu-byte token (issuer and audience "
               "checked): %.2f µs median of %d rounds (target: 3 µs)\n",
               target_len, target, ROUNDS);
    }

    for (i = 0; i < nsets; i++) {
        jwtgate_keyset_free(sets[i]);
    }

    return 0;
}
