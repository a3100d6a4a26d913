
/*
 * jwtgate: reading a zone entry's text without the mutex
 * (ngx_http_auth_jwt_hazard.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_HAZARD_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_HAZARD_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/* what a lock-free reader of a revocation list sees of its entry */
typedef struct {
    time_t                      fetched;
    time_t                      next_try;
    time_t                      deadline;
    ngx_pid_t                   owner;
} ngx_http_auth_jwt_shview_t;


u_char *ngx_http_auth_jwt_store_hold(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shview_t *view);
void ngx_http_auth_jwt_store_release(ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_store_retire(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, void *text);


#endif /* _NGX_HTTP_AUTH_JWT_HAZARD_H_INCLUDED_ */
