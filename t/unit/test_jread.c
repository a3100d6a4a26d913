/*
 * The strict JSON reader of token headers and payloads
 * (src/jwt/jwtgate_jread.c, jwtgate_jtext.c): what it accepts and refuses
 * and why, duplicate names at every depth and behind escapes, the limits;
 * for every text, agreement with jansson (t/fuzz/jread_reference.h).
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


static jwtgate_rc_t
read_text(const char *text, size_t len)
{
    return read_limits(text, len, NULL, NULL);
}


static jwtgate_rc_t
read_str(const char *text)
{
    return read_text(text, strlen(text));
}


/* an object of n members "m0".."m<n-1>", then extra before the brace */

static char *
members(size_t n, const char *extra)
{
    char    *out;
    size_t   i, len;

    out = malloc(n * 16 + strlen(extra) + 4);
    assert_non_null(out);

    len = 0;
    out[len++] = '{';

    for (i = 0; i < n; i++) {
        len += (size_t) sprintf(out + len, "%s\"m%zu\":0", i ? "," : "", i);
    }

    len += (size_t) sprintf(out + len, "%s}", extra);

    return out;
}


/* an object of n members "prefix--0".."prefix--<n-1>", then extra: the
 * names share their first 8 bytes */

static char *
long_names(size_t n, const char *extra)
{
    char    *out;
    size_t   i, len;

    out = malloc(n * 24 + strlen(extra) + 4);
    assert_non_null(out);

    len = 0;
    out[len++] = '{';

    for (i = 0; i < n; i++) {
        len += (size_t) sprintf(out + len, "%s\"prefix--%zu\":0",
                                i ? "," : "", i);
    }

    len += (size_t) sprintf(out + len, "%s}", extra);

    return out;
}


static void
test_valid_texts(void **state)
{
    size_t              i;
    static const char  *ok[] = {
        "{}",
        " \t\r\n{ \t\r\n} \t\r\n",
        "{\"\":0}",
        "{\"a\":1,\"b\":[],\"c\":{},\"d\":\"\",\"e\":null,\"f\":true,"
            "\"g\":false}",
        "{\"a\" : [ 1 , 2 , [ ] , { } ] , \"b\" : { \"c\" : \"d\" } }",
        "{\"a\":\"\x7f\"}",                         /* DEL is a character */
        "{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
        "{\"a\":\"\xf4\x8f\xbf\xbf\"}",             /* U+10FFFF */
        "{\"a\":\"\xed\x9f\xbf\xee\x80\x80\"}",     /* around surrogates */
        "{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}",
        "{\"a\":\"\\u0001\\u001F\\u00e9\\u20AC\\uffff\"}",
        "{\"a\":\"\\ud83d\\ude00\\uDBFF\\uDFFF\"}",
        "{\"a\":[0,-0,1,-1,10,0.5,-0.5,0.0,1e5,1E5,1e+5,1e-5,1.5E-05]}",
        "{\"a\":[9223372036854775807,-9223372036854775808]}",
        "{\"a\":[1e-400,-1e-400,0e999999999999999999999]}",
        "{\"a\":[1.7976931348623157e308,-1.7976931348623158e308,1e308]}",
        "{\"a\":[1e-99999999999999999999]}",
        "{\"a\":{\"a\":{\"a\":[{\"a\":1}]}}}",
    };

    (void) state;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(read_str(ok[i]), JWTGATE_OK);
    }
}


static void
test_not_json(void **state)
{
    size_t              i;
    static const char  *bad[] = {
        "",
        " ",
        "[]",
        "[{}]",
        "\"{}\"",
        "1",
        "true",
        "null",
        "\xef\xbb\xbf{}",                   /* a byte order mark */
        "{",
        "}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":1,}",                       /* trailing commas */
        "{\"a\":[1,]}",
        "{,}",
        "{\"a\":[,1]}",
        "{\"a\":1}}",
        "{\"a\":1} {}",                     /* trailing garbage */
        "{\"a\":1} x",
        "{\"a\":1}\x0c",                    /* form feed: not whitespace */
        "{\x0b\"a\":1}",
        "{a:1}",
        "{'a':1}",
        "{\"a\":'b'}",
        "{\"a\":1 /* c */}",                /* comments */
        "{\"a\":1} // c",
        "{# c\n\"a\":1}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":True}",
        "{\"a\":nul}",
        "{\"a\":NaN}",
        "{\"a\":Infinity}",
        "{\"a\":-Infinity}",
        "{\"a\":[1 2]}",
        "{\"a\":[1}",
        "{\"a\":{\"b\":1]}",
        "{\"a\":\"b}",
        "{\"a",
        "{\"a\":1",
        "{\"a\":[1",
        "{\"a\":[1 ",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(read_str(bad[i]), JWTGATE_ERR_MALFORMED);
    }
}


