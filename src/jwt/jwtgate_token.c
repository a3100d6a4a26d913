/*
 * Compact JWS parsing with every cheap rejection before any crypto: the
 * header's and the registered claims' members, their types and ranges.
 * The token's accessors are in jwtgate_token_access.c, the checks of its
 * claims against a policy in jwtgate_claims.c.  A token from a decrypted
 * JWE (jwtgate_token_from_texts()) is read here too.
 */

#include <stdlib.h>
#include <string.h>

#include "jwtgate_int.h"


static jwtgate_rc_t jwtgate_token_check_header(jwtgate_token_t *t,
    const jwtgate_jvalue_t *hdr, unsigned algs, char *kid, char *typ);
static jwtgate_rc_t jwtgate_token_check_payload(jwtgate_token_t *t,
    const jwtgate_jvalue_t *pay, unsigned flags, jwtgate_detail_t *detail);
static jwtgate_rc_t jwtgate_claim_type(jwtgate_detail_t *detail,
    const char *member, const char *what, int numeric_id);
static const char *jwtgate_jtype_what(const char *text,
    const jwtgate_jvalue_t *v);
static void jwtgate_token_ids_text(jwtgate_token_t *t,
    const jwtgate_jvalue_t *pay, char *ids);


/* the header members the checks read */
enum {
    H_ALG = 0,
    H_KID,          /* H_KID .. H_X5T_S256: strings when present */
    H_TYP,
    H_CTY,
    H_JKU,
    H_X5U,
    H_X5T,
    H_X5T_S256,
    H_CRIT,
    H_B64,
    H_COUNT
};

static const jwtgate_jname_t  header_names[H_COUNT] = {
    { "alg", 3 }, { "kid", 3 }, { "typ", 3 }, { "cty", 3 }, { "jku", 3 },
    { "x5u", 3 }, { "x5t", 3 }, { "x5t#S256", 8 }, { "crit", 4 },
    { "b64", 3 }
};

/* the registered claims */
enum {
    P_ISS = 0,      /* P_ISS .. P_JTI: strings when present */
    P_SUB,
    P_JTI,
    P_EXP,          /* P_EXP .. P_IAT: NumericDate when present */
    P_NBF,
    P_IAT,
    P_AUD,
    P_COUNT
};

/* id_text[] is indexed by both: P_ISS .. P_JTI are JWTGATE_ID_* */
typedef char  jwtgate_ids_order_t[(P_ISS == (int) JWTGATE_ID_ISS
                                   && P_SUB == (int) JWTGATE_ID_SUB
                                   && P_JTI == (int) JWTGATE_ID_JTI) ? 1 : -1];

static const jwtgate_jname_t  claim_names[P_COUNT] = {
    { "iss", 3 }, { "sub", 3 }, { "jti", 3 }, { "exp", 3 }, { "nbf", 3 },
    { "iat", 3 }, { "aud", 3 }
};

static const unsigned  claim_dates[] = {
    JWTGATE_HAS_EXP, JWTGATE_HAS_NBF, JWTGATE_HAS_IAT
};


jwtgate_rc_t
jwtgate_token_parse(const char *data, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, jwtgate_token_t **out)
{
    return jwtgate_token_parse_flags(data, len, limits, algs, 0, NULL, out);
}


