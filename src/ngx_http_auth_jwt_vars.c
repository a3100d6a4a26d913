
/*
 * jwtgate: variables.  $jwt_claim_<name>, $jwt_header_<name>,
 * $jwt_payload and $jwt_claims (NGINX Plus), $jwt_error, and those made
 * by auth_jwt_claim_set / auth_jwt_header_set.
 *
 * Claims and header members are given only for a token whose signature
 * and claims verified: a forged or expired token never fills a variable.
 * Values: strings as they are; numbers, booleans and null as their JSON
 * text; arrays of scalars joined with ','; objects as compact JSON.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_HEADER   1


typedef struct {
    ngx_http_auth_jwt_path_t    member;
    ngx_uint_t                  header;
} ngx_http_auth_jwt_var_t;


static ngx_int_t ngx_http_auth_jwt_variable_prefix(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_jwt_variable_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_jwt_variable_payload(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_jwt_variable_error(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_auth_jwt_value(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, ngx_uint_t header, const char **path,
    ngx_uint_t n);


static ngx_http_variable_t  ngx_http_auth_jwt_vars[] = {

    { ngx_string("jwt_claim_"), NULL, ngx_http_auth_jwt_variable_prefix,
      0, NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("jwt_header_"), NULL, ngx_http_auth_jwt_variable_prefix,
      NGX_HTTP_AUTH_JWT_HEADER,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("jwt_payload"), NULL, ngx_http_auth_jwt_variable_payload,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("jwt_claims"), NULL, ngx_http_auth_jwt_variable_payload,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("jwt_error"), NULL, ngx_http_auth_jwt_variable_error,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_auth_jwt_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_auth_jwt_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* auth_jwt_claim_set $variable name ...; auth_jwt_header_set ... */

char *
ngx_http_auth_jwt_claim_set(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                *value;
    ngx_http_variable_t      *v;
    ngx_http_auth_jwt_var_t  *var;

    value = cf->args->elts;

    if (value[1].len < 2 || value[1].data[0] != '$') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid variable name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    value[1].len--;
    value[1].data++;

    var = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_var_t));
    if (var == NULL) {
        return NGX_CONF_ERROR;
    }

    var->header = cmd->offset;

    if (cf->args->nelts == 3) {
        /* one name: a member, or ".a.b" */
        if (ngx_http_auth_jwt_conf_path(cf, value, 2, 2, &var->member)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

    } else if (ngx_http_auth_jwt_conf_path(cf, value, 2, cf->args->nelts - 1,
                                           &var->member)
               != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    v = ngx_http_add_variable(cf, &value[1], NGX_HTTP_VAR_NOCACHEABLE);
    if (v == NULL) {
        return NGX_CONF_ERROR;
    }

    if (v->get_handler != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "variable \"$%V\" is already set by another "
                           "directive", &value[1]);
        return NGX_CONF_ERROR;
    }

    v->get_handler = ngx_http_auth_jwt_variable_set;
    v->data = (uintptr_t) var;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_jwt_variable_prefix(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t  *name = (ngx_str_t *) data;

    size_t       prefix;
    u_char      *p;
    ngx_uint_t   header;
    const char  *path[1];

    /* the prefix handler's data is the variable's full name */
    header = (name->len > sizeof("jwt_header_") - 1
              && ngx_strncmp(name->data, "jwt_header_",
                             sizeof("jwt_header_") - 1) == 0);

    prefix = header ? sizeof("jwt_header_") - 1 : sizeof("jwt_claim_") - 1;

    p = ngx_pnalloc(r->pool, name->len - prefix + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn(p, name->data + prefix, name->len - prefix + 1);
    path[0] = (char *) p;

    return ngx_http_auth_jwt_value(r, v, header, path, 1);
}


static ngx_int_t
ngx_http_auth_jwt_variable_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_jwt_var_t  *var = (ngx_http_auth_jwt_var_t *) data;

    return ngx_http_auth_jwt_value(r, v, var->header, var->member.path,
                                   var->member.npath);
}


static ngx_int_t
ngx_http_auth_jwt_value(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    ngx_uint_t header, const char **path, ngx_uint_t n)
{
    size_t                    len;
    u_char                   *p;
    const json_t             *root, *value;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx == NULL || !ctx->valid || ctx->token == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    root = header ? jwtgate_token_header(ctx->token)
                  : jwtgate_token_payload(ctx->token);

    value = jwtgate_json_path(root, path, n);
    if (value == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_http_auth_jwt_format(r->pool, value, &len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_variable_payload(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    size_t                    len;
    const char               *text;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx == NULL || !ctx->valid || ctx->token == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    text = jwtgate_token_payload_text(ctx->token, &len);

    v->data = (u_char *) text;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_variable_error(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char               *s;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx == NULL || !ctx->checked || ctx->reason == JWTGATE_OK) {
        v->data = (u_char *) "";
        v->len = 0;

    } else {
        s = ngx_http_auth_jwt_reason(ctx->reason);
        v->data = (u_char *) s;
        v->len = ngx_strlen(s);
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


u_char *
ngx_http_auth_jwt_format(ngx_pool_t *pool, const json_t *value, size_t *len)
{
    u_char  *p;
    size_t   n;

    n = jwtgate_json_format(value, NULL, 0);
    if (n == (size_t) -1) {
        return NULL;
    }

    p = ngx_pnalloc(pool, n + 1);
    if (p == NULL) {
        return NULL;
    }

    if (jwtgate_json_format(value, (char *) p, n) != n) {
        return NULL;
    }

    *len = n;

    return p;
}
