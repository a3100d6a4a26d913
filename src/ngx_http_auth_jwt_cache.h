
/*
 * jwtgate: the verified-token cache
 * (ngx_http_auth_jwt_cache.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_CACHE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_CACHE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_cache_init(ngx_cycle_t *cycle, size_t size,
    time_t max_age);
void ngx_http_auth_jwt_cache_exit(void);
ngx_int_t ngx_http_auth_jwt_cache_borrow(ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *raw, ngx_http_auth_jwt_keys_t *keys, unsigned flags);
ngx_int_t ngx_http_auth_jwt_cache_lookup(ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    unsigned flags, const char **issuer);
void ngx_http_auth_jwt_cache_insert(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_http_auth_jwt_keys_t *keys,
    ngx_http_auth_jwt_keylist_t *list, ngx_uint_t index, unsigned flags);
void ngx_http_auth_jwt_cache_forget(ngx_http_auth_jwt_ctx_t *ctx);
char *ngx_http_auth_jwt_token_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_CACHE_H_INCLUDED_ */
