/*
 * libFuzzer target: revocation lists (src/jwt/jwtgate_rlist.c).  The
 * first byte picks the format (its value modulo 3: jwtgate, kjdev sub,
 * kjdev kid), the rest is the list's text.  Whatever the bytes:
 *   - pass 1 and pass 2 agree: the text pass 1 accepts, pass 2 builds
 *     into exactly the bytes pass 1 asked for (a malloc of that size, so
 *     ASan sees any write beyond), and refuses one 8 bytes smaller;
 *   - a refusal comes with a reason and leaves no list behind;
 *   - an accepted text is JSON that jansson reads too, and every name it
 *     holds by jansson's reading (the last of duplicates: ours keeps the
 *     larger date, so at least that) is found: a jti whose exp is not
 *     past, a sub with no iat and with iat at its cutoff, a kid; a kjdev
 *     file's every member name;
 *   - the block copied to another address answers every query alike:
 *     the names above and slices of the input as random queries;
 *   - both ways: a text is accepted exactly when jansson reads it as an
 *     object within the rules of jwtgate.h (depth, name lengths, types,
 *     dates >= 0), where jansson's reading can judge (no duplicate
 *     names, no raw NUL).
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jwtgate.h"


#define NOW  1700000000


static int
query(const void *mem, const char *jti, size_t jti_len, const char *sub,
    size_t sub_len, const char *kid, size_t kid_len, int64_t iat,
    int has_iat)
{
    jwtgate_rlist_query_t  q;

    q.jti = jti;
    q.jti_len = jti_len;
    q.sub = sub;
    q.sub_len = sub_len;
    q.kid = kid;
    q.kid_len = kid_len;
    q.iat = iat;
    q.has_iat = has_iat;

    return jwtgate_rlist_check(mem, &q, NOW);
}


/* the same answer from both blocks, which it returns */

static int
both(const void *a, const void *b, const char *jti, size_t jti_len,
    const char *sub, size_t sub_len, const char *kid, size_t kid_len,
    int64_t iat, int has_iat)
{
    int  ra, rb;

    ra = query(a, jti, jti_len, sub, sub_len, kid, kid_len, iat, has_iat);
    rb = query(b, jti, jti_len, sub, sub_len, kid, kid_len, iat, has_iat);

    if (ra != rb || ra < JWTGATE_RLIST_OK || ra > JWTGATE_RLIST_KID) {
        abort();
    }

    return ra;
}


static int64_t
date_of(const json_t *v)
{
    double  d;

    if (json_is_integer(v)) {
        return (int64_t) json_integer_value(v);
    }

    if (!json_is_real(v)) {
        abort();    /* we accepted a date that is not a number */
    }

    d = json_real_value(v);

    if (d >= 9223372036854775808.0) {
        return INT64_MAX;
    }

    return (int64_t) floor(d);
}


static void
oracle(const void *a, const void *b, const char *text, size_t len,
    jwtgate_rlist_format_t fmt)
{
    size_t         i, n;
    int64_t        date;
    const char    *name;
    json_t        *root, *v, *item;
    json_error_t   err;

    root = json_loadb(text, len, 0, &err);
    if (root == NULL) {
        if (strstr(err.text, "nesting") != NULL
            || strstr(err.text, "memory") != NULL)
        {
            return;
        }

        abort();    /* we accepted what is not JSON */
    }

    if (!json_is_object(root)) {
        abort();
    }

    if (fmt != JWTGATE_RLIST_JWTGATE) {
        json_object_foreach(root, name, v) {
            n = strlen(name);

            if (fmt == JWTGATE_RLIST_KJDEV_SUB) {
                if (both(a, b, NULL, 0, name, n, NULL, 0, 0, 0)
                    != JWTGATE_RLIST_SUB
                    || both(a, b, NULL, 0, name, n, NULL, 0, INT64_MAX, 1)
                       != JWTGATE_RLIST_SUB)
                {
                    abort();
                }

            } else if (both(a, b, NULL, 0, NULL, 0, name, n, 0, 0)
                       != JWTGATE_RLIST_KID)
            {
                abort();
            }
        }

        json_decref(root);
        return;
    }

    json_object_foreach(json_object_get(root, "jti"), name, v) {
        date = date_of(v);
        if (date >= NOW
            && both(a, b, name, strlen(name), NULL, 0, NULL, 0, 0, 0)
               != JWTGATE_RLIST_JTI)
        {
            abort();
        }
    }

    json_object_foreach(json_object_get(root, "sub"), name, v) {
        date = date_of(v);
        n = strlen(name);

        if (both(a, b, NULL, 0, name, n, NULL, 0, 0, 0) != JWTGATE_RLIST_SUB
            || both(a, b, NULL, 0, name, n, NULL, 0, date, 1)
               != JWTGATE_RLIST_SUB)
        {
            abort();
        }
    }

    v = json_object_get(root, "kid");
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            abort();
        }

        if (both(a, b, NULL, 0, NULL, 0, json_string_value(item),
                 json_string_length(item), 0, 0) != JWTGATE_RLIST_KID)
        {
            abort();
        }
    }

    json_decref(root);
}


/* nesting as the list counts it: a scalar 0, an object or array 1 more
 * than its deepest value */

