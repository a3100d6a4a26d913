
/*
 * jwtgate: auth_jwt_key_request at configuration
 * (ngx_http_auth_jwt_source_conf.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_SOURCE_CONF_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_SOURCE_CONF_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


char *ngx_http_auth_jwt_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_source_bind(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *prev, ngx_http_auth_jwt_loc_conf_t *conf);
ngx_array_t *ngx_http_auth_jwt_source_bound(ngx_conf_t *cf, ngx_array_t *prev,
    ngx_uint_t same, ngx_uint_t n);
ngx_http_auth_jwt_source_t *ngx_http_auth_jwt_source_bind_one(
    ngx_conf_t *cf, ngx_array_t *bound, ngx_uint_t kind, ngx_str_t *uri,
    char *issuer, ngx_uint_t *made);
ngx_int_t ngx_http_auth_jwt_source_keys(ngx_conf_t *cf,
    ngx_http_auth_jwt_main_conf_t *amcf);


#endif /* _NGX_HTTP_AUTH_JWT_SOURCE_CONF_H_INCLUDED_ */
