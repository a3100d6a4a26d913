/*
 * Values from the strict JSON reader (src/jwt/jwtgate_jread.c,
 * jwtgate_jtext.c): the top-level members it records, strings compared
 * and copied unescaped, arrays of strings, NumericDates next to jansson
 * and strtod, and the lazily built tree equal to jansson's.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jread_check.h"


static void
test_members_found(void **state)
{
    char               buf[16];
    jwtgate_jvalue_t   f[W_COUNT];
    static const char  text[] =
        " { \"x\" : {\"alg\":\"no\",\"a\":[]} , \"\\u0061lg\" : \"\\u0052S256\""
        " , \"kid\":\"k\\\"1\" ,\"exp\": -0.5e1 , \"aud\" : [ \"p\" , \"q\" ]"
        " , \"\\u00e9\" : { \"a\" : 1 } , \"a\":true } ";

    (void) state;

    assert_int_equal(read_limits(TEXT(text), NULL, f), JWTGATE_OK);

    /* a name behind escapes is the name; nested members are not */
    assert_int_equal(f[W_ALG].type, JWTGATE_JSON_STRING);
    assert_int_equal(f[W_ALG].len, 5);
    assert_int_equal(f[W_ALG].end - f[W_ALG].off, 10);
    assert_true(jwtgate_jstring_equal(text, &f[W_ALG], "RS256", 5));
    assert_false(jwtgate_jstring_equal(text, &f[W_ALG], "RS25", 4));
    assert_false(jwtgate_jstring_equal(text, &f[W_ALG], "RS257", 5));
    jwtgate_jstring_copy(text, &f[W_ALG], buf);
    assert_string_equal(buf, "RS256");

    assert_int_equal(f[W_KID].type, JWTGATE_JSON_STRING);
    jwtgate_jstring_copy(text, &f[W_KID], buf);
    assert_string_equal(buf, "k\"1");
    assert_true(jwtgate_jstring_equal(text, &f[W_KID], "k\"1", 3));

    assert_int_equal(f[W_EXP].type, JWTGATE_JSON_REAL);
    assert_memory_equal(text + f[W_EXP].off, "-0.5e1",
                        f[W_EXP].end - f[W_EXP].off);

    assert_int_equal(f[W_AUD].type, JWTGATE_JSON_ARRAY);
    assert_int_equal(f[W_AUD].len, 2);
    assert_true(f[W_AUD].strings);

    assert_int_equal(f[W_E_ACUTE].type, JWTGATE_JSON_OBJECT);
    assert_int_equal(text[f[W_E_ACUTE].off], '{');
    assert_int_equal(text[f[W_E_ACUTE].end - 1], '}');

    assert_int_equal(f[W_A].type, JWTGATE_JSON_TRUE);

    /* absent members, and every slot cleared when the text is refused */
    assert_int_equal(read_limits(TEXT("{\"a\":null,\"b\":1}"), NULL, f),
                     JWTGATE_OK);
    assert_int_equal(f[W_A].type, JWTGATE_JSON_NULL);
    assert_int_equal(f[W_ALG].type, JWTGATE_JSON_ABSENT);

    assert_int_equal(read_limits(TEXT("{\"alg\":\"x\",\"a\":1,}"), NULL, f),
                     JWTGATE_ERR_MALFORMED);
    assert_int_equal(f[W_ALG].type, JWTGATE_JSON_ABSENT);
    assert_int_equal(f[W_A].type, JWTGATE_JSON_ABSENT);

    /* arrays: empty, mixed */
    assert_int_equal(read_limits(TEXT("{\"aud\":[],\"a\":[\"x\",1]}"), NULL,
                                 f),
                     JWTGATE_OK);
    assert_int_equal(f[W_AUD].len, 0);
    assert_true(f[W_AUD].strings);
    assert_int_equal(f[W_A].len, 2);
    assert_false(f[W_A].strings);
}


