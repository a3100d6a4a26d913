/*
 * jwtgate-jwks: prints a JWKS (RFC 7517) for auth_jwt_key_file.
 *
 *   jwtgate-jwks KEY.pem[:kid] | CERT.pem[:kid] ...
 *   jwtgate-jwks --oct FILE|- [--alg HS256|HS384|HS512] [--kid KID]
 *                [--base64] [--keep-newline] [KEY.pem[:kid] ...]
 *
 * Each PEM key (private or public, RSA, EC P-256/384/521 or Ed25519/Ed448)
 * or X.509 certificate becomes one public JWK with "use":"sig", its "alg"
 * and the kid given after ':' (default: the file name without directory
 * and extension); a certificate adds "x5c" and "x5t#S256".  Private
 * members are never written.  --oct makes a symmetric key whose "k" is the
 * base64url of the secret's bytes, read from a file or stdin, never from
 * the command line; the secret is never printed but in "k".
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>


/* the most read from a secret file: more is refused, not truncated */
#define SECRET_READ_MAX   (64 * 1024)
/* the longest "k" the gateway loads (JWTGATE_MAX_KEY_BYTES) */
#define SECRET_MAX        2048
#define CERTS_MAX         16


static const char  short_usage[] =
"usage: jwtgate-jwks [KEY.pem[:kid] | CERT.pem[:kid]] ...\n"
"       jwtgate-jwks --oct FILE|- [--alg HS256|HS384|HS512] [--kid KID]\n"
"                    [--base64] [--keep-newline] [KEY.pem[:kid] ...]\n"
"       jwtgate-jwks --help\n";

static const char  usage[] =
"usage: jwtgate-jwks [KEY.pem[:kid] | CERT.pem[:kid]] ...\n"
"       jwtgate-jwks --oct FILE|- [--alg HS256|HS384|HS512] [--kid KID]\n"
"                    [--base64] [--keep-newline] [KEY.pem[:kid] ...]\n"
"\n"
"Prints a JWKS (RFC 7517) on stdout, for auth_jwt_key_file.\n"
"\n"
"PEM keys and certificates: each file (a private or public key: RSA, EC\n"
"P-256/384/521, Ed25519, Ed448; or X.509 certificates) becomes one public\n"
"JWK with \"use\":\"sig\", its \"alg\" (RSA: RS256) and the kid given after\n"
"':' (default: the file name without directory and extension).  For a\n"
"certificate the key is its public key, with \"x5c\" (the file's\n"
"certificates in order, base64 DER) and \"x5t#S256\" (the SHA-256\n"
"thumbprint of the first).  Private members are never written.\n"
"\n"
"  --oct FILE|-    a symmetric (\"oct\") key from the secret in FILE, or\n"
"                  on stdin with '-': \"k\" is the base64url of the exact\n"
"                  bytes the issuer signs with (a string secret of\n"
"                  jsonwebtoken, @nestjs/jwt or PyJWT: its UTF-8 bytes).\n"
"                  The secret is never taken from the command line.\n"
"  --alg ALG       the oct key's alg: HS256 (default), HS384 or HS512;\n"
"                  the secret must be at least 32, 48 or 64 bytes long\n"
"                  (RFC 7518 3.2), and at most 2048.\n"
"  --kid KID       the oct key's kid (default: none; a token with a kid\n"
"                  is verified only by a key with that kid).\n"
"  --base64        the file holds the secret in base64 or base64url\n"
"                  (line breaks allowed): for an issuer that decodes its\n"
"                  configured secret before signing with it.\n"
"  --keep-newline  keep a trailing newline: by default one \"\\n\" or\n"
"                  \"\\r\\n\" at the end of the secret is dropped (as\n"
"                  \"echo secret > FILE\" adds one).\n"
"  -h, --help      this text.\n"
"\n"
"Make a secret:   openssl rand -base64 48 > secret.txt\n"
"                 (the issuer's secret is then that text, as it is)\n"
"Keep the output private (it holds the secret), readable by nginx:\n"
"                 (umask 027; jwtgate-jwks --oct secret.txt \\\n"
"                     > /etc/nginx/hs256.jwks)\n"
"                 chgrp www-data /etc/nginx/hs256.jwks\n"
"\n"
"Exit status: 0 printed; 1 a key or secret could not be read or was\n"
"refused (said on stderr); 2 usage.\n";


