/*
 * JSON under limits: objects parsed with duplicate members rejected and
 * depth, string length and member counts bounded; member lookup by path;
 * value formatting for headers and variables.
 */

#include <math.h>
#include <string.h>

#include "jwtgate_int.h"


#define JWTGATE_MAX_NUMERIC_DATE  9007199254740992.0    /* 2^53 */


static jwtgate_rc_t jwtgate_json_check(const json_t *v,
    const jwtgate_limits_t *limits, size_t depth);
static size_t jwtgate_json_format_scalar(const json_t *v, char *buf,
    size_t size);


jwtgate_rc_t
jwtgate_json_parse_object(const char *text, size_t len,
    const jwtgate_limits_t *limits, json_t **out)
{
    json_t        *root;
    json_error_t   err;
    jwtgate_rc_t   rc;

    *out = NULL;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        return JWTGATE_ERR_MALFORMED;
    }

    if (!json_is_object(root)) {
        json_decref(root);
        return JWTGATE_ERR_MALFORMED;
    }

    rc = jwtgate_json_check(root, limits, 1);
    if (rc != JWTGATE_OK) {
        json_decref(root);
        return rc;
    }

    *out = root;
    return JWTGATE_OK;
}


static jwtgate_rc_t
jwtgate_json_check(const json_t *v, const jwtgate_limits_t *limits,
    size_t depth)
{
    size_t        i;
    const char   *key;
    const json_t *member;
    jwtgate_rc_t  rc;

    switch (json_typeof(v)) {

    case JSON_STRING:
        return json_string_length(v) > limits->max_string
               ? JWTGATE_ERR_TOO_LARGE : JWTGATE_OK;

    case JSON_OBJECT:
    case JSON_ARRAY:
        if (depth > limits->max_depth) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        break;

    default:
        return JWTGATE_OK;
    }

    if (json_is_array(v)) {
        if (json_array_size(v) > limits->max_members) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        json_array_foreach(v, i, member) {
            rc = jwtgate_json_check(member, limits, depth + 1);
            if (rc != JWTGATE_OK) {
                return rc;
            }
        }

        return JWTGATE_OK;
    }

    if (json_object_size(v) > limits->max_members) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    json_object_foreach((json_t *) v, key, member) {
        if (strlen(key) > limits->max_string) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        rc = jwtgate_json_check(member, limits, depth + 1);
        if (rc != JWTGATE_OK) {
            return rc;
        }
    }

    return JWTGATE_OK;
}


int
jwtgate_json_numeric_date(const json_t *v, double *out)
{
    double  d;

    if (json_is_integer(v)) {
        /* compared as an integer: 2^53 + 1 would round to 2^53 */
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

    if (!isfinite(d) || d < 0 || d > JWTGATE_MAX_NUMERIC_DATE) {
        return -1;
    }

    *out = d;
    return 0;
}


const json_t *
jwtgate_json_path(const json_t *root, const char *const *path, size_t n)
{
    size_t         i;
    const json_t  *v;

    v = root;

    for (i = 0; i < n; i++) {
        if (v == NULL || !json_is_object(v)) {
            return NULL;
        }

        v = json_object_get(v, path[i]);
    }

    return v;
}


size_t
jwtgate_json_format(const json_t *value, char *buf, size_t size)
{
    size_t         i, n, len, total;
    const json_t  *item;

    if (json_is_object(value)) {
        return json_dumpb(value, buf, size, JSON_COMPACT);
    }

    if (!json_is_array(value)) {
        return jwtgate_json_format_scalar(value, buf, size);
    }

    json_array_foreach(value, i, item) {
        if (json_is_object(item) || json_is_array(item)) {
            return json_dumpb(value, buf, size, JSON_COMPACT);
        }
    }

    total = 0;

    json_array_foreach(value, i, item) {
        if (i > 0) {
            if (total < size) {
                buf[total] = ',';
            }

            total++;
        }

        n = total < size ? size - total : 0;
        len = jwtgate_json_format_scalar(item, n ? buf + total : NULL, n);
        if (len == (size_t) -1) {
            return (size_t) -1;
        }

        total += len;
    }

    return total;
}


static size_t
jwtgate_json_format_scalar(const json_t *v, char *buf, size_t size)
{
    size_t  len;

    if (json_is_string(v)) {
        len = json_string_length(v);

        if (buf != NULL) {
            memcpy(buf, json_string_value(v), len < size ? len : size);
        }

        return len;
    }

    len = json_dumpb(v, buf, size, JSON_COMPACT | JSON_ENCODE_ANY);

    return len == 0 ? (size_t) -1 : len;
}
