/*
 * JWE key management (RFC 7518 section 4): the CEK from the encrypted key
 * with dir, AES key wrap (A*KW, RFC 3394), AES-GCM key wrap (A*GCMKW),
 * RSAES-OAEP (SHA-1, -256, -384, -512), ECDH-ES with the Concat KDF,
 * direct or with AES key wrap, on P-256, P-384, P-521 and X25519.
 *
 * A key that fails to unwrap or decrypt, or unwraps to a CEK of the wrong
 * length, leaves a random CEK of the right length: the caller decrypts
 * the content with it all the same, the tag fails, and nothing tells the
 * two apart (RFC 7516 11.5, the Bleichenbacher/Manger lesson).
 */

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "jwtgate_jwe_int.h"


/* the longest unwrapped key read: an RSA modulus */
#define JWTGATE_UNWRAP_MAX      JWTGATE_JWE_MAX_ENCRYPTED_KEY


static int jwtgate_jwe_oaep(const jwtgate_jwe_t *jwe,
    const jwtgate_key_t *key, unsigned char *cek, size_t cek_len);
static int jwtgate_jwe_aes_unwrap(const unsigned char *kek, size_t kek_len,
    const unsigned char *in, size_t in_len, unsigned char *cek,
    size_t cek_len);
static int jwtgate_jwe_gcm_unwrap(const jwtgate_jwe_t *jwe,
    const unsigned char *kek, size_t kek_len, unsigned char *cek,
    size_t cek_len);
static jwtgate_rc_t jwtgate_jwe_ecdh(const jwtgate_jwe_t *jwe,
    const jwtgate_key_t *key, unsigned char *cek, size_t cek_len);
static EVP_PKEY *jwtgate_jwe_epk(const jwtgate_jwe_t *jwe);
static void jwtgate_be32(unsigned char *b, uint32_t v);


jwtgate_rc_t
jwtgate_jwe_cek(const jwtgate_jwe_t *jwe, const jwtgate_key_t *key,
    unsigned char *cek, size_t cek_len)
{
    int           ok;
    jwtgate_rc_t  rc;

    ok = 0;

    switch (jwe->alg) {

    case JWTGATE_JWE_DIR:
        /* the key fits only when its length is enc's (jwtgate_jwe.c) */
        if (key->kty == JWTGATE_KTY_OCT && key->secret_len == cek_len) {
            memcpy(cek, key->secret, cek_len);
            ok = 1;
        }

        break;

    case JWTGATE_JWE_A128KW:
    case JWTGATE_JWE_A192KW:
    case JWTGATE_JWE_A256KW:
        if (key->kty == JWTGATE_KTY_OCT) {
            ok = jwtgate_jwe_aes_unwrap(key->secret, key->secret_len,
                                        jwe->ekey, jwe->ekey_len, cek,
                                        cek_len);
        }

        break;

    case JWTGATE_JWE_A128GCMKW:
    case JWTGATE_JWE_A192GCMKW:
    case JWTGATE_JWE_A256GCMKW:
        if (key->kty == JWTGATE_KTY_OCT) {
            ok = jwtgate_jwe_gcm_unwrap(jwe, key->secret, key->secret_len,
                                        cek, cek_len);
        }

        break;

    case JWTGATE_JWE_RSA_OAEP:
    case JWTGATE_JWE_RSA_OAEP_256:
    case JWTGATE_JWE_RSA_OAEP_384:
    case JWTGATE_JWE_RSA_OAEP_512:
        if (key->kty == JWTGATE_KTY_RSA) {
            ok = jwtgate_jwe_oaep(jwe, key, cek, cek_len);
        }

        break;

    default:
        /* ECDH-ES and ECDH-ES+A*KW */
        rc = jwtgate_jwe_ecdh(jwe, key, cek, cek_len);
        if (rc == JWTGATE_OK) {
            ok = 1;

        } else if (rc != JWTGATE_ERR_DECRYPT) {
            OPENSSL_cleanse(cek, cek_len);
            return rc;
        }

        break;
    }

    ERR_clear_error();

    if (ok < 0) {
        OPENSSL_cleanse(cek, cek_len);
        return JWTGATE_ERR_INTERNAL;
    }

    if (ok == 0) {
        /* RFC 7516 11.5: go on with a random CEK of the right length */
        if (RAND_bytes(cek, (int) cek_len) != 1) {
            OPENSSL_cleanse(cek, cek_len);
            ERR_clear_error();
            return JWTGATE_ERR_INTERNAL;
        }

        return JWTGATE_ERR_DECRYPT;
    }

    return JWTGATE_OK;
}


/* 1: the CEK; 0: OAEP failed or the CEK has the wrong length; -1 */

