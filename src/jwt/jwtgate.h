/*
 * jwtgate core: JWS (compact) parsing and verification, JWK/JWKS loading,
 * claim checks.  Plain C99 on OpenSSL 3 EVP and jansson; no nginx header,
 * no globals, no logging, no clock: the caller passes time in.
 *
 * Contract, in the order a request uses it:
 *
 *   jwtgate_keyset_parse()   JWKS text -> key set (once per key-set
 *                            generation, never per request).  Keys that
 *                            cannot be used are skipped and reported
 *                            through the skip callback; a set with no
 *                            usable key is JWTGATE_ERR_NO_KEYS.
 *   jwtgate_token_parse()    compact JWS -> token.  Every cheap rejection
 *                            happens here: limits, base64url, JSON, types,
 *                            alg policy, crit.  No crypto.
 *   jwtgate_verify_signature()
 *                            picks keys by kid and alg from one or more
 *                            key sets and checks the signature.
 *   jwtgate_check_claims()   integer ids allowed or not; typ; exp, nbf,
 *                            iat with leeway; issuer; audience.
 *
 * Ownership: every object returned through an out pointer is allocated by
 * the core with malloc() and is freed only by its own _free() function
 * (safe on NULL).  Pointers returned by accessors (jwtgate_token_kid(),
 * jwtgate_token_header(), ...) point into the token and live as long as it.
 * A key set does not change after parsing, except for the OpenSSL
 * contexts its checks use as scratch space, so it may be shared by any
 * number of tokens and verifications in one thread (not by two threads).
 */

#ifndef JWTGATE_H
#define JWTGATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>


/* Reasons.  The short strings are stable: logs and $jwt_error use them. */
typedef enum {
    JWTGATE_OK = 0,
    JWTGATE_ERR_MISSING,            /* "missing" */
    JWTGATE_ERR_MALFORMED,          /* "malformed" */
    JWTGATE_ERR_TOO_LARGE,          /* "too_large" */
    JWTGATE_ERR_UNSUPPORTED_ALG,    /* "unsupported_alg" */
    JWTGATE_ERR_UNSUPPORTED_CRIT,   /* "unsupported_crit" */
    JWTGATE_ERR_ALG_KEY_MISMATCH,   /* "alg_key_mismatch" */
    JWTGATE_ERR_UNKNOWN_KID,        /* "unknown_kid" */
    JWTGATE_ERR_BAD_SIGNATURE,      /* "bad_signature" */
    JWTGATE_ERR_EXPIRED,            /* "expired" */
    JWTGATE_ERR_NOT_YET_VALID,      /* "not_yet_valid" */
    JWTGATE_ERR_ISSUED_IN_FUTURE,   /* "issued_in_future" */
    JWTGATE_ERR_MISSING_EXP,        /* "missing_exp" */
    JWTGATE_ERR_BAD_ISSUER,         /* "bad_issuer" */
    JWTGATE_ERR_BAD_AUDIENCE,       /* "bad_audience" */
    JWTGATE_ERR_BAD_CLAIM_TYPE,     /* "bad_claim_type" */
    JWTGATE_ERR_BAD_KEY,            /* "bad_key" */
    JWTGATE_ERR_NO_KEYS,            /* "no_keys" */
    JWTGATE_ERR_INTERNAL,           /* "internal": allocation, OpenSSL */
    JWTGATE_ERR_TRY_LIMIT,          /* "key_try_limit" */
    JWTGATE_ERR_DUPLICATE,          /* "duplicate": the request carries
                                       the token more than once, or by
                                       more than one method */
    JWTGATE_ERR_BAD_TYP,            /* "bad_typ": the header's typ is
                                       not one the policy asks for */
    JWTGATE_ERR_DECRYPT,            /* "decrypt_failed": a JWE's key did
                                       not unwrap or its tag did not
                                       verify (one reason for both) */
    JWTGATE_ERR_BAD_EPK,            /* "bad_epk": a JWE's ECDH-ES
                                       ephemeral key is not a point of
                                       the key's curve, or is weak */
    JWTGATE_ERR_LAST
} jwtgate_rc_t;

const char *jwtgate_strerror(jwtgate_rc_t rc);


