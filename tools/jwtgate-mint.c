/*
 * jwtgate-mint: prints a signed JWT (compact JWS) made with libjwt.
 *
 *   jwtgate-mint -k KEY [-a ALG] [-i KID] [-s SUB] [-I ISS] [-A AUD]
 *                [-e SECONDS|none] [-c NAME=VALUE]... [-C NAME=JSON]...
 *
 *   -k KEY    private key PEM (RS*, ES*), or a file whose bytes are the
 *             HMAC secret as they are, a final newline included (HS*)
 *   -a ALG    RS256 (default), RS384, RS512, ES256, ES384, ES512, HS256,
 *             HS384 or HS512
 *   -i KID    the "kid" header (default: none)
 *   -s, -I, -A
 *             the "sub", "iss" and "aud" claims (default: none)
 *   -e SECS   "exp" is now + SECS (default 300; negative: already expired;
 *             "none": no "exp")
 *   -c N=V    the claim N, the string V
 *   -C N=J    the claim N, the JSON value J (e.g. -C 'aud=["a","b"]')
 *
 * "iat" is now and "jti" 16 random bytes in hex; -c and -C, applied in
 * order after everything else, may replace any claim.  The token goes to
 * stdout with a newline, exit 0; on any error a message goes to stderr and
 * the exit code is 1.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>


#define MINT_KEY_MAX      (1024 * 1024)
#define MINT_EXP_MAX      (100LL * 366 * 24 * 3600)
#define MINT_JTI_BYTES    16


static const char  *prog = "jwtgate-mint";


static void
usage(FILE *fp)
{
    fprintf(fp,
        "usage: %s -k KEY [-a ALG] [-i KID] [-s SUB] [-I ISS] [-A AUD]\n"
        "       %*s [-e SECONDS|none] [-c NAME=VALUE]... [-C NAME=JSON]...\n"
        "ALG: RS256 (default) RS384 RS512 ES256 ES384 ES512 "
        "HS256 HS384 HS512\n"
        "KEY: a private key PEM, or for HS* the raw secret file\n",
        prog, (int) strlen(prog), "");
}


static void
mint_error(const char *fmt, const char *arg, const char *why)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);

    if (why != NULL) {
        fprintf(stderr, ": %s", why);
    }

    fputc('\n', stderr);
}


/* The whole file, in a buffer of its own; NULL after a message. */

static unsigned char *
read_key(const char *path, size_t *len)
{
    FILE           *fp;
    size_t          n, size;
    unsigned char  *buf, *p;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        mint_error("cannot open key file %s", path, strerror(errno));
        return NULL;
    }

    size = 4096;
    n = 0;
    buf = malloc(size);
    if (buf == NULL) {
        mint_error("%s", "out of memory", NULL);
        (void) fclose(fp);
        return NULL;
    }

    for ( ;; ) {
        n += fread(buf + n, 1, size - n, fp);

        if (n < size) {
            break;
        }

        if (size >= MINT_KEY_MAX) {
            mint_error("key file %s is too large", path, NULL);
            goto failed;
        }

        p = realloc(buf, size * 2);
        if (p == NULL) {
            mint_error("%s", "out of memory", NULL);
            goto failed;
        }

        buf = p;
        size *= 2;
    }

    if (ferror(fp)) {
        mint_error("cannot read key file %s", path, strerror(errno));
        goto failed;
    }

    if (fclose(fp) != 0) {
        fp = NULL;
        mint_error("cannot read key file %s", path, strerror(errno));
        goto failed;
    }

    if (n == 0) {
        mint_error("key file %s is empty", path, NULL);
        OPENSSL_cleanse(buf, size);
        free(buf);
        return NULL;
    }

    *len = n;
    return buf;

failed:

    if (fp != NULL) {
        (void) fclose(fp);
    }

    OPENSSL_cleanse(buf, size);
    free(buf);
    return NULL;
}


static int
parse_exp(const char *s, int *with_exp, long long *secs)
{
    char       *end;
    long long   v;

    if (strcmp(s, "none") == 0) {
        *with_exp = 0;
        return 0;
    }

    errno = 0;
    v = strtoll(s, &end, 10);

    if (errno != 0 || end == s || *end != '\0'
        || v > MINT_EXP_MAX || v < -MINT_EXP_MAX)
    {
        mint_error("bad -e value \"%s\": seconds (at most 100 years) or none",
            s, NULL);
        return -1;
    }

    *with_exp = 1;
    *secs = v;
    return 0;
}