static size_t
depth_of(const json_t *v)
{
    size_t         i, d, max;
    const char    *name;
    const json_t  *item;

    max = 0;

    if (json_is_object(v)) {
        json_object_foreach((json_t *) v, name, item) {
            d = depth_of(item);
            max = d > max ? d : max;
        }

        return max + 1;
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            d = depth_of(item);
            max = d > max ? d : max;
        }

        return max + 1;
    }

    return 0;
}


static int
good_date(const json_t *v)
{
    return json_is_integer(v) ? json_integer_value(v) >= 0
           : json_is_real(v) && json_real_value(v) >= 0;
}


static int
good_names(const json_t *obj, int dates)
{
    const char    *name;
    const json_t  *v;

    if (!json_is_object(obj)) {
        return 0;
    }

    json_object_foreach((json_t *) obj, name, v) {
        if (strlen(name) > JWTGATE_RLIST_MAX_NAME
            || (dates && !good_date(v)))
        {
            return 0;
        }
    }

    return 1;
}


/* 1 when the text is a list by the rules of jwtgate.h, judged on
 * jansson's reading; -1 when that cannot say (jansson's own limits,
 * duplicate names, a raw NUL, which jansson skips after a number) */

static int
should_accept(const char *text, size_t len, jwtgate_rlist_format_t fmt)
{
    int            ok;
    size_t         i;
    const char    *name;
    json_t        *root, *v, *item;
    json_error_t   err;

    if (len == 0) {
        return 0;
    }

    if (memchr(text, '\0', len) != NULL) {
        return -1;
    }

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        return strstr(err.text, "duplicate") != NULL
               || strstr(err.text, "nesting") != NULL
               || strstr(err.text, "memory") != NULL ? -1 : 0;
    }

    ok = json_is_object(root) && depth_of(root) <= JWTGATE_RLIST_MAX_DEPTH
         && good_names(root, 0);

    if (ok && fmt == JWTGATE_RLIST_JWTGATE) {
        json_object_foreach(root, name, v) {
            if (strcmp(name, "jti") == 0 || strcmp(name, "sub") == 0) {
                ok = ok && good_names(v, 1);

            } else if (strcmp(name, "kid") == 0) {
                ok = ok && json_is_array(v);

                json_array_foreach(v, i, item) {
                    ok = ok && json_is_string(item)
                         && json_string_length(item)
                            <= JWTGATE_RLIST_MAX_NAME;
                }
            }
        }
    }

    json_decref(root);

    return ok;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                    *text;
    void                    *mem, *copy;
    size_t                   len, need, i, j, k, n[3];
    int                      accept;
    const char              *reason;
    uint64_t                 small[8];
    jwtgate_rlist_format_t   fmt;

    if (size == 0) {
        return 0;
    }

    fmt = (jwtgate_rlist_format_t) (data[0] % 3);
    len = size - 1;

    /* an exact copy, so that ASan sees a read beyond the text */
    text = malloc(len ? len : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, len);

    reason = NULL;
    need = 12345;

    accept = should_accept(text, len, fmt);

    if (jwtgate_rlist_size(len ? text : NULL, len, fmt, NOW, &need, &reason)
        != 0)
    {
        if (reason == NULL || need != 0 || accept == 1) {
            abort();
        }

        /* pass 2 refuses it too and leaves no list */
        reason = NULL;
        memset(small, 0xff, sizeof(small));
        if (jwtgate_rlist_build(len ? text : NULL, len, fmt, NOW, small,
                                sizeof(small), &reason) != -1
            || reason == NULL)
        {
            abort();
        }

        jwtgate_rlist_counts(small, &n[0], &n[1], &n[2]);
        if (n[0] + n[1] + n[2] != 0
            || query(small, "a", 1, "a", 1, "a", 1, 0, 0) != 0)
        {
            abort();
        }

        free(text);
        return 0;
    }

    if (need < 8 || need % 8 != 0 || accept == 0) {
        abort();
    }

    /* too small by 8: refused, nothing written beyond need - 8 */
    mem = malloc(need);
    copy = malloc(need + 8);
    if (mem == NULL || copy == NULL) {
        abort();
    }

    if (jwtgate_rlist_build(text, len, fmt, NOW, mem, need - 8, &reason)
        != -1)
    {
        abort();
    }

    if (jwtgate_rlist_build(text, len, fmt, NOW, mem, need, &reason) != 0) {
        abort();
    }

    /* elsewhere, at another alignment of 8 */
    memcpy((char *) copy + 8, mem, need);

    jwtgate_rlist_counts(mem, &n[0], &n[1], &n[2]);
    if (n[0] + n[1] + n[2] > len / 2) {
        abort();
    }

    oracle(mem, (char *) copy + 8, text, len, fmt);

    /* slices of the input as queries */
    for (i = 0; i < len && i < 64; i += 7) {
        for (j = i; j <= len && j < i + 40; j += 5) {
            k = j - i;
            both(mem, (char *) copy + 8, text + i, k, text + i, k, text + i,
                 k, (int64_t) k * 100000000, (int) (k & 1));
        }
    }

    free(copy);
    free(mem);
    free(text);

    return 0;
}
