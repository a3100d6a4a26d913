/*
 * Compact JWS parsing with every cheap rejection before any crypto, and
 * the registered-claim checks (RFC 7519 section 4.1).
 */

#include <stdlib.h>
#include <string.h>

#include "jwtgate_int.h"


static jwtgate_rc_t jwtgate_token_check_header(jwtgate_token_t *t,
    unsigned algs);
static jwtgate_rc_t jwtgate_token_check_payload(const json_t *payload);
static jwtgate_rc_t jwtgate_check_audience(const json_t *aud,
    const jwtgate_claims_policy_t *policy);
static int jwtgate_string_in(const json_t *s, const char *const *list,
    size_t n);
static int jwtgate_is_none(const json_t *alg);


/* registered header members that must be strings when present */
static const char  *header_strings[] = {
    "kid", "typ", "cty", "jku", "x5u", "x5t", "x5t#S256"
};

/* registered claims that must be strings when present */
static const char  *claim_strings[] = { "iss", "sub", "jti" };

/* registered claims that must be NumericDate when present */
static const char  *claim_dates[] = { "exp", "nbf", "iat" };


jwtgate_rc_t
jwtgate_token_parse(const char *data, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, jwtgate_token_t **out)
{
    size_t              n;
    unsigned char      *buf;
    jwtgate_rc_t        rc;
    jwtgate_token_t    *t;
    jwtgate_segments_t  seg;

    *out = NULL;

    if (len == 0) {
        return JWTGATE_ERR_MISSING;
    }

    if (len > limits->max_token) {
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

    t = calloc(1, sizeof(jwtgate_token_t));
    if (t == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    buf = NULL;
    rc = JWTGATE_ERR_INTERNAL;

    /* header: decoded into a scratch buffer, kept only as JSON */

    buf = malloc(jwtgate_b64url_decoded_len(seg.header_len) + 1);
    if (buf == NULL) {
        goto failed;
    }

    n = jwtgate_b64url_decode(buf, data, seg.header_len);
    if (n == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    rc = jwtgate_json_parse_object((char *) buf, n, limits, &t->header);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    free(buf);
    buf = NULL;

    rc = jwtgate_token_check_header(t, algs);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    /* signature */

    t->sig = malloc(jwtgate_b64url_decoded_len(seg.sig_len) + 1);
    if (t->sig == NULL) {
        rc = JWTGATE_ERR_INTERNAL;
        goto failed;
    }

    t->sig_len = jwtgate_b64url_decode(t->sig, data + seg.sig_off,
                                       seg.sig_len);
    if (t->sig_len == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    /* payload */

    t->payload_text = malloc(jwtgate_b64url_decoded_len(seg.payload_len) + 1);
    if (t->payload_text == NULL) {
        rc = JWTGATE_ERR_INTERNAL;
        goto failed;
    }

    n = jwtgate_b64url_decode((unsigned char *) t->payload_text,
                              data + seg.payload_off, seg.payload_len);
    if (n == (size_t) -1) {
        rc = JWTGATE_ERR_MALFORMED;
        goto failed;
    }

    t->payload_text[n] = '\0';
    t->payload_len = n;

    rc = jwtgate_json_parse_object(t->payload_text, n, limits, &t->payload);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = jwtgate_token_check_payload(t->payload);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    t->signing_len = seg.sig_off - 1;
    t->signing_input = malloc(t->signing_len);
    if (t->signing_input == NULL) {
        rc = JWTGATE_ERR_INTERNAL;
        goto failed;
    }

    memcpy(t->signing_input, data, t->signing_len);

    *out = t;
    return JWTGATE_OK;

failed:

    free(buf);
    jwtgate_token_free(t);
    return rc;
}


static jwtgate_rc_t
jwtgate_token_check_header(jwtgate_token_t *t, unsigned algs)
{
    int           alg;
    size_t        i;
    const json_t *v;

    for (i = 0; i < sizeof(header_strings) / sizeof(header_strings[0]); i++) {
        v = json_object_get(t->header, header_strings[i]);
        if (v != NULL && !json_is_string(v)) {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    v = json_object_get(t->header, "alg");
    if (v == NULL || !json_is_string(v)) {
        return JWTGATE_ERR_MALFORMED;
    }

    if (jwtgate_is_none(v)) {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    alg = jwtgate_alg_from_name(json_string_value(v), json_string_length(v));
    if (alg < 0 || !(algs & JWTGATE_ALG_BIT(alg))) {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    t->alg = (jwtgate_alg_t) alg;

    /* RFC 7515 4.1.11: we understand no extension, so any crit fails */
    v = json_object_get(t->header, "crit");
    if (v != NULL) {
        if (!json_is_array(v) || json_array_size(v) == 0) {
            return JWTGATE_ERR_MALFORMED;
        }

        return JWTGATE_ERR_UNSUPPORTED_CRIT;
    }

    /* RFC 7797 unencoded payloads are not supported */
    v = json_object_get(t->header, "b64");
    if (v != NULL) {
        if (!json_is_boolean(v)) {
            return JWTGATE_ERR_MALFORMED;
        }

        if (!json_is_true(v)) {
            return JWTGATE_ERR_UNSUPPORTED_CRIT;
        }
    }

    /* jku, x5u, jwk, x5c are never used to find a key: not read at all */

    v = json_object_get(t->header, "kid");
    if (v != NULL) {
        t->kid = json_string_value(v);
        t->kid_len = json_string_length(v);
    }

    return JWTGATE_OK;
}


/* "none" in any casing */

static int
jwtgate_is_none(const json_t *alg)
{
    size_t       i;
    const char  *s;

    if (json_string_length(alg) != 4) {
        return 0;
    }

    s = json_string_value(alg);

    for (i = 0; i < 4; i++) {
        if ((s[i] | 0x20) != "none"[i]) {
            return 0;
        }
    }

    return 1;
}


static jwtgate_rc_t
jwtgate_token_check_payload(const json_t *payload)
{
    size_t        i;
    double        d;
    const json_t *v;

    for (i = 0; i < sizeof(claim_strings) / sizeof(claim_strings[0]); i++) {
        v = json_object_get(payload, claim_strings[i]);
        if (v != NULL && !json_is_string(v)) {
            return JWTGATE_ERR_BAD_CLAIM_TYPE;
        }
    }

    for (i = 0; i < sizeof(claim_dates) / sizeof(claim_dates[0]); i++) {
        v = json_object_get(payload, claim_dates[i]);
        if (v != NULL && jwtgate_json_numeric_date(v, &d) != 0) {
            return JWTGATE_ERR_BAD_CLAIM_TYPE;
        }
    }

    v = json_object_get(payload, "aud");
    if (v == NULL || json_is_string(v)) {
        return JWTGATE_OK;
    }

    if (!json_is_array(v)) {
        return JWTGATE_ERR_BAD_CLAIM_TYPE;
    }

    for (i = 0; i < json_array_size(v); i++) {
        if (!json_is_string(json_array_get(v, i))) {
            return JWTGATE_ERR_BAD_CLAIM_TYPE;
        }
    }

    return JWTGATE_OK;
}


void
jwtgate_token_free(jwtgate_token_t *t)
{
    if (t == NULL) {
        return;
    }

    if (t->header != NULL) {
        json_decref(t->header);
    }

    if (t->payload != NULL) {
        json_decref(t->payload);
    }

    free(t->signing_input);
    free(t->sig);
    free(t->payload_text);
    free(t);
}


jwtgate_alg_t
jwtgate_token_alg(const jwtgate_token_t *t)
{
    return t->alg;
}


const char *
jwtgate_token_kid(const jwtgate_token_t *t)
{
    return t->kid;
}


const json_t *
jwtgate_token_header(const jwtgate_token_t *t)
{
    return t->header;
}


const json_t *
jwtgate_token_payload(const jwtgate_token_t *t)
{
    return t->payload;
}


const char *
jwtgate_token_payload_text(const jwtgate_token_t *t, size_t *len)
{
    *len = t->payload_len;
    return t->payload_text;
}


int
jwtgate_token_exp(const jwtgate_token_t *t, double *exp)
{
    const json_t  *v;

    v = json_object_get(t->payload, "exp");
    if (v == NULL) {
        return -1;
    }

    return jwtgate_json_numeric_date(v, exp);
}


jwtgate_rc_t
jwtgate_check_claims(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy)
{
    double         now, leeway, d;
    const json_t  *v;

    /* types were checked by jwtgate_token_parse() */

    now = (double) policy->now;
    leeway = (double) policy->leeway;

    v = json_object_get(t->payload, "exp");
    if (v == NULL) {
        if (policy->require_exp) {
            return JWTGATE_ERR_MISSING_EXP;
        }

    } else if (jwtgate_json_numeric_date(v, &d) != 0) {
        return JWTGATE_ERR_BAD_CLAIM_TYPE;

    } else if (now >= d + leeway) {
        return JWTGATE_ERR_EXPIRED;
    }

    v = json_object_get(t->payload, "nbf");
    if (v != NULL) {
        if (jwtgate_json_numeric_date(v, &d) != 0) {
            return JWTGATE_ERR_BAD_CLAIM_TYPE;
        }

        if (now + leeway < d) {
            return JWTGATE_ERR_NOT_YET_VALID;
        }
    }

    v = json_object_get(t->payload, "iat");
    if (v != NULL) {
        if (jwtgate_json_numeric_date(v, &d) != 0) {
            return JWTGATE_ERR_BAD_CLAIM_TYPE;
        }

        if (now + leeway < d) {
            return JWTGATE_ERR_ISSUED_IN_FUTURE;
        }
    }

    if (policy->n_issuers > 0) {
        v = json_object_get(t->payload, "iss");
        if (v == NULL
            || !jwtgate_string_in(v, policy->issuers, policy->n_issuers))
        {
            return JWTGATE_ERR_BAD_ISSUER;
        }
    }

    if (policy->n_audiences > 0) {
        return jwtgate_check_audience(json_object_get(t->payload, "aud"),
                                      policy);
    }

    return JWTGATE_OK;
}


static jwtgate_rc_t
jwtgate_check_audience(const json_t *aud,
    const jwtgate_claims_policy_t *policy)
{
    size_t         i;
    const json_t  *item;

    if (aud == NULL) {
        return JWTGATE_ERR_BAD_AUDIENCE;
    }

    if (json_is_string(aud)) {
        return jwtgate_string_in(aud, policy->audiences, policy->n_audiences)
               ? JWTGATE_OK : JWTGATE_ERR_BAD_AUDIENCE;
    }

    json_array_foreach(aud, i, item) {
        if (jwtgate_string_in(item, policy->audiences, policy->n_audiences)) {
            return JWTGATE_OK;
        }
    }

    return JWTGATE_ERR_BAD_AUDIENCE;
}


static int
jwtgate_string_in(const json_t *s, const char *const *list, size_t n)
{
    size_t       i, len;
    const char  *value;

    if (!json_is_string(s)) {
        return 0;
    }

    value = json_string_value(s);
    len = json_string_length(s);

    for (i = 0; i < n; i++) {
        if (strlen(list[i]) == len && memcmp(list[i], value, len) == 0) {
            return 1;
        }
    }

    return 0;
}
