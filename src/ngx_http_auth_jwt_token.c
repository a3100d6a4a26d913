
/*
 * jwtgate: the token in the request, apart from its check.
 *
 * How many copies the request carries (RFC 6750 3.1: a token sent more
 * than once, or by more than one method, is an invalid request): every
 * copy in the place token= names, plus the RFC 6750 methods it does not
 * name -- "Authorization: Bearer" and the access_token argument.  The
 * request line without the token's value, for the error log's
 * "request:" and $request.  (auth_jwt_forward_token off removes every
 * copy: ngx_http_auth_jwt_token_remove.c.)  The byte work on cookies and
 * query strings is the core's (jwtgate_cookie_*, jwtgate_query_*).
 */


#include "ngx_http_auth_jwt_token.h"
#include "ngx_http_auth_jwt_header.h"


#define NGX_HTTP_AUTH_JWT_MASK  "[redacted]"


static void ngx_http_auth_jwt_bearer_token(ngx_http_request_t *r,
    ngx_str_t *token);
static ngx_uint_t ngx_http_auth_jwt_is_method(ngx_str_t *value);
static ngx_uint_t ngx_http_auth_jwt_is_override(ngx_str_t *name);
static ngx_uint_t ngx_http_auth_jwt_cookie_copies(ngx_http_request_t *r,
    ngx_str_t *name);
static ngx_uint_t ngx_http_auth_jwt_header_copies(ngx_http_request_t *r,
    ngx_str_t *name);
static ngx_int_t ngx_http_auth_jwt_mask_arg(ngx_http_request_t *r,
    ngx_str_t *name);


/* the names a token goes by (token_remove.c too) */
ngx_str_t  ngx_http_auth_jwt_access_token = ngx_string("access_token");
ngx_str_t  ngx_http_auth_jwt_authorization = ngx_string("authorization");


/*
 * The copies of a token the request carries: in every place a token=
 * names, and by the RFC 6750 methods none names.  A token= naming a
 * variable the module cannot trace back (a map, text with several
 * variables) counts nothing here; ngx_http_auth_jwt_token_value() still
 * refuses two of them with a value.
 */

ngx_uint_t
ngx_http_auth_jwt_token_copies(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_uint_t                      i, n, bearer, query;
    ngx_http_auth_jwt_token_src_t  *src;

    n = 0;
    bearer = 1;
    query = 1;

    if (ajcf->tokens == NULL) {
        /* Authorization, which nginx never lets a request repeat */
        return ngx_http_auth_jwt_bearer(r)
               + jwtgate_query_count(r->args.data, r->args.len,
                                     ngx_http_auth_jwt_access_token.data,
                                     ngx_http_auth_jwt_access_token.len);
    }

    for (i = 0; i < ajcf->ntokens; i++) {
        src = &ajcf->tokens[i];

        switch (src->from) {

        case NGX_HTTP_AUTH_JWT_TOKEN_BEARER:
            bearer = 0;
            n += ngx_http_auth_jwt_bearer(r);
            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_COOKIE:
            n += ngx_http_auth_jwt_cookie_copies(r, &src->name);
            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_ARG:
            n += jwtgate_query_count(r->args.data, r->args.len,
                                     src->name.data, src->name.len);

            if (src->name.len == ngx_http_auth_jwt_access_token.len
                && ngx_strncasecmp(src->name.data,
                                   ngx_http_auth_jwt_access_token.data,
                                   src->name.len)
                   == 0)
            {
                query = 0;
            }

            break;

        case NGX_HTTP_AUTH_JWT_TOKEN_HEADER:
            n += ngx_http_auth_jwt_header_copies(r, &src->name);

            if (ngx_http_auth_jwt_same_name(&src->name,
                                            &ngx_http_auth_jwt_authorization))
            {
                bearer = 0;
            }

            break;

        default:
            break;
        }
    }

    if (bearer) {
        n += ngx_http_auth_jwt_bearer(r);
    }

    if (query) {
        n += jwtgate_query_count(r->args.data, r->args.len,
                                 ngx_http_auth_jwt_access_token.data,
                                 ngx_http_auth_jwt_access_token.len);
    }

    return n;
}


/*
 * The token: "Authorization: Bearer <token>" (RFC 6750 2.1) by default
 * or for token=bearer, else the value of a token= variable; the one
 * place of those that holds one.  An empty token means none was sent.
 * NGX_DECLINED: more than one place holds one (the copies are counted
 * before, ngx_http_auth_jwt_token_copies(); this catches the variables
 * that cannot be traced back).
 */

