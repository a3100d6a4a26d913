
/*
 * jwtgate: auth_jwt_require and the claim rules: compiled and checked
 * (ngx_http_auth_jwt_rules.c).
 */


#ifndef _NGX_HTTP_AUTH_JWT_RULES_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_RULES_H_INCLUDED_


#include "ngx_http_auth_jwt.h"


typedef enum {
    NGX_HTTP_AUTH_JWT_OP_EQ = 0,
    NGX_HTTP_AUTH_JWT_OP_NE,
    NGX_HTTP_AUTH_JWT_OP_GT,
    NGX_HTTP_AUTH_JWT_OP_GE,
    NGX_HTTP_AUTH_JWT_OP_LT,
    NGX_HTTP_AUTH_JWT_OP_LE,
    NGX_HTTP_AUTH_JWT_OP_IN,
    NGX_HTTP_AUTH_JWT_OP_NIN,
    NGX_HTTP_AUTH_JWT_OP_INTERSECT,
    NGX_HTTP_AUTH_JWT_OP_NINTERSECT
} ngx_http_auth_jwt_op_e;


/* auth_jwt_require_claim / auth_jwt_require_header */
typedef struct {
    ngx_http_auth_jwt_path_t    member;
    ngx_uint_t                  header;     /* 1: a header member */
    ngx_uint_t                  op;         /* ngx_http_auth_jwt_op_e */
    json_t                     *value;      /* json= or a plain string */
    ngx_http_complex_value_t   *cv;         /* a value with variables */
    ngx_uint_t                  plain;      /* value is a plain string */
    ngx_uint_t                  status;
} ngx_http_auth_jwt_rule_t;


/* auth_jwt_require */
typedef struct {
    ngx_array_t                *values;     /* ngx_http_complex_value_t */
    ngx_uint_t                  status;
} ngx_http_auth_jwt_require_t;


char *ngx_http_auth_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_auth_jwt_require_rule(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_auth_jwt_check_rules(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx);


#endif /* _NGX_HTTP_AUTH_JWT_RULES_H_INCLUDED_ */
