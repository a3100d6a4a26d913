
/*
 * jwtgate: the sources of fetched key sets, per server{}, at run time
 * (ngx_http_auth_jwt_source.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_SOURCE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_SOURCE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/*
 * RFC 3986 unreserved, sub-delims but ";", ":", "@" and "/": no "%", "?",
 * "#", nothing a proxy or the issuer decodes into another path (";": a
 * "..;" step is ".." to some servlet containers)
 */
#define ngx_http_auth_jwt_uri_char(c)                                         \
    (ngx_http_auth_jwt_isalnum(c)                                             \
     || ((c) != '\0' && ngx_strchr("-._~!$&'()*+,=:@/", c) != NULL))

/* the directive a source comes from, for logs */
#define ngx_http_auth_jwt_src_directive(src)                                  \
    ((src)->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION                         \
     ? "auth_jwt_revocation_request" : "auth_jwt_key_request")

#define NGX_HTTP_AUTH_JWT_IN_USE  1000  /* ms: a member used since is not
                                           pushed out for a new one */

ngx_msec_t ngx_http_auth_jwt_wall_msec(void);
ngx_int_t ngx_http_auth_jwt_source_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_source_t **out);
void ngx_http_auth_jwt_source_release(ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_source_busy(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_source_drop(ngx_http_auth_jwt_source_t *src);
void ngx_http_auth_jwt_source_exit(ngx_http_auth_jwt_source_t *src);


#endif /* _NGX_HTTP_AUTH_JWT_SOURCE_H_INCLUDED_ */
