/*
 * Compact JWS parsing rules, each with its exact reason; accessors, claim
 * lookup and formatting; the registered-claim checks.
 *
 * Tokens are built here from JSON text with a dummy signature: parsing
 * rejects before any crypto, so no real signature is needed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"
#include "fixtures.h"


#define NOW   1700000000L

#define HS    "{\"alg\":\"HS256\"}"
#define RS    "{\"alg\":\"RS256\"}"


/* helpers */

/* the reason for a compact token given as it is */

static jwtgate_rc_t
raw_rc(const char *tok)
{
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    rc = fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t);
    jwtgate_token_free(t);

    return rc;
}


/* the reason for a token built from header and payload JSON */

static jwtgate_rc_t
rc_limits_algs(const char *header, const char *payload,
    const jwtgate_limits_t *limits, unsigned algs)
{
    char             *tok;
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    tok = fx_token(header, payload);
    rc = fx_parse(tok, limits, algs, &t);
    jwtgate_token_free(t);
    free(tok);

    return rc;
}


/* a malloc'ed string: prefix, n times c, suffix */

static char *
build(const char *prefix, char c, size_t n, const char *suffix)
{
    char    *s;
    size_t   plen, slen;

    plen = strlen(prefix);
    slen = strlen(suffix);

    s = malloc(plen + n + slen + 1);
    assert_non_null(s);

    memcpy(s, prefix, plen);
    memset(s + plen, c, n);
    memcpy(s + plen + n, suffix, slen + 1);

    return s;
}


static char *
concat(const char *a, const char *b, const char *c)
{
    char    *s;
    size_t   la, lb, lc;

    la = strlen(a);
    lb = strlen(b);
    lc = strlen(c);

    s = malloc(la + lb + lc + 1);
    assert_non_null(s);

    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);

    return s;
}


/* {"a":{"a":...{"a":1}...}} with depth objects in all */

static char *
nested_objects(size_t depth)
{
    char    *s, *p;
    size_t   i;

    s = malloc(depth * 6 + 2);
    assert_non_null(s);

    p = s;

    for (i = 1; i < depth; i++) {
        memcpy(p, "{\"a\":", 5);
        p += 5;
    }

    memcpy(p, "{\"a\":1}", 7);
    p += 7;

    for (i = 1; i < depth; i++) {
        *p++ = '}';
    }

    *p = '\0';

    return s;
}


/* {"a":[[...[1]...]]}: the object, then depth - 1 arrays */

static char *
nested_arrays(size_t depth)
{
    char    *s, *p;
    size_t   i;

    s = malloc(depth * 2 + 8);
    assert_non_null(s);

    p = s;
    memcpy(p, "{\"a\":", 5);
    p += 5;

    for (i = 1; i < depth; i++) {
        *p++ = '[';
    }

    *p++ = '1';

    for (i = 1; i < depth; i++) {
        *p++ = ']';
    }

    *p++ = '}';
    *p = '\0';

    return s;
}


/* {"m0":0,"m1":0,...} or [0,0,...] with n members */

static char *
wide(size_t n, int array)
{
    char    *s;
    size_t   i, len;

    s = malloc(n * 16 + 4);
    assert_non_null(s);

    len = 0;
    s[len++] = array ? '[' : '{';

    for (i = 0; i < n; i++) {
        if (i > 0) {
            s[len++] = ',';
        }

        if (array) {
            s[len++] = '0';

        } else {
            len += (size_t) sprintf(s + len, "\"m%zu\":0", i);
        }
    }

    s[len++] = array ? ']' : '}';
    s[len] = '\0';

    return s;
}


/* alg */

static void
test_alg_none_in_any_case(void **state)
{
    size_t              i;
    static const char  *hdr[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"None\"}",
        "{\"alg\":\"NONE\"}",
        "{\"alg\":\"nOnE\"}",
        "{\"alg\":\"none\",\"kid\":\"rsa1\"}",
    };

    (void) state;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        assert_int_equal(fx_rc(hdr[i], "{}"), JWTGATE_ERR_UNSUPPORTED_ALG);
    }
}


/* an unsecured JWS (RFC 7519 6.1) has an empty signature: its alg is
 * what is wrong with it, not its shape */

static void
test_alg_none_unsecured(void **state)
{
    char               *tok;
    size_t              i;
    jwtgate_token_t    *t;
    static const char  *hdr[] = {
        "{\"alg\":\"none\"}",
        "{\"alg\":\"NONE\",\"typ\":\"JWT\"}",
        "{\"alg\":\"none\",\"kid\":\"rsa1\"}",
    };

    (void) state;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        tok = fx_token_n(hdr[i], strlen(hdr[i]), "{\"sub\":\"a\"}", 11,
                         "");
        assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                         JWTGATE_ERR_UNSUPPORTED_ALG);
        free(tok);
    }

    /* an algorithm we know, and no signature: malformed */
    tok = fx_token_n("{\"alg\":\"RS256\"}", 15, "{}", 2, "");
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_ERR_MALFORMED);
    free(tok);
}