/* Algorithms, as bits so that policies are masks. */
typedef enum {
    JWTGATE_ALG_HS256 = 0,
    JWTGATE_ALG_HS384,
    JWTGATE_ALG_HS512,
    JWTGATE_ALG_RS256,
    JWTGATE_ALG_RS384,
    JWTGATE_ALG_RS512,
    JWTGATE_ALG_PS256,
    JWTGATE_ALG_PS384,
    JWTGATE_ALG_PS512,
    JWTGATE_ALG_ES256,
    JWTGATE_ALG_ES384,
    JWTGATE_ALG_ES512,
    JWTGATE_ALG_EDDSA,
    JWTGATE_ALG_COUNT
} jwtgate_alg_t;

#define JWTGATE_ALG_BIT(a)      (1u << (a))
#define JWTGATE_ALGS_HMAC       (JWTGATE_ALG_BIT(JWTGATE_ALG_HS256)           \
                                 | JWTGATE_ALG_BIT(JWTGATE_ALG_HS384)         \
                                 | JWTGATE_ALG_BIT(JWTGATE_ALG_HS512))
#define JWTGATE_ALGS_ALL        ((1u << JWTGATE_ALG_COUNT) - 1)
#define JWTGATE_ALGS_ASYMMETRIC (JWTGATE_ALGS_ALL & ~JWTGATE_ALGS_HMAC)

/* Name to algorithm, exact and case-sensitive ("none" is never one);
 * returns -1 for an unknown name. */
int jwtgate_alg_from_name(const char *name, size_t len);
const char *jwtgate_alg_name(jwtgate_alg_t alg);


/* Limits.  Over a limit means rejected (JWTGATE_ERR_TOO_LARGE), never
 * truncated.  jwtgate_limits_init() fills in the defaults below. */
#define JWTGATE_MAX_TOKEN       16384   /* whole compact token, bytes */
#define JWTGATE_MAX_HEADER      8192    /* encoded header segment, bytes */
#define JWTGATE_MAX_DEPTH       16      /* JSON nesting: objects, arrays */
#define JWTGATE_MAX_STRING      8192    /* one JSON string, bytes */
#define JWTGATE_MAX_MEMBERS     256     /* members of one object/array */

/* The JSON reader recurses once per level of nesting, so max_depth counts
 * only up to this: anything deeper is too large whatever the limits. */
#define JWTGATE_MAX_DEPTH_CAP   256

typedef struct {
    size_t  max_token;
    size_t  max_header;
    size_t  max_depth;
    size_t  max_string;
    size_t  max_members;
} jwtgate_limits_t;

void jwtgate_limits_init(jwtgate_limits_t *limits);


/* base64url without padding (RFC 7515 section 2), strict: only the
 * alphabet, no '=', no whitespace, the unused low bits of the last
 * character zero.  Returns the decoded length, or (size_t) -1 when the
 * input is not canonical base64url.  dst must hold
 * jwtgate_b64url_decoded_len(len) bytes. */
size_t jwtgate_b64url_decoded_len(size_t len);
size_t jwtgate_b64url_decode(unsigned char *dst, const char *src,
    size_t len);
/* dst must hold jwtgate_b64url_encoded_len(len) bytes; returns that. */
size_t jwtgate_b64url_encoded_len(size_t len);
size_t jwtgate_b64url_encode(char *dst, const unsigned char *src,
    size_t len);


/* Compact serialization split: exactly three segments, none holding a
 * character outside the base64url alphabet.  Offsets into the input. */
typedef struct {
    size_t  header_len;
    size_t  payload_off;
    size_t  payload_len;
    size_t  sig_off;
    size_t  sig_len;
} jwtgate_segments_t;

jwtgate_rc_t jwtgate_split(const char *token, size_t len,
    jwtgate_segments_t *seg);


/* Keys */

typedef struct jwtgate_keyset_s  jwtgate_keyset_t;
typedef struct jwtgate_key_s     jwtgate_key_t;

/* RSA moduli: shorter than 2048 bits is too weak, longer than 8192 bits
 * only costs the verifier (a 16384-bit key is about 16 times as slow
 * to verify with as a 4096-bit one); such keys are skipped. */
#define JWTGATE_MIN_RSA_BITS    2048
#define JWTGATE_MAX_RSA_BITS    8192

/* Called once for every key of a set that is skipped; index is the key's
 * position in "keys" counted from 0, kid may be NULL, reason is a static
 * string. */
typedef void (*jwtgate_skip_pt)(void *data, size_t index, const char *kid,
    const char *reason);

/* Flags of jwtgate_keyset_parse_flags(). */

/* The set is public (a JWKS fetched from an issuer): "oct" keys are
 * skipped, since anyone who can read the set could sign with them. */
#define JWTGATE_KEYSET_NO_SYMMETRIC  0x01

