/*
 * Integer "sub" and "jti" (JWTGATE_PARSE_NUMERIC_IDS and the policy's
 * numeric_ids), the detail of a bad_claim_type, iat_leeway, and "typ"
 * compared as a media type (jwtgate_media_type_norm(), the policy's
 * typs).
 *
 * Tokens are built here from JSON text with a dummy signature: parsing
 * and the claim checks need no real one.
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

#define RS    "{\"alg\":\"RS256\"}"


static jwtgate_rc_t
parse(const char *header, const char *payload, unsigned flags,
    jwtgate_detail_t *detail, jwtgate_token_t **t)
{
    char             *tok;
    jwtgate_rc_t      rc;
    jwtgate_limits_t  limits;

    jwtgate_limits_init(&limits);

    tok = fx_token(header, payload);
    rc = jwtgate_token_parse_flags(tok, strlen(tok), &limits,
                                   JWTGATE_ALGS_ALL, flags, detail, t);
    free(tok);

    if (rc != JWTGATE_OK) {
        assert_null(*t);
    }

    return rc;
}


static jwtgate_rc_t
parse_rc(const char *payload, unsigned flags)
{
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    rc = parse(RS, payload, flags, NULL, &t);
    jwtgate_token_free(t);

    return rc;
}


/* the detail of a parse that must fail as bad_claim_type */