static void
test_alg_unknown(void **state)
{
    size_t              i;
    static const char  *hdr[] = {
        "{\"alg\":\"RS1\"}",
        "{\"alg\":\"HS256 \"}",
        "{\"alg\":\" HS256\"}",
        "{\"alg\":\"hs256\"}",
        "{\"alg\":\"HS\"}",
        "{\"alg\":\"\"}",
        "{\"alg\":\"ES256K\"}",
        "{\"alg\":\"Ed25519\"}",
        "{\"alg\":\"RSA-OAEP\"}",       /* a JWE algorithm */
        "{\"alg\":\"nonE \"}",
    };

    (void) state;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        assert_int_equal(fx_rc(hdr[i], "{}"), JWTGATE_ERR_UNSUPPORTED_ALG);
    }
}


static void
test_alg_outside_the_mask(void **state)
{
    (void) state;

    assert_int_equal(rc_limits_algs(HS, "{}", NULL, JWTGATE_ALGS_ASYMMETRIC),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(rc_limits_algs(RS, "{}", NULL, JWTGATE_ALGS_HMAC),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(rc_limits_algs(RS, "{}", NULL, 0),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(rc_limits_algs(RS, "{}", NULL,
                                    JWTGATE_ALG_BIT(JWTGATE_ALG_RS384)),
                     JWTGATE_ERR_UNSUPPORTED_ALG);

    assert_int_equal(rc_limits_algs(RS, "{}", NULL,
                                    JWTGATE_ALG_BIT(JWTGATE_ALG_RS256)),
                     JWTGATE_OK);
    assert_int_equal(rc_limits_algs("{\"alg\":\"EdDSA\"}", "{}", NULL,
                                    JWTGATE_ALG_BIT(JWTGATE_ALG_EDDSA)),
                     JWTGATE_OK);
}


static void
test_alg_missing_or_not_a_string(void **state)
{
    size_t              i;
    static const char  *hdr[] = {
        "{}",
        "{\"typ\":\"JWT\"}",
        "{\"alg\":256}",
        "{\"alg\":null}",
        "{\"alg\":true}",
        "{\"alg\":[\"RS256\"]}",
        "{\"alg\":{\"name\":\"RS256\"}}",
        "{\"ALG\":\"RS256\"}",
    };

    (void) state;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        assert_int_equal(fx_rc(hdr[i], "{}"), JWTGATE_ERR_MALFORMED);
    }
}


static void
test_every_alg_name_parses(void **state)
{
    int                 i;
    char                hdr[64];
    jwtgate_token_t    *t;
    char               *tok;

    (void) state;

    for (i = 0; i < JWTGATE_ALG_COUNT; i++) {
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\"}",
                 jwtgate_alg_name((jwtgate_alg_t) i));

        tok = fx_token(hdr, "{}");
        assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                         JWTGATE_OK);
        assert_int_equal(jwtgate_token_alg(t), i);
        jwtgate_token_free(t);

        /* and nothing else lets it through */
        assert_int_equal(fx_parse(tok, NULL,
                                  JWTGATE_ALGS_ALL
                                  & ~JWTGATE_ALG_BIT(i), &t),
                         JWTGATE_ERR_UNSUPPORTED_ALG);
        free(tok);
    }
}


/* JSON shape of the header and payload */

static void
test_duplicate_members(void **state)
{
    (void) state;

    /* a second "alg" must never win over a checked first one */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"alg\":\"none\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"none\",\"alg\":\"RS256\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"alg\":\"RS256\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"kid\":\"a\",\"kid\":\"b\"}",
                           "{}"),
                     JWTGATE_ERR_MALFORMED);

    assert_int_equal(fx_rc(RS, "{\"exp\":1,\"exp\":2}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc(RS, "{\"sub\":\"a\",\"sub\":\"b\"}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc(RS, "{\"x\":{\"y\":1,\"y\":1}}"),
                     JWTGATE_ERR_MALFORMED);
}


static void
test_not_an_object(void **state)
{
    size_t              i;
    static const char  *json[] = {
        "[\"RS256\"]",
        "[{\"alg\":\"RS256\"}]",
        "\"RS256\"",
        "42",
        "null",
        "true",
        "",
        " ",
    };

    (void) state;

    for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
        if (json[i][0] != '\0') {
            assert_int_equal(fx_rc(json[i], "{}"), JWTGATE_ERR_MALFORMED);
        }

        assert_int_equal(fx_rc(RS, json[i]), JWTGATE_ERR_MALFORMED);
    }
}


static void
test_header_member_types(void **state)
{
    size_t              i;
    static const char  *hdr[] = {
        "{\"alg\":\"RS256\",\"kid\":1}",
        "{\"alg\":\"RS256\",\"kid\":null}",
        "{\"alg\":\"RS256\",\"kid\":[\"rsa1\"]}",
        "{\"alg\":\"RS256\",\"typ\":true}",
        "{\"alg\":\"RS256\",\"typ\":{}}",
        "{\"alg\":\"RS256\",\"cty\":1}",
        "{\"alg\":\"RS256\",\"jku\":1}",
        "{\"alg\":\"RS256\",\"x5u\":[]}",
        "{\"alg\":\"RS256\",\"x5t\":0}",
        "{\"alg\":\"RS256\",\"x5t#S256\":false}",
    };

    (void) state;

    for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
        assert_int_equal(fx_rc(hdr[i], "{}"), JWTGATE_ERR_MALFORMED);
    }

    /* registered members of the right type, and unknown ones, are fine */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"kid\":\"\",\"typ\":\"JWT\","
                           "\"cty\":\"x\",\"zip\":1,\"foo\":[1]}", "{}"),
                     JWTGATE_OK);
}


