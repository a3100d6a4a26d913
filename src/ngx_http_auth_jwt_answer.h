
/*
 * jwtgate: the answer to a request that did not pass
 * (ngx_http_auth_jwt_answer.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_ANSWER_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_ANSWER_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_answer(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_JWT_ANSWER_H_INCLUDED_ */
