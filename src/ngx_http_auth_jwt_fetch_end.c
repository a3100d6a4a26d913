
/*
 * jwtgate: the end of a fetch: its answer checked and written to the zone
 * (a new generation, or a 304 that keeps the last one), or the failure
 * with its reason and the next try; and the fetch's lock let go.
 */


#include "ngx_http_auth_jwt_fetch_end.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_source.h"
#include "ngx_http_auth_jwt_store.h"


#define NGX_HTTP_AUTH_JWT_BACKOFF_MAX    60      /* s */


static void ngx_http_auth_jwt_fetch_kept(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch);
static void ngx_http_auth_jwt_fetch_failed(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, const char *why);
static void ngx_http_auth_jwt_fetch_skip(void *data, size_t index,
    const char *kid, const char *reason);


void
ngx_http_auth_jwt_fetch_end(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, ngx_int_t rc)
{
    u_char                      *text;
    time_t                       now;
    ngx_str_t                    etag;
    const char                  *reason;
    ngx_uint_t                   status, changed, level;
    jwtgate_rc_t                 jrc;
    ngx_slab_pool_t             *shpool;
    jwtgate_keyset_t            *set;
    ngx_http_auth_jwt_shsrc_t   *sh;
    ngx_http_auth_jwt_source_t  *src;
    u_char                       why[64];

    src = fetch->source;
    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    if (fetch->complete && fetch->status == NGX_HTTP_OK
        && (rc == NGX_OK || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST))
    {
        /* the issuer's whole answer is in, whatever the client did */
        rc = NGX_OK;

    } else if (rc == NGX_HTTP_CLIENT_CLOSED_REQUEST || r->connection->error)
    {
        /*
         * the connection of the request that ran the fetch failed before
         * the issuer's whole answer came: that says nothing about the
         * issuer, so no failure, no backoff, but the next fetch waits; a
         * complete answer counts whatever the client did
         */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "%s \"%V\": fetch abandoned, the "
                      "client connection failed",
                      ngx_http_auth_jwt_src_directive(src), &src->uri);
        ngx_http_auth_jwt_fetch_unlock(fetch, shpool, 1);
        return;
    }

    status = fetch->status;

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        status = (rc == NGX_ERROR) ? NGX_HTTP_BAD_GATEWAY : (ngx_uint_t) rc;

    } else if (status == 0) {
        status = r->headers_out.status;
    }

    if (status == NGX_HTTP_NOT_MODIFIED
        && src->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION)
    {
        /* If-None-Match matched: the list stays, a successful fetch */
        ngx_http_auth_jwt_fetch_kept(r, fetch);
        return;
    }

    if (status != NGX_HTTP_OK) {
        ngx_snprintf(why, sizeof(why), "status %ui%Z", status);
        ngx_http_auth_jwt_fetch_failed(r, fetch, (char *) why);
        return;
    }

    if (fetch->too_large) {
        ngx_http_auth_jwt_fetch_failed(r, fetch, "response too large");
        return;
    }

    if (!fetch->complete) {
        /* the upstream gave up after the header: what came is not all */
        ngx_http_auth_jwt_fetch_failed(r, fetch, "the answer was cut short");
        return;
    }

    if (src->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
        etag.data = fetch->etag;
        etag.len = fetch->etag_len;

        switch (ngx_http_auth_jwt_revoke_store(r, src, fetch->lock,
                                               fetch->buf, fetch->len,
                                               &etag, &reason))
        {
        case NGX_OK:
            break;

        case NGX_DECLINED:
            /* not ours to store: no failure either */
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "auth_jwt_revocation_request \"%V\": answer "
                          "dropped: %s", &src->uri, reason);
            ngx_http_auth_jwt_fetch_unlock(fetch, shpool, 0);
            return;

        default:
            ngx_http_auth_jwt_fetch_failed(r, fetch, reason);
            return;
        }

        ngx_http_auth_jwt_fetch_unlock(fetch, shpool, 0);
        return;
    }

    jrc = jwtgate_keyset_parse_flags((char *) fetch->buf, fetch->len,
                                     src->flags,
                                     ngx_http_auth_jwt_fetch_skip, src,
                                     &set);

    if (jrc != JWTGATE_OK) {
        ngx_http_auth_jwt_fetch_failed(r, fetch,
                                       ngx_http_auth_jwt_keyset_error(jrc));
        return;
    }

    now = ngx_time();

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        jwtgate_keyset_free(set);
        ngx_http_auth_jwt_fetch_failed(r, fetch,
                                       "the auth_jwt_keys zone is full "
                                       "(auth_jwt_key_zone)");
        return;
    }

    changed = (sh->text == NULL || sh->text_len != fetch->len
               || ngx_memcmp(sh->text, fetch->buf, fetch->len) != 0);

    if (changed) {
        text = ngx_slab_alloc_locked(shpool, fetch->len);

        /* a member: its family's least recently used make room */
        while (text == NULL && ngx_http_auth_jwt_store_evict(src, sh)) {
            text = ngx_slab_alloc_locked(shpool, fetch->len);
        }

        if (text == NULL) {
            ngx_shmtx_unlock(&shpool->mutex);
            jwtgate_keyset_free(set);
            ngx_http_auth_jwt_fetch_failed(r, fetch,
                                           "the auth_jwt_keys zone is full "
                                           "(auth_jwt_key_zone)");
            return;
        }

        if (sh->text) {
            ngx_slab_free_locked(shpool, sh->text);
        }

        ngx_memcpy(text, fetch->buf, fetch->len);
        sh->text = text;
        sh->text_len = fetch->len;
        sh->generation++;
    }

    sh->nkeys = jwtgate_keyset_count(set);
    sh->fetched = now;
    sh->fetched_ms = ngx_http_auth_jwt_now_ms();
    sh->failures = 0;
    sh->next_try = 0;
    sh->attempts++;
    sh->fetches_ok++;

    ngx_http_auth_jwt_fetch_unlock(fetch, NULL, 0);

    if (src->set != NULL && src->generation == sh->generation) {
        /* the same keys: the verified-token cache stays valid */
        jwtgate_keyset_free(set);
        set = src->set;

    } else {
        jwtgate_keyset_free(src->set);
        src->set = set;
        src->set_id = ngx_http_auth_jwt_set_id();
        src->generation = sh->generation;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    level = changed ? NGX_LOG_INFO : NGX_LOG_DEBUG;

    ngx_log_error(level, r->connection->log, 0,
                  "auth_jwt_key_request \"%V\": %uz keys, generation %ui",
                  &src->uri, jwtgate_keyset_count(set), src->generation);
}