static int
jwtgate_jwe_oaep(const jwtgate_jwe_t *jwe, const jwtgate_key_t *key,
    unsigned char *cek, size_t cek_len)
{
    int             ok;
    size_t          out_len;
    EVP_PKEY_CTX   *ctx;
    const EVP_MD   *md;
    unsigned char   out[JWTGATE_UNWRAP_MAX];

    switch (jwe->alg) {

    case JWTGATE_JWE_RSA_OAEP:
        md = EVP_sha1();
        break;

    case JWTGATE_JWE_RSA_OAEP_256:
        md = EVP_sha256();
        break;

    case JWTGATE_JWE_RSA_OAEP_384:
        md = EVP_sha384();
        break;

    default:
        md = EVP_sha512();
        break;
    }

    /* the encrypted key is exactly the modulus' length (RFC 8017 7.1.2);
     * another length fails as a bad padding does */
    if (md == NULL || jwe->ekey_len != (size_t) EVP_PKEY_get_size(key->pkey)
        || jwe->ekey_len > sizeof(out))
    {
        return md == NULL ? -1 : 0;
    }

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx == NULL) {
        return -1;
    }

    if (EVP_PKEY_decrypt_init(ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1
        || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1
        || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1)
    {
        EVP_PKEY_CTX_free(ctx);
        return -1;
    }

    out_len = sizeof(out);

    ok = EVP_PKEY_decrypt(ctx, out, &out_len, jwe->ekey, jwe->ekey_len) == 1
         && out_len == cek_len;

    if (ok) {
        memcpy(cek, out, cek_len);
    }

    OPENSSL_cleanse(out, sizeof(out));
    EVP_PKEY_CTX_free(ctx);

    return ok;
}


/* RFC 3394 with the default IV; 1: the CEK; 0: the integrity check
 * failed or the CEK has the wrong length; -1 */

static int
jwtgate_jwe_aes_unwrap(const unsigned char *kek, size_t kek_len,
    const unsigned char *in, size_t in_len, unsigned char *cek,
    size_t cek_len)
{
    int                n, fin, ok;
    EVP_CIPHER_CTX    *ctx;
    const EVP_CIPHER  *cipher;
    unsigned char      out[JWTGATE_UNWRAP_MAX + 16];

    if (kek_len != 16 && kek_len != 24 && kek_len != 32) {
        return 0;
    }

    cipher = jwtgate_jwe_aes(kek_len, JWTGATE_AES_WRAP);

    /* a wrapped key is 64-bit blocks, at least two of them, one more than
     * the key: any other length cannot unwrap to a CEK for enc */
    if (cipher == NULL || in_len < 24 || in_len % 8 != 0
        || in_len > JWTGATE_UNWRAP_MAX)
    {
        return cipher == NULL ? -1 : 0;
    }

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);

    if (EVP_DecryptInit_ex(ctx, cipher, NULL, kek, NULL) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        return -1;
    }

    n = 0;
    fin = 0;

    ok = EVP_DecryptUpdate(ctx, out, &n, in, (int) in_len) == 1
         && n >= 0 && EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1
         && (size_t) n + (size_t) fin == cek_len;

    if (ok) {
        memcpy(cek, out, cek_len);
    }

    OPENSSL_cleanse(out, sizeof(out));
    EVP_CIPHER_CTX_free(ctx);

    return ok;
}


/* RFC 7518 4.7: AES-GCM of the CEK with the header's iv and tag, no AAD;
 * 1: the CEK; 0: the tag failed or the CEK has the wrong length; -1 */

static int
jwtgate_jwe_gcm_unwrap(const jwtgate_jwe_t *jwe, const unsigned char *kek,
    size_t kek_len, unsigned char *cek, size_t cek_len)
{
    int                n, fin, ok;
    EVP_CIPHER_CTX    *ctx;
    const EVP_CIPHER  *cipher;
    unsigned char      out[JWTGATE_UNWRAP_MAX + 16];

    if (kek_len != 16 && kek_len != 24 && kek_len != 32) {
        return 0;
    }

    cipher = jwtgate_jwe_aes(kek_len, JWTGATE_AES_GCM);

    if (cipher == NULL) {
        return -1;
    }

    /* the encrypted key is as long as the CEK (GCM is a stream cipher) */
    if (jwe->ekey_len != cek_len) {
        return 0;
    }

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    if (EVP_DecryptInit_ex(ctx, cipher, NULL, NULL, NULL) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1
        || EVP_DecryptInit_ex(ctx, NULL, NULL, kek, jwe->kw_iv) != 1
        || EVP_DecryptUpdate(ctx, out, &n, jwe->ekey, (int) jwe->ekey_len)
           != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
                               (void *) jwe->kw_tag) != 1)
    {
        OPENSSL_cleanse(out, sizeof(out));
        EVP_CIPHER_CTX_free(ctx);
        return -1;
    }

    ok = EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1
         && (size_t) n + (size_t) fin == cek_len;

    if (ok) {
        memcpy(cek, out, cek_len);
    }

    OPENSSL_cleanse(out, sizeof(out));
    EVP_CIPHER_CTX_free(ctx);

    return ok;
}


