/*
 * libFuzzer target: JWKS text to keys.  Never crashes, never leaks; a set
 * it accepts holds at least one key.
 */

#include <stdlib.h>

#include "jwtgate.h"


static void
skipped(void *data, size_t index, const char *kid, const char *reason)
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
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;

    rc = jwtgate_keyset_parse((const char *) data, size, skipped, NULL,
                              &set);

    if (rc == JWTGATE_OK) {
        if (set == NULL || jwtgate_keyset_count(set) == 0) {
            abort();
        }

        jwtgate_keyset_free(set);

    } else if (set != NULL) {
        abort();
    }

    return 0;
}
