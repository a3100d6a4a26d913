/*
 * libFuzzer target: the rules on token members (src/jwt/jwtgate_rule.c).
 * The input is "member<NUL>value": each part is read by jansson as any
 * JSON value, else taken as a string of its bytes.  Whatever they are:
 *   - no operator and its negation both hold (eq/ne, in/nin,
 *     intersect/nintersect), plain or not;
 *   - the order operators agree with each other (gt is ge and not le...);
 *   - a number comparison is antisymmetric, and every sure answer agrees
 *     with the exact comparison of the two values jansson holds (long
 *     double holds every int64 and every double exactly on x86-64);
 *   - equal answers never come for two different integers, nor for equal
 *     doubles of magnitude 2^53 or more when a real is involved;
 *   - plain eq on two strings is byte equality.
 */

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"


static void
fail(const char *what)
{
    fprintf(stderr, "rule invariant broken: %s\n", what);
    abort();
}


static json_t *
value_of(const char *p, size_t len)
{
    json_t  *v;

    v = json_loadb(p, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    if (v == NULL) {
        v = json_stringn_nocheck(p, len);
    }

    return v;
}


static int
h(jwtgate_op_t op, const json_t *m, const json_t *v, int plain)
{
    return jwtgate_rule_holds(op, m, v, plain);
}


static void
check_pairs(const json_t *m, const json_t *v, const json_t *set, int plain)
{
    if (h(JWTGATE_OP_EQ, m, v, plain) && h(JWTGATE_OP_NE, m, v, plain)) {
        fail("eq and ne");
    }

    if (h(JWTGATE_OP_IN, m, set, plain) && h(JWTGATE_OP_NIN, m, set, plain))
    {
        fail("in and nin");
    }

    if (h(JWTGATE_OP_INTERSECT, m, set, plain)
        && h(JWTGATE_OP_NINTERSECT, m, set, plain))
    {
        fail("intersect and nintersect");
    }

    /* a set operator on a non-array value never holds */
    if (!json_is_array(v)
        && (h(JWTGATE_OP_NIN, m, v, plain)
            || h(JWTGATE_OP_NINTERSECT, m, v, plain)))
    {
        fail("a deny rule held on a value that is no set");
    }
}


static void
check_numbers(const json_t *a, const json_t *b)
{
    int            gt, ge, lt, le, eq;
    long double    x, y;
    jwtgate_cmp_t  c, d;

    gt = h(JWTGATE_OP_GT, a, b, 0);
    ge = h(JWTGATE_OP_GE, a, b, 0);
    lt = h(JWTGATE_OP_LT, a, b, 0);
    le = h(JWTGATE_OP_LE, a, b, 0);
    eq = h(JWTGATE_OP_EQ, a, b, 0);

    if ((gt && (!ge || le || lt)) || (lt && (!le || ge || gt))
        || (json_is_number(a) && json_is_number(b) && eq != (ge && le)))
    {
        fail("order operators disagree");
    }

    c = jwtgate_number_compare(a, b);
    d = jwtgate_number_compare(b, a);

    if (!json_is_number(a) || !json_is_number(b)) {
        if (c != JWTGATE_CMP_UNKNOWN || gt || ge || lt || le) {
            fail("a non-number ordered");
        }

        return;
    }

    if ((c == JWTGATE_CMP_UNKNOWN) != (d == JWTGATE_CMP_UNKNOWN)
        || (c != JWTGATE_CMP_UNKNOWN && c != -d))
    {
        fail("not antisymmetric");
    }

    if (c == JWTGATE_CMP_UNKNOWN) {
        if (json_is_integer(a) && json_is_integer(b)) {
            fail("two integers not compared");
        }

        return;
    }

#if (LDBL_MANT_DIG >= 64)
    x = json_is_integer(a) ? (long double) json_integer_value(a)
                           : (long double) json_real_value(a);
    y = json_is_integer(b) ? (long double) json_integer_value(b)
                           : (long double) json_real_value(b);

    if ((c == JWTGATE_CMP_LESS && !(x < y))
        || (c == JWTGATE_CMP_GREATER && !(x > y))
        || (c == JWTGATE_CMP_EQUAL && !(x == y)))
    {
        fail("a sure answer that is wrong");
    }

    if (c == JWTGATE_CMP_EQUAL
        && (json_is_real(a) || json_is_real(b))
        && (x >= 9007199254740992.0L || x <= -9007199254740992.0L))
    {
        fail("equal at 2^53 or beyond with a real");
    }
#else
    (void) x;
    (void) y;
#endif
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t       n;
    json_t      *m, *v, *set, *ms, *vs;
    const char  *p, *nul;

    p = (const char *) data;
    nul = memchr(p, '\0', size);
    n = nul != NULL ? (size_t) (nul - p) : size;

    m = value_of(p, n);
    v = nul != NULL ? value_of(nul + 1, size - n - 1) : json_null();

    if (m == NULL || v == NULL) {
        json_decref(m);
        json_decref(v);
        return 0;
    }

    set = json_is_array(v) ? json_incref(v) : json_pack("[O]", v);

    if (set != NULL) {
        check_pairs(m, v, set, 0);
        check_pairs(m, v, set, 1);
        check_numbers(m, v);
    }

    /* plain eq on the raw bytes of both parts */
    ms = json_stringn_nocheck(p, n);
    vs = nul != NULL ? json_stringn_nocheck(nul + 1, size - n - 1)
                     : json_string("");

    if (ms != NULL && vs != NULL
        && h(JWTGATE_OP_EQ, ms, vs, 1)
           != (json_string_length(ms) == json_string_length(vs)
               && memcmp(json_string_value(ms), json_string_value(vs),
                         json_string_length(ms)) == 0))
    {
        fail("plain eq on strings is not byte equality");
    }

    json_decref(ms);
    json_decref(vs);
    json_decref(set);
    json_decref(m);
    json_decref(v);

    return 0;
}
