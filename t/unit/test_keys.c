/*
 * JWK and JWKS loading, key policy and key selection, with real
 * signatures.  Tokens are signed here with OpenSSL directly, from the
 * private keys in t/data, so that no signature comes from the code under
 * test.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jwtgate.h"
#include "fixtures.h"


#define PAYLOAD  "{\"sub\":\"alice\",\"exp\":4102444800}"


/* a signed compact token of PAYLOAD, kid optional */

static char *
sign_token(jwtgate_alg_t alg, const char *kid, const fx_signer_t *k)
{
    return fx_sign_token(alg, kid, PAYLOAD, k);
}


/* key sets */

static jwtgate_rc_t
parse_set(const char *text, jwtgate_keyset_t **set)
{
    return jwtgate_keyset_parse(text, strlen(text), NULL, NULL, set);
}


/* a set of the keys of two JWK files */

static jwtgate_keyset_t *
pair_set(const char *a, const char *b)
{
    char              *ta, *tb, *text;
    jwtgate_keyset_t  *set;

    ta = fx_slurp(a, NULL);
    tb = fx_slurp(b, NULL);

    text = malloc(strlen(ta) + strlen(tb) + 16);
    assert_non_null(text);
    sprintf(text, "{\"keys\":[%s,%s]}", ta, tb);

    set = fx_keyset(text);

    free(text);
    free(tb);
    free(ta);

    return set;
}


/* A JWK file with one member replaced (value is JSON text) or removed
 * (value NULL); the caller frees the text. */

static char *
jwk_edit(const char *name, const char *member, const char *value)
{
    char    *text;
    json_t  *jwk, *v;

    text = fx_slurp(name, NULL);
    jwk = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(jwk);

    if (value == NULL) {
        assert_int_equal(json_object_del(jwk, member), 0);

    } else {
        v = json_loads(value, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        assert_int_equal(json_object_set_new(jwk, member, v), 0);
    }

    text = json_dumps(jwk, JSON_COMPACT);
    assert_non_null(text);
    json_decref(jwk);

    return text;
}


static jwtgate_keyset_t *
edited_set(const char *name, const char *member, const char *value)
{
    char              *text;
    jwtgate_keyset_t  *set;

    text = jwk_edit(name, member, value);
    set = fx_keyset(text);
    free(text);

    return set;
}


/* the load result of an edited JWK, with the number of skips */

typedef struct {
    size_t       calls;
    size_t       index[8];
    char         kid[8][16];
    const char  *reason[8];
} skips_t;


static void
record_skip(void *data, size_t index, const char *kid, const char *reason)
{
    skips_t  *s;

    s = data;

    if (s->calls < 8) {
        s->index[s->calls] = index;
        snprintf(s->kid[s->calls], sizeof(s->kid[0]), "%s",
                 kid != NULL ? kid : "(null)");
        s->reason[s->calls] = reason;
    }

    s->calls++;
}


static jwtgate_rc_t
edited_rc(const char *name, const char *member, const char *value,
    size_t *skipped)
{
    char              *text;
    skips_t            skips;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;

    text = jwk_edit(name, member, value);

    memset(&skips, 0, sizeof(skips));
    rc = jwtgate_keyset_parse(text, strlen(text), record_skip, &skips, &set);
    free(text);

    if (rc == JWTGATE_OK) {
        assert_non_null(set);
        assert_int_equal(jwtgate_keyset_count(set), 1);

    } else {
        assert_null(set);
    }

    jwtgate_keyset_free(set);

    if (skipped != NULL) {
        *skipped = skips.calls;
    }

    return rc;
}


/* verification */

static jwtgate_rc_t
verify_sets(const char *tok, const jwtgate_keyset_t *const *sets, size_t n,
    const char **kid, size_t *set_index)
{
    jwtgate_rc_t          rc;
    jwtgate_token_t      *t;
    jwtgate_limits_t      limits;
    const jwtgate_key_t  *key;

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse(tok, strlen(tok), &limits, JWTGATE_ALGS_ALL,
                             &t);
    assert_int_equal(rc, JWTGATE_OK);

    key = NULL;
    rc = jwtgate_verify_signature(t, sets, n, &key, set_index);

    if (kid != NULL) {
        *kid = NULL;
    }

    if (rc == JWTGATE_OK) {
        assert_non_null(key);

        if (kid != NULL) {
            *kid = jwtgate_key_kid(key);
        }
    }

    jwtgate_token_free(t);

    return rc;
}


static jwtgate_rc_t
verify_tries(const char *tok, const jwtgate_keyset_t *const *sets, size_t n,
    size_t max_tries, const char **kid, size_t *set_index)
{
    jwtgate_rc_t          rc;
    jwtgate_token_t      *t;
    jwtgate_limits_t      limits;
    const jwtgate_key_t  *key;

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse(tok, strlen(tok), &limits, JWTGATE_ALGS_ALL,
                             &t);
    assert_int_equal(rc, JWTGATE_OK);

    key = NULL;
    rc = jwtgate_verify_signature_tries(t, sets, n, max_tries, &key,
                                        set_index);

    if (kid != NULL) {
        *kid = rc == JWTGATE_OK ? jwtgate_key_kid(key) : NULL;
    }

    jwtgate_token_free(t);

    return rc;
}


static jwtgate_rc_t
tries_one(const char *tok, const jwtgate_keyset_t *set, size_t max_tries,
    const char **kid)
{
    return verify_tries(tok, &set, 1, max_tries, kid, NULL);
}


static jwtgate_rc_t
verify_one(const char *tok, const jwtgate_keyset_t *set, const char **kid)
{
    const jwtgate_keyset_t  *sets[1];

    sets[0] = set;

    return verify_sets(tok, sets, 1, kid, NULL);
}


/* the token with one bit of its signature flipped */

static char *
flip_sig_bit(const char *tok)
{
    char           *input, *out;
    size_t          n, len;
    const char     *dot;
    unsigned char  *sig;

    dot = strrchr(tok, '.');
    len = strlen(dot + 1);

    sig = malloc(jwtgate_b64url_decoded_len(len) + 1);
    assert_non_null(sig);
    n = jwtgate_b64url_decode(sig, dot + 1, len);
    assert_true(n != (size_t) -1 && n > 0);

    sig[n / 2] ^= 0x10;

    input = malloc((size_t) (dot - tok) + 1);
    assert_non_null(input);
    memcpy(input, tok, (size_t) (dot - tok));
    input[dot - tok] = '\0';

    out = fx_with_sig(input, sig, n);

    free(input);
    free(sig);

    return out;
}


/* every algorithm with its key */

typedef struct {
    jwtgate_alg_t   alg;
    const char     *key;        /* .pem or, for HMAC, .jwk */
    const char     *jwk;        /* .jwk */
    int             no_alg;     /* drop the JWK's "alg" */
} alg_case_t;


static void
test_every_alg_verifies(void **state)
{
    char                *tok, *bad, name[64];
    size_t               i;
    fx_signer_t             k;
    const char          *kid;
    jwtgate_keyset_t    *set;
    static const alg_case_t  cases[] = {
        { JWTGATE_ALG_RS256, "rsa1", "rsa1.jwk", 0 },
        { JWTGATE_ALG_RS384, "rsa1", "rsa1.jwk", 1 },
        { JWTGATE_ALG_RS512, "rsa1", "rsa1.jwk", 1 },
        { JWTGATE_ALG_PS256, "rsa1", "rsa1.jwk", 1 },
        { JWTGATE_ALG_PS384, "rsa1", "rsa1.jwk", 1 },
        { JWTGATE_ALG_PS512, "rsa1", "rsa1.jwk", 1 },
        { JWTGATE_ALG_RS256, "rsa3072", "rsa3072.jwk", 0 },
        { JWTGATE_ALG_PS512, "rsa3072", "rsa3072.jwk", 1 },
        { JWTGATE_ALG_ES256, "ec256", "ec256.jwk", 0 },
        { JWTGATE_ALG_ES384, "ec384", "ec384.jwk", 0 },
        { JWTGATE_ALG_ES512, "ec521", "ec521.jwk", 0 },
        { JWTGATE_ALG_EDDSA, "ed25519", "ed25519.jwk", 0 },
        { JWTGATE_ALG_EDDSA, "ed448", "ed448.jwk", 0 },
        { JWTGATE_ALG_HS256, "hs256.jwk", "hs256.jwk", 0 },
        { JWTGATE_ALG_HS384, "hs512.jwk", "hs512.jwk", 1 },
        { JWTGATE_ALG_HS512, "hs512.jwk", "hs512.jwk", 0 },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k = cases[i].alg <= JWTGATE_ALG_HS512 ? fx_hmac_key(cases[i].key)
                                              : fx_private_key(cases[i].key);

        set = cases[i].no_alg ? edited_set(cases[i].jwk, "alg", NULL)
                              : fx_file_set(cases[i].jwk);
        assert_true(jwtgate_keyset_algs(set)
                    & JWTGATE_ALG_BIT(cases[i].alg));

        snprintf(name, sizeof(name), "%s", cases[i].jwk);
        *strchr(name, '.') = '\0';

        /* with the kid */
        tok = sign_token(cases[i].alg, name, &k);
        assert_int_equal(verify_one(tok, set, &kid), JWTGATE_OK);
        assert_string_equal(kid, name);

        bad = flip_sig_bit(tok);
        assert_int_equal(verify_one(bad, set, NULL),
                         JWTGATE_ERR_BAD_SIGNATURE);
        free(bad);
        free(tok);

        /* without */
        tok = sign_token(cases[i].alg, NULL, &k);
        assert_int_equal(verify_one(tok, set, &kid), JWTGATE_OK);
        assert_string_equal(kid, name);
        free(tok);

        jwtgate_keyset_free(set);
        fx_signer_free(&k);
    }
}


static void
test_jwks_all(void **state)
{
    char              *tok;
    size_t             i;
    fx_signer_t           k;
    const char        *kid;
    jwtgate_keyset_t  *set;
    static const struct {
        jwtgate_alg_t   alg;
        const char     *name;
    } keys[] = {
        { JWTGATE_ALG_RS256, "rsa1" },
        { JWTGATE_ALG_RS256, "rsa2" },
        { JWTGATE_ALG_RS256, "rsa3072" },
        { JWTGATE_ALG_ES256, "ec256" },
        { JWTGATE_ALG_ES384, "ec384" },
        { JWTGATE_ALG_ES512, "ec521" },
        { JWTGATE_ALG_EDDSA, "ed25519" },
        { JWTGATE_ALG_EDDSA, "ed448" },
    };

    (void) state;

    set = fx_file_set("jwks-all.json");
    assert_int_equal(jwtgate_keyset_count(set), 8);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_ES256)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_ES384)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_ES512)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_EDDSA));

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        k = fx_private_key(keys[i].name);

        tok = sign_token(keys[i].alg, keys[i].name, &k);
        assert_int_equal(verify_one(tok, set, &kid), JWTGATE_OK);
        assert_string_equal(kid, keys[i].name);
        free(tok);

        /* without a kid every key that fits is tried */
        tok = sign_token(keys[i].alg, NULL, &k);
        assert_int_equal(verify_one(tok, set, &kid), JWTGATE_OK);
        assert_string_equal(kid, keys[i].name);
        free(tok);

        fx_signer_free(&k);
    }

    jwtgate_keyset_free(set);
}


