/*
 * Signature verification (RFC 7518 section 3) with OpenSSL EVP on keys
 * parsed once.  The key is chosen by kid and by the key's own type and
 * algorithms, never by the token's alg alone: an RSA or EC key never
 * verifies an HMAC token, a P-384 key never verifies ES256.
 */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "jwtgate_int.h"


static int jwtgate_verify_key(const jwtgate_token_t *t,
    const jwtgate_keyset_t *set, const jwtgate_key_t *key);
static int jwtgate_key_prepare_hmac(jwtgate_key_t *key, EVP_MD *const *md);
static int jwtgate_verify_hmac(const jwtgate_token_t *t,
    const jwtgate_keyset_t *set, const jwtgate_key_t *key);
static int jwtgate_verify_digest(const jwtgate_token_t *t,
    const jwtgate_keyset_t *set, const jwtgate_key_t *key,
    const unsigned char *sig, size_t sig_len);
static int jwtgate_verify_eddsa(const jwtgate_token_t *t,
    const jwtgate_keyset_t *set, const jwtgate_key_t *key);
static int jwtgate_verify_ecdsa(const jwtgate_token_t *t,
    const jwtgate_keyset_t *set, const jwtgate_key_t *key);
static unsigned char *jwtgate_der_integer(unsigned char *p,
    const unsigned char *v, size_t len);


jwtgate_rc_t
jwtgate_verify_signature(const jwtgate_token_t *t,
    const jwtgate_keyset_t *const *sets, size_t n,
    const jwtgate_key_t **key, size_t *set_index)
{
    return jwtgate_verify_signature_tries(t, sets, n, JWTGATE_MAX_TRIES, key,
                                          set_index);
}


jwtgate_rc_t
jwtgate_verify_signature_tries(const jwtgate_token_t *t,
    const jwtgate_keyset_t *const *sets, size_t n, size_t max_tries,
    const jwtgate_key_t **key, size_t *set_index)
{
    int                     rc, fits;
    size_t                  i, pos, slot, tries;
    const jwtgate_key_t    *candidate;
    const jwtgate_keyset_t *set;

    fits = 0;     /* a key with the token's kid (if any) fits its alg */
    tries = 0;

    for (i = 0; i < n; i++) {
        set = sets[i];
        pos = 0;

        while ((candidate = jwtgate_keyset_next(set, t, &pos)) != NULL) {
            if (t->kid == NULL && tries == max_tries && max_tries != 0) {
                /* one more key would fit: the limit, not the signature */
                return JWTGATE_ERR_TRY_LIMIT;
            }

            tries++;
            fits = 1;

            rc = jwtgate_verify_key(t, set, candidate);
            if (rc < 0) {
                return JWTGATE_ERR_INTERNAL;
            }

            if (rc == 1) {
                goto verified;
            }
        }
    }

    if (!fits) {
        if (t->kid == NULL) {
            return JWTGATE_ERR_ALG_KEY_MISMATCH;
        }

        /* does the kid exist in a set that cannot verify this alg? */
        for (i = 0; i < n; i++) {
            set = sets[i];
            slot = jwtgate_hash(t->kid, t->kid_len) & set->mask;

            for ( ; set->slots[slot] != 0; slot = (slot + 1) & set->mask) {
                candidate = &set->keys[set->slots[slot] - 1];

                if (candidate->kid_len == t->kid_len
                    && memcmp(candidate->kid, t->kid, t->kid_len) == 0)
                {
                    return JWTGATE_ERR_ALG_KEY_MISMATCH;
                }
            }
        }

        return JWTGATE_ERR_UNKNOWN_KID;
    }

    return JWTGATE_ERR_BAD_SIGNATURE;

verified:

    if (key != NULL) {
        *key = candidate;
    }

    if (set_index != NULL) {
        *set_index = i;
    }

    return JWTGATE_OK;
}


int
jwtgate_keyset_fits(const jwtgate_keyset_t *set, const jwtgate_token_t *t)
{
    size_t  pos;

    pos = 0;

    return set != NULL && jwtgate_keyset_next(set, t, &pos) != NULL;
}