/* The set is a decryption key set (JWE, jwtgate_jwe_decrypt()): private
 * and symmetric keys (RSA with d and its CRT members, EC and OKP X25519
 * with d, oct), loaded by jwtgate_jwk_priv.c; its keys verify nothing
 * (jwtgate_keyset_algs() is 0) and a signature set decrypts nothing.  A
 * key's "use", if present, must be "enc"; its "key_ops", if present,
 * must allow the algorithm ("unwrapKey": RSA-OAEP*, A*KW, A*GCMKW;
 * "decrypt": dir, RSA-OAEP*, A*GCMKW; "deriveKey" or "deriveBits":
 * ECDH-ES*); its "alg", if present, narrows it to that one (an "oct"
 * key's alg may also name an enc: a dir key for that enc only, as RFC
 * 7520 5.6 labels one).  An "oct" key must say it is for encryption
 * ("use" "enc", a JWE "alg" or "key_ops"), and one whose key_ops also
 * names "sign" or "verify" is refused: no secret is both an HMAC key and
 * a decryption key.  RSA keys of 2048 to 8192 bits; every private key is
 * checked against its public half when loaded. */
#define JWTGATE_KEYSET_DECRYPT       0x02

jwtgate_rc_t jwtgate_keyset_parse(const char *json, size_t len,
    jwtgate_skip_pt skip, void *skip_data, jwtgate_keyset_t **out);
/* jwtgate_keyset_parse() with JWTGATE_KEYSET_* flags */
jwtgate_rc_t jwtgate_keyset_parse_flags(const char *json, size_t len,
    unsigned flags, jwtgate_skip_pt skip, void *skip_data,
    jwtgate_keyset_t **out);
void jwtgate_keyset_free(jwtgate_keyset_t *set);
size_t jwtgate_keyset_count(const jwtgate_keyset_t *set);
/* Union of the algorithms the set's keys can verify. */
unsigned jwtgate_keyset_algs(const jwtgate_keyset_t *set);
/* 1 when a key of the signature set sig is a key of the decryption set
 * dec (JWTGATE_KEYSET_DECRYPT) or its public half: the same RSA modulus
 * and exponent, EC point or OKP key, or the same oct secret; *sig_key
 * and *dec_key are then those keys (jwtgate_key_kid(),
 * jwtgate_key_index()).  Else 0. */
int jwtgate_keyset_shared(const jwtgate_keyset_t *sig,
    const jwtgate_keyset_t *dec, const jwtgate_key_t **sig_key,
    const jwtgate_key_t **dec_key);
/* A key's position in its JWKS's "keys", from 0. */
size_t jwtgate_key_index(const jwtgate_key_t *key);
/* Why the set's key with this kid was skipped when the set was parsed
 * (the reason the skip callback was given), or NULL when no skipped key
 * has that kid.  Keys without a kid are not remembered. */
const char *jwtgate_keyset_skipped(const jwtgate_keyset_t *set,
    const char *kid, size_t len);
const char *jwtgate_key_kid(const jwtgate_key_t *key);
/* Calls warn (index and kid as for the skip callback, reason a static
 * string) once for every key of the set that was loaded but looks like a
 * mistake: an "oct" key whose secret ends with a newline, is itself
 * base64 or base64url text (k may encode a secret that the issuer
 * decodes first: warned, since a string secret used as-is is also
 * right), or whose k is only hex digits (a hex secret pasted into k),
 * unless the key has the member JWTGATE_JWK_SECRET_FORM.  Returns how
 * many keys were warned about. */
/* A JWK member jwtgate-jwks --oct writes: "text" (k is the base64url of
 * the secret's bytes as the issuer uses them) or "decoded" (of the bytes
 * of a base64 secret that the issuer decodes); either one silences the
 * warnings of jwtgate_keyset_warnings() about that key. */
#define JWTGATE_JWK_SECRET_FORM  "x-jwtgate-secret"
size_t jwtgate_keyset_warnings(const jwtgate_keyset_t *set,
    jwtgate_skip_pt warn, void *data);


/* Tokens */

typedef struct jwtgate_token_s  jwtgate_token_t;

/* Parses and checks a compact JWS without any crypto.  algs is the mask
 * of acceptable algorithms (the caller narrows it by policy and by the
 * keys it holds); "none" is never acceptable. */
jwtgate_rc_t jwtgate_token_parse(const char *token, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, jwtgate_token_t **out);

/* Flags of jwtgate_token_parse_flags(). */