/*
 * RFC 7518 4.6: Z from the key and the ephemeral public key; the Concat
 * KDF gives the CEK (ECDH-ES) or the key that unwraps it (+A*KW).  The
 * ephemeral key must be a valid point of the key's own curve and not of
 * small order: an invalid-curve point would leak the private key.
 */

static jwtgate_rc_t
jwtgate_jwe_ecdh(const jwtgate_jwe_t *jwe, const jwtgate_key_t *key,
    unsigned char *cek, size_t cek_len)
{
    int            ok;
    size_t         z_len, i, kek_len;
    EVP_PKEY      *peer;
    const char    *alg_id;
    EVP_PKEY_CTX  *ctx;
    jwtgate_rc_t   rc;
    unsigned char  z[JWTGATE_EPK_MAX], kek[32], acc;

    if ((key->kty != JWTGATE_KTY_EC && key->kty != JWTGATE_KTY_OKP)
        || key->crv == 0)
    {
        return JWTGATE_ERR_DECRYPT;
    }

    if (key->crv != jwe->epk_crv) {
        return JWTGATE_ERR_BAD_EPK;
    }

    peer = jwtgate_jwe_epk(jwe);
    if (peer == NULL) {
        return JWTGATE_ERR_BAD_EPK;
    }

    rc = JWTGATE_ERR_INTERNAL;
    z_len = 0;
    kek_len = 0;

    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1) {
        goto done;
    }

    /* an EC peer was checked on import (jwtgate_jwe_epk: on the curve,
     * not the point at infinity); OpenSSL's validation here would do the
     * full check again, costing as much as the derivation itself */
    if (EVP_PKEY_derive_set_peer_ex(ctx, peer,
                                    key->kty == JWTGATE_KTY_OKP)
        != 1)
    {
        rc = JWTGATE_ERR_BAD_EPK;
        goto done;
    }

    z_len = sizeof(z);

    if (EVP_PKEY_derive(ctx, z, &z_len) != 1) {
        /* X25519: OpenSSL refuses an all-zero secret (small order) */
        rc = key->kty == JWTGATE_KTY_OKP ? JWTGATE_ERR_BAD_EPK
                                         : JWTGATE_ERR_INTERNAL;
        z_len = sizeof(z);
        goto done;
    }

    /* RFC 7748 6.1: an all-zero X25519 secret, checked whatever OpenSSL
     * does (without a branch on the secret's bytes) */
    acc = 0;

    for (i = 0; i < z_len; i++) {
        acc |= z[i];
    }

    if (acc == 0) {
        rc = JWTGATE_ERR_BAD_EPK;
        goto done;
    }

    switch (jwe->alg) {

    case JWTGATE_JWE_ECDH_ES:
        alg_id = jwtgate_enc_name(jwe->enc);
        kek_len = 0;
        break;

    case JWTGATE_JWE_ECDH_ES_A128KW:
        alg_id = "ECDH-ES+A128KW";
        kek_len = 16;
        break;

    case JWTGATE_JWE_ECDH_ES_A192KW:
        alg_id = "ECDH-ES+A192KW";
        kek_len = 24;
        break;

    default:
        alg_id = "ECDH-ES+A256KW";
        kek_len = 32;
        break;
    }

    if (kek_len == 0) {
        /* direct: the KDF's output is the CEK; no encrypted key (parse) */
        if (jwtgate_concat_kdf(z, z_len, alg_id, jwe->apu, jwe->apu_len,
                               jwe->apv, jwe->apv_len, cek, cek_len)
            != 0)
        {
            goto done;
        }

        rc = JWTGATE_OK;
        goto done;
    }

    if (jwtgate_concat_kdf(z, z_len, alg_id, jwe->apu, jwe->apu_len,
                           jwe->apv, jwe->apv_len, kek, kek_len)
        != 0)
    {
        goto done;
    }

    ok = jwtgate_jwe_aes_unwrap(kek, kek_len, jwe->ekey, jwe->ekey_len, cek,
                                cek_len);

    rc = ok == 1 ? JWTGATE_OK
                 : (ok == 0 ? JWTGATE_ERR_DECRYPT : JWTGATE_ERR_INTERNAL);