static void
test_crit_and_b64(void **state)
{
    (void) state;

    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":[\"exp\"]}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":[\"b64\"],"
                           "\"b64\":true}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":[1]}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);

    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":[]}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":\"x\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"crit\":null}", "{}"),
                     JWTGATE_ERR_MALFORMED);

    /* RFC 7797 unencoded payloads */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"b64\":false}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"b64\":\"no\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"b64\":0}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"b64\":true}", "{}"),
                     JWTGATE_OK);

    /* "none" is refused before anything else in the header is looked at */
    assert_int_equal(fx_rc("{\"alg\":\"none\",\"crit\":[\"exp\"]}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
}


/* registered claim types */

static void
test_claim_types(void **state)
{
    size_t              i;
    static const char  *bad[] = {
        "{\"exp\":\"123\"}",
        "{\"exp\":true}",
        "{\"exp\":null}",
        "{\"exp\":[1]}",
        "{\"exp\":1e300}",
        "{\"exp\":-1}",
        "{\"exp\":-0.5}",
        "{\"exp\":9007199254740993.0e3}",
        "{\"nbf\":\"1\"}",
        "{\"nbf\":-100}",
        "{\"iat\":{}}",
        "{\"iat\":1e20}",
        "{\"iss\":1}",
        "{\"iss\":null}",
        "{\"iss\":[\"a\"]}",
        "{\"sub\":1}",
        "{\"jti\":{}}",
        "{\"aud\":[1]}",
        "{\"aud\":[\"a\",1]}",
        "{\"aud\":[\"a\",null]}",
        "{\"aud\":[[\"a\"]]}",
        "{\"aud\":1}",
        "{\"aud\":{}}",
        "{\"aud\":null}",
    };
    static const char  *good[] = {
        "{}",
        "{\"exp\":0}",
        "{\"exp\":1300819380}",
        "{\"exp\":1300819380.5}",
        "{\"exp\":1e9}",
        "{\"exp\":9007199254740992}",   /* 2^53, the upper bound */
        "{\"nbf\":0,\"iat\":0}",
        "{\"iss\":\"\",\"sub\":\"x\",\"jti\":\"y\"}",
        "{\"aud\":\"a\"}",
        "{\"aud\":[\"a\",\"b\"]}",
        "{\"aud\":[]}",
        "{\"other\":null,\"roles\":[1,{}]}",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(fx_rc(RS, bad[i]), JWTGATE_ERR_BAD_CLAIM_TYPE);
    }

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(fx_rc(RS, good[i]), JWTGATE_OK);
    }
}


static void
test_claim_numbers_at_the_edges(void **state)
{
    double            exp;
    char             *tok;
    jwtgate_token_t  *t;

    (void) state;

    /* beyond what an int64 holds: jansson refuses the whole text */
    assert_int_equal(fx_rc(RS, "{\"exp\":99999999999999999999}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc(RS, "{\"exp\":1e400}"), JWTGATE_ERR_MALFORMED);

    /* Integers above 2^53 are outside the NumericDate range [0, 2^53];
     * 2^53 + 1 is compared as an integer, not rounded to 2^53 first. */
    assert_int_equal(fx_rc(RS, "{\"exp\":9007199254740992}"), JWTGATE_OK);
    assert_int_equal(fx_rc(RS, "{\"exp\":9007199254740993}"),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(fx_rc(RS, "{\"exp\":9007199254740994}"),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(fx_rc(RS, "{\"exp\":9223372036854775807}"),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);

    /* jwtgate_token_exp() */
    tok = fx_token(RS, "{\"exp\":1300819380}");
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_token_exp(t, &exp), 0);
    assert_true(exp == 1300819380.0);
    jwtgate_token_free(t);
    free(tok);

    tok = fx_token(RS, "{\"exp\":1.25}");
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_token_exp(t, &exp), 0);
    assert_true(exp == 1.25);
    jwtgate_token_free(t);
    free(tok);

    tok = fx_token(RS, "{}");
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_token_exp(t, &exp), -1);
    jwtgate_token_free(t);
    free(tok);
}


/* limits */

