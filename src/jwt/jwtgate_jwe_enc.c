/*
 * JWE content decryption (RFC 7518 section 5): AES-CBC with HMAC-SHA-2
 * (5.2) and AES-GCM (5.3).  The authentication tag is verified before
 * the plaintext is used; for AES-CBC-HMAC before anything is decrypted
 * at all, in constant time.
 */

#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "jwtgate_jwe_int.h"


typedef struct {
    const char  *name;
    size_t       key_len;
    size_t       iv_len;
    size_t       tag_len;
    const char  *digest;        /* CBC-HMAC; NULL for GCM */
} jwtgate_enc_info_t;


static const jwtgate_enc_info_t  encs[JWTGATE_ENC_COUNT] = {
    { "A128CBC-HS256", 32, 16, 16, "SHA256" },
    { "A192CBC-HS384", 48, 16, 24, "SHA384" },
    { "A256CBC-HS512", 64, 16, 32, "SHA512" },
    { "A128GCM", 16, 12, 16, NULL },
    { "A192GCM", 24, 12, 16, NULL },
    { "A256GCM", 32, 12, 16, NULL }
};


static int jwtgate_jwe_gcm(const jwtgate_jwe_t *jwe,
    const unsigned char *cek, size_t cek_len, unsigned char *out,
    size_t *out_len);
static int jwtgate_jwe_cbc_hmac(const jwtgate_jwe_t *jwe,
    const unsigned char *cek, size_t cek_len, unsigned char *out,
    size_t *out_len);


int
jwtgate_enc_from_name(const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < JWTGATE_ENC_COUNT; i++) {
        if (strlen(encs[i].name) == len && memcmp(encs[i].name, name, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


const char *
jwtgate_enc_name(jwtgate_enc_t enc)
{
    if ((unsigned) enc >= JWTGATE_ENC_COUNT) {
        return "unknown";
    }

    return encs[enc].name;
}


size_t
jwtgate_enc_key_len(jwtgate_enc_t enc)
{
    return encs[enc].key_len;
}


size_t
jwtgate_enc_iv_len(jwtgate_enc_t enc)
{
    return encs[enc].iv_len;
}


size_t
jwtgate_enc_tag_len(jwtgate_enc_t enc)
{
    return encs[enc].tag_len;
}


int
jwtgate_jwe_content_decrypt(const jwtgate_jwe_t *jwe,
    const unsigned char *cek, size_t cek_len, unsigned char *out,
    size_t *out_len)
{
    int  rc;

    *out_len = 0;

    if (cek_len != encs[jwe->enc].key_len || jwe->ct_len > INT_MAX / 2
        || jwe->aad_len > INT_MAX / 2)
    {
        return -1;
    }

    if (encs[jwe->enc].digest == NULL) {
        rc = jwtgate_jwe_gcm(jwe, cek, cek_len, out, out_len);

    } else {
        rc = jwtgate_jwe_cbc_hmac(jwe, cek, cek_len, out, out_len);
    }

    if (rc != 1) {
        OPENSSL_cleanse(out, jwe->ct_len + JWTGATE_JWE_OUT_EXTRA);
        *out_len = 0;
        ERR_clear_error();
    }

    return rc;
}


/* RFC 7518 5.3: AES-GCM, the AAD the encoded header, a 128-bit tag */

static int
jwtgate_jwe_gcm(const jwtgate_jwe_t *jwe, const unsigned char *cek,
    size_t cek_len, unsigned char *out, size_t *out_len)
{
    int                n, fin, rc;
    EVP_CIPHER_CTX    *ctx;
    const EVP_CIPHER  *cipher;

    cipher = jwtgate_jwe_aes(cek_len, JWTGATE_AES_GCM);
    if (cipher == NULL) {
        return -1;
    }

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return -1;
    }

    rc = -1;

    if (EVP_DecryptInit_ex(ctx, cipher, NULL, NULL, NULL) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
                               (int) jwe->iv_len, NULL) != 1
        || EVP_DecryptInit_ex(ctx, NULL, NULL, cek, jwe->iv) != 1
        || EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *) jwe->aad,
                             (int) jwe->aad_len) != 1
        || EVP_DecryptUpdate(ctx, out, &n, jwe->ct, (int) jwe->ct_len) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                               (int) jwe->tag_len, (void *) jwe->tag) != 1)
    {
        goto done;
    }

    /* the tag: a plaintext whose tag fails is wiped, never used */
    if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1) {
        rc = 0;
        goto done;
    }

    *out_len = (size_t) n + (size_t) fin;
    rc = 1;

