/*
 * Revocation lists: the JSON text read (jwtgate_rlist.c runs it twice).
 *
 * One pass over the text with the JSON pieces of jwtgate_jtext.c and
 * jwtgate_jnumber.c (strings, numbers, escapes), no tree, no recursion:
 * the values the list ignores are skipped by a loop holding a bounded
 * stack of open brackets.  Each name goes to jwtgate_rl_entry()
 * (jwtgate_rlist_table.c).
 */

#include <string.h>

#include "jwtgate_rlist_int.h"


static int rl_members(rl_t *rl, int kind, int dated);
static int rl_kids(rl_t *rl);
static int rl_name(rl_t *rl, const unsigned char **raw, size_t *raw_len,
    size_t *len);
static int rl_date(rl_t *rl, int64_t *date);
static int rl_skip(rl_t *rl, size_t depth);
static int rl_colon(rl_t *rl);


#define rl_ws(c)  ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')


static void
rl_spaces(rl_t *rl)
{
    while (rl->p < rl->end && rl_ws(*rl->p)) {
        rl->p++;
    }
}


/* at an object's or array's opening: 1 when it closes at once (passed),
 * else 0 at its first element */

static int
rl_open(rl_t *rl, unsigned char close)
{
    rl->p++;
    rl_spaces(rl);

    if (rl->p < rl->end && *rl->p == close) {
        rl->p++;
        return 1;
    }

    return 0;
}


/* after an element: 1 at a ',' (passed, at the next element), 0 at the
 * close (passed), else -1 */

static int
rl_next(rl_t *rl, unsigned char close)
{
    rl_spaces(rl);

    if (rl->p < rl->end && *rl->p == ',') {
        rl->p++;
        rl_spaces(rl);
        return 1;
    }

    if (rl->p < rl->end && *rl->p == close) {
        rl->p++;
        return 0;
    }

    return jwtgate_rl_fail(rl, "malformed JSON");
}


/* the whole text: one object, then nothing but whitespace */

int
jwtgate_rl_read(rl_t *rl)
{
    int                   kind, rc;
    size_t                raw_len, len;
    const unsigned char  *raw;

    rl_spaces(rl);

    if (rl->p == rl->end || *rl->p != '{') {
        return jwtgate_rl_fail(rl, "the list is not a JSON object");
    }

    if (rl->fmt == JWTGATE_RLIST_KJDEV_SUB) {
        if (rl_members(rl, RL_SUB, 0) != 0) {
            return -1;
        }

    } else if (rl->fmt == JWTGATE_RLIST_KJDEV_KID) {
        if (rl_members(rl, RL_KID, 0) != 0) {
            return -1;
        }

    } else if (!rl_open(rl, '}')) {

        do {
            if (rl_name(rl, &raw, &raw_len, &len) != 0 || rl_colon(rl) != 0)
            {
                return -1;
            }

            kind = -1;

            if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                  "jti", 3, 0) == 0)
            {
                kind = RL_JTI;

            } else if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                         "sub", 3, 0) == 0)
            {
                kind = RL_SUB;

            } else if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                         "kid", 3, 0) == 0)
            {
                kind = RL_KID;
            }

            if (kind == RL_JTI || kind == RL_SUB) {
                if (rl->p == rl->end || *rl->p != '{') {
                    return jwtgate_rl_fail(rl, kind == RL_JTI
                                               ? "\"jti\" is not an object"
                                               : "\"sub\" is not an object");
                }

                if (rl_members(rl, kind, 1) != 0) {
                    return -1;
                }

            } else if (kind == RL_KID) {
                if (rl->p == rl->end || *rl->p != '[') {
                    return jwtgate_rl_fail(rl, "\"kid\" is not an array");
                }

                if (rl_kids(rl) != 0) {
                    return -1;
                }

            } else if (rl_skip(rl, 1) != 0) {
                /* an unknown member: ignored, but it must be JSON */
                return -1;
            }

            rc = rl_next(rl, '}');

        } while (rc == 1);

        if (rc != 0) {
            return -1;
        }
    }

    rl_spaces(rl);

    if (rl->p != rl->end) {
        return jwtgate_rl_fail(rl, "text after the list");
    }

    return 0;
}


/* {"name": value, ...} at rl->p (a '{'): the jti or sub object, each
 * value a date (dated); or kjdev's files, any value, every name listed
 * for good */

static int
rl_members(rl_t *rl, int kind, int dated)
{
    int                   rc;
    size_t                raw_len, len;
    int64_t               date;
    const unsigned char  *raw;

    if (rl_open(rl, '}')) {
        return 0;
    }

    for ( ;; ) {
        if (rl_name(rl, &raw, &raw_len, &len) != 0 || rl_colon(rl) != 0) {
            return -1;
        }

        if (dated) {
            if (rl_date(rl, &date) != 0) {
                return -1;
            }

        } else {
            if (rl_skip(rl, 1) != 0) {
                return -1;
            }

            date = RL_FOREVER;
        }

        if (jwtgate_rl_entry(rl, kind, raw, raw_len, len, date) != 0) {
            return -1;
        }

        rc = rl_next(rl, '}');
        if (rc != 1) {
            return rc;
        }
    }
}


/* ["kid", ...] at rl->p (a '[') */

static int
rl_kids(rl_t *rl)
{
    int                   rc;
    size_t                raw_len, len;
    const unsigned char  *raw;

    if (rl_open(rl, ']')) {
        return 0;
    }

    for ( ;; ) {
        if (rl->p == rl->end || *rl->p != '"') {
            return jwtgate_rl_fail(rl, "a \"kid\" element is not a string");
        }

        if (rl_name(rl, &raw, &raw_len, &len) != 0
            || jwtgate_rl_entry(rl, RL_KID, raw, raw_len, len, 0) != 0)
        {
            return -1;
        }

        rc = rl_next(rl, ']');
        if (rc != 1) {
            return rc;
        }
    }
}


