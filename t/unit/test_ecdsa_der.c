/*
 * jwtgate_ecdsa_der(): JWS ECDSA r || s (RFC 7518 3.4) to the DER that
 * OpenSSL verifies, written by hand.  Byte for byte against fixed
 * encodings and against OpenSSL's own encoder (i2d_ECDSA_SIG) on random
 * values with leading zero bytes and high bits; lengths other than the
 * curve's and zero r or s refused; and end to end, an ES256 signature
 * re-encoded as 48 + 48 bytes (the same r and s, zero-padded) refused.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "jwtgate_int.h"


#ifndef JWTGATE_TEST_DATA
#define JWTGATE_TEST_DATA  "t/data"
#endif


static const size_t  halves[] = { 32, 48, 66 };


/* OpenSSL's DER for the same r and s */

static size_t
reference_der(const unsigned char *sig, size_t half, unsigned char *der)
{
    int             len;
    BIGNUM         *r, *s;
    ECDSA_SIG      *es;
    unsigned char  *p;

    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, (int) half, NULL);
    s = BN_bin2bn(sig + half, (int) half, NULL);
    assert_non_null(es);
    assert_non_null(r);
    assert_non_null(s);
    assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);

    assert_true(i2d_ECDSA_SIG(es, NULL) <= JWTGATE_ECDSA_DER_MAX);
    p = der;
    len = i2d_ECDSA_SIG(es, &p);
    assert_true(len > 0);
    ECDSA_SIG_free(es);

    return (size_t) len;
}


static void
check_against_openssl(const unsigned char *sig, size_t half)
{
    size_t         len, ref_len;
    unsigned char  der[JWTGATE_ECDSA_DER_MAX], ref[JWTGATE_ECDSA_DER_MAX];

    len = jwtgate_ecdsa_der(sig, 2 * half, half, der);
    ref_len = reference_der(sig, half, ref);

    assert_int_equal(len, ref_len);
    assert_memory_equal(der, ref, len);
}


static void
test_plain_p256(void **state)
{
    size_t         i, len;
    unsigned char  sig[64], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    for (i = 0; i < 64; i++) {
        sig[i] = (unsigned char) (i < 32 ? 0x11 + i : 0x21 + i);
    }

    len = jwtgate_ecdsa_der(sig, 64, 32, der);

    assert_int_equal(len, 2 + 2 + 32 + 2 + 32);
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[1], 68);
    assert_int_equal(der[2], 0x02);
    assert_int_equal(der[3], 32);
    assert_memory_equal(der + 4, sig, 32);
    assert_int_equal(der[36], 0x02);
    assert_int_equal(der[37], 32);
    assert_memory_equal(der + 38, sig + 32, 32);

    check_against_openssl(sig, 32);
}


/* a high bit makes the INTEGER negative unless a 0x00 comes first */

static void
test_high_bit(void **state)
{
    size_t         len;
    unsigned char  sig[64], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    memset(sig, 0x80, 32);
    memset(sig + 32, 0xff, 32);

    len = jwtgate_ecdsa_der(sig, 64, 32, der);

    assert_int_equal(len, 2 + 2 * (2 + 33));
    assert_int_equal(der[1], 70);
    assert_int_equal(der[3], 33);
    assert_int_equal(der[4], 0x00);
    assert_int_equal(der[5], 0x80);
    assert_int_equal(der[37], 0x02);
    assert_int_equal(der[38], 33);
    assert_int_equal(der[39], 0x00);
    assert_int_equal(der[40], 0xff);

    check_against_openssl(sig, 32);
}


/* leading zero bytes dropped: minimal INTEGERs; a high bit under them
 * gets back exactly one 0x00 */

static void
test_leading_zeros(void **state)
{
    size_t         len;
    unsigned char  sig[64], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    memset(sig, 0x5a, sizeof(sig));
    sig[0] = 0x00;
    sig[1] = 0x00;
    sig[2] = 0x7f;            /* r: 30 bytes, no 0x00 needed */
    sig[32] = 0x00;
    sig[33] = 0x80;           /* s: 31 bytes, a 0x00 back in front */

    len = jwtgate_ecdsa_der(sig, 64, 32, der);

    assert_int_equal(len, 2 + (2 + 30) + (2 + 32));
    assert_int_equal(der[3], 30);
    assert_int_equal(der[4], 0x7f);
    assert_int_equal(der[4 + 30], 0x02);
    assert_int_equal(der[4 + 30 + 1], 32);
    assert_int_equal(der[4 + 30 + 2], 0x00);
    assert_int_equal(der[4 + 30 + 3], 0x80);

    check_against_openssl(sig, 32);

    /* r = 1, s = 0x80: the shortest encodings */
    memset(sig, 0, sizeof(sig));
    sig[31] = 0x01;
    sig[63] = 0x80;

    len = jwtgate_ecdsa_der(sig, 64, 32, der);

    assert_int_equal(len, 2 + 3 + 4);
    assert_int_equal(der[1], 7);
    assert_int_equal(der[3], 1);
    assert_int_equal(der[4], 0x01);
    assert_int_equal(der[6], 2);
    assert_int_equal(der[7], 0x00);
    assert_int_equal(der[8], 0x80);

    check_against_openssl(sig, 32);
}


