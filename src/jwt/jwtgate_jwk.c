/*
 * One JWK (RFC 7517, RFC 7518 section 6, RFC 8037) to an OpenSSL key, by
 * key type: RSA, EC, OKP, oct; its "use", "key_ops" and "alg" to the
 * algorithms it may verify.  Public keys only: private members are
 * ignored, never loaded.  The key set around them is jwtgate_key.c; the
 * keys of a decryption set (JWTGATE_KEYSET_DECRYPT) jwtgate_jwk_priv.c.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "jwtgate_int.h"


/* longest "n" or "k" read: an RSA modulus over JWTGATE_MAX_RSA_BITS but
 * within this is skipped as too long, not as malformed */
#define JWTGATE_MAX_KEY_BYTES   (16384 / 8)


typedef struct {
    const char  *crv;
    const char  *group;
    size_t       len;       /* coordinate length, bytes */
    jwtgate_alg_t alg;
} jwtgate_curve_t;


static const jwtgate_curve_t  curves[] = {
    { "P-256", "prime256v1", 32, JWTGATE_ALG_ES256 },
    { "P-384", "secp384r1", 48, JWTGATE_ALG_ES384 },
    { "P-521", "secp521r1", 66, JWTGATE_ALG_ES512 }
};


static const char *jwtgate_jwk_public(const json_t *jwk, const char *kty,
    jwtgate_key_t *key, EVP_MD *const *md);
