
/*
 * jwtgate: the end of a fetch, and the fetch itself
 * (ngx_http_auth_jwt_fetch_end.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_FETCH_END_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_FETCH_END_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/* a fetch: its subrequest's post_subrequest data */
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


void ngx_http_auth_jwt_fetch_end(ngx_http_request_t *r,
    ngx_http_auth_jwt_fetch_t *fetch, ngx_int_t rc);
ngx_int_t ngx_http_auth_jwt_fetch_etag(ngx_http_request_t *sr,
    ngx_http_auth_jwt_fetch_t *fetch);
void ngx_http_auth_jwt_fetch_unlock(ngx_http_auth_jwt_fetch_t *fetch,
    ngx_slab_pool_t *shpool, ngx_uint_t pause);


#endif /* _NGX_HTTP_AUTH_JWT_FETCH_END_H_INCLUDED_ */