const jwtgate_key_t *
jwtgate_keyset_next(const jwtgate_keyset_t *set, const jwtgate_token_t *t,
    size_t *pos)
{
    size_t               slot;
    unsigned             bit;
    const jwtgate_key_t *candidate;

    bit = JWTGATE_ALG_BIT(t->alg);

    if (!(set->algs & bit)) {
        return NULL;
    }

    if (t->kid == NULL) {
        while (*pos < set->n) {
            candidate = &set->keys[(*pos)++];

            if (candidate->algs & bit) {
                return candidate;
            }
        }

        return NULL;
    }

    /* by kid: *pos is the number of slots probed so far */
    for (slot = (jwtgate_hash(t->kid, t->kid_len) + *pos) & set->mask;
         set->slots[slot] != 0;
         slot = (slot + 1) & set->mask)
    {
        (*pos)++;
        candidate = &set->keys[set->slots[slot] - 1];

        if (candidate->kid_len == t->kid_len
            && memcmp(candidate->kid, t->kid, t->kid_len) == 0
            && (candidate->algs & bit))
        {
            return candidate;
        }
    }

    return NULL;
}


/* 1: verified, 0: not, -1: internal error */

static int
jwtgate_verify_key(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t *key)
{
    switch (t->alg) {

    case JWTGATE_ALG_HS256:
    case JWTGATE_ALG_HS384:
    case JWTGATE_ALG_HS512:
        if (key->kty != JWTGATE_KTY_OCT) {
            return 0;
        }

        return jwtgate_verify_hmac(t, set, key);

    case JWTGATE_ALG_ES256:
    case JWTGATE_ALG_ES384:
    case JWTGATE_ALG_ES512:
        if (key->kty != JWTGATE_KTY_EC) {
            return 0;
        }

        return jwtgate_verify_ecdsa(t, set, key);

    case JWTGATE_ALG_EDDSA:
        if (key->kty != JWTGATE_KTY_OKP) {
            return 0;
        }

        return jwtgate_verify_eddsa(t, set, key);

    default:
        if (key->kty != JWTGATE_KTY_RSA) {
            return 0;
        }

        return jwtgate_verify_digest(t, set, key, t->sig, t->sig_len);
    }
}


static int
jwtgate_verify_hmac(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t *key)
{
    int             i, ok;
    size_t          len;
    EVP_MAC_CTX    *ctx;
    unsigned char   mac[EVP_MAX_MD_SIZE];

    (void) set;

    len = 0;
    i = jwtgate_alg_md_index(t->alg);
    if (i < 0 || key->hmac[i] == NULL) {
        return 0;
    }

    /*
     * A copy of the keyed context: the key's own is never used, so a
     * check leaves nothing in it (not the last token's MAC either).  Not
     * EVP_MAC_init() with no key, which OpenSSL 3.0.0 to 3.0.2 take as
     * "nothing to do" (openssl#17811).
     */

    ctx = EVP_MAC_CTX_dup(key->hmac[i]);
    if (ctx == NULL) {
        ERR_clear_error();
        return -1;
    }

    ok = EVP_MAC_update(ctx, (const unsigned char *) t->signing_input,
                        t->signing_len) == 1
         && EVP_MAC_final(ctx, mac, &len, sizeof(mac)) == 1;

    EVP_MAC_CTX_free(ctx);

    if (!ok) {
        OPENSSL_cleanse(mac, sizeof(mac));
        ERR_clear_error();
        return -1;
    }

    if (t->sig_len != len) {
        OPENSSL_cleanse(mac, sizeof(mac));
        return 0;
    }

    i = CRYPTO_memcmp(mac, t->sig, len) == 0;
    OPENSSL_cleanse(mac, sizeof(mac));

    return i;
}


/* JWS ECDSA signatures are r || s, each exactly the curve's size
 * (RFC 7518 3.4); OpenSSL wants DER. */

static int
jwtgate_verify_ecdsa(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t *key)
{
    size_t          half, der_len;
    unsigned char   der[JWTGATE_ECDSA_DER_MAX];

    half = t->alg == JWTGATE_ALG_ES256 ? 32
           : t->alg == JWTGATE_ALG_ES384 ? 48 : 66;

    /* 0: a length other than the curve's, or r or s zero */
    der_len = jwtgate_ecdsa_der(t->sig, t->sig_len, half, der);
    if (der_len == 0) {
        return 0;
    }

    return jwtgate_verify_digest(t, set, key, der, der_len);
}


/* one INTEGER (X.690 8.3): minimal, a 0x00 first when the high bit is
 * set; v is not all zero */

