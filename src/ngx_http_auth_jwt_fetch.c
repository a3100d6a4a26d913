
/*
 * jwtgate: fetching a key set (auth_jwt_key_request) or a revocation list
 * (auth_jwt_revocation_request).
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
 *
 * A fetch nobody waits for (a background refresh) is a subrequest of a
 * request of its own, on a connection of its own
 * (ngx_http_auth_jwt_owner.c): no client's connection is held while it
 * runs.
 */


#include "ngx_http_auth_jwt_fetch.h"
#include "ngx_http_auth_jwt_fetch_end.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_owner.h"
#include "ngx_http_auth_jwt_source.h"


#define NGX_HTTP_AUTH_JWT_POLL           100     /* ms */


static ngx_int_t ngx_http_auth_jwt_fetch_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static ngx_uint_t ngx_http_auth_jwt_fetch_error_page(ngx_http_request_t *r,
    ngx_int_t rc);
static void ngx_http_auth_jwt_fetch_cleanup(void *data);
static void ngx_http_auth_jwt_fetch_no_keepalive(ngx_http_request_t *r);
static ngx_http_auth_jwt_fetch_t *ngx_http_auth_jwt_fetch_of(
    ngx_http_request_t *r, ngx_uint_t *own);
static void ngx_http_auth_jwt_poll_handler(ngx_event_t *ev);
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
 *
 * A background fetch belongs to no client: it is a subrequest of a
 * request of its own (ngx_http_auth_jwt_owner()), which ends with it.
 * Only when that cannot be made (no free connection, no socket) is it a
 * subrequest of r, whose HTTP/1.x client is then told to close.
 */

ngx_int_t
ngx_http_auth_jwt_fetch_start(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_ctx_t *ctx,
    time_t cache, ngx_uint_t lock, ngx_uint_t background)
{
    ngx_str_t                     uri;
    ngx_list_t                    headers;
    ngx_http_request_t           *pr, *sr;
    ngx_pool_cleanup_t           *cln;
    ngx_http_auth_jwt_fetch_t    *fetch;
    ngx_http_post_subrequest_t   *ps;

    /* the fetch's parent */
    pr = background ? ngx_http_auth_jwt_owner(r, src) : NULL;

    if (pr == NULL) {
        pr = r;
    }

    fetch = ngx_pcalloc(pr->pool, sizeof(ngx_http_auth_jwt_fetch_t));
    ps = ngx_palloc(pr->pool, sizeof(ngx_http_post_subrequest_t));
    cln = ngx_pool_cleanup_add(pr->pool, 0);

    if (fetch == NULL || ps == NULL || cln == NULL
        || ngx_list_init(&headers, pr->pool, 1, sizeof(ngx_table_elt_t))
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

    if (src->family != NULL || pr != r) {
        /* the subrequest's own copy */
        uri.data = ngx_pstrdup(pr->pool, &src->uri);
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

    if (ngx_http_subrequest(pr, &uri, NULL, &sr, ps,
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

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt: fetching \"%V\"%s%s", &src->uri,
                   background ? " in the background" : "",
                   pr != r ? ", owned by no client" : "");

    if (pr != r) {
        pr->uri = uri;
        pr->unparsed_uri = uri;

        /* runs once this event's handler is done; pr ends with it */
        pr->count--;
        ngx_post_event(pr->connection->write, &ngx_posted_events);
        return NGX_OK;
    }

    if (background) {
        ngx_http_auth_jwt_fetch_no_keepalive(r);
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

    if (pr != r) {
        /* its cleanups run, its connection and sockets closed */
        ngx_http_auth_jwt_owner_close(pr);
    }

    return NGX_ERROR;
}


/*
 * A background fetch holds its main request's count: nginx keeps an
 * HTTP/1.x connection out of keep-alive until the fetch ends, and the
 * client's next request on it would wait for the fetch.  The response
 * says "Connection: close" instead: the client's next request goes on a
 * new connection.  An HTTP/2 or HTTP/3 stream holds no connection that
 * way.  A main request whose header went out already (a subrequest
 * checked after it, SSI) keeps its connection as it is.
 */

static void
ngx_http_auth_jwt_fetch_no_keepalive(ngx_http_request_t *r)
{
    ngx_http_request_t  *mr;

    mr = r->main;

    if (mr->http_version >= NGX_HTTP_VERSION_20
#if (NGX_HTTP_V2)
        || mr->stream != NULL
#endif
        || mr->header_sent
        || !mr->keepalive)
    {
        return;
    }

    mr->keepalive = 0;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt: no keep-alive, a background fetch runs");
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


/* the source of the fetch the request runs, or NULL */

void *
ngx_http_auth_jwt_fetch_source(ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_http_auth_jwt_fetch_t  *fetch;

    fetch = ctx->fetch;

    return fetch ? fetch->source : NULL;
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
