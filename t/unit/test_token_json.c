/*
 * Token JSON through jwtgate_token_parse(): a registered name or value
 * spelled with escapes is the name or value (a parser-differential
 * defence), duplicates anywhere are refused, hostile numbers keep their
 * reasons; and the header and payload trees, built only when asked for,
 * are jansson's reading of the same text.
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


/* the claims' reason for a payload, under a policy of one issuer and one
 * audience (when given) at NOW */

static jwtgate_rc_t
claims_rc(const char *payload, const char *issuer, const char *audience)
{
    jwtgate_rc_t             rc;
    jwtgate_token_t         *t;
    jwtgate_claims_policy_t  policy;

    assert_int_equal(fx_parse_json(RS, payload, &t), JWTGATE_OK);

    memset(&policy, 0, sizeof(policy));
    policy.now = NOW;
    policy.require_exp = 1;
    policy.issuers = &issuer;
    policy.n_issuers = issuer != NULL;
    policy.audiences = &audience;
    policy.n_audiences = audience != NULL;

    rc = jwtgate_check_claims(t, &policy);
    jwtgate_token_free(t);

    return rc;
}


static void
test_escaped_header(void **state)
{
    jwtgate_token_t  *t;

    (void) state;

    /* "alg" behind an escape is alg, and a second one is a duplicate */
    assert_int_equal(fx_parse_json("{\"\\u0061lg\":\"ES256\"}", "{}", &t),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_token_alg(t), JWTGATE_ALG_ES256);
    jwtgate_token_free(t);

    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"\\u0061lg\":\"none\"}",
                           "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"a\\u006cg\":\"none\",\"alg\":\"RS256\"}",
                           "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"kid\":\"a\","
                           "\"\\u006b\\u0069\\u0064\":\"b\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);

    /* values: the unescaped text decides */
    assert_int_equal(fx_parse_json("{\"alg\":\"\\u0052S\\u0032\\u00356\"}",
                                   "{}", &t),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_token_alg(t), JWTGATE_ALG_RS256);
    jwtgate_token_free(t);

    assert_int_equal(fx_rc("{\"alg\":\"\\u006eone\"}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(fx_rc("{\"alg\":\"\\u004EO\\u004eE\"}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\\u0000\"}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\\u0020\"}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_int_equal(fx_rc("{\"alg\":\"\\uff32S256\"}", "{}"),
                     JWTGATE_ERR_UNSUPPORTED_ALG);

    /* the registered members' types, behind escapes too */
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"\\u006bid\":1}", "{}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"\\u0063rit\":[\"x\"]}",
                           "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"b\\u0036\\u0034\":false}",
                           "{}"),
                     JWTGATE_ERR_UNSUPPORTED_CRIT);
    assert_int_equal(fx_rc("{\"alg\":\"RS256\",\"x5t\\u0023S256\":1}",
                           "{}"),
                     JWTGATE_ERR_MALFORMED);

    /* a kid comes out unescaped and NUL-terminated */
    assert_int_equal(fx_parse_json("{\"alg\":\"RS256\",\"kid\":"
                                   "\"a\\/b\\u00e9\\\"\"}", "{}", &t),
                     JWTGATE_OK);
    assert_string_equal(jwtgate_token_kid(t), "a/b\xc3\xa9\"");
    jwtgate_token_free(t);
}


static void
test_escaped_claims(void **state)
{
    (void) state;

    /* an escaped "exp" is enforced like a plain one */
    assert_int_equal(claims_rc("{\"\\u0065xp\":1}", NULL, NULL),
                     JWTGATE_ERR_EXPIRED);
    assert_int_equal(claims_rc("{\"e\\u0078p\":1800000000}", NULL, NULL),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"exp\":1800000000,\"\\u006ebf\":"
                               "1800000000}", NULL, NULL),
                     JWTGATE_ERR_NOT_YET_VALID);
    assert_int_equal(fx_rc(RS, "{\"\\u0065xp\":\"1\"}"),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(fx_rc(RS, "{\"exp\":1,\"\\u0065xp\":2}"),
                     JWTGATE_ERR_MALFORMED);

    /* issuer and audience compared unescaped */
    assert_int_equal(claims_rc("{\"exp\":1800000000,"
                               "\"iss\":\"https:\\/\\/a.example\\/\"}",
                               "https://a.example/", NULL),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"exp\":1800000000,"
                               "\"\\u0069ss\":\"\\u0061\"}", "a", NULL),
                     JWTGATE_OK);
    /* a NUL never cuts an issuer short: refused as text */
    assert_int_equal(fx_rc(RS, "{\"iss\":\"a\\u0000b\"}"),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(claims_rc("{\"exp\":1800000000,\"aud\":[\"x\","
                               "\"\\u0061pi\"]}", NULL, "api"),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"exp\":1800000000,\"aud\":\"caf"
                               "\\u00e9\"}", NULL, "caf\xc3\xa9"),
                     JWTGATE_OK);
    assert_int_equal(claims_rc("{\"exp\":1800000000,\"aud\":[\"ap\","
                               "\"i\"]}", NULL, "api"),
                     JWTGATE_ERR_BAD_AUDIENCE);
    /* a policy string with a backslash is taken as it is */
    assert_int_equal(claims_rc("{\"exp\":1800000000,\"aud\":\"a\\\\b\"}",
                               NULL, "a\\b"),
                     JWTGATE_OK);
}


