
/*
 * jwtgate: the check, in the rewrite and access phases
 * (ngx_http_auth_jwt_handler.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_HANDLER_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_HANDLER_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_rewrite_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_auth_jwt_access_handler(ngx_http_request_t *r);


#endif /* _NGX_HTTP_AUTH_JWT_HANDLER_H_INCLUDED_ */