done:

    EVP_CIPHER_CTX_free(ctx);
    return rc;
}


/*
 * RFC 7518 5.2.2.2: MAC_KEY the first half of the CEK, ENC_KEY the
 * second; the tag is the first half of HMAC(MAC_KEY, A || IV || E || AL),
 * AL the AAD's length in bits as 64-bit big-endian.  Compared in constant
 * time before anything is decrypted; then AES-CBC with PKCS #7 padding.
 */

static int
jwtgate_jwe_cbc_hmac(const jwtgate_jwe_t *jwe, const unsigned char *cek,
    size_t cek_len, unsigned char *out, size_t *out_len)
{
    int                n, fin, rc, i;
    size_t             half, mac_len;
    uint64_t           bits;
    EVP_MAC           *mac;
    OSSL_PARAM         params[2];
    EVP_MAC_CTX       *mctx;
    EVP_CIPHER_CTX    *ctx;
    unsigned char      al[8], m[EVP_MAX_MD_SIZE];
    const EVP_CIPHER  *cipher;

    half = cek_len / 2;
    rc = -1;
    ctx = NULL;
    mctx = NULL;

    cipher = jwtgate_jwe_aes(half, JWTGATE_AES_CBC);

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL || cipher == NULL) {
        goto done;
    }

    mctx = EVP_MAC_CTX_new(mac);
    if (mctx == NULL) {
        goto done;
    }

    bits = (uint64_t) jwe->aad_len * 8;

    for (i = 7; i >= 0; i--) {
        al[i] = (unsigned char) (bits & 0xff);
        bits >>= 8;
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                    (char *) encs[jwe->enc].digest, 0);
    params[1] = OSSL_PARAM_construct_end();

    mac_len = 0;

    if (EVP_MAC_init(mctx, cek, half, params) != 1
        || EVP_MAC_update(mctx, (const unsigned char *) jwe->aad,
                          jwe->aad_len) != 1
        || EVP_MAC_update(mctx, jwe->iv, jwe->iv_len) != 1
        || EVP_MAC_update(mctx, jwe->ct, jwe->ct_len) != 1
        || EVP_MAC_update(mctx, al, sizeof(al)) != 1
        || EVP_MAC_final(mctx, m, &mac_len, sizeof(m)) != 1
        || mac_len != cek_len)
    {
        goto done;
    }

    /* tag_len is half (checked by the parse); constant time */
    if (jwe->tag_len != half || CRYPTO_memcmp(m, jwe->tag, half) != 0) {
        rc = 0;
        goto done;
    }

    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        goto done;
    }

    if (EVP_DecryptInit_ex(ctx, cipher, NULL, cek + half, jwe->iv) != 1
        || EVP_DecryptUpdate(ctx, out, &n, jwe->ct, (int) jwe->ct_len) != 1)
    {
        goto done;
    }

    /* the padding; with a verified tag, a wrong one is the sender's */
    if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1) {
        rc = 0;
        goto done;
    }

    *out_len = (size_t) n + (size_t) fin;
    rc = 1;

done:

    OPENSSL_cleanse(m, sizeof(m));
    EVP_CIPHER_CTX_free(ctx);
    EVP_MAC_CTX_free(mctx);
    EVP_MAC_free(mac);

    return rc;
}


const EVP_CIPHER *
jwtgate_jwe_aes(size_t key_len, int mode)
{
    static const EVP_CIPHER *(*const aes[3][3])(void) = {
        { EVP_aes_128_cbc, EVP_aes_192_cbc, EVP_aes_256_cbc },
        { EVP_aes_128_gcm, EVP_aes_192_gcm, EVP_aes_256_gcm },
        { EVP_aes_128_wrap, EVP_aes_192_wrap, EVP_aes_256_wrap }
    };

    if ((key_len != 16 && key_len != 24 && key_len != 32)
        || mode < JWTGATE_AES_CBC || mode > JWTGATE_AES_WRAP)
    {
        return NULL;
    }

    return aes[mode][key_len / 8 - 2]();
}