static const char *jwtgate_jwk_usage(const json_t *jwk, unsigned *algs);
static int jwtgate_jwk_oct_enc_ops(const json_t *jwk, const json_t *ops);
static const char *jwtgate_jwk_rsa(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_jwk_ec(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_jwk_okp(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_jwk_oct(const json_t *jwk, jwtgate_key_t *key);
static const char *jwtgate_oct_warning(const json_t *jwk,
    const jwtgate_key_t *key);
static int jwtgate_b64_text(const unsigned char *p, size_t len);
static const char *jwtgate_okp_check(const unsigned char *x, size_t len,
    int ed25519);
static unsigned char *jwtgate_jwk_bytes(const json_t *jwk, const char *name,
    size_t max, size_t *len);


const char *
jwtgate_jwk_parse(const json_t *jwk, jwtgate_key_t *key, EVP_MD *const *md,
    unsigned flags)
{
    const char    *kty, *reason;
    const json_t  *v;

    memset(key, 0, sizeof(jwtgate_key_t));

    if (!json_is_object(jwk)) {
        return "not an object";
    }

    v = json_object_get(jwk, "kid");
    if (v != NULL && !json_is_string(v)) {
        return "kid is not a string";
    }

    v = json_object_get(jwk, "kty");
    if (v == NULL || !json_is_string(v)) {
        return "no kty";
    }

    kty = json_string_value(v);

    if (strcmp(kty, "oct") == 0 && (flags & JWTGATE_KEYSET_NO_SYMMETRIC)) {
        return "a symmetric (oct) key in a public key set";
    }

    if (flags & JWTGATE_KEYSET_DECRYPT) {
        /* a decryption set: private keys, jwtgate_jwk_priv.c */
        reason = jwtgate_jwk_parse_private(jwk, kty, key);

    } else {
        reason = jwtgate_jwk_public(jwk, kty, key, md);
    }

    if (reason == NULL) {
        v = json_object_get(jwk, "kid");
        if (v != NULL) {
            key->kid_len = json_string_length(v);
            key->kid = malloc(key->kid_len + 1);
            if (key->kid == NULL) {
                reason = "out of memory";

            } else {
                memcpy(key->kid, json_string_value(v), key->kid_len + 1);
            }
        }
    }

    if (reason != NULL) {
        jwtgate_key_clear(key);
    }

    return reason;
}


/* a key of a signature set: its public half */

static const char *
jwtgate_jwk_public(const json_t *jwk, const char *kty, jwtgate_key_t *key,
    EVP_MD *const *md)
{
    const char  *reason;

    if (strcmp(kty, "RSA") == 0) {
        reason = jwtgate_jwk_rsa(jwk, key);

    } else if (strcmp(kty, "EC") == 0) {
        reason = jwtgate_jwk_ec(jwk, key);

    } else if (strcmp(kty, "OKP") == 0) {
        reason = jwtgate_jwk_okp(jwk, key);

    } else if (strcmp(kty, "oct") == 0) {
        reason = jwtgate_jwk_oct(jwk, key);

    } else {
        return "unsupported kty";
    }

    if (reason == NULL) {
        reason = jwtgate_jwk_usage(jwk, &key->algs);
    }

    if (reason == NULL && key->algs == 0) {
        reason = "no algorithm fits the key";
    }

    if (reason == NULL && jwtgate_key_prepare(key, md) != 0) {
        reason = "OpenSSL cannot verify with the key";
    }

    return reason;
}


/* "use", "key_ops" and "alg" narrow what a key may verify */

/* 1 for an oct JWK whose key_ops names an encryption operation */

static int
jwtgate_jwk_oct_enc_ops(const json_t *jwk, const json_t *ops)
{
    size_t         i, j;
    const char    *s;
    const json_t  *kty, *op;

    static const char  *enc_ops[] = {
        "encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey",
        "deriveBits"
    };

    kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty) || strcmp(json_string_value(kty), "oct") != 0)
    {
        return 0;
    }

    json_array_foreach(ops, i, op) {
        s = json_is_string(op) ? json_string_value(op) : "";

        for (j = 0; j < sizeof(enc_ops) / sizeof(enc_ops[0]); j++) {
            if (strcmp(s, enc_ops[j]) == 0) {
                return 1;
            }
        }
    }

    return 0;
}


static const char *
jwtgate_jwk_usage(const json_t *jwk, unsigned *algs)
{
    int            alg;
    size_t         i;
    const json_t  *v, *op;

    v = json_object_get(jwk, "use");
    if (v != NULL) {
        if (!json_is_string(v)) {
            return "use is not a string";
        }

        if (strcmp(json_string_value(v), "sig") != 0) {
            return "use is not sig";
        }
    }

    v = json_object_get(jwk, "key_ops");
    if (v != NULL) {
        if (!json_is_array(v)) {
            return "key_ops is not an array";
        }

        json_array_foreach(v, i, op) {
            if (json_is_string(op)
                && strcmp(json_string_value(op), "verify") == 0)
            {
                break;
            }
        }

        if (i == json_array_size(v)) {
            return "key_ops has no verify";
        }

        /* a secret that may also decrypt or unwrap is a decryption key
         * (jwtgate_jwk_priv.c) too: whoever can make a JWE for it could
         * sign, so it is neither */
        if (jwtgate_jwk_oct_enc_ops(jwk, v)) {
            return "an oct key whose key_ops mixes verify with encryption "
                   "operations";
        }
    }

    v = json_object_get(jwk, "alg");
    if (v != NULL) {
        if (!json_is_string(v)) {
            return "alg is not a string";
        }

        alg = jwtgate_alg_from_name(json_string_value(v),
                                    json_string_length(v));
        if (alg < 0) {
            return "unsupported alg";
        }

        if (!(*algs & JWTGATE_ALG_BIT(alg))) {
            return "alg does not fit the key type";
        }

        *algs = JWTGATE_ALG_BIT(alg);
    }

    return NULL;
}


static const char *
jwtgate_jwk_rsa(const json_t *jwk, jwtgate_key_t *key)
{
    int              ok;
    size_t           n_len, e_len;
    BIGNUM          *n, *e;
    EVP_PKEY_CTX    *ctx;
    OSSL_PARAM      *params;
    const char      *reason;
    unsigned char   *n_bytes, *e_bytes;
    OSSL_PARAM_BLD  *bld;

    n_bytes = jwtgate_jwk_bytes(jwk, "n", JWTGATE_MAX_KEY_BYTES, &n_len);
    e_bytes = jwtgate_jwk_bytes(jwk, "e", 8, &e_len);

    n = NULL;
    e = NULL;
    bld = NULL;
    params = NULL;
    ctx = NULL;
    reason = "bad n or e";

    if (n_bytes == NULL || e_bytes == NULL) {
        goto done;
    }

    /* RFC 7518 6.3.1.2: e in its minimal form, no leading zero octet */
    if (e_bytes[0] == 0) {
        goto done;
    }

    if (n_len * 8 < JWTGATE_MIN_RSA_BITS - 7) {
        reason = "RSA key shorter than 2048 bits";
        goto done;
    }

    reason = "out of memory";

    n = BN_bin2bn(n_bytes, (int) n_len, NULL);
    e = BN_bin2bn(e_bytes, (int) e_len, NULL);
    bld = OSSL_PARAM_BLD_new();

    if (n == NULL || e == NULL || bld == NULL) {
        goto done;
    }

    if (BN_num_bits(n) < JWTGATE_MIN_RSA_BITS) {
        reason = "RSA key shorter than 2048 bits";
        goto done;
    }

    if (BN_num_bits(n) > JWTGATE_MAX_RSA_BITS) {
        reason = "RSA key longer than 8192 bits";
        goto done;
    }

    /* e = 1 makes every padded digest its own signature */
    if (!BN_is_odd(e) || BN_num_bits(e) < 2) {
        reason = "bad e";
        goto done;
    }

    if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
    {
        goto done;
    }

    params = OSSL_PARAM_BLD_to_param(bld);
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

    if (params == NULL || ctx == NULL) {
        goto done;
    }

    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY, params)
            == 1;

    if (!ok) {
        reason = "OpenSSL rejected the RSA key";
        goto done;
    }

    key->kty = JWTGATE_KTY_RSA;
    key->algs = JWTGATE_ALG_BIT(JWTGATE_ALG_RS256)
                | JWTGATE_ALG_BIT(JWTGATE_ALG_RS384)
                | JWTGATE_ALG_BIT(JWTGATE_ALG_RS512)
                | JWTGATE_ALG_BIT(JWTGATE_ALG_PS256)
                | JWTGATE_ALG_BIT(JWTGATE_ALG_PS384)
                | JWTGATE_ALG_BIT(JWTGATE_ALG_PS512);
    reason = NULL;

done:

    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    free(n_bytes);
    free(e_bytes);

    return reason;
}


