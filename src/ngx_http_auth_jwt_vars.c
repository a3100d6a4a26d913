
/*
 * jwtgate: variables.  $jwt_claim_<name>, $jwt_header_<name>,
 * $jwt_payload and $jwt_claims (NGINX Plus), $jwt_error, and those made
 * by auth_jwt_claim_set / auth_jwt_header_set.
 *
 * Claims and header members are given only for a token whose signature
 * and claims verified: a forged or expired token never fills a variable.
 * Every value is made by jwtgate_render_header_value() (the rule is in
 * jwtgate.h), as the forwarded headers are, so it is safe in a header
 * line; a value that it refuses leaves the variable not found, with a
 * warning.  $jwt_payload is the JSON text without its whitespace.
 */


#include "ngx_http_auth_jwt_vars.h"
#include "ngx_http_auth_jwt_ctx.h"
#include "ngx_http_auth_jwt_reason.h"
#include "ngx_http_auth_jwt_value.h"


#define NGX_HTTP_AUTH_JWT_HEADER   1
#define NGX_HTTP_AUTH_JWT_CLAIMS   1


typedef struct {
    ngx_str_t                   name;       /* the variable's, for logs */
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
    ngx_http_variable_value_t *v, ngx_str_t *name, ngx_uint_t header,
    const char **path, ngx_uint_t n);


static ngx_http_variable_t  ngx_http_auth_jwt_vars[] = {

    { ngx_string("jwt_claim_"), NULL, ngx_http_auth_jwt_variable_prefix,
      0, NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("jwt_header_"), NULL, ngx_http_auth_jwt_variable_prefix,
      NGX_HTTP_AUTH_JWT_HEADER,
      NGX_HTTP_VAR_NOCACHEABLE|NGX_HTTP_VAR_PREFIX, 0 },

    { ngx_string("jwt_payload"), NULL, ngx_http_auth_jwt_variable_payload,
      0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("jwt_claims"), NULL, ngx_http_auth_jwt_variable_payload,
      NGX_HTTP_AUTH_JWT_CLAIMS, NGX_HTTP_VAR_NOCACHEABLE, 0 },

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

    var->name = value[1];
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

    return ngx_http_auth_jwt_value(r, v, name, header, path, 1);
}


static ngx_int_t
ngx_http_auth_jwt_variable_set(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_auth_jwt_var_t  *var = (ngx_http_auth_jwt_var_t *) data;

    return ngx_http_auth_jwt_value(r, v, &var->name, var->header,
                                   var->member.path, var->member.npath);
}


static ngx_int_t
ngx_http_auth_jwt_value(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    ngx_str_t *name, ngx_uint_t header, const char **path, ngx_uint_t n)
{
    u_char                    buf[NGX_HTTP_AUTH_JWT_LOG_NAME], *last;
    ngx_int_t                 rc;
    ngx_str_t                 text;
    const char               *reason;
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

    rc = ngx_http_auth_jwt_render(r->pool, value, &text, &reason);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED) {
        last = ngx_http_auth_jwt_path_text(buf, buf + sizeof(buf), path, n);

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt: variable \"$%V\" not set: %s (%s \"%*s\")",
                      name, reason, header ? "header member" : "claim",
                      (size_t) (last - buf), buf);

        v->not_found = 1;
        return NGX_OK;
    }

    v->data = text.data;
    v->len = text.len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* the payload's JSON text without its whitespace: CR, LF, TAB go */

static ngx_int_t
ngx_http_auth_jwt_variable_payload(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    size_t                    len, n, m;
    u_char                   *p;
    const char               *text;
    jwtgate_render_rc_t       rc;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx == NULL || !ctx->valid || ctx->token == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data != NGX_HTTP_AUTH_JWT_CLAIMS && ctx->inner.len) {
        /* nested: the inner token's compact text, as NGINX Plus */
        v->data = ctx->inner.data;
        v->len = ctx->inner.len;
        v->valid = 1;
        v->no_cacheable = 1;
        v->not_found = 0;

        return NGX_OK;
    }

    text = jwtgate_token_payload_text(ctx->token, &len);

    rc = jwtgate_render_json_text(text, len, NULL, 0, &n);

    if (rc == JWTGATE_RENDER_OK && n == len) {
        /* a copy: the token may go before the value is read (a borrowed
         * token given back to the cache, a token from elsewhere) */
        p = ngx_pnalloc(r->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, text, len);
        text = (const char *) p;

    } else if (rc == JWTGATE_RENDER_OK) {
        p = ngx_pnalloc(r->pool, n + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        rc = jwtgate_render_json_text(text, len, (char *) p, n, &m);
        if (rc == JWTGATE_RENDER_OK && m != n) {
            return NGX_ERROR;
        }

        text = (const char *) p;
        len = n;
    }

    if (rc != JWTGATE_RENDER_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt: variable \"$%s\" not set: %s",
                      data == NGX_HTTP_AUTH_JWT_CLAIMS ? "jwt_claims"
                                                       : "jwt_payload",
                      jwtgate_render_strerror(rc));

        v->not_found = 1;
        return NGX_OK;
    }

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

