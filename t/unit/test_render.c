/*
 * Values handed to nginx: jwtgate_render_header_value() and
 * jwtgate_render_json_text().  A value is either safe in a header line
 * and reads back as what the token said, or refused with its reason;
 * hostile shapes from the token (control bytes, separators, nesting,
 * padding, size) and from the tree (a NUL jansson holds).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"
#include "fixtures.h"


/* no control byte, nothing around: what may go into a header line */

static void
assert_header_safe(const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        assert_false((unsigned char) p[i] < 0x20
                     || (unsigned char) p[i] == 0x7f);
    }

    if (n > 0) {
        assert_true(p[0] != ' ' && p[n - 1] != ' ');
    }
}


/* renders v: measured, then written into a buffer of exactly that size */

static jwtgate_render_rc_t
render(const json_t *v, char *buf, size_t size, size_t *len)
{
    size_t               n, m;
    jwtgate_render_rc_t  rc, rc2;

    rc = jwtgate_render_header_value(v, NULL, 0, &n);
    assert_true(n <= size);

    memset(buf, '#', size);
    rc2 = jwtgate_render_header_value(v, buf, n, &m);

    /* the verdict does not depend on the buffer */
    assert_int_equal(rc, rc2);

    if (rc == JWTGATE_RENDER_OK) {
        assert_int_equal(n, m);
        assert_header_safe(buf, n);

        /* nothing written beyond, no NUL added */
        if (n < size) {
            assert_int_equal(buf[n], '#');
        }

    } else {
        assert_int_equal(n, 0);
        assert_int_equal(m, 0);
    }

    *len = n;

    return rc;
}


/* json (any JSON value) renders to expect */

static void
check_ok(const char *json, const char *expect)
{
    char     buf[512];
    size_t   n;
    json_t  *v;

    v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);

    assert_int_equal(render(v, buf, sizeof(buf), &n), JWTGATE_RENDER_OK);
    assert_int_equal(n, strlen(expect));
    assert_memory_equal(buf, expect, n);

    json_decref(v);
}


/* json is refused for reason */

static void
check_refused(const char *json, jwtgate_render_rc_t reason)
{
    char     buf[512];
    size_t   n;
    json_t  *v;

    v = json_loads(json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);

    assert_int_equal(render(v, buf, sizeof(buf), &n), reason);

    json_decref(v);
}


static void
test_strings(void **state)
{
    (void) state;

    check_ok("\"alice\"", "alice");
    check_ok("\"\"", "");
    check_ok("\"Doe, John\"", "Doe, John");     /* a string, not a list */
    check_ok("\"a \\\"b\\\" \\\\ c\"", "a \"b\" \\ c");
    check_ok("\"a  b\"", "a  b");

    /* non-ASCII UTF-8 goes as its bytes, C1 and U+2028 included */
    check_ok("\"caf\\u00e9\"", "caf\xc3\xa9");
    check_ok("\"\\u2603 \\ud83d\\ude00\"", "\xe2\x98\x83 \xf0\x9f\x98\x80");
    check_ok("\"a\\u0085b\\u2028c\"", "a\xc2\x85" "b\xe2\x80\xa8" "c");

    /* control bytes, escaped or raw, anywhere */
    check_refused("\"Bob\\r\\nX-User-Id: admin\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"a\\nb\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"\\r\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"a\\tb\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"\\u0001\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"\\u001f\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"x\\u007fy\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"x\x7fy\"", JWTGATE_RENDER_CONTROL);
    check_refused("\"trailing\\n\"", JWTGATE_RENDER_CONTROL);

    /* spaces around: a header parser drops them */
    check_refused("\" admin\"", JWTGATE_RENDER_SPACE);
    check_refused("\"admin \"", JWTGATE_RENDER_SPACE);
    check_refused("\" \"", JWTGATE_RENDER_SPACE);
    check_ok("\"\\u00a0admin\"", "\xc2\xa0" "admin");
}


