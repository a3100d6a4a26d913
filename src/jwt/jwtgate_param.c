/*
 * jwtgate core: the token inside "name=value" lists of a request -- the
 * Cookie header and the query string.  Bytes in, bytes out: no
 * allocation, no nginx.  The contract is in jwtgate.h.
 *
 * A pair is the text between two separators.  Its name is what comes
 * before its first '=' (the whole pair when it has none).  Two names are
 * the same when they read the same to nginx or to a common upstream
 * parser: percent-escapes decoded, ASCII letters in any case, space-like
 * bytes (SP, HTAB, '+') around the name ignored, and '.', or a space-like
 * byte inside it, read as '_' (PHP's $_GET and $_COOKIE make
 * "access.token" and "access token" into "access_token").
 */

#include <string.h>

#include "jwtgate.h"


#define JWTGATE_PARAM_COOKIE  0
#define JWTGATE_PARAM_QUERY   1


static int jwtgate_param_sep(unsigned char c, int kind);
static int jwtgate_param_named(const unsigned char *pair, size_t len,
    const unsigned char *name, size_t name_len);
static int jwtgate_param_hex(unsigned char c);
static unsigned char jwtgate_param_fold(unsigned char c);
static int jwtgate_param_space(unsigned char c);
static size_t jwtgate_param_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, int kind);
static size_t jwtgate_param_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out,
    int kind);


size_t
jwtgate_cookie_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len)
{
    return jwtgate_param_count(in, len, name, name_len,
                               JWTGATE_PARAM_COOKIE);
}


size_t
jwtgate_cookie_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out)
{
    return jwtgate_param_remove(in, len, name, name_len, out,
                                JWTGATE_PARAM_COOKIE);
}


size_t
jwtgate_query_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len)
{
    return jwtgate_param_count(in, len, name, name_len, JWTGATE_PARAM_QUERY);
}


size_t
jwtgate_query_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out)
{
    return jwtgate_param_remove(in, len, name, name_len, out,
                                JWTGATE_PARAM_QUERY);
}


size_t
jwtgate_query_mask(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, const unsigned char *mask,
    size_t mask_len, unsigned char *out)
{
    size_t                i, start, eq, n;
    const unsigned char  *p;

    if (len == 0) {
        /* nginx's r->args.data may then be NULL */
        return 0;
    }

    n = 0;
    i = 0;

    for ( ;; ) {
        start = i;

        while (i < len && !jwtgate_param_sep(in[i], JWTGATE_PARAM_QUERY)) {
            i++;
        }

        p = memchr(in + start, '=', i - start);
        eq = (p == NULL) ? i : (size_t) (p - in);

        if (eq + 1 < i && jwtgate_param_named(in + start, i - start, name,
                                              name_len))
        {
            /* the name and '=', then the mask for the value */
            memcpy(out + n, in + start, eq + 1 - start);
            n += eq + 1 - start;
            memcpy(out + n, mask, mask_len);
            n += mask_len;

        } else {
            memcpy(out + n, in + start, i - start);
            n += i - start;
        }

        if (i == len) {
            return n;
        }

        out[n++] = in[i++];
    }
}


static size_t
jwtgate_param_count(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, int kind)
{
    size_t  i, start, count;

    if (len == 0) {
        return 0;
    }

    count = 0;
    i = 0;

    for ( ;; ) {
        start = i;

        while (i < len && !jwtgate_param_sep(in[i], kind)) {
            i++;
        }

        if (jwtgate_param_named(in + start, i - start, name, name_len)) {
            count++;
        }

        if (i == len) {
            return count;
        }

        i++;
    }
}


/*
 * The kept pairs, each exactly as it was, each after the separator that
 * stood before it in the input; the first kept one takes no separator
 * and, in a cookie, loses the whitespace before it (nginx reads a name
 * only from the first byte of the value or after a separator and
 * spaces).  So every byte written is a different byte of the input.
 */

static size_t
jwtgate_param_remove(const unsigned char *in, size_t len,
    const unsigned char *name, size_t name_len, unsigned char *out, int kind)
{
    int     first;
    size_t  i, start, from, n;

    if (len == 0) {
        return 0;
    }

    n = 0;
    first = 1;
    i = 0;

    for ( ;; ) {
        start = i;

        while (i < len && !jwtgate_param_sep(in[i], kind)) {
            i++;
        }

        if (!jwtgate_param_named(in + start, i - start, name, name_len)) {
            from = start;

            if (first) {
                if (kind == JWTGATE_PARAM_COOKIE) {
                    while (from < i && (in[from] == ' ' || in[from] == '\t'))
                    {
                        from++;
                    }
                }

                first = 0;

            } else {
                /* start > 0: the first pair of the input, when kept, is
                 * the first kept one */
                out[n++] = in[start - 1];
            }

            memcpy(out + n, in + from, i - from);
            n += i - from;
        }

        if (i == len) {
            return n;
        }

        i++;
    }
}


/* nginx up to 1.26 at least ends a cookie at ';' or ',', 1.30 and later
 * at ';' only;
 * Perl's CGI.pm and Python before 3.9.2 split a query on ';' too */

static int
jwtgate_param_sep(unsigned char c, int kind)
{
    if (kind == JWTGATE_PARAM_COOKIE) {
        return c == ';' || c == ',';
    }

    return c == '&' || c == ';';
}


static int
jwtgate_param_named(const unsigned char *pair, size_t len,
    const unsigned char *name, size_t name_len)
{
    int                   started;
    size_t                i, k, spaces;
    unsigned char         c;
    const unsigned char  *eq;

    if (name_len == 0) {
        return 0;
    }

    eq = memchr(pair, '=', len);
    if (eq != NULL) {
        len = eq - pair;
    }

    started = 0;
    spaces = 0;
    k = 0;
    i = 0;

    while (i < len) {
        c = pair[i];

        if (c == '%' && len - i > 2
            && jwtgate_param_hex(pair[i + 1]) >= 0
            && jwtgate_param_hex(pair[i + 2]) >= 0)
        {
            c = (unsigned char) (jwtgate_param_hex(pair[i + 1]) * 16
                                 + jwtgate_param_hex(pair[i + 2]));
            i += 3;

        } else {
            i++;
        }

        if (jwtgate_param_space(c)) {
            /* around the name: ignored; inside it: '_' */
            if (started) {
                spaces++;
            }

            continue;
        }

        started = 1;

        for ( /* void */ ; spaces; spaces--) {
            if (k == name_len || jwtgate_param_fold(name[k]) != '_') {
                return 0;
            }

            k++;
        }

        if (k == name_len
            || jwtgate_param_fold(name[k]) != jwtgate_param_fold(c))
        {
            return 0;
        }

        k++;
    }

    return k == name_len;
}


static int
jwtgate_param_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


static unsigned char
jwtgate_param_fold(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c | 0x20;
    }

    if (c == '.' || jwtgate_param_space(c)) {
        return '_';
    }

    return c;
}


static int
jwtgate_param_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '+';
}
