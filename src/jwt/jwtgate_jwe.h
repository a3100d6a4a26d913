/*
 * jwtgate core: JWE (RFC 7516, compact serialization) decryption with the
 * algorithms of RFC 7518 sections 4 and 5.  Included by jwtgate.h.
 *
 * Contract, in the order a request uses it:
 *
 *   jwtgate_keyset_parse_flags(..., JWTGATE_KEYSET_DECRYPT, ...)
 *                            JWKS text -> decryption key set (private and
 *                            symmetric keys; see jwtgate.h).
 *   jwtgate_jwe_parse()      compact JWE -> jwe.  Every cheap rejection
 *                            happens here: five parts, sizes, base64url,
 *                            the protected header read with the strict
 *                            JSON reader, alg and enc against the masks,
 *                            RSA1_5, PBES2, zip and crit refused, the
 *                            IV and tag of the exact length for enc.  No
 *                            crypto.
 *   jwtgate_jwe_decrypt()    picks keys by kid and alg, gets the CEK (dir,
 *                            AES key wrap, AES-GCM key wrap, RSA-OAEP,
 *                            ECDH-ES), checks the authentication tag in
 *                            constant time, and only then decrypts.
 *   jwtgate_jwe_plaintext()  the decrypted bytes: JSON claims (the caller
 *                            reads them with the strict reader) or, when
 *                            jwtgate_jwe_cty() is "jwt", a compact JWS
 *                            (jwtgate_token_parse()).
 *
 * Never supported, whatever the masks: RSA1_5 (a padding oracle, RFC 7516
 * 11.5), PBES2 (passwords), "zip" (compression before encryption), any
 * "crit".  Each is refused with its own static reason (*why).
 *
 * On any failure no plaintext is kept or returned: jwtgate_jwe_plaintext()
 * is NULL until jwtgate_jwe_decrypt() returned JWTGATE_OK.  Keys (CEK, KEK,
 * ECDH secrets) are wiped on every path, the plaintext when the jwe is
 * freed.  A failed RSA-OAEP decryption or key unwrap goes on with a random
 * CEK (RFC 7516 11.5), and ends as a bad tag does: JWTGATE_ERR_DECRYPT.
 */

#ifndef JWTGATE_JWE_H
#define JWTGATE_JWE_H


/* Key management algorithms ("alg"), as bits so that policies are masks */
typedef enum {
    JWTGATE_JWE_RSA_OAEP = 0,
    JWTGATE_JWE_RSA_OAEP_256,
    JWTGATE_JWE_RSA_OAEP_384,
    JWTGATE_JWE_RSA_OAEP_512,
    JWTGATE_JWE_A128KW,
    JWTGATE_JWE_A192KW,
    JWTGATE_JWE_A256KW,
    JWTGATE_JWE_A128GCMKW,
    JWTGATE_JWE_A192GCMKW,
    JWTGATE_JWE_A256GCMKW,
    JWTGATE_JWE_DIR,
    JWTGATE_JWE_ECDH_ES,
    JWTGATE_JWE_ECDH_ES_A128KW,
    JWTGATE_JWE_ECDH_ES_A192KW,
    JWTGATE_JWE_ECDH_ES_A256KW,
    JWTGATE_JWE_ALG_COUNT
} jwtgate_jwe_alg_t;

/* Content encryption algorithms ("enc") */
typedef enum {
    JWTGATE_ENC_A128CBC_HS256 = 0,
    JWTGATE_ENC_A192CBC_HS384,
    JWTGATE_ENC_A256CBC_HS512,
    JWTGATE_ENC_A128GCM,
    JWTGATE_ENC_A192GCM,
    JWTGATE_ENC_A256GCM,
    JWTGATE_ENC_COUNT
} jwtgate_enc_t;

#define JWTGATE_JWE_ALGS_ALL    ((1u << JWTGATE_JWE_ALG_COUNT) - 1)
/* key management with a public key (RSA-OAEP*, ECDH-ES*): anyone who has
 * the public key can encrypt to it */
#define JWTGATE_JWE_ALGS_PUBLIC                                               \
    ((1u << JWTGATE_JWE_RSA_OAEP) | (1u << JWTGATE_JWE_RSA_OAEP_256)          \
     | (1u << JWTGATE_JWE_RSA_OAEP_384) | (1u << JWTGATE_JWE_RSA_OAEP_512)    \
     | (1u << JWTGATE_JWE_ECDH_ES) | (1u << JWTGATE_JWE_ECDH_ES_A128KW)       \
     | (1u << JWTGATE_JWE_ECDH_ES_A192KW)                                     \
     | (1u << JWTGATE_JWE_ECDH_ES_A256KW))

/* Union of the JWE algorithms a decryption set's keys may decrypt with
 * (JWTGATE_JWE_* bits); 0 for a signature set. */
unsigned jwtgate_keyset_jwe_algs(const jwtgate_keyset_t *set);
#define JWTGATE_ENCS_ALL        ((1u << JWTGATE_ENC_COUNT) - 1)

/* Names, exact and case-sensitive; -1 for an unknown (or never
 * supported: "RSA1_5", "PBES2-...") name. */
int jwtgate_jwe_alg_from_name(const char *name, size_t len);
int jwtgate_enc_from_name(const char *name, size_t len);
const char *jwtgate_jwe_alg_name(jwtgate_jwe_alg_t alg);
const char *jwtgate_enc_name(jwtgate_enc_t enc);