static void
test_nul_in_tree(void **state)
{
    char     buf[64];
    size_t   n;
    json_t  *v, *a;

    (void) state;

    /* the reader refuses "\u0000"; a tree made otherwise is refused too */
    v = json_stringn("adm\0in", 6);
    assert_non_null(v);
    assert_int_equal(render(v, buf, sizeof(buf), &n),
                     JWTGATE_RENDER_CONTROL);

    a = json_array();
    json_array_append_new(a, json_string("user"));
    json_array_append(a, v);
    assert_int_equal(render(a, buf, sizeof(buf), &n),
                     JWTGATE_RENDER_CONTROL);
    json_decref(a);

    a = json_object();
    json_object_set(a, "name", v);
    assert_int_equal(render(a, buf, sizeof(buf), &n),
                     JWTGATE_RENDER_CONTROL);
    json_decref(a);

    json_decref(v);
}


static void
test_scalars(void **state)
{
    (void) state;

    check_ok("0", "0");
    check_ok("-42", "-42");
    check_ok("1300819380", "1300819380");
    check_ok("9223372036854775807", "9223372036854775807");
    check_ok("-9223372036854775808", "-9223372036854775808");
    check_ok("2.5", "2.5");
    check_ok("-0.5", "-0.5");
    /* reals as jansson writes them: 17 significant digits */
    check_ok("1e300", "1.0000000000000001e300");
    check_ok("1e-7", "9.9999999999999995e-8");
    check_ok("0.1", "0.10000000000000001");
    check_ok("1.0", "1.0");
    check_ok("true", "true");
    check_ok("false", "false");
    check_ok("null", "null");
}


static void
test_arrays(void **state)
{
    (void) state;

    check_ok("[\"user\",\"admin\"]", "user,admin");
    check_ok("[]", "");
    check_ok("[\"solo\"]", "solo");
    check_ok("[\"a\",1,true,false,null,2.5,-3]", "a,1,true,false,null,2.5,-3");
    check_ok("[\"a b\",\"c\"]", "a b,c");
    check_ok("[\"\",\"a\",\"\"]", ",a,");
    check_ok("[9223372036854775807]", "9223372036854775807");
    check_ok("[\"caf\\u00e9\"]", "caf\xc3\xa9");

    /* an element that would read as two */
    check_refused("[\"user\",\"team,admin\"]", JWTGATE_RENDER_SEPARATOR);
    check_refused("[\",\"]", JWTGATE_RENDER_SEPARATOR);
    check_refused("[\"admin,\"]", JWTGATE_RENDER_SEPARATOR);
    check_refused("[\"a\",\"b\",\",admin\"]", JWTGATE_RENDER_SEPARATOR);

    /* an element that a list parser trims into another */
    check_refused("[\"user\",\" admin\"]", JWTGATE_RENDER_ELEMENT_SPACE);
    check_refused("[\"admin \",\"user\"]", JWTGATE_RENDER_ELEMENT_SPACE);
    check_refused("[\" \"]", JWTGATE_RENDER_ELEMENT_SPACE);

    /* nested: not a list of scalars */
    check_refused("[[\"admin\"],\"user\"]", JWTGATE_RENDER_NESTED);
    check_refused("[\"user\",[]]", JWTGATE_RENDER_NESTED);
    check_refused("[{\"role\":\"admin\"}]", JWTGATE_RENDER_NESTED);
    check_refused("[[1,2],3]", JWTGATE_RENDER_NESTED);
    check_refused("[{}]", JWTGATE_RENDER_NESTED);

    /* control bytes in an element */
    check_refused("[\"user\",\"admin\\r\\nX: 1\"]", JWTGATE_RENDER_CONTROL);
    check_refused("[\"a\\u007f\"]", JWTGATE_RENDER_CONTROL);

    /* the first refused element decides the reason */
    check_refused("[\"a,b\",\"c\\n\"]", JWTGATE_RENDER_SEPARATOR);
    check_refused("[\"c\\n\",\"a,b\"]", JWTGATE_RENDER_CONTROL);
}