/* zero r or s: never a signature (OpenSSL refuses them too; here they
 * are refused before it) */

static void
test_zero(void **state)
{
    size_t         i;
    unsigned char  sig[132], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    for (i = 0; i < sizeof(halves) / sizeof(halves[0]); i++) {
        memset(sig, 0, sizeof(sig));
        assert_int_equal(jwtgate_ecdsa_der(sig, 2 * halves[i], halves[i],
                                           der), 0);

        sig[2 * halves[i] - 1] = 1;       /* r zero, s one */
        assert_int_equal(jwtgate_ecdsa_der(sig, 2 * halves[i], halves[i],
                                           der), 0);

        memset(sig, 0, sizeof(sig));
        sig[halves[i] - 1] = 1;           /* r one, s zero */
        assert_int_equal(jwtgate_ecdsa_der(sig, 2 * halves[i], halves[i],
                                           der), 0);

        sig[2 * halves[i] - 1] = 1;       /* both one: encoded */
        assert_int_equal(jwtgate_ecdsa_der(sig, 2 * halves[i], halves[i],
                                           der), 8);
    }
}


/* only 64, 96 and 132 bytes, each for its own curve */

static void
test_wrong_length(void **state)
{
    size_t         i, len;
    unsigned char  sig[140], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    memset(sig, 0x42, sizeof(sig));

    for (i = 0; i < sizeof(halves) / sizeof(halves[0]); i++) {
        for (len = 0; len < sizeof(sig); len++) {
            assert_int_equal(jwtgate_ecdsa_der(sig, len, halves[i], der) != 0,
                             len == 2 * halves[i]);
        }
    }

    /* sizes of no curve, even with a matching length */
    assert_int_equal(jwtgate_ecdsa_der(sig, 0, 0, der), 0);
    assert_int_equal(jwtgate_ecdsa_der(sig, 62, 31, der), 0);
    assert_int_equal(jwtgate_ecdsa_der(sig, 66, 33, der), 0);
    assert_int_equal(jwtgate_ecdsa_der(sig, 130, 65, der), 0);
    assert_int_equal(jwtgate_ecdsa_der(sig, 134, 67, der), 0);
}


/* P-521: a SEQUENCE over 127 bytes takes the long form of its length */

static void
test_p521_long_form(void **state)
{
    size_t         len;
    unsigned char  sig[132], der[JWTGATE_ECDSA_DER_MAX];

    (void) state;

    memset(sig, 0xa5, sizeof(sig));
    sig[0] = 0x01;
    sig[66] = 0x01;

    len = jwtgate_ecdsa_der(sig, 132, 66, der);

    assert_int_equal(len, 3 + 2 * (2 + 66));
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[1], 0x81);
    assert_int_equal(der[2], 136);
    check_against_openssl(sig, 66);

    /* the longest: both high bits set, 141 bytes */
    memset(sig, 0xff, sizeof(sig));
    len = jwtgate_ecdsa_der(sig, 132, 66, der);
    assert_int_equal(len, JWTGATE_ECDSA_DER_MAX);
    assert_int_equal(der[2], 138);
    check_against_openssl(sig, 66);

    /* short enough again for the short form */
    memset(sig, 0, sizeof(sig));
    sig[65] = 0x01;
    sig[131] = 0x01;
    len = jwtgate_ecdsa_der(sig, 132, 66, der);
    assert_int_equal(len, 8);
    assert_int_equal(der[1], 6);
}


/* random r and s, some leading bytes zeroed, high bits random */

static void
test_random_against_openssl(void **state)
{
    size_t         h, i, zeros, half;
    unsigned char  sig[132], extra[4];

    (void) state;

    for (h = 0; h < sizeof(halves) / sizeof(halves[0]); h++) {
        half = halves[h];

        for (i = 0; i < 3000; i++) {
            assert_int_equal(RAND_bytes(sig, (int) (2 * half)), 1);
            assert_int_equal(RAND_bytes(extra, sizeof(extra)), 1);

            zeros = extra[0] % 4 == 0 ? extra[1] % half : 0;
            memset(sig, 0, zeros);

            zeros = extra[2] % 4 == 0 ? extra[3] % half : 0;
            memset(sig + half, 0, zeros);

            if (sig[half - 1] == 0) {
                sig[half - 1] = 1;
            }

            if (sig[2 * half - 1] == 0) {
                sig[2 * half - 1] = 1;
            }

            check_against_openssl(sig, half);
        }
    }
}


/* end to end: a real ES256 signature verifies; the same r and s as
 * 48 + 48 bytes (a valid encoding of the same integers for P-384) do
 * not, nor 63 or 65 bytes, nor r or s zeroed */

