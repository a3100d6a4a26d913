
/*
 * jwtgate: members as text: paths and rendered values
 * (ngx_http_auth_jwt_value.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_VALUE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_VALUE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


/* a member's name for warnings, at most NGX_HTTP_AUTH_JWT_LOG_NAME bytes */
#define NGX_HTTP_AUTH_JWT_LOG_NAME  128

ngx_int_t ngx_http_auth_jwt_conf_path(ngx_conf_t *cf, ngx_str_t *value,
    ngx_uint_t first, ngx_uint_t last, ngx_http_auth_jwt_path_t *path);
ngx_int_t ngx_http_auth_jwt_render(ngx_pool_t *pool, const json_t *value,
    ngx_str_t *out, const char **reason);
u_char *ngx_http_auth_jwt_path_text(u_char *buf, u_char *last,
    const char **path, ngx_uint_t n);


#endif /* _NGX_HTTP_AUTH_JWT_VALUE_H_INCLUDED_ */
