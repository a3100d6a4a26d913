
/*
 * jwtgate: auth_jwt_type encrypted and nested, a JWE decrypted
 * (ngx_http_auth_jwt_jwe.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_JWE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_JWE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_keys_conf(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *conf);
ngx_uint_t ngx_http_auth_jwt_jwe_open(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token, unsigned algs, unsigned flags);
const char *ngx_http_auth_jwt_type_name(ngx_uint_t type);
const char *ngx_http_auth_jwt_jwe_why(ngx_str_t *token, ngx_uint_t rc);


#endif /* _NGX_HTTP_AUTH_JWT_JWE_H_INCLUDED_ */
