
/*
 * jwtgate: the answer to a request that did not pass: 401 or 403 with a
 * WWW-Authenticate challenge, or 503 with Retry-After when no key set
 * could be had.
 */


#include "ngx_http_auth_jwt_answer.h"


static ngx_int_t ngx_http_auth_jwt_unavailable(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx);
static ngx_int_t ngx_http_auth_jwt_challenge(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, const char *error,
    ngx_int_t status);


ngx_int_t
ngx_http_auth_jwt_answer(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (ctx->reason) {

    case JWTGATE_OK:
        return NGX_OK;

    case JWTGATE_ERR_MISSING:
        return ngx_http_auth_jwt_challenge(r, ajcf, NULL,
                                           NGX_HTTP_UNAUTHORIZED);

    case JWTGATE_ERR_INTERNAL:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    case JWTGATE_ERR_DUPLICATE:
        return ngx_http_auth_jwt_challenge(r, ajcf, "invalid_request",
                                           NGX_HTTP_BAD_REQUEST);

    case NGX_HTTP_AUTH_JWT_UNAVAILABLE:
        return ngx_http_auth_jwt_unavailable(r, ctx);

    case NGX_HTTP_AUTH_JWT_RULE_FAILED:
        if (ctx->status == NGX_HTTP_UNAUTHORIZED
            || ctx->status == NGX_HTTP_FORBIDDEN)
        {
            return ngx_http_auth_jwt_challenge(r, ajcf, "insufficient_scope",
                                               ctx->status);
        }

        return ctx->status;

    default:
        return ngx_http_auth_jwt_challenge(r, ajcf, "invalid_token",
                                           NGX_HTTP_UNAUTHORIZED);
    }
}


/* no keys to check with, none to be had now: the client is not at fault */

static ngx_int_t
ngx_http_auth_jwt_unavailable(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->value.data = ngx_pnalloc(r->pool, NGX_TIME_T_LEN);
    if (h->value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif
    ngx_str_set(&h->key, "Retry-After");
    h->value.len = ngx_sprintf(h->value.data, "%T",
                               ngx_max(ctx->retry_after, 1))
                   - h->value.data;

    return NGX_HTTP_SERVICE_UNAVAILABLE;
}


/* WWW-Authenticate: Bearer realm="..."[, error="..."] (RFC 6750 3) */

static ngx_int_t
ngx_http_auth_jwt_challenge(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, const char *error, ngx_int_t status)
{
    size_t            len;
    u_char           *p, *s;
    ngx_str_t         realm;
    ngx_uint_t        i;
    ngx_table_elt_t  *h;

    if (ngx_http_complex_value(r, ajcf->realm, &realm) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof("Bearer realm=\"\"") - 1 + realm.len * 2;

    if (error != NULL) {
        len += sizeof(", error=\"\"") - 1 + ngx_strlen(error);
    }

    s = ngx_pnalloc(r->pool, len);
    if (s == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(s, "Bearer realm=\"", sizeof("Bearer realm=\"") - 1);

    /* a quoted-string: escape '"' and '\', drop control characters */
    for (i = 0; i < realm.len; i++) {
        if (realm.data[i] == '"' || realm.data[i] == '\\') {
            *p++ = '\\';

        } else if (realm.data[i] < 0x20 || realm.data[i] == 0x7f) {
            continue;
        }

        *p++ = realm.data[i];
    }

    *p++ = '"';

    if (error != NULL) {
        p = ngx_sprintf(p, ", error=\"%s\"", error);
    }

    h = r->headers_out.www_authenticate;

    if (h == NULL) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

#if (nginx_version >= 1023000)
        /* "satisfy any" clears the challenges through this chain */
        h->next = NULL;
#endif
        r->headers_out.www_authenticate = h;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = s;
    h->value.len = p - s;

    return status;
}
