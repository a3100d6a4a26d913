
/*
 * jwtgate: revocation lists at configuration
 * (ngx_http_auth_jwt_revoke_conf.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_REVOKE_CONF_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_REVOKE_CONF_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


char *ngx_http_auth_jwt_revocation_request(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_auth_jwt_revocation_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_revoke_bind(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *prev, ngx_http_auth_jwt_loc_conf_t *conf);


#endif /* _NGX_HTTP_AUTH_JWT_REVOKE_CONF_H_INCLUDED_ */
