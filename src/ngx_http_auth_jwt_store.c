
/*
 * jwtgate: keys fetched from the issuer (auth_jwt_key_request).
 *
 * The shared memory zone "auth_jwt_keys" holds, per source (a URI and an
 * optional issuer=), the last good JWKS text, its generation, the fetch
 * times, the last error and counters.  Each worker parses a generation
 * once and keeps the keys until the generation changes.
 *
 * A fetch (ngx_http_auth_jwt_fetch.c) is a subrequest to the source's URI.
 * One fetch at a time per source for the whole server: the zone holds a
 * lock with an owner and a deadline.  With keys at hand, a stale set is
 * refreshed by a background subrequest and no request waits; without
 * keys (a cold start, an unknown kid), the request waits for the fetch,
 * its own or, polling, one that another request or worker started.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_LOCK_TIME      30      /* s, a fetch's lock */
#define NGX_HTTP_AUTH_JWT_WAIT_TIME      35      /* s, a request's wait */
#define NGX_HTTP_AUTH_JWT_ZONE_SIZE      (1024 * 1024)


static ngx_int_t ngx_http_auth_jwt_store_sync(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_lookup(
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static ngx_int_t ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);



static ngx_str_t  ngx_http_auth_jwt_zone_name = ngx_string("auth_jwt_keys");


/* auth_jwt_key_request uri [issuer=value] [symmetric=on] */

char *
ngx_http_auth_jwt_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    u_char                         *p;
    char                           *issuer;
    size_t                          len;
    unsigned                        flags;
    ngx_str_t                      *value, key;
    ngx_uint_t                      i;
    ngx_http_auth_jwt_keys_t       *keys;
    ngx_http_auth_jwt_source_t     *src, **sp;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\": it must start with \"/\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\": variables are not allowed",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= 0x20 || value[1].data[i] == '"'
            || value[1].data[i] == '\\' || value[1].data[i] >= 0x7f)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid URI \"%V\": a character that needs "
                               "escaping", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    issuer = NULL;

    /* a fetched set is public: HMAC secrets in it only if asked for */
    flags = JWTGATE_KEYSET_NO_SYMMETRIC;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strcmp(value[i].data, "symmetric=on") == 0) {
            flags &= ~JWTGATE_KEYSET_NO_SYMMETRIC;
            continue;
        }

        if (ngx_strcmp(value[i].data, "symmetric=off") == 0) {
            continue;
        }

        if (issuer != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        issuer = ngx_http_auth_jwt_conf_issuer(cf, &value[i]);
        if (issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    keys = ngx_http_auth_jwt_conf_keys(cf, ajcf);
    if (keys == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the zone's name of the source: uri '\0' issuer */

    len = value[1].len + 1 + (issuer ? ngx_strlen(issuer) : 0);

    key.data = ngx_pnalloc(cf->pool, len);
    if (key.data == NULL) {
        return NGX_CONF_ERROR;
    }

    p = ngx_cpymem(key.data, value[1].data, value[1].len);
    *p++ = '\0';

    if (issuer) {
        p = ngx_cpymem(p, issuer, ngx_strlen(issuer));
    }

    key.len = len;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    sp = amcf->sources.elts;
    src = NULL;

    for (i = 0; i < amcf->sources.nelts; i++) {
        if (sp[i]->key.len == key.len
            && ngx_memcmp(sp[i]->key.data, key.data, key.len) == 0)
        {
            src = sp[i];
            break;
        }
    }

    if (src == NULL) {
        src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_source_t));
        if (src == NULL) {
            return NGX_CONF_ERROR;
        }

        src->uri = value[1];
        src->issuer = issuer;
        src->key = key;
        src->flags = flags;

        sp = ngx_array_push(&amcf->sources);
        if (sp == NULL) {
            return NGX_CONF_ERROR;
        }

        *sp = src;
    }

    if (src->flags != flags) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is declared elsewhere %s "
                           "\"symmetric=on\"", &value[1],
                           (flags & JWTGATE_KEYSET_NO_SYMMETRIC)
                           ? "with" : "without");
        return NGX_CONF_ERROR;
    }

    sp = keys->sources.elts;

    for (i = 0; i < keys->sources.nelts; i++) {
        if (sp[i] == src) {
            return "is duplicate";
        }
    }

    if (keys->sources.nelts == sizeof(ngx_uint_t) * 8) {
        return "is repeated too many times";
    }

    sp = ngx_array_push(&keys->sources);
    if (sp == NULL) {
        return NGX_CONF_ERROR;
    }

    *sp = src;

    return NGX_CONF_OK;
}


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

    sp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        sp[i]->zone = amcf->zone;
    }

    return ngx_http_auth_jwt_fetch_init(cf);
}


static ngx_int_t
ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_auth_jwt_shctx_t  *octx = data;

    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *sh;

    if (octx) {
        /* a reload: the keys stay */
        shm_zone->data = octx;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_auth_jwt_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&sh->sources);

    shpool->data = sh;
    shm_zone->data = sh;

    shpool->log_ctx = (u_char *) " in auth_jwt_keys zone";
    shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * This worker's keys of a source, fresh enough for the request.
 * NGX_OK: src->set, maybe NULL, is what there is; NGX_AGAIN: the request
 * waits; NGX_DECLINED: no keys and no fetch for now (ctx->retry_after).
 */

