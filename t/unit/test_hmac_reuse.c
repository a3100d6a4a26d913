/*
 * HMAC keys keep one keyed context per hash (jwtgate_key_prepare()) that
 * every check starts again from the keyed state.  Nothing of one check
 * may carry over to the next: good and bad signatures of different
 * lengths and algorithms, interleaved on one key, each get their own
 * verdict.  Signatures are made by the fixtures with OpenSSL's HMAC()
 * directly, not with the code under test.
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


/* hs512.jwk's secret (64 bytes) without "alg": HS256, HS384 and HS512 */
#define KEY_NO_ALG                                                          \
    "{\"kty\":\"oct\",\"kid\":\"hs\",\"k\":\"q67_6vdp3ZEWIj8zligHf_Pma6WB7"  \
    "dAbxMrTrFIXL07QHp1t3fgeNq4KeEcv27DCG_6BQ-DpsJmAuWqqqT9hYg\"}"


#define PAYLOAD  "{\"sub\":\"u\",\"exp\":4102444800}"


static jwtgate_rc_t
verify(const char *tok, const jwtgate_keyset_t *set)
{
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    t = NULL;
    rc = fx_parse(tok, NULL, JWTGATE_ALGS_HMAC, &t);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    rc = jwtgate_verify_signature(t, &set, 1, NULL, NULL);
    jwtgate_token_free(t);

    return rc;
}


/* the same token with the last signature character changed */
static char *
tampered(const char *tok)
{
    char    *bad;
    size_t   n;

    n = strlen(tok);
    bad = malloc(n + 1);
    assert_non_null(bad);
    memcpy(bad, tok, n + 1);
    /* the second-to-last character: every bit of it is in the MAC */
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';

    return bad;
}


static void
test_interleaved(void **state)
{
    char                payload[512];
    char               *good[3][4], *bad[3][4];
    size_t              a, o, p, round;
    fx_signer_t         k;
    jwtgate_keyset_t   *set;

    static const jwtgate_alg_t  algs[3] = {
        JWTGATE_ALG_HS256, JWTGATE_ALG_HS384, JWTGATE_ALG_HS512
    };

    (void) state;

    k = fx_hmac_key("hs512.jwk");
    set = fx_keyset(KEY_NO_ALG);
    assert_int_equal(jwtgate_keyset_algs(set), JWTGATE_ALGS_HMAC);

    /* payloads of four lengths (about 80 to 500 bytes), so that a check
     * that kept another's state would differ in length as well as
     * content */
    for (a = 0; a < 3; a++) {
        for (p = 0; p < 4; p++) {
            snprintf(payload, sizeof(payload),
                     "{\"sub\":\"u%zu\",\"exp\":4102444800,\"pad\":\"%.*s\"}",
                     p, (int) (p == 3 ? 380 : 40 + 60 * p),
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
            good[a][p] = fx_sign_token(algs[a], "hs", payload, &k);
            bad[a][p] = tampered(good[a][p]);
        }
    }

    for (round = 0; round < 50; round++) {
        for (a = 0; a < 3; a++) {
            for (p = 0; p < 4; p++) {
                /* good, bad, good: a failed check leaves nothing behind */
                assert_int_equal(verify(good[a][p], set), JWTGATE_OK);
                assert_int_equal(verify(bad[a][p], set),
                                 JWTGATE_ERR_BAD_SIGNATURE);
                assert_int_equal(verify(good[(a + round) % 3][(p + 1) % 4],
                                        set),
                                 JWTGATE_OK);
            }
        }
    }

    /* a token of one HS algorithm relabelled as another never verifies:
     * each hash has its own context */
    /* a MAC made with another HS algorithm's hash over the very signing
     * input of the token (its header naming this algorithm) never
     * verifies: the context is chosen by the token's alg, not by the
     * signature's length, and each hash has its own */
    for (a = 0; a < 3; a++) {
        for (o = 0; o < 3; o++) {
            char           *hdr, *input, *mix;
            size_t          n;
            unsigned char  *sig;

            hdr = fx_header_json(algs[a], "hs");
            input = fx_signing_input(hdr, PAYLOAD);
            sig = fx_sign_bytes(algs[o], &k, input, &n, 0);
            mix = fx_with_sig(input, sig, n);

            assert_int_equal(verify(mix, set),
                             o == a ? JWTGATE_OK
                                    : JWTGATE_ERR_BAD_SIGNATURE);

            free(mix);
            free(sig);
            free(input);
            free(hdr);
        }
    }

    for (a = 0; a < 3; a++) {
        for (p = 0; p < 4; p++) {
            free(good[a][p]);
            free(bad[a][p]);
        }
    }

    jwtgate_keyset_free(set);
    fx_signer_free(&k);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_interleaved),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