static const char *
jwtgate_jwk_ec(const json_t *jwk, jwtgate_key_t *key)
{
    int                     ok;
    size_t                  i, x_len, y_len;
    EVP_PKEY_CTX           *ctx, *check;
    OSSL_PARAM              params[3];
    const char             *crv, *reason;
    unsigned char          *x, *y, point[1 + 2 * 66];
    const jwtgate_curve_t  *curve;

    crv = json_string_value(json_object_get(jwk, "crv"));
    if (crv == NULL) {
        return "no crv";
    }

    curve = NULL;

    for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
        if (strcmp(crv, curves[i].crv) == 0) {
            curve = &curves[i];
            break;
        }
    }

    if (curve == NULL) {
        return "unsupported crv";
    }

    x = jwtgate_jwk_bytes(jwk, "x", curve->len, &x_len);
    y = jwtgate_jwk_bytes(jwk, "y", curve->len, &y_len);

    ctx = NULL;
    check = NULL;
    reason = "bad x or y";

    /* RFC 7518 6.2.1.2: each coordinate is exactly the field size */
    if (x == NULL || y == NULL || x_len != curve->len || y_len != curve->len)
    {
        goto done;
    }

    point[0] = 0x04;
    memcpy(point + 1, x, curve->len);
    memcpy(point + 1 + curve->len, y, curve->len);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *) curve->group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, 1 + 2 * curve->len);
    params[2] = OSSL_PARAM_construct_end();

    reason = "out of memory";

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL) {
        goto done;
    }

    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &key->pkey, EVP_PKEY_PUBLIC_KEY, params)
            == 1;

    if (!ok) {
        reason = "point is not on the curve";
        goto done;
    }

    check = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (check == NULL) {
        goto done;
    }

    if (EVP_PKEY_public_check(check) != 1) {
        reason = "point is not on the curve";
        goto done;
    }

    key->kty = JWTGATE_KTY_EC;
    key->algs = JWTGATE_ALG_BIT(curve->alg);
    reason = NULL;

done:

    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    free(x);
    free(y);

    return reason;
}


static const char *
jwtgate_jwk_okp(const json_t *jwk, jwtgate_key_t *key)
{
    int             type;
    size_t          len, want;
    const char     *crv, *reason;
    unsigned char  *x;

    crv = json_string_value(json_object_get(jwk, "crv"));
    if (crv == NULL) {
        return "no crv";
    }

    if (strcmp(crv, "Ed25519") == 0) {
        type = EVP_PKEY_ED25519;
        want = 32;

    } else if (strcmp(crv, "Ed448") == 0) {
        type = EVP_PKEY_ED448;
        want = 57;

    } else {
        return "unsupported crv";
    }

    x = jwtgate_jwk_bytes(jwk, "x", want, &len);
    if (x == NULL || len != want) {
        free(x);
        return "bad x";
    }

    /* OpenSSL does not refuse these: any signature forged with them */
    reason = jwtgate_okp_check(x, len, type == EVP_PKEY_ED25519);
    if (reason != NULL) {
        free(x);
        return reason;
    }

    key->pkey = EVP_PKEY_new_raw_public_key(type, NULL, x, len);
    reason = key->pkey ? NULL : "OpenSSL rejected the OKP key";

    key->kty = JWTGATE_KTY_OKP;
    key->algs = JWTGATE_ALG_BIT(JWTGATE_ALG_EDDSA);

    free(x);
    return reason;
}