typedef struct {
    const char  *path;          /* NULL: no --oct */
    const char  *alg;
    const char  *kid;
    int          base64;
    int          keep_newline;
} oct_opts_t;


static char *
b64url(const unsigned char *in, size_t len)
{
    static const char  abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t  i, n;
    char   *out;

    out = malloc(len / 3 * 4 + 5);
    if (out == NULL) {
        return NULL;
    }

    for (i = 0, n = 0; i < len; i += 3) {
        unsigned long  v = (unsigned long) in[i] << 16;

        if (i + 1 < len) {
            v |= (unsigned long) in[i + 1] << 8;
        }

        if (i + 2 < len) {
            v |= in[i + 2];
        }

        out[n++] = abc[v >> 18 & 63];
        out[n++] = abc[v >> 12 & 63];

        if (i + 1 < len) {
            out[n++] = abc[v >> 6 & 63];
        }

        if (i + 2 < len) {
            out[n++] = abc[v & 63];
        }
    }

    out[n] = '\0';
    return out;
}


static int
set_b64(json_t *jwk, const char *name, const unsigned char *p, size_t len)
{
    int    rc;
    char  *s;

    s = b64url(p, len);
    if (s == NULL) {
        return -1;
    }

    rc = json_object_set_new(jwk, name, json_string(s));
    OPENSSL_cleanse(s, strlen(s));      /* "k" of an oct key: the secret */
    free(s);
    return rc;
}


static int
set_bn(json_t *jwk, const char *name, EVP_PKEY *pkey, const char *param,
    int pad)
{
    int             rc, len;
    BIGNUM         *bn;
    unsigned char  *buf;

    bn = NULL;

    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
        return -1;
    }

    len = pad > 0 ? pad : BN_num_bytes(bn);
    buf = malloc(len > 0 ? (size_t) len : 1);

    if (buf == NULL || BN_bn2binpad(bn, buf, len) != len) {
        free(buf);
        BN_free(bn);
        return -1;
    }

    rc = set_b64(jwk, name, buf, (size_t) len);

    free(buf);
    BN_free(bn);
    return rc;
}


