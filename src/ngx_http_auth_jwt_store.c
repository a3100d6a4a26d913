
/*
 * jwtgate: keys fetched from the issuer (auth_jwt_key_request).
 *
 * The shared memory zone "auth_jwt_keys" holds, per source, the last good
 * JWKS text, its generation, the fetch times, the last error and counters.
 * Each worker parses a generation once and keeps the keys until the
 * generation changes.
 *
 * A source is an auth_jwt_key_request in one server{}, known in the zone
 * by its uri, its issuer= and the identity of its server{}
 * (ngx_http_auth_jwt_source.c).
 *
 * One fetch at a time per source for the whole server: the zone holds a
 * lock with an owner and a deadline.  With keys at hand, a stale set is
 * refreshed by a background subrequest and no request waits; without
 * keys (a cold start, an unknown kid), the request waits for the fetch,
 * its own or, polling, one that another request or worker started.
 *
 * A configuration that took the zone over (a reload) frees, once its
 * workers run, the entries none of its sources names, and says so to the
 * workers of the old one through the zone's epoch: a worker finds its
 * entry again by name when the epoch changed.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_LOCK_TIME      30      /* s, a fetch's lock */
#define NGX_HTTP_AUTH_JWT_WAIT_TIME      35      /* s, a request's wait */
#define NGX_HTTP_AUTH_JWT_ZONE_SIZE      (1024 * 1024)


