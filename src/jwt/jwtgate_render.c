/*
 * Values handed to nginx: a claim or a JOSE header member rendered for a
 * header line or a variable, or refused; a JSON text without the
 * whitespace between its tokens.  The rule is written in jwtgate.h, above
 * jwtgate_render_header_value().
 *
 * The checks run on the value before anything is written, so measuring
 * (no buffer) and writing give the same verdict.  What is written is then
 * scanned once more: no control byte leaves here, whatever jansson writes
 * (it writes 0x7f raw inside strings).
 */

#include <string.h>

#include "jwtgate_int.h"


static jwtgate_render_rc_t jwtgate_render_check(const json_t *value);
static jwtgate_render_rc_t jwtgate_render_check_element(const json_t *item);
static jwtgate_render_rc_t jwtgate_render_check_tree(const json_t *value,
    size_t depth);
static int jwtgate_render_has_control(const char *s, size_t len);
static int jwtgate_render_padded(const char *s, size_t len);


static const char *const  jwtgate_render_reasons[] = {
    "ok",
    "the value holds a control character",
    "the value begins or ends with a space",
    "an array element holds ','",
    "an array element begins or ends with a space",
    "an array element is an array or an object",
    "the value is nested too deeply",
    "internal error",
};


const char *
jwtgate_render_strerror(jwtgate_render_rc_t rc)
{
    if ((unsigned) rc >= JWTGATE_RENDER_LAST) {
        return "unknown";
    }

    return jwtgate_render_reasons[rc];
}


jwtgate_render_rc_t
jwtgate_render_header_value(const json_t *value, char *buf, size_t size,
    size_t *len)
{
    size_t               n;
    jwtgate_render_rc_t  rc;

    *len = 0;

    if (value == NULL) {
        return JWTGATE_RENDER_ERROR;
    }

    if (buf == NULL) {
        size = 0;
    }

    rc = jwtgate_render_check(value);
    if (rc != JWTGATE_RENDER_OK) {
        return rc;
    }

    n = jwtgate_json_format(value, buf, size);

    /* jansson says 0 when it fails to dump an object, which is never "" */
    if (n == (size_t) -1 || (n == 0 && json_is_object(value))) {
        return JWTGATE_RENDER_ERROR;
    }

    if (jwtgate_render_has_control(buf, n < size ? n : size)) {
        return JWTGATE_RENDER_CONTROL;
    }

    *len = n;

    return JWTGATE_RENDER_OK;
}


static jwtgate_render_rc_t
jwtgate_render_check(const json_t *value)
{
    size_t               i;
    const char          *s;
    const json_t        *item;
    jwtgate_render_rc_t  rc;

    switch (json_typeof(value)) {

    case JSON_STRING:
        s = json_string_value(value);

        if (jwtgate_render_has_control(s, json_string_length(value))) {
            return JWTGATE_RENDER_CONTROL;
        }

        if (jwtgate_render_padded(s, json_string_length(value))) {
            return JWTGATE_RENDER_SPACE;
        }

        return JWTGATE_RENDER_OK;

    case JSON_ARRAY:
        json_array_foreach(value, i, item) {
            rc = jwtgate_render_check_element(item);
            if (rc != JWTGATE_RENDER_OK) {
                return rc;
            }
        }

        return JWTGATE_RENDER_OK;

    case JSON_OBJECT:
        return jwtgate_render_check_tree(value, 0);

    default:
        /* numbers, true, false, null: their JSON text, plain ASCII */
        return JWTGATE_RENDER_OK;
    }
}


/* one element of a list: a scalar that reads back as itself alone */

static jwtgate_render_rc_t
jwtgate_render_check_element(const json_t *item)
{
    size_t       len;
    const char  *s;

    if (json_is_array(item) || json_is_object(item)) {
        return JWTGATE_RENDER_NESTED;
    }

    if (!json_is_string(item)) {
        return JWTGATE_RENDER_OK;
    }

    s = json_string_value(item);
    len = json_string_length(item);

    if (jwtgate_render_has_control(s, len)) {
        return JWTGATE_RENDER_CONTROL;
    }

    if (memchr(s, ',', len) != NULL) {
        return JWTGATE_RENDER_SEPARATOR;
    }

    if (jwtgate_render_padded(s, len)) {
        return JWTGATE_RENDER_ELEMENT_SPACE;
    }

    return JWTGATE_RENDER_OK;
}


/* every string of an object, member names too, at every depth */

static jwtgate_render_rc_t
jwtgate_render_check_tree(const json_t *value, size_t depth)
{
    size_t               i;
    void                *iter;
    const char          *key;
    const json_t        *item;
    jwtgate_render_rc_t  rc;

    if (depth > JWTGATE_MAX_DEPTH_CAP) {
        return JWTGATE_RENDER_DEEP;
    }

    switch (json_typeof(value)) {

    case JSON_STRING:
        return jwtgate_render_has_control(json_string_value(value),
                                          json_string_length(value))
               ? JWTGATE_RENDER_CONTROL : JWTGATE_RENDER_OK;

    case JSON_ARRAY:
        json_array_foreach(value, i, item) {
            rc = jwtgate_render_check_tree(item, depth + 1);
            if (rc != JWTGATE_RENDER_OK) {
                return rc;
            }
        }

        return JWTGATE_RENDER_OK;

    case JSON_OBJECT:
        /* a name up to a NUL: the reader never lets "\u0000" in */
        for (iter = json_object_iter((json_t *) value);
             iter != NULL;
             iter = json_object_iter_next((json_t *) value, iter))
        {
            key = json_object_iter_key(iter);

            if (jwtgate_render_has_control(key, strlen(key))) {
                return JWTGATE_RENDER_CONTROL;
            }

            rc = jwtgate_render_check_tree(json_object_iter_value(iter),
                                           depth + 1);
            if (rc != JWTGATE_RENDER_OK) {
                return rc;
            }
        }

        return JWTGATE_RENDER_OK;

    default:
        return JWTGATE_RENDER_OK;
    }
}


jwtgate_render_rc_t
jwtgate_render_json_text(const char *text, size_t len, char *buf,
    size_t size, size_t *out)
{
    int             in_string, escaped;
    size_t          i, n;
    unsigned char   c;

    *out = 0;

    if (buf == NULL) {
        size = 0;
    }

    in_string = 0;
    escaped = 0;
    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) text[i];

        if (in_string) {
            if (escaped) {
                escaped = 0;

            } else if (c == '\\') {
                escaped = 1;

            } else if (c == '"') {
                in_string = 0;
            }

        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            /* JSON whitespace between tokens */
            continue;

        } else if (c == '"') {
            in_string = 1;
        }

        if (c < 0x20 || c == 0x7f) {
            return JWTGATE_RENDER_CONTROL;
        }

        if (n < size) {
            buf[n] = (char) c;
        }

        n++;
    }

    *out = n;

    return JWTGATE_RENDER_OK;
}


static int
jwtgate_render_has_control(const char *s, size_t len)
{
    size_t          i;
    unsigned char   c;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c < 0x20 || c == 0x7f) {
            return 1;
        }
    }

    return 0;
}


/* header parsers drop the spaces around a value and around list
 * elements: " admin" would read as "admin" */

static int
jwtgate_render_padded(const char *s, size_t len)
{
    return len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
}