jwtgate_rc_t
jwtgate_token_parse_flags(const char *data, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, unsigned flags,
    jwtgate_detail_t *detail, jwtgate_token_t **out)
{
    char               *mem, *kid, *typ, *ids;
    size_t              n, size, header_max, payload_max, sig_max;
    jwtgate_rc_t        rc;
    jwtgate_token_t    *t;
    jwtgate_jvalue_t    hdr[H_COUNT], pay[P_COUNT];
    jwtgate_segments_t  seg;

    *out = NULL;

    if (detail != NULL) {
        detail->member = NULL;
        detail->what = NULL;
        detail->numeric_id = 0;
    }

    if (len == 0) {
        return JWTGATE_ERR_MISSING;
    }

    /* the second bound keeps the sizes below from wrapping */
    if (len > limits->max_token || len > SIZE_MAX / 4) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    /* the alphabet of every segment is checked as it is decoded */
    rc = jwtgate_split_dots(data, len, &seg);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    if (seg.header_len > limits->max_header) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    header_max = jwtgate_b64url_decoded_len(seg.header_len);
    payload_max = jwtgate_b64url_decoded_len(seg.payload_len);
    sig_max = jwtgate_b64url_decoded_len(seg.sig_len);

    /* one block: the token, the signing input, the decoded header and
     * payload, the kid and the typ (no longer than the header), the
     * unescaped iss, sub and jti (together no longer than the payload),
     * the signature */
    size = sizeof(jwtgate_token_t) + seg.sig_off - 1 + 3 * header_max
           + 2 * payload_max + sig_max + 7;

    t = malloc(size);
    if (t == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    memset(t, 0, sizeof(jwtgate_token_t));
    t->size = size;

    mem = (char *) (t + 1);
    t->signing_input = mem;
    t->signing_len = seg.sig_off - 1;
    mem += t->signing_len;
    t->header_text = mem;
    mem += header_max + 1;
    t->payload_text = mem;
    mem += payload_max + 1;
    kid = mem;
    mem += header_max + 1;
    typ = mem;
    mem += header_max + 1;
    ids = mem;
    mem += payload_max + 3;
    t->sig = (unsigned char *) mem;

    /* header */

    n = jwtgate_b64url_decode((unsigned char *) t->header_text, data,
                              seg.header_len);
    if (n == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    t->header_text[n] = '\0';
    t->header_len = n;

    rc = jwtgate_jread(t->header_text, n, limits, header_names, H_COUNT,
                       hdr);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = jwtgate_token_check_header(t, hdr, algs, kid, typ);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    /* signature: none at all is malformed once the alg is known */

    if (seg.sig_len == 0) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    t->sig_len = jwtgate_b64url_decode(t->sig, data + seg.sig_off,
                                       seg.sig_len);
    if (t->sig_len == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    /* payload */

    n = jwtgate_b64url_decode((unsigned char *) t->payload_text,
                              data + seg.payload_off, seg.payload_len);
    if (n == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    t->payload_text[n] = '\0';
    t->payload_len = n;

    rc = jwtgate_jread(t->payload_text, n, limits, claim_names, P_COUNT,
                       pay);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = jwtgate_token_check_payload(t, pay, flags, detail);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    jwtgate_token_ids_text(t, pay, ids);

    memcpy(t->signing_input, data, t->signing_len);

    *out = t;
    return JWTGATE_OK;

failed:

    /* it may hold a JWE's decrypted claims or inner token */
    OPENSSL_cleanse(t, t->size);
    free(t);
    return rc;
}


/*
 * A token from texts already taken apart: a JWE's protected header and
 * its plaintext (jwtgate_jwe.h).  No signature, and alg is none of the
 * JWS algorithms: JWTGATE_ALG_COUNT, which no key fits.  The block has the
 * layout jwtgate_token_size() counts, with no signing input or signature.
 */

jwtgate_rc_t
jwtgate_token_from_texts(const char *header, size_t header_len,
    const char *payload, size_t payload_len, const jwtgate_limits_t *limits,
    unsigned flags, jwtgate_detail_t *detail, jwtgate_token_t **out)
{
    char               *mem, *kid, *typ, *ids;
    size_t              i, size;
    jwtgate_rc_t        rc;
    jwtgate_token_t    *t;
    jwtgate_jvalue_t    hdr[H_COUNT], pay[P_COUNT];

    *out = NULL;

    if (detail != NULL) {
        detail->member = NULL;
        detail->what = NULL;
        detail->numeric_id = 0;
    }

    if (payload_len == 0) {
        return JWTGATE_ERR_MALFORMED;
    }

    if (header_len > limits->max_token || payload_len > limits->max_token) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    size = sizeof(jwtgate_token_t) + 3 * header_len + 2 * payload_len + 7;

    t = malloc(size);
    if (t == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    memset(t, 0, sizeof(jwtgate_token_t));
    t->size = size;

    mem = (char *) (t + 1);
    t->signing_input = mem;
    t->header_text = mem;
    mem += header_len + 1;
    t->payload_text = mem;
    mem += payload_len + 1;
    kid = mem;
    mem += header_len + 1;
    typ = mem;
    mem += header_len + 1;
    ids = mem;

    memcpy(t->header_text, header, header_len);
    t->header_text[header_len] = '\0';
    t->header_len = header_len;
    memcpy(t->payload_text, payload, payload_len);
    t->payload_text[payload_len] = '\0';
    t->payload_len = payload_len;
    t->alg = JWTGATE_ALG_COUNT;

    rc = jwtgate_jread(t->header_text, header_len, limits, header_names,
                       H_COUNT, hdr);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = JWTGATE_ERR_MALFORMED;

    for (i = H_KID; i <= H_X5T_S256; i++) {
        if (hdr[i].type != JWTGATE_JSON_ABSENT
            && hdr[i].type != JWTGATE_JSON_STRING)
        {
            goto failed;
        }
    }

    if (hdr[H_KID].type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(t->header_text, &hdr[H_KID], kid);
        t->kid = kid;
        t->kid_len = hdr[H_KID].len;
    }

    if (hdr[H_TYP].type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(t->header_text, &hdr[H_TYP], typ);
        t->typ = typ;
        t->typ_len = hdr[H_TYP].len;
    }

    /* the payload: as a JWS's */
    rc = jwtgate_jread(t->payload_text, payload_len, limits, claim_names,
                       P_COUNT, pay);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = jwtgate_token_check_payload(t, pay, flags, detail);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    jwtgate_token_ids_text(t, pay, ids);

    *out = t;
    return JWTGATE_OK;

failed:

    /* it may hold a JWE's decrypted claims or inner token */
    OPENSSL_cleanse(t, t->size);
    free(t);
    return rc;
}


static jwtgate_rc_t
jwtgate_token_check_header(jwtgate_token_t *t, const jwtgate_jvalue_t *hdr,
    unsigned algs, char *kid, char *typ)
{
    int                      alg;
    size_t                   i;
    char                     name[8];
    const jwtgate_jvalue_t  *v;

    for (i = H_KID; i <= H_X5T_S256; i++) {
        if (hdr[i].type != JWTGATE_JSON_ABSENT
            && hdr[i].type != JWTGATE_JSON_STRING)
        {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    v = &hdr[H_ALG];
    if (v->type != JWTGATE_JSON_STRING) {
        return JWTGATE_ERR_MALFORMED;
    }

    /* every name, "none" too, is shorter than 8 bytes */
    if (v->len >= sizeof(name)) {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    jwtgate_jstring_copy(t->header_text, v, name);

    /* "none" in any casing */
    if (v->len == 4 && (name[0] | 0x20) == 'n' && (name[1] | 0x20) == 'o'
        && (name[2] | 0x20) == 'n' && (name[3] | 0x20) == 'e')
    {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    alg = jwtgate_alg_from_name(name, v->len);
    if (alg < 0 || !(algs & JWTGATE_ALG_BIT(alg))) {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    t->alg = (jwtgate_alg_t) alg;

    /* RFC 7515 4.1.11: we understand no extension, so any crit fails */
    v = &hdr[H_CRIT];
    if (v->type != JWTGATE_JSON_ABSENT) {
        if (v->type != JWTGATE_JSON_ARRAY || v->len == 0) {
            return JWTGATE_ERR_MALFORMED;
        }

        return JWTGATE_ERR_UNSUPPORTED_CRIT;
    }

    /* RFC 7797 unencoded payloads are not supported */
    v = &hdr[H_B64];
    if (v->type == JWTGATE_JSON_FALSE) {
        return JWTGATE_ERR_UNSUPPORTED_CRIT;
    }

    if (v->type != JWTGATE_JSON_ABSENT && v->type != JWTGATE_JSON_TRUE) {
        return JWTGATE_ERR_MALFORMED;
    }

    /* jku, x5u, jwk, x5c are never used to find a key: not read at all */

    v = &hdr[H_KID];
    if (v->type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(t->header_text, v, kid);
        t->kid = kid;
        t->kid_len = v->len;
    }

    v = &hdr[H_TYP];
    if (v->type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(t->header_text, v, typ);
        t->typ = typ;
        t->typ_len = v->len;
    }

    return JWTGATE_OK;
}


static jwtgate_rc_t
jwtgate_token_check_payload(jwtgate_token_t *t, const jwtgate_jvalue_t *pay,
    unsigned flags, jwtgate_detail_t *detail)
{
    int                      id;
    size_t                   i;
    double                   d[3];
    const jwtgate_jvalue_t  *v;

    d[0] = 0;
    d[1] = 0;
    d[2] = 0;

    for (i = P_ISS; i <= P_JTI; i++) {
        v = &pay[i];

        if (v->type == JWTGATE_JSON_ABSENT || v->type == JWTGATE_JSON_STRING) {
            continue;
        }

        /* an integer without a minus sign: its text is its decimal form
         * (JSON has no leading zeros, no "+"); "-0" is not one */
        id = i != P_ISS && v->type == JWTGATE_JSON_INTEGER
             && t->payload_text[v->off] != '-';

        if (id && (flags & JWTGATE_PARSE_NUMERIC_IDS)) {
            if (i == P_SUB) {
                t->sub = *v;

            } else {
                t->jti = *v;
            }

            continue;
        }

        return jwtgate_claim_type(detail, claim_names[i].name,
                                  jwtgate_jtype_what(t->payload_text, v),
                                  id);
    }

    for (i = P_EXP; i <= P_IAT; i++) {
        if (pay[i].type == JWTGATE_JSON_ABSENT) {
            continue;
        }

        if (jwtgate_jnumeric_date(t->payload_text, &pay[i], &d[i - P_EXP])
            != 0)
        {
            v = &pay[i];
            return jwtgate_claim_type(detail, claim_names[i].name,
                                      (v->type == JWTGATE_JSON_INTEGER
                                       || v->type == JWTGATE_JSON_REAL)
                                      ? "a number outside [0, 2^53]"
                                      : jwtgate_jtype_what(t->payload_text,
                                                           v),
                                      0);
        }

        t->dates |= claim_dates[i - P_EXP];
    }

    t->exp = d[0];
    t->nbf = d[1];
    t->iat = d[2];

    /* a string, or an array of strings only */
    v = &pay[P_AUD];
    if (v->type != JWTGATE_JSON_ABSENT && v->type != JWTGATE_JSON_STRING
        && (v->type != JWTGATE_JSON_ARRAY || !v->strings))
    {
        return jwtgate_claim_type(detail, "aud",
                                  v->type == JWTGATE_JSON_ARRAY
                                  ? "an array holding a non-string"
                                  : jwtgate_jtype_what(t->payload_text, v),
                                  0);
    }

    t->iss = pay[P_ISS];
    t->aud = pay[P_AUD];

    return JWTGATE_OK;
}


/*
 * iss, sub and jti as text, for lookups that need no tree (revocation
 * lists): a string without escapes is its span of the payload, one with
 * escapes is unescaped into ids (the spans do not overlap, and unescaping
 * never lengthens: they fit the payload's size, a NUL each); an integer
 * id is its digits.
 */

static void
jwtgate_token_ids_text(jwtgate_token_t *t, const jwtgate_jvalue_t *pay,
    char *ids)
{
    size_t                   i;
    const jwtgate_jvalue_t  *v;

    for (i = P_ISS; i <= P_JTI; i++) {
        v = &pay[i];

        if (v->type == JWTGATE_JSON_STRING) {
            if (v->len == v->end - v->off) {
                t->id_text[i] = t->payload_text + v->off;

            } else {
                jwtgate_jstring_copy(t->payload_text, v, ids);
                t->id_text[i] = ids;
                ids += v->len + 1;
            }

            t->id_len[i] = v->len;

        } else if (v->type == JWTGATE_JSON_INTEGER) {
            /* allowed by check_payload(): sub or jti, digits only */
            t->id_text[i] = t->payload_text + v->off;
            t->id_len[i] = v->end - v->off;
        }
    }
}


static jwtgate_rc_t
jwtgate_claim_type(jwtgate_detail_t *detail, const char *member,
    const char *what, int numeric_id)
{
    if (detail != NULL) {
        detail->member = member;
        detail->what = what;
        detail->numeric_id = numeric_id;
    }

    return JWTGATE_ERR_BAD_CLAIM_TYPE;
}


static const char *
jwtgate_jtype_what(const char *text, const jwtgate_jvalue_t *v)
{
    switch (v->type) {

    case JWTGATE_JSON_STRING:
        return "a string";

    case JWTGATE_JSON_INTEGER:
        return text[v->off] == '-' ? "a negative number" : "a number";

    case JWTGATE_JSON_REAL:
        return "a number that is not an integer";

    case JWTGATE_JSON_TRUE:
        return "true";

    case JWTGATE_JSON_FALSE:
        return "false";

    case JWTGATE_JSON_NULL:
        return "null";

    case JWTGATE_JSON_ARRAY:
        return "an array";

    default:
        return "an object";
    }
}
