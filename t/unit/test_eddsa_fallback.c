/*
 * EdDSA's fallback initialisation (jwtgate_eddsa_init_fallback(), used
 * when EVP_MD_CTX_copy_ex() fails: always on OpenSSL 3.0.0, else out of
 * memory) in a set's shared scratch context.  The context must verify
 * with the key it is given, not with the one of a previous check: a
 * token signed by key A with kid "B" is not accepted as B's.  Two
 * Ed25519 keys made at run time, signatures made with OpenSSL directly.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "jwtgate_int.h"
#include "fixtures.h"


#define PAYLOAD  "{\"sub\":\"alice\",\"exp\":4102444800}"


typedef struct {
    fx_signer_t         a;
    fx_signer_t         b;
    jwtgate_keyset_t   *set;
    const jwtgate_key_t *key_a;
    const jwtgate_key_t *key_b;
} fixture_t;


/* base64url, no padding, of the key's raw public key: by hand with
 * OpenSSL's base64, not with the code under test */

static void
raw_x(EVP_PKEY *pkey, char *out, size_t size)
{
    int             n;
    size_t          i, len;
    unsigned char   raw[32];

    len = sizeof(raw);
    assert_int_equal(EVP_PKEY_get_raw_public_key(pkey, raw, &len), 1);
    assert_int_equal(len, 32);
    assert_true(size > 4 * ((len + 2) / 3));

    n = EVP_EncodeBlock((unsigned char *) out, raw, (int) len);
    assert_true(n > 0);

    for (i = 0; i < (size_t) n; i++) {
        if (out[i] == '+') {
            out[i] = '-';

        } else if (out[i] == '/') {
            out[i] = '_';

        } else if (out[i] == '=') {
            break;
        }
    }

    out[i] = '\0';
}


static const jwtgate_key_t *
find_key(const jwtgate_keyset_t *set, const char *kid)
{
    size_t  i;

    for (i = 0; i < set->n; i++) {
        if (set->keys[i].kid != NULL
            && set->keys[i].kid_len == strlen(kid)
            && memcmp(set->keys[i].kid, kid, strlen(kid)) == 0)
        {
            return &set->keys[i];
        }
    }

    fail_msg("no key with kid %s", kid);
    return NULL;
}


static int
setup(void **state)
{
    char        xa[64], xb[64], text[512];
    fixture_t  *f;

    f = calloc(1, sizeof(fixture_t));
    assert_non_null(f);

    f->a.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    f->b.pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(f->a.pkey);
    assert_non_null(f->b.pkey);

    raw_x(f->a.pkey, xa, sizeof(xa));
    raw_x(f->b.pkey, xb, sizeof(xb));
    assert_string_not_equal(xa, xb);

    snprintf(text, sizeof(text),
             "{\"keys\":["
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"A\","
             "\"x\":\"%s\"},"
             "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"B\","
             "\"x\":\"%s\"}"
             "]}", xa, xb);

    f->set = fx_keyset(text);
    assert_int_equal(f->set->n, 2);
    f->key_a = find_key(f->set, "A");
    f->key_b = find_key(f->set, "B");

    *state = f;

    return 0;
}


static int
teardown(void **state)
{
    fixture_t  *f;

    f = *state;
    jwtgate_keyset_free(f->set);
    fx_signer_free(&f->a);
    fx_signer_free(&f->b);
    free(f);

    return 0;
}


/* EVP_DigestVerify() in the set's scratch context, after the fallback
 * initialisation with key */

static int
fallback_verify(const fixture_t *f, const jwtgate_key_t *key,
    const char *input, const unsigned char *sig, size_t len)
{
    int  rc;

    assert_int_equal(jwtgate_eddsa_init_fallback(f->set, key), 1);

    rc = EVP_DigestVerify(f->set->eddsa, sig, len,
                          (const unsigned char *) input, strlen(input));
    ERR_clear_error();

    return rc;
}


