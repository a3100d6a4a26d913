/*
 * jwtgate_token_from_texts(): a JWE's decrypted claims read as a JWS
 * payload is (auth_jwt_type encrypted), its header's kid and typ, and no
 * signature it could verify.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate_int.h"


#define HDR   "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"e\\u0031\"," \
              "\"typ\":\"at+jwt\"}"


static jwtgate_rc_t
claims(const char *header, const char *text, unsigned flags,
    jwtgate_detail_t *detail, jwtgate_token_t **t)
{
    jwtgate_limits_t  limits;

    jwtgate_limits_init(&limits);

    return jwtgate_token_from_texts(header, strlen(header), text,
                                     strlen(text), &limits, flags, detail,
                                     t);
}


static void
test_claims_ok(void **state)
{
    size_t                    len;
    const json_t             *v;
    const char               *p;
    jwtgate_token_t          *t;
    jwtgate_claims_policy_t   policy;

    (void) state;

    assert_int_equal(claims(HDR, "{\"sub\":\"bob\",\"exp\":2000000000,"
                                 "\"iss\":\"i\",\"role\":[\"a\",\"b\"]}",
                            0, NULL, &t),
                     JWTGATE_OK);

    assert_string_equal(jwtgate_token_kid(t), "e1");
    assert_int_equal(jwtgate_token_alg(t), JWTGATE_ALG_COUNT);

    p = jwtgate_token_id(t, JWTGATE_ID_SUB, &len);
    assert_non_null(p);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "bob", 3);

    v = json_object_get(jwtgate_token_header(t), "enc");
    assert_string_equal(json_string_value(v), "A256GCM");

    v = json_object_get(jwtgate_token_payload(t), "role");
    assert_int_equal(json_array_size(v), 2);

    memset(&policy, 0, sizeof(policy));
    policy.now = 1700000000;
    policy.require_exp = 1;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_OK);

    policy.now = 2000000001;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_ERR_EXPIRED);

    jwtgate_token_free(t);
}


static void
test_claims_typ(void **state)
{
    const char               *typs[] = { "at+jwt" };
    jwtgate_token_t          *t;
    jwtgate_claims_policy_t   policy;

    (void) state;

    assert_int_equal(claims(HDR, "{\"exp\":2000000000}", 0, NULL, &t),
                     JWTGATE_OK);

    memset(&policy, 0, sizeof(policy));
    policy.now = 1700000000;
    policy.typs = typs;
    policy.n_typs = 1;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_OK);

    typs[0] = "jwt";
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_ERR_BAD_TYP);

    jwtgate_token_free(t);
}


static void
test_claims_refused(void **state)
{
    jwtgate_token_t   *t;
    jwtgate_detail_t   detail;

    (void) state;

    /* the strict reader: not JSON, duplicates, not an object, trailing */
    assert_int_equal(claims(HDR, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", 0, NULL,
                            &t),
                     JWTGATE_ERR_MALFORMED);
    assert_null(t);
    assert_int_equal(claims(HDR, "{\"sub\":\"a\",\"sub\":\"b\"}", 0, NULL,
                            &t),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(claims(HDR, "[1]", 0, NULL, &t),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(claims(HDR, "{} x", 0, NULL, &t),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(claims(HDR, "", 0, NULL, &t), JWTGATE_ERR_MALFORMED);

    /* registered claims of the wrong type, numeric ids as for a JWS */
    assert_int_equal(claims(HDR, "{\"exp\":\"soon\"}", 0, &detail, &t),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_string_equal(detail.member, "exp");
    assert_int_equal(claims(HDR, "{\"sub\":42}", 0, &detail, &t),
                     JWTGATE_ERR_BAD_CLAIM_TYPE);
    assert_int_equal(detail.numeric_id, 1);
    assert_int_equal(claims(HDR, "{\"sub\":42}", JWTGATE_PARSE_NUMERIC_IDS,
                            NULL, &t),
                     JWTGATE_OK);
    jwtgate_token_free(t);

    /* a kid that is not a string */
    assert_int_equal(claims("{\"alg\":\"dir\",\"kid\":1}", "{}", 0, NULL,
                            &t),
                     JWTGATE_ERR_MALFORMED);
}


static void
test_claims_verify_nothing(void **state)
{
    jwtgate_rc_t       rc;
    jwtgate_token_t   *t;
    jwtgate_keyset_t  *set;
    const char        *jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":"
                              "\"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80\""
                              "}]}";
    const jwtgate_keyset_t  *sets[1];

    (void) state;

    assert_int_equal(jwtgate_keyset_parse(jwks, strlen(jwks), NULL, NULL,
                                          &set),
                     JWTGATE_OK);
    assert_int_equal(claims("{\"alg\":\"HS256\"}", "{}", 0, NULL, &t),
                     JWTGATE_OK);

    sets[0] = set;
    rc = jwtgate_verify_signature(t, sets, 1, NULL, NULL);
    assert_int_not_equal(rc, JWTGATE_OK);

    jwtgate_token_free(t);
    jwtgate_keyset_free(set);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_claims_ok),
        cmocka_unit_test(test_claims_typ),
        cmocka_unit_test(test_claims_refused),
        cmocka_unit_test(test_claims_verify_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
