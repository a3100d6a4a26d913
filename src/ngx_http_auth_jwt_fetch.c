
/*
 * jwtgate: fetching a key set (auth_jwt_key_request).
 *
 * A fetch is a background subrequest to the source's URI, normally an
 * internal location that proxies to the issuer, so nginx's own proxy
 * settings (TLS, timeouts, resolver, keepalive) apply.  It carries none of
 * the client's headers or body.  This module's header and body filters
 * keep its answer off the client's response and collect its body (memory
 * or temporary file, 1 MiB at most).  The subrequest is known by its
 * post_subrequest handler, which an internal redirect (error_page,
 * X-Accel-Redirect) keeps: the location it leads to answers the fetch.
 * The result goes to the zone (ngx_http_auth_jwt_store.c): a new
 * generation, or a failure with its reason and the next retry time.
 *
 * A request that waits for keys polls the zone; the one that runs the
 * fetch is woken when it ends.  That one does not notice its client
 * leave: the fetch runs to its end and holds the lock till then, so that
 * clients that connect and leave do not start a fetch each.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_POLL           100     /* ms */
#define NGX_HTTP_AUTH_JWT_BACKOFF_MAX    60      /* s */


typedef struct {
    ngx_http_auth_jwt_source_t *source;
    ngx_uint_t                  lock;       /* ours, or 0: none taken */
    ngx_uint_t                  status;
    u_char                     *buf;        /* ngx_alloc()ed */
    size_t                      len;
    size_t                      size;
    time_t                      cache;      /* for the backoff */
    ngx_http_auth_jwt_ctx_t    *waiter;     /* the request waiting */
    size_t                      etag_len;   /* the answer's ETag */
    u_char                      etag[128];
    size_t                      inm_len;    /* the If-None-Match sent */
    u_char                      inm[128];
    unsigned                    too_large:1;
    unsigned                    complete:1; /* the answer's last buffer
                                               came */
    unsigned                    done:1;
    unsigned                    background:1;
} ngx_http_auth_jwt_fetch_t;


static ngx_int_t ngx_http_auth_jwt_fetch_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static ngx_uint_t ngx_http_auth_jwt_fetch_error_page(ngx_http_request_t *r,
    ngx_int_t rc);
static void ngx_http_auth_jwt_fetch_end(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, ngx_int_t rc);
static ngx_int_t ngx_http_auth_jwt_fetch_etag(ngx_http_request_t *sr,
    ngx_http_auth_jwt_fetch_t *fetch);
static void ngx_http_auth_jwt_fetch_kept(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch);
static void ngx_http_auth_jwt_fetch_failed(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, const char *why);
static void ngx_http_auth_jwt_fetch_unlock(ngx_http_auth_jwt_fetch_t *fetch,
    ngx_slab_pool_t *shpool, ngx_uint_t pause);
static void ngx_http_auth_jwt_fetch_cleanup(void *data);
static ngx_http_auth_jwt_fetch_t *ngx_http_auth_jwt_fetch_of(
    ngx_http_request_t *r, ngx_uint_t *own);
static void ngx_http_auth_jwt_poll_handler(ngx_event_t *ev);
static void ngx_http_auth_jwt_fetch_skip(void *data, size_t index,
    const char *kid, const char *reason);
static ngx_int_t ngx_http_auth_jwt_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_jwt_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_auth_jwt_fetch_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_auth_jwt_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_auth_jwt_body_filter;

    return NGX_OK;
}


/*
 * Starts a fetch of src.  A waited one (background 0) makes the request
 * wait: NGX_AGAIN.  lock is the zone's lock taken for it, 0 for none.
 */

ngx_int_t
ngx_http_auth_jwt_fetch_start(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_ctx_t *ctx,
    time_t cache, ngx_uint_t lock, ngx_uint_t background)
{
    ngx_str_t                     uri;
    ngx_list_t                    headers;
    ngx_http_request_t           *sr;
    ngx_pool_cleanup_t           *cln;
    ngx_http_auth_jwt_fetch_t    *fetch;
    ngx_http_post_subrequest_t   *ps;

    fetch = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_jwt_fetch_t));
    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (fetch == NULL || ps == NULL || cln == NULL
        || ngx_list_init(&headers, r->pool, 1, sizeof(ngx_table_elt_t))
           != NGX_OK)
    {
        goto failed;
    }

    fetch->source = src;
    fetch->lock = lock;
    fetch->cache = cache;
    fetch->background = background;

    cln->handler = ngx_http_auth_jwt_fetch_cleanup;
    cln->data = fetch;

    /* a member of a family stays till the cleanup, whatever its worker
     * does with it meanwhile */
    if (src->family != NULL) {
        src->refs++;
    }

    uri = src->uri;

    if (src->family != NULL) {
        /* the subrequest's own copy */
        uri.data = ngx_pstrdup(r->pool, &src->uri);
        if (uri.data == NULL) {
            goto failed;
        }
    }

    ps->handler = ngx_http_auth_jwt_fetch_done;
    ps->data = fetch;

    /*
     * in the background even when the request waits for it: a waited
     * subrequest would end when the client leaves
     */

    if (ngx_http_subrequest(r, &uri, NULL, &sr, ps,
                            NGX_HTTP_SUBREQUEST_BACKGROUND)
        != NGX_OK)
    {
        fetch->done = 1;
        goto failed;
    }

    /* a plain GET: none of the client's headers and body go along */

    ngx_memzero(&sr->headers_in, sizeof(ngx_http_headers_in_t));

    /* made before the subrequest, which runs once made: nothing fails
     * between the two */
    sr->headers_in.headers = headers;
    sr->headers_in.headers.last = &sr->headers_in.headers.part;

    sr->headers_in.content_length_n = -1;
    sr->headers_in.keep_alive_n = -1;
    sr->request_body = NULL;
    sr->method = NGX_HTTP_GET;
    ngx_str_set(&sr->method_name, "GET");

    if (src->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION
        && ngx_http_auth_jwt_fetch_etag(sr, fetch) != NGX_OK)
    {
        /* the subrequest runs, unconditional */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_revocation_request \"%V\": no memory for "
                      "If-None-Match", &src->uri);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt: fetching \"%V\"%s", &src->uri,
                   background ? " in the background" : "");

    if (background) {
        return NGX_OK;
    }

    ctx->fetch = fetch;
    fetch->waiter = ctx;

    return ngx_http_auth_jwt_fetch_poll(r, ctx);

