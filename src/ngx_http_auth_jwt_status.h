
/*
 * jwtgate: auth_jwt_status: the counters and the zone's numbers
 * (ngx_http_auth_jwt_status.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_STATUS_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_STATUS_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


typedef struct {
    ngx_str_t                   uri;
    const char                 *issuer;
    ngx_str_t                   server;
    ngx_uint_t                  fetches_ok;
    ngx_uint_t                  fetches_failed;
    time_t                      fetched;
    ngx_str_t                   error;
    time_t                      error_time;
    ngx_uint_t                  generation;
    ngx_uint_t                  nkeys;
    ngx_uint_t                  kind;
    time_t                      interval;
    size_t                      counts[3];
    ngx_uint_t                  revoked;
    ngx_uint_t                  not_modified;
    size_t                      size;       /* the list's bytes */
    u_char                      error_buf[120];
} ngx_http_auth_jwt_src_stat_t;


typedef struct {
    size_t                      size;
    size_t                      free;       /* in whole free pages */
    ngx_uint_t                  entries;
    ngx_uint_t                  freed;
} ngx_http_auth_jwt_zone_stat_t;


ngx_atomic_t *ngx_http_auth_jwt_store_stats(
    ngx_http_auth_jwt_main_conf_t *amcf);
void ngx_http_auth_jwt_store_source_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_uint_t i, ngx_http_auth_jwt_src_stat_t *st);
void ngx_http_auth_jwt_store_zone_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_http_auth_jwt_zone_stat_t *st);
char *ngx_http_auth_jwt_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_AUTH_JWT_STATUS_H_INCLUDED_ */
