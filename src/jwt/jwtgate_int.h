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
    size_t              index;      /* position in "keys" */
    const char         *warning;    /* static: loaded, but looks wrong */
    /* RSA and ECDSA: a verify context per algorithm, made once (the
     * digest, padding and PSS salt set) and reused */
    EVP_PKEY_CTX       *verify[JWTGATE_ALG_COUNT];
    /* OKP: EVP_DigestVerifyInit() done once; each check verifies with a
     * copy (EVP_DigestVerify() is once per initialisation) */
    EVP_MD_CTX         *eddsa;
    /* oct: an HMAC context per hash the key may use, keyed once; each
     * check works on a copy of it (no fetch, no keying) */
    EVP_MAC_CTX        *hmac[3];
    /* decryption sets (JWTGATE_KEYSET_DECRYPT): the JWE algorithms the
     * key may decrypt with (JWTGATE_JWE_* bits; algs is 0), and the
     * curve of an EC or X25519 key */
    unsigned            jwe_algs;
    int                 crv;        /* JWTGATE_CRV_* */
    int                 dir_enc;    /* a dir key whose "alg" names an
                                       enc (RFC 7520 5.6): that enc + 1;
                                       else 0 */
};


/* the curves of ECDH-ES keys */
#define JWTGATE_CRV_P256    1
#define JWTGATE_CRV_P384    2
#define JWTGATE_CRV_P521    3
#define JWTGATE_CRV_X25519  4


/* a key skipped when its set was parsed, remembered by kid */
typedef struct {
    char               *kid;
    size_t              kid_len;
    const char         *reason;     /* static */
} jwtgate_skipped_t;


/*
 * A set's OpenSSL contexts are scratch space of its checks: a set is used
 * by one thread at a time (an nginx worker; a test).
 */

struct jwtgate_keyset_s {
    EVP_MD             *md[3];      /* SHA-256, -384, -512, fetched once */
    EVP_MD_CTX         *hash;       /* the signing input's digest */
    EVP_MD_CTX         *eddsa;      /* a copy of a key's eddsa context */
    jwtgate_key_t      *keys;
    size_t              n;
    unsigned            algs;
    unsigned            flags;      /* JWTGATE_KEYSET_* of the parse */
    unsigned            jwe_algs;   /* decryption sets: union of keys' */
    jwtgate_skipped_t  *skipped;    /* the skipped keys that have a kid */
    size_t              nskipped;
    /* open addressing by kid: slot holds index + 1, 0 is empty */
    uint32_t           *slots;
    size_t              mask;
};


/*
 * The strict JSON reader (jwtgate_jread.c) records the top-level members a
 * caller asks for as spans of the text it validated; the helpers in
 * jwtgate_json.c read values back from such spans.
 */

typedef enum {
    JWTGATE_JSON_ABSENT = 0,
    JWTGATE_JSON_STRING,
    JWTGATE_JSON_INTEGER,       /* no fraction, no exponent; fits int64 */
    JWTGATE_JSON_REAL,          /* a finite double */
    JWTGATE_JSON_TRUE,
    JWTGATE_JSON_FALSE,
    JWTGATE_JSON_NULL,
    JWTGATE_JSON_ARRAY,
    JWTGATE_JSON_OBJECT
} jwtgate_jtype_t;

typedef struct {
    const char         *name;       /* plain bytes, no backslash */
    size_t              len;
} jwtgate_jname_t;

typedef struct {
    unsigned char       type;       /* jwtgate_jtype_t */
    unsigned char       strings;    /* arrays: every element a string */
    uint32_t            off;        /* strings: after the opening quote */
    uint32_t            end;        /* strings: at the closing quote */
    uint32_t            len;        /* strings: bytes after unescaping;
                                       arrays: elements */
} jwtgate_jvalue_t;


#define JWTGATE_HAS_EXP     0x01
#define JWTGATE_HAS_NBF     0x02
#define JWTGATE_HAS_IAT     0x04


/*
 * One allocation holds the structure and every buffer it points to; the
 * two jansson trees are built on first use by the accessors (a cache the
 * const accessors fill in, see jwtgate.h).
 */