failed:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "%s \"%V\": the subrequest failed",
                  ngx_http_auth_jwt_src_directive(src), &src->uri);

    if (fetch != NULL) {
        ngx_http_auth_jwt_fetch_unlock(fetch,
                                       (ngx_slab_pool_t *) src->zone->shm.addr,
                                       0);
    }

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_auth_jwt_fetch_done(ngx_http_request_t *r, void *data, ngx_int_t rc)
{
    ngx_http_auth_jwt_fetch_t *fetch = data;

    ngx_http_auth_jwt_ctx_t  *ctx;

    if (fetch->done) {
        /* finalized again */
        return rc;
    }

    if (ngx_http_auth_jwt_fetch_error_page(r, rc)) {
        /* the location's error_page answers the fetch: not ended yet */
        return rc;
    }

    fetch->done = 1;

    ngx_http_auth_jwt_fetch_end(r, fetch, rc);

    if (fetch->buf) {
        ngx_free(fetch->buf);
        fetch->buf = NULL;
        fetch->len = 0;
        fetch->size = 0;
    }

    /* the request waiting for the fetch looks at the keys now */

    ctx = fetch->waiter;

    if (ctx != NULL && ctx->fetch == fetch && ctx->poll.timer_set) {
        ngx_del_timer(&ctx->poll);
        ngx_add_timer(&ctx->poll, 1);
    }

    return rc;
}


/*
 * The answer rc of the fetch's location is going to an error_page of the
 * location, as ngx_http_special_response_handler() does it: that page's
 * answer is the fetch's.
 */

static ngx_uint_t
ngx_http_auth_jwt_fetch_error_page(ngx_http_request_t *r, ngx_int_t rc)
{
    ngx_uint_t                 i;
    ngx_http_err_page_t       *err_page;
    ngx_http_core_loc_conf_t  *clcf;

    if (rc < NGX_HTTP_SPECIAL_RESPONSE
        || rc == NGX_HTTP_CLOSE
        || rc == NGX_HTTP_REQUEST_TIME_OUT
        || rc == NGX_HTTP_CLIENT_CLOSED_REQUEST
        || r->connection->error
        || r->header_sent
        || r->error_page
        || r->uri_changes == 0)
    {
        return 0;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->error_pages == NULL) {
        return 0;
    }

    err_page = clcf->error_pages->elts;

    for (i = 0; i < clcf->error_pages->nelts; i++) {
        if (err_page[i].status == rc) {
            return 1;
        }
    }

    return 0;
}


static void
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

static ngx_int_t
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


/* the source of the fetch the request runs, or NULL */

