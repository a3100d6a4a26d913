/*
 * jwtgate core internals shared by the core's files; not for the glue.
 */

#ifndef JWTGATE_INT_H
#define JWTGATE_INT_H

#include <openssl/evp.h>

#include "jwtgate.h"


typedef enum {
    JWTGATE_KTY_RSA = 1,
    JWTGATE_KTY_EC,
    JWTGATE_KTY_OKP,
    JWTGATE_KTY_OCT
} jwtgate_kty_t;


struct jwtgate_key_s {
    char               *kid;        /* NULL when the JWK has none */
    size_t              kid_len;
    jwtgate_kty_t       kty;
    unsigned            algs;       /* algorithms this key may verify */
    EVP_PKEY           *pkey;       /* RSA, EC, OKP */
    unsigned char      *secret;     /* oct */
    size_t              secret_len;
    /* RSA and ECDSA: a verify context per algorithm, made once */
    EVP_PKEY_CTX       *verify[JWTGATE_ALG_COUNT];
};


struct jwtgate_keyset_s {
    EVP_MD             *md[3];      /* SHA-256, -384, -512, fetched once */
    jwtgate_key_t      *keys;
    size_t              n;
    unsigned            algs;
    /* open addressing by kid: slot holds index + 1, 0 is empty */
    uint32_t           *slots;
    size_t              mask;
};


struct jwtgate_token_s {
    char               *signing_input;  /* "header.payload", copied */
    size_t              signing_len;
    unsigned char      *sig;
    size_t              sig_len;
    char               *payload_text;   /* decoded, NUL-terminated */
    size_t              payload_len;
    json_t             *header;
    json_t             *payload;
    jwtgate_alg_t       alg;
    const char         *kid;            /* in header, or NULL */
    size_t              kid_len;
};


uint32_t jwtgate_hash(const char *s, size_t len);

/* jwtgate_split() without the alphabet check, which decoding does */
jwtgate_rc_t jwtgate_split_dots(const char *token, size_t len,
    jwtgate_segments_t *seg);

/* 0, 1, 2 for the SHA-256, -384, -512 algorithms; -1 for EdDSA */
int jwtgate_alg_md_index(jwtgate_alg_t alg);

/* Makes the key's verify contexts; -1 on an OpenSSL failure. */
int jwtgate_key_prepare(jwtgate_key_t *key, EVP_MD *const *md);
void jwtgate_key_release(jwtgate_key_t *key);

/* JSON text -> object, duplicates rejected, limits enforced. */
jwtgate_rc_t jwtgate_json_parse_object(const char *text, size_t len,
    const jwtgate_limits_t *limits, json_t **out);

/* NumericDate (RFC 7519 section 2): a JSON number in [0, 2^53]. */
int jwtgate_json_numeric_date(const json_t *v, double *out);

#endif /* JWTGATE_INT_H */
