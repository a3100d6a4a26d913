/*
 * One JWK of a decryption key set (JWTGATE_KEYSET_DECRYPT) to an OpenSSL
 * private key or a secret: RSA with d and its CRT members, EC (P-256,
 * P-384, P-521) with d, OKP X25519 with d, oct.  The key's "use",
 * "key_ops" and "alg" narrow the JWE algorithms it may decrypt with.  A
 * signature set never comes here (jwtgate_jwk.c loads public keys only).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "jwtgate_int.h"


#define JWTGATE_PRIV_MAX_BYTES  (16384 / 8)

#define BIT(a)  (1u << (a))

#define JWTGATE_JWE_OAEP  (BIT(JWTGATE_JWE_RSA_OAEP)                          \
                           | BIT(JWTGATE_JWE_RSA_OAEP_256)                    \
                           | BIT(JWTGATE_JWE_RSA_OAEP_384)                    \
                           | BIT(JWTGATE_JWE_RSA_OAEP_512))
#define JWTGATE_JWE_KW    (BIT(JWTGATE_JWE_A128KW) | BIT(JWTGATE_JWE_A192KW)  \
                           | BIT(JWTGATE_JWE_A256KW))
#define JWTGATE_JWE_GCMKW (BIT(JWTGATE_JWE_A128GCMKW)                         \
                           | BIT(JWTGATE_JWE_A192GCMKW)                       \
                           | BIT(JWTGATE_JWE_A256GCMKW))
#define JWTGATE_JWE_ECDH  (BIT(JWTGATE_JWE_ECDH_ES)                           \
                           | BIT(JWTGATE_JWE_ECDH_ES_A128KW)                  \
                           | BIT(JWTGATE_JWE_ECDH_ES_A192KW)                  \
                           | BIT(JWTGATE_JWE_ECDH_ES_A256KW))


typedef struct {
    const char  *crv;
    const char  *group;
    size_t       len;
    int          id;
} jwtgate_priv_curve_t;


static const jwtgate_priv_curve_t  priv_curves[] = {
    { "P-256", "prime256v1", 32, JWTGATE_CRV_P256 },
    { "P-384", "secp384r1", 48, JWTGATE_CRV_P384 },
    { "P-521", "secp521r1", 66, JWTGATE_CRV_P521 }
};


static const char *jwtgate_priv_usage(const json_t *jwk, unsigned *algs,
    int *dir_enc);
static const char *jwtgate_priv_rsa(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_priv_ec(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_priv_okp(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_priv_oct(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_priv_check(jwtgate_key_t *key);
static unsigned char *jwtgate_priv_bytes(const json_t *jwk, const char *name,
    size_t max, size_t *len);
static void jwtgate_priv_free(unsigned char *p, size_t len);


const char *
jwtgate_jwk_parse_private(const json_t *jwk, const char *kty,
    jwtgate_key_t *key)
{
    const char  *reason;

    if (strcmp(kty, "RSA") == 0) {
        reason = jwtgate_priv_rsa(jwk, key);

    } else if (strcmp(kty, "EC") == 0) {
        reason = jwtgate_priv_ec(jwk, key);

    } else if (strcmp(kty, "OKP") == 0) {
        reason = jwtgate_priv_okp(jwk, key);

    } else if (strcmp(kty, "oct") == 0) {
        reason = jwtgate_priv_oct(jwk, key);

    } else {
        return "unsupported kty";
    }

    if (reason == NULL) {
        reason = jwtgate_priv_usage(jwk, &key->jwe_algs, &key->dir_enc);
    }

    /*
     * An oct key must say it is for encryption: a bare {"kty":"oct","k"}
     * is also an HMAC key to a signature set, and anyone who can make a
     * JWE for it could then sign.  The signature loader refuses "use":
     * "enc", a JWE "alg" and JWE-only "key_ops", so no key is both.
     */
    if (reason == NULL && key->kty == JWTGATE_KTY_OCT
        && json_object_get(jwk, "use") == NULL
        && json_object_get(jwk, "alg") == NULL
        && json_object_get(jwk, "key_ops") == NULL)
    {
        reason = "an oct key for decryption must say so (\"use\": \"enc\", "
                 "a JWE \"alg\" or \"key_ops\"): without, it is an HMAC "
                 "signing key as well";
    }

    if (reason == NULL && key->jwe_algs == 0) {
        reason = "no JWE algorithm fits the key";
    }

    return reason;
}


/* "use", "key_ops" and "alg" narrow what a key may decrypt with */

