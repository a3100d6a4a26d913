/*
 * Helpers of the reader's unit tests (test_jread.c, test_jread_values.c):
 * every text read is also held to the reference, jansson
 * (t/fuzz/jread_reference.h).  Include after cmocka.h.
 */

#ifndef JREAD_CHECK_H
#define JREAD_CHECK_H

#include "../fuzz/jread_reference.h"


#define TEXT(s)  s, sizeof(s) - 1


static const jwtgate_jname_t  want[] = {
    { "alg", 3 }, { "kid", 3 }, { "exp", 3 }, { "aud", 3 }, { "a", 1 },
    { "\xc3\xa9", 2 }
};

enum { W_ALG, W_KID, W_EXP, W_AUD, W_A, W_E_ACUTE, W_COUNT };


/* the reader's answer under limits (NULL: the defaults), held to the
 * reference: accepted by one iff accepted by the other, except where the
 * reader is stricter on purpose (a raw NUL) */

static jwtgate_rc_t
read_limits(const char *text, size_t len, const jwtgate_limits_t *limits,
    jwtgate_jvalue_t *found)
{
    size_t             i;
    double             a, b;
    json_t            *ref, *j;
    jwtgate_rc_t       rc;
    jwtgate_limits_t   defaults;
    jwtgate_jvalue_t   scratch[W_COUNT];

    if (limits == NULL) {
        jwtgate_limits_init(&defaults);
        limits = &defaults;
    }

    if (found == NULL) {
        found = scratch;
    }

    rc = jwtgate_jread(text, len, limits, want, W_COUNT, found);
    ref = ref_parse(text, len, limits);

    if (memchr(text, '\0', len) == NULL || rc == JWTGATE_OK) {
        assert_int_equal(rc == JWTGATE_OK, ref != NULL);
    }

    /* the members found are jansson's, numbers read as it reads them */
    for (i = 0; rc == JWTGATE_OK && i < W_COUNT; i++) {
        j = json_object_getn(ref, want[i].name, want[i].len);

        assert_int_equal(found[i].type,
                         j != NULL ? ref_type(j) : JWTGATE_JSON_ABSENT);

        if (j != NULL && json_is_number(j)) {
            a = 0;
            b = 0;
            assert_int_equal(jwtgate_jnumeric_date(text, &found[i], &a),
                             ref_numeric_date(j, &b));
            assert_true(a == b);
        }
    }

    json_decref(ref);

    return rc;
}


/* a malloc'ed string: prefix, n times s, suffix */

static char *
repeat(const char *prefix, const char *s, size_t n, const char *suffix)
{
    char    *out, *p;
    size_t   i, lp, ls, lx;

    lp = strlen(prefix);
    ls = strlen(s);
    lx = strlen(suffix);

    out = malloc(lp + n * ls + lx + 1);
    assert_non_null(out);

    memcpy(out, prefix, lp);
    p = out + lp;

    for (i = 0; i < n; i++) {
        memcpy(p, s, ls);
        p += ls;
    }

    memcpy(p, suffix, lx + 1);

    return out;
}


static char *
concat(const char *a, const char *b, const char *c)
{
    return repeat(a, b, 1, c);
}


#endif /* JREAD_CHECK_H */
