/*
 * Rules on token members (jwtgate_rule.c): integers compare exactly, a
 * real number only as far as a double can tell, and every operator --
 * the deny ones first -- fails on a shape it cannot judge.
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


/* JSON text -> jansson value (any type), as the configuration reads it */

static json_t *
j(const char *text)
{
    json_t        *v;
    json_error_t   err;

    v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (v == NULL) {
        fail_msg("bad test JSON %s: %s", text, err.text);
    }

    return v;
}


static int
holds(jwtgate_op_t op, const char *member, const char *value, int plain)
{
    int      r;
    json_t  *m, *v;

    m = j(member);
    v = j(value);
    r = jwtgate_rule_holds(op, m, v, plain);
    json_decref(m);
    json_decref(v);

    return r;
}


static jwtgate_cmp_t
cmp(const char *a, const char *b)
{
    json_t         *x, *y;
    jwtgate_cmp_t   r;

    x = j(a);
    y = j(b);
    r = jwtgate_number_compare(x, y);
    json_decref(x);
    json_decref(y);

    return r;
}


/* a string member: the JSON of a string with any bytes */

static int
holds_string(jwtgate_op_t op, const char *member, size_t len,
    const char *value, int plain)
{
    int      r;
    json_t  *m, *v;

    m = json_stringn_nocheck(member, len);
    v = j(value);
    assert_non_null(m);
    r = jwtgate_rule_holds(op, m, v, plain);
    json_decref(m);
    json_decref(v);

    return r;
}


static void
test_integers_exact(void **state)
{
    (void) state;

    assert_int_equal(cmp("9007199254740993", "9007199254740992"),
                     JWTGATE_CMP_GREATER);
    assert_int_equal(cmp("9007199254740992", "9007199254740993"),
                     JWTGATE_CMP_LESS);
    assert_int_equal(cmp("9007199254740993", "9007199254740993"),
                     JWTGATE_CMP_EQUAL);
    assert_int_equal(cmp("1234567890123456789", "1234567890123456788"),
                     JWTGATE_CMP_GREATER);
    assert_int_equal(cmp("9223372036854775807", "9223372036854775806"),
                     JWTGATE_CMP_GREATER);
    assert_int_equal(cmp("-9223372036854775808", "9223372036854775807"),
                     JWTGATE_CMP_LESS);
    assert_int_equal(cmp("-9223372036854775808", "-9223372036854775808"),
                     JWTGATE_CMP_EQUAL);
    assert_int_equal(cmp("0", "-0"), JWTGATE_CMP_EQUAL);
}


static void
test_reals(void **state)
{
    (void) state;

    /* below 2^53 a double holds every integer: 1 is 1.0 */
    assert_int_equal(cmp("1", "1.0"), JWTGATE_CMP_EQUAL);
    assert_int_equal(cmp("1.5", "1"), JWTGATE_CMP_GREATER);
    assert_int_equal(cmp("-0.0", "0"), JWTGATE_CMP_EQUAL);
    assert_int_equal(cmp("9007199254740991", "9007199254740991.0"),
                     JWTGATE_CMP_EQUAL);
    assert_int_equal(cmp("9007199254740991", "9007199254740990.0"),
                     JWTGATE_CMP_GREATER);

    /* from 2^53 on, equal doubles are no answer */
    assert_int_equal(cmp("9007199254740992", "9007199254740992.0"),
                     JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("9007199254740993", "9007199254740992.0"),
                     JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("9007199254740993.0", "9007199254740992.0"),
                     JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("-9007199254740993", "-9007199254740992.0"),
                     JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("1e300", "1e300"), JWTGATE_CMP_UNKNOWN);

    /* different doubles order their numbers, however big */
    assert_int_equal(cmp("9007199254740995", "9007199254740992.0"),
                     JWTGATE_CMP_GREATER);
    assert_int_equal(cmp("9007199254740992.0", "9007199254740995"),
                     JWTGATE_CMP_LESS);
    assert_int_equal(cmp("1234567890123456789", "1e300"), JWTGATE_CMP_LESS);
    assert_int_equal(cmp("-1e300", "-9223372036854775808"),
                     JWTGATE_CMP_LESS);
    assert_int_equal(cmp("9223372036854775807", "9.3e18"),
                     JWTGATE_CMP_LESS);

    /* not two numbers */
    assert_int_equal(cmp("\"1\"", "1"), JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("1", "null"), JWTGATE_CMP_UNKNOWN);
    assert_int_equal(cmp("[1]", "1"), JWTGATE_CMP_UNKNOWN);
}