static unsigned char *
jwtgate_der_integer(unsigned char *p, const unsigned char *v, size_t len)
{
    while (v[0] == 0) {
        v++;
        len--;
    }

    *p++ = 0x02;

    if (v[0] & 0x80) {
        *p++ = (unsigned char) (len + 1);
        *p++ = 0x00;

    } else {
        *p++ = (unsigned char) len;
    }

    memcpy(p, v, len);

    return p + len;
}


size_t
jwtgate_ecdsa_der(const unsigned char *sig, size_t sig_len, size_t half,
    unsigned char *der)
{
    size_t          i, len;
    unsigned char   acc_r, acc_s, body[2 * (2 + 1 + 66)], *p;

    if ((half != 32 && half != 48 && half != 66) || sig_len != 2 * half) {
        return 0;
    }

    acc_r = 0;
    acc_s = 0;

    for (i = 0; i < half; i++) {
        acc_r |= sig[i];
        acc_s |= sig[half + i];
    }

    if (acc_r == 0 || acc_s == 0) {
        return 0;
    }

    p = jwtgate_der_integer(body, sig, half);
    p = jwtgate_der_integer(p, sig + half, half);
    len = (size_t) (p - body);

    /* SEQUENCE; P-521's may need the long form of its length (< 256) */
    p = der;
    *p++ = 0x30;

    if (len > 127) {
        *p++ = 0x81;
    }

    *p++ = (unsigned char) len;
    memcpy(p, body, len);

    return (size_t) (p - der) + len;
}


/* RSA and ECDSA: hash, then check with the key's prepared context */

static int
jwtgate_verify_digest(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t *key, const unsigned char *sig, size_t sig_len)
{
    int             rc;
    unsigned int    len;
    EVP_PKEY_CTX   *ctx;
    unsigned char   hash[EVP_MAX_MD_SIZE];

    ctx = key->verify[t->alg];
    if (ctx == NULL) {
        return 0;
    }

    /* the set's context: no allocation once it has held this digest */
    if (EVP_DigestInit_ex(set->hash, set->md[jwtgate_alg_md_index(t->alg)],
                          NULL)
        != 1
        || EVP_DigestUpdate(set->hash, t->signing_input, t->signing_len)
           != 1
        || EVP_DigestFinal_ex(set->hash, hash, &len) != 1)
    {
        return -1;
    }

    rc = EVP_PKEY_verify(ctx, sig, sig_len, hash, len);

    if (rc != 1) {
        /* a failed check leaves errors the caller's TLS code would see */
        ERR_clear_error();
    }

    /* 0 is a bad signature; a negative value is a malformed one */
    return rc == 1;
}


/* EdDSA signs the message itself, no prehash (RFC 8037 3.1): a copy of
 * the key's initialised context, in the set's scratch context */

static int
jwtgate_verify_eddsa(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t *key)
{
    int  rc;

    if (key->eddsa == NULL) {
        return 0;
    }

    if (EVP_MD_CTX_copy_ex(set->eddsa, key->eddsa) != 1) {
        /* OpenSSL 3.0.0 copies no context without a digest (3.0.1 does) */
        ERR_clear_error();

        if (jwtgate_eddsa_init_fallback(set, key) != 1) {
            return -1;
        }
    }

    rc = EVP_DigestVerify(set->eddsa, t->sig, t->sig_len,
                          (const unsigned char *) t->signing_input,
                          t->signing_len);

    if (rc != 1) {
        ERR_clear_error();
    }

    return rc == 1;
}


/* The set's scratch context initialised for this key alone.  It is
 * reset first: it may still hold the previous check's EVP_PKEY_CTX (a
 * failed EVP_MD_CTX_copy_ex() leaves it as it was), and
 * EVP_DigestVerifyInit() reuses a context's EVP_PKEY_CTX, ignoring the
 * key it is given: without the reset, every check would verify with the
 * first key the set checked. */

int
jwtgate_eddsa_init_fallback(const jwtgate_keyset_t *set,
    const jwtgate_key_t *key)
{
    if (EVP_MD_CTX_reset(set->eddsa) != 1
        || EVP_DigestVerifyInit(set->eddsa, NULL, NULL, NULL, key->pkey)
           != 1)
    {
        ERR_clear_error();
        return -1;
    }

    return 1;
}


