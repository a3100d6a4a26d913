
/*
 * jwtgate: the state of a request's check
 * (ngx_http_auth_jwt_ctx.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_CTX_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_CTX_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_http_auth_jwt_ctx_t *ngx_http_auth_jwt_get_ctx(ngx_http_request_t *r);
ngx_http_auth_jwt_ctx_t *ngx_http_auth_jwt_own_ctx(ngx_http_request_t *r);
ngx_http_auth_jwt_ctx_t *ngx_http_auth_jwt_ctx_create(ngx_http_request_t *r);


#endif /* _NGX_HTTP_AUTH_JWT_CTX_H_INCLUDED_ */