static json_t *
key_to_jwk(EVP_PKEY *pkey, const char *kid)
{
    int             ok, pad;
    char            group[64];
    size_t          len;
    json_t         *jwk;
    const char     *crv, *alg;
    unsigned char   raw[64];

    jwk = json_object();
    if (jwk == NULL) {
        return NULL;
    }

    ok = 0;

    if (EVP_PKEY_is_a(pkey, "RSA")) {
        ok = json_object_set_new(jwk, "kty", json_string("RSA")) == 0
             && set_bn(jwk, "n", pkey, OSSL_PKEY_PARAM_RSA_N, 0) == 0
             && set_bn(jwk, "e", pkey, OSSL_PKEY_PARAM_RSA_E, 0) == 0
             && json_object_set_new(jwk, "alg", json_string("RS256")) == 0;

    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                           group, sizeof(group), NULL) != 1)
        {
            goto failed;
        }

        if (strcmp(group, "prime256v1") == 0) {
            crv = "P-256"; alg = "ES256"; pad = 32;

        } else if (strcmp(group, "secp384r1") == 0) {
            crv = "P-384"; alg = "ES384"; pad = 48;

        } else if (strcmp(group, "secp521r1") == 0) {
            crv = "P-521"; alg = "ES512"; pad = 66;

        } else {
            fprintf(stderr, "jwtgate-jwks: unsupported curve %s\n", group);
            goto failed;
        }

        ok = json_object_set_new(jwk, "kty", json_string("EC")) == 0
             && json_object_set_new(jwk, "crv", json_string(crv)) == 0
             && set_bn(jwk, "x", pkey, OSSL_PKEY_PARAM_EC_PUB_X, pad) == 0
             && set_bn(jwk, "y", pkey, OSSL_PKEY_PARAM_EC_PUB_Y, pad) == 0
             && json_object_set_new(jwk, "alg", json_string(alg)) == 0;

    } else if (EVP_PKEY_is_a(pkey, "ED25519") || EVP_PKEY_is_a(pkey, "ED448"))
    {
        len = sizeof(raw);

        if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1) {
            goto failed;
        }

        crv = EVP_PKEY_is_a(pkey, "ED25519") ? "Ed25519" : "Ed448";

        ok = json_object_set_new(jwk, "kty", json_string("OKP")) == 0
             && json_object_set_new(jwk, "crv", json_string(crv)) == 0
             && set_b64(jwk, "x", raw, len) == 0
             && json_object_set_new(jwk, "alg", json_string("EdDSA")) == 0;

    } else {
        fprintf(stderr, "jwtgate-jwks: unsupported key type\n");
    }

    if (ok
        && json_object_set_new(jwk, "use", json_string("sig")) == 0
        && json_object_set_new(jwk, "kid", json_string(kid)) == 0)
    {
        return jwk;
    }

failed:

    json_decref(jwk);
    return NULL;
}


static char *
b64std(const unsigned char *in, size_t len)
{
    char  *out;

    out = malloc((len + 2) / 3 * 4 + 1);
    if (out == NULL) {
        return NULL;
    }

    EVP_EncodeBlock((unsigned char *) out, in, (int) len);
    return out;
}


/* "x5c" and "x5t#S256" of the certificates read from a PEM file */

static int
set_certs(json_t *jwk, X509 **certs, size_t n)
{
    int             len;
    char           *b64;
    size_t          i;
    json_t         *x5c;
    unsigned char  *der, digest[32];

    x5c = json_array();
    if (x5c == NULL || json_object_set_new(jwk, "x5c", x5c) != 0) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        der = NULL;
        len = i2d_X509(certs[i], &der);
        if (len <= 0) {
            return -1;
        }

        if (i == 0
            && (EVP_Digest(der, (size_t) len, digest, NULL, EVP_sha256(),
                           NULL) != 1
                || set_b64(jwk, "x5t#S256", digest, sizeof(digest)) != 0))
        {
            OPENSSL_free(der);
            return -1;
        }

        b64 = b64std(der, (size_t) len);
        OPENSSL_free(der);

        if (b64 == NULL || json_array_append_new(x5c, json_string(b64)) != 0)
        {
            free(b64);
            return -1;
        }

        free(b64);
    }

    return 0;
}


/* a PEM file: certificates (the key of the first), a private key or a
 * public key; *ncerts certificates are left in certs */

static EVP_PKEY *
read_key(const char *path, X509 **certs, size_t *ncerts)
{
    BIO       *bio;
    X509      *x;
    EVP_PKEY  *pkey;

    *ncerts = 0;

    bio = BIO_new_file(path, "r");
    if (bio == NULL) {
        /*
         * a name that is no file may be a secret typed by mistake:
         * never repeat it
         */
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "jwtgate-jwks: %s: cannot open\n", path);

        } else {
            fprintf(stderr, "jwtgate-jwks: a key file argument names no "
                    "file (not repeated here; a secret goes in a file or "
                    "stdin: --oct FILE|-)\n");
        }

        return NULL;
    }

    pkey = NULL;

    while (*ncerts < CERTS_MAX
           && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
    {
        certs[(*ncerts)++] = x;
    }

    if (*ncerts > 0) {
        pkey = X509_get_pubkey(certs[0]);

    } else if (BIO_reset(bio) == 0) {
        pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);

        if (pkey == NULL && BIO_reset(bio) == 0) {
            pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        }
    }

    BIO_free(bio);
    ERR_clear_error();

    if (pkey == NULL) {
        fprintf(stderr, "jwtgate-jwks: %s: not a PEM key or certificate\n",
                path);
    }

    return pkey;
}


