/*
 * JSON strings piece by piece, for the reader (jwtgate_jread.c): a
 * string's contents (UTF-8, escapes); and strings read back from text the
 * reader accepted: compared or copied unescaped, the strings of an array.
 * Numbers are in jwtgate_jnumber.c.
 */

#include <string.h>

#include "jwtgate_int.h"


typedef struct {
    const unsigned char    *p;
    const unsigned char    *end;
    int                     escaped;    /* backslashes are escapes */
    unsigned char           utf8[4];
    size_t                  i;
    size_t                  n;
} jt_cursor_t;


static size_t jt_utf8(const unsigned char *p, const unsigned char *end);
static int jt_hex4(const unsigned char *p);
static int jt_next(jt_cursor_t *c);


/* characters a string holds as they are: printable ASCII but '"', '\' */
static const unsigned char  jt_plain[256] = {
    ['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
};


/* high bit set in some byte iff a byte of y is zero (exact for "any") */
#define jt_zero_byte(y)  (((y) - 0x0101010101010101ULL) & ~(y))


/* a string's contents from p, just after the opening quote: the closing
 * quote, or NULL when the string is not valid; *len is its length after
 * unescaping */

const unsigned char *
jwtgate_jscan_string(const unsigned char *p, const unsigned char *end,
    size_t *len)
{
    size_t                n, k;
    uint64_t              w, special;
    unsigned char         c, utf8[4];
    const unsigned char  *run;

    n = 0;

    for ( ;; ) {
        run = p;

        /* eight plain bytes at a time: none >= 0x80, < 0x20, '"', '\' */
        while (end - p >= 8) {
            memcpy(&w, p, 8);

            special = (w & 0x8080808080808080ULL)
                      | ~((w | 0x8080808080808080ULL)
                          - 0x2020202020202020ULL)
                      | jt_zero_byte(w ^ 0x2222222222222222ULL)
                      | jt_zero_byte(w ^ 0x5c5c5c5c5c5c5c5cULL);

            if (special & 0x8080808080808080ULL) {
                break;
            }

            p += 8;
        }

        while (p < end && jt_plain[*p]) {
            p++;
        }

        n += (size_t) (p - run);

        if (p == end) {
            return NULL;
        }

        c = *p;

        if (c == '"') {
            break;
        }

        if (c == '\\') {
            p = jwtgate_junescape(p, end, utf8, &k);
            if (p == NULL) {
                return NULL;
            }

            n += k;
            continue;
        }

        /* a raw control character, or UTF-8 */
        k = jt_utf8(p, end);
        if (k == 0) {
            return NULL;
        }

        p += k;
        n += k;
    }

    *len = n;

    return p;
}


/* the next unescaped byte, -1 at the end, -2 on a broken escape */

static int
jt_next(jt_cursor_t *c)
{
    if (c->i < c->n) {
        return c->utf8[c->i++];
    }

    if (c->p == c->end) {
        return -1;
    }

    if (!c->escaped || *c->p != '\\') {
        return *c->p++;
    }

    c->p = jwtgate_junescape(c->p, c->end, c->utf8, &c->n);
    if (c->p == NULL) {
        c->p = c->end;
        return -2;
    }

    c->i = 1;
    return c->utf8[0];
}


int
jwtgate_jtext_cmp(const char *a, size_t a_len, int a_escaped,
    const char *b, size_t b_len, int b_escaped)
{
    int          x, y;
    jt_cursor_t  ca, cb;

    ca.p = (const unsigned char *) a;
    ca.end = ca.p + a_len;
    ca.escaped = a_escaped;
    ca.i = 0;
    ca.n = 0;

    cb.p = (const unsigned char *) b;
    cb.end = cb.p + b_len;
    cb.escaped = b_escaped;
    cb.i = 0;
    cb.n = 0;

    /* a shorter text ends with -1, below every byte */
    do {
        x = jt_next(&ca);
        y = jt_next(&cb);

        if (x == -2 || y == -2) {
            return x == -2 ? -1 : 1;    /* never equal */
        }

    } while (x == y && x != -1);

    return (x > y) - (x < y);
}


int
jwtgate_jstring_equal(const char *text, const jwtgate_jvalue_t *v,
    const char *s, size_t len)
{
    const char  *raw;

    if (v->type != JWTGATE_JSON_STRING || v->len != len) {
        return 0;
    }

    raw = text + v->off;

    if (v->end - v->off == v->len) {
        return memcmp(raw, s, len) == 0;
    }

    return jwtgate_jtext_cmp(raw, v->end - v->off, 1, s, len, 0) == 0;
}


void
jwtgate_jstring_copy(const char *text, const jwtgate_jvalue_t *v,
    char *dst)
{
    int          c;
    size_t       n;
    jt_cursor_t  cur;

    cur.p = (const unsigned char *) text + v->off;
    cur.end = (const unsigned char *) text + v->end;
    cur.escaped = 1;
    cur.i = 0;
    cur.n = 0;

    /* at most v->len bytes, whatever the text holds */
    for (n = 0; n < v->len && (c = jt_next(&cur)) >= 0; n++) {
        dst[n] = (char) c;
    }

    dst[n] = '\0';
}


int
jwtgate_jarray_next(const char *text, const jwtgate_jvalue_t *array,
    size_t *pos, jwtgate_jvalue_t *item)
{
    size_t                n, k;
    unsigned char         utf8[4];
    const unsigned char  *p, *end, *start;

    if (array->type != JWTGATE_JSON_ARRAY || !array->strings) {
        return 0;
    }

    start = (const unsigned char *) text;
    p = start + (*pos != 0 ? *pos : array->off + 1);
    end = start + array->end;

    while (p < end && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n'
                       || *p == '\r'))
    {
        p++;
    }

    if (p >= end || *p != '"') {
        return 0;
    }

    p++;
    item->type = JWTGATE_JSON_STRING;
    item->strings = 0;
    item->off = (uint32_t) (p - start);

    for (n = 0; p < end && *p != '"'; n += k) {
        if (*p != '\\') {
            p++;
            k = 1;
            continue;
        }

        p = jwtgate_junescape(p, end, utf8, &k);
        if (p == NULL) {
            return 0;
        }
    }

    if (p >= end) {
        return 0;
    }

    item->end = (uint32_t) (p - start);
    item->len = (uint32_t) n;
    *pos = (size_t) (p - start) + 1;

    return 1;
}


