
/*
 * jwtgate: the token in the request: its copies, the request line, its removal
 * (ngx_http_auth_jwt_token.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_TOKEN_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_TOKEN_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/* "access_token" (the argument), "authorization" (the header) */
extern ngx_str_t  ngx_http_auth_jwt_access_token;
extern ngx_str_t  ngx_http_auth_jwt_authorization;


ngx_uint_t ngx_http_auth_jwt_token_copies(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
ngx_int_t ngx_http_auth_jwt_token_mask(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
ngx_int_t ngx_http_auth_jwt_token_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token);
ngx_uint_t ngx_http_auth_jwt_preflight(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
ngx_uint_t ngx_http_auth_jwt_bearer(ngx_http_request_t *r);
ngx_uint_t ngx_http_auth_jwt_is_cookie(ngx_table_elt_t *h);


#endif /* _NGX_HTTP_AUTH_JWT_TOKEN_H_INCLUDED_ */
