
/*
 * jwtgate: fetching a key set or a revocation list: subrequest, filters
 * (ngx_http_auth_jwt_fetch.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_FETCH_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_FETCH_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


void ngx_http_auth_jwt_ctx_release(ngx_http_auth_jwt_ctx_t *ctx);
ngx_int_t ngx_http_auth_jwt_fetch_init(ngx_conf_t *cf);
ngx_int_t ngx_http_auth_jwt_fetch_start(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_ctx_t *ctx,
    time_t cache, ngx_uint_t lock, ngx_uint_t background);
ngx_uint_t ngx_http_auth_jwt_fetching(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_jwt_fetch_poll(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx);
ngx_uint_t ngx_http_auth_jwt_fetch_running(ngx_http_auth_jwt_ctx_t *ctx);
void *ngx_http_auth_jwt_fetch_source(ngx_http_auth_jwt_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_JWT_FETCH_H_INCLUDED_ */