/* algorithm confusion */

static void
test_hmac_with_public_key_as_secret(void **state)
{
    char                   *tok, *secret;
    size_t                  i, j, len;
    fx_signer_t                k;
    jwtgate_rc_t            rc;
    jwtgate_token_t        *t;
    jwtgate_limits_t        limits;
    jwtgate_keyset_t       *set, *both;
    static const char      *files[] = {
        "rsa1.pub.pem", "rsa1.pub.der", "rsa1.jwk", "jwks-rsa1.json"
    };
    static const char      *kids[] = { "rsa1", NULL };
    static const jwtgate_alg_t  algs[] = {
        JWTGATE_ALG_HS256, JWTGATE_ALG_HS384, JWTGATE_ALG_HS512
    };

    (void) state;

    jwtgate_limits_init(&limits);

    set = fx_file_set("jwks-rsa1.json");
    assert_int_equal(jwtgate_keyset_algs(set) & JWTGATE_ALGS_HMAC, 0);

    /* the same RSA key next to a real HMAC key */
    both = pair_set("rsa1.jwk", "hs256.jwk");

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        secret = fx_slurp(files[i], &len);
        k = fx_secret_key(secret, len);
        free(secret);

        for (j = 0; j < sizeof(algs) / sizeof(algs[0]) * 2; j++) {
            tok = sign_token(algs[j / 2], kids[j % 2], &k);

            /* narrowed by what the key set can verify: refused at once */
            rc = jwtgate_token_parse(tok, strlen(tok), &limits,
                                     jwtgate_keyset_algs(set), &t);
            assert_int_equal(rc, JWTGATE_ERR_UNSUPPORTED_ALG);
            assert_null(t);

            /* not narrowed: no RSA key verifies an HMAC token */
            assert_int_equal(verify_one(tok, set, NULL),
                             JWTGATE_ERR_ALG_KEY_MISMATCH);

            rc = verify_one(tok, both, NULL);
            assert_int_not_equal(rc, JWTGATE_OK);

            if (kids[j % 2] == NULL || algs[j / 2] != JWTGATE_ALG_HS256) {
                /* HS384/HS512: no key for them at all; no kid: the real
                 * HMAC key is tried and fails */
                assert_int_equal(rc, algs[j / 2] == JWTGATE_ALG_HS256
                                     ? JWTGATE_ERR_BAD_SIGNATURE
                                     : JWTGATE_ERR_ALG_KEY_MISMATCH);

            } else {
                /* kid "rsa1", which cannot do HS256, in a set that can:
                 * no key with that kid fits the alg */
                assert_int_equal(rc, JWTGATE_ERR_ALG_KEY_MISMATCH);
            }

            free(tok);
        }

        fx_signer_free(&k);
    }

    jwtgate_keyset_free(both);
    jwtgate_keyset_free(set);
}


