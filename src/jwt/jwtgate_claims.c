/*
 * The registered-claim checks (RFC 7519 section 4.1) of a parsed token
 * against a location's policy: exp, nbf, iat, iss, aud, and typ as a
 * media type.
 */

#include <string.h>

#include "jwtgate_int.h"


static jwtgate_rc_t jwtgate_check_typ(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy);
static jwtgate_rc_t jwtgate_check_audience(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy);
static int jwtgate_string_in(const char *text, const jwtgate_jvalue_t *s,
    const char *const *list, size_t n);


/* the values were checked by jwtgate_token_parse(): types, ranges */

jwtgate_rc_t
jwtgate_check_claims(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy)
{
    double        now, leeway, iat_leeway;
    jwtgate_rc_t  rc;

    if (!policy->numeric_ids && jwtgate_token_numeric_id(t) != NULL) {
        return JWTGATE_ERR_BAD_CLAIM_TYPE;
    }

    if (policy->n_typs > 0) {
        rc = jwtgate_check_typ(t, policy);
        if (rc != JWTGATE_OK) {
            return rc;
        }
    }

    now = (double) policy->now;
    leeway = (double) policy->leeway;
    iat_leeway = (policy->iat_leeway > policy->leeway)
                 ? (double) policy->iat_leeway : leeway;

    if (!(t->dates & JWTGATE_HAS_EXP)) {
        if (policy->require_exp) {
            return JWTGATE_ERR_MISSING_EXP;
        }

    } else if (now >= t->exp + leeway) {
        return JWTGATE_ERR_EXPIRED;
    }

    if ((t->dates & JWTGATE_HAS_NBF) && now + leeway < t->nbf) {
        return JWTGATE_ERR_NOT_YET_VALID;
    }

    if ((t->dates & JWTGATE_HAS_IAT) && now + iat_leeway < t->iat) {
        return JWTGATE_ERR_ISSUED_IN_FUTURE;
    }

    if (policy->n_issuers > 0
        && !jwtgate_string_in(t->payload_text, &t->iss, policy->issuers,
                              policy->n_issuers))
    {
        return JWTGATE_ERR_BAD_ISSUER;
    }

    if (policy->n_audiences > 0) {
        return jwtgate_check_audience(t, policy);
    }

    return JWTGATE_OK;
}


/* typ as a media type (RFC 7515 4.1.9, RFC 9068 4): "at+jwt",
 * "application/at+jwt" and "AT+JWT" are one type */

static jwtgate_rc_t
jwtgate_check_typ(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy)
{
    char    have[JWTGATE_MEDIA_TYPE_MAX], want[JWTGATE_MEDIA_TYPE_MAX];
    size_t  i, n, m, len;

    if (t->typ == NULL || t->typ_len > sizeof(have)) {
        return JWTGATE_ERR_BAD_TYP;
    }

    n = jwtgate_media_type_norm(t->typ, t->typ_len, have);
    if (n == (size_t) -1) {
        return JWTGATE_ERR_BAD_TYP;
    }

    for (i = 0; i < policy->n_typs; i++) {
        len = strlen(policy->typs[i]);
        if (len > sizeof(want)) {
            continue;
        }

        m = jwtgate_media_type_norm(policy->typs[i], len, want);
        if (m == n && memcmp(have, want, n) == 0) {
            return JWTGATE_OK;
        }
    }

    return JWTGATE_ERR_BAD_TYP;
}


size_t
jwtgate_media_type_norm(const char *in, size_t len, char *out)
{
    size_t         i;
    unsigned char  c;

    if (len >= sizeof("application/") - 1) {
        for (i = 0; i < sizeof("application/") - 1; i++) {
            c = (unsigned char) in[i];
            if (c >= 'A' && c <= 'Z') {
                c |= 0x20;
            }

            if (c != (unsigned char) "application/"[i]) {
                break;
            }
        }

        if (i == sizeof("application/") - 1) {
            in += i;
            len -= i;
        }
    }

    /* RFC 6838 4.2: restricted-name, at most 127 characters */
    if (len == 0 || len > 127) {
        return (size_t) -1;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) in[i];

        if (c >= 'A' && c <= 'Z') {
            c |= 0x20;

        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                     || (i > 0 && c != '\0'
                         && strchr("!#$&-^_.+", c) != NULL)))
        {
            return (size_t) -1;
        }

        out[i] = (char) c;
    }

    return len;
}


static jwtgate_rc_t
jwtgate_check_audience(const jwtgate_token_t *t,
    const jwtgate_claims_policy_t *policy)
{
    size_t            pos;
    jwtgate_jvalue_t  item;

    if (t->aud.type == JWTGATE_JSON_STRING) {
        return jwtgate_string_in(t->payload_text, &t->aud, policy->audiences,
                                 policy->n_audiences)
               ? JWTGATE_OK : JWTGATE_ERR_BAD_AUDIENCE;
    }

    /* absent, or an array of strings: any of them */
    pos = 0;

    while (jwtgate_jarray_next(t->payload_text, &t->aud, &pos, &item)) {
        if (jwtgate_string_in(t->payload_text, &item, policy->audiences,
                              policy->n_audiences))
        {
            return JWTGATE_OK;
        }
    }

    return JWTGATE_ERR_BAD_AUDIENCE;
}


static int
jwtgate_string_in(const char *text, const jwtgate_jvalue_t *s,
    const char *const *list, size_t n)
{
    size_t  i;

    if (s->type != JWTGATE_JSON_STRING) {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (jwtgate_jstring_equal(text, s, list[i], strlen(list[i]))) {
            return 1;
        }
    }

    return 0;
}