static void
test_bad_numbers(void **state)
{
    size_t              i;
    static const char  *bad[] = {
        "{\"a\":01}",
        "{\"a\":-01}",
        "{\"a\":00}",
        "{\"a\":1.}",
        "{\"a\":1.e5}",
        "{\"a\":.5}",
        "{\"a\":-}",
        "{\"a\":--1}",
        "{\"a\":+1}",
        "{\"a\":1e}",
        "{\"a\":1e+}",
        "{\"a\":1E-}",
        "{\"a\":1ee5}",
        "{\"a\":0x10}",
        "{\"a\":1_000}",
        "{\"a\":- 1}",
        "{\"a\":1.5.5}",
        /* beyond int64 */
        "{\"a\":9223372036854775808}",
        "{\"a\":-9223372036854775809}",
        "{\"a\":99999999999999999999}",
        /* beyond a double */
        "{\"a\":1e309}",
        "{\"a\":-1e309}",
        "{\"a\":1.7976931348623159e308}",
        "{\"a\":0.1e310}",
        "{\"a\":1e99999999999999999999}",
        "{\"exp\":1e400}",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(read_str(bad[i]), JWTGATE_ERR_MALFORMED);
    }
}


/* the exact point where a decimal rounds to infinity, next to strtod */

static void
test_double_overflow_edge(void **state)
{
    int                 over;
    char               *text;
    size_t              i;
    static const char  *num[] = {
        /* 2^1024 - 2^970: a tie, rounds to even, up: infinity */
        "1797693134862315807937289714053034150799341327100378269361737789"
        "8044496829276475094664901797758720709633028641669288791094655554"
        "7851940402630657488671505820681908902000708383676273854845817711"
        "5317644757302700698555713669596228429148198608349364752927190741"
        "68444365510704342711559699508093042880177904174497792",
        "1797693134862315807937289714053034150799341327100378269361737789"
        "8044496829276475094664901797758720709633028641669288791094655554"
        "7851940402630657488671505820681908902000708383676273854845817711"
        "5317644757302700698555713669596228429148198608349364752927190741"
        "68444365510704342711559699508093042880177904174497791.999999",
        "1797693134862315807937289714053034150799341327100378269361737789"
        "8044496829276475094664901797758720709633028641669288791094655554"
        "7851940402630657488671505820681908902000708383676273854845817711"
        "5317644757302700698555713669596228429148198608349364752927190741"
        "68444365510704342711559699508093042880177904174497792.000001",
        "1.79769313486231580793728971405303415079934132710037826936173778"
        "9804449682927647509466490179775872070963302864166928879109465555"
        "4785194040263065748867150582068190890200070838367627385484581771"
        "1531764475730270069855571366959622842914819860834936475292719074"
        "168444365510704342711559699508093042880177904174497792e308",
        "0.00017976931348623158079372897140530341507993413271003782693617"
        "3778980444968292764750946649017977587207096330286416692887910946"
        "5555478519404026306574886715058206819089020007083836762738548458"
        "1771153176447573027006985557136695962284291481986083493647529271"
        "9074168444365510704342711559699508093042880177904174497791e312",
        "1.7976931348623158e308",
        "1.79769313486231580793728971405303e308",
        "1.79769313486231580793728971405304e308",
        "179769313486231580793728971405304e275",
        "-1.79769313486231580793728971405304e308",
        "17976931348623157e292",
        "9.9e307",
        "10e307",
        "100e306",
        "1000000e303",
    };

    (void) state;

    for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
        over = isinf(strtod(num[i], NULL));

        text = repeat("{\"a\":", num[i], 1, "}");
        assert_int_equal(read_str(text),
                         over ? JWTGATE_ERR_MALFORMED : JWTGATE_OK);
        free(text);
    }
}


