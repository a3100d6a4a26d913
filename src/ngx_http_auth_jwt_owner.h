
/*
 * jwtgate: the request of a background fetch, owned by no client
 * (ngx_http_auth_jwt_owner.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_OWNER_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_OWNER_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_http_request_t *ngx_http_auth_jwt_owner(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_owner_close(ngx_http_request_t *mr);


#endif /* _NGX_HTTP_AUTH_JWT_OWNER_H_INCLUDED_ */
