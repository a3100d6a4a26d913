
/*
 * jwtgate: a fetched key set for a request: the zone's, or a fetch
 * (ngx_http_auth_jwt_refresh.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_REFRESH_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_REFRESH_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_store_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_source_t *src);
ngx_int_t ngx_http_auth_jwt_store_refresh(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_uint_t bad_sig);


#endif /* _NGX_HTTP_AUTH_JWT_REFRESH_H_INCLUDED_ */