static void
test_bad_strings(void **state)
{
    size_t              i;
    static const char  *bad[] = {
        /* UTF-8 */
        "{\"a\":\"\x80\"}",                 /* a continuation byte alone */
        "{\"a\":\"\xbf\"}",
        "{\"a\":\"\xc3\"}",                 /* truncated */
        "{\"a\":\"\xe2\x82\"}",
        "{\"a\":\"\xf0\x9f\x98\"}",
        "{\"a\":\"\xc3x\"}",
        "{\"a\":\"\xc0\xaf\"}",             /* overlong */
        "{\"a\":\"\xc1\xbf\"}",
        "{\"a\":\"\xe0\x80\xaf\"}",
        "{\"a\":\"\xe0\x9f\xbf\"}",
        "{\"a\":\"\xf0\x80\x80\xaf\"}",
        "{\"a\":\"\xf0\x8f\xbf\xbf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",         /* surrogates, encoded */
        "{\"a\":\"\xed\xbf\xbf\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",     /* above U+10FFFF */
        "{\"a\":\"\xf5\x80\x80\x80\"}",
        "{\"a\":\"\xfe\"}",
        "{\"a\":\"\xff\"}",
        "{\"\xff\":1}",                     /* in a name */
        /* raw control characters */
        "{\"a\":\"\x01\"}",
        "{\"a\":\"\x1f\"}",
        "{\"a\":\"a\tb\"}",
        "{\"a\":\"a\nb\"}",
        "{\"a\nb\":1}",
        /* escapes */
        "{\"a\":\"\\a\"}",
        "{\"a\":\"\\x41\"}",
        "{\"a\":\"\\U0041\"}",
        "{\"a\":\"\\'\"}",
        "{\"a\":\"\\u00g1\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u\"}",
        "{\"a\":\"\\\"}",
        "{\"a\":\"\\",
        /* NUL, escaped */
        "{\"a\":\"\\u0000\"}",
        "{\"a\\u0000b\":1}",
        /* lone and broken surrogates */
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\ud800x\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\ud800\\ud800\"}",
        "{\"a\":\"\\ud800\\n\"}",
        "{\"a\":\"\\ud800\\udc0\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\udfff\\ud800\"}",
        "{\"\\udc00\":1}",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(read_str(bad[i]), JWTGATE_ERR_MALFORMED);
    }
}


/* a raw NUL is refused anywhere; jansson 2.14 lets some through */

static void
test_raw_nul(void **state)
{
    size_t   i;
    json_t  *ref;
    static const struct {
        const char  *text;
        size_t       len;
    } nul[] = {
        { TEXT("{\"a\":1\0}") },
        { TEXT("{\"a\":true\0}") },
        { TEXT("{\"a\":[1\0]}") },
        { TEXT("{\"a\":\"x\0y\"}") },
        { TEXT("{\"a\0\":1}") },
        { TEXT("{\0\"a\":1}") },
        { TEXT("{\"a\":1}\0") },
        { TEXT("\0{}") },
    };

    (void) state;

    for (i = 0; i < sizeof(nul) / sizeof(nul[0]); i++) {
        assert_int_equal(read_text(nul[i].text, nul[i].len),
                         JWTGATE_ERR_MALFORMED);
    }

    /* the difference is jansson's: it takes the first */
    ref = json_loadb(nul[0].text, nul[0].len, 0, NULL);
    assert_non_null(ref);
    json_decref(ref);
}