static void
test_limit_token(void **state)
{
    char              *tok, *pay;
    size_t             len;
    jwtgate_limits_t   limits;
    jwtgate_token_t   *t;

    (void) state;

    /* default: 16384 bytes; the check comes before anything else */
    tok = build("", 'A', JWTGATE_MAX_TOKEN + 1, "");
    assert_int_equal(raw_rc(tok), JWTGATE_ERR_TOO_LARGE);
    free(tok);

    pay = build("{\"x\":\"", 'a', 13000, "\"}");
    tok = fx_token(RS, pay);
    assert_true(strlen(tok) > JWTGATE_MAX_TOKEN);
    assert_int_equal(raw_rc(tok), JWTGATE_ERR_TOO_LARGE);
    free(tok);
    free(pay);

    /* exactly at the limit passes, one byte over does not */
    tok = fx_token(RS, "{\"sub\":\"x\"}");
    len = strlen(tok);

    jwtgate_limits_init(&limits);
    limits.max_token = len;
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    jwtgate_token_free(t);

    limits.max_token = len - 1;
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_ERR_TOO_LARGE);
    free(tok);

    /* the glue can lower the limits: 100 bytes */
    limits.max_token = 100;

    pay = build("{\"x\":\"", 'a', 30, "\"}");
    tok = fx_token(RS, pay);
    assert_true(strlen(tok) <= 100);
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    jwtgate_token_free(t);
    free(tok);
    free(pay);

    pay = build("{\"x\":\"", 'a', 60, "\"}");
    tok = fx_token(RS, pay);
    assert_true(strlen(tok) > 100);
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_ERR_TOO_LARGE);
    free(tok);
    free(pay);
}


static void
test_limit_header(void **state)
{
    char              *hdr, *tok;
    size_t             len;
    jwtgate_limits_t   limits;
    jwtgate_token_t   *t;

    (void) state;

    /* an encoded header over 8192 bytes in a token under 16384 */
    hdr = build("{\"alg\":\"RS256\",\"x\":\"", 'a', 6200, "\"}");
    tok = fx_token(hdr, "{}");
    assert_true(strchr(tok, '.') - tok > JWTGATE_MAX_HEADER);
    assert_true(strlen(tok) <= JWTGATE_MAX_TOKEN);
    assert_int_equal(raw_rc(tok), JWTGATE_ERR_TOO_LARGE);
    free(tok);
    free(hdr);

    /* the boundary, on the encoded length */
    tok = fx_token("{\"alg\":\"RS256\",\"kid\":\"k\"}", "{}");
    len = (size_t) (strchr(tok, '.') - tok);

    jwtgate_limits_init(&limits);
    limits.max_header = len;
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    jwtgate_token_free(t);

    limits.max_header = len - 1;
    assert_int_equal(fx_parse(tok, &limits, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_ERR_TOO_LARGE);
    free(tok);
}


static void
test_limit_depth(void **state)
{
    char              *json;
    jwtgate_rc_t       rc;
    jwtgate_limits_t   limits;

    (void) state;

    /* the payload object itself is depth 1 */
    json = nested_objects(JWTGATE_MAX_DEPTH);
    assert_int_equal(fx_rc(RS, json), JWTGATE_OK);
    free(json);

    json = nested_objects(JWTGATE_MAX_DEPTH + 1);
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    json = nested_arrays(JWTGATE_MAX_DEPTH);
    assert_int_equal(fx_rc(RS, json), JWTGATE_OK);
    free(json);

    json = nested_arrays(JWTGATE_MAX_DEPTH + 1);
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    /* in the header too */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"x\":[[[[[[[[[[[[[[[[1]]]]]]]"
                           "]]]]]]]]]}", "{}"),
                     JWTGATE_ERR_TOO_LARGE);

    /* a lowered limit */
    jwtgate_limits_init(&limits);
    limits.max_depth = 2;
    assert_int_equal(rc_limits_algs(RS, "{\"a\":{\"b\":1}}", &limits,
                                    JWTGATE_ALGS_ALL),
                     JWTGATE_OK);
    assert_int_equal(rc_limits_algs(RS, "{\"a\":{\"b\":[]}}", &limits,
                                    JWTGATE_ALGS_ALL),
                     JWTGATE_ERR_TOO_LARGE);

    /* very deep: refused (by our limit or by jansson's own), no crash;
     * 5000 arrays still fit in a 16 KB token */
    json = nested_arrays(1000);
    rc = fx_rc(RS, json);
    assert_true(rc == JWTGATE_ERR_TOO_LARGE || rc == JWTGATE_ERR_MALFORMED);
    free(json);

    json = nested_arrays(5000);
    rc = fx_rc(RS, json);
    assert_true(rc == JWTGATE_ERR_TOO_LARGE || rc == JWTGATE_ERR_MALFORMED);
    free(json);
}


static void
test_limit_string(void **state)
{
    char              *json;
    jwtgate_limits_t   limits;

    (void) state;

    json = build("{\"x\":\"", 'a', JWTGATE_MAX_STRING, "\"}");
    assert_int_equal(fx_rc(RS, json), JWTGATE_OK);
    free(json);

    json = build("{\"x\":\"", 'a', JWTGATE_MAX_STRING + 1, "\"}");
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    /* in an array, and as a member name */
    json = build("{\"x\":[\"", 'a', JWTGATE_MAX_STRING + 1, "\"]}");
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    json = build("{\"", 'k', JWTGATE_MAX_STRING + 1, "\":1}");
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    /* counted in bytes after unescaping (the header's "RS256" is 5) */
    jwtgate_limits_init(&limits);
    limits.max_string = 5;
    assert_int_equal(rc_limits_algs(RS, "{\"x\":\"\\u0041\\u0042\\u0043\\u0044"
                                    "\\u0045\"}", &limits, JWTGATE_ALGS_ALL),
                     JWTGATE_OK);
    /* U+00E9 is 2 bytes in UTF-8 */
    assert_int_equal(rc_limits_algs(RS, "{\"x\":\"abc\\u00e9\"}", &limits,
                                    JWTGATE_ALGS_ALL),
                     JWTGATE_OK);
    assert_int_equal(rc_limits_algs(RS, "{\"x\":\"abcd\\u00e9\"}", &limits,
                                    JWTGATE_ALGS_ALL),
                     JWTGATE_ERR_TOO_LARGE);
    /* and the header's own strings */
    assert_int_equal(rc_limits_algs("{\"alg\":\"RS256\",\"kid\":\"abcdef\"}",
                                    "{}", &limits, JWTGATE_ALGS_ALL),
                     JWTGATE_ERR_TOO_LARGE);
}


