
/*
 * jwtgate: identity to the upstream services.
 *
 * auth_jwt_forward_claim and auth_jwt_forward_payload set request headers
 * from a verified token on the request itself, so every upstream module
 * (proxy, fastcgi, grpc, uwsgi, scgi) passes them and $http_* reads them.
 * Every client-sent copy of those names is removed first, in every
 * request of the location, whatever the token: names compare without
 * regard to case, and '-' and '_' count as the same character, as
 * fastcgi's HTTP_X_USER_ID makes them.  Headers are removed without
 * moving the others (ngx_http_auth_jwt_drop(), ngx_http_auth_jwt_header.c);
 * the token itself is removed by ngx_http_auth_jwt_token_remove.c.
 */


#include "ngx_http_auth_jwt_forward.h"
#include "ngx_http_auth_jwt_header.h"
#include "ngx_http_auth_jwt_value.h"


static ngx_int_t ngx_http_auth_jwt_strip(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);
static ngx_uint_t ngx_http_auth_jwt_is_forwarded(void *data,
    ngx_table_elt_t *h);
static ngx_uint_t ngx_http_auth_jwt_forwarded(
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *name);
static ngx_int_t ngx_http_auth_jwt_set_header(ngx_http_request_t *r,
    ngx_str_t *name, u_char *value, size_t len);
static ngx_int_t ngx_http_auth_jwt_value_ok(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *name, u_char *value,
    size_t len);
static ngx_int_t ngx_http_auth_jwt_conf_header(ngx_conf_t *cf,
    ngx_str_t *name, ngx_int_t *var);
static void ngx_http_auth_jwt_forget(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf);


/*
 * Before the check, in every request of a location that forwards: the
 * client's copies of the forwarded names go.
 */