int
jwtgate_alg_md_index(jwtgate_alg_t alg)
{
    switch (alg) {

    case JWTGATE_ALG_HS256:
    case JWTGATE_ALG_RS256:
    case JWTGATE_ALG_PS256:
    case JWTGATE_ALG_ES256:
        return 0;

    case JWTGATE_ALG_HS384:
    case JWTGATE_ALG_RS384:
    case JWTGATE_ALG_PS384:
    case JWTGATE_ALG_ES384:
        return 1;

    case JWTGATE_ALG_HS512:
    case JWTGATE_ALG_RS512:
    case JWTGATE_ALG_PS512:
    case JWTGATE_ALG_ES512:
        return 2;

    default:
        return -1;
    }
}


int
jwtgate_key_prepare(jwtgate_key_t *key, EVP_MD *const *md)
{
    int            i, ok;
    EVP_MD        *m;
    EVP_PKEY_CTX  *ctx;

    if (key->kty == JWTGATE_KTY_OKP) {
        key->eddsa = EVP_MD_CTX_new();
        if (key->eddsa == NULL) {
            return -1;
        }

        /* no digest: Ed25519 and Ed448 hash the message themselves */
        if (EVP_DigestVerifyInit(key->eddsa, NULL, NULL, NULL, key->pkey)
            != 1)
        {
            return -1;
        }

        return 0;
    }

    if (key->kty == JWTGATE_KTY_OCT) {
        return jwtgate_key_prepare_hmac(key, md);
    }

    for (i = 0; i < JWTGATE_ALG_COUNT; i++) {
        if (!(key->algs & JWTGATE_ALG_BIT(i))) {
            continue;
        }

        m = md[jwtgate_alg_md_index((jwtgate_alg_t) i)];

        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        if (ctx == NULL) {
            return -1;
        }

        ok = EVP_PKEY_verify_init(ctx) == 1
             && EVP_PKEY_CTX_set_signature_md(ctx, m) == 1;

        if (ok && i >= JWTGATE_ALG_PS256 && i <= JWTGATE_ALG_PS512) {
            /* RFC 7518 3.5: MGF1 with the same hash, salt as long as it */
            ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1
                 && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx,
                                                     RSA_PSS_SALTLEN_DIGEST)
                    == 1
                 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, m) == 1;

        } else if (ok && key->kty == JWTGATE_KTY_RSA) {
            ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
        }

        if (!ok) {
            EVP_PKEY_CTX_free(ctx);
            return -1;
        }

        key->verify[i] = ctx;
    }

    return 0;
}


/* an HMAC context per hash of the HS algorithms the key may verify */

static int
jwtgate_key_prepare_hmac(jwtgate_key_t *key, EVP_MD *const *md)
{
    int          i, m, rc;
    EVP_MAC     *mac;
    OSSL_PARAM   params[2];

    if (key->secret == NULL || key->secret_len == 0) {
        return -1;
    }

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) {
        return -1;
    }

    rc = 0;

    for (i = JWTGATE_ALG_HS256; i <= JWTGATE_ALG_HS512; i++) {
        if (!(key->algs & JWTGATE_ALG_BIT(i))) {
            continue;
        }

        m = jwtgate_alg_md_index((jwtgate_alg_t) i);

        key->hmac[m] = EVP_MAC_CTX_new(mac);
        if (key->hmac[m] == NULL) {
            rc = -1;
            break;
        }

        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                        (char *) EVP_MD_get0_name(md[m]), 0);
        params[1] = OSSL_PARAM_construct_end();

        if (EVP_MAC_init(key->hmac[m], key->secret, key->secret_len, params)
            != 1)
        {
            rc = -1;
            break;
        }
    }

    EVP_MAC_free(mac);

    if (rc != 0) {
        ERR_clear_error();
    }

    return rc;
}


void
jwtgate_key_release(jwtgate_key_t *key)
{
    int  i;

    for (i = 0; i < JWTGATE_ALG_COUNT; i++) {
        EVP_PKEY_CTX_free(key->verify[i]);
        key->verify[i] = NULL;
    }

    for (i = 0; i < 3; i++) {
        EVP_MAC_CTX_free(key->hmac[i]);
        key->hmac[i] = NULL;
    }

    EVP_MD_CTX_free(key->eddsa);
    key->eddsa = NULL;
}
