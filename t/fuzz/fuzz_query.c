/*
 * libFuzzer target: jwtgate_query_remove(), jwtgate_query_mask() and
 * jwtgate_query_count() on any query string and any argument name.
 * Checked on every input:
 *
 *   - each output fits in the buffer its bound in jwtgate.h gives (ASan
 *     watches the byte after it);
 *   - nginx's $arg_NAME (ngx_http_arg(), as written in nginx) finds no
 *     argument of that name after removal, and whenever it finds one in
 *     the input the count is not 0; after masking it finds the mask in
 *     place of the value (an empty value stays empty);
 *   - removing again changes nothing, and removing from the masked query
 *     gives what removing from the original gave;
 *   - every other argument is kept, in order, byte for byte, each after
 *     the separator that stood before it.
 *
 * Input: one byte for the name's length (1..16), the name (mapped into
 * letters, digits and '_', as configuration allows), the query.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"


static const char  alphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

static const unsigned char  mask[] = "[redacted]";


static unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c | 0x20) : c;
}


/* ngx_http_arg(): "name=" at the start or after '&', any letter case;
 * returns the value's offset, or -1 */
static long
nginx_arg(const unsigned char *a, size_t len, const unsigned char *name,
    size_t name_len, size_t *value_len)
{
    size_t  p, i, e;

    for (p = 0; p + name_len < len; p++) {

        for (i = 0; i < name_len; i++) {
            if (lower(a[p + i]) != lower(name[i])) {
                break;
            }
        }

        if (i < name_len) {
            continue;
        }

        if ((p == 0 || a[p - 1] == '&') && a[p + name_len] == '=') {
            for (e = p + name_len + 1; e < len && a[e] != '&'; e++) {
                /* void */
            }

            *value_len = e - (p + name_len + 1);
            return (long) (p + name_len + 1);
        }
    }

    return -1;
}


static int
sep(unsigned char c)
{
    return c == '&' || c == ';';
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long            at, mat;
    size_t          name_len, len, n, n2, nm, nr, count, i, start, o, kept,
                    total, vlen, mvlen, msize, seg, ml;
    const uint8_t  *in;
    unsigned char   name[16], *out, *out2, *m, *mr;

    if (size < 1) {
        return 0;
    }

    name_len = 1 + data[0] % 16;
    data++;
    size--;

    if (size < name_len) {
        return 0;
    }

    for (i = 0; i < name_len; i++) {
        name[i] = (unsigned char) alphabet[data[i] % (sizeof(alphabet) - 1)];
    }

    in = data + name_len;
    len = size - name_len;

    count = jwtgate_query_count(in, len, name, name_len);
    msize = len + count * (sizeof(mask) - 1);

    out = malloc(len ? len : 1);
    out2 = malloc(len ? len : 1);
    mr = malloc(len ? len : 1);
    m = malloc(msize ? msize : 1);
    if (out == NULL || out2 == NULL || m == NULL || mr == NULL) {
        abort();
    }

    at = nginx_arg(in, len, name, name_len, &vlen);

    if (at >= 0 && count == 0) {
        abort();
    }

    /* removal */

    n = jwtgate_query_remove(in, len, name, name_len, out);

    if (n > len
        || nginx_arg(out, n, name, name_len, &i) >= 0
        || jwtgate_query_count(out, n, name, name_len) != 0)
    {
        abort();
    }

    n2 = jwtgate_query_remove(out, n, name, name_len, out2);

    if (n2 != n || memcmp(out, out2, n) != 0) {
        abort();
    }

    /* masking */

    nm = jwtgate_query_mask(in, len, name, name_len, mask, sizeof(mask) - 1,
                            m);

    if (nm > msize || jwtgate_query_count(m, nm, name, name_len) != count) {
        abort();
    }

    mat = nginx_arg(m, nm, name, name_len, &mvlen);

    if ((at >= 0) != (mat >= 0)) {
        abort();
    }

    if (at >= 0) {
        /* nginx's value runs to '&', the pair's own value to ';': it is
         * the mask when it was not empty, and the rest starts with ';' */
        for (seg = 0; seg < vlen && in[at + seg] != ';'; seg++) {
            /* void */
        }

        ml = (seg == 0) ? 0 : sizeof(mask) - 1;

        if (mvlen < ml || memcmp(m + mat, mask, ml) != 0
            || (mvlen > ml && m[mat + ml] != ';'))
        {
            abort();
        }
    }

    if (nm > len) {
        /* longer than the input: removing needs as much room */
        free(mr);
        mr = malloc(nm);
        if (mr == NULL) {
            abort();
        }
    }

    nr = jwtgate_query_remove(m, nm, name, name_len, mr);

    if (nr != n || memcmp(mr, out, n) != 0) {
        abort();
    }

    /* the other arguments, in order, byte for byte */

    o = 0;
    kept = 0;
    total = 0;
    i = 0;

    for ( ;; ) {
        start = i;

        while (i < len && !sep(in[i])) {
            i++;
        }

        total++;

        if (jwtgate_query_count(in + start, i - start, name, name_len) == 0) {
            if (kept > 0 && (o >= n || out[o++] != in[start - 1])) {
                abort();
            }

            if (n - o < i - start || memcmp(out + o, in + start, i - start))
            {
                abort();
            }

            o += i - start;
            kept++;
        }

        if (i == len) {
            break;
        }

        i++;
    }

    if (o != n || total - kept != count) {
        abort();
    }

    free(out);
    free(out2);
    free(m);
    free(mr);

    return 0;
}