static const char *
jwtgate_priv_usage(const json_t *jwk, unsigned *algs, int *dir_enc)
{
    int            alg;
    size_t         i;
    unsigned       ops;
    const char    *s;
    const json_t  *v, *op;

    v = json_object_get(jwk, "use");
    if (v != NULL) {
        if (!json_is_string(v)) {
            return "use is not a string";
        }

        if (strcmp(json_string_value(v), "enc") != 0) {
            return "use is not enc";
        }
    }

    v = json_object_get(jwk, "key_ops");
    if (v != NULL) {
        if (!json_is_array(v)) {
            return "key_ops is not an array";
        }

        ops = 0;

        json_array_foreach(v, i, op) {
            s = json_is_string(op) ? json_string_value(op) : "";

            if ((strcmp(s, "sign") == 0 || strcmp(s, "verify") == 0)
                && json_is_string(json_object_get(jwk, "kty"))
                && strcmp(json_string_value(json_object_get(jwk, "kty")),
                          "oct")
                   == 0)
            {
                /* an HMAC key as well (jwtgate_jwk.c): neither */
                return "an oct key whose key_ops mixes encryption with "
                       "sign or verify";
            }

            if (strcmp(s, "unwrapKey") == 0) {
                ops |= JWTGATE_JWE_OAEP | JWTGATE_JWE_KW | JWTGATE_JWE_GCMKW;

            } else if (strcmp(s, "decrypt") == 0) {
                ops |= BIT(JWTGATE_JWE_DIR) | JWTGATE_JWE_OAEP
                       | JWTGATE_JWE_GCMKW;

            } else if (strcmp(s, "deriveKey") == 0
                       || strcmp(s, "deriveBits") == 0)
            {
                ops |= JWTGATE_JWE_ECDH;
            }
        }

        if (!(*algs & ops)) {
            return "key_ops allows no decryption with the key";
        }

        *algs &= ops;
    }

    v = json_object_get(jwk, "alg");
    if (v != NULL) {
        if (!json_is_string(v)) {
            return "alg is not a string";
        }

        s = json_string_value(v);

        if (strcmp(s, "RSA1_5") == 0) {
            return "alg RSA1_5 is never supported (RFC 7516 11.5)";
        }

        if (strncmp(s, "PBES2", 5) == 0) {
            return "alg PBES2 is never supported";
        }

        /* a dir key may name the enc it is for (RFC 7520 5.6) */
        alg = jwtgate_enc_from_name(s, json_string_length(v));
        if (alg >= 0) {
            if (!(*algs & BIT(JWTGATE_JWE_DIR))) {
                return "alg does not fit the key (type, size, key_ops)";
            }

            *algs = BIT(JWTGATE_JWE_DIR);
            *dir_enc = alg + 1;
            return NULL;
        }

        alg = jwtgate_jwe_alg_from_name(s, json_string_length(v));
        if (alg < 0) {
            return "alg is not a supported JWE key management algorithm";
        }

        if (!(*algs & BIT(alg))) {
            return "alg does not fit the key (type, size, key_ops)";
        }

        *algs = BIT(alg);
    }

    return NULL;
}