static json_t *
pem_to_jwk(const char *arg)
{
    char      *path, *kid, *base, *dot;
    size_t     i, len, ncerts;
    X509      *certs[CERTS_MAX];
    json_t    *jwk;
    EVP_PKEY  *pkey;

    len = strlen(arg);

    /* "path:kid", or the kid is the file's base name */
    path = malloc(2 * len + 2);
    if (path == NULL) {
        return NULL;
    }

    memcpy(path, arg, len + 1);
    kid = path + len + 1;

    dot = strrchr(path, ':');

    if (dot != NULL) {
        *dot = '\0';
        memcpy(kid, dot + 1, strlen(dot + 1) + 1);

    } else {
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        memcpy(kid, base, strlen(base) + 1);

        dot = strchr(kid, '.');
        if (dot != NULL) {
            *dot = '\0';
        }
    }

    pkey = read_key(path, certs, &ncerts);
    jwk = pkey ? key_to_jwk(pkey, kid) : NULL;

    if (jwk != NULL && ncerts > 0 && set_certs(jwk, certs, ncerts) != 0) {
        json_decref(jwk);
        jwk = NULL;
    }

    for (i = 0; i < ncerts; i++) {
        X509_free(certs[i]);
    }

    EVP_PKEY_free(pkey);
    free(path);
    return jwk;
}


/* at most SECRET_READ_MAX bytes of a file or stdin; NULL: said why */

static unsigned char *
read_secret(const char *path, size_t *len)
{
    int             failed;
    FILE           *f;
    size_t          n;
    unsigned char  *buf;

    if (strcmp(path, "-") == 0) {
        f = stdin;
        path = "stdin";

    } else {
        f = fopen(path, "rb");
        if (f == NULL) {
            if (access(path, F_OK) == 0) {
                fprintf(stderr, "jwtgate-jwks: %s: cannot open the secret "
                        "file\n", path);

            } else {
                /* "--oct SECRET" by mistake: never repeat it */
                fprintf(stderr, "jwtgate-jwks: --oct names no file (not "
                        "repeated here): the secret goes in a file, or "
                        "\"-\" for stdin\n");
            }

            return NULL;
        }
    }

    /* no stdio buffer: the secret's only copy is buf, wiped after use */
    setvbuf(f, NULL, _IONBF, 0);

    buf = malloc(SECRET_READ_MAX + 1);
    if (buf == NULL) {
        if (f != stdin) {
            fclose(f);
        }

        return NULL;
    }

    n = 0;

    while (n <= SECRET_READ_MAX) {
        size_t  got = fread(buf + n, 1, SECRET_READ_MAX + 1 - n, f);

        if (got == 0) {
            break;
        }

        n += got;
    }

    failed = ferror(f);

    if (f != stdin) {
        fclose(f);
    }

    if (failed || n > SECRET_READ_MAX) {
        fprintf(stderr, failed ? "jwtgate-jwks: %s: reading failed\n"
                : "jwtgate-jwks: %s: more than 65536 bytes: not a secret\n",
                path);
        OPENSSL_cleanse(buf, n);
        free(buf);
        return NULL;
    }

    *len = n;
    return buf;
}


/* base64 or base64url text to bytes in place, line breaks skipped;
 * -1: not such text */

