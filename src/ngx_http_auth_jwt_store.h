
/*
 * jwtgate: the zone of fetched key sets and revocation lists
 * (ngx_http_auth_jwt_store.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_STORE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_STORE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/*
 * a listed jti is kept this long past its exp, so that it stays revoked
 * while auth_jwt_leeway still accepts the token; a larger leeway with a
 * revocation list fails nginx -t
 */
#define NGX_HTTP_AUTH_JWT_RLIST_KEEP     86400  /* s */

char *ngx_http_auth_jwt_key_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_auth_jwt_store_init(ngx_conf_t *cf);
ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_entry(
    ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_store_stale(ngx_http_auth_jwt_source_t *src);
ngx_uint_t ngx_http_auth_jwt_store_evict(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shsrc_t *keep);
void ngx_http_auth_jwt_store_takeover(ngx_http_auth_jwt_main_conf_t *amcf);
ngx_int_t ngx_http_auth_jwt_revoke_store(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_uint_t lock, u_char *text,
    size_t len, ngx_str_t *etag, const char **reason);


#endif /* _NGX_HTTP_AUTH_JWT_STORE_H_INCLUDED_ */