static const char *
jwtgate_priv_rsa(const json_t *jwk, jwtgate_key_t *key)
{
    int              ok;
    size_t           i, len[8];
    BIGNUM          *bn[8];
    EVP_PKEY_CTX    *ctx;
    OSSL_PARAM      *params;
    const char      *reason;
    unsigned char   *bytes[8];
    OSSL_PARAM_BLD  *bld;

    static const char  *names[8] = {
        "n", "e", "d", "p", "q", "dp", "dq", "qi"
    };
    static const char  *params_names[8] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1
    };

    if (json_object_get(jwk, "oth") != NULL) {
        return "multi-prime RSA (oth) is not supported";
    }

    bld = NULL;
    params = NULL;
    ctx = NULL;
    reason = "an RSA decryption key needs n, e, d, p, q, dp, dq and qi";

    for (i = 0; i < 8; i++) {
        bn[i] = NULL;
        bytes[i] = jwtgate_priv_bytes(jwk, names[i],
                                      i == 1 ? 8 : JWTGATE_PRIV_MAX_BYTES,
                                      &len[i]);
        if (bytes[i] == NULL) {
            len[i] = 0;
        }
    }

    for (i = 0; i < 8; i++) {
        if (bytes[i] == NULL) {
            goto done;
        }
    }

    if (bytes[1][0] == 0) {
        reason = "bad e";
        goto done;
    }

    reason = "out of memory";

    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL) {
        goto done;
    }

    for (i = 0; i < 8; i++) {
        bn[i] = i < 2 ? BN_bin2bn(bytes[i], (int) len[i], NULL)
                      : BN_secure_new();
        if (bn[i] == NULL) {
            goto done;
        }

        if (i >= 2) {
            BN_set_flags(bn[i], BN_FLG_CONSTTIME);

            if (BN_bin2bn(bytes[i], (int) len[i], bn[i]) == NULL) {
                goto done;
            }
        }
    }

    if (BN_num_bits(bn[0]) < JWTGATE_MIN_RSA_BITS) {
        reason = "RSA key shorter than 2048 bits";
        goto done;
    }

    if (BN_num_bits(bn[0]) > JWTGATE_MAX_RSA_BITS) {
        reason = "RSA key longer than 8192 bits";
        goto done;
    }

    if (!BN_is_odd(bn[1]) || BN_num_bits(bn[1]) < 2) {
        reason = "bad e";
        goto done;
    }

    for (i = 0; i < 8; i++) {
        if (!OSSL_PARAM_BLD_push_BN(bld, params_names[i], bn[i])) {
            goto done;
        }
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

    if (params == NULL || ctx == NULL) {
        goto done;
    }

    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_KEYPAIR, params)
            == 1;

    if (!ok) {
        reason = "OpenSSL rejected the RSA key";
        goto done;
    }

    key->kty = JWTGATE_KTY_RSA;
    key->jwe_algs = JWTGATE_JWE_OAEP;

    reason = jwtgate_priv_check(key);

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);

    for (i = 0; i < 8; i++) {
        BN_clear_free(bn[i]);
        jwtgate_priv_free(bytes[i], len[i]);
    }

    return reason;
}


static const char *
jwtgate_priv_ec(const json_t *jwk, jwtgate_key_t *key)
{
    int                          ok;
    size_t                       i, x_len, y_len, d_len;
    BIGNUM                      *d;
    EVP_PKEY_CTX                *ctx;
    OSSL_PARAM                  *params;
    const char                  *crv, *reason;
    unsigned char               *x, *y, *dbytes, point[1 + 2 * 66];
    OSSL_PARAM_BLD              *bld;
    const jwtgate_priv_curve_t  *curve;

    crv = json_string_value(json_object_get(jwk, "crv"));
    if (crv == NULL) {
        return "no crv";
    }

    curve = NULL;

    for (i = 0; i < sizeof(priv_curves) / sizeof(priv_curves[0]); i++) {
        if (strcmp(crv, priv_curves[i].crv) == 0) {
            curve = &priv_curves[i];
            break;
        }
    }

    if (curve == NULL) {
        return "unsupported crv";
    }

    x = jwtgate_priv_bytes(jwk, "x", curve->len, &x_len);
    y = jwtgate_priv_bytes(jwk, "y", curve->len, &y_len);
    dbytes = jwtgate_priv_bytes(jwk, "d", curve->len, &d_len);

    d = NULL;
    bld = NULL;
    params = NULL;
    ctx = NULL;
    reason = "an EC decryption key needs x, y and d of the curve's size";

    /* RFC 7518 6.2.1.2, 6.2.2.1: each exactly the field's size */
    if (x == NULL || y == NULL || dbytes == NULL || x_len != curve->len
        || y_len != curve->len || d_len != curve->len)
    {
        goto done;
    }

    point[0] = 0x04;
    memcpy(point + 1, x, curve->len);
    memcpy(point + 1 + curve->len, y, curve->len);

    reason = "out of memory";

    d = BN_secure_new();
    bld = OSSL_PARAM_BLD_new();

    if (d == NULL || bld == NULL) {
        goto done;
    }

    BN_set_flags(d, BN_FLG_CONSTTIME);

    if (BN_bin2bn(dbytes, (int) d_len, d) == NULL
        || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                            curve->group, 0)
        || !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
                                             point, 1 + 2 * curve->len)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d))
    {
        goto done;
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

    if (params == NULL || ctx == NULL) {
        goto done;
    }

    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_KEYPAIR, params)
            == 1;

    if (!ok) {
        reason = "point is not on the curve";
        goto done;
    }

    key->kty = JWTGATE_KTY_EC;
    key->crv = curve->id;
    key->jwe_algs = JWTGATE_JWE_ECDH;

    reason = jwtgate_priv_check(key);

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    free(x);
    free(y);
    jwtgate_priv_free(dbytes, d_len);

    return reason;
}