struct jwtgate_token_s {
    char               *signing_input;  /* "header.payload", copied */
    size_t              signing_len;
    unsigned char      *sig;
    size_t              sig_len;
    char               *header_text;    /* decoded, NUL-terminated */
    size_t              header_len;
    char               *payload_text;   /* decoded, NUL-terminated */
    size_t              payload_len;
    json_t             *header;         /* lazy: NULL until asked for */
    json_t             *payload;        /* lazy: NULL until asked for */
    jwtgate_alg_t       alg;
    const char         *kid;            /* unescaped copy, or NULL */
    size_t              kid_len;
    unsigned            dates;          /* JWTGATE_HAS_EXP, ... */
    double              exp;
    double              nbf;
    double              iat;
    jwtgate_jvalue_t    iss;            /* spans of payload_text */
    jwtgate_jvalue_t    aud;
    jwtgate_jvalue_t    sub;            /* spans: strings, integers */
    jwtgate_jvalue_t    jti;
    const char         *id_text[3];     /* iss, sub, jti as text: in
                                           payload_text or, escaped,
                                           unescaped to ids; or NULL */
    size_t              id_len[3];
    const char         *typ;            /* unescaped copy, or NULL */
    size_t              typ_len;
    size_t              size;           /* malloc()ed, this included:
                                           wiped when freed */
};


uint32_t jwtgate_hash(const char *s, size_t len);

/* jwtgate_split() without the alphabet check, which decoding does, and
 * with an empty signature allowed: the header is read first, so that an
 * unsecured JWS ("alg":"none", RFC 7519 6.1) is refused for its alg */
jwtgate_rc_t jwtgate_split_dots(const char *token, size_t len,
    jwtgate_segments_t *seg);

/* 0, 1, 2 for the SHA-256, -384, -512 algorithms; -1 for EdDSA */
int jwtgate_alg_md_index(jwtgate_alg_t alg);

/* The keys of a set that fit the token's alg and, if it has one, its kid
 * exactly, one per call: *pos starts at 0; NULL after the last. */
const jwtgate_key_t *jwtgate_keyset_next(const jwtgate_keyset_t *set,
    const jwtgate_token_t *t, size_t *pos);

/* JWS ECDSA signatures are r || s, each exactly the curve's size (RFC
 * 7518 3.4: 32 bytes for P-256, 48 for P-384, 66 for P-521); OpenSSL
 * verifies the DER SEQUENCE of two INTEGERs (minimal, non-negative).
 * Writes it to der (JWTGATE_ECDSA_DER_MAX bytes); returns its length, or
 * 0 when half is not one of those sizes, sig_len is not 2 * half, or r or
 * s is zero.  No allocation. */
#define JWTGATE_ECDSA_DER_MAX   (3 + 2 * (2 + 1 + 66))
size_t jwtgate_ecdsa_der(const unsigned char *sig, size_t sig_len,
    size_t half, unsigned char *der);

/* EdDSA: when the key's context cannot be copied, the set's scratch
 * context (reset) initialised for the key: 1, or -1 on an OpenSSL
 * failure (errors cleared).  Internal; the unit tests call it. */
int jwtgate_eddsa_init_fallback(const jwtgate_keyset_t *set,
    const jwtgate_key_t *key);

/* Makes the key's verify contexts; -1 on an OpenSSL failure. */
int jwtgate_key_prepare(jwtgate_key_t *key, EVP_MD *const *md);
void jwtgate_key_release(jwtgate_key_t *key);

/*
 * One JWK to key (jwtgate_jwk.c): NULL, or the reason it is skipped (key
 * cleared).  jwtgate_key_clear() frees what a parsed key holds.
 */
const char *jwtgate_jwk_parse(const json_t *jwk, jwtgate_key_t *key,
    EVP_MD *const *md, unsigned flags);
void jwtgate_key_clear(jwtgate_key_t *key);

/* A token of a header and a payload text (a decrypted JWE's), read as
 * jwtgate_token_parse_flags() reads a JWS's; alg JWTGATE_ALG_COUNT, no
 * signature (jwtgate_token.c). */
