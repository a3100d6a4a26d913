/*
 * make bench-core, revocation list part: a list of 1,000,000 revoked jtis
 * (36-character UUID-like names, as most issuers mint them) in the
 * jwtgate format; the time of pass 1 and pass 2, the block's size and
 * bytes per jti, and nanoseconds per jwtgate_rlist_check(): a listed jti
 * (distinct ones, in another order than the list's), a jti not listed
 * (distinct ones), and the same listed jti over and over; net of the
 * time it takes to make the query names, which a request has at hand.
 * Medians of several rounds.  Argument: the number of jtis (default
 * 1000000).  Exits 1 if any answer is wrong.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwtgate.h"


#define ROUNDS  5
#define NOW     1700000000
#define NAME    36


static double
now_s(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static int
cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}


static double
median(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[n / 2];
}


/* a deterministic UUID-like name for i, 36 bytes (no NUL); miss != 0
 * gives another family.  Cheap: the lookups make their query names on the
 * fly, as a request has its token's jti at hand, not in a big array. */

static void
name_of(char *out, uint64_t i, int miss)
{
    int                 k, d;
    uint64_t            a, b;
    static const char   hex[] = "0123456789abcdef";

    a = (i + 1) * 0x9e3779b97f4a7c15ULL ^ (miss ? 0xabcdefULL : 0);
    a ^= a >> 29;
    a *= 0xbf58476d1ce4e5b9ULL;
    b = a ^ (a >> 31);
    b *= 0x94d049bb133111ebULL;

    for (k = 0, d = 0; k < NAME; k++) {
        if (k == 8 || k == 13 || k == 18 || k == 23) {
            out[k] = '-';
            continue;
        }

        out[k] = hex[(d < 16 ? a >> (4 * d) : b >> (4 * (d - 16))) & 15];
        d++;
    }
}


/* mode 0: names only (the cost of making them); 1: and look them up */

static double
lookups(const void *mem, const size_t *order, size_t n, int miss,
    int mode, int expect, size_t *bad)
{
    char                   buf[NAME];
    size_t                 i;
    double                 t;
    jwtgate_rlist_query_t  q;

    memset(&q, 0, sizeof(q));
    q.jti = buf;
    q.jti_len = NAME;

    t = now_s();

    for (i = 0; i < n; i++) {
        name_of(buf, order ? order[i] : 0, miss);

        if (mode == 0) {
            __asm__ __volatile__("" : : "r" (buf) : "memory");
            continue;
        }

        if (jwtgate_rlist_check(mem, &q, NOW) != expect) {
            (*bad)++;
        }
    }

    return (now_s() - t) * 1e9 / (double) n;
}


int
main(int argc, char **argv)
{
    int          r;
    char        *text, name[NAME + 1];
    void        *mem;
    size_t       n, i, j, len, cap, size, bad, *order, c[3];
    double       t, size_s[ROUNDS], build_s[ROUNDS], hit[ROUNDS];
    double       miss[ROUNDS], same[ROUNDS], base[ROUNDS], d;
    const char  *reason;

    n = argc > 1 ? (size_t) strtoull(argv[1], NULL, 10) : 1000000;

    cap = n * (NAME + 20) + 64;
    text = malloc(cap);
    order = malloc(n * sizeof(size_t));
    if (text == NULL || order == NULL) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }

    len = (size_t) snprintf(text, cap, "{\"jti\": {");

    for (i = 0; i < n; i++) {
        name_of(name, i, 0);
        name[NAME] = '\0';
        len += (size_t) snprintf(text + len, cap - len, "%s\"%s\":%lld",
                                 i ? "," : "", name,
                                 (long long) (NOW + 3600 + (i % 86400)));
        order[i] = i;
    }

    len += (size_t) snprintf(text + len, cap - len, "}}\n");

    /* lookups in another order than the list's */
    srand(42);
    for (i = n; i > 1; i--) {
        j = (size_t) rand() % i;
        size = order[i - 1];
        order[i - 1] = order[j];
        order[j] = size;
    }

    mem = NULL;
    size = 0;
    bad = 0;

    for (r = 0; r < ROUNDS; r++) {
        t = now_s();
        if (jwtgate_rlist_size(text, len, JWTGATE_RLIST_JWTGATE, NOW, &size,
                               &reason) != 0)
        {
            fprintf(stderr, "size: %s\n", reason);
            return 1;
        }
        size_s[r] = now_s() - t;

        free(mem);
        mem = malloc(size);
        if (mem == NULL) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }

        t = now_s();
        if (jwtgate_rlist_build(text, len, JWTGATE_RLIST_JWTGATE, NOW, mem,
                                size, &reason) != 0)
        {
            fprintf(stderr, "build: %s\n", reason);
            return 1;
        }
        build_s[r] = now_s() - t;

        hit[r] = lookups(mem, order, n, 0, 1, JWTGATE_RLIST_JTI, &bad);
        miss[r] = lookups(mem, order, n, 1, 1, JWTGATE_RLIST_OK, &bad);
        same[r] = lookups(mem, NULL, n, 0, 1, JWTGATE_RLIST_JTI, &bad);
        base[r] = lookups(mem, order, n, 0, 0, 0, &bad);
    }

    jwtgate_rlist_counts(mem, &c[0], &c[1], &c[2]);

    if (bad != 0 || c[0] != n) {
        fprintf(stderr, "wrong answers: %zu, jtis held: %zu of %zu\n", bad,
                c[0], n);
        return 1;
    }

    printf("\n| revocation list: %zu jtis (%zu-byte names), %.1f MB of "
           "JSON | median of %d |\n|---|---:|\n", n, (size_t) NAME,
           (double) len / 1e6, ROUNDS);
    printf("| pass 1 (jwtgate_rlist_size) | %.1f ms |\n",
           median(size_s, ROUNDS) * 1e3);
    printf("| pass 2 (jwtgate_rlist_build, reads the text twice) | %.1f ms "
           "|\n", median(build_s, ROUNDS) * 1e3);
    printf("| block | %zu bytes (%.1f MiB), %.1f bytes per jti |\n", size,
           (double) size / 1048576.0, (double) size / (double) n);
    d = median(base, ROUNDS);
    printf("| lookup, listed jti (distinct, shuffled) | %.0f ns |\n",
           median(hit, ROUNDS) - d);
    printf("| lookup, jti not listed (distinct) | %.0f ns |\n",
           median(miss, ROUNDS) - d);
    printf("| lookup, the same listed jti | %.0f ns |\n",
           median(same, ROUNDS) - d);
    printf("(lookup figures net of making the query name: %.0f ns)\n", d);

    free(mem);
    free(order);
    free(text);

    return 0;
}