static ngx_int_t ngx_http_auth_jwt_store_sync(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_lookup(
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_member(
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static void ngx_http_auth_jwt_store_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, ngx_http_auth_jwt_shsrc_t *sh);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_unused(
    ngx_http_auth_jwt_shsrc_t *fam, ngx_http_auth_jwt_shsrc_t *keep,
    ngx_msec_t now);
static ngx_int_t ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_uint_t ngx_http_auth_jwt_store_lock(
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_shsrc_t *sh,
    time_t now);



static ngx_str_t  ngx_http_auth_jwt_zone_name = ngx_string("auth_jwt_keys");


/* auth_jwt_key_zone size */

char *
ngx_http_auth_jwt_key_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_main_conf_t *amcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (amcf->zone_size != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid size \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize) || size < 32768) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small: at least 32k",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    /* a list's place in a reader's slot: 32 bits of 8-byte units */
    if ((uint64_t) size > ((uint64_t) 32 << 30)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too large: at most 32768m",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    amcf->zone_size = size;

    return NGX_CONF_OK;
}


/* postconfiguration: the zone, whatever the configuration, and filters */

ngx_int_t
ngx_http_auth_jwt_store_init(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_auth_jwt_source_t    **sp;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    if (amcf->zone_size == NGX_CONF_UNSET) {
        amcf->zone_size = NGX_HTTP_AUTH_JWT_ZONE_SIZE;
    }

    /* auth_jwt_token_cache: on, 1m per worker, entries at most 5m old */
    if (amcf->cache_size == NGX_CONF_UNSET) {
        amcf->cache_size = 1024 * 1024;
    }

    if (amcf->cache_max_age == NGX_CONF_UNSET) {
        amcf->cache_max_age = 300;
    }

    amcf->zone = ngx_shared_memory_add(cf, &ngx_http_auth_jwt_zone_name,
                                       amcf->zone_size,
                                       &ngx_http_auth_jwt_module);
    if (amcf->zone == NULL) {
        return NGX_ERROR;
    }

    amcf->zone->init = ngx_http_auth_jwt_init_zone;

    /* the configuration, for ngx_http_auth_jwt_init_zone() */
    amcf->zone->data = amcf;

    sp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        sp[i]->zone = amcf->zone;
    }

    if (ngx_http_auth_jwt_source_keys(cf, amcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_jwt_fetch_init(cf);
}


static ngx_int_t
ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_auth_jwt_shctx_t  *octx = data;

    ngx_slab_pool_t                *shpool;
    ngx_http_auth_jwt_shctx_t      *sh;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx) {
        /*
         * a reload: the keys stay; those of sources gone go when this
         * configuration's workers run (ngx_http_auth_jwt_store_takeover),
         * unless another configuration came since
         */
        shm_zone->data = octx;

        ngx_shmtx_lock(&shpool->mutex);
        amcf->config = ++octx->config;
        ngx_shmtx_unlock(&shpool->mutex);

        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_auth_jwt_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&sh->sources);

    sh->config = 1;
    amcf->config = 1;

    shpool->data = sh;
    shm_zone->data = sh;

    shpool->log_ctx = (u_char *) " in auth_jwt_keys zone";
    shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * The workers of the configuration that took the zone over last (the
 * reload succeeded) free the entries none of its sources names; the
 * epoch tells the workers of the old configuration, still running, to
 * find theirs again by name.  Called by every new worker: the first one
 * frees, the others find nothing to free.
 */

void
ngx_http_auth_jwt_store_takeover(ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_uint_t                    i, freed;
    ngx_queue_t                  *q, *next;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shctx_t    *shctx;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    shctx = amcf->zone->data;
    sp = amcf->sources.elts;
    freed = 0;

    /* a process that died while it read a list left its slot set */
    if (ngx_process_slot >= 0 && ngx_process_slot < NGX_MAX_PROCESSES) {
        shctx->readers[ngx_process_slot] = 0;
    }

    ngx_shmtx_lock(&shpool->mutex);

    if (shctx->config != amcf->config) {
        /* a newer configuration took the zone over: it decides */
        ngx_shmtx_unlock(&shpool->mutex);
        return;
    }

    for (q = ngx_queue_head(&shctx->sources);
         q != ngx_queue_sentinel(&shctx->sources);
         q = next)
    {
        next = ngx_queue_next(q);
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        for (i = 0; i < amcf->sources.nelts; i++) {
            if (sh->key_len == sp[i]->key.len
                && ngx_memcmp(sh->key, sp[i]->key.data, sh->key_len) == 0)
            {
                break;
            }
        }

        if (i < amcf->sources.nelts) {
            continue;
        }

        /* a family's members go with it */
        while (sh->nmembers) {
            ngx_http_auth_jwt_store_free(shpool, shctx,
                ngx_queue_data(ngx_queue_last(&sh->members),
                               ngx_http_auth_jwt_shsrc_t, queue));
            sh->nmembers--;
            freed++;
        }

        ngx_http_auth_jwt_store_free(shpool, shctx, sh);
        freed++;
    }

    if (freed) {
        shctx->epoch++;
        shctx->freed += freed;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (freed) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "auth_jwt_keys zone: %ui key set%s that no "
                      "auth_jwt_key_request names any more freed",
                      freed, freed == 1 ? "" : "s");
    }
}


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
    ngx_uint_t                    bit, i, lock, fetching;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

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

    if (sh->fetched && now - sh->fetched < ajcf->key_cache
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


ngx_atomic_t *
ngx_http_auth_jwt_store_stats(ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_http_auth_jwt_shctx_t  *shctx;

    shctx = amcf->zone->data;

    return shctx->stats;
}


void
ngx_http_auth_jwt_store_source_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_uint_t i, ngx_http_auth_jwt_src_stat_t *st)
{
    ngx_queue_t                  *q;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh, *m;
    ngx_http_auth_jwt_source_t  **sp, *src;

    sp = amcf->sources.elts;
    src = sp[i];

    ngx_memzero(st, sizeof(ngx_http_auth_jwt_src_stat_t));

    st->uri = src->uri;
    st->issuer = src->issuer;
    st->kind = src->kind;
    st->interval = src->interval;
    st->server = src->server_name;
    st->error.data = st->error_buf;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL && src->cv != NULL) {
        /* a family: its members' fetches and keys, the last error */

        for (q = ngx_queue_head(&sh->members);
             q != ngx_queue_sentinel(&sh->members);
             q = ngx_queue_next(q))
        {
            m = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

            st->fetches_ok += m->fetches_ok;
            st->fetches_failed += m->fetches_failed;
            st->fetched = ngx_max(st->fetched, m->fetched);
            st->generation += m->generation;
            st->nkeys += m->nkeys;

            if (m->error_time > st->error_time) {
                st->error_time = m->error_time;
                st->error.len = ngx_min(m->error_len, sizeof(st->error_buf));
                ngx_memcpy(st->error_buf, m->error, st->error.len);
            }
        }

    } else if (sh != NULL) {
        st->fetches_ok = sh->fetches_ok;
        st->fetches_failed = sh->fetches_failed;
        st->fetched = sh->fetched;
        st->error_time = sh->error_time;
        st->generation = sh->generation;
        st->nkeys = sh->nkeys;
        st->counts[0] = sh->counts[0];
        st->counts[1] = sh->counts[1];
        st->counts[2] = sh->counts[2];
        st->revoked = sh->revoked;
        st->not_modified = sh->not_modified;
        st->size = sh->text ? sh->text_len : 0;
        st->error.len = ngx_min(sh->error_len, sizeof(st->error_buf));
        ngx_memcpy(st->error_buf, sh->error, st->error.len);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* how full the zone is */

void
ngx_http_auth_jwt_store_zone_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_http_auth_jwt_zone_stat_t *st)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    shctx = amcf->zone->data;

    st->size = amcf->zone->shm.size;

    ngx_shmtx_lock(&shpool->mutex);

    st->free = shpool->pfree << ngx_pagesize_shift;
    st->entries = shctx->entries;
    st->freed = shctx->freed;

    ngx_shmtx_unlock(&shpool->mutex);
}


