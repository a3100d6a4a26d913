
/*
 * jwtgate: revocation lists: the check, the lists from files, and their
 * types
 * (ngx_http_auth_jwt_revoke.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_REVOKE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_REVOKE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_RLIST_MAX      (1024 * 1024)  /* max_size= */


/* a list from a file */
typedef struct {
    ngx_str_t                   path;       /* NUL-terminated */
    char                       *issuer;
    jwtgate_rlist_format_t      format;
    size_t                      max_size;
    void                       *list;       /* ngx_alloc()ed, or NULL */
    size_t                      size;
    ngx_file_uniq_t             uniq;
    dev_t                       dev;
    off_t                       fsize;
    time_t                      mtime;
    time_t                      checked;
    ngx_uint_t                  failed;     /* the last read failed, said */
} ngx_http_auth_jwt_rfile_t;


/* an auth_jwt_revocation_request */
typedef struct {
    ngx_str_t                   uri;
    char                       *issuer;
    time_t                      interval;
    size_t                      max_size;
} ngx_http_auth_jwt_rrequest_t;


struct ngx_http_auth_jwt_revoke_s {
    ngx_array_t                 files;      /* ngx_http_auth_jwt_rfile_t * */
    ngx_array_t                 requests;   /* ngx_http_auth_jwt_rrequest_t */
};


ngx_uint_t ngx_http_auth_jwt_revoke_check(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx);
ngx_int_t ngx_http_auth_jwt_rfile_check(ngx_log_t *log,
    ngx_http_auth_jwt_rfile_t *f, ngx_uint_t level);
void ngx_http_auth_jwt_rfile_cleanup(void *data);


#endif /* _NGX_HTTP_AUTH_JWT_REVOKE_H_INCLUDED_ */