/* "sub" and "jti" may be JSON integers in [0, 2^63 - 1] (a number
 * without fraction, exponent or minus sign, so its text is its decimal
 * form) as well as strings.  A token that holds such a member is then
 * refused by jwtgate_check_claims() unless the policy has numeric_ids,
 * and its payload tree (jwtgate_token_payload()) holds the member as the
 * string of that decimal text: rules, variables and headers see "42"
 * exactly as if the token said "sub":"42".  Without the flag such a
 * token is BAD_CLAIM_TYPE here, as RFC 7519 4.1.2 and 4.1.7 want. */
#define JWTGATE_PARSE_NUMERIC_IDS   0x01

/* jwtgate_jwe_token() only: a plain (not nested) JWE whose key management
 * is public-key (RSA-OAEP*, ECDH-ES*) is taken as claims.  Anyone who has
 * the decryption key's public half can make such a token, so it
 * authenticates nothing; without the flag it is refused
 * (UNSUPPORTED_ALG), and only dir, A*KW and A*GCMKW, whose keys are
 * secret, give claims. */
#define JWTGATE_PARSE_JWE_PUBLIC    0x02

/* Why a token was refused as BAD_CLAIM_TYPE: member is the registered
 * member ("sub", "exp", "aud", ...) and what says what it holds ("a
 * number", "a string", "a negative number", ...); both static strings,
 * NULL for other reasons.  numeric_id is 1 when the member is "sub" or
 * "jti" and would pass with JWTGATE_PARSE_NUMERIC_IDS. */
typedef struct {
    const char         *member;
    const char         *what;
    int                 numeric_id;
} jwtgate_detail_t;

/* jwtgate_token_parse() with JWTGATE_PARSE_* flags; detail (may be
 * NULL) is filled in whatever the result. */
jwtgate_rc_t jwtgate_token_parse_flags(const char *token, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, unsigned flags,
    jwtgate_detail_t *detail, jwtgate_token_t **out);

/* "sub" when the token's sub is an integer, else "jti" when its jti is,
 * else NULL (only a token parsed with JWTGATE_PARSE_NUMERIC_IDS has
 * one). */
const char *jwtgate_token_numeric_id(const jwtgate_token_t *token);

/* Media types as JOSE "typ" and "cty" carry them (RFC 7515 4.1.9): the
 * len bytes at in, without an "application/" prefix (in any case),
 * lower-cased to out (which must hold len bytes); returns the length
 * written.  (size_t) -1 when what is left is not a bare subtype name of
 * RFC 6838 4.2 (1 to 127 characters, a letter or digit first, then
 * letters, digits and !#$&-^_.+ only): so a parameter (";"), another
 * "/", a space, an empty name or a non-ASCII byte never compares equal
 * to anything. */
size_t jwtgate_media_type_norm(const char *in, size_t len, char *out);

/* The longest text jwtgate_media_type_norm() accepts: "application/"
 * and 127 characters. */
#define JWTGATE_MEDIA_TYPE_MAX  (sizeof("application/") - 1 + 127)
void jwtgate_token_free(jwtgate_token_t *token);

jwtgate_alg_t jwtgate_token_alg(const jwtgate_token_t *token);
/* NULL when the header has no kid; unescaped and NUL-terminated (a kid
 * never holds a NUL: "\u0000" is refused). */
const char *jwtgate_token_kid(const jwtgate_token_t *token);

/* The header and payload as jansson objects.  Parsing and the checks of
 * jwtgate_token_parse() and jwtgate_check_claims() need no tree: the tree
 * is built on the first call from the text the parse already validated
 * (strict JSON, limits, no duplicate member names), and kept in the token
 * until jwtgate_token_free().  So these two accessors write to the token
 * although it is const: a token must not be used by two threads at once
 * (nginx workers use it from one).  NULL only when building the tree
 * fails for lack of memory; a later call tries again. */
const json_t *jwtgate_token_header(const jwtgate_token_t *token);
const json_t *jwtgate_token_payload(const jwtgate_token_t *token);
/* The decoded header and payload JSON text exactly as the token carries
 * it, NUL-terminated. */
const char *jwtgate_token_header_text(const jwtgate_token_t *token,
    size_t *len);
const char *jwtgate_token_payload_text(const jwtgate_token_t *token,
    size_t *len);

/* The bytes of the block jwtgate_token_parse() allocated for the token
 * (the token, its signing input, decoded texts and copies), the trees of
 * jwtgate_token_header() and jwtgate_token_payload() not included: what
 * a cache that keeps parsed tokens counts for one. */