static void
test_limit_members(void **state)
{
    char  *json, *arr;

    (void) state;

    json = wide(JWTGATE_MAX_MEMBERS, 0);
    assert_int_equal(fx_rc(RS, json), JWTGATE_OK);
    free(json);

    json = wide(JWTGATE_MAX_MEMBERS + 1, 0);
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    /* arrays count their elements */
    arr = wide(JWTGATE_MAX_MEMBERS, 1);
    json = concat("{\"a\":", arr, "}");
    free(arr);
    assert_int_equal(fx_rc(RS, json), JWTGATE_OK);
    free(json);

    arr = wide(JWTGATE_MAX_MEMBERS + 1, 1);
    json = concat("{\"a\":", arr, "}");
    free(arr);
    assert_int_equal(fx_rc(RS, json), JWTGATE_ERR_TOO_LARGE);
    free(json);

    /* in the header too: "alg" and 256 more */
    arr = wide(JWTGATE_MAX_MEMBERS, 0);
    json = concat("{\"alg\":\"RS256\",", arr + 1, "");
    free(arr);
    assert_int_equal(fx_rc(json, "{}"), JWTGATE_ERR_TOO_LARGE);
    /* one member fewer: 256 in all */
    memcpy(strrchr(json, ','), "}", 2);
    assert_int_equal(fx_rc(json, "{}"), JWTGATE_OK);
    free(json);
}


/* text and encoding */

static void
test_json_text_encoding(void **state)
{
    char               *tok;
    size_t              i;
    static const char  *bad[] = {
        "{\"x\":\"\xff\"}",                 /* not UTF-8 */
        "{\"x\":\"\xc3\"}",                 /* truncated sequence */
        "{\"x\":\"\xc0\xaf\"}",             /* overlong '/' */
        "{\"x\":\"\xed\xa0\x80\"}",         /* UTF-8 encoded surrogate */
        "{\"\xfe\":1}",                     /* in a member name */
        "{\"x\":\"\\u0000\"}",              /* NUL */
        "{\"x\\u0000y\":1}",
        "{\"x\":\"\\ud800\"}",              /* lone surrogate */
        "{\"x\":\"\\udc00\\ud800\"}",
        "{\"x\":\"a\tb\"}",                 /* raw control character */
        "{\"x\":'a'}",
        "{x:1}",
        "{\"x\":1,}",
        "{\"x\":01}",
        "{\"x\":NaN}",
        "{\"x\":1} {}",                     /* trailing text */
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(fx_rc(RS, bad[i]), JWTGATE_ERR_MALFORMED);
    }

    /* a NUL byte after the payload's closing brace */
    tok = fx_token_n(RS, strlen(RS), "{}\0", 3, "c2ln");
    assert_int_equal(raw_rc(tok), JWTGATE_ERR_MALFORMED);
    free(tok);

    /* and in the header */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"kid\":\"\xff\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    tok = fx_token_n(RS "\0", strlen(RS) + 1, "{}", 2, "c2ln");
    assert_int_equal(raw_rc(tok), JWTGATE_ERR_MALFORMED);
    free(tok);

    /* valid UTF-8, escaped or not, and a surrogate pair are fine */
    assert_int_equal(fx_rc(RS, "{\"x\":\"caf\xc3\xa9 \\u00e9 "
                               "\\ud83d\\ude00\"}"),
                     JWTGATE_OK);
}


