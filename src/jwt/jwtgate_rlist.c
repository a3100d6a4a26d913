/*
 * Revocation lists: see jwtgate.h.  Work in progress: not yet
 * implemented, every call refuses.
 */

#include <string.h>

#include "jwtgate_int.h"


int
jwtgate_rlist_size(const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now, size_t *size, const char **reason)
{
    (void) json; (void) len; (void) fmt; (void) now;
    *size = 0;
    *reason = "not implemented";
    return -1;
}


int
jwtgate_rlist_build(const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now, void *mem, size_t size, const char **reason)
{
    (void) json; (void) len; (void) fmt; (void) now; (void) mem;
    (void) size;
    *reason = "not implemented";
    return -1;
}


int
jwtgate_rlist_check(const void *mem, const jwtgate_rlist_query_t *q,
    int64_t now)
{
    (void) mem; (void) q; (void) now;
    return JWTGATE_RLIST_OK;
}


void
jwtgate_rlist_counts(const void *mem, size_t *jti, size_t *sub, size_t *kid)
{
    (void) mem;
    *jti = 0; *sub = 0; *kid = 0;
}