static int
decode_base64(unsigned char *p, size_t *len)
{
    int       c, v;
    size_t    i, n, pad, bits;
    uint32_t  acc;

    n = 0;
    pad = 0;
    bits = 0;
    acc = 0;

    for (i = 0; i < *len; i++) {
        c = p[i];

        if (c == '\n' || c == '\r') {
            continue;
        }

        if (c == '=') {
            pad++;
            continue;
        }

        if (pad > 0) {
            return -1;
        }

        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';

        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;

        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;

        } else if (c == '+' || c == '-') {
            v = 62;

        } else if (c == '/' || c == '_') {
            v = 63;

        } else {
            return -1;
        }

        acc = (acc << 6) | (uint32_t) v;
        bits += 6;

        if (bits >= 8) {
            bits -= 8;
            p[n++] = (unsigned char) (acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }

    /* leftover bits: at most 4 and zero; padding only to complete */
    if (bits >= 6 || acc != 0 || pad > 2) {
        return -1;
    }

    *len = n;
    return 0;
}


/* printable base64 or base64url text, as the gateway's warning sees it */

static int
base64_text(const unsigned char *p, size_t len)
{
    size_t  i;

    while (len > 0 && p[len - 1] == '=') {
        len--;
    }

    if (len == 0 || len % 4 == 1) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z')
              || (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/'
              || p[i] == '-' || p[i] == '_'))
        {
            return 0;
        }
    }

    return 1;
}


static json_t *
oct_to_jwk(const oct_opts_t *opts)
{
    size_t          len, min;
    json_t         *jwk;
    unsigned char  *secret;

    if (strcmp(opts->alg, "HS256") == 0) {
        min = 32;

    } else if (strcmp(opts->alg, "HS384") == 0) {
        min = 48;

    } else if (strcmp(opts->alg, "HS512") == 0) {
        min = 64;

    } else {
        fprintf(stderr, "jwtgate-jwks: --alg %s: an oct key is HS256, HS384 "
                "or HS512\n", opts->alg);
        return NULL;
    }

    secret = read_secret(opts->path, &len);
    if (secret == NULL) {
        return NULL;
    }

    jwk = NULL;

    if (!opts->keep_newline && len > 0 && secret[len - 1] == '\n') {
        len -= (len > 1 && secret[len - 2] == '\r') ? 2 : 1;

        if (!opts->base64) {
            fprintf(stderr, "jwtgate-jwks: note: one trailing newline "
                    "dropped from the secret (--keep-newline keeps it)\n");
        }
    }

    if (opts->base64 && decode_base64(secret, &len) != 0) {
        fprintf(stderr, "jwtgate-jwks: --base64: the secret is not base64 "
                "or base64url text\n");
        goto done;
    }

    if (len == 0) {
        fprintf(stderr, "jwtgate-jwks: the secret is empty\n");
        goto done;
    }

    if (len > SECRET_MAX) {
        fprintf(stderr, "jwtgate-jwks: the secret is %zu bytes: the gateway "
                "loads at most %d\n", len, SECRET_MAX);
        goto done;
    }

    if (len < min) {
        fprintf(stderr, "jwtgate-jwks: the secret is %zu bytes: %s needs at "
                "least %zu (RFC 7518 3.2).\nMake one with "
                "\"openssl rand -base64 48 > secret.txt\" (64 characters) "
                "and give the issuer that text as its secret.\n",
                len, opts->alg, min);
        goto done;
    }

    if (!opts->base64 && base64_text(secret, len)) {
        fprintf(stderr, "jwtgate-jwks: note: the secret is base64 text; k "
                "encodes that text as it is, which is right when the issuer "
                "signs with the text (jsonwebtoken, @nestjs/jwt, PyJWT); "
                "if it decodes the text first, use --base64\n");
    }

    jwk = json_object();

    if (jwk == NULL
        || json_object_set_new(jwk, "kty", json_string("oct")) != 0
        || (opts->kid != NULL
            && json_object_set_new(jwk, "kid", json_string(opts->kid)) != 0)
        || json_object_set_new(jwk, "use", json_string("sig")) != 0
        || json_object_set_new(jwk, "alg", json_string(opts->alg)) != 0
        || set_b64(jwk, "k", secret, len) != 0
        || json_object_set_new(jwk, "x-jwtgate-secret",
                               json_string(opts->base64 ? "decoded" : "text"))
           != 0)
    {
        json_decref(jwk);
        jwk = NULL;
    }

done:

    OPENSSL_cleanse(secret, SECRET_READ_MAX + 1);
    free(secret);
    return jwk;
}