static void
assert_detail(const char *payload, unsigned flags, const char *member,
    const char *what, int numeric_id)
{
    jwtgate_token_t   *t;
    jwtgate_detail_t   detail;

    assert_int_equal(parse(RS, payload, flags, &detail, &t),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_non_null(detail.member);
    assert_string_equal(detail.member, member);
    assert_string_equal(detail.what, what);
    assert_int_equal(detail.numeric_id, numeric_id);
}


static void
test_numeric_ids_off(void **state)
{
    jwtgate_token_t   *t;
    jwtgate_detail_t   detail;

    (void) state;

    /* strict by default, and with the plain entry point */
    assert_int_equal(parse_rc("{\"sub\":42}", 0), JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(parse_rc("{\"jti\":7}", 0), JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(parse_rc("{\"sub\":\"42\"}", 0), JWTGATE_OK);

    assert_detail("{\"sub\":42}", 0, "sub", "a number", 1);
    assert_detail("{\"jti\":0}", 0, "jti", "a number", 1);
    assert_detail("{\"sub\":-1}", 0, "sub", "a negative number", 0);
    assert_detail("{\"sub\":4.2}", 0, "sub",
                  "a number that is not an integer", 0);

    /* a good token leaves no detail behind */
    detail.member = "x";
    assert_int_equal(parse(RS, "{\"sub\":\"a\"}", 0, &detail, &t),
                     JWTGATE_OK);
    assert_null(detail.member);
    assert_null(jwtgate_token_numeric_id(t));
    jwtgate_token_free(t);
}


static void
test_numeric_ids_on(void **state)
{
    unsigned  on;

    (void) state;

    on = JWTGATE_PARSE_NUMERIC_IDS;

    assert_int_equal(parse_rc("{\"sub\":42}", on), JWTGATE_OK);
    assert_int_equal(parse_rc("{\"jti\":42}", on), JWTGATE_OK);
    assert_int_equal(parse_rc("{\"sub\":0,\"jti\":1}", on), JWTGATE_OK);
    assert_int_equal(parse_rc("{\"sub\":9223372036854775807}", on),
                     JWTGATE_OK);
    assert_int_equal(parse_rc("{\"sub\":\"alice\"}", on), JWTGATE_OK);

    /* not integers in [0, 2^63) */
    assert_detail("{\"sub\":1e3}", on, "sub",
                  "a number that is not an integer", 0);
    assert_detail("{\"sub\":1.0}", on, "sub",
                  "a number that is not an integer", 0);
    assert_detail("{\"sub\":4.2}", on, "sub",
                  "a number that is not an integer", 0);
    assert_detail("{\"sub\":-1}", on, "sub", "a negative number", 0);
    assert_detail("{\"sub\":-0}", on, "sub", "a negative number", 0);
    assert_detail("{\"jti\":-5}", on, "jti", "a negative number", 0);
    assert_detail("{\"sub\":true}", on, "sub", "true", 0);
    assert_detail("{\"sub\":null}", on, "sub", "null", 0);
    assert_detail("{\"sub\":[1]}", on, "sub", "an array", 0);
    assert_detail("{\"sub\":{\"id\":1}}", on, "sub", "an object", 0);

    /* beyond 64 bits no JSON reader here holds it exactly: malformed */
    assert_int_equal(parse_rc("{\"sub\":9223372036854775808}", on),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(parse_rc("{\"sub\":18446744073709551616}", on),
                     JWTGATE_ERR_MALFORMED);

    /* two of them, the second a number or not */
    assert_int_equal(parse_rc("{\"sub\":\"1\",\"sub\":1}", on),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(parse_rc("{\"sub\":1,\"sub\":1}", on),
                     JWTGATE_ERR_MALFORMED);

    /* the other members stay as strict as before */
    assert_detail("{\"sub\":1,\"iss\":42}", on, "iss", "a number", 0);
    assert_detail("{\"sub\":1,\"exp\":\"1800000000\"}", on, "exp",
                  "a string", 0);
    assert_detail("{\"exp\":1e300}", on, "exp", "a number outside [0, 2^53]",
                  0);
    assert_detail("{\"iat\":-1}", on, "iat", "a number outside [0, 2^53]",
                  0);
    assert_detail("{\"aud\":[\"a\",1]}", on, "aud",
                  "an array holding a non-string", 0);
    assert_detail("{\"aud\":1}", on, "aud", "a number", 0);
}


static void
test_numeric_ids_tree(void **state)
{
    const json_t     *payload, *v;
    jwtgate_token_t  *t;

    (void) state;

    assert_int_equal(parse(RS, "{\"sub\":9223372036854775807,\"jti\":42,"
                           "\"n\":42}", JWTGATE_PARSE_NUMERIC_IDS, NULL, &t),
                     JWTGATE_OK);
    assert_string_equal(jwtgate_token_numeric_id(t), "sub");

    payload = jwtgate_token_payload(t);
    assert_non_null(payload);

    v = json_object_get(payload, "sub");
    assert_true(json_is_string(v));
    assert_string_equal(json_string_value(v), "9223372036854775807");

    v = json_object_get(payload, "jti");
    assert_true(json_is_string(v));
    assert_string_equal(json_string_value(v), "42");

    /* only the ids: another integer stays a number */
    assert_true(json_is_integer(json_object_get(payload, "n")));

    jwtgate_token_free(t);

    assert_int_equal(parse(RS, "{\"jti\":7}", JWTGATE_PARSE_NUMERIC_IDS,
                           NULL, &t),
                     JWTGATE_OK);
    assert_string_equal(jwtgate_token_numeric_id(t), "jti");
    assert_string_equal(json_string_value(
                            json_object_get(jwtgate_token_payload(t), "jti")),
                        "7");
    assert_null(json_object_get(jwtgate_token_payload(t), "sub"));
    jwtgate_token_free(t);
}


static jwtgate_rc_t
claims_rc(const char *header, const char *payload, unsigned flags,
    const jwtgate_claims_policy_t *policy)
{
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    assert_int_equal(parse(header, payload, flags, NULL, &t), JWTGATE_OK);
    rc = jwtgate_check_claims(t, policy);
    jwtgate_token_free(t);

    return rc;
}


static void
test_numeric_ids_policy(void **state)
{
    jwtgate_claims_policy_t  policy;

    (void) state;

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;

    /* parsed where they are allowed, checked where they are not */
    assert_int_equal(claims_rc(RS, "{\"sub\":42}", JWTGATE_PARSE_NUMERIC_IDS,
                               &policy),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(claims_rc(RS, "{\"jti\":42}", JWTGATE_PARSE_NUMERIC_IDS,
                               &policy),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(claims_rc(RS, "{\"sub\":\"42\"}",
                               JWTGATE_PARSE_NUMERIC_IDS, &policy),
                     JWTGATE_OK);

    policy.numeric_ids = 1;
    assert_int_equal(claims_rc(RS, "{\"sub\":42,\"jti\":1}",
                               JWTGATE_PARSE_NUMERIC_IDS, &policy),
                     JWTGATE_OK);
}


static jwtgate_rc_t
iat_rc(long delta, long leeway, long iat_leeway)
{
    char                     payload[64];
    jwtgate_claims_policy_t  policy;

    snprintf(payload, sizeof(payload), "{\"iat\":%ld}", NOW + delta);

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.leeway = leeway;
    policy.iat_leeway = iat_leeway;

    return claims_rc(RS, payload, 0, &policy);
}


static void
test_iat_leeway(void **state)
{
    char                     payload[96];
    jwtgate_claims_policy_t  policy;

    (void) state;

    /* 60 s ahead passes with 60, 61 does not */
    assert_int_equal(iat_rc(60, 0, 60), JWTGATE_OK);
    assert_int_equal(iat_rc(1, 0, 60), JWTGATE_OK);
    assert_int_equal(iat_rc(61, 0, 60), JWTGATE_ERR_ISSUED_IN_FUTURE);
    assert_int_equal(iat_rc(3600, 0, 60), JWTGATE_ERR_ISSUED_IN_FUTURE);

    /* 0: strict */
    assert_int_equal(iat_rc(1, 0, 0), JWTGATE_ERR_ISSUED_IN_FUTURE);
    assert_int_equal(iat_rc(0, 0, 0), JWTGATE_OK);

    /* the larger of the two */
    assert_int_equal(iat_rc(100, 120, 60), JWTGATE_OK);
    assert_int_equal(iat_rc(121, 120, 60), JWTGATE_ERR_ISSUED_IN_FUTURE);
    assert_int_equal(iat_rc(100, 30, 120), JWTGATE_OK);
    assert_int_equal(iat_rc(121, 30, 120), JWTGATE_ERR_ISSUED_IN_FUTURE);

    /* it widens iat only: nbf and exp keep leeway */
    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.iat_leeway = 60;

    snprintf(payload, sizeof(payload), "{\"nbf\":%ld}", NOW + 10);
    assert_int_equal(claims_rc(RS, payload, 0, &policy),
                     JWTGATE_ERR_NOT_YET_VALID);

    snprintf(payload, sizeof(payload), "{\"exp\":%ld}", NOW - 10);
    assert_int_equal(claims_rc(RS, payload, 0, &policy),
                     JWTGATE_ERR_EXPIRED);
}


static void
assert_norm(const char *in, const char *out)
{
    char    buf[JWTGATE_MEDIA_TYPE_MAX];
    size_t  n;

    assert_true(strlen(in) <= sizeof(buf));

    n = jwtgate_media_type_norm(in, strlen(in), buf);

    if (out == NULL) {
        assert_true(n == (size_t) -1);
        return;
    }

    assert_true(n == strlen(out));
    assert_memory_equal(buf, out, n);
}


static void
test_media_type_norm(void **state)
{
    (void) state;

    assert_norm("at+jwt", "at+jwt");
    assert_norm("AT+JWT", "at+jwt");
    assert_norm("application/at+jwt", "at+jwt");
    assert_norm("Application/AT+JWT", "at+jwt");
    assert_norm("APPLICATION/jwt", "jwt");
    assert_norm("JWT", "jwt");
    assert_norm("vnd.example.token+jwt", "vnd.example.token+jwt");

    /* hostile shapes */
    assert_norm("", NULL);
    assert_norm("application/", NULL);
    assert_norm("APPLICATION/", NULL);
    assert_norm("xapplication/at+jwt", NULL);
    assert_norm("application/foo/at+jwt", NULL);
    assert_norm("application/application/at+jwt", NULL);
    assert_norm("text/at+jwt", NULL);
    assert_norm("/at+jwt", NULL);
    assert_norm("at+jwt; charset=x", NULL);
    assert_norm("at+jwt;charset=x", NULL);
    assert_norm(" at+jwt", NULL);
    assert_norm("at+jwt ", NULL);
    assert_norm("at jwt", NULL);
    assert_norm("+jwt", NULL);
    assert_norm("at\"jwt", NULL);
    assert_norm("at+jwt\xc2\xa0", NULL);
    assert_norm("\xe2\x84\xaa", NULL);      /* KELVIN SIGN, not 'k' */

    /* at most 127 characters after the prefix */
    assert_true(jwtgate_media_type_norm(
        "application/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaa", 12 + 127, (char [139]) { 0 }) == 127);
    assert_true(jwtgate_media_type_norm(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        128, (char [139]) { 0 }) == (size_t) -1);

    /* a NUL is not one of the punctuation characters */
    assert_true(jwtgate_media_type_norm("a\0b", 3, (char [8]) { 0 })
                == (size_t) -1);
}


static jwtgate_rc_t
typ_rc(const char *header, const char *const *typs, size_t n)
{
    jwtgate_claims_policy_t  policy;

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.typs = typs;
    policy.n_typs = n;

    return claims_rc(header, "{}", 0, &policy);
}


static void
test_typ_policy(void **state)
{
    static const char  *at[] = { "at+jwt" };
    static const char  *app[] = { "Application/AT+JWT" };
    static const char  *two[] = { "jwt", "at+jwt" };

    (void) state;

    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", at, 1),
                     JWTGATE_OK);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"AT+JWT\"}", at, 1),
                     JWTGATE_OK);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":"
                            "\"application/at+jwt\"}", at, 1),
                     JWTGATE_OK);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":"
                            "\"application/AT+JWT\"}", app, 1),
                     JWTGATE_OK);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"at+jwt\"}", app, 1),
                     JWTGATE_OK);
    /* an escape is the character it stands for */
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"at\\u002bjwt\"}",
                            at, 1),
                     JWTGATE_OK);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", two, 2),
                     JWTGATE_OK);

    /* refused */
    assert_int_equal(typ_rc(RS, at, 1), JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"application/\"}",
                            at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":"
                            "\"xapplication/at+jwt\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":"
                            "\"application/foo/at+jwt\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":"
                            "\"at+jwt; charset=x\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"at+jwtx\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"at+jw\"}", at, 1),
                     JWTGATE_ERR_BAD_TYP);

    /* a typ that is not a string is malformed, as before */
    assert_int_equal(parse_rc("{}", 0), JWTGATE_OK);
    {
        jwtgate_token_t  *t;

        assert_int_equal(parse("{\"alg\":\"RS256\",\"typ\":1}", "{}", 0,
                               NULL, &t),
                         JWTGATE_ERR_MALFORMED);
    }

    /* no typs: not checked */
    assert_int_equal(typ_rc("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", NULL, 0),
                     JWTGATE_OK);
    assert_int_equal(typ_rc(RS, NULL, 0), JWTGATE_OK);
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_BAD_TYP), "bad_typ");
}


