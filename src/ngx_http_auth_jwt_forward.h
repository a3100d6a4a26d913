
/*
 * jwtgate: claims as request headers
 * (ngx_http_auth_jwt_forward.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_FORWARD_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_FORWARD_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/* auth_jwt_forward_claim */
typedef struct {
    ngx_str_t                   header;
    ngx_http_auth_jwt_path_t    claim;
    ngx_int_t                   var;        /* $http_<header>'s index */
} ngx_http_auth_jwt_forward_t;


ngx_int_t ngx_http_auth_jwt_forward_strip(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
ngx_int_t ngx_http_auth_jwt_forward_set(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx);
char *ngx_http_auth_jwt_forward_claim(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_forward_payload(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_FORWARD_H_INCLUDED_ */