static void
test_hostile_payloads(void **state)
{
    size_t              i;
    static const struct {
        const char    *payload;
        jwtgate_rc_t   rc;
    } cases[] = {
        /* duplicates at depth */
        { "{\"a\":{\"b\":{\"c\":1,\"c\":2}}}", JWTGATE_ERR_MALFORMED },
        { "{\"roles\":[{\"r\":1},{\"r\":1,\"r\":2}]}", JWTGATE_ERR_MALFORMED },
        { "{\"a\":{\"\\u00e9\":1,\"\xc3\xa9\":2}}", JWTGATE_ERR_MALFORMED },
        /* numbers */
        { "{\"exp\":\"4102444800\"}", JWTGATE_ERR_BAD_CLAIM_TYPE },
        { "{\"exp\":1e300}", JWTGATE_ERR_BAD_CLAIM_TYPE },
        { "{\"exp\":1e16}", JWTGATE_ERR_BAD_CLAIM_TYPE },
        { "{\"exp\":1e400}", JWTGATE_ERR_MALFORMED },
        { "{\"exp\":1e999999999999999999999}", JWTGATE_ERR_MALFORMED },
        { "{\"exp\":01}", JWTGATE_ERR_MALFORMED },
        { "{\"exp\":1.}", JWTGATE_ERR_MALFORMED },
        { "{\"exp\":-}", JWTGATE_ERR_MALFORMED },
        { "{\"exp\":1e}", JWTGATE_ERR_MALFORMED },
        { "{\"nbf\":99999999999999999999}", JWTGATE_ERR_MALFORMED },
        { "{\"iat\":-0.0}", JWTGATE_OK },
        /* text */
        { "{\"x\":\"\\ud800\"}", JWTGATE_ERR_MALFORMED },
        { "{\"x\":\"\\udc00\\ud800\"}", JWTGATE_ERR_MALFORMED },
        { "{\"x\":\"\xed\xa0\x80\"}", JWTGATE_ERR_MALFORMED },
        { "{\"x\":\"a\x01\"}", JWTGATE_ERR_MALFORMED },
        { "{\"x\":[1,2,]}", JWTGATE_ERR_MALFORMED },
        { "{\"x\":1}/**/", JWTGATE_ERR_MALFORMED },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(fx_rc(RS, cases[i].payload), cases[i].rc);
    }
}


/* the trees are built once, on demand, and are jansson's reading */

static void
test_lazy_trees(void **state)
{
    size_t             hlen, plen;
    json_t            *h, *p;
    const char        *htext, *ptext;
    const json_t      *v, *first;
    jwtgate_token_t   *t;
    static const char *roles[] = { "realm_access", "roles" };
    static const char  header[] =
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x\":[1,{\"y\":null}]}";
    static const char  payload[] =
        "{\"sub\":\"\\u0061lice\",\"realm_access\":{\"roles\":[\"a\",\"b\"]},"
        "\"exp\":4102444800,\"f\":1.5}";

    (void) state;

    assert_int_equal(fx_parse_json(header, payload, &t), JWTGATE_OK);

    htext = jwtgate_token_header_text(t, &hlen);
    assert_int_equal(hlen, strlen(header));
    assert_memory_equal(htext, header, hlen);
    assert_int_equal(htext[hlen], '\0');

    ptext = jwtgate_token_payload_text(t, &plen);
    assert_int_equal(plen, strlen(payload));

    first = jwtgate_token_payload(t);
    assert_non_null(first);
    assert_ptr_equal(jwtgate_token_payload(t), first);

    h = json_loads(header, 0, NULL);
    p = json_loadb(ptext, plen, 0, NULL);
    assert_true(json_equal(jwtgate_token_header(t), h));
    assert_true(json_equal(first, p));
    json_decref(h);
    json_decref(p);

    v = json_object_get(first, "sub");
    assert_string_equal(json_string_value(v), "alice");

    v = jwtgate_json_path(jwtgate_token_payload(t), roles, 2);
    assert_int_equal(json_array_size(v), 2);

    jwtgate_token_free(t);

    /* a token whose trees are never asked for frees cleanly too */
    assert_int_equal(fx_parse_json(header, payload, &t), JWTGATE_OK);
    jwtgate_token_free(t);

    /* only the header's */
    assert_int_equal(fx_parse_json(header, payload, &t), JWTGATE_OK);
    assert_non_null(jwtgate_token_header(t));
    jwtgate_token_free(t);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_escaped_header),
        cmocka_unit_test(test_escaped_claims),
        cmocka_unit_test(test_hostile_payloads),
        cmocka_unit_test(test_lazy_trees),
    };

    return cmocka_run_group_tests_name("token JSON", tests, NULL, NULL);
}