static EVP_PKEY *
read_key(const char *name, int private)
{
    char       path[256];
    FILE      *f;
    EVP_PKEY  *pkey;

    snprintf(path, sizeof(path), "%s/%s", JWTGATE_TEST_DATA, name);

    f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot open %s (run from the repository root)", path);
    }

    pkey = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
                   : PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(pkey);

    return pkey;
}


static jwtgate_keyset_t *
read_set(const char *name)
{
    long               n;
    char               path[256], *buf;
    FILE              *f;
    jwtgate_keyset_t  *set;

    snprintf(path, sizeof(path), "%s/%s", JWTGATE_TEST_DATA, name);

    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (run from the repository root)", path);
    }

    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    buf = malloc((size_t) n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    fclose(f);

    assert_int_equal(jwtgate_keyset_parse(buf, (size_t) n, NULL, NULL, &set),
                     JWTGATE_OK);
    free(buf);

    return set;
}


/* "header.payload." + base64url(sig); the verdict of the core */

static jwtgate_rc_t
verify_with(const jwtgate_keyset_t *set, const char *input,
    const unsigned char *sig, size_t sig_len)
{
    char               token[1024];
    size_t             len;
    jwtgate_rc_t       rc;
    jwtgate_token_t   *t;
    jwtgate_limits_t   limits;

    len = strlen(input);
    assert_true(len + 1 + jwtgate_b64url_encoded_len(sig_len)
                < sizeof(token));
    memcpy(token, input, len);
    token[len++] = '.';
    len += jwtgate_b64url_encode(token + len, sig, sig_len);

    jwtgate_limits_init(&limits);
    rc = jwtgate_token_parse(token, len, &limits, JWTGATE_ALGS_ALL, &t);
    assert_int_equal(rc, JWTGATE_OK);

    rc = jwtgate_verify_signature(t, &set, 1, NULL, NULL);
    jwtgate_token_free(t);

    return rc;
}


static void
test_es256_end_to_end(void **state)
{
    int                 i;
    char                input[256];
    size_t              len, der_len;
    EVP_PKEY           *pkey;
    ECDSA_SIG          *es;
    EVP_PKEY_CTX       *ctx;
    const BIGNUM       *r, *s;
    jwtgate_keyset_t   *set;
    const unsigned char *p;
    unsigned char       digest[32], der[JWTGATE_ECDSA_DER_MAX], raw[96];

    (void) state;

    set = read_set("ec256.jwk");
    pkey = read_key("ec256.pem", 1);

    len = 0;
    len += jwtgate_b64url_encode(input,
               (const unsigned char *) "{\"alg\":\"ES256\",\"kid\":\"ec256\"}",
               29);
    input[len++] = '.';
    len += jwtgate_b64url_encode(input + len,
               (const unsigned char *) "{\"sub\":\"der\"}", 13);
    input[len] = '\0';

    assert_int_equal(EVP_Digest(input, len, digest, NULL, EVP_sha256(), NULL),
                     1);

    /* a few signatures: r and s of every shape come along */
    for (i = 0; i < 8; i++) {
        ctx = EVP_PKEY_CTX_new(pkey, NULL);
        assert_non_null(ctx);
        assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
        der_len = sizeof(der);
        assert_int_equal(EVP_PKEY_sign(ctx, der, &der_len, digest, 32), 1);
        EVP_PKEY_CTX_free(ctx);

        p = der;
        es = d2i_ECDSA_SIG(NULL, &p, (long) der_len);
        assert_non_null(es);
        ECDSA_SIG_get0(es, &r, &s);

        assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
        assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
        assert_int_equal(verify_with(set, input, raw, 64), JWTGATE_OK);

        /* the same integers, 48 bytes each */
        assert_int_equal(BN_bn2binpad(r, raw, 48), 48);
        assert_int_equal(BN_bn2binpad(s, raw + 48, 48), 48);
        assert_int_equal(verify_with(set, input, raw, 96),
                         JWTGATE_ERR_BAD_SIGNATURE);

        /* one byte short, one byte more */
        assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
        assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
        assert_int_equal(verify_with(set, input, raw, 63),
                         JWTGATE_ERR_BAD_SIGNATURE);
        raw[64] = 0;
        assert_int_equal(verify_with(set, input, raw, 65),
                         JWTGATE_ERR_BAD_SIGNATURE);

        /* s zero, then r zero */
        memset(raw + 32, 0, 32);
        assert_int_equal(verify_with(set, input, raw, 64),
                         JWTGATE_ERR_BAD_SIGNATURE);
        memset(raw, 0, 32);
        assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
        assert_int_equal(verify_with(set, input, raw, 64),
                         JWTGATE_ERR_BAD_SIGNATURE);

        ECDSA_SIG_free(es);
    }

    EVP_PKEY_free(pkey);
    jwtgate_keyset_free(set);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_p256),
        cmocka_unit_test(test_high_bit),
        cmocka_unit_test(test_leading_zeros),
        cmocka_unit_test(test_zero),
        cmocka_unit_test(test_wrong_length),
        cmocka_unit_test(test_p521_long_form),
        cmocka_unit_test(test_random_against_openssl),
        cmocka_unit_test(test_es256_end_to_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