static const char *
jwtgate_jwk_oct(const json_t *jwk, jwtgate_key_t *key)
{
    const char    *k;
    const json_t  *v;

    key->secret = jwtgate_jwk_bytes(jwk, "k", JWTGATE_MAX_KEY_BYTES,
                                    &key->secret_len);
    if (key->secret == NULL) {
        v = json_object_get(jwk, "k");
        k = json_is_string(v) ? json_string_value(v) : "";

        if (k[strcspn(k, "+/=")] != '\0') {
            return "k is not base64url (it holds \"+\", \"/\" or \"=\"): "
                   "a secret pasted as it is? k is the base64url of the "
                   "secret's bytes: make it with \"jwtgate-jwks --oct\"";
        }

        return "bad k";
    }

    key->kty = JWTGATE_KTY_OCT;

    /* RFC 7518 3.2: a key at least as long as the hash output */
    if (key->secret_len >= 32) {
        key->algs |= JWTGATE_ALG_BIT(JWTGATE_ALG_HS256);
    }

    if (key->secret_len >= 48) {
        key->algs |= JWTGATE_ALG_BIT(JWTGATE_ALG_HS384);
    }

    if (key->secret_len >= 64) {
        key->algs |= JWTGATE_ALG_BIT(JWTGATE_ALG_HS512);
    }

    if (key->algs == 0) {
        return "HMAC secret shorter than 256 bits (RFC 7518 3.2): make one "
               "of 32 random bytes or more, e.g. \"openssl rand -base64 48 "
               "> secret\" used as the issuer's secret, and k from it with "
               "\"jwtgate-jwks --oct secret\"";
    }

    key->warning = jwtgate_oct_warning(jwk, key);

    return NULL;
}


/* a usable secret that looks like a mistake; the text of the warning */

static const char *
jwtgate_oct_warning(const json_t *jwk, const jwtgate_key_t *key)
{
    size_t         i, len;
    const char    *k;
    const json_t  *v;

    /* jwtgate-jwks --oct says how it made k: the operator chose */
    v = json_object_get(jwk, JWTGATE_JWK_SECRET_FORM);
    if (json_is_string(v)
        && (strcmp(json_string_value(v), "text") == 0
            || strcmp(json_string_value(v), "decoded") == 0))
    {
        return NULL;
    }

    if (key->secret[key->secret_len - 1] == '\n') {
        return "the secret (k decoded) ends with a newline (made with "
               "\"echo\"?): right only if the issuer's secret ends with it "
               "too; \"jwtgate-jwks --oct FILE\" drops one trailing newline";
    }

    if (jwtgate_b64_text(key->secret, key->secret_len)) {
        return "the secret (k decoded) is itself base64 or base64url text: "
               "right if the issuer signs with that text as it is "
               "(jsonwebtoken, @nestjs/jwt, PyJWT with a string secret), "
               "wrong if the issuer decodes it first (then k is that text "
               "in base64url: \"jwtgate-jwks --oct FILE --base64\"); "
               "a member \"" JWTGATE_JWK_SECRET_FORM "\":\"text\" in the "
               "key says it is right";
    }

    /* the base64url of random bytes is only hex digits with a chance of
     * 4^-n: an hex secret pasted into k */
    k = json_string_value(json_object_get(jwk, "k"));
    len = strlen(k);

    for (i = 0; i < len; i++) {
        if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')
              || (k[i] >= 'A' && k[i] <= 'F')))
        {
            return NULL;
        }
    }

    return "k is only hex digits: a hex secret pasted as it is? k is the "
           "base64url of the secret's bytes: make it with "
           "\"jwtgate-jwks --oct FILE\"";
}


/*
 * Printable text that decodes as base64 (RFC 4648 section 4, "=" padding
 * optional) or as base64url (section 5): letters, digits, then "+" "/" or
 * "-" "_" (not both), at most two "=" that pad to a multiple of 4.
 */

static int
jwtgate_b64_text(const unsigned char *p, size_t len)
{
    int     std, url;
    size_t  i, pad;

    for (pad = 0; pad < 2 && len > 0 && p[len - 1] == '='; pad++) {
        len--;
    }

    if (len == 0 || len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0)) {
        return 0;
    }

    std = 0;
    url = 0;

    for (i = 0; i < len; i++) {
        if ((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z')
            || (p[i] >= '0' && p[i] <= '9'))
        {
            continue;
        }

        if (p[i] == '+' || p[i] == '/') {
            std = 1;

        } else if (p[i] == '-' || p[i] == '_') {
            url = 1;

        } else {
            return 0;
        }
    }

    return !(std && url);
}


