/*
 * The reference the strict JSON reader (src/jwt/jwtgate_jread.c) is held
 * to, by t/fuzz/fuzz_jread.c and t/unit/test_jread.c: jansson with
 * duplicate member names rejected, then the limits walked on its tree --
 * what the core did before it had a reader of its own -- and jansson's
 * view of single members.  Test code only: the core does not use it.
 */

#ifndef JREAD_REFERENCE_H
#define JREAD_REFERENCE_H

#include <math.h>
#include <string.h>

#include <jansson.h>

#include "jwtgate_int.h"


static int
ref_within(const json_t *v, const jwtgate_limits_t *limits, size_t depth)
{
    size_t        i, max_depth;
    const char   *key;
    const json_t *member;

    max_depth = limits->max_depth < JWTGATE_MAX_DEPTH_CAP
                ? limits->max_depth : JWTGATE_MAX_DEPTH_CAP;

    if (json_is_string(v)) {
        return json_string_length(v) <= limits->max_string;
    }

    if (!json_is_object(v) && !json_is_array(v)) {
        return 1;
    }

    if (depth > max_depth) {
        return 0;
    }

    if (json_is_array(v)) {
        if (json_array_size(v) > limits->max_members) {
            return 0;
        }

        json_array_foreach(v, i, member) {
            if (!ref_within(member, limits, depth + 1)) {
                return 0;
            }
        }

        return 1;
    }

    if (json_object_size(v) > limits->max_members) {
        return 0;
    }

    json_object_foreach((json_t *) v, key, member) {
        if (strlen(key) > limits->max_string
            || !ref_within(member, limits, depth + 1))
        {
            return 0;
        }
    }

    return 1;
}


/* the tree, when the reference accepts the text; else NULL */

static json_t *
ref_parse(const char *text, size_t len, const jwtgate_limits_t *limits)
{
    json_t  *root;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

    if (root != NULL
        && (!json_is_object(root) || !ref_within(root, limits, 1)))
    {
        json_decref(root);
        return NULL;
    }

    return root;
}


/* the reader's type of a jansson value */

static int
ref_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return JWTGATE_JSON_STRING;
    case JSON_INTEGER:
        return JWTGATE_JSON_INTEGER;
    case JSON_REAL:
        return JWTGATE_JSON_REAL;
    case JSON_TRUE:
        return JWTGATE_JSON_TRUE;
    case JSON_FALSE:
        return JWTGATE_JSON_FALSE;
    case JSON_NULL:
        return JWTGATE_JSON_NULL;
    case JSON_ARRAY:
        return JWTGATE_JSON_ARRAY;
    default:
        return JWTGATE_JSON_OBJECT;
    }
}


/* NumericDate as the core computed it from jansson's values */

static int
ref_numeric_date(const json_t *v, double *out)
{
    double  d;

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0
            || json_integer_value(v) > (json_int_t) 9007199254740992LL)
        {
            return -1;
        }

        d = (double) json_integer_value(v);

    } else if (json_is_real(v)) {
        d = json_real_value(v);

    } else {
        return -1;
    }

    if (!isfinite(d) || d < 0 || d > 9007199254740992.0) {
        return -1;
    }

    *out = d;
    return 0;
}

#endif /* JREAD_REFERENCE_H */