/* jwtgate_token_id(): iss, sub and jti as text, no tree built */

static void
expect_id(const jwtgate_token_t *t, jwtgate_id_t which, const char *want)
{
    size_t       len;
    const char  *s;

    s = jwtgate_token_id(t, which, &len);

    if (want == NULL) {
        assert_null(s);
        return;
    }

    assert_non_null(s);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(s, want, len);
}


static void
test_token_id(void **state)
{
    double            iat;
    jwtgate_token_t  *t;

    (void) state;

    /* plain strings: spans of the payload */
    assert_int_equal(parse(RS, "{\"iss\":\"https://a.example\","
                                "\"sub\":\"u1\",\"jti\":\"j-1\","
                                "\"iat\":1700000000}", 0, NULL, &t),
                     JWTGATE_OK);
    expect_id(t, JWTGATE_ID_ISS, "https://a.example");
    expect_id(t, JWTGATE_ID_SUB, "u1");
    expect_id(t, JWTGATE_ID_JTI, "j-1");
    assert_int_equal(jwtgate_token_iat(t, &iat), 0);
    assert_true(iat == 1700000000.0);
    /* the tree was not needed */
    jwtgate_token_free(t);

    /* escapes, all three: unescaped, each its own text */
    assert_int_equal(parse(RS, "{\"jti\":\"a\\u0062c\\\"d\","
                                "\"iss\":\"\\/x\\u00e9\","
                                "\"sub\":\"\\ud83d\\ude00!\"}",
                           0, NULL, &t),
                     JWTGATE_OK);
    expect_id(t, JWTGATE_ID_JTI, "abc\"d");
    expect_id(t, JWTGATE_ID_ISS, "/x\xc3\xa9");
    expect_id(t, JWTGATE_ID_SUB, "\xf0\x9f\x98\x80!");
    assert_int_equal(jwtgate_token_iat(t, &iat), -1);
    jwtgate_token_free(t);

    /* one escaped, the others plain, in another order */
    assert_int_equal(parse(RS, "{\"sub\":\"\\u0041\",\"jti\":\"\","
                                "\"iat\":1.5}", 0, NULL, &t),
                     JWTGATE_OK);
    expect_id(t, JWTGATE_ID_SUB, "A");
    expect_id(t, JWTGATE_ID_JTI, "");
    expect_id(t, JWTGATE_ID_ISS, NULL);
    assert_int_equal(jwtgate_token_iat(t, &iat), 0);
    assert_true(iat == 1.5);
    jwtgate_token_free(t);

    /* integer ids: their digits */
    assert_int_equal(parse(RS, "{\"sub\":12345678901234,\"jti\":0}",
                           JWTGATE_PARSE_NUMERIC_IDS, NULL, &t),
                     JWTGATE_OK);
    expect_id(t, JWTGATE_ID_SUB, "12345678901234");
    expect_id(t, JWTGATE_ID_JTI, "0");
    jwtgate_token_free(t);

    /* absent, and other types never reach a token (refused), so an
     * unknown selector is the only other case */
    assert_int_equal(parse(RS, "{\"aud\":\"x\"}", 0, NULL, &t),
                     JWTGATE_OK);
    expect_id(t, JWTGATE_ID_ISS, NULL);
    expect_id(t, JWTGATE_ID_SUB, NULL);
    expect_id(t, JWTGATE_ID_JTI, NULL);
    expect_id(t, (jwtgate_id_t) 7, NULL);
    jwtgate_token_free(t);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_numeric_ids_off),
        cmocka_unit_test(test_numeric_ids_on),
        cmocka_unit_test(test_numeric_ids_tree),
        cmocka_unit_test(test_numeric_ids_policy),
        cmocka_unit_test(test_iat_leeway),
        cmocka_unit_test(test_media_type_norm),
        cmocka_unit_test(test_typ_policy),
        cmocka_unit_test(test_token_id),
    };

    return cmocka_run_group_tests_name("numeric ids, iat leeway, typ", tests,
                                       NULL, NULL);
}
