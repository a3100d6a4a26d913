
/*
 * jwtgate: header surgery on the request
 * (ngx_http_auth_jwt_header.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_HEADER_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_HEADER_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_remove_header(ngx_http_request_t *r,
    ngx_str_t *name);
ngx_int_t ngx_http_auth_jwt_drop(ngx_http_request_t *r,
    ngx_uint_t (*match)(void *data, ngx_table_elt_t *h), void *data,
    ngx_uint_t log);
ngx_uint_t ngx_http_auth_jwt_same_name(ngx_str_t *a, ngx_str_t *b);


#endif /* _NGX_HTTP_AUTH_JWT_HEADER_H_INCLUDED_ */