/* the login companion saw a kid these keys lack: fetch them soon */

void
ngx_http_auth_jwt_store_stale(ngx_http_auth_jwt_source_t *src)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shsrc_t  *sh;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL) {
        sh->fetched = 0;
        sh->kid_refresh = 0;
        sh->next_try = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);
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


/*
 * The source's entry in the zone, the mutex held: the one this worker
 * found before, unless a configuration freed entries since (then found
 * again by name, or made).  NULL: the zone is full.
 */

ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_entry(ngx_http_auth_jwt_source_t *src)
{
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    shctx = src->zone->data;

    src->busy = 0;

    if (src->sh != NULL && src->epoch == shctx->epoch) {

        if (src->family != NULL) {
            /* the most recently used of its family */
            fam = ngx_http_auth_jwt_store_entry(src->family);

            if (fam != NULL && src->epoch == shctx->epoch) {
                ngx_queue_remove(&src->sh->queue);
                ngx_queue_insert_head(&fam->members, &src->sh->queue);
                src->sh->used = ngx_http_auth_jwt_wall_msec();
                return src->sh;
            }

        } else {
            return src->sh;
        }
    }

    src->sh = NULL;

    sh = src->family
         ? ngx_http_auth_jwt_store_member(src,
                                  (ngx_slab_pool_t *) src->zone->shm.addr)
         : ngx_http_auth_jwt_store_lookup(src,
                                  (ngx_slab_pool_t *) src->zone->shm.addr);
    if (sh == NULL) {
        return NULL;
    }

    if (sh->id != src->sh_id) {
        /* not the entry this worker parsed a text of */
        src->sh_id = sh->id;
        src->generation = 0;
    }

    src->sh = sh;
    src->epoch = shctx->epoch;

    return sh;
}