static void
test_objects(void **state)
{
    (void) state;

    check_ok("{}", "{}");
    check_ok("{\"b\": [1, 2], \"a\": \"x\"}", "{\"b\":[1,2],\"a\":\"x\"}");
    check_ok("{\"a\":\"x,y\",\"b\":[1,[2]],\"c\":{\"d\":null}}",
             "{\"a\":\"x,y\",\"b\":[1,[2]],\"c\":{\"d\":null}}");
    check_ok("{\"a\":\" padded \"}", "{\"a\":\" padded \"}");
    check_ok("{\"n\":\"caf\\u00e9\"}", "{\"n\":\"caf\xc3\xa9\"}");
    check_ok("{\"q\":\"a\\\"b\"}", "{\"q\":\"a\\\"b\"}");

    /* a control byte in any string, member names too, at any depth */
    check_refused("{\"a\":\"x\\r\\ny\"}", JWTGATE_RENDER_CONTROL);
    check_refused("{\"a\\n\":1}", JWTGATE_RENDER_CONTROL);
    check_refused("{\"a\":{\"b\":[\"c\",\"\\u007f\"]}}",
                  JWTGATE_RENDER_CONTROL);
    check_refused("{\"a\":[{\"\\u0001\":true}]}", JWTGATE_RENDER_CONTROL);
    check_refused("{\"a\":\"\x7f\"}", JWTGATE_RENDER_CONTROL);
}


static void
test_deep(void **state)
{
    char     buf[16];
    size_t   i, n;
    json_t  *v, *outer;

    (void) state;

    /* deeper than any token's value: refused before jansson recurses */
    v = json_string("x");

    for (i = 0; i < JWTGATE_MAX_DEPTH_CAP + 10; i++) {
        outer = json_object();
        assert_non_null(outer);
        assert_int_equal(json_object_set_new(outer, "a", v), 0);
        v = outer;
    }

    assert_int_equal(jwtgate_render_header_value(v, buf, sizeof(buf), &n),
                     JWTGATE_RENDER_DEEP);
    assert_int_equal(n, 0);

    json_decref(v);
}


static void
test_long(void **state)
{
    char     *s, *buf;
    size_t    i, n;
    json_t   *v, *a;

    (void) state;

    /* 1 MiB string: the length, exactly */
    n = 1 << 20;
    s = malloc(n);
    buf = malloc(n * 2);
    assert_non_null(s);
    assert_non_null(buf);
    memset(s, 'x', n);

    v = json_stringn(s, n);
    assert_int_equal(jwtgate_render_header_value(v, NULL, 0, &i),
                     JWTGATE_RENDER_OK);
    assert_int_equal(i, n);
    assert_int_equal(jwtgate_render_header_value(v, buf, n, &i),
                     JWTGATE_RENDER_OK);
    assert_memory_equal(buf, s, n);
    json_decref(v);

    /* ... with one bad byte at its very end */
    s[n - 1] = '\n';
    v = json_stringn(s, n);
    assert_int_equal(jwtgate_render_header_value(v, buf, n, &i),
                     JWTGATE_RENDER_CONTROL);
    json_decref(v);

    /* 10000 elements, the separator in the last one */
    a = json_array();

    for (i = 0; i < 10000; i++) {
        json_array_append_new(a, json_string("role"));
    }

    assert_int_equal(jwtgate_render_header_value(a, NULL, 0, &n),
                     JWTGATE_RENDER_OK);
    assert_int_equal(n, 10000 * 5 - 1);

    json_array_append_new(a, json_string("a,b"));
    assert_int_equal(jwtgate_render_header_value(a, NULL, 0, &n),
                     JWTGATE_RENDER_SEPARATOR);
    json_decref(a);

    free(s);
    free(buf);
}