static void
test_eq_ne_big_integers(void **state)
{
    (void) state;

    assert_true(holds(JWTGATE_OP_EQ, "9007199254740993",
                      "9007199254740993", 0));
    assert_false(holds(JWTGATE_OP_EQ, "9007199254740992",
                       "9007199254740993", 0));
    assert_true(holds(JWTGATE_OP_NE, "9007199254740992",
                      "9007199254740993", 0));
    assert_false(holds(JWTGATE_OP_NE, "9007199254740993",
                       "9007199254740993", 0));

    /* a real at 2^53: neither equal nor different */
    assert_false(holds(JWTGATE_OP_EQ, "9007199254740992",
                       "9007199254740992.0", 0));
    assert_false(holds(JWTGATE_OP_NE, "9007199254740993",
                       "9007199254740992.0", 0));
    assert_true(holds(JWTGATE_OP_NE, "9007199254740995",
                      "9007199254740992.0", 0));

    /* inside structures too */
    assert_false(holds(JWTGATE_OP_EQ, "[9007199254740992]",
                       "[9007199254740993]", 0));
    assert_true(holds(JWTGATE_OP_EQ, "{\"a\":[1,1234567890123456789]}",
                      "{\"a\":[1.0,1234567890123456789]}", 0));
    assert_false(holds(JWTGATE_OP_EQ, "{\"a\":1234567890123456788}",
                       "{\"a\":1234567890123456789}", 0));
}


static void
test_plain_numbers(void **state)
{
    (void) state;

    /* a plain text that is one JSON number matches a number by value */
    assert_true(holds(JWTGATE_OP_EQ, "1234567890123456789",
                      "\"1234567890123456789\"", 1));
    assert_false(holds(JWTGATE_OP_EQ, "1234567890123456788",
                       "\"1234567890123456789\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "1234567890123456788",
                      "\"1234567890123456789\"", 1));
    assert_true(holds(JWTGATE_OP_EQ, "5", "\"5.0\"", 1));
    assert_true(holds(JWTGATE_OP_EQ, "5.0", "\"5\"", 1));
    assert_true(holds(JWTGATE_OP_EQ, "-9223372036854775808",
                      "\"-9223372036854775808\"", 1));

    /* a text real at 2^53: no answer */
    assert_false(holds(JWTGATE_OP_EQ, "9007199254740992",
                       "\"9007199254740993.0\"", 1));
    assert_false(holds(JWTGATE_OP_NE, "9007199254740992",
                       "\"9007199254740993.0\"", 1));

    /* a number too big to hold: no answer either */
    assert_false(holds(JWTGATE_OP_EQ, "1e20",
                       "\"100000000000000000000\"", 1));
    assert_false(holds(JWTGATE_OP_NE, "1e20",
                       "\"100000000000000000000\"", 1));
    assert_false(holds(JWTGATE_OP_NE, "5", "\"1e400\"", 1));
    assert_false(holds(JWTGATE_OP_NE, "5", "\"-9223372036854775809\"", 1));

    /* a text that is not a number is simply another value */
    assert_true(holds(JWTGATE_OP_NE, "5", "\"five\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "5", "\"05\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "5", "\" 5\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "5", "\"5e\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "5", "\"\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "5", "\"-\"", 1));

    /* strings by bytes, literals by name */
    assert_true(holds(JWTGATE_OP_EQ, "\"5\"", "\"5\"", 1));
    assert_false(holds(JWTGATE_OP_EQ, "\"5\"", "\"5.0\"", 1));
    assert_true(holds(JWTGATE_OP_EQ, "true", "\"true\"", 1));
    assert_true(holds(JWTGATE_OP_NE, "false", "\"true\"", 1));
    assert_true(holds(JWTGATE_OP_EQ, "null", "\"null\"", 1));
    assert_false(holds(JWTGATE_OP_EQ, "null", "\"nul\"", 1));
}