void *
ngx_http_auth_jwt_fetch_source(ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_http_auth_jwt_fetch_t  *fetch;

    fetch = ctx->fetch;

    return fetch ? fetch->source : NULL;
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

static void
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
ngx_http_auth_jwt_fetch_cleanup(void *data)
{
    ngx_http_auth_jwt_fetch_t  *fetch = data;

    if (!fetch->done) {
        /* the request ended before its fetch did */
        ngx_http_auth_jwt_fetch_unlock(fetch,
                          (ngx_slab_pool_t *) fetch->source->zone->shm.addr,
                          1);
        fetch->done = 1;
    }

    if (fetch->buf) {
        ngx_free(fetch->buf);
        fetch->buf = NULL;
    }

    ngx_http_auth_jwt_source_release(fetch->source);
}


/* waits for a fetch another request or worker runs: polls the zone */

ngx_int_t
ngx_http_auth_jwt_fetch_poll(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx)
{
    if (ctx->poll.timer_set) {
        return NGX_AGAIN;
    }

    ctx->poll.handler = ngx_http_auth_jwt_poll_handler;
    ctx->poll.data = r;
    ctx->poll.log = r->connection->log;

    /*
     * a client that leaves while it waits is let go, unless its request
     * runs the fetch: that one ends first, whatever the client does
     */

    r->read_event_handler = ngx_http_auth_jwt_fetch_running(ctx)
                            ? ngx_http_block_reading
                            : ngx_http_test_reading;

    ngx_add_timer(&ctx->poll, NGX_HTTP_AUTH_JWT_POLL);

    return NGX_AGAIN;
}


/* the request runs a fetch that has not ended */

ngx_uint_t
ngx_http_auth_jwt_fetch_running(ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_http_auth_jwt_fetch_t  *fetch;

    fetch = ctx->fetch;

    return fetch != NULL && !fetch->done;
}


static void
ngx_http_auth_jwt_poll_handler(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ev->data;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->read_event_handler = ngx_http_block_reading;

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


void
ngx_http_auth_jwt_ctx_release(ngx_http_auth_jwt_ctx_t *ctx)
{
    if (ctx->poll.timer_set) {
        ngx_del_timer(&ctx->poll);
    }
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


/*
 * The fetch of r: r is its subrequest (own), or a subrequest of it, in
 * whatever location an internal redirect led it to; NULL: none.
 */

static ngx_http_auth_jwt_fetch_t *
ngx_http_auth_jwt_fetch_of(ngx_http_request_t *r, ngx_uint_t *own)
{
    *own = 1;

    for ( /* void */ ; r != r->main; r = r->parent) {

        if (r->post_subrequest != NULL
            && r->post_subrequest->handler == ngx_http_auth_jwt_fetch_done)
        {
            return r->post_subrequest->data;
        }

        *own = 0;
    }

    return NULL;
}


/* 1: r runs inside a key fetch, where no check applies */

ngx_uint_t
ngx_http_auth_jwt_fetching(ngx_http_request_t *r)
{
    ngx_uint_t  own;

    return ngx_http_auth_jwt_fetch_of(r, &own) != NULL;
}


/* the answer of a fetch goes to us, never to the client */

static ngx_int_t
ngx_http_auth_jwt_header_filter(ngx_http_request_t *r)
{
    ngx_uint_t                  own;
    ngx_http_auth_jwt_fetch_t  *fetch;

    if (r == r->main) {
        return ngx_http_next_header_filter(r);
    }

    fetch = ngx_http_auth_jwt_fetch_of(r, &own);
    if (fetch == NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (own) {
        /* the answer, maybe of the page an error_page led to */
        fetch->status = r->headers_out.status;
        fetch->len = 0;
        fetch->too_large = 0;
        fetch->complete = 0;
        fetch->etag_len = 0;

        if (r->headers_out.etag != NULL
            && r->headers_out.etag->value.len <= sizeof(fetch->etag))
        {
            /* a longer one is not kept: the next fetch is unconditional */
            fetch->etag_len = r->headers_out.etag->value.len;
            ngx_memcpy(fetch->etag, r->headers_out.etag->value.data,
                       fetch->etag_len);
        }
    }

    /* what ngx_http_header_filter() would have done */
    r->header_sent = 1;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    off_t                       size;
    u_char                     *p;
    size_t                      n, max;
    ssize_t                     got;
    ngx_buf_t                  *b;
    ngx_uint_t                  own;
    ngx_chain_t                *cl;
    ngx_http_auth_jwt_fetch_t  *fetch;

    if (r == r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    fetch = ngx_http_auth_jwt_fetch_of(r, &own);
    if (fetch == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    max = (fetch->source->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION)
          ? fetch->source->max_size : NGX_HTTP_AUTH_JWT_MAX_JWKS;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_size(b);

        if (own && size > 0 && !fetch->too_large && !fetch->done) {

            if ((off_t) (max - fetch->len) < size) {
                fetch->too_large = 1;

            } else {
                n = (size_t) size;

                if (fetch->len + n > fetch->size) {
                    fetch->size = ngx_max(fetch->size * 2, fetch->len + n);
                    fetch->size = ngx_min(fetch->size, max);

                    p = ngx_alloc(fetch->size, r->connection->log);
                    if (p == NULL) {
                        return NGX_ERROR;
                    }

                    if (fetch->buf) {
                        ngx_memcpy(p, fetch->buf, fetch->len);
                        ngx_free(fetch->buf);
                    }

                    fetch->buf = p;
                }

                if (ngx_buf_in_memory(b)) {
                    ngx_memcpy(fetch->buf + fetch->len, b->pos, n);

                } else {
                    got = ngx_read_file(b->file, fetch->buf + fetch->len, n,
                                        b->file_pos);
                    if (got != (ssize_t) n) {
                        return NGX_ERROR;
                    }
                }

                fetch->len += n;
            }
        }

        if (own && (b->last_buf || b->last_in_chain)) {
            fetch->complete = 1;
        }

        /* consumed: the upstream may reuse its buffers */
        if (ngx_buf_in_memory(b)) {
            b->pos = b->last;
        }

        if (b->in_file) {
            b->file_pos = b->file_last;
        }
    }

    return NGX_OK;
}
