/*
 * jwtgate core: JWE internals shared by jwtgate_jwe.c (compact parse,
 * header, key choice), jwtgate_jwe_key.c (key management: the CEK) and
 * jwtgate_jwe_enc.c (content decryption); not for the glue.
 */

#ifndef JWTGATE_JWE_INT_H
#define JWTGATE_JWE_INT_H

#include "jwtgate_int.h"


#define JWTGATE_JWE_BIT(a)      (1u << (a))

/* the longest CEK (A256CBC-HS512), IV (CBC), tag (A256CBC-HS512) */
#define JWTGATE_CEK_MAX         64
#define JWTGATE_IV_MAX          16
#define JWTGATE_TAG_MAX         32
/* what a plaintext buffer holds beyond the ciphertext's length (OpenSSL
 * wants a block more for CBC decryption) */
#define JWTGATE_JWE_OUT_EXTRA   32
/* the longest EC coordinate (P-521) */
#define JWTGATE_EPK_MAX         66


/*
 * One allocation holds the structure and every buffer it points to but
 * the plaintext, which is allocated by jwtgate_jwe_decrypt() (and wiped
 * when freed).
 */

struct jwtgate_jwe_s {
    char               *aad;            /* the encoded protected header as
                                           received: the AAD (RFC 7516
                                           5.2 step 14) */
    size_t              aad_len;
    char               *header_text;    /* decoded, NUL-terminated */
    size_t              header_len;
    unsigned char      *ekey;           /* JWE Encrypted Key */
    size_t              ekey_len;
    unsigned char       iv[JWTGATE_IV_MAX];
    size_t              iv_len;
    unsigned char      *ct;             /* JWE Ciphertext */
    size_t              ct_len;
    unsigned char       tag[JWTGATE_TAG_MAX];
    size_t              tag_len;

    jwtgate_jwe_alg_t   alg;
    jwtgate_enc_t       enc;

    const char         *kid;            /* unescaped copies, or NULL */
    size_t              kid_len;
    const char         *typ;
    size_t              typ_len;
    const char         *cty;            /* normalised (media type) */
    size_t              cty_len;

    /* A*GCMKW: the header's iv and tag */
    unsigned char       kw_iv[12];
    unsigned char       kw_tag[16];

    /* ECDH-ES: the ephemeral public key, apu and apv decoded */
    int                 epk_crv;        /* JWTGATE_CRV_* */
    unsigned char       epk_x[JWTGATE_EPK_MAX];
    unsigned char       epk_y[JWTGATE_EPK_MAX];
    size_t              epk_len;        /* of a coordinate */
    unsigned char      *apu;
    size_t              apu_len;
    unsigned char      *apv;
    size_t              apv_len;

    unsigned char      *plaintext;      /* after a successful decrypt */
    size_t              plaintext_len;
    int                 tried;          /* decrypt was called */
};


/* 1 for ECDH-ES and ECDH-ES+A*KW (jwtgate_jwe.c) */
int jwtgate_jwe_is_ecdh(jwtgate_jwe_alg_t alg);

/* enc's sizes (jwtgate_jwe_enc.c): CEK, IV and tag in bytes */
size_t jwtgate_enc_key_len(jwtgate_enc_t enc);
size_t jwtgate_enc_iv_len(jwtgate_enc_t enc);
size_t jwtgate_enc_tag_len(jwtgate_enc_t enc);

/*
 * Content decryption with the CEK (cek_len is enc's key length): the tag
 * is checked first (AES-CBC-HMAC: in constant time, before the CBC
 * decryption; AES-GCM: OpenSSL's check before the plaintext is used).
 * out holds ct_len + JWTGATE_JWE_OUT_EXTRA bytes.  1 and *out_len:
 * decrypted; 0: the tag or the
 * padding is wrong (out wiped); -1: OpenSSL failed (out wiped).
 */
int jwtgate_jwe_content_decrypt(const jwtgate_jwe_t *jwe,
    const unsigned char *cek, size_t cek_len, unsigned char *out,
    size_t *out_len);

/*
 * The CEK for the token with key (jwtgate_jwe_key.c), enc's key length
 * into cek.  OK: the key gave a CEK of the right length; DECRYPT: it did
 * not (unwrap or OAEP failed, wrong length), and cek holds random bytes to
 * go on with (RFC 7516 11.5); BAD_EPK: the ephemeral key is not a valid
 * point of the key's curve or the ECDH secret is all zero; INTERNAL.
 * Whatever the result, nothing derived stays in memory but cek.
 */
jwtgate_rc_t jwtgate_jwe_cek(const jwtgate_jwe_t *jwe,
    const jwtgate_key_t *key, unsigned char *cek, size_t cek_len);

/*
 * Concat KDF (NIST SP 800-56A 5.8.1, as RFC 7518 4.6.2 uses it) with
 * SHA-256: out_len bytes from the shared secret z and the OtherInfo of
 * AlgorithmID alg (the enc name for ECDH-ES, the alg name for
 * ECDH-ES+A*KW), PartyUInfo apu, PartyVInfo apv, SuppPubInfo out_len * 8.
 * 0, or -1 when OpenSSL fails (out wiped).  The unit tests call it.
 */
int jwtgate_concat_kdf(const unsigned char *z, size_t z_len,
    const char *alg, const unsigned char *apu, size_t apu_len,
    const unsigned char *apv, size_t apv_len, unsigned char *out,
    size_t out_len);

/* The AES cipher of a key of key_len bytes (16, 24, 32) in that mode;
 * NULL for another length */
#define JWTGATE_AES_CBC     0
#define JWTGATE_AES_GCM     1
#define JWTGATE_AES_WRAP    2

const EVP_CIPHER *jwtgate_jwe_aes(size_t key_len, int mode);

#endif /* JWTGATE_JWE_INT_H */