int
main(int argc, char **argv)
{
    int          i, rc, first;
    size_t       n;
    json_t      *keys, *jwk, *root;
    oct_opts_t   opts;

    memset(&opts, 0, sizeof(oct_opts_t));

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;

        } else if (strcmp(argv[i], "--base64") == 0) {
            opts.base64 = 1;

        } else if (strcmp(argv[i], "--keep-newline") == 0) {
            opts.keep_newline = 1;

        } else if (strcmp(argv[i], "--oct") == 0
                   || strcmp(argv[i], "--alg") == 0
                   || strcmp(argv[i], "--kid") == 0)
        {
            if (i + 1 == argc) {
                fprintf(stderr, "jwtgate-jwks: %s needs a value\n%s",
                        argv[i], short_usage);
                return 2;
            }

            if (strcmp(argv[i], "--oct") == 0) {
                if (opts.path != NULL) {
                    fprintf(stderr, "jwtgate-jwks: one --oct at a time\n");
                    return 2;
                }

                opts.path = argv[++i];

            } else if (strcmp(argv[i], "--alg") == 0) {
                opts.alg = argv[++i];

            } else {
                opts.kid = argv[++i];
            }

        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;

        } else if (argv[i][0] == '-') {
            /*
             * only an option's name: "--oct=SECRET", or a secret that
             * starts with "-", must not be repeated
             */
            n = strcspn(argv[i], "=");

            if (argv[i][1] == '-'
                && strspn(argv[i] + 2, "abcdefghijklmnopqrstuvwxyz-")
                   == n - 2)
            {
                fprintf(stderr, "jwtgate-jwks: unknown option %.*s%s",
                        (int) n, argv[i], argv[i][n] ? "=..." : "");

            } else {
                fprintf(stderr, "jwtgate-jwks: an unknown argument "
                        "starting with \"-\" (not repeated here)");
            }

            fprintf(stderr, " (the secret is read from a file or stdin: "
                    "--oct FILE|-)\n%s", short_usage);
            return 2;

        } else {
            break;
        }
    }

    first = i;

    if (opts.path == NULL
        && (opts.alg || opts.kid || opts.base64 || opts.keep_newline))
    {
        fprintf(stderr, "jwtgate-jwks: --alg, --kid, --base64 and "
                "--keep-newline are for --oct\n%s", short_usage);
        return 2;
    }

    if (opts.path == NULL && first == argc) {
        fputs(short_usage, stderr);
        return 2;
    }

    if (opts.alg == NULL) {
        opts.alg = "HS256";
    }

    rc = 1;
    root = json_object();
    keys = json_array();

    if (root == NULL || keys == NULL
        || json_object_set(root, "keys", keys) != 0)
    {
        goto done;
    }

    if (opts.path != NULL) {
        jwk = oct_to_jwk(&opts);

        if (jwk == NULL || json_array_append_new(keys, jwk) != 0) {
            goto done;
        }
    }

    for (i = first; i < argc; i++) {
        jwk = pem_to_jwk(argv[i]);

        if (jwk == NULL || json_array_append_new(keys, jwk) != 0) {
            goto done;
        }
    }

    if (json_dumpf(root, stdout, JSON_INDENT(2)) != 0) {
        goto done;
    }

    putchar('\n');

    if (fflush(stdout) != 0) {
        perror("jwtgate-jwks: stdout");
        goto done;
    }

    rc = 0;

done:

    json_decref(keys);
    json_decref(root);
    return rc;
}