done:

    OPENSSL_cleanse(z, sizeof(z));
    OPENSSL_cleanse(kek, sizeof(kek));
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    ERR_clear_error();

    return rc;
}


/* the epk as an OpenSSL public key, checked; NULL when it is not valid */

static EVP_PKEY *
jwtgate_jwe_epk(const jwtgate_jwe_t *jwe)
{
    int             ok;
    size_t          len;
    EVP_PKEY       *pkey;
    OSSL_PARAM      params[3];
    const char     *group;
    EVP_PKEY_CTX   *ctx, *check;
    unsigned char   point[1 + 2 * JWTGATE_EPK_MAX];

    if (jwe->epk_crv == JWTGATE_CRV_X25519) {
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL,
                                           jwe->epk_x, 32);
    }

    switch (jwe->epk_crv) {

    case JWTGATE_CRV_P256:
        group = "prime256v1";
        len = 32;
        break;

    case JWTGATE_CRV_P384:
        group = "secp384r1";
        len = 48;
        break;

    case JWTGATE_CRV_P521:
        group = "secp521r1";
        len = 66;
        break;

    default:
        return NULL;
    }

    if (jwe->epk_len != len) {
        return NULL;
    }

    point[0] = 0x04;
    memcpy(point + 1, jwe->epk_x, len);
    memcpy(point + 1 + len, jwe->epk_y, len);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *) group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  point, 1 + 2 * len);
    params[2] = OSSL_PARAM_construct_end();

    pkey = NULL;
    check = NULL;

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL) {
        return NULL;
    }

    /* a point off the curve is refused here already */
    ok = EVP_PKEY_fromdata_init(ctx) == 1
         && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;

    /* on the curve and not the point at infinity: enough for P-256,
     * P-384 and P-521, whose cofactor is 1 (every point of the curve is
     * in the prime-order group, so the full check's n * Q = O adds
     * nothing but a scalar multiplication) */
    if (ok) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        ok = check != NULL && EVP_PKEY_public_check_quick(check) == 1;
    }

    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);

    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }

    return pkey;
}


int
jwtgate_concat_kdf(const unsigned char *z, size_t z_len, const char *alg,
    const unsigned char *apu, size_t apu_len, const unsigned char *apv,
    size_t apv_len, unsigned char *out, size_t out_len)
{
    int             ok;
    size_t          done, n, alg_len;
    uint32_t        round;
    EVP_MD_CTX     *ctx;
    unsigned char   be[4][4], h[32];

    alg_len = strlen(alg);

    if (out_len == 0 || out_len > 0x1fffffff || alg_len > 0xffffffff
        || apu_len > 0xffffffff || apv_len > 0xffffffff)
    {
        return -1;
    }

    ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    jwtgate_be32(be[1], (uint32_t) alg_len);
    jwtgate_be32(be[2], (uint32_t) apu_len);
    jwtgate_be32(be[3], (uint32_t) apv_len);

    ok = 1;

    for (round = 1, done = 0; ok && done < out_len; round++) {
        unsigned char  pub[4];

        jwtgate_be32(be[0], round);
        jwtgate_be32(pub, (uint32_t) (out_len * 8));

        ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
             && EVP_DigestUpdate(ctx, be[0], 4) == 1
             && EVP_DigestUpdate(ctx, z, z_len) == 1
             && EVP_DigestUpdate(ctx, be[1], 4) == 1
             && EVP_DigestUpdate(ctx, alg, alg_len) == 1
             && EVP_DigestUpdate(ctx, be[2], 4) == 1
             && (apu_len == 0 || EVP_DigestUpdate(ctx, apu, apu_len) == 1)
             && EVP_DigestUpdate(ctx, be[3], 4) == 1
             && (apv_len == 0 || EVP_DigestUpdate(ctx, apv, apv_len) == 1)
             && EVP_DigestUpdate(ctx, pub, 4) == 1
             && EVP_DigestFinal_ex(ctx, h, NULL) == 1;

        if (ok) {
            n = out_len - done < sizeof(h) ? out_len - done : sizeof(h);
            memcpy(out + done, h, n);
            done += n;
        }
    }

    OPENSSL_cleanse(h, sizeof(h));
    EVP_MD_CTX_free(ctx);

    if (!ok) {
        OPENSSL_cleanse(out, out_len);
        ERR_clear_error();
        return -1;
    }

    return 0;
}


static void
jwtgate_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char) (v >> 24);
    b[1] = (unsigned char) (v >> 16);
    b[2] = (unsigned char) (v >> 8);
    b[3] = (unsigned char) v;
}
