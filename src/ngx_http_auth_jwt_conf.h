
/*
 * jwtgate: the directives of auth_jwt and its keys, algorithms and claims
 * (ngx_http_auth_jwt_conf.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_CONF_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_CONF_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


char *ngx_http_auth_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_auth_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_kid_refresh(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_strings(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_type(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_require_typ(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_CONF_H_INCLUDED_ */
