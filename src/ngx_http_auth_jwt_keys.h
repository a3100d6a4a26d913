
/*
 * jwtgate: the key sets of a request
 * (ngx_http_auth_jwt_keys.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_KEYS_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_KEYS_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_keys_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_keylist_t *list);
ngx_int_t ngx_http_auth_jwt_keys_decrypt(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_keylist_t *list);
ngx_uint_t ngx_http_auth_jwt_keys_same(ngx_http_auth_jwt_keylist_t *a,
    ngx_http_auth_jwt_keylist_t *b);
void ngx_http_auth_jwt_keys_skipped(ngx_http_request_t *r,
    ngx_http_auth_jwt_keylist_t *list, const char *kid);


#endif /* _NGX_HTTP_AUTH_JWT_KEYS_H_INCLUDED_ */