/* the length of the valid UTF-8 sequence of two bytes or more at p, or 0
 * (overlong forms, surrogates and code points above U+10FFFF are not) */

static size_t
jt_utf8(const unsigned char *p, const unsigned char *end)
{
    size_t         i, n;
    unsigned char  c, lo, hi;

    c = p[0];

    if (c < 0xc2) {
        return 0;

    } else if (c < 0xe0) {
        n = 2;
        lo = 0x80;
        hi = 0xbf;

    } else if (c < 0xf0) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;

    } else if (c < 0xf5) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }

    return n;
}


const unsigned char *
jwtgate_junescape(const unsigned char *p, const unsigned char *end,
    unsigned char *out, size_t *n)
{
    int  cp, lo;

    if (end - p < 2) {
        return NULL;
    }

    *n = 1;

    switch (p[1]) {

    case '"':
    case '\\':
    case '/':
        out[0] = p[1];
        return p + 2;

    case 'b':
        out[0] = '\b';
        return p + 2;

    case 'f':
        out[0] = '\f';
        return p + 2;

    case 'n':
        out[0] = '\n';
        return p + 2;

    case 'r':
        out[0] = '\r';
        return p + 2;

    case 't':
        out[0] = '\t';
        return p + 2;

    case 'u':
        break;

    default:
        return NULL;
    }

    if (end - p < 6 || (cp = jt_hex4(p + 2)) < 0) {
        return NULL;
    }

    p += 6;

    /* no NUL; a surrogate only as the first of a pair */
    if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff)) {
        return NULL;
    }

    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (end - p < 6 || p[0] != '\\' || p[1] != 'u') {
            return NULL;
        }

        lo = jt_hex4(p + 2);
        if (lo < 0xdc00 || lo > 0xdfff) {
            return NULL;
        }

        p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }

    if (cp < 0x80) {
        out[0] = (unsigned char) cp;

    } else if (cp < 0x800) {
        out[0] = (unsigned char) (0xc0 | cp >> 6);
        out[1] = (unsigned char) (0x80 | (cp & 0x3f));
        *n = 2;

    } else if (cp < 0x10000) {
        out[0] = (unsigned char) (0xe0 | cp >> 12);
        out[1] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
        out[2] = (unsigned char) (0x80 | (cp & 0x3f));
        *n = 3;

    } else {
        out[0] = (unsigned char) (0xf0 | cp >> 18);
        out[1] = (unsigned char) (0x80 | (cp >> 12 & 0x3f));
        out[2] = (unsigned char) (0x80 | (cp >> 6 & 0x3f));
        out[3] = (unsigned char) (0x80 | (cp & 0x3f));
        *n = 4;
    }

    return p;
}


static int
jt_hex4(const unsigned char *p)
{
    int            i, v;
    unsigned char  c;

    v = 0;

    for (i = 0; i < 4; i++) {
        c = p[i];

        if (c >= '0' && c <= '9') {
            v = v << 4 | (c - '0');

        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
            v = v << 4 | ((c | 0x20) - 'a' + 10);

        } else {
            return -1;
        }
    }

    return v;
}
