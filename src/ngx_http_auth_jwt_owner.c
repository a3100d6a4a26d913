
/*
 * jwtgate: the request a background fetch belongs to, on a connection of
 * its own (a socketpair's end), so that no client's connection is held
 * while the fetch runs; ngx_http_auth_jwt_fetch.c starts the fetch as its
 * subrequest.  A worker that shuts down abandons it.
 */


#include "ngx_http_auth_jwt_owner.h"


static void ngx_http_auth_jwt_owner_handler(ngx_event_t *ev);
static void ngx_http_auth_jwt_owner_peer_close(void *data);
static u_char *ngx_http_auth_jwt_owner_log(ngx_log_t *log, u_char *buf,
    size_t len);


/*
 * The request a background fetch is a subrequest of: made for it alone
 * in the source's server{}, on a connection of its own.  nginx's upstream
 * module adds the write event of the connection of the request it serves
 * (ngx_http_upstream_init()), so the connection has a real socket: one
 * end of a socketpair, whose other end stays open and silent until the
 * fetch ends.  Its events are handled by ngx_http_auth_jwt_owner_handler().
 *
 * When the fetch ends its subrequest's ngx_http_finalize_connection()
 * finds the request's count at 1 and the connection's read side at eof:
 * the request is freed (the fetch's pool cleanup runs) and the connection
 * and both sockets closed.  The connection is idle: a worker that shuts
 * down gracefully closes it at once (ngx_close_idle_connections()), which
 * ends an unfinished fetch as a client that leaves did before (the lock
 * released, the next try a second later).  NULL: none could be made.
 */

ngx_http_request_t *
ngx_http_auth_jwt_owner(ngx_http_request_t *r, ngx_http_auth_jwt_source_t *src)
{
    ngx_log_t               *log;
    ngx_pool_t              *pool;
    ngx_socket_t             s[2];
    ngx_connection_t        *c;
    ngx_pool_cleanup_t      *cln;
    ngx_http_request_t      *mr;
    ngx_http_log_ctx_t      *lctx;
    struct sockaddr_un      *sa;
    ngx_http_connection_t   *hc;

    if (src->server == NULL || src->server->ctx == NULL) {
        return NULL;
    }

    if (ngx_exiting) {
        /*
         * the worker shuts down and has closed its idle connections
         * already: a new one would be left to its timeouts; the fetch
         * runs in the client's request, as without a connection
         */
        return NULL;
    }

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) == -1) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_socket_errno,
                      "auth_jwt: socketpair() failed, the fetch of \"%V\" "
                      "runs in a client's request", &src->uri);
        return NULL;
    }

    if (ngx_nonblocking(s[0]) == -1) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_socket_errno,
                      "auth_jwt: " ngx_nonblocking_n " failed");
        goto close_sockets;
    }

    c = ngx_get_connection(s[0], ngx_cycle->log);
    if (c == NULL) {
        /* logged: worker_connections are not enough */
        goto close_sockets;
    }

    c->pool = ngx_create_pool(512, ngx_cycle->log);
    if (c->pool == NULL) {
        goto failed;
    }

    /* the peer's socket: closed with the connection's pool */
    cln = ngx_pool_cleanup_add(c->pool, 0);
    if (cln == NULL) {
        goto failed;
    }

    cln->handler = ngx_http_auth_jwt_owner_peer_close;
    cln->data = (void *) (intptr_t) s[1];
    s[1] = (ngx_socket_t) -1;

    log = ngx_palloc(c->pool, sizeof(ngx_log_t));
    hc = ngx_pcalloc(c->pool, sizeof(ngx_http_connection_t));
    lctx = ngx_pcalloc(c->pool, sizeof(ngx_http_log_ctx_t));
    sa = ngx_pcalloc(c->pool, sizeof(struct sockaddr_un));
    c->buffer = ngx_calloc_buf(c->pool);

    if (log == NULL || hc == NULL || lctx == NULL || sa == NULL
        || c->buffer == NULL)
    {
        goto failed;
    }

    *log = *ngx_cycle->log;

    c->log = log;
    c->pool->log = log;
    c->read->log = log;
    c->write->log = log;

    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);
    c->start_time = ngx_current_msec;
    c->log_error = NGX_ERROR_INFO;

    /* a unix socket, as nginx's own for a unix listener: no TCP option
     * is set on it (proxy_buffering off sets TCP_NODELAY on the
     * request's connection) */
    c->tcp_nodelay = NGX_TCP_NODELAY_DISABLED;
    c->tcp_nopush = NGX_TCP_NOPUSH_DISABLED;

    c->recv = ngx_recv;
    c->send = ngx_send;
    c->recv_chain = ngx_recv_chain;
    c->send_chain = ngx_send_chain;

    sa->sun_family = AF_UNIX;
    c->sockaddr = (struct sockaddr *) sa;
    c->socklen = offsetof(struct sockaddr_un, sun_path);
    c->local_sockaddr = c->sockaddr;
    c->local_socklen = c->socklen;
    ngx_str_set(&c->addr_text, "unix:");

    hc->conf_ctx = src->server->ctx;
    c->data = hc;

    lctx->connection = c;
    log->connection = c->number;
    log->handler = ngx_http_auth_jwt_owner_log;
    log->data = lctx;
    log->action = NULL;

    c->read->handler = ngx_http_auth_jwt_owner_handler;
    c->write->handler = ngx_http_auth_jwt_owner_handler;
    c->write->ready = 1;

    /* its peer says nothing: ngx_http_finalize_connection() closes it */
    c->read->eof = 1;

