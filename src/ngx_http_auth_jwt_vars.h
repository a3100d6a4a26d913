
/*
 * jwtgate: variables
 * (ngx_http_auth_jwt_vars.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_VARS_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_VARS_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_add_variables(ngx_conf_t *cf);
char *ngx_http_auth_jwt_claim_set(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_VARS_H_INCLUDED_ */
