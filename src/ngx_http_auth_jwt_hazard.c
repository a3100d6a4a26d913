
/*
 * jwtgate: reading a zone entry's text without the zone's mutex (the
 * revocation lists): hazard slots and retired lists.
 */


#include "ngx_http_auth_jwt_hazard.h"


/*
 * Revocation lists are read on every request, by every worker: without
 * the zone's mutex.  A reader publishes the list it is about to read in
 * its process's slot, then checks that the list and the entry are still
 * current; a writer, who swapped the list out or freed the entry first,
 * frees a list only when no slot holds it (hazard pointers).  Each side
 * puts a full barrier between its store and its loads, so one of them
 * sees the other: the reader retries under the mutex, or the writer keeps
 * the list for later.  A list is written whole before it is published.
 *
 * The entry's scheduling fields come along, as they were while the entry
 * was current (view); they decide nothing that the slow path, under the
 * mutex, does not decide again.  NULL: no list or a change, take the
 * mutex.
 */

#define ngx_http_auth_jwt_load(type, v)   (*(type volatile *) &(v))


/* a list in a slot: its offset in the zone, in 8-byte units (slab blocks
 * are aligned so; a zone of up to 32768m), never 0 */
#define ngx_http_auth_jwt_slot(shctx, text)                                   \
    ((uint32_t) (((u_char *) (text) - (u_char *) (shctx)) >> 3))


u_char *
ngx_http_auth_jwt_store_hold(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shview_t *view)
{
    u_char                     *text;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh;

    shctx = src->zone->data;
    sh = src->sh;

    if (!NGX_HTTP_AUTH_JWT_HAVE_FENCE
        || sh == NULL || ngx_process_slot < 0
        || ngx_process_slot >= NGX_MAX_PROCESSES
        || ngx_http_auth_jwt_load(ngx_uint_t, shctx->epoch) != src->epoch)
    {
        return NULL;
    }

    text = ngx_http_auth_jwt_load(u_char *, sh->text);

    if (text == NULL) {
        return NULL;
    }

    view->fetched = ngx_http_auth_jwt_load(time_t, sh->fetched);
    view->fetched_ms = ngx_http_auth_jwt_load(uint64_t, sh->fetched_ms);
    view->next_try = ngx_http_auth_jwt_load(time_t, sh->next_try);
    view->deadline = ngx_http_auth_jwt_load(time_t, sh->deadline);
    view->owner = ngx_http_auth_jwt_load(ngx_pid_t, sh->owner);

    shctx->readers[ngx_process_slot] = ngx_http_auth_jwt_slot(shctx, text);

    ngx_http_auth_jwt_fence();

    if (ngx_http_auth_jwt_load(ngx_uint_t, shctx->epoch) != src->epoch
        || ngx_http_auth_jwt_load(u_char *, sh->text) != text)
    {
        shctx->readers[ngx_process_slot] = 0;
        return NULL;
    }

    return text;
}


void
ngx_http_auth_jwt_store_release(ngx_http_auth_jwt_source_t *src)
{
    ngx_http_auth_jwt_shctx_t  *shctx;

    shctx = src->zone->data;

    /* the reads of the list are done before the slot says so */
    ngx_http_auth_jwt_fence();
    shctx->readers[ngx_process_slot] = 0;
}


/* 1 when a process's slot holds text */

static ngx_uint_t
ngx_http_auth_jwt_store_held(ngx_http_auth_jwt_shctx_t *shctx, void *text)
{
    uint32_t    slot;
    ngx_uint_t  i;

    slot = ngx_http_auth_jwt_slot(shctx, text);

    for (i = 0; i < NGX_MAX_PROCESSES; i++) {
        if (ngx_http_auth_jwt_load(uint32_t, shctx->readers[i]) == slot) {
            return 1;
        }
    }

    return 0;
}


/*
 * A text no entry points to any more (the mutex held): freed now if no
 * process reads it, else kept until one of the next calls finds it free.
 * The lists retired before are looked at again first.
 */

void
ngx_http_auth_jwt_store_retire(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, void *text)
{
    ngx_uint_t  i, n;

    if (text == NULL && shctx->nretired == 0) {
        return;
    }

    /* the caller's stores (the entry's new text, or none) before the
     * loads of the slots */
    ngx_http_auth_jwt_fence();

    n = 0;

    for (i = 0; i < shctx->nretired; i++) {
        if (ngx_http_auth_jwt_store_held(shctx, shctx->retired[i])) {
            shctx->retired[n++] = shctx->retired[i];

        } else {
            ngx_slab_free_locked(shpool, shctx->retired[i]);
        }
    }

    shctx->nretired = n;

    if (text == NULL) {
        return;
    }

    if (!ngx_http_auth_jwt_store_held(shctx, text)) {
        ngx_slab_free_locked(shpool, text);
        return;
    }

    if (n < NGX_HTTP_AUTH_JWT_RETIRED) {
        shctx->retired[shctx->nretired++] = text;
        return;
    }

    /*
     * as many lists as retired[] holds are read still: processes stopped
     * in the middle of a lookup (a debugger, SIGSTOP), or killed there
     * (their slots stay set until new processes take them); better a
     * block lost than one freed under a reader
     */
    ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                  "auth_jwt_keys zone: a revocation list swapped out is "
                  "still read by a process that does not go on; its "
                  "memory stays allocated");
}