jwtgate_rc_t jwtgate_token_from_texts(const char *header, size_t header_len,
    const char *payload, size_t payload_len, const jwtgate_limits_t *limits,
    unsigned flags, jwtgate_detail_t *detail, jwtgate_token_t **out);

/* The key of one JWK of a decryption set, its kty checked and "kid"
 * left to the caller: jwtgate_jwk_parse() with JWTGATE_KEYSET_DECRYPT
 * (jwtgate_jwk_priv.c).  On a reason the caller clears the key. */
const char *jwtgate_jwk_parse_private(const json_t *jwk, const char *kty,
    jwtgate_key_t *key);

/* Validates text as strict JSON whose top level is an object, under the
 * limits, duplicate member names rejected at every depth; found[i] gets
 * the top-level member named want[i] (type ABSENT when there is none).
 * MALFORMED or TOO_LARGE; INTERNAL when a scratch allocation fails. */
jwtgate_rc_t jwtgate_jread(const char *text, size_t len,
    const jwtgate_limits_t *limits, const jwtgate_jname_t *want, size_t n,
    jwtgate_jvalue_t *found);

/* Pieces of JSON text (strings: jwtgate_jtext.c; numbers:
 * jwtgate_jnumber.c).  A string's contents from just after the opening
 * quote: returns the closing quote, or NULL when the string is not valid;
 * *len is the length after unescaping. */
const unsigned char *jwtgate_jscan_string(const unsigned char *p,
    const unsigned char *end, size_t *len);
/* A number: returns the byte after it, or NULL; *type is INTEGER (fits
 * int64) or REAL (a finite double). */
const unsigned char *jwtgate_jscan_number(const unsigned char *p,
    const unsigned char *end, unsigned char *type);
/* One escape at p (a backslash): its UTF-8 bytes to out[0..3], their
 * count to *n; returns the byte after it, or NULL when it is not valid
 * (\u0000 and lone surrogates are not). */
const unsigned char *jwtgate_junescape(const unsigned char *p,
    const unsigned char *end, unsigned char *out, size_t *n);
/* Two string contents compared after unescaping, like memcmp() on the
 * unescaped bytes (escaped: backslashes in that one are escapes; else
 * plain bytes); 0 only when equal. */
int jwtgate_jtext_cmp(const char *a, size_t a_len, int a_escaped,
    const char *b, size_t b_len, int b_escaped);

/* Helpers on values of text that jwtgate_jread() accepted. */

/* 1 when the string v equals the len bytes at s */
int jwtgate_jstring_equal(const char *text, const jwtgate_jvalue_t *v,
    const char *s, size_t len);
/* writes the v->len unescaped bytes and a NUL to dst */
void jwtgate_jstring_copy(const char *text, const jwtgate_jvalue_t *v,
    char *dst);
/* The strings of an array whose "strings" flag is set: *pos starts at 0;
 * returns 0 after the last one. */
int jwtgate_jarray_next(const char *text, const jwtgate_jvalue_t *array,
    size_t *pos, jwtgate_jvalue_t *item);
/* NumericDate (RFC 7519 section 2): a JSON number in [0, 2^53], as the
 * correctly rounded double; -1 for anything else. */
int jwtgate_jnumeric_date(const char *text, const jwtgate_jvalue_t *v,
    double *out);

/* The value of a number jwtgate_jscan_number() accepted, p..end, as it
 * typed it: *i for INTEGER, *d (correctly rounded) for REAL. */
void jwtgate_jnumber_value(const unsigned char *p, const unsigned char *end,
    unsigned char type, long long *i, double *d);

/* Already validated text -> jansson tree; NULL only if jansson fails. */
json_t *jwtgate_json_load(const char *text, size_t len);

/* the strings of a tree overwritten before json_decref() frees them (a
 * key's "d" or "k", decrypted claims), to depth levels below v */
#define JWTGATE_WIPE_DEPTH  32
void jwtgate_json_wipe(json_t *v, unsigned depth);

#endif /* JWTGATE_INT_H */
