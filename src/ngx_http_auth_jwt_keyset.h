
/*
 * jwtgate: key sets and their sources, at the bottom of the glue
 * (ngx_http_auth_jwt_keyset.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_KEYSET_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_KEYSET_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_MAX_JWKS       (1024 * 1024)

ngx_http_auth_jwt_keys_t *ngx_http_auth_jwt_conf_keys(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
char *ngx_http_auth_jwt_conf_issuer(ngx_conf_t *cf, ngx_str_t *value);
const char *ngx_http_auth_jwt_keyset_error(jwtgate_rc_t rc);
ngx_uint_t ngx_http_auth_jwt_set_id(void);


#endif /* _NGX_HTTP_AUTH_JWT_KEYSET_H_INCLUDED_ */