ngx_int_t
ngx_http_auth_jwt_token_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token)
{
    ngx_str_t                       value;
    ngx_uint_t                      i;
    ngx_http_auth_jwt_token_src_t  *src;

    ngx_str_null(token);

    if (ajcf->tokens == NULL) {
        ngx_http_auth_jwt_bearer_token(r, token);
        return NGX_OK;
    }

    for (i = 0; i < ajcf->ntokens; i++) {
        src = &ajcf->tokens[i];

        if (src->value == NULL) {
            ngx_http_auth_jwt_bearer_token(r, &value);

        } else if (ngx_http_complex_value(r, src->value, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len == 0) {
            continue;
        }

        if (token->len) {
            ngx_str_null(token);
            return NGX_DECLINED;
        }

        *token = value;
    }

    return NGX_OK;
}


/* the token of "Authorization: Bearer <token>", or an empty one */

static void
ngx_http_auth_jwt_bearer_token(ngx_http_request_t *r, ngx_str_t *token)
{
    u_char  *p, *last;

    ngx_str_null(token);

    if (r->headers_in.authorization == NULL) {
        return;
    }

    p = r->headers_in.authorization->value.data;
    last = p + r->headers_in.authorization->value.len;

    if (last - p < (ssize_t) sizeof("Bearer ") - 1
        || ngx_strncasecmp(p, (u_char *) "Bearer ", sizeof("Bearer ") - 1)
           != 0)
    {
        return;
    }

    p += sizeof("Bearer ") - 1;

    while (p < last && *p == ' ') {
        p++;
    }

    /* anything after one token (a space, a second token) makes the core
     * answer "malformed": a space is outside the base64url alphabet */
    token->data = p;
    token->len = last - p;
}


/*
 * A CORS preflight (the Fetch standard's CORS-preflight request): the
 * method OPTIONS, exactly one non-empty Origin header and exactly one
 * Access-Control-Request-Method header holding a method name, and no
 * credentials, which a browser never sends with one: no Authorization
 * header of any scheme, and no copy of a token in any place the level
 * takes or counts one.  Anything else is an ordinary request.
 */

ngx_uint_t
ngx_http_auth_jwt_preflight(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_uint_t        i, origins, methods;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (r->method != NGX_HTTP_OPTIONS
        || r->headers_in.authorization != NULL
        || ngx_http_auth_jwt_token_copies(r, ajcf) != 0)
    {
        return 0;
    }

    /*
     * a preflight has no body (Fetch standard): an OPTIONS with one may be
     * a write to a catch-all handler or a method-override middleware
     */

    if (r->headers_in.content_length_n > 0
        || r->headers_in.chunked
        || r->headers_in.transfer_encoding != NULL)
    {
        return 0;
    }

#if (NGX_HTTP_V2)
    if (r->stream && !r->stream->in_closed) {
        return 0;
    }
#endif

    origins = 0;
    methods = 0;
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

        if (h[i].key.len == sizeof("Origin") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Origin",
                               sizeof("Origin") - 1)
               == 0)
        {
            if (h[i].value.len == 0 || ++origins > 1) {
                return 0;
            }

            continue;
        }

        if (h[i].key.len == sizeof("Access-Control-Request-Method") - 1
            && ngx_strncasecmp(h[i].key.data,
                               (u_char *) "Access-Control-Request-Method",
                               sizeof("Access-Control-Request-Method") - 1)
               == 0)
        {
            if (!ngx_http_auth_jwt_is_method(&h[i].value) || ++methods > 1) {
                return 0;
            }

            continue;
        }

        if (ngx_http_auth_jwt_is_override(&h[i].key)) {
            return 0;
        }
    }

    return origins == 1 && methods == 1;
}


/* a header that frameworks read as the method to run instead */