size_t jwtgate_token_size(const jwtgate_token_t *token);
/* Frees the trees jwtgate_token_header() and jwtgate_token_payload()
 * built, if any: a token kept beyond the requests that asked for them
 * goes back to jwtgate_token_size().  Pointers those two returned are
 * no longer valid; a later call builds the tree again. */
void jwtgate_token_drop_trees(jwtgate_token_t *token);

/* Member lookup by path: path[0] in the object, path[1] in that, ...
 * Returns NULL when any step is missing or not an object. */
const json_t *jwtgate_json_path(const json_t *root, const char *const *path,
    size_t n);

/* Formats a claim value as text to compare with (rules): strings as they
 * are, numbers, booleans and null as their JSON text, arrays of scalars
 * joined with ',', objects and nested arrays as compact JSON.  It checks
 * nothing: a value for a header or a variable goes through
 * jwtgate_render_header_value() below, which refuses.  Works like
 * snprintf: returns the full length, writes at most size bytes, and does
 * not NUL-terminate.  Returns (size_t) -1 on error. */
size_t jwtgate_json_format(const json_t *value, char *buf, size_t size);


/* Rules on a member of a verified token (jwtgate_rule.c).
 *
 * Numbers: two integers compare as integers (jansson holds them exactly,
 * as json_int_t); when a real number is involved, both compare as the
 * doubles nearest to them, and a strict order of those doubles is the
 * order of the numbers (rounding keeps order).  Equal doubles of
 * magnitude 2^53 or more are UNKNOWN: there a double no longer tells
 * neighbouring integers apart.  Anything but two numbers is UNKNOWN. */
typedef enum {
    JWTGATE_CMP_LESS = -1,
    JWTGATE_CMP_EQUAL = 0,
    JWTGATE_CMP_GREATER = 1,
    JWTGATE_CMP_UNKNOWN = 2
} jwtgate_cmp_t;

jwtgate_cmp_t jwtgate_number_compare(const json_t *a, const json_t *b);

typedef enum {
    JWTGATE_OP_EQ = 0,
    JWTGATE_OP_NE,
    JWTGATE_OP_GT,
    JWTGATE_OP_GE,
    JWTGATE_OP_LT,
    JWTGATE_OP_LE,
    JWTGATE_OP_IN,
    JWTGATE_OP_NIN,
    JWTGATE_OP_INTERSECT,
    JWTGATE_OP_NINTERSECT
} jwtgate_op_t;

/* 1 when the rule "member op value" holds; 0 when it does not, and when
 * it cannot be judged: every operator, ne, nin and nintersect included,
 * fails on a shape it cannot judge (see jwtgate_rule.c).  value is the
 * operator's: any JSON value for EQ/NE, a number for GT..LE, an array of
 * scalars for the set operators.  With plain != 0 its strings (value
 * itself for EQ/NE, its elements for the set operators) are plain text,
 * matched with the member's JSON text: a string by its bytes, a number
 * by value when the text is one JSON number, true, false and null by
 * their names.  Allocates nothing. */
int jwtgate_rule_holds(jwtgate_op_t op, const json_t *member,
    const json_t *value, int plain);
/*
 * Values handed to nginx (jwtgate_render.c): a claim or a JOSE header
 * member as the bytes of a header line or a variable, or refused.  The
 * one rule for $jwt_claim_*, $jwt_header_*, auth_jwt_claim_set /
 * auth_jwt_header_set variables and auth_jwt_forward_claim headers:
 *
 *   string         its bytes (UTF-8, as the token carries it);
 *   number         its JSON text; true, false, null as those words;
 *   array          its elements so rendered, joined with ',' ([] gives
 *                  an empty value).  Refused when an element is an array
 *                  or an object (NESTED), a string holding ','
 *                  (SEPARATOR), or a string that begins or ends with a
 *                  space (ELEMENT_SPACE): a list parser splits on ','
 *                  and trims, so such an element would read as two, or
 *                  as another;
 *   object         compact JSON, members in the token's order.
 *
 * Refused whatever the type: a control byte (below 0x20, or 0x7f) in any
 * string of the value, member names included, at any depth (CONTROL);
 * a string value that begins or ends with a space (SPACE: header parsers
 * trim it, " admin" would read as "admin").
 *
 * So a value rendered JWTGATE_RENDER_OK holds no control byte and is safe
 * in a header line.  Works like snprintf: *len gets the full length, at
 * most size bytes are written to buf (which may be NULL with size 0), no
 * NUL is added; the verdict does not depend on buf.  ERROR: jansson
 * failed (memory).
 */