/* If-None-Match with the ETag of the list at hand, if any */

ngx_int_t
ngx_http_auth_jwt_fetch_etag(ngx_http_request_t *sr,
    ngx_http_auth_jwt_fetch_t *fetch)
{
    u_char                      *p;
    size_t                       len;
    ngx_slab_pool_t             *shpool;
    ngx_table_elt_t             *h;
    ngx_http_auth_jwt_shsrc_t   *sh;
    ngx_http_auth_jwt_source_t  *src;
    u_char                       etag[128];

    src = fetch->source;
    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    len = 0;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL && sh->text != NULL && sh->etag_len <= sizeof(etag)) {
        len = sh->etag_len;
        ngx_memcpy(etag, sh->etag, len);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(sr->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, etag, len);

    h = ngx_list_push(&sr->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "If-None-Match");
    h->lowcase_key = (u_char *) "if-none-match";
    h->value.data = p;
    h->value.len = len;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    sr->headers_in.if_none_match = h;

    /* a 304 is an answer to this ETag only (see fetch_kept()) */
    ngx_memcpy(fetch->inm, etag, len);
    fetch->inm_len = len;

    return NGX_OK;
}


/* 304: the list at hand is the issuer's still */

static void
ngx_http_auth_jwt_fetch_kept(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch)
{
    ngx_uint_t                   kept;
    ngx_slab_pool_t             *shpool;
    ngx_http_auth_jwt_shsrc_t   *sh;
    ngx_http_auth_jwt_source_t  *src;

    src = fetch->source;
    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    /*
     * a 304 keeps the list only when it answers the If-None-Match this
     * fetch sent, for the list still at hand: not one a proxy made up,
     * and not one for a list another worker has replaced since
     */
    kept = (sh != NULL && sh->text != NULL && fetch->inm_len != 0
            && sh->etag_len == fetch->inm_len
            && ngx_memcmp(sh->etag, fetch->inm, fetch->inm_len) == 0);

    if (kept) {
        sh->fetched = ngx_time();
        sh->fetched_ms = ngx_http_auth_jwt_now_ms();
        sh->failures = 0;
        sh->next_try = 0;
        sh->attempts++;
        sh->fetches_ok++;
        sh->not_modified++;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (!kept) {
        /* not an answer to what we sent */
        ngx_http_auth_jwt_fetch_failed(r, fetch,
                                       "status 304 to no If-None-Match of "
                                       "the list at hand");
        return;
    }

    ngx_http_auth_jwt_fetch_unlock(fetch, shpool, 0);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt_revocation_request \"%V\": not modified",
                   &src->uri);
}


