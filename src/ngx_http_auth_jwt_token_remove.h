
/*
 * jwtgate: auth_jwt_forward_token off: the token removed from the request
 * (ngx_http_auth_jwt_token_remove.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_TOKEN_REMOVE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_TOKEN_REMOVE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_forward_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);


#endif /* _NGX_HTTP_AUTH_JWT_TOKEN_REMOVE_H_INCLUDED_ */
