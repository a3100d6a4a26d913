/*
 * Strict base64url (RFC 4648 section 5, no padding, RFC 7515 section 2),
 * the compact serialization split, reason strings and algorithm names.
 */

#include <string.h>

#include "jwtgate_int.h"


/*
 * A character's 6 bits already shifted into the first of four places of a
 * 24-bit group, so that a group is t[c0] | t[c1] >> 6 | t[c2] >> 12 |
 * t[c3] >> 18; a character outside the alphabet sets bits that stay above
 * the 24 whatever the shift, so one test rejects the group.
 */
#define V(v)  ((uint64_t) (v) << 18)
#define X     0xff00000000000000ULL
static const uint64_t  b64url_bits[256] = {
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, V(62), X, X,
    V(52), V(53), V(54), V(55), V(56), V(57), V(58), V(59),
    V(60), V(61), X, X, X, X, X, X,
    X, V(0), V(1), V(2), V(3), V(4), V(5), V(6),
    V(7), V(8), V(9), V(10), V(11), V(12), V(13), V(14),
    V(15), V(16), V(17), V(18), V(19), V(20), V(21), V(22),
    V(23), V(24), V(25), X, X, X, X, V(63),
    X, V(26), V(27), V(28), V(29), V(30), V(31), V(32),
    V(33), V(34), V(35), V(36), V(37), V(38), V(39), V(40),
    V(41), V(42), V(43), V(44), V(45), V(46), V(47), V(48),
    V(49), V(50), V(51), X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X
};
#undef V
#undef X

#define b64url_bad(bits)  ((bits) >> 24 != 0)


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
    "internal",
    "key_try_limit",
    "duplicate",
    "bad_typ",
    "decrypt_failed",
    "bad_epk"
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
    size_t                i, n;
    uint64_t              acc;
    const unsigned char  *s;

    /* one leftover character cannot encode a byte */
    if (len % 4 == 1) {
        return (size_t) -1;
    }

    s = (const unsigned char *) src;
    n = 0;

    for (i = 0; i + 4 <= len; i += 4) {
        acc = b64url_bits[s[i]] | b64url_bits[s[i + 1]] >> 6
              | b64url_bits[s[i + 2]] >> 12 | b64url_bits[s[i + 3]] >> 18;

        if (b64url_bad(acc)) {
            return (size_t) -1;
        }

        dst[n] = (unsigned char) (acc >> 16);
        dst[n + 1] = (unsigned char) (acc >> 8);
        dst[n + 2] = (unsigned char) acc;
        n += 3;
    }

    switch (len - i) {

    case 2:
        acc = b64url_bits[s[i]] | b64url_bits[s[i + 1]] >> 6;

        /* the 4 unused low bits must be zero: canonical encoding */
        if (b64url_bad(acc) || (acc & 0x00f000)) {
            return (size_t) -1;
        }

        dst[n++] = (unsigned char) (acc >> 16);
        break;

    case 3:
        acc = b64url_bits[s[i]] | b64url_bits[s[i + 1]] >> 6
              | b64url_bits[s[i + 2]] >> 12;

        /* the 2 unused low bits must be zero */
        if (b64url_bad(acc) || (acc & 0x0000c0)) {
            return (size_t) -1;
        }

        dst[n++] = (unsigned char) (acc >> 16);
        dst[n++] = (unsigned char) (acc >> 8);
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

    /* an empty signature is left to the caller: see jwtgate_split() */
    if (seg->header_len == 0 || seg->payload_len == 0) {
        return JWTGATE_ERR_MALFORMED;
    }

    return JWTGATE_OK;
}


jwtgate_rc_t
jwtgate_split(const char *token, size_t len, jwtgate_segments_t *seg)
{
    size_t        i;
    jwtgate_rc_t  rc;

    if (len == 0) {
        return JWTGATE_ERR_MISSING;
    }

    for (i = 0; i < len; i++) {
        if (token[i] != '.'
            && b64url_bad(b64url_bits[(unsigned char) token[i]]))
        {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    rc = jwtgate_split_dots(token, len, seg);

    if (rc == JWTGATE_OK && seg->sig_len == 0) {
        return JWTGATE_ERR_MALFORMED;
    }

    return rc;
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
