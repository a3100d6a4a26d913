
/*
 * jwtgate: a fetched key set for a request: the zone's, parsed once per
 * generation, or a fetch started (in the background with keys at hand,
 * waited for without), and the refresh for an unknown kid or a bad
 * signature.
 */


#include "ngx_http_auth_jwt_refresh.h"
#include "ngx_http_auth_jwt_fetch.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_source.h"
#include "ngx_http_auth_jwt_store.h"


#define NGX_HTTP_AUTH_JWT_LOCK_TIME      30      /* s, a fetch's lock */
#define NGX_HTTP_AUTH_JWT_WAIT_TIME      35      /* s, a request's wait */


static ngx_uint_t ngx_http_auth_jwt_store_lock(
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_shsrc_t *sh,
    time_t now);
static ngx_int_t ngx_http_auth_jwt_store_sync(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);


/*
 * This worker's keys of a source, fresh enough for the request.
 * NGX_OK: src->set, maybe NULL, is what there is; NGX_AGAIN: the request
 * waits; NGX_DECLINED: no keys and no fetch for now (ctx->retry_after);
 * NGX_BUSY: a member the zone has no room for now (its family's entries
 * all in use).
 */

ngx_int_t
ngx_http_auth_jwt_store_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_source_t *src)
{
    time_t                        now;
    ngx_int_t                     rc;
    ngx_uint_t                    bit, i, lock, fetching, again;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    again = 0;

sync:

    rc = ngx_http_auth_jwt_store_sync(r, src, shpool);
    if (rc != NGX_OK) {
        return rc;
    }

    now = ngx_time();

    if (ajcf->key_cache == 0) {
        /* as NGINX Plus without auth_jwt_key_cache: a fetch per request */

        sp = ajcf->sources->elts;
        bit = 0;

        for (i = 0; i < ajcf->sources->nelts; i++) {
            if (sp[i] == src || sp[i] == src->family) {
                bit = (ngx_uint_t) 1 << i;
                break;
            }
        }

        if (ctx->fetched & bit) {
            if (ngx_http_auth_jwt_fetch_running(ctx)) {
                /* ours, not ended yet */
                return ngx_http_auth_jwt_fetch_poll(r, ctx);
            }

            return src->set ? NGX_OK : NGX_DECLINED;
        }

        ctx->fetched |= bit;
        ctx->retry_after = 1;

        return ngx_http_auth_jwt_fetch_start(r, src, ctx, 0, 0, 0);
    }

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);

        if (src->busy) {
            return NGX_BUSY;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_request \"%V\": the auth_jwt_keys "
                      "zone is full (auth_jwt_key_zone)", &src->uri);
        return NGX_ERROR;
    }

    if (sh->fetched
        && ngx_http_auth_jwt_now_ms() - sh->fetched_ms
           < (uint64_t) ajcf->key_cache * 1000
        && src->set != NULL)
    {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_OK;
    }

    fetching = (sh->owner != 0 && now < sh->deadline);

    if (src->set != NULL) {
        /* stale: refreshed in the background, nobody waits */

        if (!fetching && now >= sh->next_try) {
            lock = ngx_http_auth_jwt_store_lock(src, sh, now);

            ngx_shmtx_unlock(&shpool->mutex);

            (void) ngx_http_auth_jwt_fetch_start(r, src, ctx,
                                                 ajcf->key_cache, lock, 1);
            return NGX_OK;
        }

        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_OK;
    }

    /* no keys yet */

    if (!again && sh->text != NULL && sh->generation != src->generation) {
        /*
         * another worker's fetch ended between this worker's look at the
         * zone and now: its keys, not a fetch of our own (once: keys this
         * worker cannot parse leave src->generation at the zone's)
         */
        ngx_shmtx_unlock(&shpool->mutex);
        again = 1;
        goto sync;
    }

    if (ctx->wait_until == 0) {
        ctx->wait_until = now + NGX_HTTP_AUTH_JWT_WAIT_TIME;
    }

    if (fetching) {
        ngx_shmtx_unlock(&shpool->mutex);

        if (now >= ctx->wait_until) {
            ctx->retry_after = 1;
            goto unavailable;
        }

        return ngx_http_auth_jwt_fetch_poll(r, ctx);
    }

    if (now < sh->next_try || ctx->fetch != NULL) {
        /* failing, or our own fetch just failed */
        ctx->retry_after = ngx_max(sh->next_try - now, 1);
        ngx_shmtx_unlock(&shpool->mutex);
        goto unavailable;
    }

    lock = ngx_http_auth_jwt_store_lock(src, sh, now);

    ngx_shmtx_unlock(&shpool->mutex);

    return ngx_http_auth_jwt_fetch_start(r, src, ctx, ajcf->key_cache, lock,
                                         0);

unavailable:

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt: no keys yet from \"%V\"", &src->uri);

    return NGX_DECLINED;
}


/*
 * An unknown kid: fetch the key sets now, at most once per
 * auth_jwt_key_refresh_on_unknown_kid, and let the request wait.
 * NGX_AGAIN: waiting; NGX_DECLINED: not now.
 *
 * bad_sig: the kid is known (or the token has none) but the keys that fit
 * ctx->token did not verify it: the issuer may have replaced a key under
 * the same kid.  Only the sources whose keys the token was tried against
 * are fetched, with the same limit (one early fetch per interval and
 * source, whatever the reason), and not those fetched less than the
 * interval ago: a token that fails against keys that fresh is forged far
 * more often than signed by a key rotated in since.
 */

