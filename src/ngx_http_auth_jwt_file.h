
/*
 * jwtgate: key files, read at configuration or named with variables
 * (ngx_http_auth_jwt_file.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_FILE_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_FILE_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


ngx_int_t ngx_http_auth_jwt_file_conf(ngx_conf_t *cf, ngx_str_t *path,
    char *issuer, ngx_http_auth_jwt_file_t **file);
void ngx_http_auth_jwt_files_drop(ngx_conf_t *cf);
void ngx_http_auth_jwt_keys_exit(void);
ngx_int_t ngx_http_auth_jwt_keys_files(ngx_http_request_t *r,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    ngx_uint_t decrypt);
ngx_int_t ngx_http_auth_jwt_file_decrypt(ngx_conf_t *cf,
    ngx_http_auth_jwt_file_t *f);
void ngx_http_auth_jwt_keys_add(ngx_http_auth_jwt_keylist_t *list,
    const jwtgate_keyset_t *set, const char *issuer, ngx_uint_t id);


#endif /* _NGX_HTTP_AUTH_JWT_FILE_H_INCLUDED_ */