/* Reasons, with the stable strings of jwtgate_render_strerror(). */
typedef enum {
    JWTGATE_RENDER_OK = 0,
    /* "the value holds a control character" */
    JWTGATE_RENDER_CONTROL,
    /* "the value begins or ends with a space" */
    JWTGATE_RENDER_SPACE,
    /* "an array element holds ','" */
    JWTGATE_RENDER_SEPARATOR,
    /* "an array element begins or ends with a space" */
    JWTGATE_RENDER_ELEMENT_SPACE,
    /* "an array element is an array or an object" */
    JWTGATE_RENDER_NESTED,
    /* "the value is nested too deeply" (deeper than JWTGATE_MAX_DEPTH_CAP,
     * which no token's value is) */
    JWTGATE_RENDER_DEEP,
    /* "internal error" */
    JWTGATE_RENDER_ERROR,
    JWTGATE_RENDER_LAST
} jwtgate_render_rc_t;

const char *jwtgate_render_strerror(jwtgate_render_rc_t rc);

jwtgate_render_rc_t jwtgate_render_header_value(const json_t *value,
    char *buf, size_t size, size_t *len);

/* A JSON text ($jwt_payload) for a header line or a variable: the text
 * without the whitespace between its tokens (space, TAB, CR and LF
 * outside strings), everything else byte for byte, strings still
 * escaped.  CONTROL when a control byte is left (a raw 0x7f in a string,
 * or a byte that valid JSON never holds).  snprintf-like as above; *len
 * equals len when nothing was removed. */
jwtgate_render_rc_t jwtgate_render_json_text(const char *text, size_t len,
    char *buf, size_t size, size_t *out);

/* How many keys a token without kid may try, by default. */
#define JWTGATE_MAX_TRIES       4

/* Signature: tries the keys of sets[0..n-1] that fit the token's alg and
 * kid.  With a kid, only keys with exactly that kid are tried; without,
 * the keys that fit the alg, in order (the sets', then each set's), at
 * most max_tries of them (0: all; each costs a signature check, and a
 * forged token without kid would make the verifier try every key).  On
 * success *key (if not NULL) is the key that verified and *set_index its
 * set.  Reasons: UNKNOWN_KID (no key with that kid), ALG_KEY_MISMATCH
 * (keys with that kid, none fits the alg), BAD_SIGNATURE, TRY_LIMIT (no
 * kid, max_tries keys failed and more would fit), INTERNAL. */
jwtgate_rc_t jwtgate_verify_signature_tries(const jwtgate_token_t *token,
    const jwtgate_keyset_t *const *sets, size_t n, size_t max_tries,
    const jwtgate_key_t **key, size_t *set_index);
/* The same with max_tries JWTGATE_MAX_TRIES. */
jwtgate_rc_t jwtgate_verify_signature(const jwtgate_token_t *token,
    const jwtgate_keyset_t *const *sets, size_t n,
    const jwtgate_key_t **key, size_t *set_index);
/* 1 when the set holds a key that the functions above would try for the
 * token (one with its kid, if it has one, that fits its alg), else 0 (and
 * for a NULL set).  No crypto: it tells which sets a BAD_SIGNATURE came
 * from. */
int jwtgate_keyset_fits(const jwtgate_keyset_t *set,
    const jwtgate_token_t *token);


/* Claims.  issuers/audiences/typs with n == 0 are not checked.  A
 * policy zeroed and then filled in field by field keeps the meaning of
 * the fields it does not name: iat_leeway 0 adds nothing to leeway,
 * numeric_ids 0 is RFC 7519's strings, n_typs 0 checks no typ. */
typedef struct {
    time_t              now;
    long                leeway;         /* seconds, >= 0 */
    int                 require_exp;
    const char *const  *issuers;
    size_t              n_issuers;
    const char *const  *audiences;
    size_t              n_audiences;
    /* iat may be up to max(leeway, iat_leeway) seconds ahead */
    long                iat_leeway;     /* seconds, >= 0 */
    /* 0: an integer sub or jti is BAD_CLAIM_TYPE */
    int                 numeric_ids;
    /* the header's typ must be one of these, compared as media types
     * (jwtgate_media_type_norm() of both); no typ at all fails too */
    const char *const  *typs;
    size_t              n_typs;
} jwtgate_claims_policy_t;

jwtgate_rc_t jwtgate_check_claims(const jwtgate_token_t *token,
    const jwtgate_claims_policy_t *policy);

