
/*
 * jwtgate: the login companion's cookie
 * (ngx_http_auth_jwt_login.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_LOGIN_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_LOGIN_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_login_init(ngx_conf_t *cf);
char *ngx_http_auth_jwt_login_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_LOGIN_H_INCLUDED_ */