static int
set_claim(json_t *claims, const char *name, json_t *value)
{
    if (value == NULL) {
        mint_error("%s", "out of memory", NULL);
        return -1;
    }

    /* json_object_set_new() takes the reference even when it fails */

    if (json_object_set_new(claims, name, value) != 0) {
        mint_error("cannot set claim \"%s\"", name, NULL);
        return -1;
    }

    return 0;
}


/* -c NAME=VALUE (json == 0) or -C NAME=JSON (json == 1) */

static int
add_claim_arg(json_t *claims, const char *arg, int json)
{
    int            rc;
    char          *name, *eq;
    size_t         len;
    json_t        *value;
    json_error_t   error;

    eq = strchr(arg, '=');
    if (eq == NULL || eq == arg) {
        mint_error("bad claim \"%s\": NAME=VALUE expected", arg, NULL);
        return -1;
    }

    len = (size_t) (eq - arg);

    name = malloc(len + 1);
    if (name == NULL) {
        mint_error("%s", "out of memory", NULL);
        return -1;
    }

    memcpy(name, arg, len);
    name[len] = '\0';

    if (json) {
        value = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                           &error);
        if (value == NULL) {
            mint_error("bad JSON in claim \"%s\"", name, error.text);
            free(name);
            return -1;
        }

    } else {
        value = json_string(eq + 1);
        if (value == NULL) {
            mint_error("claim \"%s\" is not valid UTF-8", name, NULL);
            free(name);
            return -1;
        }
    }

    rc = set_claim(claims, name, value);
    free(name);
    return rc;
}


static int
add_string_claim(json_t *claims, const char *name, const char *value)
{
    json_t  *v;

    if (value == NULL) {
        return 0;
    }

    v = json_string(value);
    if (v == NULL) {
        mint_error("the %s value is not valid UTF-8", name, NULL);
        return -1;
    }

    return set_claim(claims, name, v);
}


static int
add_jti(json_t *claims)
{
    int             i;
    char            hex[MINT_JTI_BYTES * 2 + 1];
    unsigned char   rnd[MINT_JTI_BYTES];

    static const char  digits[] = "0123456789abcdef";

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        mint_error("%s", "RAND_bytes() failed", NULL);
        return -1;
    }

    for (i = 0; i < MINT_JTI_BYTES; i++) {
        hex[2 * i] = digits[rnd[i] >> 4];
        hex[2 * i + 1] = digits[rnd[i] & 0x0f];
    }

    hex[MINT_JTI_BYTES * 2] = '\0';

    return set_claim(claims, "jti", json_string(hex));
}


static jwt_alg_t
parse_alg(const char *s)
{
    size_t  i;

    static const char  *algs[] = {
        "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
        "HS256", "HS384", "HS512"
    };

    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strcmp(s, algs[i]) == 0) {
            return jwt_str_alg(s);
        }
    }

    return JWT_ALG_INVAL;
}


typedef struct {
    const char  *arg;
    int          json;
} mint_claim_arg_t;