static void
test_order(void **state)
{
    (void) state;

    assert_true(holds(JWTGATE_OP_GT, "9007199254740993",
                      "9007199254740992", 0));
    assert_false(holds(JWTGATE_OP_GT, "9007199254740992",
                       "9007199254740992", 0));
    assert_true(holds(JWTGATE_OP_GE, "9007199254740992",
                      "9007199254740992", 0));
    assert_false(holds(JWTGATE_OP_GE, "9007199254740992",
                       "9007199254740993", 0));
    assert_true(holds(JWTGATE_OP_LT, "9007199254740992",
                      "9007199254740993", 0));
    assert_true(holds(JWTGATE_OP_LE, "1234567890123456788",
                      "1234567890123456788", 0));
    assert_false(holds(JWTGATE_OP_LE, "1234567890123456789",
                       "1234567890123456788", 0));

    /* with a real: sure orders hold, equal doubles at 2^53 do not */
    assert_true(holds(JWTGATE_OP_LT, "1234567890123456789", "1e300", 0));
    assert_true(holds(JWTGATE_OP_GT, "2.5", "2", 0));
    assert_true(holds(JWTGATE_OP_GE, "2.0", "2", 0));
    assert_false(holds(JWTGATE_OP_GE, "9007199254740993",
                       "9007199254740992.0", 0));
    assert_false(holds(JWTGATE_OP_LE, "9007199254740993",
                       "9007199254740992.0", 0));
    assert_false(holds(JWTGATE_OP_LT, "9007199254740993",
                       "9007199254740992.0", 0));
    assert_true(holds(JWTGATE_OP_GT, "9007199254740995",
                      "9007199254740992.0", 0));

    /* only numbers are ordered */
    assert_false(holds(JWTGATE_OP_GT, "\"3\"", "2", 0));
    assert_false(holds(JWTGATE_OP_LT, "[1]", "2", 0));
    assert_false(holds(JWTGATE_OP_LT, "null", "2", 0));
}


static void
test_sets_big_integers(void **state)
{
    (void) state;

    assert_true(holds(JWTGATE_OP_IN, "9007199254740993",
                      "[1,9007199254740993]", 0));
    assert_false(holds(JWTGATE_OP_IN, "9007199254740992",
                       "[1,9007199254740993]", 0));
    assert_true(holds(JWTGATE_OP_NIN, "9007199254740992",
                      "[1,9007199254740993]", 0));
    assert_false(holds(JWTGATE_OP_NIN, "9007199254740993",
                       "[1,9007199254740993]", 0));

    assert_true(holds(JWTGATE_OP_INTERSECT, "[5,9007199254740993]",
                      "[9007199254740993]", 0));
    assert_false(holds(JWTGATE_OP_INTERSECT, "[5,9007199254740992]",
                       "[9007199254740993]", 0));
    assert_true(holds(JWTGATE_OP_NINTERSECT, "[5,9007199254740992]",
                      "[9007199254740993]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[5,9007199254740993]",
                       "[9007199254740993]", 0));

    /* an unknown answer in a set: no sure "not in" */
    assert_false(holds(JWTGATE_OP_NIN, "9007199254740993",
                       "[1,9007199254740992.0]", 0));
    assert_true(holds(JWTGATE_OP_IN, "9007199254740993",
                      "[9007199254740992.0,9007199254740993]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[9007199254740993]",
                       "[9007199254740992.0]", 0));
}