/* a string at rl->p (its opening quote): its raw contents, their length
 * and the length unescaped, which must be at most JWTGATE_RLIST_MAX_NAME */

static int
rl_name(rl_t *rl, const unsigned char **raw, size_t *raw_len, size_t *len)
{
    const unsigned char  *q;

    if (rl->p == rl->end || *rl->p != '"') {
        return jwtgate_rl_fail(rl, "malformed JSON");
    }

    q = jwtgate_jscan_string(rl->p + 1, rl->end, len);
    if (q == NULL) {
        return jwtgate_rl_fail(rl, "malformed JSON string");
    }

    *raw = rl->p + 1;
    *raw_len = (size_t) (q - *raw);
    rl->p = q + 1;

    if (*len > JWTGATE_RLIST_MAX_NAME) {
        return jwtgate_rl_fail(rl, "a name is longer than 1024 bytes");
    }

    return 0;
}


static int
rl_colon(rl_t *rl)
{
    rl_spaces(rl);

    if (rl->p == rl->end || *rl->p != ':') {
        return jwtgate_rl_fail(rl, "malformed JSON");
    }

    rl->p++;
    rl_spaces(rl);

    return 0;
}


/* a NumericDate: a number >= 0, a fraction floored, beyond int64 forever */

static int
rl_date(rl_t *rl, int64_t *date)
{
    double                d;
    long long             i;
    unsigned char         type;
    const unsigned char  *q;

    if (rl->p == rl->end
        || !(*rl->p == '-' || (*rl->p >= '0' && *rl->p <= '9')))
    {
        return jwtgate_rl_fail(rl, "a date is not a number");
    }

    q = jwtgate_jscan_number(rl->p, rl->end, &type);
    if (q == NULL) {
        return jwtgate_rl_fail(rl, "a date is not a valid number");
    }

    i = 0;
    d = 0;
    jwtgate_jnumber_value(rl->p, q, type, &i, &d);
    rl->p = q;

    if (type == JWTGATE_JSON_INTEGER) {
        if (i < 0) {
            return jwtgate_rl_fail(rl, "a date is negative");
        }

        *date = (int64_t) i;
        return 0;
    }

    /* -0.0 is 0; NaN cannot come from JSON text */
    if (d < 0) {
        return jwtgate_rl_fail(rl, "a date is negative");
    }

    /* 2^63 as a double: anything at or beyond is forever */
    if (d >= 9223372036854775808.0) {
        *date = RL_FOREVER;
        return 0;
    }

    *date = (int64_t) d;    /* truncation is floor for d >= 0 */

    return 0;
}


/*
 * Any JSON value at rl->p, read and thrown away.  No recursion: the open
 * brackets are kept on a stack of JWTGATE_RLIST_MAX_DEPTH - depth.
 */

static int
rl_skip(rl_t *rl, size_t depth)
{
    size_t                top, len;
    unsigned char         type, stack[JWTGATE_RLIST_MAX_DEPTH];
    const unsigned char  *q;

    top = 0;

value:

    if (rl->p == rl->end) {
        return jwtgate_rl_fail(rl, "malformed JSON");
    }

    switch (*rl->p) {

    case '"':
        q = jwtgate_jscan_string(rl->p + 1, rl->end, &len);
        if (q == NULL) {
            return jwtgate_rl_fail(rl, "malformed JSON string");
        }

        rl->p = q + 1;
        break;

    case '{':
    case '[':
        if (depth + top + 1 > JWTGATE_RLIST_MAX_DEPTH) {
            return jwtgate_rl_fail(rl, "JSON nested too deeply");
        }

        stack[top++] = *rl->p;
        rl->p++;
        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == (stack[top - 1] == '{' ? '}' : ']'))
        {
            rl->p++;
            top--;
            break;
        }

        if (stack[top - 1] == '{') {
            goto member;
        }

        goto value;

    case 't':
        if (rl->end - rl->p < 4 || memcmp(rl->p, "true", 4) != 0) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        rl->p += 4;
        break;

    case 'f':
        if (rl->end - rl->p < 5 || memcmp(rl->p, "false", 5) != 0) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        rl->p += 5;
        break;

    case 'n':
        if (rl->end - rl->p < 4 || memcmp(rl->p, "null", 4) != 0) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        rl->p += 4;
        break;

    default:
        q = jwtgate_jscan_number(rl->p, rl->end, &type);
        if (q == NULL) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        rl->p = q;
        break;
    }

    /* after a value: the end, or the next element, or a close */

    while (top > 0) {
        rl_spaces(rl);

        if (rl->p == rl->end) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        if (*rl->p == ',') {
            rl->p++;
            rl_spaces(rl);

            if (stack[top - 1] == '{') {
                goto member;
            }

            goto value;
        }

        if (*rl->p != (stack[top - 1] == '{' ? '}' : ']')) {
            return jwtgate_rl_fail(rl, "malformed JSON");
        }

        rl->p++;
        top--;
    }

    return 0;

member:

    if (rl->p == rl->end || *rl->p != '"') {
        return jwtgate_rl_fail(rl, "malformed JSON");
    }

    q = jwtgate_jscan_string(rl->p + 1, rl->end, &len);
    if (q == NULL) {
        return jwtgate_rl_fail(rl, "malformed JSON string");
    }

    rl->p = q + 1;

    if (rl_colon(rl) != 0) {
        return -1;
    }

    goto value;
}
