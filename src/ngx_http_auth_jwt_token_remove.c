
/*
 * jwtgate: auth_jwt_forward_token off: every copy of the token removed
 * from the request (the Authorization header, the cookie, the argument,
 * the header token= names), so that neither an upstream nor a variable
 * read later sees it.
 */


#include "ngx_http_auth_jwt_token_remove.h"
#include "ngx_http_auth_jwt_header.h"
#include "ngx_http_auth_jwt_token.h"


static ngx_int_t ngx_http_auth_jwt_remove_authorization(
    ngx_http_request_t *r, ngx_uint_t any_scheme);
static ngx_int_t ngx_http_auth_jwt_remove_cookie(ngx_http_request_t *r,
    ngx_str_t *name);
static ngx_int_t ngx_http_auth_jwt_cookie_value(ngx_http_request_t *r,
    ngx_table_elt_t *h, ngx_str_t *name);
static ngx_uint_t ngx_http_auth_jwt_empty_cookie(void *data,
    ngx_table_elt_t *h);
static ngx_int_t ngx_http_auth_jwt_remove_arg(ngx_http_request_t *r,
    ngx_str_t *name);
static void ngx_http_auth_jwt_token_forget(ngx_http_request_t *r,
    const char *prefix, ngx_str_t *rest);


static ngx_str_t  ngx_http_auth_jwt_no_rest = ngx_null_string;


/*
 * auth_jwt_forward_token off: the token does not go upstream.  Every copy
 * in every place a token= names goes, and the RFC 6750 methods with it (a
 * request that passed has none: a second copy is refused; one that failed
 * may still be sent on by error_page).
 */

ngx_int_t
ngx_http_auth_jwt_forward_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_int_t                       rc;
    ngx_uint_t                      i, any_scheme;
    ngx_http_auth_jwt_token_src_t  *src;

    if (ajcf->forward_token) {
        return NGX_OK;
    }

    /* by default and for token=bearer, whatever its scheme, as before */
    any_scheme = (ajcf->tokens == NULL);

    for (i = 0; i < ajcf->ntokens; i++) {
        src = &ajcf->tokens[i];

        switch (src->from) {

        case NGX_HTTP_AUTH_JWT_TOKEN_BEARER:
            any_scheme = 1;
            rc = NGX_OK;
            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_HEADER:
            rc = ngx_http_auth_jwt_remove_header(r, &src->name);
            ngx_http_auth_jwt_token_forget(r, "http_", &src->name);
            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_COOKIE:
            rc = ngx_http_auth_jwt_remove_cookie(r, &src->name);
            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_ARG:
            rc = ngx_http_auth_jwt_remove_arg(r, &src->name);
            break;

        default:
            /* another variable: nothing more this module can trace */
            rc = NGX_OK;
            break;
        }

        if (rc != NGX_OK) {
            return rc;
        }
    }

    rc = ngx_http_auth_jwt_remove_authorization(r, any_scheme);

    if (rc == NGX_OK) {
        rc = ngx_http_auth_jwt_remove_arg(r, &ngx_http_auth_jwt_access_token);
    }

    return rc;
}


static ngx_int_t
ngx_http_auth_jwt_remove_authorization(ngx_http_request_t *r,
    ngx_uint_t any_scheme)
{
    if (r->headers_in.authorization == NULL
        || (!any_scheme && !ngx_http_auth_jwt_bearer(r)))
    {
        return NGX_OK;
    }

    r->headers_in.authorization = NULL;
    ngx_http_auth_jwt_token_forget(r, "http_authorization",
                                   &ngx_http_auth_jwt_no_rest);

    return ngx_http_auth_jwt_remove_header(r,
                                           &ngx_http_auth_jwt_authorization);
}


/*
 * Cookie: a=1; NAME=token; b=2  ->  Cookie: a=1; b=2, in every Cookie
 * header; one left empty is not sent.  nginx's $http_cookie and
 * $cookie_NAME read headers_in.cookie (a chain since 1.23) or
 * headers_in.cookies (an array before): the same elements, fixed there
 * too, and their cached values forgotten.
 */

