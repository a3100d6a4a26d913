/*
 * base64url (strict) and compact-serialization split.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"


static size_t
decode(const char *in, unsigned char *out)
{
    return jwtgate_b64url_decode(out, in, strlen(in));
}


static void
test_decode_rfc4648_vectors(void **state)
{
    unsigned char  out[16];

    (void) state;

    /* RFC 4648 section 10, without padding */
    assert_int_equal(decode("", out), 0);
    assert_int_equal(decode("Zg", out), 1);
    assert_memory_equal(out, "f", 1);
    assert_int_equal(decode("Zm8", out), 2);
    assert_memory_equal(out, "fo", 2);
    assert_int_equal(decode("Zm9v", out), 3);
    assert_memory_equal(out, "foo", 3);
    assert_int_equal(decode("Zm9vYg", out), 4);
    assert_memory_equal(out, "foob", 4);
    assert_int_equal(decode("Zm9vYmE", out), 5);
    assert_memory_equal(out, "fooba", 5);
    assert_int_equal(decode("Zm9vYmFy", out), 6);
    assert_memory_equal(out, "foobar", 6);
}


static void
test_decode_url_alphabet(void **state)
{
    unsigned char  out[16];

    (void) state;

    /* 0xfb 0xff 0xbf: "+/+/" in base64, "-_-_" in base64url */
    assert_int_equal(decode("-_-_", out), 3);
    assert_int_equal(out[0], 0xfb);
    assert_int_equal(out[1], 0xff);
    assert_int_equal(out[2], 0xbf);

    /* the standard alphabet's '+' and '/' are not base64url */
    assert_int_equal(decode("+/+/", out), (size_t) -1);
}


static void
test_decode_rejects_padding_and_whitespace(void **state)
{
    unsigned char  out[16];

    (void) state;

    assert_int_equal(decode("Zg==", out), (size_t) -1);
    assert_int_equal(decode("Zm8=", out), (size_t) -1);
    assert_int_equal(decode("Zm9v ", out), (size_t) -1);
    assert_int_equal(decode(" Zm9v", out), (size_t) -1);
    assert_int_equal(decode("Zm\n9v", out), (size_t) -1);
    assert_int_equal(decode("Zm9v\t", out), (size_t) -1);
    assert_int_equal(decode("Zm.v", out), (size_t) -1);
    assert_int_equal(jwtgate_b64url_decode(out, "Zm\0v", 4), (size_t) -1);
}


static void
test_decode_rejects_impossible_length(void **state)
{
    unsigned char  out[16];

    (void) state;

    /* one leftover character encodes no byte */
    assert_int_equal(decode("Z", out), (size_t) -1);
    assert_int_equal(decode("Zm9vY", out), (size_t) -1);
}


static void
test_decode_rejects_non_canonical(void **state)
{
    unsigned char  out[16];

    (void) state;

    /* "Zg" is canonical for "f"; "Zh" sets unused low bits */
    assert_int_equal(decode("Zh", out), (size_t) -1);
    assert_int_equal(decode("Zv", out), (size_t) -1);
    /* "Zm8" is canonical for "fo"; "Zm9" sets unused low bits */
    assert_int_equal(decode("Zm9", out), (size_t) -1);
    assert_int_equal(decode("Zm-", out), (size_t) -1);
}


static void
test_encode_round_trip(void **state)
{
    char           enc[64];
    size_t         i, n, m;
    unsigned char  in[40], out[40];

    (void) state;

    for (i = 0; i < sizeof(in); i++) {
        in[i] = (unsigned char) (i * 37 + 11);
    }

    for (i = 0; i <= sizeof(in); i++) {
        n = jwtgate_b64url_encode(enc, in, i);
        assert_int_equal(n, jwtgate_b64url_encoded_len(i));
        assert_int_equal(jwtgate_b64url_decoded_len(n), i);
        m = jwtgate_b64url_decode(out, enc, n);
        assert_int_equal(m, i);
        assert_memory_equal(out, in, i);
    }
}


static void
test_split_three_segments(void **state)
{
    const char          *tok = "aaaa.bbb.cc";
    jwtgate_segments_t   seg;

    (void) state;

    assert_int_equal(jwtgate_split(tok, strlen(tok), &seg), JWTGATE_OK);
    assert_int_equal(seg.header_len, 4);
    assert_int_equal(seg.payload_off, 5);
    assert_int_equal(seg.payload_len, 3);
    assert_int_equal(seg.sig_off, 9);
    assert_int_equal(seg.sig_len, 2);
}


static void
test_split_rejects_wrong_shapes(void **state)
{
    size_t               i;
    jwtgate_segments_t   seg;
    static const char   *bad[] = {
        "aaaa",                 /* one segment */
        "aaaa.bbbb",            /* two */
        "aaaa.bbbb.cccc.dddd",  /* four */
        "a.b.c.d.e",            /* JWE has five */
        ".bbbb.cccc",           /* empty header */
        "aaaa..cccc",           /* empty payload */
        "aaaa.bbbb.",           /* empty signature: alg none */
        "..",
        "aaaa.bb bb.cccc",      /* whitespace */
        "aaaa.bbbb.cc=",        /* padding */
        "aa+a.bbbb.cccc",       /* standard alphabet */
        "aaaa.bbbb.cccc\n",
    };

    (void) state;

    assert_int_equal(jwtgate_split("", 0, &seg), JWTGATE_ERR_MISSING);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(jwtgate_split(bad[i], strlen(bad[i]), &seg),
                         JWTGATE_ERR_MALFORMED);
    }

    /* a NUL inside is not a terminator */
    assert_int_equal(jwtgate_split("aa\0a.bbbb.cccc", 14, &seg),
                     JWTGATE_ERR_MALFORMED);
}


static void
test_reason_strings_are_stable(void **state)
{
    (void) state;

    assert_string_equal(jwtgate_strerror(JWTGATE_OK), "ok");
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_MISSING), "missing");
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_MALFORMED),
                        "malformed");
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_BAD_SIGNATURE),
                        "bad_signature");
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_EXPIRED), "expired");
    assert_string_equal(jwtgate_strerror(JWTGATE_ERR_INTERNAL), "internal");
    assert_string_equal(jwtgate_strerror((jwtgate_rc_t) 999), "internal");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_decode_rfc4648_vectors),
        cmocka_unit_test(test_decode_url_alphabet),
        cmocka_unit_test(test_decode_rejects_padding_and_whitespace),
        cmocka_unit_test(test_decode_rejects_impossible_length),
        cmocka_unit_test(test_decode_rejects_non_canonical),
        cmocka_unit_test(test_encode_round_trip),
        cmocka_unit_test(test_split_three_segments),
        cmocka_unit_test(test_split_rejects_wrong_shapes),
        cmocka_unit_test(test_reason_strings_are_stable),
    };

    return cmocka_run_group_tests_name("base64url and split", tests,
                                       NULL, NULL);
}
