
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
    uint64_t                    fetched_ms;
    time_t                      next_try;
    time_t                      deadline;
    ngx_pid_t                   owner;
} ngx_http_auth_jwt_shview_t;


u_char *ngx_http_auth_jwt_store_hold(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shview_t *view);
void ngx_http_auth_jwt_store_release(ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_store_retire(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, void *text);


/*
 * A full barrier (a store before it is seen before a load after it) that
 * touches no shared line: the compiler's, whatever atomics nginx was built
 * with (on some of nginx's own paths ngx_memory_barrier() orders no store
 * before a load).  Without it, no lock-free read.
 */
#if (defined __GNUC__ || defined __clang__)
#define NGX_HTTP_AUTH_JWT_HAVE_FENCE  1
#define ngx_http_auth_jwt_fence()     __atomic_thread_fence(__ATOMIC_SEQ_CST)
#else
#define NGX_HTTP_AUTH_JWT_HAVE_FENCE  0
#define ngx_http_auth_jwt_fence()     ngx_memory_barrier()
#endif


#endif /* _NGX_HTTP_AUTH_JWT_HAZARD_H_INCLUDED_ */