static void
test_small_buffer(void **state)
{
    char     buf[32];
    size_t   i, n, len, full;
    json_t  *v;
    static const char  *json[] = {
        "\"abcdefghij\"",
        "[\"abc\",\"def\",\"ghi\"]",
        "[1,22,333]",
        "{\"abc\":\"defgh\"}",
        "12345678901",
    };

    (void) state;

    for (i = 0; i < sizeof(json) / sizeof(json[0]); i++) {
        v = json_loads(json[i], JSON_DECODE_ANY, NULL);
        assert_non_null(v);

        assert_int_equal(jwtgate_render_header_value(v, NULL, 0, &full),
                         JWTGATE_RENDER_OK);

        /* snprintf-like: the full length, at most size bytes written */
        for (n = 0; n <= full; n++) {
            memset(buf, '#', sizeof(buf));
            assert_int_equal(jwtgate_render_header_value(v, buf, n, &len),
                             JWTGATE_RENDER_OK);
            assert_int_equal(len, full);
            assert_int_equal(buf[n], '#');
        }

        json_decref(v);
    }
}


static void
test_strerror(void **state)
{
    int  i, j;

    (void) state;

    assert_string_equal(jwtgate_render_strerror(JWTGATE_RENDER_CONTROL),
                        "the value holds a control character");
    assert_string_equal(jwtgate_render_strerror(JWTGATE_RENDER_SEPARATOR),
                        "an array element holds ','");
    assert_string_equal(jwtgate_render_strerror(JWTGATE_RENDER_SPACE),
                        "the value begins or ends with a space");
    assert_string_equal(
        jwtgate_render_strerror(JWTGATE_RENDER_ELEMENT_SPACE),
        "an array element begins or ends with a space");
    assert_string_equal(jwtgate_render_strerror(JWTGATE_RENDER_NESTED),
                        "an array element is an array or an object");
    assert_string_equal(jwtgate_render_strerror(JWTGATE_RENDER_LAST),
                        "unknown");
    assert_string_equal(jwtgate_render_strerror((jwtgate_render_rc_t) -1),
                        "unknown");

    for (i = 0; i < JWTGATE_RENDER_LAST; i++) {
        for (j = i + 1; j < JWTGATE_RENDER_LAST; j++) {
            assert_string_not_equal(jwtgate_render_strerror(i),
                                    jwtgate_render_strerror(j));
        }
    }
}


/* jwtgate_render_json_text() on text gives expect (NULL: refused) */

static void
check_text(const char *text, const char *expect)
{
    char                 buf[256];
    size_t               n, m;
    jwtgate_render_rc_t  rc;

    rc = jwtgate_render_json_text(text, strlen(text), NULL, 0, &n);

    if (expect == NULL) {
        assert_int_equal(rc, JWTGATE_RENDER_CONTROL);
        assert_int_equal(n, 0);
        assert_int_equal(jwtgate_render_json_text(text, strlen(text), buf,
                                                  sizeof(buf), &m),
                         JWTGATE_RENDER_CONTROL);
        return;
    }

    assert_int_equal(rc, JWTGATE_RENDER_OK);
    assert_int_equal(n, strlen(expect));

    memset(buf, '#', sizeof(buf));
    assert_int_equal(jwtgate_render_json_text(text, strlen(text), buf, n, &m),
                     JWTGATE_RENDER_OK);
    assert_int_equal(m, n);
    assert_memory_equal(buf, expect, n);
    assert_int_equal(buf[n], '#');
    assert_header_safe(buf, n);
}