/* exp as a number of seconds, for caches; 0 and -1 when absent. */
int jwtgate_token_exp(const jwtgate_token_t *token, double *exp);
/* iat the same way (a NumericDate in [0, 2^53]); 0 and -1 when absent. */
int jwtgate_token_iat(const jwtgate_token_t *token, double *iat);

/* The registered claims a lookup may want as text, without a tree: "iss",
 * "sub" and "jti" when they are strings (unescaped, never holding a NUL:
 * "\u0000" is refused), and "sub" and "jti" when they are integer ids
 * (JWTGATE_PARSE_NUMERIC_IDS: their decimal digits, the text the token
 * carries).  The text is not NUL-terminated; it lives as long as the
 * token.  NULL when the claim is absent. */
typedef enum {
    JWTGATE_ID_ISS = 0,
    JWTGATE_ID_SUB,
    JWTGATE_ID_JTI
} jwtgate_id_t;

const char *jwtgate_token_id(const jwtgate_token_t *token, jwtgate_id_t which,
    size_t *len);


/*
 * The token inside the "name=value" lists of a request: a Cookie header
 * value, a query string (undecoded, as nginx keeps it in r->args).
 *
 * A pair is the text between two separators: ';' and ',' in a cookie
 * (nginx up to 1.26 at least splits $cookie_NAME on both, 1.30 and
 * later on ';' only), '&' and ';' in a query.  A pair is named name when the text
 * before its first '=' (all of it, without '=') reads as name: after
 * percent-decoding, without regard to ASCII letter case, without the SP,
 * HTAB and '+' around it, and with '.', SP, HTAB and '+' inside it read as
 * '_'.  That finds every pair nginx's $cookie_NAME and $arg_NAME can find
 * ("name =value" too), and those a common upstream reads under that name
 * ("acc%65ss_token", PHP's "access.token").  name must be a non-empty
 * token of letters, digits, '_' and '-' (an empty name matches nothing).
 * An empty input (len 0) is never read: its pointer may be NULL.
 *
 * _count() returns the number of pairs named name.
 *
 * _remove() writes the value without the pairs named name to out and
 * returns its length.  Every other pair is written exactly as it was,
 * after the separator that stood before it in the input; the first pair
 * written takes no separator and, in a cookie, loses the SP and HTAB
 * before it.  Each byte written is a different byte of the input, so the
 * output is never longer than the input: out must hold len bytes (it may
 * not overlap in).  The output holds no pair named name, and removing
 * again changes nothing.
 *
 * jwtgate_query_mask() writes the query with the value of every pair
 * named name that has a non-empty value replaced by mask, everything else
 * as it was, and returns its length.  out must hold
 * len + jwtgate_query_count() * mask_len bytes: a pair grows by at most
 * mask_len - 1.
 */
size_t jwtgate_cookie_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len);
size_t jwtgate_cookie_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out);
size_t jwtgate_query_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len);
size_t jwtgate_query_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out);
size_t jwtgate_query_mask(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, const unsigned char *mask,
    size_t mask_len, unsigned char *out);