static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_lookup(ngx_http_auth_jwt_source_t *src,
    ngx_slab_pool_t *shpool)
{
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh;

    shctx = src->zone->data;

    for (q = ngx_queue_head(&shctx->sources);
         q != ngx_queue_sentinel(&shctx->sources);
         q = ngx_queue_next(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (sh->key_len == src->key.len
            && ngx_memcmp(sh->key, src->key.data, src->key.len) == 0)
        {
            return sh;
        }
    }

    sh = ngx_slab_calloc_locked(shpool, sizeof(ngx_http_auth_jwt_shsrc_t)
                                        + src->key.len);
    if (sh == NULL) {
        return NULL;
    }

    sh->id = ++shctx->last_id;
    sh->key_len = src->key.len;
    ngx_memcpy(sh->key, src->key.data, src->key.len);
    ngx_queue_init(&sh->members);

    ngx_queue_insert_tail(&shctx->sources, &sh->queue);
    shctx->entries++;

    return sh;
}


/*
 * A member's entry, among its family's (the mutex held), made if need
 * be: the family's least recently used entries out when it has max.
 * An entry out tells every worker to find its entries again (the epoch).
 */

static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_member(ngx_http_auth_jwt_source_t *src,
    ngx_slab_pool_t *shpool)
{
    ngx_msec_t                  now;
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    shctx = src->zone->data;
    now = ngx_http_auth_jwt_wall_msec();

    fam = ngx_http_auth_jwt_store_entry(src->family);
    if (fam == NULL) {
        return NULL;
    }

    for (q = ngx_queue_head(&fam->members);
         q != ngx_queue_sentinel(&fam->members);
         q = ngx_queue_next(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (sh->key_len == src->key.len
            && ngx_memcmp(sh->key, src->key.data, src->key.len) == 0)
        {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&fam->members, q);
            sh->used = now;
            return sh;
        }
    }

    while (fam->nmembers >= src->family->max) {
        sh = ngx_http_auth_jwt_store_unused(fam, NULL, now);

        if (sh == NULL) {
            /* all used in the last second (any worker), or fetching:
             * the new one waits; at most max new entries a second, one
             * fetch at a time per uri */
            src->busy = 1;
            return NULL;
        }

        ngx_http_auth_jwt_store_free(shpool, shctx, sh);
        fam->nmembers--;
        shctx->epoch++;
    }

    sh = ngx_slab_calloc_locked(shpool, sizeof(ngx_http_auth_jwt_shsrc_t)
                                        + src->key.len);
    if (sh == NULL) {
        return NULL;
    }

    sh->id = ++shctx->last_id;
    sh->used = now;
    sh->key_len = src->key.len;
    ngx_memcpy(sh->key, src->key.data, src->key.len);
    ngx_queue_init(&sh->members);

    ngx_queue_insert_head(&fam->members, &sh->queue);
    fam->nmembers++;
    shctx->entries++;

    return sh;
}


/*
 * The zone is full for a member's text: the least recently used entry of
 * its family other than keep goes (the mutex held).  0: none to free.
 */

ngx_uint_t
ngx_http_auth_jwt_store_evict(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shsrc_t *keep)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    if (src->family == NULL) {
        return 0;
    }

    fam = ngx_http_auth_jwt_store_entry(src->family);
    if (fam == NULL) {
        return 0;
    }

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    shctx = src->zone->data;

    sh = ngx_http_auth_jwt_store_unused(fam, keep, 0);

    if (sh == NULL) {
        return 0;
    }

    ngx_http_auth_jwt_store_free(shpool, shctx, sh);
    fam->nmembers--;
    shctx->epoch++;

    return 1;
}


/*
 * The least recently used member entry of a family that may go (the
 * mutex held): not keep, no fetch of it running, and, when now is not 0,
 * not used in the NGX_HTTP_AUTH_JWT_IN_USE ms before now.  NULL: none.
 */

static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_unused(ngx_http_auth_jwt_shsrc_t *fam,
    ngx_http_auth_jwt_shsrc_t *keep, ngx_msec_t now)
{
    time_t                      sec;
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shsrc_t  *sh;

    sec = ngx_time();

    for (q = ngx_queue_last(&fam->members);
         q != ngx_queue_sentinel(&fam->members);
         q = ngx_queue_prev(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (now && now - sh->used < NGX_HTTP_AUTH_JWT_IN_USE) {
            /* this one and the more recent ones are in use */
            return NULL;
        }

        if (sh == keep || (sh->owner != 0 && sec < sh->deadline)) {
            continue;
        }

        return sh;
    }

    return NULL;
}


/*
 * An entry out of its queue, and its text (the mutex held).  The epoch
 * goes up first: a reader without the mutex (ngx_http_auth_jwt_store_hold)
 * that could still see the entry sees that it changed.
 */

static void
ngx_http_auth_jwt_store_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, ngx_http_auth_jwt_shsrc_t *sh)
{
    u_char  *text;

    shctx->epoch++;

    ngx_queue_remove(&sh->queue);

    text = sh->text;
    sh->text = NULL;

    if (text) {
        ngx_http_auth_jwt_store_retire(shpool, shctx, text);
    }

    ngx_slab_free_locked(shpool, sh);

    shctx->entries--;
}


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

/*
 * A full barrier (a store before it is seen before a load after it) that
 * touches no shared line: the compiler's, whatever atomics nginx was built
 * with (on some of nginx's own paths ngx_memory_barrier() orders no store
 * before a load).  Without it, no lock-free read.
 */
#if (defined __GNUC__ || defined __clang__)
#define NGX_HTTP_AUTH_JWT_HAVE_FENCE  1
#define ngx_http_auth_jwt_fence()     __atomic_thread_fence(__ATOMIC_SEQ_CST)
#else
#define NGX_HTTP_AUTH_JWT_HAVE_FENCE  0
#define ngx_http_auth_jwt_fence()     ngx_memory_barrier()
#endif

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