static void
test_segments(void **state)
{
    char                nul[30];
    size_t              i;
    jwtgate_token_t    *t;
    jwtgate_limits_t    limits;
    static const char  *bad[] = {
        /* base64url, not JSON: "hello" */
        "aGVsbG8.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.aGVsbG8.c2ln",
        /* "{" alone */
        "ew.e30.c2ln",
        /* padding */
        "eyJhbGciOiJSUzI1NiJ9.e30=.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln=",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmE=",
        /* whitespace, inside and around */
        "eyJhbGciOiJSUzI1NiJ9.e30.c2 ln",
        " eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln ",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln\r\n",
        "eyJhbGciOiJSUzI1NiJ9\n.e30.c2ln",
        /* the standard alphabet */
        "eyJhbGciOiJSUzI1NiJ9.e30.c2l+",
        /* shapes */
        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30.",
        "eyJhbGciOiJSUzI1NiJ9..c2ln",
        ".e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30",
        "eyJhbGciOiJSUzI1NiJ9",
        "...",
        ".",
        /* impossible or non-canonical base64url lengths and bits */
        "eyJhbGciOiJSUzI1NiJ9.e30.c",
        "eyJhbGciOiJSUzI1NiJ9.e31.c2ln",
        "eyJhbGciOiJSUzI1NiJ9.e30.c2l",
        "eyJhbGciOiJSUzI1NiJ9A.e30.c2ln",
        "eyJhbGciOiJSUzI1NiJ8.e30.c2ln",
    };

    (void) state;

    assert_int_equal(raw_rc("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), JWTGATE_OK);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(raw_rc(bad[i]), JWTGATE_ERR_MALFORMED);
    }

    assert_int_equal(raw_rc(""), JWTGATE_ERR_MISSING);

    /* a NUL inside is part of the token, not its end */
    memcpy(nul, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", sizeof(nul));
    nul[10] = '\0';
    jwtgate_limits_init(&limits);
    assert_int_equal(jwtgate_token_parse(nul, sizeof(nul) - 1, &limits,
                                         JWTGATE_ALGS_ALL, &t),
                     JWTGATE_ERR_MALFORMED);
    assert_null(t);
}


/* accessors */

static void
test_accessors(void **state)
{
    char              *tok;
    size_t             len;
    const char        *text;
    const json_t      *v;
    jwtgate_token_t   *t;
    static const char  payload[] =
        "{ \"sub\" : \"alice\",\n \"realm_access\":{\"roles\":[\"a\",\"b\"]}}";

    (void) state;

    tok = fx_token("{\"kid\":\"key-1\",\"alg\":\"ES384\",\"typ\":\"JWT\"}",
                   payload);
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);

    assert_int_equal(jwtgate_token_alg(t), JWTGATE_ALG_ES384);
    assert_string_equal(jwtgate_alg_name(jwtgate_token_alg(t)), "ES384");
    assert_string_equal(jwtgate_token_kid(t), "key-1");

    /* the payload text exactly as sent, whitespace included */
    text = jwtgate_token_payload_text(t, &len);
    assert_int_equal(len, strlen(payload));
    assert_memory_equal(text, payload, len);
    assert_int_equal(text[len], '\0');

    v = json_object_get(jwtgate_token_header(t), "typ");
    assert_string_equal(json_string_value(v), "JWT");

    v = json_object_get(jwtgate_token_payload(t), "sub");
    assert_string_equal(json_string_value(v), "alice");

    jwtgate_token_free(t);
    free(tok);

    /* no kid */
    tok = fx_token(RS, "{}");
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);
    assert_null(jwtgate_token_kid(t));
    jwtgate_token_free(t);
    free(tok);

    jwtgate_token_free(NULL);
}


static void
test_json_path(void **state)
{
    json_t             *root;
    const json_t       *v;
    static const char  *roles[] = { "realm_access", "roles" };
    static const char  *missing[] = { "realm_access", "nope" };
    static const char  *through[] = { "realm_access", "roles", "x" };
    static const char  *scalar[] = { "sub", "x" };
    static const char  *dotted[] = { "a.b" };

    (void) state;

    root = json_loads("{\"sub\":\"alice\",\"a.b\":1,"
                      "\"realm_access\":{\"roles\":[\"a\",\"b\"]}}",
                      0, NULL);
    assert_non_null(root);

    v = jwtgate_json_path(root, roles, 2);
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(json_string_value(json_array_get(v, 1)), "b");

    v = jwtgate_json_path(root, roles, 1);
    assert_true(json_is_object(v));

    assert_ptr_equal(jwtgate_json_path(root, roles, 0), root);

    assert_null(jwtgate_json_path(root, missing, 2));
    assert_null(jwtgate_json_path(root, through, 3));
    assert_null(jwtgate_json_path(root, scalar, 2));

    /* names are taken whole: no dot splitting */
    v = jwtgate_json_path(root, dotted, 1);
    assert_int_equal(json_integer_value(v), 1);

    assert_null(jwtgate_json_path(NULL, roles, 1));

    json_decref(root);
}


/* jwtgate_json_format() on the value parsed from json, compared with
 * expect */

static void
check_format(const char *json, const char *expect)
{
    char     buf[256];
    json_t  *v;
    size_t   n;

    v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);

    memset(buf, '#', sizeof(buf));
    n = jwtgate_json_format(v, buf, sizeof(buf));
    assert_int_equal(n, strlen(expect));
    assert_memory_equal(buf, expect, n);
    /* not NUL-terminated, nothing written beyond */
    assert_int_equal(buf[n], '#');

    /* the length alone */
    assert_int_equal(jwtgate_json_format(v, NULL, 0), n);

    json_decref(v);
}