static ngx_uint_t
ngx_http_auth_jwt_is_override(ngx_str_t *name)
{
    static ngx_str_t  names[] = {
        ngx_string("X-HTTP-Method-Override"),
        ngx_string("X-HTTP-Method"),
        ngx_string("X-Method-Override")
    };

    ngx_uint_t  i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (name->len == names[i].len
            && ngx_strncasecmp(name->data, names[i].data, name->len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/* a method name: an RFC 9110 token */

static ngx_uint_t
ngx_http_auth_jwt_is_method(ngx_str_t *value)
{
    u_char      c;
    ngx_uint_t  i;

    if (value->len == 0) {
        return 0;
    }

    for (i = 0; i < value->len; i++) {
        c = value->data[i];

        if (!ngx_http_auth_jwt_isalnum(c)
            && ngx_strlchr((u_char *) "!#$%&'*+-.^_`|~",
                           (u_char *) "!#$%&'*+-.^_`|~" + 15, c)
               == NULL)
        {
            return 0;
        }
    }

    return 1;
}


/* "Authorization: Bearer ..." (any letter case), a token or not */

ngx_uint_t
ngx_http_auth_jwt_bearer(ngx_http_request_t *r)
{
    ngx_str_t  *v;

    if (r->headers_in.authorization == NULL) {
        return 0;
    }

    v = &r->headers_in.authorization->value;

    if (v->len < sizeof("Bearer") - 1
        || ngx_strncasecmp(v->data, (u_char *) "Bearer",
                           sizeof("Bearer") - 1)
           != 0)
    {
        return 0;
    }

    return v->len == sizeof("Bearer") - 1
           || v->data[sizeof("Bearer") - 1] == ' '
           || v->data[sizeof("Bearer") - 1] == '\t';
}


static ngx_uint_t
ngx_http_auth_jwt_cookie_copies(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = 0;
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

        if (ngx_http_auth_jwt_is_cookie(&h[i])) {
            n += jwtgate_cookie_count(h[i].value.data, h[i].value.len,
                                      name->data, name->len);
        }
    }

    return n;
}


static ngx_uint_t
ngx_http_auth_jwt_header_copies(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t        i, n;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = 0;
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

        if (ngx_http_auth_jwt_same_name(&h[i].key, name)) {
            n++;
        }
    }

    return n;
}


/*
 * The request line with the value of the token's argument replaced:
 * nginx writes it after every error-log line of the request
 * (", request: ...") and $request (the access log's default format)
 * reads it.  $request_uri, $args and $arg_* are left as they are.
 */

ngx_int_t
ngx_http_auth_jwt_token_mask(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_uint_t  i;

    if (r->args.len == 0 || r->request_line.len == 0) {
        return NGX_OK;
    }

    if (ngx_http_auth_jwt_mask_arg(r, &ngx_http_auth_jwt_access_token)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < ajcf->ntokens; i++) {
        if (ajcf->tokens[i].from == NGX_HTTP_AUTH_JWT_TOKEN_ARG
            && ngx_http_auth_jwt_mask_arg(r, &ajcf->tokens[i].name)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_mask_arg(ngx_http_request_t *r, ngx_str_t *name)
{
    u_char      *line, *last, *q, *end, *p, *buf;
    size_t       n, len;
    ngx_uint_t   count;

    line = r->request_line.data;
    last = line + r->request_line.len;

    q = ngx_strlchr(line, last, '?');
    if (q == NULL) {
        return NGX_OK;
    }

    q++;

    /* "GET /path?query HTTP/1.1": the query ends before " HTTP/" */
    for (end = last; end > q; end--) {
        if (end[-1] == ' ') {
            break;
        }
    }

    if (end == q || last - end < (ssize_t) sizeof("HTTP/") - 1
        || ngx_strncmp(end, "HTTP/", sizeof("HTTP/") - 1) != 0)
    {
        end = last;

    } else {
        end--;
    }

    count = jwtgate_query_count(q, end - q, name->data, name->len);
    if (count == 0) {
        return NGX_OK;
    }

    len = r->request_line.len
          + count * (sizeof(NGX_HTTP_AUTH_JWT_MASK) - 1);

    buf = ngx_pnalloc(r->pool, len);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(buf, line, q - line);

    n = jwtgate_query_mask(q, end - q, name->data, name->len,
                           (u_char *) NGX_HTTP_AUTH_JWT_MASK,
                           sizeof(NGX_HTTP_AUTH_JWT_MASK) - 1, p);
    p += n;

    p = ngx_cpymem(p, end, last - end);

    r->request_line.data = buf;
    r->request_line.len = p - buf;

    return NGX_OK;
}


ngx_uint_t
ngx_http_auth_jwt_is_cookie(ngx_table_elt_t *h)
{
    return h->key.len == sizeof("Cookie") - 1
           && ngx_strncasecmp(h->key.data, (u_char *) "Cookie",
                              sizeof("Cookie") - 1)
              == 0;
}

