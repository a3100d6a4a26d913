/*
 * libFuzzer target: the strict JSON reader (src/jwt/jwtgate_jread.c)
 * against jansson.  Whatever the bytes, under the default limits and under
 * small ones:
 *   - the reader accepts exactly what jansson with JSON_REJECT_DUPLICATES
 *     accepts as an object within the limits (t/fuzz/jread_reference.h);
 *   - it answers only OK, MALFORMED or TOO_LARGE;
 *   - every top-level member it records reads back as jansson reads it:
 *     type, unescaped string, array elements, NumericDate;
 *   - the tree built lazily from accepted text equals jansson's.
 * Two differences are intended.  Nesting beyond JWTGATE_MAX_DEPTH_CAP is
 * part of the reference's limits.  And a raw NUL byte is refused by the
 * reader wherever it is, while jansson 2.14 skips one that follows a
 * number or a literal ({"a":1<NUL>} parses as {"a":1}): there only the
 * reader's "no" is expected.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread_reference.h"


static const jwtgate_jname_t  want[] = {
    { "alg", 3 }, { "kid", 3 }, { "crit", 4 }, { "exp", 3 }, { "nbf", 3 },
    { "iat", 3 }, { "iss", 3 }, { "aud", 3 }, { "a", 1 }, { "b", 1 },
    { "", 0 }, { "x5t#S256", 8 }, { "\xc3\xa9", 2 }, { "\xf0\x9f\x98\x80", 4 }
};

#define N_WANT  (sizeof(want) / sizeof(want[0]))


static void
fail(const char *what, const jwtgate_jname_t *name)
{
    fprintf(stderr, "reader and jansson differ: %s%s%.*s\n", what,
            name != NULL ? ", member " : "",
            name != NULL ? (int) name->len : 0,
            name != NULL ? name->name : "");
    abort();
}


static void
check_string(const char *text, const jwtgate_jvalue_t *v, const json_t *j,
    const jwtgate_jname_t *name)
{
    char  *copy;

    if (v->len != json_string_length(j)) {
        fail("string length", name);
    }

    copy = malloc(v->len + 1);
    if (copy == NULL) {
        abort();
    }

    jwtgate_jstring_copy(text, v, copy);

    if (memcmp(copy, json_string_value(j), v->len) != 0
        || copy[v->len] != '\0')
    {
        fail("string value", name);
    }

    free(copy);

    if (!jwtgate_jstring_equal(text, v, json_string_value(j), v->len)) {
        fail("string comparison", name);
    }
}


static void
check_member(const char *text, const jwtgate_jvalue_t *v, const json_t *j,
    const jwtgate_jname_t *name)
{
    int                ours, theirs;
    size_t             i, pos;
    double             a, b;
    jwtgate_jvalue_t   item;

    if (j == NULL) {
        if (v->type != JWTGATE_JSON_ABSENT) {
            fail("a member jansson does not have", name);
        }

        return;
    }

    if (v->type != ref_type(j)) {
        fail("type", name);
    }

    switch (v->type) {

    case JWTGATE_JSON_STRING:
        check_string(text, v, j, name);
        break;

    case JWTGATE_JSON_INTEGER:
    case JWTGATE_JSON_REAL:
        a = 0;
        b = 0;
        ours = jwtgate_jnumeric_date(text, v, &a);
        theirs = ref_numeric_date(j, &b);

        if (ours != theirs
            || (ours == 0 && (a != b || signbit(a) != signbit(b))))
        {
            fail("NumericDate", name);
        }

        break;

    case JWTGATE_JSON_ARRAY:
        if (v->len != json_array_size(j)) {
            fail("array size", name);
        }

        for (i = 0; i < json_array_size(j); i++) {
            if (!json_is_string(json_array_get(j, i))) {
                break;
            }
        }

        if (v->strings != (i == json_array_size(j))) {
            fail("array of strings", name);
        }

        if (!v->strings) {
            break;
        }

        pos = 0;

        for (i = 0; jwtgate_jarray_next(text, v, &pos, &item); i++) {
            if (i >= json_array_size(j)) {
                fail("array element count", name);
            }

            check_string(text, &item, json_array_get(j, i), name);
        }

        if (i != json_array_size(j)) {
            fail("array element count", name);
        }

        break;

    default:
        break;
    }
}


static void
check(const char *text, size_t len, const jwtgate_limits_t *limits)
{
    size_t             i;
    json_t            *ref, *lazy;
    jwtgate_rc_t       rc;
    jwtgate_jvalue_t   found[N_WANT];

    rc = jwtgate_jread(text, len, limits, want, N_WANT, found);
    ref = ref_parse(text, len, limits);

    if (rc != JWTGATE_OK && rc != JWTGATE_ERR_MALFORMED
        && rc != JWTGATE_ERR_TOO_LARGE)
    {
        fail(jwtgate_strerror(rc), NULL);
    }

    if (rc != JWTGATE_OK && ref != NULL && memchr(text, '\0', len) != NULL) {
        json_decref(ref);
        return;
    }

    if ((rc == JWTGATE_OK) != (ref != NULL)) {
        fail(rc == JWTGATE_OK ? "only the reader accepts"
                              : "only jansson accepts", NULL);
    }

    if (ref == NULL) {
        return;
    }

    for (i = 0; i < N_WANT; i++) {
        check_member(text, &found[i],
                     json_object_getn(ref, want[i].name, want[i].len),
                     &want[i]);
    }

    lazy = jwtgate_json_load(text, len);
    if (lazy == NULL || !json_equal(lazy, ref)) {
        fail("lazy tree", NULL);
    }

    json_decref(lazy);
    json_decref(ref);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    jwtgate_limits_t  limits;

    jwtgate_limits_init(&limits);
    check((const char *) data, size, &limits);

    limits.max_depth = 3;
    limits.max_string = 6;
    limits.max_members = 4;
    check((const char *) data, size, &limits);

    return 0;
}
