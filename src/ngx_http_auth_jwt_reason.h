
/*
 * jwtgate: the reasons of an answer and the counters
 * (ngx_http_auth_jwt_reason.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_REASON_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_REASON_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


const char *ngx_http_auth_jwt_reason(ngx_uint_t reason);
void ngx_http_auth_jwt_count(ngx_uint_t stat);
void ngx_http_auth_jwt_count_reason(ngx_uint_t reason);
void ngx_http_auth_jwt_status_attach(ngx_atomic_t *stats);


#endif /* _NGX_HTTP_AUTH_JWT_REASON_H_INCLUDED_ */
