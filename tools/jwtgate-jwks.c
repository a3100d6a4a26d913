/*
 * jwtgate-jwks: prints the public JWKS of one or more PEM keys.
 *
 *   jwtgate-jwks KEY.pem[:kid] ...
 *
 * Each key (private or public PEM, RSA, EC P-256/384/521 or Ed25519/Ed448)
 * becomes one public JWK with "use":"sig", its "alg" and the kid given
 * after ':' (default: the file name without directory and extension).
 * Private members are never written.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>


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


static EVP_PKEY *
read_key(const char *path)
{
    FILE      *f;
    EVP_PKEY  *pkey;

    f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return NULL;
    }

    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);

    if (pkey == NULL) {
        rewind(f);
        pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    }

    fclose(f);

    if (pkey == NULL) {
        fprintf(stderr, "jwtgate-jwks: %s: not a PEM key\n", path);
    }

    return pkey;
}


int
main(int argc, char **argv)
{
    int        i, rc;
    char      *path, *kid, *base, *dot;
    size_t     len;
    json_t    *keys, *jwk, *root;
    EVP_PKEY  *pkey;

    if (argc < 2) {
        fprintf(stderr, "usage: jwtgate-jwks KEY.pem[:kid] ...\n");
        return 2;
    }

    rc = 1;
    root = json_object();
    keys = json_array();

    if (root == NULL || keys == NULL
        || json_object_set(root, "keys", keys) != 0)
    {
        goto done;
    }

    for (i = 1; i < argc; i++) {
        len = strlen(argv[i]);

        /* "path:kid", or the kid is the file's base name */
        path = malloc(2 * len + 2);
        if (path == NULL) {
            goto done;
        }

        memcpy(path, argv[i], len + 1);
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

        pkey = read_key(path);
        jwk = pkey ? key_to_jwk(pkey, kid) : NULL;

        EVP_PKEY_free(pkey);
        free(path);

        if (jwk == NULL || json_array_append_new(keys, jwk) != 0) {
            goto done;
        }
    }

    if (json_dumpf(root, stdout, JSON_INDENT(2)) != 0) {
        goto done;
    }

    putchar('\n');
    rc = 0;

done:

    json_decref(keys);
    json_decref(root);
    return rc;
}