static void
test_array_strings(void **state)
{
    char               buf[16];
    size_t             pos, n;
    jwtgate_jvalue_t   f[W_COUNT], item;
    static const char  text[] =
        "{\"aud\":[ \"one\" ,\"\\u0074wo\",\"\", \"f\\u00f6ur\"\n]}";
    static const char *expect[] = { "one", "two", "", "f\xc3\xb6ur" };

    (void) state;

    assert_int_equal(read_limits(TEXT(text), NULL, f), JWTGATE_OK);

    pos = 0;

    for (n = 0; jwtgate_jarray_next(text, &f[W_AUD], &pos, &item); n++) {
        assert_true(n < 4);
        assert_int_equal(item.len, strlen(expect[n]));
        jwtgate_jstring_copy(text, &item, buf);
        assert_string_equal(buf, expect[n]);
        assert_true(jwtgate_jstring_equal(text, &item, expect[n],
                                          strlen(expect[n])));
    }

    assert_int_equal(n, 4);

    /* not an array of strings: nothing */
    assert_int_equal(read_limits(TEXT("{\"aud\":[\"a\",[\"b\"]]}"), NULL, f),
                     JWTGATE_OK);
    pos = 0;
    assert_int_equal(jwtgate_jarray_next(text, &f[W_AUD], &pos, &item), 0);
}


/* NumericDate of the member "exp" of text; -2 when the text is refused */

static int
date_of(const char *text, double *d)
{
    jwtgate_jvalue_t  f[W_COUNT];

    if (read_limits(text, strlen(text), NULL, f) != JWTGATE_OK) {
        return -2;
    }

    return jwtgate_jnumeric_date(text, &f[W_EXP], d);
}


static void
test_numeric_dates(void **state)
{
    double              d;
    size_t              i;
    static const struct {
        const char  *text;
        double       value;
    } ok[] = {
        { "{\"exp\":0}", 0 },
        { "{\"exp\":-0}", 0 },
        { "{\"exp\":1300819380}", 1300819380 },
        { "{\"exp\":1300819380.5}", 1300819380.5 },
        { "{\"exp\":1.3008193805e9}", 1300819380.5 },
        { "{\"exp\":13008193805e-1}", 1300819380.5 },
        { "{\"exp\":1e9}", 1e9 },
        { "{\"exp\":1E+9}", 1e9 },
        { "{\"exp\":0.000001}", 0.000001 },
        { "{\"exp\":1e-400}", 0 },
        { "{\"exp\":9007199254740992}", 9007199254740992.0 },
        { "{\"exp\":9007199254740992.0}", 9007199254740992.0 },
        /* a real rounds first, as strtod does: 2^53 + 1 -> 2^53 */
        { "{\"exp\":9007199254740993.0}", 9007199254740992.0 },
        { "{\"exp\":1700000000.000000000000000000000000000001}",
          1700000000.0 },
        { "{\"exp\":0.1700000000000000000000000000000001e10}",
          1700000000.0 },
    };
    static const char  *bad[] = {
        "{\"exp\":\"1300819380\"}",
        "{\"exp\":true}",
        "{\"exp\":null}",
        "{\"exp\":[1]}",
        "{\"exp\":{}}",
        "{\"exp\":-1}",
        "{\"exp\":-0.5}",
        "{\"exp\":9007199254740993}",
        "{\"exp\":9007199254740994}",
        "{\"exp\":10000000000000000}",
        "{\"exp\":9223372036854775807}",
        "{\"exp\":9007199254740994.0}",
        "{\"exp\":1e16}",
        "{\"exp\":1e300}",
        "{\"exp\":1.7976931348623157e308}",
    };

    (void) state;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        d = -1;
        assert_int_equal(date_of(ok[i].text, &d), 0);
        assert_true(d == ok[i].value);
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(date_of(bad[i], &d), -1);
    }

    /* -0.0 is 0, as before: not negative; so is what rounds to it */
    assert_int_equal(date_of("{\"exp\":-0.0}", &d), 0);
    assert_true(d == 0);
    assert_int_equal(date_of("{\"exp\":-1e-400}", &d), 0);
    assert_true(d == 0);

    /* absent */
    assert_int_equal(date_of("{}", &d), -1);
}


/* NumericDates of reals with long and odd spellings, next to strtod */

