/*
 * libFuzzer target: JWKS text to keys.  Never crashes, never leaks; a set
 * it accepts holds at least one key; as a public set
 * (JWTGATE_KEYSET_NO_SYMMETRIC) it holds no HMAC key and no more keys;
 * every skipped key with a kid is remembered with its reason; warnings
 * about loaded keys come with a reason, one per key at most.
 */

#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"


typedef struct {
    jwtgate_keyset_t  *set;     /* filled in after parsing */
    char               kid[64];
    const char        *reason;
} fuzz_skip_t;


static void
skipped(void *data, size_t index, const char *kid, const char *reason)
{
    fuzz_skip_t  *last = data;

    (void) index;

    if (reason == NULL) {
        abort();
    }

    /* the last skipped kid that fits, to look up once parsing ends */
    if (kid != NULL && strlen(kid) < sizeof(last->kid)) {
        strcpy(last->kid, kid);
        last->reason = reason;
    }
}


static void
warned(void *data, size_t index, const char *kid, const char *reason)
{
    (void) data;
    (void) index;
    (void) kid;

    if (reason == NULL) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t             n;
    fuzz_skip_t        last;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set, *pub;

    memset(&last, 0, sizeof(last));

    rc = jwtgate_keyset_parse((const char *) data, size, skipped, &last,
                              &set);

    if (rc == JWTGATE_OK) {
        if (set == NULL || jwtgate_keyset_count(set) == 0) {
            abort();
        }

        /* a kid both skipped and loaded is not looked up: either answer
         * would be right for it */
        if (last.reason != NULL
            && jwtgate_keyset_skipped(set, last.kid, strlen(last.kid))
               == NULL)
        {
            abort();
        }

    } else if (set != NULL) {
        abort();
    }

    n = set ? jwtgate_keyset_count(set) : 0;

    /* warnings are about loaded keys only, each at most once */
    if (set != NULL && jwtgate_keyset_warnings(set, warned, &last) > n) {
        abort();
    }

    rc = jwtgate_keyset_parse_flags((const char *) data, size,
                                    JWTGATE_KEYSET_NO_SYMMETRIC, NULL, NULL,
                                    &pub);

    if (rc == JWTGATE_OK) {
        if (pub == NULL || jwtgate_keyset_count(pub) == 0
            || jwtgate_keyset_count(pub) > n
            || (jwtgate_keyset_algs(pub) & JWTGATE_ALGS_HMAC))
        {
            abort();
        }

        jwtgate_keyset_free(pub);

    } else if (pub != NULL) {
        abort();
    }

    jwtgate_keyset_free(set);

    return 0;
}