static void
test_json_text(void **state)
{
    char    buf[8];
    size_t  n;

    (void) state;

    /* compact text is the same text */
    check_text("{\"sub\":\"bob\",\"exp\":1}", "{\"sub\":\"bob\",\"exp\":1}");
    check_text("{}", "{}");

    /* whitespace between tokens goes, whatever it is */
    check_text("{\"sub\":\"bob\",  \"exp\":1}", "{\"sub\":\"bob\",\"exp\":1}");
    check_text("\r\n {\r\n\t\"sub\" : \"bob\" ,\r\n\"a\" : [ 1 , 2 ]\r\n}\r\n",
               "{\"sub\":\"bob\",\"a\":[1,2]}");

    /* strings stay as they are: spaces, escapes, escaped quotes */
    check_text("{\"n\" : \"a b \\\" c\\r\\n\" }",
               "{\"n\":\"a b \\\" c\\r\\n\"}");
    check_text("{\"n\":\"\\\\\" , \"m\" : \" x \"}",
               "{\"n\":\"\\\\\",\"m\":\" x \"}");
    check_text("{\"n\":\"caf\xc3\xa9\"}", "{\"n\":\"caf\xc3\xa9\"}");

    /* a control byte left: a raw DEL in a string, raw CR in a string
     * (not JSON), any other control byte */
    check_text("{\"n\":\"a\x7f" "b\"}", NULL);
    check_text("{\"n\":\"a\rb\"}", NULL);
    check_text("{\"n\":\"a\tb\"}", NULL);
    check_text("{\x01}", NULL);
    check_text("{\x7f}", NULL);
    check_text("{\"n\":1}\x0b", NULL);

    /* not JSON at all: still nothing unsafe comes out */
    check_text("\"unterminated \\", "\"unterminated \\");
    check_text("a b", "ab");

    /* snprintf-like */
    memset(buf, '#', sizeof(buf));
    assert_int_equal(jwtgate_render_json_text("{ \"a\" : 1 }", 11, buf, 3,
                                              &n),
                     JWTGATE_RENDER_OK);
    assert_int_equal(n, 7);
    assert_memory_equal(buf, "{\"a###", 6);
}


/* from a token: the reader refuses what must never get this far */

static jwtgate_rc_t
parse(const char *payload, jwtgate_token_t **t)
{
    return fx_parse_json("{\"alg\":\"RS256\"}", payload, t);
}


static void
test_from_token(void **state)
{
    char                     buf[64];
    size_t                   n;
    jwtgate_token_t         *t;
    static const char *const name[] = { "name" };
    static const char *const roles[] = { "roles" };

    (void) state;

    /* NUL and integers beyond int64 never make a token */
    t = NULL;
    assert_int_not_equal(parse("{\"name\":\"a\\u0000b\"}", &t), JWTGATE_OK);
    assert_null(t);
    assert_int_not_equal(parse("{\"n\":9223372036854775808}", &t),
                         JWTGATE_OK);
    assert_null(t);
    assert_int_not_equal(parse("{\"name\":\"a\rb\"}", &t), JWTGATE_OK);
    assert_null(t);

    /* a DEL, raw or escaped, makes a token whose value is refused */
    assert_int_equal(parse("{\"name\":\"a\x7f" "b\",\"roles\":[\"u\","
                           "\"\\u007f\"]}", &t),
                     JWTGATE_OK);
    assert_int_equal(render(jwtgate_json_path(jwtgate_token_payload(t),
                                              name, 1), buf, sizeof(buf),
                            &n),
                     JWTGATE_RENDER_CONTROL);
    assert_int_equal(render(jwtgate_json_path(jwtgate_token_payload(t),
                                              roles, 1), buf, sizeof(buf),
                            &n),
                     JWTGATE_RENDER_CONTROL);
    jwtgate_token_free(t);

    /* CR LF escaped in the token: refused; whitespace around: compacted */
    assert_int_equal(parse("{\r\n\"name\":\"Bob\\r\\nX-User-Id: admin\","
                           "\r\n\"roles\":[\"user\",\"team,admin\"]\r\n}",
                           &t),
                     JWTGATE_OK);
    assert_int_equal(render(jwtgate_json_path(jwtgate_token_payload(t),
                                              name, 1), buf, sizeof(buf),
                            &n),
                     JWTGATE_RENDER_CONTROL);
    assert_int_equal(render(jwtgate_json_path(jwtgate_token_payload(t),
                                              roles, 1), buf, sizeof(buf),
                            &n),
                     JWTGATE_RENDER_SEPARATOR);
    jwtgate_token_free(t);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_nul_in_tree),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_deep),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_from_token),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