/*
 * An EdDSA public key of small order (identity, order 2, 4 or 8) lets
 * forged signatures verify.  The encoding is y, little-endian, with the
 * sign of x in the top bit.  Refused: y >= p (non-canonical), and every
 * small-order point: y in {0, 1, -1} on both curves, and on Ed25519 the
 * order-8 points, whose y satisfies d y^4 + 2 y^2 - 1 = 0 (mod p) (from
 * the doubling formula: 2P has y = 0 exactly when y^2 = -x^2 on
 * -x^2 + y^2 = 1 + d x^2 y^2).
 */

static const char *
jwtgate_okp_check(const unsigned char *x, size_t len, int ed25519)
{
    size_t          i;
    BIGNUM         *y, *p, *d, *t, *one;
    BN_CTX         *bn;
    const char     *reason;
    unsigned char   be[57];

    for (i = 0; i < len; i++) {
        be[i] = x[len - 1 - i];
    }

    be[0] &= 0x7f;

    bn = BN_CTX_new();
    y = BN_bin2bn(be, (int) len, NULL);
    p = BN_new();
    d = BN_new();
    t = BN_new();
    one = BN_new();

    reason = "out of memory";

    if (bn == NULL || y == NULL || p == NULL || d == NULL || t == NULL
        || one == NULL || !BN_one(one))
    {
        goto done;
    }

    /* Ed25519: p = 2^255 - 19; Ed448: p = 2^448 - 2^224 - 1 */
    if (ed25519) {
        if (!BN_set_bit(p, 255) || !BN_sub_word(p, 19)) {
            goto done;
        }

    } else {
        if (!BN_set_bit(p, 448) || !BN_set_bit(t, 224) || !BN_sub(p, p, t)
            || !BN_sub_word(p, 1))
        {
            goto done;
        }

        /* the last octet carries only the sign bit */
        if (x[len - 1] & 0x7f) {
            reason = "non-canonical point";
            goto done;
        }
    }

    reason = "small-order point";

    if (BN_cmp(y, p) >= 0) {
        reason = "non-canonical point";
        goto done;
    }

    if (BN_is_zero(y) || BN_is_one(y)) {
        goto done;
    }

    if (!BN_copy(t, y) || !BN_add_word(t, 1)) {
        reason = "out of memory";
        goto done;
    }

    if (BN_cmp(t, p) == 0) {
        goto done;                                  /* y = -1 */
    }

    if (ed25519) {
        reason = "out of memory";

        /* d = -121665 / 121666 */
        if (!BN_set_word(t, 121666) || !BN_mod_inverse(d, t, p, bn)
            || !BN_mul_word(d, 121665) || !BN_mod(d, d, p, bn)
            || !BN_sub(d, p, d))
        {
            goto done;
        }

        /* t = (d y^2 + 2) y^2 - 1 mod p */
        if (!BN_mod_sqr(y, y, p, bn) || !BN_mod_mul(t, d, y, p, bn)
            || !BN_add_word(t, 2) || !BN_mod_mul(t, t, y, p, bn)
            || !BN_mod_sub(t, t, one, p, bn))
        {
            goto done;
        }

        reason = "small-order point";

        if (BN_is_zero(t)) {
            goto done;
        }
    }

    reason = NULL;

done:

    BN_free(y);
    BN_free(p);
    BN_free(d);
    BN_free(t);
    BN_free(one);
    BN_CTX_free(bn);

    return reason;
}


/* a base64url member, decoded; NULL when absent, empty, malformed or
 * longer than max bytes */

static unsigned char *
jwtgate_jwk_bytes(const json_t *jwk, const char *name, size_t max,
    size_t *len)
{
    size_t          n;
    const json_t   *v;
    unsigned char  *buf;

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
        /* a secret's "k", partly decoded */
        OPENSSL_cleanse(buf, n + 1);
        free(buf);
        return NULL;
    }

    return buf;
}


void
jwtgate_key_clear(jwtgate_key_t *key)
{
    jwtgate_key_release(key);
    EVP_PKEY_free(key->pkey);

    if (key->secret != NULL) {
        OPENSSL_cleanse(key->secret, key->secret_len);
        free(key->secret);
    }

    free(key->kid);
    memset(key, 0, sizeof(jwtgate_key_t));
}