static void
test_deny_shapes(void **state)
{
    (void) state;

    /* nintersect: nested arrays and objects are not judged */
    assert_true(holds(JWTGATE_OP_NINTERSECT, "[\"staff\"]",
                      "[\"banned\"]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[[\"banned\"]]",
                       "[\"banned\"]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[\"staff\",[\"x\"]]",
                       "[\"banned\"]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[\"staff\",{}]",
                       "[\"banned\"]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "{\"banned\":1}",
                       "[\"banned\"]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "{}", "[\"banned\"]", 0));
    assert_true(holds(JWTGATE_OP_NINTERSECT, "[]", "[\"banned\"]", 0));

    /* and intersect does not pass them either */
    assert_false(holds(JWTGATE_OP_INTERSECT, "[\"staff\",[\"x\"]]",
                       "[\"staff\"]", 0));
    assert_false(holds(JWTGATE_OP_INTERSECT, "{\"staff\":1}",
                       "[\"staff\"]", 0));

    /* nin and in: one value only */
    assert_false(holds(JWTGATE_OP_NIN, "[\"admin\"]", "[\"admin\"]", 0));
    assert_false(holds(JWTGATE_OP_NIN, "{\"a\":1}", "[\"admin\"]", 0));
    assert_false(holds(JWTGATE_OP_NIN, "[]", "[\"admin\"]", 0));
    assert_false(holds(JWTGATE_OP_IN, "[\"admin\"]", "[\"admin\"]", 0));

    /* ne: a structure against a value of another shape */
    assert_false(holds(JWTGATE_OP_NE, "[\"admin\"]", "\"admin\"", 0));
    assert_false(holds(JWTGATE_OP_NE, "{\"admin\":1}", "\"admin\"", 0));
    assert_false(holds(JWTGATE_OP_NE, "[]", "\"admin\"", 0));
    assert_false(holds(JWTGATE_OP_NE, "\"user\"", "{\"a\":1}", 0));
    assert_false(holds(JWTGATE_OP_NE, "[\"a\"]", "{\"a\":1}", 0));
    assert_false(holds(JWTGATE_OP_EQ, "[\"admin\"]", "\"admin\"", 0));

    /* ne: the same shapes are judged */
    assert_true(holds(JWTGATE_OP_NE, "{\"a\":2}", "{\"a\":1}", 0));
    assert_true(holds(JWTGATE_OP_NE, "{\"b\":1}", "{\"a\":1}", 0));
    assert_true(holds(JWTGATE_OP_NE, "[1,2]", "[1]", 0));
    assert_false(holds(JWTGATE_OP_NE, "[1,[2]]", "[1,2]", 0));
    assert_true(holds(JWTGATE_OP_NE, "[3,[2]]", "[1,2]", 0));
    assert_true(holds(JWTGATE_OP_NE, "\"1\"", "1", 0));
    assert_true(holds(JWTGATE_OP_NE, "true", "false", 0));
    assert_false(holds(JWTGATE_OP_NE, "null", "null", 0));

    /* a plain text against a structure: no answer */
    assert_false(holds(JWTGATE_OP_NE, "[\"admin\"]", "\"x\"", 1));
    assert_false(holds(JWTGATE_OP_EQ, "[\"admin\"]", "\"[\\\"admin\\\"]\"",
                       1));
    assert_false(holds(JWTGATE_OP_NIN, "{}", "[\"x\"]", 1));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[[\"x\"]]", "[\"x\"]", 1));
}


static void
test_scope_words(void **state)
{
    (void) state;

#define S(s)  s, sizeof(s) - 1

    assert_true(holds_string(JWTGATE_OP_NINTERSECT, S("read write"),
                             "[\"admin\"]", 0));
    assert_false(holds_string(JWTGATE_OP_NINTERSECT, S("read admin"),
                              "[\"admin\"]", 0));
    assert_true(holds_string(JWTGATE_OP_INTERSECT, S("read admin"),
                             "[\"admin\"]", 0));
    assert_true(holds_string(JWTGATE_OP_INTERSECT, S("admin"),
                             "[\"admin\"]", 0));
    assert_true(holds_string(JWTGATE_OP_INTERSECT, S("a:b/c!#[]~"),
                             "[\"a:b/c!#[]~\"]", 0));
    assert_false(holds_string(JWTGATE_OP_INTERSECT, S("read admin"),
                              "[\"read admin\"]", 0));

    /* the empty scope has no word */
    assert_true(holds_string(JWTGATE_OP_NINTERSECT, S(""), "[\"admin\"]",
                             0));
    assert_false(holds_string(JWTGATE_OP_INTERSECT, S(""), "[\"\"]", 0));

    /* other whitespace, doubled, leading or trailing spaces, characters
     * outside scope-token: no answer, for both operators */
    {
        static const struct { const char *s; size_t len; }  bad[] = {
            { S("read\tadmin") }, { S("read\nadmin") },
            { S("read\radmin") }, { S("read\xc2\xa0" "admin") },
            { S("read\x0b" "admin") }, { S("read\x0c" "admin") },
            { S("read  admin") }, { S(" admin") }, { S("admin ") },
            { S(" ") }, { S("admin \"x\"") }, { S("admin a\\b") },
            { S("admin caf\xc3\xa9") }, { S("admin \x7f") },
            { S("admin\x00x") }
        };
        size_t  i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            assert_false(holds_string(JWTGATE_OP_NINTERSECT, bad[i].s,
                                      bad[i].len, "[\"zzz\"]", 0));
            assert_false(holds_string(JWTGATE_OP_INTERSECT, bad[i].s,
                                      bad[i].len, "[\"admin\"]", 0));
            assert_false(holds_string(JWTGATE_OP_NINTERSECT, bad[i].s,
                                      bad[i].len, "[\"zzz\"]", 1));
        }
    }

    /* words are strings: a number of the set is never a word */
    assert_true(holds_string(JWTGATE_OP_NINTERSECT, S("5"), "[5]", 0));
    assert_true(holds_string(JWTGATE_OP_INTERSECT, S("5"), "[\"5\"]", 1));

#undef S
}


static void
test_plain_sets(void **state)
{
    (void) state;

    /* plain sets match like eq with a plain value */
    assert_true(holds(JWTGATE_OP_IN, "5", "[\"5\"]", 1));
    assert_true(holds(JWTGATE_OP_IN, "\"5\"", "[\"5\"]", 1));
    assert_false(holds(JWTGATE_OP_NIN, "5", "[\"5\"]", 1));
    assert_false(holds(JWTGATE_OP_NIN, "5.0", "[\"5\"]", 1));
    assert_true(holds(JWTGATE_OP_NIN, "6", "[\"5\"]", 1));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[1,5.0]", "[\"5\"]", 1));
    assert_true(holds(JWTGATE_OP_NINTERSECT, "[1,6]", "[\"5\"]", 1));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[true]", "[\"true\"]", 1));
    assert_true(holds(JWTGATE_OP_INTERSECT, "[\"x\",true]", "[\"true\"]",
                      1));
    assert_false(holds(JWTGATE_OP_NIN, "9007199254740992",
                       "[\"9007199254740993.0\"]", 1));

    /* json= sets stay typed */
    assert_false(holds(JWTGATE_OP_IN, "5", "[\"5\"]", 0));
    assert_true(holds(JWTGATE_OP_IN, "5", "[5.0]", 0));
    assert_true(holds(JWTGATE_OP_NIN, "\"5\"", "[5]", 0));
}


static void
test_bad_values(void **state)
{
    (void) state;

    /* a set operator's value must be an array of scalars */
    assert_false(holds(JWTGATE_OP_NIN, "\"a\"", "\"b\"", 0));
    assert_false(holds(JWTGATE_OP_NIN, "\"a\"", "[\"b\",[\"c\"]]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "[\"a\"]", "[{}]", 0));
    assert_false(holds(JWTGATE_OP_NINTERSECT, "\"a\"", "{}", 0));
    assert_true(holds(JWTGATE_OP_NIN, "\"a\"", "[]", 0));

    /* NULL, and an unknown operator */
    assert_int_equal(jwtgate_rule_holds(JWTGATE_OP_NE, NULL, NULL, 0), 0);
    assert_false(holds((jwtgate_op_t) 99, "1", "2", 0));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_exact),
        cmocka_unit_test(test_reals),
        cmocka_unit_test(test_eq_ne_big_integers),
        cmocka_unit_test(test_plain_numbers),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_sets_big_integers),
        cmocka_unit_test(test_deny_shapes),
        cmocka_unit_test(test_scope_words),
        cmocka_unit_test(test_plain_sets),
        cmocka_unit_test(test_bad_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