static void
test_key_type_and_curve_confusion(void **state)
{
    char              *tok;
    fx_signer_t           ec384, ec256, rsa1, other;
    jwtgate_keyset_t  *ec256_set, *all;

    (void) state;

    ec256_set = fx_file_set("ec256.jwk");
    all = fx_file_set("jwks-all.json");

    ec256 = fx_private_key("ec256");
    ec384 = fx_private_key("ec384");
    rsa1 = fx_private_key("rsa1");

    /* ES256 signed by the P-384 key, claiming the P-256 kid */
    tok = sign_token(JWTGATE_ALG_ES256, "ec256", &ec384);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(verify_one(tok, all, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    /* ES256 by another P-256 key */
    memset(&other, 0, sizeof(other));
    other.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(other.pkey);
    tok = sign_token(JWTGATE_ALG_ES256, "ec256", &other);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);
    tok = sign_token(JWTGATE_ALG_ES256, NULL, &other);
    assert_int_equal(verify_one(tok, all, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);
    fx_signer_free(&other);

    /* ES384 with the P-256 kid: the key exists, cannot do ES384 */
    tok = sign_token(JWTGATE_ALG_ES384, "ec256", &ec384);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    /* in a set that has an ES384 key under another kid: still a mismatch */
    assert_int_equal(verify_one(tok, all, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    /* ES256 by the right key but signed as ES384 with a P-256 key's
     * 64-byte signature: the P-256 key is never asked */
    tok = sign_token(JWTGATE_ALG_ES384, NULL, &ec256);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    assert_int_equal(verify_one(tok, all, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    /* RS256 with the kid of an EC key */
    tok = sign_token(JWTGATE_ALG_RS256, "ec256", &rsa1);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    assert_int_equal(verify_one(tok, all, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    /* EdDSA with the kid of an RSA key */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(verify_one(tok, ec256_set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    fx_signer_free(&rsa1);
    fx_signer_free(&ec384);
    fx_signer_free(&ec256);
    jwtgate_keyset_free(all);
    jwtgate_keyset_free(ec256_set);
}


/* malformed signatures */

/* the token for input with sig as its signature: its verification */

static jwtgate_rc_t
sig_rc(const char *input, const unsigned char *sig, size_t len,
    const jwtgate_keyset_t *set)
{
    char          *tok;
    jwtgate_rc_t   rc;

    tok = fx_with_sig(input, sig, len);
    rc = verify_one(tok, set, NULL);
    free(tok);

    return rc;
}


/* a + b (or a - b) as a big-endian number of len bytes; -1 when it does
 * not fit */

static int
bn_op(unsigned char *out, const unsigned char *a, const BIGNUM *b,
    size_t len, int add)
{
    int      rc;
    BIGNUM  *x;

    x = BN_bin2bn(a, (int) len, NULL);
    assert_non_null(x);

    assert_int_equal(add ? BN_add(x, x, b) : BN_sub(x, b, x), 1);
    rc = BN_is_negative(x) ? -1 : BN_bn2binpad(x, out, (int) len);

    BN_free(x);

    return rc;
}


/* the order (or the field prime) of the curve of an ES algorithm */

static BIGNUM *
curve_number(jwtgate_alg_t alg, int order)
{
    BIGNUM    *bn;
    EC_GROUP  *group;

    group = EC_GROUP_new_by_curve_name(alg == JWTGATE_ALG_ES256
                                       ? NID_X9_62_prime256v1
                                       : alg == JWTGATE_ALG_ES384
                                       ? NID_secp384r1 : NID_secp521r1);
    assert_non_null(group);

    bn = BN_new();
    assert_non_null(bn);

    if (order) {
        assert_non_null(BN_copy(bn, EC_GROUP_get0_order(group)));

    } else {
        assert_int_equal(EC_GROUP_get_curve(group, bn, NULL, NULL, NULL), 1);
    }

    EC_GROUP_free(group);

    return bn;
}


static void
check_ecdsa_signatures(jwtgate_alg_t alg, const char *name)
{
    char              *hdr, *input;
    size_t             len, half;
    BIGNUM            *order;
    fx_signer_t           k;
    unsigned char     *sig, *der, bad[2 * 66 + 8];
    jwtgate_keyset_t  *set;
    char               file[32];

    snprintf(file, sizeof(file), "%s.jwk", name);
    set = fx_file_set(file);
    k = fx_private_key(name);

    hdr = fx_header_json(alg, name);
    input = fx_signing_input(hdr, PAYLOAD);

    sig = fx_sign_bytes(alg, &k, input, &len, 0);
    half = len / 2;
    assert_int_equal(sig_rc(input, sig, len, set), JWTGATE_OK);

    /* r = s = 0 (CVE-2022-21449) */
    memset(bad, 0, sizeof(bad));
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);

    /* r = 0 or s = 0 with the other one good */
    memset(bad, 0, sizeof(bad));
    memcpy(bad + half, sig + half, half);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);
    memset(bad, 0, sizeof(bad));
    memcpy(bad, sig, half);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);

    /* all ones: r and s beyond the order */
    memset(bad, 0xff, len);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);

    /* a byte short, a byte long, both halves one byte short */
    assert_int_equal(sig_rc(input, sig, len - 1, set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memcpy(bad, sig, len);
    bad[len] = 0;
    assert_int_equal(sig_rc(input, bad, len + 1, set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memcpy(bad, sig + 1, half - 1);
    memcpy(bad + half - 1, sig + half + 1, half - 1);
    assert_int_equal(sig_rc(input, bad, len - 2, set),
                     JWTGATE_ERR_BAD_SIGNATURE);

    /* the DER form OpenSSL produces, instead of r || s */
    der = fx_sign_bytes(alg, &k, input, &len, 1);
    assert_int_equal(sig_rc(input, der, len, set), JWTGATE_ERR_BAD_SIGNATURE);
    free(der);
    len = 2 * half;

    /* r = n, s = n, and r + n, s + n (equal mod n) where they fit */
    order = curve_number(alg, 1);

    memcpy(bad, sig, len);
    assert_int_equal(BN_bn2binpad(order, bad, (int) half), (int) half);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);

    memcpy(bad, sig, len);
    assert_int_equal(BN_bn2binpad(order, bad + half, (int) half), (int) half);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_ERR_BAD_SIGNATURE);

    memcpy(bad, sig, len);
    if (bn_op(bad, sig, order, half, 1) == (int) half) {
        assert_int_equal(sig_rc(input, bad, len, set),
                         JWTGATE_ERR_BAD_SIGNATURE);
    }

    memcpy(bad, sig, len);
    if (bn_op(bad + half, sig + half, order, half, 1) == (int) half) {
        assert_int_equal(sig_rc(input, bad, len, set),
                         JWTGATE_ERR_BAD_SIGNATURE);
    }

    /* (r, n - s) is the other valid signature of the same message: ECDSA
     * is malleable and neither RFC 7518 nor OpenSSL asks for low s, so it
     * verifies.  Nothing may key a replay cache on signature bytes. */
    memcpy(bad, sig, len);
    assert_int_equal(bn_op(bad + half, sig + half, order, half, 0),
                     (int) half);
    assert_int_equal(sig_rc(input, bad, len, set), JWTGATE_OK);

    /* and the original, after all the failures on the same key */
    assert_int_equal(sig_rc(input, sig, len, set), JWTGATE_OK);

    BN_free(order);
    free(sig);
    free(input);
    free(hdr);
    fx_signer_free(&k);
    jwtgate_keyset_free(set);
}


static void
test_ecdsa_malformed_signatures(void **state)
{
    (void) state;

    check_ecdsa_signatures(JWTGATE_ALG_ES256, "ec256");
    check_ecdsa_signatures(JWTGATE_ALG_ES384, "ec384");
    check_ecdsa_signatures(JWTGATE_ALG_ES512, "ec521");
}


static void
test_other_malformed_signatures(void **state)
{
    char              *input;
    size_t             len;
    fx_signer_t           rsa, ed, hs;
    unsigned char     *sig, bad[600];
    jwtgate_keyset_t  *rsa_set, *any_rsa, *ed_set, *hs_set;

    (void) state;

    rsa_set = fx_file_set("rsa1.jwk");
    any_rsa = edited_set("rsa1.jwk", "alg", NULL);
    ed_set = fx_file_set("ed25519.jwk");
    hs_set = fx_file_set("hs256.jwk");

    rsa = fx_private_key("rsa1");
    ed = fx_private_key("ed25519");
    hs = fx_hmac_key("hs256.jwk");

    /* RSA */
    input = fx_signing_input("{\"alg\":\"RS256\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_RS256, &rsa, input, &len, 0);
    assert_int_equal(len, 256);
    assert_int_equal(sig_rc(input, sig, len, rsa_set), JWTGATE_OK);

    assert_int_equal(sig_rc(input, sig, len - 1, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(sig_rc(input, sig + 1, len - 1, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    bad[0] = 0;
    memcpy(bad + 1, sig, len);
    assert_int_equal(sig_rc(input, bad, len + 1, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memset(bad, 0, len);
    assert_int_equal(sig_rc(input, bad, len, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memset(bad, 0xff, len);
    assert_int_equal(sig_rc(input, bad, len, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    bad[0] = 1;
    assert_int_equal(sig_rc(input, bad, 1, rsa_set),
                     JWTGATE_ERR_BAD_SIGNATURE);

    /* the key's prepared context is not spoiled by the failures */
    assert_int_equal(sig_rc(input, sig, len, rsa_set), JWTGATE_OK);
    free(sig);
    free(input);

    /* a PKCS#1 v1.5 signature is not a PSS one, nor the reverse */
    input = fx_signing_input("{\"alg\":\"PS256\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_RS256, &rsa, input, &len, 0);
    assert_int_equal(sig_rc(input, sig, len, any_rsa),
                     JWTGATE_ERR_BAD_SIGNATURE);
    free(sig);
    free(input);

    input = fx_signing_input("{\"alg\":\"RS256\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_PS256, &rsa, input, &len, 0);
    assert_int_equal(sig_rc(input, sig, len, any_rsa),
                     JWTGATE_ERR_BAD_SIGNATURE);
    free(sig);
    free(input);

    /* Ed25519 */
    input = fx_signing_input("{\"alg\":\"EdDSA\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_EDDSA, &ed, input, &len, 0);
    assert_int_equal(len, 64);
    assert_int_equal(sig_rc(input, sig, len, ed_set), JWTGATE_OK);
    assert_int_equal(sig_rc(input, sig, 63, ed_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memcpy(bad, sig, 64);
    bad[64] = 0;
    assert_int_equal(sig_rc(input, bad, 65, ed_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memset(bad, 0, 64);
    assert_int_equal(sig_rc(input, bad, 64, ed_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memset(bad, 0xff, 64);
    assert_int_equal(sig_rc(input, bad, 64, ed_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(sig_rc(input, sig, len, ed_set), JWTGATE_OK);
    free(sig);
    free(input);

    /* HMAC: a truncated or extended MAC */
    input = fx_signing_input("{\"alg\":\"HS256\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_HS256, &hs, input, &len, 0);
    assert_int_equal(len, 32);
    assert_int_equal(sig_rc(input, sig, len, hs_set), JWTGATE_OK);
    assert_int_equal(sig_rc(input, sig, 16, hs_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(sig_rc(input, sig, 31, hs_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    memcpy(bad, sig, 32);
    memcpy(bad + 32, sig, 32);
    assert_int_equal(sig_rc(input, bad, 33, hs_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(sig_rc(input, bad, 64, hs_set),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(sig_rc(input, sig, len, hs_set), JWTGATE_OK);
    free(sig);
    free(input);

    fx_signer_free(&hs);
    fx_signer_free(&ed);
    fx_signer_free(&rsa);
    jwtgate_keyset_free(hs_set);
    jwtgate_keyset_free(ed_set);
    jwtgate_keyset_free(any_rsa);
    jwtgate_keyset_free(rsa_set);
}


/* key selection */

static void
test_kid_selection(void **state)
{
    char                    *tok;
    size_t                   idx;
    fx_signer_t                 rsa1, rsa2;
    const char              *kid;
    jwtgate_keyset_t        *rsa12, *set1, *set2;
    const jwtgate_keyset_t  *sets[2];

    (void) state;

    rsa12 = fx_file_set("jwks-rsa12.json");
    set1 = fx_file_set("jwks-rsa1.json");
    set2 = fx_file_set("jwks-rsa2.json");
    assert_int_equal(jwtgate_keyset_count(rsa12), 2);

    rsa1 = fx_private_key("rsa1");
    rsa2 = fx_private_key("rsa2");

    /* a kid: only that key */
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, &kid), JWTGATE_OK);
    assert_string_equal(kid, "rsa1");
    assert_int_equal(verify_one(tok, set2, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, "rsa2", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    /* unknown kids, including near misses */
    tok = sign_token(JWTGATE_ALG_RS256, "nope", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "RSA1", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "rsa", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1 ", &rsa1);
    assert_int_equal(verify_one(tok, rsa12, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    /* no kid: the keys that fit */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(verify_one(tok, rsa12, &kid), JWTGATE_OK);
    assert_string_equal(kid, "rsa1");
    assert_int_equal(verify_one(tok, set2, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa2);
    assert_int_equal(verify_one(tok, rsa12, &kid), JWTGATE_OK);
    assert_string_equal(kid, "rsa2");
    free(tok);

    /* across sets: the set that verified is reported */
    sets[0] = set2;
    sets[1] = set1;

    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);
    idx = 99;
    assert_int_equal(verify_sets(tok, sets, 2, &kid, &idx), JWTGATE_OK);
    assert_string_equal(kid, "rsa1");
    assert_int_equal(idx, 1);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa2);
    idx = 99;
    assert_int_equal(verify_sets(tok, sets, 2, &kid, &idx), JWTGATE_OK);
    assert_int_equal(idx, 0);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, "nope", &rsa2);
    assert_int_equal(verify_sets(tok, sets, 2, NULL, NULL),
                     JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    fx_signer_free(&rsa2);
    fx_signer_free(&rsa1);
    jwtgate_keyset_free(set2);
    jwtgate_keyset_free(set1);
    jwtgate_keyset_free(rsa12);
}


/* jwtgate_keyset_fits(): the sets a token is tried against, no crypto */

static int
fits(const char *tok, const jwtgate_keyset_t *set)
{
    int                r;
    jwtgate_rc_t       rc;
    jwtgate_token_t   *t;
    jwtgate_limits_t   limits;

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse(tok, strlen(tok), &limits, JWTGATE_ALGS_ALL,
                             &t);
    assert_int_equal(rc, JWTGATE_OK);

    r = jwtgate_keyset_fits(set, t);

    jwtgate_token_free(t);

    return r;
}


static void
test_keyset_fits(void **state)
{
    char              *tok;
    fx_signer_t           rsa2, ec;
    jwtgate_keyset_t  *set1, *set2, *ec256;

    (void) state;

    set1 = fx_file_set("jwks-rsa1.json");
    set2 = fx_file_set("jwks-rsa2.json");
    ec256 = pair_set("ec256.jwk", "ec384.jwk");

    rsa2 = fx_private_key("rsa2");
    ec = fx_private_key("ec256");

    /* kid rsa1 signed by another key: rsa1's set fits (and fails), not
     * rsa2's, whose key verifies it but under another kid */
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa2);
    assert_int_equal(fits(tok, set1), 1);
    assert_int_equal(fits(tok, set2), 0);
    assert_int_equal(fits(tok, ec256), 0);
    assert_int_equal(fits(tok, NULL), 0);
    assert_int_equal(verify_one(tok, set1, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    /* unknown kid, near misses */
    tok = sign_token(JWTGATE_ALG_RS256, "rsa", &rsa2);
    assert_int_equal(fits(tok, set1), 0);
    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1 ", &rsa2);
    assert_int_equal(fits(tok, set1), 0);
    free(tok);

    /* no kid: any key that fits the alg */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa2);
    assert_int_equal(fits(tok, set1), 1);
    assert_int_equal(fits(tok, set2), 1);
    assert_int_equal(fits(tok, ec256), 0);
    free(tok);

    /* the kid of a key that cannot verify the alg */
    tok = sign_token(JWTGATE_ALG_ES256, "rsa1", &ec);
    assert_int_equal(fits(tok, set1), 0);
    free(tok);

    tok = sign_token(JWTGATE_ALG_ES256, NULL, &ec);
    assert_int_equal(fits(tok, ec256), 1);
    assert_int_equal(fits(tok, set1), 0);
    free(tok);

    fx_signer_free(&ec);
    fx_signer_free(&rsa2);
    jwtgate_keyset_free(ec256);
    jwtgate_keyset_free(set2);
    jwtgate_keyset_free(set1);
}


static void
test_jwks_mixed(void **state)
{
    char              *text, *tok;
    size_t             i;
    skips_t            skips;
    fx_signer_t           rsa1, rsa2;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;
    static const char *kids[] = { "rsa1024", "xyz1", "p192", "enc1" };
    static const char *why[] = { "2048", "kty", "crv", "use" };

    (void) state;

    text = fx_slurp("jwks-mixed.json", NULL);
    memset(&skips, 0, sizeof(skips));
    rc = jwtgate_keyset_parse(text, strlen(text), record_skip, &skips, &set);
    free(text);

    assert_int_equal(rc, JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256));

    assert_int_equal(skips.calls, 4);

    for (i = 0; i < 4; i++) {
        assert_int_equal(skips.index[i], i + 1);
        assert_string_equal(skips.kid[i], kids[i]);
        assert_non_null(skips.reason[i]);
        assert_non_null(strstr(skips.reason[i], why[i]));
    }

    rsa1 = fx_private_key("rsa1");
    rsa2 = fx_private_key("rsa2");

    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_OK);
    free(tok);

    /* rsa2's key is in the set only as "use":"enc": never a verifier */
    tok = sign_token(JWTGATE_ALG_RS256, "enc1", &rsa2);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa2);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    /* nor is the 1024-bit key */
    fx_signer_free(&rsa2);
    rsa2 = fx_private_key("rsa1024");
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1024", &rsa2);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    fx_signer_free(&rsa2);
    fx_signer_free(&rsa1);
    jwtgate_keyset_free(set);
}


/* JWK policy */

static void
test_jwk_alg_restricts(void **state)
{
    char              *tok;
    fx_signer_t           rsa1;
    jwtgate_keyset_t  *set;

    (void) state;

    rsa1 = fx_private_key("rsa1");

    set = edited_set("rsa1.jwk", "alg", "\"RS384\"");
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS384));

    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(verify_one(tok, set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    tok = sign_token(JWTGATE_ALG_PS384, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS384, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_OK);
    free(tok);

    jwtgate_keyset_free(set);

    /* without "alg" an RSA key does RS* and PS*, nothing else */
    set = edited_set("rsa1.jwk", "alg", NULL);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_RS384)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_RS512)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_PS256)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_PS384)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_PS512));
    jwtgate_keyset_free(set);

    fx_signer_free(&rsa1);
}


static void
test_jwk_skipped(void **state)
{
    size_t              i, skipped;
    static const struct {
        const char  *file;
        const char  *member;
        const char  *value;
    } skip[] = {
        /* use, key_ops, alg */
        { "rsa1.jwk", "use", "\"enc\"" },
        { "rsa1.jwk", "use", "\"SIG\"" },
        { "rsa1.jwk", "use", "1" },
        { "rsa1.jwk", "key_ops", "[\"encrypt\"]" },
        { "rsa1.jwk", "key_ops", "[\"sign\"]" },
        { "rsa1.jwk", "key_ops", "[]" },
        { "rsa1.jwk", "key_ops", "\"verify\"" },
        { "rsa1.jwk", "alg", "\"none\"" },
        { "rsa1.jwk", "alg", "\"HS256\"" },
        { "rsa1.jwk", "alg", "\"ES256\"" },
        { "rsa1.jwk", "alg", "\"EdDSA\"" },
        { "rsa1.jwk", "alg", "\"RSA-OAEP\"" },
        { "rsa1.jwk", "alg", "\"rs256\"" },
        { "rsa1.jwk", "alg", "256" },
        { "rsa1.jwk", "kid", "1" },
        { "rsa1.jwk", "kty", "\"rsa\"" },
        { "rsa1.jwk", "kty", "null" },
        /* RSA numbers */
        { "rsa1024.jwk", "use", "\"sig\"" },
        { "rsa1.jwk", "e", "\"AQAA\"" },             /* even */
        { "rsa1.jwk", "e", "\"AQ\"" },               /* 1 */
        { "rsa1.jwk", "e", "\"\"" },
        { "rsa1.jwk", "e", NULL },
        { "rsa1.jwk", "n", "\"AQAB\"" },
        { "rsa1.jwk", "n", "\"!!!!\"" },
        { "rsa1.jwk", "n", NULL },
        /* EC */
        { "ec256.jwk", "crv", "\"P-384\"" },
        { "ec256.jwk", "crv", "\"P-192\"" },
        { "ec256.jwk", "crv", "\"secp256k1\"" },
        { "ec256.jwk", "crv", NULL },
        { "ec256.jwk", "alg", "\"ES384\"" },
        { "ec256.jwk", "x", "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"" },
        { "ec256.jwk", "y", NULL },
        /* OKP */
        { "ed25519.jwk", "crv", "\"X25519\"" },
        { "ed25519.jwk", "crv", "\"Ed448\"" },
        { "ed25519.jwk", "alg", "\"ES256\"" },
        { "ed25519.jwk", "x", "\"AAAA\"" },
        { "ed25519.jwk", "x", NULL },
        /* oct */
        { "hs256.jwk", "k", "\"AAAAAAAAAAAAAAAAAAAAAA\"" },     /* 16 */
        { "hs256.jwk", "k", "\"\"" },
        { "hs256.jwk", "k", NULL },
        { "hs256.jwk", "alg", "\"HS512\"" },        /* 32 bytes < 64 */
        { "hs256.jwk", "alg", "\"RS256\"" },
    };

    (void) state;

    for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
        if (edited_rc(skip[i].file, skip[i].member, skip[i].value, &skipped)
            != JWTGATE_ERR_NO_KEYS)
        {
            fail_msg("%s with %s = %s loaded", skip[i].file, skip[i].member,
                     skip[i].value != NULL ? skip[i].value : "(removed)");
        }

        assert_int_equal(skipped, 1);
    }

    /* without "kty" a lone object is no JWK at all, and no JWKS */
    assert_int_equal(edited_rc("rsa1.jwk", "kty", NULL, NULL),
                     JWTGATE_ERR_MALFORMED);

    /* and what loads */
    assert_int_equal(edited_rc("rsa1.jwk", "use", "\"sig\"", NULL),
                     JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "use", NULL, NULL), JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "key_ops", "[\"verify\"]", NULL),
                     JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "key_ops",
                               "[\"sign\",\"verify\"]", NULL),
                     JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "kid", NULL, NULL), JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "e", "\"Aw\"", NULL), JWTGATE_OK);
    assert_int_equal(edited_rc("rsa1.jwk", "x5c", "[\"AAAA\"]", NULL),
                     JWTGATE_OK);
    /* private members are ignored, not loaded */
    assert_int_equal(edited_rc("rsa1.jwk", "d", "\"AAAA\"", NULL),
                     JWTGATE_OK);
    assert_int_equal(edited_rc("ec256.jwk", "alg", NULL, NULL), JWTGATE_OK);
    assert_int_equal(edited_rc("ed25519.jwk", "alg", NULL, NULL),
                     JWTGATE_OK);
}


/* A token with the signature that verifies under a degenerate key of
 * the set: for RSA with e = 1, the padded digest itself; for the Ed25519
 * identity point, R = identity and s = 0.  Neither needs a private key. */

static jwtgate_rc_t
forged_rc(const jwtgate_keyset_t *set, jwtgate_alg_t alg)
{
    char           *input, *hdr, *tok;
    size_t          n, len;
    jwtgate_rc_t    rc;
    unsigned int    dlen;
    unsigned char   sig[256], digest[EVP_MAX_MD_SIZE];
    static const unsigned char  sha256_info[] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
        0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
    };

    hdr = fx_header_json(alg, NULL);
    input = fx_signing_input(hdr, "{\"sub\":\"admin\"}");

    if (alg == JWTGATE_ALG_RS256) {
        /* EMSA-PKCS1-v1_5: 00 01 ff .. ff 00 DigestInfo hash */
        assert_int_equal(EVP_Digest(input, strlen(input), digest, &dlen,
                                    EVP_sha256(), NULL),
                         1);
        len = 256;
        n = len - sizeof(sha256_info) - dlen;
        memset(sig, 0xff, len);
        sig[0] = 0x00;
        sig[1] = 0x01;
        sig[n - 1] = 0x00;
        memcpy(sig + n, sha256_info, sizeof(sha256_info));
        memcpy(sig + n + sizeof(sha256_info), digest, dlen);

    } else {
        len = 64;
        memset(sig, 0, len);
        sig[0] = 0x01;
    }

    tok = fx_with_sig(input, sig, len);
    rc = verify_one(tok, set, NULL);

    free(tok);
    free(input);
    free(hdr);

    return rc;
}


static void
test_jwk_degenerate_public_keys(void **state)
{
    char              *text;
    size_t             i;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;
    static const char *one[] = {
        "\"AQ\"", "\"AAE\"", "\"AAAB\"", "\"AAAAAQ\""
    };
    static const char *small[] = {
        /* the identity, and the point of order 2 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"7P_______________________________________38\"}",
        /* order 4 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        /* order 4, x sign */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA\"}",
        /* order 8 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_AU\"}",
        /* order 8 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA3o\"}",
        /* order 8 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_IU\"}",
        /* order 8 */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"xxdqcD1N2E-6PAt2DRBnDyogU_osOczGTsf9d5KsA_o\"}",
        /* y = p, non-canonical */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"7f_______________________________________38\"}",
        /* y = p + 1, non-canonical identity */
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
        "\"x\":\"7v_______________________________________38\"}",
    };

    (void) state;

    /* e = 1 in any encoding ("AAE" is 0x00 0x01) would let anyone forge
     * RS256 and PS*; a small-order Ed25519 point would let anyone forge
     * EdDSA.  Both are refused when the set is loaded. */

    for (i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
        assert_int_equal(edited_rc("rsa1.jwk", "e", one[i], NULL),
                         JWTGATE_ERR_NO_KEYS);

        /* should such a key load, the forgery must still fail */
        text = jwk_edit("rsa1.jwk", "e", one[i]);
        rc = parse_set(text, &set);
        free(text);

        if (rc == JWTGATE_OK) {
            assert_int_not_equal(forged_rc(set, JWTGATE_ALG_RS256),
                                 JWTGATE_OK);
            jwtgate_keyset_free(set);
        }
    }

    for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
        rc = parse_set(small[i], &set);

        if (rc == JWTGATE_OK) {
            assert_int_not_equal(forged_rc(set, JWTGATE_ALG_EDDSA),
                                 JWTGATE_OK);
            jwtgate_keyset_free(set);
        }

        assert_int_equal(rc, JWTGATE_ERR_NO_KEYS);
    }
}


/* keys a token brings with it are never used */

static void
test_header_keys_ignored(void **state)
{
    char              *hdr, *input, *tok, x[64], y[64];
    size_t             len;
    fx_signer_t           own;
    unsigned char     *sig, point[65];
    jwtgate_keyset_t  *set;

    (void) state;

    set = fx_file_set("ec256.jwk");

    memset(&own, 0, sizeof(own));
    own.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(own.pkey);

    len = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(own.pkey, "pub", point,
                                                     sizeof(point), &len),
                     1);
    assert_int_equal(len, 65);
    x[jwtgate_b64url_encode(x, point + 1, 32)] = '\0';
    y[jwtgate_b64url_encode(y, point + 33, 32)] = '\0';

    hdr = malloc(512);
    assert_non_null(hdr);

    /* the attacker's own key in "jwk", a "jku" and an "x5u" pointing
     * anywhere: only the configured key is ever tried */
    snprintf(hdr, 512, "{\"alg\":\"ES256\",\"kid\":\"ec256\","
             "\"jku\":\"https://attacker.example/jwks\","
             "\"x5u\":\"https://attacker.example/cert\","
             "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\","
             "\"y\":\"%s\"}}", x, y);

    input = fx_signing_input(hdr, PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_ES256, &own, input, &len, 0);
    tok = fx_with_sig(input, sig, len);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);
    free(sig);
    free(input);

    /* the same without a kid */
    snprintf(hdr, 512, "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\","
             "\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}}", x, y);

    input = fx_signing_input(hdr, PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_ES256, &own, input, &len, 0);
    tok = fx_with_sig(input, sig, len);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);
    free(sig);
    free(input);

    free(hdr);
    fx_signer_free(&own);
    jwtgate_keyset_free(set);
}


/* RFC 7518 3.5: the PSS salt is as long as the hash; other lengths are
 * refused */

static void
test_pss_salt_length(void **state)
{
    char              *input, *tok, *good;
    size_t             i, n;
    fx_signer_t           rsa1;
    EVP_MD_CTX        *ctx;
    EVP_PKEY_CTX      *pctx;
    unsigned char      sig[256];
    jwtgate_keyset_t  *set;
    static const int   salt[] = { 32, 0, 20, 64, RSA_PSS_SALTLEN_MAX };

    (void) state;

    set = edited_set("rsa1.jwk", "alg", NULL);
    rsa1 = fx_private_key("rsa1");
    input = fx_signing_input("{\"alg\":\"PS256\"}", PAYLOAD);

    for (i = 0; i < sizeof(salt) / sizeof(salt[0]); i++) {
        ctx = EVP_MD_CTX_new();
        assert_non_null(ctx);
        assert_int_equal(EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL,
                                            rsa1.pkey),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
                                                      RSA_PKCS1_PSS_PADDING),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt[i]),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()),
                         1);

        n = sizeof(sig);
        assert_int_equal(EVP_DigestSign(ctx, sig, &n,
                                        (const unsigned char *) input,
                                        strlen(input)),
                         1);
        EVP_MD_CTX_free(ctx);

        tok = fx_with_sig(input, sig, n);
        assert_int_equal(verify_one(tok, set, NULL),
                         salt[i] == 32 ? JWTGATE_OK
                                       : JWTGATE_ERR_BAD_SIGNATURE);

        if (i == 0) {
            good = tok;

        } else {
            free(tok);
        }
    }

    assert_int_equal(verify_one(good, set, NULL), JWTGATE_OK);
    free(good);

    free(input);
    fx_signer_free(&rsa1);
    jwtgate_keyset_free(set);
}


/* EC coordinates: not on the curve, wrong lengths */

static void
test_jwk_ec_points(void **state)
{
    char           *text, *val;
    size_t          i, n, skipped;
    BIGNUM         *prime;
    json_t         *jwk;
    const char     *y;
    unsigned char   buf[80];
    char            enc[128], json[140];

    (void) state;

    text = fx_slurp("ec256.jwk", NULL);
    jwk = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(jwk);

    y = json_string_value(json_object_get(jwk, "y"));
    n = jwtgate_b64url_decode(buf, y, strlen(y));
    assert_int_equal(n, 32);

    /* every byte of y flipped in turn: never on the curve */
    for (i = 0; i < n; i += 5) {
        buf[i] ^= 0x01;
        enc[jwtgate_b64url_encode(enc, buf, n)] = '\0';
        snprintf(json, sizeof(json), "\"%s\"", enc);
        assert_int_equal(edited_rc("ec256.jwk", "y", json, &skipped),
                         JWTGATE_ERR_NO_KEYS);
        assert_int_equal(skipped, 1);
        buf[i] ^= 0x01;
    }

    /* 31 and 33 bytes, and 32 with a leading zero dropped */
    for (i = 31; i <= 33; i += 2) {
        memset(buf, 0x11, sizeof(buf));
        enc[jwtgate_b64url_encode(enc, buf, i)] = '\0';
        snprintf(json, sizeof(json), "\"%s\"", enc);
        assert_int_equal(edited_rc("ec256.jwk", "x", json, NULL),
                         JWTGATE_ERR_NO_KEYS);
        assert_int_equal(edited_rc("ec256.jwk", "y", json, NULL),
                         JWTGATE_ERR_NO_KEYS);
    }

    /* the point as it is loads */
    val = malloc(strlen(y) + 3);
    assert_non_null(val);
    sprintf(val, "\"%s\"", y);
    assert_int_equal(edited_rc("ec256.jwk", "y", val, NULL), JWTGATE_OK);
    free(val);

    /* y of the other point with the same x: also on the curve */
    n = jwtgate_b64url_decode(buf, y, strlen(y));
    prime = curve_number(JWTGATE_ALG_ES256, 0);
    assert_int_equal(bn_op(buf, buf, prime, n, 0), 32);
    BN_free(prime);
    enc[jwtgate_b64url_encode(enc, buf, 32)] = '\0';
    snprintf(json, sizeof(json), "\"%s\"", enc);
    assert_int_equal(edited_rc("ec256.jwk", "y", json, NULL), JWTGATE_OK);

    json_decref(jwk);
}


static void
test_jwk_oct_lengths(void **state)
{
    char               json[160], enc[128];
    size_t             i;
    unsigned char      key[80];
    jwtgate_keyset_t  *set;
    static const struct {
        size_t    len;
        unsigned  algs;
    } cases[] = {
        { 31, 0 },
        { 32, JWTGATE_ALG_BIT(JWTGATE_ALG_HS256) },
        { 47, JWTGATE_ALG_BIT(JWTGATE_ALG_HS256) },
        { 48, JWTGATE_ALG_BIT(JWTGATE_ALG_HS256)
              | JWTGATE_ALG_BIT(JWTGATE_ALG_HS384) },
        { 64, JWTGATE_ALGS_HMAC },
        { 80, JWTGATE_ALGS_HMAC },
    };

    (void) state;

    memset(key, 0x5a, sizeof(key));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enc[jwtgate_b64url_encode(enc, key, cases[i].len)] = '\0';
        snprintf(json, sizeof(json), "{\"kty\":\"oct\",\"k\":\"%s\"}", enc);

        if (cases[i].algs == 0) {
            assert_int_equal(parse_set(json, &set), JWTGATE_ERR_NO_KEYS);
            assert_null(set);
            continue;
        }

        set = fx_keyset(json);
        assert_int_equal(jwtgate_keyset_algs(set), cases[i].algs);
        jwtgate_keyset_free(set);
    }
}


/* the warnings of jwtgate_keyset_warnings(): what the skip callback saw */

typedef struct {
    size_t       n;
    size_t       index[4];
    const char  *kid[4];
    const char  *reason[4];
} warned_t;


static void
record_warning(void *data, size_t index, const char *kid, const char *reason)
{
    warned_t  *w = data;

    assert_true(w->n < 4);
    w->index[w->n] = index;
    w->kid[w->n] = kid;
    w->reason[w->n] = reason;
    w->n++;
}


/* one oct key with the secret's bytes; how many warnings, the first one */

static size_t
oct_warnings(const void *secret, size_t len, const char **reason)
{
    char               json[400], enc[300];
    size_t             n;
    warned_t           w;
    jwtgate_keyset_t  *set;

    enc[jwtgate_b64url_encode(enc, secret, len)] = '\0';
    snprintf(json, sizeof(json), "{\"kty\":\"oct\",\"kid\":\"s\",\"k\":\"%s\"}",
             enc);

    set = fx_keyset(json);
    memset(&w, 0, sizeof(w));
    n = jwtgate_keyset_warnings(set, record_warning, &w);
    assert_int_equal(n, w.n);

    *reason = NULL;

    if (n > 0) {
        assert_int_equal(w.index[0], 0);
        assert_string_equal(w.kid[0], "s");
        *reason = w.reason[0];
    }

    jwtgate_keyset_free(set);
    return n;
}


static void
test_jwk_oct_warnings(void **state)
{
    size_t             i;
    warned_t           w;
    const char        *reason;
    unsigned char      bin[48];
    jwtgate_keyset_t  *set;
    static const char *quiet[] = {
        /* 41 characters: 41 % 4 == 1 is no base64 */
        "this is a passphrase, long enough: 41 ch.",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO",
        /* both alphabets at once */
        "abcdefghijklmnopqrstuvwxyz0123456789+-ABCD",
        /* padding that does not fill a multiple of 4 */
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDE=",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCD===",
        /* a newline inside is not at the end */
        "abcdefghijklmnopqrstuvwxyz\n0123456789ABCDEF",
    };
    static const char *b64[] = {
        /* openssl rand -base64 32, used as a string by the issuer */
        "q3cxJ8k0v1y9o5Rt7nTzB0oS2lY4aW9kZ+Pq/8xL1mE=",
        /* openssl rand -base64 48 */
        "HhT0kqJ2p1m9W4d8fY3Zc6Vb0rN5sLx7Ao2Ge+1Ku9Q/Ri8PjD3wFtE6yCn4MhSa",
        /* base64url, unpadded */
        "q3cxJ8k0v1y9o5Rt7nTzB0oS2lY4aW9kZ-Pq_8xL1mE",
        /* letters and digits only, 40 of them */
        "abcdefghijklmnopqrstuvwxyz0123456789ABCD",
    };

    (void) state;

    /* random-looking bytes: nothing to say */
    for (i = 0; i < sizeof(bin); i++) {
        bin[i] = (unsigned char) (i * 37 + 11);
    }

    assert_int_equal(oct_warnings(bin, sizeof(bin), &reason), 0);

    for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
        assert_int_equal(oct_warnings(quiet[i], strlen(quiet[i]), &reason),
                         0);
    }

    /* the case: the secret is base64 text; both readings said */
    for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
        assert_int_equal(oct_warnings(b64[i], strlen(b64[i]), &reason), 1);
        assert_non_null(strstr(reason, "base64"));
        assert_non_null(strstr(reason, "jsonwebtoken"));
        assert_non_null(strstr(reason, "jwtgate-jwks --oct"));
    }

    /* the operator said how k was made (jwtgate-jwks --oct writes it) */
    set = fx_keyset("{\"kty\":\"oct\",\"x-jwtgate-secret\":\"text\","
                    "\"k\":\"cTNjeEo4azB2MXk5bzVSdDduVHpCMG9TMmxZNGFXOWta"
                    "K1BxLzh4TDFtRT0\"}");
    memset(&w, 0, sizeof(w));
    assert_int_equal(jwtgate_keyset_warnings(set, record_warning, &w), 0);
    jwtgate_keyset_free(set);

    /* the same key without the member, or with another value: warned */
    set = fx_keyset("{\"kty\":\"oct\",\"x-jwtgate-secret\":\"txt\","
                    "\"k\":\"cTNjeEo4azB2MXk5bzVSdDduVHpCMG9TMmxZNGFXOWta"
                    "K1BxLzh4TDFtRT0\"}");
    memset(&w, 0, sizeof(w));
    assert_int_equal(jwtgate_keyset_warnings(set, record_warning, &w), 1);
    assert_non_null(strstr(w.reason[0], "x-jwtgate-secret"));
    jwtgate_keyset_free(set);

    /* echo secret | base64: the newline is in the secret */
    assert_int_equal(oct_warnings("a secret of more than 32 bytes, then\n",
                                  37, &reason), 1);
    assert_non_null(strstr(reason, "newline"));

    /* a hex secret pasted into k: k is 64 hex digits (48 bytes) */
    set = fx_keyset("{\"keys\":[{\"kty\":\"oct\",\"k\":\"0123456789abcdef"
                    "0123456789abcdef0123456789abcdef0123456789abcdef\"},"
                    "{\"kty\":\"oct\",\"kid\":\"short\",\"k\":\"AAAA\"},"
                    "{\"kty\":\"oct\",\"kid\":\"hex\",\"k\":\"0123456789ABCDEF"
                    "0123456789abcdef0123456789abcdef0123456789abcdef\"}]}");
    memset(&w, 0, sizeof(w));
    assert_int_equal(jwtgate_keyset_warnings(set, record_warning, &w), 2);
    assert_int_equal(w.index[0], 0);
    assert_null(w.kid[0]);
    assert_non_null(strstr(w.reason[0], "hex"));
    /* the index counts the skipped key in between */
    assert_int_equal(w.index[1], 2);
    assert_string_equal(w.kid[1], "hex");

    /* the short secret is refused with how to make a proper one */
    reason = jwtgate_keyset_skipped(set, "short", 5);
    assert_non_null(reason);
    assert_non_null(strstr(reason, "256 bits"));
    assert_non_null(strstr(reason, "openssl rand"));
    assert_non_null(strstr(reason, "jwtgate-jwks --oct"));
    jwtgate_keyset_free(set);

    /* a standard base64 secret pasted into k: refused, and said why */
    set = fx_keyset("{\"keys\":[{\"kty\":\"oct\",\"kid\":\"pasted\","
                    "\"k\":\"q3cxJ8k0v1y9o5Rt7nTzB0oS2lY4aW9kZ+Pq/8xL1mE=\"},"
                    "{\"kty\":\"oct\",\"kid\":\"ok\",\"k\":\"q3cxJ8k0v1y9o5Rt"
                    "7nTzB0oS2lY4aW9kZ-Pq_8xL1mE\"}]}");
    reason = jwtgate_keyset_skipped(set, "pasted", 6);
    assert_non_null(reason);
    assert_non_null(strstr(reason, "not base64url"));
    assert_non_null(strstr(reason, "jwtgate-jwks --oct"));
    jwtgate_keyset_free(set);

    /* other key types are never warned about */
    set = fx_file_set("jwks-rsa12.json");
    memset(&w, 0, sizeof(w));
    assert_int_equal(jwtgate_keyset_warnings(set, record_warning, &w), 0);
    jwtgate_keyset_free(set);
}


static void
test_jwks_shapes(void **state)
{
    char              *text, *jwk;
    size_t             i, n;
    jwtgate_keyset_t  *set;
    static const char *malformed[] = {
        "",
        "not json",
        "[]",
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":\"x\"}",
        "{\"keys\":null}",
        "{\"keys\":[]",
        "{\"keys\":[],\"keys\":[]}",
        "\"keys\"",
        "{\"keys\":[]} x",
    };
    static const char *no_keys[] = {
        "{\"keys\":[]}",
        "{\"keys\":[1,\"x\",null,[],{}]}",
        "{\"keys\":[{\"kty\":\"RSA\"}]}",
        "{\"keys\":[{\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
    };

    (void) state;

    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        assert_int_equal(parse_set(malformed[i], &set),
                         JWTGATE_ERR_MALFORMED);
        assert_null(set);
    }

    for (i = 0; i < sizeof(no_keys) / sizeof(no_keys[0]); i++) {
        assert_int_equal(parse_set(no_keys[i], &set), JWTGATE_ERR_NO_KEYS);
        assert_null(set);
    }

    /* a single JWK, not in a set, loads */
    set = fx_file_set("rsa1.jwk");
    assert_int_equal(jwtgate_keyset_count(set), 1);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256));
    jwtgate_keyset_free(set);

    /* a duplicate member inside a key */
    assert_int_equal(parse_set("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\","
                               "\"k\":\"AAAA\"}]}", &set),
                     JWTGATE_ERR_MALFORMED);

    /* more than 1024 keys */
    n = 1025;
    text = malloc(16 + n * 3);
    assert_non_null(text);
    strcpy(text, "{\"keys\":[");
    for (i = 0; i < n; i++) {
        strcat(text, i ? ",{}" : "{}");
    }
    strcat(text, "]}");
    assert_int_equal(parse_set(text, &set), JWTGATE_ERR_TOO_LARGE);
    free(text);

    /* more than 1 MiB of text */
    jwk = fx_slurp("rsa1.jwk", NULL);
    text = malloc(1024 * 1024 + 64);
    assert_non_null(text);
    n = (size_t) sprintf(text, "{\"keys\":[%s]", jwk);
    memset(text + n, ' ', 1024 * 1024 - n + 1);
    text[1024 * 1024 + 1] = '}';
    text[1024 * 1024 + 2] = '\0';
    assert_int_equal(parse_set(text, &set), JWTGATE_ERR_TOO_LARGE);

    /* just under: loads */
    memcpy(text + 1024 * 1024 - 2, "}", 2);
    set = fx_keyset(text);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    jwtgate_keyset_free(set);

    free(text);
    free(jwk);
}


static void
test_jwks_100(void **state)
{
    char              *tok;
    fx_signer_t           rsa1;
    const char        *kid;
    jwtgate_keyset_t  *set;

    (void) state;

    set = fx_file_set("jwks-100.json");
    assert_int_equal(jwtgate_keyset_count(set), 100);

    rsa1 = fx_private_key("rsa1");

    tok = sign_token(JWTGATE_ALG_RS256, "k042", &rsa1);
    assert_int_equal(verify_one(tok, set, &kid), JWTGATE_OK);
    assert_string_equal(kid, "k042");
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, "k041", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, "k100", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);
    assert_int_equal(verify_one(tok, set, NULL), JWTGATE_ERR_UNKNOWN_KID);
    free(tok);

    /* no kid: found by trying, within the limit only (key 43 of 100) */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(verify_one(tok, set, &kid), JWTGATE_ERR_TRY_LIMIT);
    assert_int_equal(tries_one(tok, set, 43, &kid), JWTGATE_OK);
    assert_string_equal(kid, "k042");
    free(tok);

    fx_signer_free(&rsa1);
    jwtgate_keyset_free(set);
}


/* A token without kid tries at most max_tries keys that fit its alg, in
 * the order of the sets and of their keys; one more that would fit is
 * TRY_LIMIT, none more is BAD_SIGNATURE. */

static void
test_kidless_try_limit(void **state)
{
    char                    *tok;
    size_t                   idx;
    fx_signer_t                 rsa1, rsa3072, ec256;
    const char              *kid;
    jwtgate_keyset_t        *set100, *rsa12, *set1, *set2, *all;
    const jwtgate_keyset_t  *sets[2];

    (void) state;

    set100 = fx_file_set("jwks-100.json");
    rsa12 = fx_file_set("jwks-rsa12.json");
    set1 = fx_file_set("jwks-rsa1.json");
    set2 = fx_file_set("jwks-rsa2.json");
    all = fx_file_set("jwks-all.json");
    rsa1 = fx_private_key("rsa1");
    rsa3072 = fx_private_key("rsa3072");
    ec256 = fx_private_key("ec256");

    /* rsa1 is k042, the 43rd key */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(tries_one(tok, set100, 42, NULL),
                     JWTGATE_ERR_TRY_LIMIT);
    assert_int_equal(tries_one(tok, set100, 43, &kid),
                     JWTGATE_OK);
    assert_string_equal(kid, "k042");
    assert_int_equal(tries_one(tok, set100, 0, &kid),
                     JWTGATE_OK);
    assert_int_equal(verify_one(tok, set100, NULL), JWTGATE_ERR_TRY_LIMIT);
    free(tok);

    /* with a kid the limit does not apply: one key is tried */
    tok = sign_token(JWTGATE_ALG_RS256, "k042", &rsa1);
    assert_int_equal(tries_one(tok, set100, 1, &kid),
                     JWTGATE_OK);
    free(tok);

    /* every fitting key tried within the limit: a bad signature */
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa3072);
    assert_int_equal(tries_one(tok, rsa12, 2, NULL),
                     JWTGATE_ERR_BAD_SIGNATURE);
    assert_int_equal(tries_one(tok, rsa12, 1, NULL),
                     JWTGATE_ERR_TRY_LIMIT);
    free(tok);

    /* the tries add up across sets */
    sets[0] = set2;
    sets[1] = set1;
    tok = sign_token(JWTGATE_ALG_RS256, NULL, &rsa1);
    assert_int_equal(verify_tries(tok, sets, 2, 1, NULL, NULL),
                     JWTGATE_ERR_TRY_LIMIT);
    idx = 99;
    assert_int_equal(verify_tries(tok, sets, 2, 2, &kid, &idx), JWTGATE_OK);
    assert_int_equal(idx, 1);
    free(tok);

    /* keys that do not fit the alg are not tries: ec256 is the only
     * ES256 key of jwks-all, after three RSA keys */
    tok = sign_token(JWTGATE_ALG_ES256, NULL, &ec256);
    assert_int_equal(tries_one(tok, all, 1, &kid),
                     JWTGATE_OK);
    assert_string_equal(kid, "ec256");
    free(tok);

    fx_signer_free(&ec256);
    fx_signer_free(&rsa3072);
    fx_signer_free(&rsa1);
    jwtgate_keyset_free(all);
    jwtgate_keyset_free(set2);
    jwtgate_keyset_free(set1);
    jwtgate_keyset_free(rsa12);
    jwtgate_keyset_free(set100);
}


/* an RSA JWK whose modulus has the given number of bits (all ones: not a
 * real key, which parsing does not need) */

static char *
rsa_jwk_bits(const char *kid, size_t bits)
{
    char           *n, *jwk;
    size_t          len;
    unsigned char  *bytes;

    len = (bits + 7) / 8;
    bytes = malloc(len);
    assert_non_null(bytes);
    memset(bytes, 0xff, len);

    if (bits % 8) {
        bytes[0] = (unsigned char) ((1u << (bits % 8)) - 1);
    }

    n = malloc(jwtgate_b64url_encoded_len(len) + 1);
    assert_non_null(n);
    n[jwtgate_b64url_encode(n, bytes, len)] = '\0';

    jwk = malloc(strlen(n) + strlen(kid) + 64);
    assert_non_null(jwk);
    sprintf(jwk, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\","
            "\"e\":\"AQAB\"}", kid, n);

    free(n);
    free(bytes);

    return jwk;
}


static void
test_rsa_modulus_cap(void **state)
{
    char                 *rsa1, *big, *text;
    size_t                i;
    skips_t               skips;
    jwtgate_keyset_t     *set;
    static const size_t   bits[] = { 8193, 8200, 16384 };

    (void) state;

    /* 8192 bits: kept */
    big = rsa_jwk_bits("big", 8192);
    set = fx_keyset(big);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    jwtgate_keyset_free(set);
    free(big);

    rsa1 = fx_slurp("rsa1.jwk", NULL);

    for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        big = rsa_jwk_bits("big", bits[i]);
        text = malloc(strlen(rsa1) + strlen(big) + 16);
        assert_non_null(text);
        sprintf(text, "{\"keys\":[%s,%s]}", rsa1, big);

        memset(&skips, 0, sizeof(skips));
        assert_int_equal(jwtgate_keyset_parse(text, strlen(text),
                                              record_skip, &skips, &set),
                         JWTGATE_OK);
        assert_int_equal(jwtgate_keyset_count(set), 1);
        assert_int_equal(skips.calls, 1);
        assert_int_equal(skips.index[0], 1);
        assert_string_equal(skips.kid[0], "big");
        assert_string_equal(skips.reason[0], "RSA key longer than 8192 bits");
        assert_string_equal(jwtgate_keyset_skipped(set, "big", 3),
                            "RSA key longer than 8192 bits");

        jwtgate_keyset_free(set);
        free(text);
        free(big);
    }

    free(rsa1);
}


/* a public key set (JWTGATE_KEYSET_NO_SYMMETRIC): oct keys are skipped */

static void
test_public_set_no_symmetric(void **state)
{
    char              *text, *rsa1, *hs256;
    skips_t            skips;
    jwtgate_keyset_t  *set;

    (void) state;

    text = fx_slurp("jwks-hmac.json", NULL);
    memset(&skips, 0, sizeof(skips));
    assert_int_equal(jwtgate_keyset_parse_flags(text, strlen(text),
                                                JWTGATE_KEYSET_NO_SYMMETRIC,
                                                record_skip, &skips, &set),
                     JWTGATE_ERR_NO_KEYS);
    assert_null(set);
    assert_int_equal(skips.calls, 2);
    assert_non_null(strstr(skips.reason[0], "symmetric"));
    assert_non_null(strstr(skips.reason[1], "symmetric"));

    /* without the flag they load */
    set = fx_keyset(text);
    assert_int_equal(jwtgate_keyset_count(set), 2);
    jwtgate_keyset_free(set);
    free(text);

    rsa1 = fx_slurp("rsa1.jwk", NULL);
    hs256 = fx_slurp("hs256.jwk", NULL);
    text = malloc(strlen(rsa1) + strlen(hs256) + 16);
    assert_non_null(text);
    sprintf(text, "{\"keys\":[%s,%s]}", hs256, rsa1);

    memset(&skips, 0, sizeof(skips));
    assert_int_equal(jwtgate_keyset_parse_flags(text, strlen(text),
                                                JWTGATE_KEYSET_NO_SYMMETRIC,
                                                record_skip, &skips, &set),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    assert_int_equal(jwtgate_keyset_algs(set) & JWTGATE_ALGS_HMAC, 0);
    assert_int_equal(skips.calls, 1);
    assert_int_equal(skips.index[0], 0);
    assert_string_equal(skips.kid[0], "hs256");
    assert_non_null(jwtgate_keyset_skipped(set, "hs256", 5));
    assert_null(jwtgate_keyset_skipped(set, "rsa1", 4));
    jwtgate_keyset_free(set);

    free(text);
    free(hs256);
    free(rsa1);
}


/* a set remembers why it skipped a key, by kid */

static void
test_skipped_by_kid(void **state)
{
    jwtgate_keyset_t  *set;

    (void) state;

    set = fx_file_set("jwks-mixed.json");

    assert_non_null(strstr(jwtgate_keyset_skipped(set, "rsa1024", 7),
                           "2048"));
    assert_non_null(strstr(jwtgate_keyset_skipped(set, "xyz1", 4), "kty"));
    assert_non_null(strstr(jwtgate_keyset_skipped(set, "enc1", 4), "use"));
    assert_null(jwtgate_keyset_skipped(set, "rsa1", 4));
    assert_null(jwtgate_keyset_skipped(set, "rsa102", 6));
    assert_null(jwtgate_keyset_skipped(set, "nope", 4));

    jwtgate_keyset_free(set);

    /* nothing skipped */
    set = fx_file_set("jwks-rsa12.json");
    assert_null(jwtgate_keyset_skipped(set, "rsa1", 4));
    jwtgate_keyset_free(set);
}


static void
test_one_set_many_tokens(void **state)
{
    char              *tok;
    size_t             i;
    fx_signer_t           rsa1;
    jwtgate_keyset_t  *set;

    (void) state;

    /* a key set is immutable and shared: reuse leaves it intact */
    set = fx_file_set("jwks-rsa12.json");
    rsa1 = fx_private_key("rsa1");
    tok = sign_token(JWTGATE_ALG_PS256, NULL, &rsa1);

    for (i = 0; i < 20; i++) {
        assert_int_equal(verify_one(tok, set, NULL),
                         JWTGATE_ERR_ALG_KEY_MISMATCH);
    }

    free(tok);
    tok = sign_token(JWTGATE_ALG_RS256, "rsa1", &rsa1);

    for (i = 0; i < 20; i++) {
        assert_int_equal(verify_one(tok, set, NULL), JWTGATE_OK);
    }

    free(tok);
    fx_signer_free(&rsa1);
    jwtgate_keyset_free(set);

    jwtgate_keyset_free(NULL);

    /* the core leaves no OpenSSL error behind for the caller */
    assert_int_equal(ERR_peek_error(), 0);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_every_alg_verifies),
        cmocka_unit_test(test_jwks_all),
        cmocka_unit_test(test_hmac_with_public_key_as_secret),
        cmocka_unit_test(test_key_type_and_curve_confusion),
        cmocka_unit_test(test_ecdsa_malformed_signatures),
        cmocka_unit_test(test_other_malformed_signatures),
        cmocka_unit_test(test_kid_selection),
        cmocka_unit_test(test_keyset_fits),
        cmocka_unit_test(test_jwks_mixed),
        cmocka_unit_test(test_jwk_alg_restricts),
        cmocka_unit_test(test_jwk_skipped),
        cmocka_unit_test(test_jwk_degenerate_public_keys),
        cmocka_unit_test(test_header_keys_ignored),
        cmocka_unit_test(test_pss_salt_length),
        cmocka_unit_test(test_jwk_ec_points),
        cmocka_unit_test(test_jwk_oct_lengths),
        cmocka_unit_test(test_jwk_oct_warnings),
        cmocka_unit_test(test_jwks_shapes),
        cmocka_unit_test(test_jwks_100),
        cmocka_unit_test(test_kidless_try_limit),
        cmocka_unit_test(test_rsa_modulus_cap),
        cmocka_unit_test(test_public_set_no_symmetric),
        cmocka_unit_test(test_skipped_by_kid),
        cmocka_unit_test(test_one_set_many_tokens),
    };

    return cmocka_run_group_tests_name("keys and signatures", tests,
                                       NULL, NULL);
}