static ngx_int_t
ngx_http_auth_jwt_remove_cookie(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t         i;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h;
#if (nginx_version >= 1023000)
    ngx_table_elt_t  **hp;
#else
    ngx_table_elt_t  **cookies;
#endif

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (ngx_http_auth_jwt_is_cookie(&h[i])
            && ngx_http_auth_jwt_cookie_value(r, &h[i], name) != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

#if (nginx_version >= 1023000)

    for (hp = &r->headers_in.cookie; *hp; /* void */) {
        h = *hp;

        if (ngx_http_auth_jwt_cookie_value(r, h, name) != NGX_OK) {
            return NGX_ERROR;
        }

        if (h->value.len == 0) {
            *hp = h->next;
            continue;
        }

        hp = &h->next;
    }

#else

    cookies = r->headers_in.cookies.elts;

    for (i = 0; i < r->headers_in.cookies.nelts; /* void */) {

        if (ngx_http_auth_jwt_cookie_value(r, cookies[i], name) != NGX_OK) {
            return NGX_ERROR;
        }

        if (cookies[i]->value.len == 0) {
            ngx_memmove(&cookies[i], &cookies[i + 1],
                        (r->headers_in.cookies.nelts - i - 1)
                        * sizeof(ngx_table_elt_t *));
            r->headers_in.cookies.nelts--;
            continue;
        }

        i++;
    }

#endif

    ngx_http_auth_jwt_token_forget(r, "http_cookie",
                                   &ngx_http_auth_jwt_no_rest);
    ngx_http_auth_jwt_token_forget(r, "cookie_", NULL);

    return ngx_http_auth_jwt_drop(r, ngx_http_auth_jwt_empty_cookie, NULL, 0);
}


/* one Cookie header's value without the cookie: a new value, sized from
 * the old one (the core never writes more), NUL-terminated as nginx's
 * header values are (its cookie parser compares past the end up to it) */

static ngx_int_t
ngx_http_auth_jwt_cookie_value(ngx_http_request_t *r, ngx_table_elt_t *h,
    ngx_str_t *name)
{
    u_char  *buf;
    size_t   len;

    if (jwtgate_cookie_count(h->value.data, h->value.len, name->data,
                             name->len)
        == 0)
    {
        return NGX_OK;
    }

    buf = ngx_pnalloc(r->pool, h->value.len + 1);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    len = jwtgate_cookie_remove(h->value.data, h->value.len, name->data,
                                name->len, buf);
    buf[len] = '\0';

    h->value.data = buf;
    h->value.len = len;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_auth_jwt_empty_cookie(void *data, ngx_table_elt_t *h)
{
    return h->value.len == 0 && ngx_http_auth_jwt_is_cookie(h);
}


/* ?a=1&NAME=token&b=2  ->  ?a=1&b=2 */

static ngx_int_t
ngx_http_auth_jwt_remove_arg(ngx_http_request_t *r, ngx_str_t *name)
{
    u_char  *buf;

    if (jwtgate_query_count(r->args.data, r->args.len, name->data, name->len)
        == 0)
    {
        return NGX_OK;
    }

    buf = ngx_pnalloc(r->pool, r->args.len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    r->args.len = jwtgate_query_remove(r->args.data, r->args.len, name->data,
                                       name->len, buf);
    r->args.data = buf;

    /* proxy_pass without a URI sends r->unparsed_uri as it came */
    r->valid_unparsed_uri = 0;

    ngx_http_auth_jwt_token_forget(r, "arg_", NULL);
    ngx_http_auth_jwt_token_forget(r, "args", &ngx_http_auth_jwt_no_rest);
    ngx_http_auth_jwt_token_forget(r, "query_string",
                                   &ngx_http_auth_jwt_no_rest);
    ngx_http_auth_jwt_token_forget(r, "is_args", &ngx_http_auth_jwt_no_rest);

    return NGX_OK;
}


/*
 * Cached values of the variables that read what was just removed: those
 * named prefix followed by rest (a header name: no case, '-' == '_'), or
 * every one starting with prefix when rest is NULL.
 */

static void
ngx_http_auth_jwt_token_forget(ngx_http_request_t *r, const char *prefix,
    ngx_str_t *rest)
{
    size_t                      len;
    ngx_str_t                   tail;
    ngx_uint_t                  i;
    ngx_http_variable_t        *v;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    len = ngx_strlen(prefix);
    v = cmcf->variables.elts;

    for (i = 0; i < cmcf->variables.nelts; i++) {

        if (v[i].name.len < len
            || ngx_strncasecmp(v[i].name.data, (u_char *) prefix, len) != 0)
        {
            continue;
        }

        if (rest != NULL) {
            tail.data = v[i].name.data + len;
            tail.len = v[i].name.len - len;

            if (!ngx_http_auth_jwt_same_name(&tail, rest)) {
                continue;
            }
        }

        r->variables[i].valid = 0;
        r->variables[i].not_found = 0;
    }
}
