/*
 * Strict base64url (RFC 4648 section 5, no padding, RFC 7515 section 2),
 * the compact serialization split, reason strings and algorithm names.
 */

#include <string.h>

#include "jwtgate_int.h"


/* 0..63 for the alphabet, 0xff for everything else */
static const unsigned char  b64url_value[256] = {
#define X 0xff
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, 62, X, X,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, 63,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X
#undef X
};

static const char  b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


static const char  *reason_names[JWTGATE_ERR_LAST] = {
    "ok",
    "missing",
    "malformed",
    "too_large",
    "unsupported_alg",
    "unsupported_crit",
    "alg_key_mismatch",
    "unknown_kid",
    "bad_signature",
    "expired",
    "not_yet_valid",
    "issued_in_future",
    "missing_exp",
    "bad_issuer",
    "bad_audience",
    "bad_claim_type",
    "bad_key",
    "no_keys",
    "internal"
};


static const char  *alg_names[JWTGATE_ALG_COUNT] = {
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES384", "ES512",
    "EdDSA"
};


const char *
jwtgate_strerror(jwtgate_rc_t rc)
{
    if ((unsigned) rc >= JWTGATE_ERR_LAST) {
        return "internal";
    }

    return reason_names[rc];
}


int
jwtgate_alg_from_name(const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < JWTGATE_ALG_COUNT; i++) {
        if (strlen(alg_names[i]) == len && memcmp(alg_names[i], name, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


const char *
jwtgate_alg_name(jwtgate_alg_t alg)
{
    if ((unsigned) alg >= JWTGATE_ALG_COUNT) {
        return "unknown";
    }

    return alg_names[alg];
}


void
jwtgate_limits_init(jwtgate_limits_t *limits)
{
    limits->max_token = JWTGATE_MAX_TOKEN;
    limits->max_header = JWTGATE_MAX_HEADER;
    limits->max_depth = JWTGATE_MAX_DEPTH;
    limits->max_string = JWTGATE_MAX_STRING;
    limits->max_members = JWTGATE_MAX_MEMBERS;
}


size_t
jwtgate_b64url_decoded_len(size_t len)
{
    return len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
}


size_t
jwtgate_b64url_decode(unsigned char *dst, const char *src, size_t len)
{
    size_t          i, n;
    uint32_t        acc;
    unsigned char   v[4];
    const unsigned char  *s;

    /* one leftover character cannot encode a byte */
    if (len % 4 == 1) {
        return (size_t) -1;
    }

    s = (const unsigned char *) src;
    n = 0;

    for (i = 0; i + 4 <= len; i += 4) {
        v[0] = b64url_value[s[i]];
        v[1] = b64url_value[s[i + 1]];
        v[2] = b64url_value[s[i + 2]];
        v[3] = b64url_value[s[i + 3]];

        if ((v[0] | v[1] | v[2] | v[3]) & 0xc0) {
            return (size_t) -1;
        }

        acc = (uint32_t) v[0] << 18 | (uint32_t) v[1] << 12
              | (uint32_t) v[2] << 6 | v[3];
        dst[n++] = (unsigned char) (acc >> 16);
        dst[n++] = (unsigned char) (acc >> 8);
        dst[n++] = (unsigned char) acc;
    }

    switch (len - i) {

    case 2:
        v[0] = b64url_value[s[i]];
        v[1] = b64url_value[s[i + 1]];

        /* the 4 unused low bits must be zero: canonical encoding */
        if (((v[0] | v[1]) & 0xc0) || (v[1] & 0x0f)) {
            return (size_t) -1;
        }

        dst[n++] = (unsigned char) (v[0] << 2 | v[1] >> 4);
        break;

    case 3:
        v[0] = b64url_value[s[i]];
        v[1] = b64url_value[s[i + 1]];
        v[2] = b64url_value[s[i + 2]];

        if (((v[0] | v[1] | v[2]) & 0xc0) || (v[2] & 0x03)) {
            return (size_t) -1;
        }

        dst[n++] = (unsigned char) (v[0] << 2 | v[1] >> 4);
        dst[n++] = (unsigned char) (v[1] << 4 | v[2] >> 2);
        break;

    default: /* 0 */
        break;
    }

    return n;
}


size_t
jwtgate_b64url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}


size_t
jwtgate_b64url_encode(char *dst, const unsigned char *src, size_t len)
{
    size_t    i, n;
    uint32_t  acc;

    n = 0;

    for (i = 0; i + 3 <= len; i += 3) {
        acc = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8
              | src[i + 2];
        dst[n++] = b64url_alphabet[acc >> 18 & 0x3f];
        dst[n++] = b64url_alphabet[acc >> 12 & 0x3f];
        dst[n++] = b64url_alphabet[acc >> 6 & 0x3f];
        dst[n++] = b64url_alphabet[acc & 0x3f];
    }

    if (len - i == 1) {
        acc = (uint32_t) src[i] << 16;
        dst[n++] = b64url_alphabet[acc >> 18 & 0x3f];
        dst[n++] = b64url_alphabet[acc >> 12 & 0x3f];

    } else if (len - i == 2) {
        acc = (uint32_t) src[i] << 16 | (uint32_t) src[i + 1] << 8;
        dst[n++] = b64url_alphabet[acc >> 18 & 0x3f];
        dst[n++] = b64url_alphabet[acc >> 12 & 0x3f];
        dst[n++] = b64url_alphabet[acc >> 6 & 0x3f];
    }

    return n;
}


/* exactly two dots, three non-empty segments; the alphabet unchecked */

jwtgate_rc_t
jwtgate_split_dots(const char *data, size_t len, jwtgate_segments_t *seg)
{
    const char  *d1, *d2, *end;

    end = data + len;

    d1 = memchr(data, '.', len);
    if (d1 == NULL) {
        return JWTGATE_ERR_MALFORMED;
    }

    d2 = memchr(d1 + 1, '.', (size_t) (end - d1 - 1));
    if (d2 == NULL || memchr(d2 + 1, '.', (size_t) (end - d2 - 1)) != NULL) {
        return JWTGATE_ERR_MALFORMED;
    }

    seg->header_len = (size_t) (d1 - data);
    seg->payload_off = seg->header_len + 1;
    seg->payload_len = (size_t) (d2 - d1 - 1);
    seg->sig_off = (size_t) (d2 - data) + 1;
    seg->sig_len = (size_t) (end - d2 - 1);

    if (seg->header_len == 0 || seg->payload_len == 0 || seg->sig_len == 0) {
        return JWTGATE_ERR_MALFORMED;
    }

    return JWTGATE_OK;
}


jwtgate_rc_t
jwtgate_split(const char *token, size_t len, jwtgate_segments_t *seg)
{
    size_t  i;

    if (len == 0) {
        return JWTGATE_ERR_MISSING;
    }

    for (i = 0; i < len; i++) {
        if (token[i] != '.' && b64url_value[(unsigned char) token[i]] == 0xff)
        {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    return jwtgate_split_dots(token, len, seg);
}


uint32_t
jwtgate_hash(const char *s, size_t len)
{
    size_t    i;
    uint32_t  h;

    /* FNV-1a: kids come from configured key sets, not from attackers */
    h = 2166136261u;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 16777619u;
    }

    return h;
}
