/*
 * libFuzzer target: jwtgate_cookie_remove() and jwtgate_cookie_count() on
 * any Cookie value and any token name.  Checked on every input:
 *
 *   - the output fits in a buffer exactly as long as the input (ASan
 *     watches the byte after it);
 *   - nginx's own $cookie_NAME parser, as written in nginx before 1.23
 *     (';' and ',' end a pair) and since 1.23 (';' only), finds no cookie
 *     of that name in the output; and whenever it finds one in the input,
 *     the count is not 0;
 *   - the count finds nothing in the output, and removing again gives
 *     the same bytes;
 *   - every other pair is kept, in order, byte for byte, each after the
 *     separator that stood before it (a second implementation, here).
 *
 * Input: one byte for the name's length (1..16), the name (mapped into
 * letters, digits, '_' and '-', as configuration allows), the value.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"


static const char  alphabet[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";


static unsigned char
lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c | 0x20) : c;
}


/* ngx_http_parse_multi_header_lines() (1.22) and
 * ngx_http_parse_cookie_lines() (1.23+) on one header: found or not */
static int
nginx_finds(const unsigned char *v, size_t len, const unsigned char *name,
    size_t name_len, int comma)
{
    size_t         start, i;
    unsigned char  ch;

    if (name_len > len) {
        return 0;
    }

    start = 0;

    while (start < len) {

        /* ngx_strncasecmp(): the value is NUL-terminated in nginx, the
         * name holds no NUL, so a name running past the end differs */
        if (len - start < name_len) {
            goto skip;
        }

        for (i = 0; i < name_len; i++) {
            if (lower(v[start + i]) != lower(name[i])) {
                goto skip;
            }
        }

        for (start += name_len; start < len && v[start] == ' '; start++) {
            /* void */
        }

        if (start == len || v[start++] != '=') {
            goto skip;
        }

        return 1;

    skip:

        while (start < len) {
            ch = v[start++];
            if (ch == ';' || (comma && ch == ',')) {
                break;
            }
        }

        while (start < len && v[start] == ' ') {
            start++;
        }
    }

    return 0;
}


static int
sep(unsigned char c)
{
    return c == ';' || c == ',';
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t          name_len, len, n, n2, count, i, start, o, kept, total;
    const uint8_t  *in;
    unsigned char   name[16], *out, *out2;

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

    out = malloc(len ? len : 1);
    out2 = malloc(len ? len : 1);
    if (out == NULL || out2 == NULL) {
        abort();
    }

    count = jwtgate_cookie_count(in, len, name, name_len);

    if ((nginx_finds(in, len, name, name_len, 1)
         || nginx_finds(in, len, name, name_len, 0))
        && count == 0)
    {
        abort();
    }

    n = jwtgate_cookie_remove(in, len, name, name_len, out);

    if (n > len) {
        abort();
    }

    if (nginx_finds(out, n, name, name_len, 1)
        || nginx_finds(out, n, name, name_len, 0)
        || jwtgate_cookie_count(out, n, name, name_len) != 0)
    {
        abort();
    }

    n2 = jwtgate_cookie_remove(out, n, name, name_len, out2);

    if (n2 != n || memcmp(out, out2, n) != 0) {
        abort();
    }

    /*
     * The other pairs: walk the input pair by pair; a pair the count
     * does not see (counted alone) must come next in the output.
     */

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

        if (jwtgate_cookie_count(in + start, i - start, name, name_len)
            == 0)
        {
            if (kept == 0) {
                while (start < i && (in[start] == ' ' || in[start] == '\t')) {
                    start++;
                }

            } else if (o >= n || out[o++] != in[start - 1]) {
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

    return 0;
}