static void
test_fallback_uses_its_key(void **state)
{
    char            *input;
    size_t           len_a, len_b;
    fixture_t       *f;
    unsigned char   *sig_a, *sig_b;

    f = *state;

    input = fx_signing_input("{\"alg\":\"EdDSA\",\"kid\":\"B\"}", PAYLOAD);
    sig_a = fx_sign_bytes(JWTGATE_ALG_EDDSA, &f->a, input, &len_a, 0);
    sig_b = fx_sign_bytes(JWTGATE_ALG_EDDSA, &f->b, input, &len_b, 0);
    assert_int_equal(len_a, 64);
    assert_int_equal(len_b, 64);

    /* A first: the scratch context now holds A's key */
    assert_int_equal(fallback_verify(f, f->key_a, input, sig_a, len_a), 1);

    /* then B in the same context: A's signature is not B's */
    assert_int_not_equal(fallback_verify(f, f->key_b, input, sig_a, len_a),
                         1);
    assert_int_equal(fallback_verify(f, f->key_b, input, sig_b, len_b), 1);

    /* and back */
    assert_int_not_equal(fallback_verify(f, f->key_a, input, sig_b, len_b),
                         1);
    assert_int_equal(fallback_verify(f, f->key_a, input, sig_a, len_a), 1);

    free(sig_a);
    free(sig_b);
    free(input);
}


static jwtgate_rc_t
verify_token(const fixture_t *f, const char *tok, const char **kid)
{
    jwtgate_rc_t             rc;
    jwtgate_token_t         *t;
    jwtgate_limits_t         limits;
    const jwtgate_key_t     *key;
    const jwtgate_keyset_t  *sets[1];

    jwtgate_limits_init(&limits);
    assert_int_equal(jwtgate_token_parse(tok, strlen(tok), &limits,
                                         JWTGATE_ALGS_ALL, &t),
                     JWTGATE_OK);

    sets[0] = f->set;
    key = NULL;
    rc = jwtgate_verify_signature(t, sets, 1, &key, NULL);

    *kid = (rc == JWTGATE_OK) ? jwtgate_key_kid(key) : NULL;

    jwtgate_token_free(t);

    return rc;
}


/* the public path (a copy of the key's context), and the fallback after
 * it in the same scratch context */

static void
test_verify_by_kid(void **state)
{
    char            *tok, *input;
    size_t           len;
    fixture_t       *f;
    const char      *kid;
    unsigned char   *sig;

    f = *state;

    tok = fx_sign_token(JWTGATE_ALG_EDDSA, "A", PAYLOAD, &f->a);
    assert_int_equal(verify_token(f, tok, &kid), JWTGATE_OK);
    assert_string_equal(kid, "A");
    free(tok);

    tok = fx_sign_token(JWTGATE_ALG_EDDSA, "B", PAYLOAD, &f->a);
    assert_int_equal(verify_token(f, tok, &kid),
                     JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    tok = fx_sign_token(JWTGATE_ALG_EDDSA, "B", PAYLOAD, &f->b);
    assert_int_equal(verify_token(f, tok, &kid), JWTGATE_OK);
    assert_string_equal(kid, "B");
    free(tok);

    /* the scratch context holds a copy of B's: the fallback with A */
    input = fx_signing_input("{\"alg\":\"EdDSA\",\"kid\":\"A\"}", PAYLOAD);
    sig = fx_sign_bytes(JWTGATE_ALG_EDDSA, &f->b, input, &len, 0);
    assert_int_not_equal(fallback_verify(f, f->key_a, input, sig, len), 1);
    free(sig);
    free(input);

    /* and the public path after the fallback */
    tok = fx_sign_token(JWTGATE_ALG_EDDSA, "A", PAYLOAD, &f->b);
    assert_int_equal(verify_token(f, tok, &kid),
                     JWTGATE_ERR_BAD_SIGNATURE);
    free(tok);

    tok = fx_sign_token(JWTGATE_ALG_EDDSA, "A", PAYLOAD, &f->a);
    assert_int_equal(verify_token(f, tok, &kid), JWTGATE_OK);
    assert_string_equal(kid, "A");
    free(tok);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fallback_uses_its_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_by_kid, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