static void
test_duplicates(void **state)
{
    size_t              i;
    static const char  *dup[] = {
        "{\"a\":1,\"a\":1}",
        "{\"a\":1,\"b\":2,\"a\":3}",
        "{\"\":1,\"\":2}",
        /* at every depth, in objects inside arrays */
        "{\"x\":{\"a\":1,\"a\":2}}",
        "{\"x\":{\"y\":{\"z\":{\"a\":1,\"b\":{},\"a\":2}}}}",
        "{\"x\":[1,{\"a\":1,\"a\":2}]}",
        "{\"x\":[[[{\"q\":[{\"a\":1,\"a\":1}]}]]]}",
        "{\"a\":{\"b\":1},\"c\":2,\"a\":{\"b\":1}}",
        /* the same name behind escapes */
        "{\"a\":1,\"\\u0061\":2}",
        "{\"\\u0061\":1,\"a\":2}",
        "{\"\\u0061\":1,\"\\u0061\":2}",
        "{\"\\u0061lg\":\"none\",\"alg\":\"RS256\"}",
        "{\"alg\":\"RS256\",\"al\\u0067\":\"none\"}",
        "{\"a/b\":1,\"a\\/b\":2}",
        "{\"\\\"\":1,\"\\u0022\":2}",
        "{\"\xc3\xa9\":1,\"\\u00e9\":2}",
        "{\"\\u00E9\":1,\"\\u00e9\":2}",
        "{\"\xf0\x9f\x98\x80\":1,\"\\ud83d\\ude00\":2}",
        "{\"x\":{\"k\\u0069d\":1,\"kid\":2}}",
        /* longer than 8 bytes, escaped before, in and after the first 8 */
        "{\"abcdefghij\":1,\"abcdefghij\":2}",
        "{\"abcdefghij\":1,\"\\u0061bcdefghij\":2}",
        "{\"abcdefghij\":1,\"abcdefgh\\u0069j\":2}",
        "{\"abcdefghij\":1,\"abcdefghi\\u006a\":2}",
        "{\"caf\xc3\xa9-caf\xc3\xa9\":1,\"caf\\u00e9-caf\\u00e9\":2}",
    };
    static const char  *ok[] = {
        /* longer than the 8 bytes compared as one integer */
        "{\"abcdefgh1\":1,\"abcdefgh2\":2,\"abcdefgh\":3,\"abcdefg\":4}",
        "{\"abcdefghij\":1,\"abcdefghik\":2,\"\\u0061bcdefghil\":3}",
        /* the same name in different objects */
        "{\"x\":{\"a\":1},\"y\":{\"a\":1},\"a\":{\"a\":{\"a\":1}}}",
        "{\"x\":[{\"a\":1},{\"a\":1}]}",
        /* names that only look alike */
        "{\"a\":1,\"A\":2,\"a \":3,\" a\":4,\"\\u0062\":5}",
        "{\"\xc3\xa9\":1,\"e\\u0301\":2}",
        "{\"\\u00e9\":1,\"\\u00e8\":2}",
        "{\"ab\":1,\"a\":2,\"b\":3}",
    };

    (void) state;

    for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        assert_int_equal(read_str(dup[i]), JWTGATE_ERR_MALFORMED);
    }

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(read_str(ok[i]), JWTGATE_OK);
    }
}


/* objects past the pairwise size are sorted when they close */

static void
test_duplicates_in_big_objects(void **state)
{
    char    *text, *obj, *arr, *big;
    size_t   n;

    (void) state;

    for (n = 15; n <= 40; n++) {
        text = members(n, "");
        assert_int_equal(read_str(text), JWTGATE_OK);
        free(text);

        /* a repeat of the first, the last, escaped */
        text = members(n, ",\"m0\":1");
        assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
        free(text);

        text = members(n, ",\"m\\u0030\":1");
        assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
        free(text);
    }

    text = members(40, ",\"m39\":1");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);

    /* escaped, and long names alike in their first 8 bytes, in a big
     * object: found whatever order the sort puts them in */
    text = members(20, ",\"\\u006d\\u0031\\u0037\":1");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);

    text = long_names(40, "");
    assert_int_equal(read_str(text), JWTGATE_OK);
    free(text);

    text = long_names(40, ",\"prefix--\\u00317\":1");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);

    text = long_names(40, ",\"prefix--39\":1");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);

    text = long_names(40, ",\"prefix--\\u0030\":1");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);

    /* siblings share the name stack: closed objects' names never clash */
    obj = members(30, "");
    arr = concat("{\"s\":[", obj, ",");
    text = concat(arr, obj, ",");
    free(arr);
    arr = concat(text, obj, "]}");
    free(text);
    assert_int_equal(read_str(arr), JWTGATE_OK);
    free(arr);

    /* and a duplicate in the second sibling only */
    text = members(30, ",\"m7\":1");
    arr = concat("{\"s\":[", obj, ",");
    big = concat(arr, text, "]}");
    assert_int_equal(read_str(big), JWTGATE_ERR_MALFORMED);
    free(big);
    free(arr);
    free(text);

    /* a big object inside a big object, with the same names */
    text = members(20, ",\"in\":");
    text[strlen(text) - 1] = '\0';
    arr = concat(text, obj, ",\"m25\":1}");
    assert_int_equal(read_str(arr), JWTGATE_OK);
    free(arr);

    arr = concat(text, obj, ",\"m19\":1}");
    assert_int_equal(read_str(arr), JWTGATE_ERR_MALFORMED);
    free(arr);
    free(text);
    free(obj);

    /* more names open at once than the stack holds: 200 at the top, and a
     * duplicate found after the move to the heap */
    text = members(200, "");
    assert_int_equal(read_str(text), JWTGATE_OK);
    free(text);

    text = members(200, ",\"x\":{\"m3\":{\"m3\":[]}}");
    assert_int_equal(read_str(text), JWTGATE_OK);
    free(text);

    text = members(200, ",\"m\\u0031\\u0039\\u0039\":0");
    assert_int_equal(read_str(text), JWTGATE_ERR_MALFORMED);
    free(text);
}