/*
 * Revocation lists (jwtgate_rlist.c): a deny list of token ids (jti),
 * subjects (sub, with a cutoff on iat) and key ids (kid), built from its
 * JSON text into one flat block of caller memory, and looked up per
 * request without parsing or allocating.
 *
 * Formats:
 *
 *   JWTGATE_RLIST_JWTGATE  one JSON object
 *                {"jti": {"<jti>": <exp>, ...},
 *                 "sub": {"<sub>": <cutoff>, ...},
 *                 "kid": ["<kid>", ...]}
 *              each member optional.  A token is revoked when its jti is
 *              listed (the entry is kept until its <exp>: entries whose
 *              exp is before `now` at build time are dropped, and an
 *              entry whose exp is before `now` at lookup never matches),
 *              when its sub is listed and it has no iat or its iat is at
 *              or before <cutoff>, or when its kid is listed.
 *   JWTGATE_RLIST_KJDEV_SUB  kjdev/nginx-auth-jwt's
 *              auth_jwt_revocation_list_sub file: one JSON object whose
 *              member names are subjects, values anything ({"sub1":
 *              {"locked_reason": "x"}, ...}); a sub listed there is
 *              revoked whatever its iat.
 *   JWTGATE_RLIST_KJDEV_KID  the same for auth_jwt_revocation_list_kid:
 *              the member names are key ids.
 *
 * Rules of reading (the whole list is refused, -1 and a static reason,
 * on any breach; the caller keeps its last good list):
 *   - strict JSON (RFC 8259, as the token reader: valid UTF-8, escapes,
 *     no NUL); the top level an object; nesting at most
 *     JWTGATE_RLIST_MAX_DEPTH deep;
 *   - a name (jti, sub, kid, and any member name of the top object)
 *     longer than JWTGATE_RLIST_MAX_NAME bytes after unescaping is
 *     refused; names are compared as their unescaped bytes, exactly;
 *   - <exp> and <cutoff> are JSON numbers >= 0: a fraction is floored
 *     (1.9 is 1, -0 is 0), a real number at or beyond 2^63 (1e300) reads
 *     as "forever"; a negative number, an integer literal beyond int64
 *     (not JSON the reader holds) or any other type (string, null, ...)
 *     is refused;
 *   - "jti" and "sub" must be objects, "kid" an array of strings; other
 *     members of the top object are ignored (forward compatible: a newer
 *     issuer may add members), though they must be valid JSON;
 *   - a name listed twice counts once, with the larger date (a later
 *     exp, a later cutoff): the duplicate that revokes more wins;
 *   - the input is at most JWTGATE_RLIST_MAX_INPUT bytes.
 *
 * Memory: pass 1 (jwtgate_rlist_size) tells the bytes needed; the caller
 * allocates them (8-byte aligned: malloc, a slab, shared memory) and pass
 * 2 (jwtgate_rlist_build) fills them.  The block holds offsets only, no
 * pointer: it may be copied or mapped at another address and read there.
 * The core allocates nothing and frees nothing; the caller owns the block.
 * A built block is never written again: any number of readers at once.
 * Never build into a block that readers use: build a new one, then
 * publish it (readers see a half-built block as no list, or worse).
 * Size: 88 bytes, plus for each of jti, sub, kid with n names
 * (n + n / 2 + 1) * 16 bytes (0 for n = 0), plus the names' bytes
 * rounded up to 8: about 24 bytes + the name per entry, 60 bytes per
 * 36-byte jti, 57.2 MiB for 1,000,000 of them (make bench-core).  A
 * lookup reads one run of slots, plus the name when a slot's tag
 * matches.
 */

#define JWTGATE_RLIST_MAX_NAME   1024
#define JWTGATE_RLIST_MAX_DEPTH  64
#define JWTGATE_RLIST_MAX_INPUT  ((size_t) 0x7fffffff)

typedef enum {
    JWTGATE_RLIST_JWTGATE = 0,     /* the format above */
    JWTGATE_RLIST_KJDEV_SUB,       /* kjdev's sub list file */
    JWTGATE_RLIST_KJDEV_KID        /* kjdev's kid list file */
} jwtgate_rlist_format_t;

/*
 * Pass 1: validates the JSON text and returns, in *size, the bytes the
 * flat list needs (entries already expired at `now` not counted).
 * Returns 0, or -1 with a static reason text in *reason.
 */
int jwtgate_rlist_size(const char *json, size_t len,
    jwtgate_rlist_format_t fmt, int64_t now, size_t *size,
    const char **reason);

/*
 * Pass 2: builds the flat list into mem (size bytes, as pass 1 returned
 * for the same json, len, fmt and now; mem aligned to 8).  Returns 0, or
 * -1 with a static reason text in *reason (then mem holds no list).
 */
int jwtgate_rlist_build(const char *json, size_t len,
    jwtgate_rlist_format_t fmt, int64_t now, void *mem, size_t size,
    const char **reason);

typedef struct {
    const char  *jti;   size_t jti_len;   /* NULL: none */
    const char  *sub;   size_t sub_len;   /* NULL: none */
    const char  *kid;   size_t kid_len;   /* NULL: none */
    int64_t      iat;   int has_iat;
} jwtgate_rlist_query_t;

#define JWTGATE_RLIST_OK   0
#define JWTGATE_RLIST_JTI  1
#define JWTGATE_RLIST_SUB  2
#define JWTGATE_RLIST_KID  3

/*
 * Which entry revokes the token q describes (checked in the order jti,
 * sub, kid), or JWTGATE_RLIST_OK.  mem is a list jwtgate_rlist_build()
 * made (NULL: no list, OK).  O(1) expected, allocates nothing, writes
 * nothing.  An expired jti entry (exp < now) never matches.
 */
int jwtgate_rlist_check(const void *mem, const jwtgate_rlist_query_t *q,
    int64_t now);

/* counts for status: jtis, subs, kids in the built list (0 for NULL) */
void jwtgate_rlist_counts(const void *mem, size_t *jti, size_t *sub,
    size_t *kid);

#include "jwtgate_jwe.h"

#endif /* JWTGATE_H */