static const char *
jwtgate_priv_okp(const json_t *jwk, jwtgate_key_t *key)
{
    size_t          x_len, d_len, pub_len;
    const char     *crv, *reason;
    unsigned char  *x, *d, pub[32];

    crv = json_string_value(json_object_get(jwk, "crv"));
    if (crv == NULL) {
        return "no crv";
    }

    if (strcmp(crv, "X25519") != 0) {
        return "unsupported crv (an OKP decryption key is X25519)";
    }

    x = jwtgate_priv_bytes(jwk, "x", 32, &x_len);
    d = jwtgate_priv_bytes(jwk, "d", 32, &d_len);

    reason = "an X25519 decryption key needs x and d of 32 bytes";

    if (x == NULL || d == NULL || x_len != 32 || d_len != 32) {
        goto done;
    }

    key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, d, 32);
    if (key->pkey == NULL) {
        reason = "OpenSSL rejected the X25519 key";
        goto done;
    }

    pub_len = sizeof(pub);

    if (EVP_PKEY_get_raw_public_key(key->pkey, pub, &pub_len) != 1
        || pub_len != 32)
    {
        reason = "OpenSSL rejected the X25519 key";
        goto done;
    }

    if (memcmp(pub, x, 32) != 0) {
        reason = "x is not the public key of d";
        goto done;
    }

    key->kty = JWTGATE_KTY_OKP;
    key->crv = JWTGATE_CRV_X25519;
    key->jwe_algs = JWTGATE_JWE_ECDH;
    reason = NULL;

done:

    free(x);
    jwtgate_priv_free(d, d_len);

    return reason;
}


static const char *
jwtgate_priv_oct(const json_t *jwk, jwtgate_key_t *key)
{
    key->secret = jwtgate_priv_bytes(jwk, "k", JWTGATE_PRIV_MAX_BYTES,
                                     &key->secret_len);
    if (key->secret == NULL) {
        return "bad k";
    }

    key->kty = JWTGATE_KTY_OCT;

    /* a key wrapping key of the AES sizes; dir: enc's key length (16, 24
     * and 32 for AES-GCM, 32, 48 and 64 for AES-CBC-HMAC) */
    switch (key->secret_len) {

    case 16:
        key->jwe_algs = BIT(JWTGATE_JWE_A128KW) | BIT(JWTGATE_JWE_A128GCMKW)
                        | BIT(JWTGATE_JWE_DIR);
        break;

    case 24:
        key->jwe_algs = BIT(JWTGATE_JWE_A192KW) | BIT(JWTGATE_JWE_A192GCMKW)
                        | BIT(JWTGATE_JWE_DIR);
        break;

    case 32:
        key->jwe_algs = BIT(JWTGATE_JWE_A256KW) | BIT(JWTGATE_JWE_A256GCMKW)
                        | BIT(JWTGATE_JWE_DIR);
        break;

    case 48:
    case 64:
        key->jwe_algs = BIT(JWTGATE_JWE_DIR);
        break;

    default:
        return "k is not 16, 24, 32, 48 or 64 bytes: no JWE algorithm fits";
    }

    return NULL;
}


/* the private key is consistent with its public key */

static const char *
jwtgate_priv_check(jwtgate_key_t *key)
{
    int            ok;
    EVP_PKEY_CTX  *ctx;

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx == NULL) {
        return "out of memory";
    }

    ok = EVP_PKEY_pairwise_check(ctx) == 1
         && (key->kty != JWTGATE_KTY_EC || EVP_PKEY_public_check(ctx) == 1);

    EVP_PKEY_CTX_free(ctx);

    return ok ? NULL : "the private key does not match its public key";
}


/* a base64url member, decoded; NULL when absent, empty, malformed or
 * longer than max bytes */

static unsigned char *
jwtgate_priv_bytes(const json_t *jwk, const char *name, size_t max,
    size_t *len)
{
    size_t          n;
    const json_t   *v;
    unsigned char  *buf;

    *len = 0;

    v = json_object_get(jwk, name);
    if (v == NULL || !json_is_string(v) || json_string_length(v) == 0) {
        return NULL;
    }

    n = jwtgate_b64url_decoded_len(json_string_length(v));
    if (n > max) {
        return NULL;
    }

    buf = malloc(n + 1);
    if (buf == NULL) {
        return NULL;
    }

    *len = jwtgate_b64url_decode(buf, json_string_value(v),
                                 json_string_length(v));
    if (*len == (size_t) -1 || *len == 0) {
        OPENSSL_cleanse(buf, n + 1);
        free(buf);
        *len = 0;
        return NULL;
    }

    return buf;
}


static void
jwtgate_priv_free(unsigned char *p, size_t len)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, len);
        free(p);
    }
}