static void
test_json_format(void **state)
{
    (void) state;

    check_format("\"alice\"", "alice");
    check_format("\"\"", "");
    check_format("\"a,b \\\"c\\\"\"", "a,b \"c\"");
    check_format("\"caf\\u00e9\"", "caf\xc3\xa9");
    check_format("42", "42");
    check_format("-7", "-7");
    check_format("1300819380", "1300819380");
    check_format("1.5", "1.5");
    check_format("true", "true");
    check_format("false", "false");
    check_format("null", "null");
    check_format("[\"a\",\"b\"]", "a,b");
    check_format("[\"a\",1,true,null,2.5]", "a,1,true,null,2.5");
    check_format("[\"only\"]", "only");
    check_format("[]", "");
    check_format("[\"a\",{\"b\":1}]", "[\"a\",{\"b\":1}]");
    check_format("[[1,2],3]", "[[1,2],3]");
    check_format("{\"b\": [1, 2], \"a\": \"x\"}",
                 "{\"b\":[1,2],\"a\":\"x\"}");
    check_format("{}", "{}");
}


static void
test_json_format_small_buffer(void **state)
{
    char     buf[16];
    size_t   i, n;
    json_t  *v;
    static const char  *json[] = {
        "\"abcdefghij\"",
        "1234567890",
        "[\"abc\",\"def\",\"ghi\"]",
        "[1,22,333]",
        "{\"abc\":\"defgh\"}",
        "[{\"a\":1},2]",
    };
    static const size_t  full[] = { 10, 10, 11, 8, 15, 11 };

    (void) state;

    for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
        v = json_loads(json[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);

        /* snprintf-like: the full length, at most size bytes written */
        for (n = 0; n < full[i]; n++) {
            memset(buf, '#', sizeof(buf));
            assert_int_equal(jwtgate_json_format(v, buf, n), full[i]);
            assert_int_equal(buf[n], '#');
        }

        assert_int_equal(jwtgate_json_format(v, buf, full[i]), full[i]);

        json_decref(v);
    }

    /* a prefix of what fits, for strings and scalar arrays */
    v = json_loads("[\"abc\",\"def\"]", 0, NULL);
    memset(buf, '#', sizeof(buf));
    assert_int_equal(jwtgate_json_format(v, buf, 5), 7);
    assert_memory_equal(buf, "abc,d#", 6);
    json_decref(v);
}


/* claims */

static jwtgate_rc_t
claims_rc(const char *payload, const jwtgate_claims_policy_t *policy)
{
    char             *tok;
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    tok = fx_token(RS, payload);
    assert_int_equal(fx_parse(tok, NULL, JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);

    rc = jwtgate_check_claims(t, policy);

    jwtgate_token_free(t);
    free(tok);

    return rc;
}


/* a payload with one time claim at now + delta */

static jwtgate_rc_t
time_rc(const char *claim, long delta, long leeway)
{
    char                     payload[64];
    jwtgate_claims_policy_t  policy;

    snprintf(payload, sizeof(payload), "{\"%s\":%ld}", claim, NOW + delta);

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.leeway = leeway;

    return claims_rc(payload, &policy);
}


static void
test_claims_exp(void **state)
{
    jwtgate_claims_policy_t  policy;

    (void) state;

    assert_int_equal(time_rc("exp", 0, 0), JWTGATE_ERR_EXPIRED);
    assert_int_equal(time_rc("exp", 1, 0), JWTGATE_OK);
    assert_int_equal(time_rc("exp", -1, 0), JWTGATE_ERR_EXPIRED);
    assert_int_equal(time_rc("exp", -1000000, 0), JWTGATE_ERR_EXPIRED);

    /* leeway: expired 5 s ago is fine with 10 s, not with 5 s */
    assert_int_equal(time_rc("exp", -5, 10), JWTGATE_OK);
    assert_int_equal(time_rc("exp", -5, 6), JWTGATE_OK);
    assert_int_equal(time_rc("exp", -5, 5), JWTGATE_ERR_EXPIRED);
    assert_int_equal(time_rc("exp", 0, 1), JWTGATE_OK);

    /* fractions */
    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    assert_int_equal(claims_rc("{\"exp\":1700000000.5}", &policy),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"exp\":1699999999.5}", &policy),
                     JWTGATE_ERR_EXPIRED);
}


static void
test_claims_nbf_iat(void **state)
{
    (void) state;

    assert_int_equal(time_rc("nbf", 10, 0), JWTGATE_ERR_NOT_YET_VALID);
    assert_int_equal(time_rc("nbf", 1, 0), JWTGATE_ERR_NOT_YET_VALID);
    assert_int_equal(time_rc("nbf", 0, 0), JWTGATE_OK);
    assert_int_equal(time_rc("nbf", -10, 0), JWTGATE_OK);
    assert_int_equal(time_rc("nbf", 10, 10), JWTGATE_OK);
    assert_int_equal(time_rc("nbf", 10, 9), JWTGATE_ERR_NOT_YET_VALID);

    assert_int_equal(time_rc("iat", 100, 10), JWTGATE_ERR_ISSUED_IN_FUTURE);
    assert_int_equal(time_rc("iat", 11, 10), JWTGATE_ERR_ISSUED_IN_FUTURE);
    assert_int_equal(time_rc("iat", 10, 10), JWTGATE_OK);
    assert_int_equal(time_rc("iat", 0, 0), JWTGATE_OK);
    assert_int_equal(time_rc("iat", -86400, 0), JWTGATE_OK);
}