ngx_int_t
ngx_http_auth_jwt_store_refresh(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_uint_t bad_sig)
{
    time_t                        now;
    ngx_uint_t                    i, lock, fetching;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp, *src;

    if (ajcf->kid_refresh == 0 || ajcf->key_cache == 0
        || ajcf->sources == NULL)
    {
        return NGX_DECLINED;
    }

    now = ngx_time();
    sp = ajcf->sources->elts;

    if (ctx->kid_refreshed) {
        /* refreshed for this request already: wait while a fetch runs */

        if (now >= ctx->wait_until) {
            return NGX_DECLINED;
        }

        for (i = 0; i < ajcf->sources->nelts; i++) {
            if (ngx_http_auth_jwt_source_get(r, sp[i], &src) != NGX_OK) {
                continue;
            }

            shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

            ngx_shmtx_lock(&shpool->mutex);

            sh = ngx_http_auth_jwt_store_entry(src);
            fetching = (sh != NULL && sh->owner != 0 && now < sh->deadline);

            ngx_shmtx_unlock(&shpool->mutex);

            if (fetching) {
                return ngx_http_auth_jwt_fetch_poll(r, ctx);
            }
        }

        return NGX_DECLINED;
    }

    ctx->kid_refreshed = 1;
    ctx->wait_until = now + NGX_HTTP_AUTH_JWT_WAIT_TIME;

    for (i = 0; i < ajcf->sources->nelts; i++) {
        if (ngx_http_auth_jwt_source_get(r, sp[i], &src) != NGX_OK) {
            continue;
        }

        if (bad_sig && !jwtgate_keyset_fits(src->set, ctx->token)) {
            /* not the keys that failed: key files, other sources */
            continue;
        }

        shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

        ngx_shmtx_lock(&shpool->mutex);

        sh = ngx_http_auth_jwt_store_entry(src);

        if (sh == NULL
            || (sh->kid_refresh && now - sh->kid_refresh < ajcf->kid_refresh)
            || (bad_sig && sh->fetched
                && now - sh->fetched < ajcf->kid_refresh))
        {
            ngx_shmtx_unlock(&shpool->mutex);
            continue;
        }

        sh->kid_refresh = now;

        if (sh->owner != 0 && now < sh->deadline) {
            /* a fetch is on its way: wait for it */
            ngx_shmtx_unlock(&shpool->mutex);

            ctx->wait_until = now + NGX_HTTP_AUTH_JWT_WAIT_TIME;

            return ngx_http_auth_jwt_fetch_poll(r, ctx);
        }

        lock = ngx_http_auth_jwt_store_lock(src, sh, now);

        ngx_shmtx_unlock(&shpool->mutex);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: %s, refreshing keys from \"%V\"",
                      bad_sig ? "bad signature" : "unknown kid", &src->uri);

        if (ngx_http_auth_jwt_fetch_start(r, src, ctx, ajcf->key_cache,
                                          lock, 0)
            == NGX_AGAIN)
        {
            return NGX_AGAIN;
        }
    }

    return NGX_DECLINED;
}


/* the fetch lock, the mutex held: its number is unique in the zone */

static ngx_uint_t
ngx_http_auth_jwt_store_lock(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shsrc_t *sh, time_t now)
{
    ngx_http_auth_jwt_shctx_t  *shctx;

    shctx = src->zone->data;

    sh->owner = ngx_pid;
    sh->deadline = now + NGX_HTTP_AUTH_JWT_LOCK_TIME;
    sh->lock = ++shctx->last_id;

    return sh->lock;
}


/* finds the source in the zone and parses a new generation, if any */

static ngx_int_t
ngx_http_auth_jwt_store_sync(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool)
{
    u_char                     *text;
    size_t                      len;
    ngx_uint_t                  generation;
    jwtgate_rc_t                rc;
    jwtgate_keyset_t           *set;
    ngx_http_auth_jwt_shsrc_t  *sh;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);

        if (src->busy) {
            /* its family's entries are all in use: it waits */
            return NGX_BUSY;
        }

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_request \"%V\": the auth_jwt_keys "
                      "zone is full (auth_jwt_key_zone)", &src->uri);
        return NGX_ERROR;
    }

    if (sh->generation == src->generation || sh->text == NULL
        || src->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION)
    {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_OK;
    }

    len = sh->text_len;
    generation = sh->generation;

    text = ngx_alloc(len, r->connection->log);
    if (text == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_ERROR;
    }

    ngx_memcpy(text, sh->text, len);

    ngx_shmtx_unlock(&shpool->mutex);

    /* once per generation and worker; the zone's text was usable */

    rc = jwtgate_keyset_parse_flags((char *) text, len, src->flags, NULL,
                                    NULL, &set);
    ngx_free(text);

    if (rc != JWTGATE_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_request \"%V\": generation %ui: %s",
                      &src->uri, generation,
                      ngx_http_auth_jwt_keyset_error(rc));
        src->generation = generation;
        return NGX_OK;
    }

    jwtgate_keyset_free(src->set);
    src->set = set;
    src->set_id = ngx_http_auth_jwt_set_id();
    src->generation = generation;

    return NGX_OK;
}
