/*
 * jansson trees of token JSON, built only when a caller asks (the checks
 * run on the reader's spans, jwtgate_jread.c); member lookup by path;
 * value formatting for headers and variables.
 */

#include <string.h>

#include <openssl/crypto.h>

#include "jwtgate_int.h"


static size_t jwtgate_json_format_scalar(const json_t *v, char *buf,
    size_t size);


json_t *
jwtgate_json_load(const char *text, size_t len)
{
    json_t        *root;
    json_error_t   err;

    /* jwtgate_jread() accepted the text: strict JSON, an object, no
     * duplicate names, within limits; jansson reads it the same way */
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);

    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }

    return root;
}


/*
 * jansson frees its strings without clearing them: those of a JWKS hold
 * private members, those of a decrypted token its claims.  A string's
 * text belongs to its json_t (jansson copies it in); writing over it
 * before the tree is freed is safe.  Member names are not wiped.
 */

void
jwtgate_json_wipe(json_t *v, unsigned depth)
{
    size_t       i;
    json_t      *m;
    const char  *name;

    if (v == NULL) {
        return;
    }

    if (json_is_string(v)) {
        OPENSSL_cleanse((char *) json_string_value(v), json_string_length(v));
        return;
    }

    if (depth == 0) {
        return;
    }

    if (json_is_object(v)) {
        json_object_foreach(v, name, m) {
            jwtgate_json_wipe(m, depth - 1);
        }

    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) {
            jwtgate_json_wipe(m, depth - 1);
        }
    }
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