static void
ngx_http_auth_jwt_fetch_failed(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, const char *why)
{
    time_t                       now, backoff;
    size_t                       len;
    ngx_slab_pool_t             *shpool;
    ngx_http_auth_jwt_shsrc_t   *sh;
    ngx_http_auth_jwt_source_t  *src;

    src = fetch->source;
    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    now = ngx_time();

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL) {
        sh->failures++;
        sh->attempts++;
        sh->fetches_failed++;

        /* 1, 2, 4 ... 60 s, and never past the cache time */
        backoff = (sh->failures > 6) ? NGX_HTTP_AUTH_JWT_BACKOFF_MAX
                                     : (time_t) 1 << (sh->failures - 1);
        backoff = ngx_min(backoff, NGX_HTTP_AUTH_JWT_BACKOFF_MAX);

        if (fetch->cache > 0) {
            backoff = ngx_min(backoff, fetch->cache);
        }

        sh->next_try = now + backoff;

        len = ngx_min(ngx_strlen(why), sizeof(sh->error));
        ngx_memcpy(sh->error, why, len);
        sh->error_len = len;
        sh->error_time = now;
    }

    ngx_http_auth_jwt_fetch_unlock(fetch, NULL, 0);

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "%s \"%V\": fetch failed: %s%s",
                  ngx_http_auth_jwt_src_directive(src), &src->uri, why,
                  src->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION
                  ? ", the last good list stays"
                  : src->set ? ", the last good keys stay" : "");
}


/*
 * Releases the zone's lock if it is still the one this fetch took.
 * pause: the fetch did not end, the next one waits a second (no failure
 * is counted).  shpool NULL: the caller holds the mutex.
 */

void
ngx_http_auth_jwt_fetch_unlock(ngx_http_auth_jwt_fetch_t *fetch,
    ngx_slab_pool_t *shpool, ngx_uint_t pause)
{
    time_t                      now;
    ngx_http_auth_jwt_shsrc_t  *sh;

    if (fetch->lock == 0) {
        return;
    }

    if (shpool) {
        ngx_shmtx_lock(&shpool->mutex);
    }

    sh = ngx_http_auth_jwt_store_entry(fetch->source);

    if (sh != NULL && sh->lock == fetch->lock && sh->owner == ngx_pid) {
        sh->owner = 0;

        if (pause) {
            now = ngx_time();
            sh->next_try = ngx_max(sh->next_try, now + 1);
        }
    }

    if (shpool) {
        ngx_shmtx_unlock(&shpool->mutex);
    }

    fetch->lock = 0;
}


static void
ngx_http_auth_jwt_fetch_skip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_source_t  *src = data;

    ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                  "auth_jwt_key_request \"%V\": key #%uz (kid \"%s\") "
                  "skipped: %s", &src->uri, index + 1, kid ? kid : "",
                  reason);
}