ngx_int_t
ngx_http_auth_jwt_forward_strip(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    if (ajcf->forwards == NULL && ajcf->forward_payload.len == 0) {
        return NGX_OK;
    }

    if (ngx_http_auth_jwt_strip(r, ajcf) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_auth_jwt_forget(r, ajcf);

    return NGX_OK;
}


/* $http_x_user_id read before (a server-level "set"): read it again */

static void
ngx_http_auth_jwt_forget(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_uint_t                    i;
    ngx_http_auth_jwt_forward_t  *fw;

    if (ajcf->forwards) {
        fw = ajcf->forwards->elts;

        for (i = 0; i < ajcf->forwards->nelts; i++) {
            r->variables[fw[i].var].valid = 0;
            r->variables[fw[i].var].not_found = 0;
        }
    }

    if (ajcf->forward_payload.len) {
        r->variables[ajcf->forward_payload_var].valid = 0;
        r->variables[ajcf->forward_payload_var].not_found = 0;
    }
}


/* After a successful check: the headers of the token's claims. */

ngx_int_t
ngx_http_auth_jwt_forward_set(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    size_t                       len;
    u_char                      *p, name[NGX_HTTP_AUTH_JWT_LOG_NAME];
    ngx_int_t                    rc;
    ngx_str_t                    value;
    ngx_uint_t                   i;
    const char                  *text, *reason;
    const json_t                *v, *root;
    ngx_http_auth_jwt_forward_t *fw;

    if (ajcf->forwards) {
        root = jwtgate_token_payload(ctx->token);
        fw = ajcf->forwards->elts;

        for (i = 0; i < ajcf->forwards->nelts; i++) {
            v = jwtgate_json_path(root, fw[i].claim.path, fw[i].claim.npath);

            if (v == NULL) {
                continue;
            }

            /* the same rendering as the $jwt_* variables */
            rc = ngx_http_auth_jwt_render(r->pool, v, &value, &reason);

            if (rc == NGX_ERROR) {
                return NGX_ERROR;
            }

            if (rc == NGX_DECLINED) {
                p = ngx_http_auth_jwt_path_text(name, name + sizeof(name),
                                                fw[i].claim.path,
                                                fw[i].claim.npath);

                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "auth_jwt: \"%V\" not forwarded: %s "
                              "(claim \"%*s\")", &fw[i].header, reason,
                              (size_t) (p - name), name);
                continue;
            }

            if (ngx_http_auth_jwt_value_ok(r, ajcf, &fw[i].header,
                                           value.data, value.len)
                != NGX_OK)
            {
                continue;
            }

            if (ngx_http_auth_jwt_set_header(r, &fw[i].header, value.data,
                                             value.len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    ngx_http_auth_jwt_forget(r, ajcf);

    if (ajcf->forward_payload.len) {
        text = jwtgate_token_payload_text(ctx->token, &len);

        p = ngx_pnalloc(r->pool, jwtgate_b64url_encoded_len(len));
        if (p == NULL) {
            return NGX_ERROR;
        }

        len = jwtgate_b64url_encode((char *) p, (const u_char *) text, len);

        if (ngx_http_auth_jwt_value_ok(r, ajcf, &ajcf->forward_payload, p,
                                       len)
            == NGX_OK
            && ngx_http_auth_jwt_set_header(r, &ajcf->forward_payload, p, len)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/* the request headers without those ajcf forwards */

static ngx_int_t
ngx_http_auth_jwt_strip(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    return ngx_http_auth_jwt_drop(r, ngx_http_auth_jwt_is_forwarded, ajcf,
                                  1);
}


static ngx_uint_t
ngx_http_auth_jwt_is_forwarded(void *data, ngx_table_elt_t *h)
{
    return ngx_http_auth_jwt_forwarded(data, &h->key);
}


static ngx_uint_t
ngx_http_auth_jwt_forwarded(ngx_http_auth_jwt_loc_conf_t *ajcf,
    ngx_str_t *name)
{
    ngx_uint_t                    i;
    ngx_http_auth_jwt_forward_t  *fw;

    if (ajcf->forwards) {
        fw = ajcf->forwards->elts;

        for (i = 0; i < ajcf->forwards->nelts; i++) {
            if (ngx_http_auth_jwt_same_name(name, &fw[i].header)) {
                return 1;
            }
        }
    }

    return ajcf->forward_payload.len
           && ngx_http_auth_jwt_same_name(name, &ajcf->forward_payload);
}


static ngx_int_t
ngx_http_auth_jwt_value_ok(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *name, u_char *value,
    size_t len)
{
    size_t  i;

    if (len > ajcf->forward_max) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt: \"%V\" not forwarded: the value is %uz "
                      "bytes, more than %uz", name, len, ajcf->forward_max);
        return NGX_DECLINED;
    }

    /* never after jwtgate_render_header_value() or base64url: a guard */

    for (i = 0; i < len; i++) {
        if (value[i] < 0x20 || value[i] == 0x7f) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "auth_jwt: \"%V\" not forwarded: the value holds "
                          "a control character", name);
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_set_header(ngx_http_request_t *r, ngx_str_t *name,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key = *name;
    h->value.data = value;
    h->value.len = len;

    h->lowcase_key = ngx_pnalloc(r->pool, name->len);
    if (h->lowcase_key == NULL) {
        return NGX_ERROR;
    }

    h->hash = ngx_hash_strlow(h->lowcase_key, name->data, name->len);

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/* auth_jwt_forward_claim header claim [subclaim ...] */

char *
ngx_http_auth_jwt_forward_claim(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_int_t                     var;
    ngx_str_t                    *value;
    ngx_uint_t                    i;
    ngx_http_auth_jwt_forward_t  *fw;

    value = cf->args->elts;

    if (ngx_http_auth_jwt_conf_header(cf, &value[1], &var) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ajcf->forwards != NGX_CONF_UNSET_PTR) {
        fw = ajcf->forwards->elts;

        for (i = 0; i < ajcf->forwards->nelts; i++) {
            if (ngx_http_auth_jwt_same_name(&fw[i].header, &value[1])) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "header \"%V\" is forwarded twice",
                                   &value[1]);
                return NGX_CONF_ERROR;
            }
        }
    }

    if (ajcf->forwards == NGX_CONF_UNSET_PTR) {
        ajcf->forwards = ngx_array_create(cf->pool, 4,
                                          sizeof(ngx_http_auth_jwt_forward_t));
        if (ajcf->forwards == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    fw = ngx_array_push(ajcf->forwards);
    if (fw == NULL) {
        return NGX_CONF_ERROR;
    }

    fw->header = value[1];
    fw->var = var;

    if (ngx_http_auth_jwt_conf_path(cf, value, 2, cf->args->nelts - 1,
                                    &fw->claim)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* auth_jwt_forward_payload header */

char *
ngx_http_auth_jwt_forward_payload(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t  *value;

    if (ajcf->forward_payload.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&ajcf->forward_payload, "");
        return NGX_CONF_OK;
    }

    if (ngx_http_auth_jwt_conf_header(cf, &value[1],
                                      &ajcf->forward_payload_var)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ajcf->forward_payload = value[1];

    return NGX_CONF_OK;
}


/* a header name to set: a token, and none that nginx handles itself */

static ngx_int_t
ngx_http_auth_jwt_conf_header(ngx_conf_t *cf, ngx_str_t *name,
    ngx_int_t *var)
{
    u_char             *p;
    ngx_str_t           vname;
    ngx_uint_t          i;
    ngx_http_header_t  *hh;

    for (i = 0; i < name->len; i++) {
        if (!(ngx_http_auth_jwt_isalnum(name->data[i]) || name->data[i] == '-'
              || name->data[i] == '_'))
        {
            break;
        }
    }

    if (name->len == 0 || i < name->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid header name \"%V\": letters, digits, "
                           "'-' and '_' only", name);
        return NGX_ERROR;
    }

    for (hh = ngx_http_headers_in; hh->name.len; hh++) {
        if (ngx_http_auth_jwt_same_name(name, &hh->name)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "header \"%V\" cannot be forwarded: nginx "
                               "reads it itself", name);
            return NGX_ERROR;
        }
    }

    /* $http_<name>, whose cached value a strip makes stale */

    vname.len = sizeof("http_") - 1 + name->len;
    vname.data = ngx_pnalloc(cf->pool, vname.len);
    if (vname.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(vname.data, "http_", sizeof("http_") - 1);

    for (i = 0; i < name->len; i++) {
        *p++ = (name->data[i] == '-') ? '_' : ngx_tolower(name->data[i]);
    }

    *var = ngx_http_get_variable_index(cf, &vname);

    return (*var == NGX_ERROR) ? NGX_ERROR : NGX_OK;
}