static void
test_claims_require_exp(void **state)
{
    jwtgate_claims_policy_t  policy;

    (void) state;

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;

    policy.require_exp = 1;
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_ERR_MISSING_EXP);
    assert_int_equal(claims_rc("{\"nbf\":0,\"iat\":0}", &policy),
                     JWTGATE_ERR_MISSING_EXP);
    assert_int_equal(claims_rc("{\"exp\":1800000000}", &policy), JWTGATE_OK);

    policy.require_exp = 0;
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_OK);

    /* expiry is reported before the other checks */
    policy.require_exp = 1;
    assert_int_equal(claims_rc("{\"exp\":1,\"nbf\":1800000000}", &policy),
                     JWTGATE_ERR_EXPIRED);
}


static void
test_claims_issuer(void **state)
{
    jwtgate_claims_policy_t  policy;
    static const char       *issuers[] = {
        "https://a.example/", "https://b.example/"
    };

    (void) state;

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.issuers = issuers;
    policy.n_issuers = 2;

    assert_int_equal(claims_rc("{\"iss\":\"https://a.example/\"}", &policy),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"iss\":\"https://b.example/\"}", &policy),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"iss\":\"https://c.example/\"}", &policy),
                     JWTGATE_ERR_BAD_ISSUER);
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_ERR_BAD_ISSUER);

    /* exact: no prefix, suffix or case folding */
    assert_int_equal(claims_rc("{\"iss\":\"https://a.example\"}", &policy),
                     JWTGATE_ERR_BAD_ISSUER);
    assert_int_equal(claims_rc("{\"iss\":\"https://a.example/x\"}", &policy),
                     JWTGATE_ERR_BAD_ISSUER);
    assert_int_equal(claims_rc("{\"iss\":\"HTTPS://A.EXAMPLE/\"}", &policy),
                     JWTGATE_ERR_BAD_ISSUER);
    assert_int_equal(claims_rc("{\"iss\":\"\"}", &policy),
                     JWTGATE_ERR_BAD_ISSUER);

    /* no issuer list: not checked */
    policy.n_issuers = 0;
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_OK);
    assert_int_equal(claims_rc("{\"iss\":\"anyone\"}", &policy), JWTGATE_OK);
}


static void
test_claims_audience(void **state)
{
    jwtgate_claims_policy_t  policy;
    static const char       *audiences[] = { "api", "web" };

    (void) state;

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.audiences = audiences;
    policy.n_audiences = 2;

    assert_int_equal(claims_rc("{\"aud\":\"api\"}", &policy), JWTGATE_OK);
    assert_int_equal(claims_rc("{\"aud\":\"web\"}", &policy), JWTGATE_OK);
    assert_int_equal(claims_rc("{\"aud\":\"other\"}", &policy),
                     JWTGATE_ERR_BAD_AUDIENCE);
    assert_int_equal(claims_rc("{\"aud\":\"ap\"}", &policy),
                     JWTGATE_ERR_BAD_AUDIENCE);
    assert_int_equal(claims_rc("{\"aud\":\"apix\"}", &policy),
                     JWTGATE_ERR_BAD_AUDIENCE);

    /* any of an array */
    assert_int_equal(claims_rc("{\"aud\":[\"x\",\"web\"]}", &policy),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"aud\":[\"api\"]}", &policy), JWTGATE_OK);
    assert_int_equal(claims_rc("{\"aud\":[\"x\",\"y\"]}", &policy),
                     JWTGATE_ERR_BAD_AUDIENCE);
    assert_int_equal(claims_rc("{\"aud\":[]}", &policy),
                     JWTGATE_ERR_BAD_AUDIENCE);

    /* absent */
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_ERR_BAD_AUDIENCE);

    /* no audience list: not checked */
    policy.n_audiences = 0;
    assert_int_equal(claims_rc("{}", &policy), JWTGATE_OK);
    assert_int_equal(claims_rc("{\"aud\":\"other\"}", &policy), JWTGATE_OK);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_alg_none_in_any_case),
        cmocka_unit_test(test_alg_none_unsecured),
        cmocka_unit_test(test_alg_unknown),
        cmocka_unit_test(test_alg_outside_the_mask),
        cmocka_unit_test(test_alg_missing_or_not_a_string),
        cmocka_unit_test(test_every_alg_name_parses),
        cmocka_unit_test(test_duplicate_members),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_header_member_types),
        cmocka_unit_test(test_crit_and_b64),
        cmocka_unit_test(test_claim_types),
        cmocka_unit_test(test_claim_numbers_at_the_edges),
        cmocka_unit_test(test_limit_token),
        cmocka_unit_test(test_limit_header),
        cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_limit_string),
        cmocka_unit_test(test_limit_members),
        cmocka_unit_test(test_json_text_encoding),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_json_path),
        cmocka_unit_test(test_json_format),
        cmocka_unit_test(test_json_format_small_buffer),
        cmocka_unit_test(test_claims_exp),
        cmocka_unit_test(test_claims_nbf_iat),
        cmocka_unit_test(test_claims_require_exp),
        cmocka_unit_test(test_claims_issuer),
        cmocka_unit_test(test_claims_audience),
    };

    return cmocka_run_group_tests_name("token parsing and claims", tests,
                                       NULL, NULL);
}