static void
test_limits(void **state)
{
    char              *text;
    jwtgate_limits_t   limits;

    (void) state;

    jwtgate_limits_init(&limits);
    limits.max_depth = 3;
    limits.max_string = 4;
    limits.max_members = 3;

#define LIM(s)  read_limits(TEXT(s), &limits, NULL)

    /* depth: the top object is 1 */
    assert_int_equal(LIM("{\"a\":{\"b\":[1]}}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":{\"b\":[[]]}}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":[[{}]]}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":[[\"abcd\"]]}"), JWTGATE_OK);

    /* strings, names too, in bytes after unescaping */
    assert_int_equal(LIM("{\"abcd\":\"abcd\"}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"abcde\":1}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":\"abcde\"}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":[\"abcde\"]}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":\"\\u0041\\u0042\\u0043\\u0044\"}"),
                     JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":\"ab\\u00e9\"}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":\"abc\\u00e9\"}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":\"\\ud83d\\ude00\"}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":\"x\\ud83d\\ude00\"}"),
                     JWTGATE_ERR_TOO_LARGE);

    /* members of objects, elements of arrays */
    assert_int_equal(LIM("{\"a\":1,\"b\":2,\"c\":3}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"),
                     JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":[1,2,3]}"), JWTGATE_OK);
    assert_int_equal(LIM("{\"a\":[1,2,3,4]}"), JWTGATE_ERR_TOO_LARGE);
    assert_int_equal(LIM("{\"a\":{\"a\":1,\"b\":2,\"c\":3,\"d\":4}}"),
                     JWTGATE_ERR_TOO_LARGE);

    /* over the limit is refused before the text is read to its end */
    assert_int_equal(LIM("{\"a\":[[[\xff"), JWTGATE_ERR_TOO_LARGE);

#undef LIM

    /* the cap on nesting holds whatever max_depth says */
    limits.max_depth = (size_t) -1;
    limits.max_members = 10;
    limits.max_string = 10;

    text = repeat("{\"a\":", "[", JWTGATE_MAX_DEPTH_CAP - 1, "1");
    assert_int_equal(jwtgate_jread(text, strlen(text), &limits, NULL, 0,
                                   NULL),
                     JWTGATE_ERR_MALFORMED);        /* not closed */
    free(text);

    text = repeat("{\"a\":", "[", JWTGATE_MAX_DEPTH_CAP, "1");
    assert_int_equal(jwtgate_jread(text, strlen(text), &limits, NULL, 0,
                                   NULL),
                     JWTGATE_ERR_TOO_LARGE);
    free(text);

    /* and 100000 levels are refused early, without a deep recursion */
    text = repeat("{\"a\":", "[", 100000, "");
    assert_int_equal(jwtgate_jread(text, strlen(text), &limits, NULL, 0,
                                   NULL),
                     JWTGATE_ERR_TOO_LARGE);
    free(text);
}


/* nesting up to the cap, closed, is accepted and agrees with jansson */

static void
test_depth_cap_exact(void **state)
{
    char              *open, *text;
    jwtgate_limits_t   limits;

    (void) state;

    jwtgate_limits_init(&limits);
    limits.max_depth = (size_t) -1;

    open = repeat("{\"a\":", "[", JWTGATE_MAX_DEPTH_CAP - 1, "1");
    text = repeat(open, "]", JWTGATE_MAX_DEPTH_CAP - 1, "}");
    free(open);

    assert_int_equal(read_limits(text, strlen(text), &limits, NULL),
                     JWTGATE_OK);
    free(text);

    open = repeat("{\"a\":", "[", JWTGATE_MAX_DEPTH_CAP, "1");
    text = repeat(open, "]", JWTGATE_MAX_DEPTH_CAP, "}");
    free(open);

    assert_int_equal(read_limits(text, strlen(text), &limits, NULL),
                     JWTGATE_ERR_TOO_LARGE);
    free(text);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_valid_texts),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_double_overflow_edge),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_raw_nul),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_duplicates_in_big_objects),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_depth_cap_exact),
    };

    return cmocka_run_group_tests_name("strict JSON reader", tests, NULL,
                                       NULL);
}