static void
test_numeric_dates_like_strtod(void **state)
{
    char     *digits, *text;
    double    d, want_d;
    size_t    i;
    static const char  *num[] = {
        "1700000000.4999999999999999999999999999999999999999999999999",
        "1700000000.5000000000000000000000000000000000000000000000001",
        "0.000000000000000000000000000000000000000000000000000017e63",
        "4503599627370496.5",               /* 2^52 + 0.5: a tie, even */
        "4503599627370497.5",
        "4503599627370496.50000000000000000000000000000000000000001",
        "123456789012345678901234567890e-15",
        "2.2250738585072011e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1e-320",
        "1.0",
        "00.5e1",
    };

    (void) state;

    for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
        text = concat("{\"exp\":", num[i], "}");

        if (strncmp(num[i], "00", 2) == 0) {
            assert_int_equal(date_of(text, &d), -2);    /* not JSON */

        } else {
            want_d = strtod(num[i], NULL);
            assert_int_equal(date_of(text, &d), 0);
            assert_true(d == want_d);
        }

        free(text);
    }

    /* more digits than a double can need: the ones past 800 count only as
     * "not all zero" */
    digits = repeat("4503599627370496.", "0", 900, "1");
    text = concat("{\"exp\":", digits, "}");
    assert_int_equal(date_of(text, &d), 0);
    assert_true(d == strtod(digits, NULL));
    free(text);
    free(digits);

    digits = repeat("4503599627370496.5", "0", 900, "1");
    text = concat("{\"exp\":", digits, "}");
    assert_int_equal(date_of(text, &d), 0);
    assert_true(d == 4503599627370497.0);
    assert_true(d == strtod(digits, NULL));
    free(text);
    free(digits);

    digits = repeat("4503599627370496.5", "0", 900, "");
    text = concat("{\"exp\":", digits, "}");
    assert_int_equal(date_of(text, &d), 0);
    assert_true(d == 4503599627370496.0);
    free(text);
    free(digits);
}


/* for valid texts, the tree built lazily equals jansson's own */

static void
test_lazy_tree_equals_jansson(void **state)
{
    size_t              i;
    json_t             *ours, *theirs;
    jwtgate_limits_t    limits;
    jwtgate_jvalue_t    f[W_COUNT];
    static const char  *texts[] = {
        "{}",
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa1\"}",
        "{\"iss\":\"https://issuer.test\",\"sub\":\"alice\",\"aud\":[\"a\","
            "\"b\"],\"exp\":4102444800,\"iat\":1700000000.25,\"nbf\":0,"
            "\"realm_access\":{\"roles\":[\"admin\",\"user\"]},\"x\":null,"
            "\"y\":false,\"z\":true,\"n\":-1.5e-3}",
        "{\"\\u0061\":\"\\ud83d\\ude00 caf\\u00e9 \\\"q\\\" \\\\ \\/\"}",
        "{\"a\":{\"b\":{\"c\":[[], {}, [1, [2, [3]]]]}}}",
        "{\"big\":[9223372036854775807,-9223372036854775808,1e308,"
            "-1e-400,0.1,-0]}",
        " {\"ws\" :\t[ 1 ,\r\n 2 ] } ",
        "{\"\":\"\",\"e\":\"\xc3\xa9\xf0\x9f\x98\x80\x7f\"}",
    };

    (void) state;

    jwtgate_limits_init(&limits);

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        assert_int_equal(read_limits(texts[i], strlen(texts[i]), NULL, f),
                         JWTGATE_OK);

        ours = jwtgate_json_load(texts[i], strlen(texts[i]));
        theirs = json_loadb(texts[i], strlen(texts[i]), 0, NULL);

        assert_non_null(ours);
        assert_non_null(theirs);
        assert_true(json_equal(ours, theirs));

        json_decref(ours);
        json_decref(theirs);
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_members_found),
        cmocka_unit_test(test_array_strings),
        cmocka_unit_test(test_numeric_dates),
        cmocka_unit_test(test_numeric_dates_like_strtod),
        cmocka_unit_test(test_lazy_tree_equals_jansson),
    };

    return cmocka_run_group_tests_name("values from the JSON reader", tests,
                                       NULL, NULL);
}