int
main(int argc, char **argv)
{
    int                c, e, rc, with_exp, ncargs, i;
    char              *grants, *token;
    jwt_t             *jwt;
    json_t            *claims;
    size_t             key_len;
    time_t             now;
    jwt_alg_t          alg;
    long long          exp_secs;
    const char        *key_path, *alg_name, *kid, *sub, *iss, *aud;
    unsigned char     *key;
    mint_claim_arg_t  *cargs;

    rc = 1;
    key = NULL;
    key_len = 0;
    jwt = NULL;
    claims = NULL;
    grants = NULL;
    token = NULL;

    key_path = NULL;
    alg_name = "RS256";
    kid = NULL;
    sub = NULL;
    iss = NULL;
    aud = NULL;
    with_exp = 1;
    exp_secs = 300;

    /* the -c and -C arguments, in order: never more than argc */

    ncargs = 0;
    cargs = calloc(argc > 0 ? (size_t) argc : 1, sizeof(mint_claim_arg_t));
    if (cargs == NULL) {
        mint_error("%s", "out of memory", NULL);
        return 1;
    }

    opterr = 0;

    while ((c = getopt(argc, argv, ":k:a:i:s:I:A:e:c:C:h")) != -1) {
        char  opt[2] = { (char) optopt, '\0' };

        switch (c) {

        case 'k':
            key_path = optarg;
            break;

        case 'a':
            alg_name = optarg;
            break;

        case 'i':
            kid = optarg;
            break;

        case 's':
            sub = optarg;
            break;

        case 'I':
            iss = optarg;
            break;

        case 'A':
            aud = optarg;
            break;

        case 'e':
            if (parse_exp(optarg, &with_exp, &exp_secs) != 0) {
                goto done;
            }
            break;

        case 'c':
        case 'C':
            cargs[ncargs].arg = optarg;
            cargs[ncargs].json = (c == 'C');
            ncargs++;
            break;

        case 'h':
            usage(stdout);
            rc = (fflush(stdout) == 0) ? 0 : 1;
            goto done;

        case ':':
            mint_error("option -%s needs a value", opt, NULL);
            usage(stderr);
            goto done;

        default:
            mint_error("unknown option -%s", opt, NULL);
            usage(stderr);
            goto done;
        }
    }

    if (optind != argc) {
        mint_error("unexpected argument \"%s\"", argv[optind], NULL);
        usage(stderr);
        goto done;
    }

    if (key_path == NULL) {
        mint_error("%s", "no key: -k KEY is required", NULL);
        usage(stderr);
        goto done;
    }

    alg = parse_alg(alg_name);
    if (alg == JWT_ALG_INVAL) {
        mint_error("unsupported algorithm \"%s\"", alg_name, NULL);
        usage(stderr);
        goto done;
    }

    /* the claims: defaults, then -s -I -A, then -c and -C in order */

    now = time(NULL);
    if (now == (time_t) -1) {
        mint_error("%s", "time() failed", strerror(errno));
        goto done;
    }

    claims = json_object();
    if (claims == NULL) {
        mint_error("%s", "out of memory", NULL);
        goto done;
    }

    if (set_claim(claims, "iat", json_integer((json_int_t) now)) != 0
        || (with_exp
            && set_claim(claims, "exp",
                         json_integer((json_int_t) now + exp_secs)) != 0)
        || add_jti(claims) != 0
        || add_string_claim(claims, "sub", sub) != 0
        || add_string_claim(claims, "iss", iss) != 0
        || add_string_claim(claims, "aud", aud) != 0)
    {
        goto done;
    }

    for (i = 0; i < ncargs; i++) {
        if (add_claim_arg(claims, cargs[i].arg, cargs[i].json) != 0) {
            goto done;
        }
    }

    grants = json_dumps(claims, JSON_COMPACT);
    if (grants == NULL) {
        mint_error("%s", "cannot serialize the claims", NULL);
        goto done;
    }

    /* the token */

    key = read_key(key_path, &key_len);
    if (key == NULL) {
        goto done;
    }

    if (key_len > INT_MAX) {
        mint_error("key file %s is too large", key_path, NULL);
        goto done;
    }

    e = jwt_new(&jwt);
    if (e != 0) {
        jwt = NULL;
        mint_error("%s", "jwt_new() failed", strerror(e));
        goto done;
    }

    e = jwt_set_alg(jwt, alg, key, (int) key_len);
    if (e != 0) {
        mint_error("cannot use the key for %s", alg_name, strerror(e));
        goto done;
    }

    if (kid != NULL) {
        e = jwt_add_header(jwt, "kid", kid);
        if (e != 0) {
            mint_error("%s", "cannot set the kid header", strerror(e));
            goto done;
        }
    }

    e = jwt_add_grants_json(jwt, grants);
    if (e != 0) {
        mint_error("%s", "cannot set the claims", strerror(e));
        goto done;
    }

    errno = 0;
    token = jwt_encode_str(jwt);
    if (token == NULL) {
        mint_error("cannot sign with %s", alg_name,
            errno ? strerror(errno) : "unknown error");
        fprintf(stderr, "%s: is %s %s key?\n", prog, key_path,
                alg_name[0] == 'R' ? "an RSA private"
                : alg_name[0] == 'E' ? "an EC private"
                : "an HMAC secret");
        goto done;
    }

    if (printf("%s\n", token) < 0 || fflush(stdout) != 0) {
        mint_error("%s", "cannot write the token", strerror(errno));
        goto done;
    }

    rc = 0;

done:

    free(token);

    if (jwt != NULL) {
        jwt_free(jwt);
    }

    free(grants);
    json_decref(claims);

    if (key != NULL) {
        OPENSSL_cleanse(key, key_len);
        free(key);
    }

    free(cargs);
    return rc;
}