/* The longest encrypted key read (an RSA-OAEP key of 8192 bits): longer
 * is JWTGATE_ERR_TOO_LARGE.  The ciphertext is bounded by the token's
 * limit (limits->max_token). */
#define JWTGATE_JWE_MAX_ENCRYPTED_KEY   1024


typedef struct jwtgate_jwe_s  jwtgate_jwe_t;

/*
 * Parses a compact JWE without any crypto.  algs is a mask of
 * JWTGATE_JWE_* bits, encs of JWTGATE_ENC_* bits.  Reasons: MISSING (len
 * 0), TOO_LARGE, MALFORMED (not five parts, bad base64url or JSON, a
 * member of the wrong type, an IV or tag of the wrong length, an
 * encrypted key where alg wants none or none where it wants one, an empty
 * ciphertext, a cty that is not a media type), UNSUPPORTED_ALG (alg or
 * enc unknown or not in the masks, RSA1_5, PBES2, zip), UNSUPPORTED_CRIT,
 * BAD_EPK (ECDH-ES: epk missing or not a public key of a supported curve,
 * point checks come at decryption), INTERNAL.  why (may be NULL) gets a
 * static text saying more, or NULL.
 */
jwtgate_rc_t jwtgate_jwe_parse(const char *token, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, unsigned encs,
    const char **why, jwtgate_jwe_t **out);

/*
 * Decrypts with the keys of decryption sets sets[0..n-1] (sets parsed
 * without JWTGATE_KEYSET_DECRYPT, and NULL entries, are skipped).  With a kid,
 * only keys with exactly that kid are tried; without, the keys whose type
 * and algorithms fit alg (and, for dir, whose length is enc's key
 * length), in order, at most max_tries of them (0: all).  On success the
 * plaintext is kept in the jwe, *key (if not NULL) is the key and
 * *set_index its set.  Reasons: UNKNOWN_KID (no key with that kid),
 * ALG_KEY_MISMATCH (no key fits alg and enc), TRY_LIMIT (no kid,
 * max_tries keys failed and more would fit), BAD_EPK (the ephemeral key
 * is not on the key's curve, is of another curve, or gives an all-zero
 * X25519 secret), DECRYPT (the key did not unwrap or decrypt, the CEK
 * has the wrong length, the tag did not verify, the CBC padding is
 * wrong: one reason for all), INTERNAL.  A jwe is decrypted once: a
 * second call returns INTERNAL.  why as for jwtgate_jwe_parse().
 */
jwtgate_rc_t jwtgate_jwe_decrypt(jwtgate_jwe_t *jwe,
    const jwtgate_keyset_t *const *sets, size_t n, size_t max_tries,
    const char **why, const jwtgate_key_t **key, size_t *set_index);

/* The plaintext after a successful jwtgate_jwe_decrypt(), else NULL.  It
 * is followed by a NUL byte (not counted in *len). */
const unsigned char *jwtgate_jwe_plaintext(const jwtgate_jwe_t *jwe,
    size_t *len);

jwtgate_jwe_alg_t jwtgate_jwe_alg(const jwtgate_jwe_t *jwe);
jwtgate_enc_t jwtgate_jwe_enc(const jwtgate_jwe_t *jwe);

/* Header members, unescaped and NUL-terminated, NULL when absent; they
 * live as long as the jwe.  cty as jwtgate_media_type_norm() leaves it
 * ("JWT" and "application/jwt" are both "jwt"); a cty that is not a
 * media type was refused by the parse. */
const char *jwtgate_jwe_kid(const jwtgate_jwe_t *jwe, size_t *len);
const char *jwtgate_jwe_typ(const jwtgate_jwe_t *jwe, size_t *len);
const char *jwtgate_jwe_cty(const jwtgate_jwe_t *jwe, size_t *len);
/* 1 when cty is "jwt": the plaintext is a nested JWS (RFC 7519 5.2) */
int jwtgate_jwe_nested(const jwtgate_jwe_t *jwe);

/* The decoded protected header, NUL-terminated, as the token carries it */
const char *jwtgate_jwe_header_text(const jwtgate_jwe_t *jwe, size_t *len);

/*
 * A plain encrypted JWT (cty not "jwt"): a token of its protected header
 * and its plaintext, which is read as a JWS payload is (the strict JSON
 * reader, the registered claims' types: jwtgate_token_parse_flags()'s
 * flags and detail), for jwtgate_check_claims() and the accessors.  It
 * has no signature and its alg is JWTGATE_ALG_COUNT (no JWS algorithm:
 * no key ever fits it); kid and typ are the JWE header's.  INTERNAL when
 * the jwe is not decrypted.  UNSUPPORTED_ALG when alg is public-key
 * (RSA-OAEP*, ECDH-ES*) and flags lack JWTGATE_PARSE_JWE_PUBLIC: such a
 * token authenticates nothing (anyone with the public key makes one) and
 * must be nested to mean anything.  A nested JWT (jwtgate_jwe_nested()) is
 * parsed and verified as a JWS instead: jwtgate_token_parse() of the
 * plaintext.
 */
jwtgate_rc_t jwtgate_jwe_token(const jwtgate_jwe_t *jwe,
    const jwtgate_limits_t *limits, unsigned flags, jwtgate_detail_t *detail,
    jwtgate_token_t **out);

/* Wipes and frees; safe on NULL. */
void jwtgate_jwe_free(jwtgate_jwe_t *jwe);

#endif /* JWTGATE_JWE_H */