ngx_int_t
ngx_http_auth_jwt_store_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_source_t *src)
{
    time_t                      now;
    ngx_int_t                   rc;
    ngx_uint_t                  bit, i, lock, fetching;
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shsrc_t  *sh;
    ngx_http_auth_jwt_source_t **sp;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    rc = ngx_http_auth_jwt_store_sync(r, src, shpool);
    if (rc != NGX_OK) {
        return rc;
    }

    sh = src->sh;
    now = ngx_time();

    if (ajcf->key_cache == 0) {
        /* as NGINX Plus without auth_jwt_key_cache: a fetch per request */

        sp = ajcf->keys->sources.elts;
        bit = 0;

        for (i = 0; i < ajcf->keys->sources.nelts; i++) {
            if (sp[i] == src) {
                bit = (ngx_uint_t) 1 << i;
                break;
            }
        }

        if (ctx->fetched & bit) {
            return src->set ? NGX_OK : NGX_DECLINED;
        }

        ctx->fetched |= bit;
        ctx->retry_after = 1;

        return ngx_http_auth_jwt_fetch_start(r, src, ctx, 0, 0, 0);
    }

    ngx_shmtx_lock(&shpool->mutex);

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
            sh->owner = ngx_pid;
            sh->deadline = now + NGX_HTTP_AUTH_JWT_LOCK_TIME;
            lock = ++sh->lock;

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

    sh->owner = ngx_pid;
    sh->deadline = now + NGX_HTTP_AUTH_JWT_LOCK_TIME;
    lock = ++sh->lock;

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
 */

ngx_int_t
ngx_http_auth_jwt_store_refresh(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    time_t                       now;
    ngx_uint_t                   i, lock;
    ngx_slab_pool_t             *shpool;
    ngx_http_auth_jwt_shsrc_t   *sh;
    ngx_http_auth_jwt_source_t **sp, *src;

    if (ajcf->kid_refresh == 0 || ajcf->key_cache == 0) {
        return NGX_DECLINED;
    }

    now = ngx_time();
    sp = ajcf->keys->sources.elts;

    if (ctx->kid_refreshed) {
        /* refreshed for this request already: wait while a fetch runs */

        if (now >= ctx->wait_until) {
            return NGX_DECLINED;
        }

        for (i = 0; i < ajcf->keys->sources.nelts; i++) {
            sh = sp[i]->sh;

            if (sh != NULL && sh->owner != 0 && now < sh->deadline) {
                return ngx_http_auth_jwt_fetch_poll(r, ctx);
            }
        }

        return NGX_DECLINED;
    }

    ctx->kid_refreshed = 1;
    ctx->wait_until = now + NGX_HTTP_AUTH_JWT_WAIT_TIME;

    for (i = 0; i < ajcf->keys->sources.nelts; i++) {
        src = sp[i];
        sh = src->sh;

        if (sh == NULL) {
            continue;
        }

        shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

        ngx_shmtx_lock(&shpool->mutex);

        if (sh->kid_refresh && now - sh->kid_refresh < ajcf->kid_refresh) {
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

        sh->owner = ngx_pid;
        sh->deadline = now + NGX_HTTP_AUTH_JWT_LOCK_TIME;
        lock = ++sh->lock;

        ngx_shmtx_unlock(&shpool->mutex);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: unknown kid, refreshing keys from \"%V\"",
                      &src->uri);

        if (ngx_http_auth_jwt_fetch_start(r, src, ctx, ajcf->key_cache,
                                          lock, 0)
            == NGX_AGAIN)
        {
            return NGX_AGAIN;
        }
    }

    return NGX_DECLINED;
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
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp, *src;

    sp = amcf->sources.elts;
    src = sp[i];

    ngx_memzero(st, sizeof(ngx_http_auth_jwt_src_stat_t));

    st->uri = src->uri;
    st->issuer = src->issuer;
    st->error.data = st->error_buf;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = src->sh ? src->sh : ngx_http_auth_jwt_store_lookup(src, shpool);

    if (sh != NULL) {
        src->sh = sh;
        st->fetches_ok = sh->fetches_ok;
        st->fetches_failed = sh->fetches_failed;
        st->fetched = sh->fetched;
        st->error_time = sh->error_time;
        st->generation = sh->generation;
        st->nkeys = sh->nkeys;
        st->error.len = ngx_min(sh->error_len, sizeof(st->error_buf));
        ngx_memcpy(st->error_buf, sh->error, st->error.len);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* the login companion saw a kid these keys lack: fetch them soon */

void
ngx_http_auth_jwt_store_stale(ngx_http_auth_jwt_source_t *src)
{
    ngx_slab_pool_t  *shpool;

    if (src->sh == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    src->sh->fetched = 0;
    src->sh->kid_refresh = 0;
    src->sh->next_try = 0;

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

    if (src->sh == NULL) {
        src->sh = ngx_http_auth_jwt_store_lookup(src, shpool);

        if (src->sh == NULL) {
            ngx_shmtx_unlock(&shpool->mutex);
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_request \"%V\": the auth_jwt_keys "
                          "zone is full (auth_jwt_key_zone)", &src->uri);
            return NGX_ERROR;
        }
    }

    sh = src->sh;

    if (sh->generation == src->generation || sh->text == NULL) {
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

    sh->key_len = src->key.len;
    ngx_memcpy(sh->key, src->key.data, src->key.len);

    ngx_queue_insert_tail(&shctx->sources, &sh->queue);

    return sh;
}