#if (NGX_STAT_STUB)
    (void) ngx_atomic_fetch_add(ngx_stat_active, 1);
#endif

    mr = ngx_http_create_request(c);
    if (mr == NULL) {
        ngx_http_close_connection(c);
        return NULL;
    }

    c->data = mr;

#if (NGX_STAT_STUB)
    /* not a request nginx reads */
    if (mr->stat_reading) {
        (void) ngx_atomic_fetch_add(ngx_stat_reading, -1);
        mr->stat_reading = 0;
    }
#endif

    if (ngx_list_init(&mr->headers_in.headers, mr->pool, 1,
                      sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        ngx_http_auth_jwt_owner_close(mr);
        return NULL;
    }

    mr->method = NGX_HTTP_GET;
    ngx_str_set(&mr->method_name, "GET");
    mr->http_version = NGX_HTTP_VERSION_11;
    ngx_str_set(&mr->http_protocol, "HTTP/1.1");
    mr->internal = 1;
    mr->keepalive = 0;
    mr->logged = 1;                 /* not a request of the access log */
    mr->post_action = 1;            /* nor one to run a post_action */

    /*
     * nor one that limit_req or limit_conn hold or refuse: as before, when
     * the fetch was a subrequest of a client's request that had passed
     * them (1: ngx_http_limit_req_module.c's NGX_HTTP_LIMIT_REQ_PASSED,
     * ngx_http_limit_conn_module.c's NGX_HTTP_LIMIT_CONN_PASSED, since
     * nginx 1.17.6); a delay would wait on an event nobody passes on
     */
    mr->limit_req_status = 1;
    mr->limit_conn_status = 1;
    mr->uri_changes = 0;
    mr->read_event_handler = ngx_http_block_reading;
    mr->write_event_handler = ngx_http_request_empty_handler;
    mr->http_state = NGX_HTTP_PROCESS_REQUEST_STATE;

    c->idle = 1;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "auth_jwt: a request of its own for the fetch of \"%V\"",
                   &src->uri);

    return mr;

failed:

    pool = c->pool;

    ngx_close_connection(c);        /* closes s[0] */

    if (pool != NULL) {
        ngx_destroy_pool(pool);     /* and s[1], if its cleanup is in */
    }

    if (s[1] != (ngx_socket_t) -1) {
        (void) ngx_close_socket(s[1]);
    }

    return NULL;

close_sockets:

    (void) ngx_close_socket(s[0]);
    (void) ngx_close_socket(s[1]);

    return NULL;
}


/* a fetch's own request that did not start its fetch */

void
ngx_http_auth_jwt_owner_close(ngx_http_request_t *mr)
{
    ngx_connection_t  *c;

    c = mr->connection;

    ngx_http_free_request(mr, 0);
    ngx_http_close_connection(c);
}


/*
 * The events of a fetch's own connection: the subrequest, once posted,
 * runs; a worker that shuts down (c->close: an idle connection, or
 * worker_shutdown_timeout) ends the fetch and the request, as nginx does
 * for a client connection in ngx_http_request_handler().
 */

static void
ngx_http_auth_jwt_owner_handler(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *mr;

    c = ev->data;
    mr = c->data;

    ngx_http_set_log_request(c->log, mr);

    if (c->close) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "auth_jwt: the fetch of \"%V\" is abandoned, the "
                      "worker shuts down", &mr->uri);

        mr->count++;
        ngx_http_finalize_request(mr, NGX_ERROR);
    }

    ngx_http_run_posted_requests(c);
}


static void
ngx_http_auth_jwt_owner_peer_close(void *data)
{
    ngx_socket_t  s = (ngx_socket_t) (intptr_t) data;

    if (ngx_close_socket(s) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, ngx_socket_errno,
                      ngx_close_socket_n " failed");
    }
}


/* as ngx_http_log_error(): the fetch's subrequest and upstream */

static u_char *
ngx_http_auth_jwt_owner_log(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char              *p;
    ngx_http_request_t  *r;
    ngx_http_log_ctx_t  *ctx;

    p = buf;

    if (log->action) {
        p = ngx_snprintf(buf, len, " while %s", log->action);
        len -= p - buf;
        buf = p;
    }

    ctx = log->data;

    p = ngx_snprintf(buf, len, ", client: %V (a key fetch)",
                     &ctx->connection->addr_text);
    len -= p - buf;

    r = ctx->request;

    if (r != NULL && ctx->current_request != NULL) {
        return r->log_handler(r, ctx->current_request, p, len);
    }

    return p;
}
