
/*
 * jwtgate: the login companion.
 *
 * auth_jwt_login_cookie, in the location that proxies login to the
 * issuer: when the issuer answers 2xx with a JSON body holding a token,
 * the response also sets that token as a cookie (HttpOnly, Secure unless
 * turned off, SameSite=Strict by default, Path=/, Max-Age from the
 * token's exp).  The answer's header waits for its body, which is kept in
 * memory (at most 64 KiB; a larger one passes unchanged, without cookie).
 * A token whose kid the location's fetched keys do not know marks those
 * keys stale, so that the first request with it refreshes them and waits
 * instead of answering 401.
 *
 * auth_jwt_logout_cookie clears the cookie in the answers of a location
 * to POST.
 */


#include "ngx_http_auth_jwt_login.h"
#include "ngx_http_auth_jwt_ctx.h"
#include "ngx_http_auth_jwt_reason.h"
#include "ngx_http_auth_jwt_source.h"
#include "ngx_http_auth_jwt_store.h"


#define NGX_HTTP_AUTH_JWT_LOGIN_MAX    65536


static ngx_int_t ngx_http_auth_jwt_login_done(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx);
static ngx_int_t ngx_http_auth_jwt_login_flush(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_chain_t *in);
static ngx_int_t ngx_http_auth_jwt_login_cut(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_chain_t *in);
static ngx_int_t ngx_http_auth_jwt_set_cookie(ngx_http_request_t *r,
    ngx_http_auth_jwt_cookie_t *cookie, u_char *value, size_t len,
    time_t max_age);
static void ngx_http_auth_jwt_login_kid(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, jwtgate_token_t *token);
static ngx_int_t ngx_http_auth_jwt_login_header_filter(
    ngx_http_request_t *r);
static ngx_uint_t ngx_http_auth_jwt_cookie_attr(u_char *p, u_char *last,
    ngx_uint_t domain);
static ngx_int_t ngx_http_auth_jwt_login_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_auth_jwt_login_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_auth_jwt_login_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_auth_jwt_login_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_login_header_filter(ngx_http_request_t *r)
{
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    /* only a form or a script logs out: not a link, an image, a prefetch */

    if (ajcf->logout != NULL && r->method == NGX_HTTP_POST) {
        if (ngx_http_auth_jwt_set_cookie(r, ajcf->logout, NULL, 0, 0)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ajcf->login == NULL
        || r->headers_out.status < NGX_HTTP_OK
        || r->headers_out.status >= NGX_HTTP_SPECIAL_RESPONSE
        || r->header_only)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_auth_jwt_ctx_create(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (ctx->login_done) {
        return ngx_http_next_header_filter(r);
    }

    /* the header waits for the body, which is read into memory */
    ctx->login = 1;
    r->filter_need_in_memory = 1;
    r->allow_ranges = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_login_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    u_char                        *p;
    size_t                         n;
    ssize_t                        got;
    ngx_buf_t                     *b;
    ngx_uint_t                     last;
    ngx_chain_t                   *cl;
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    if (r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_jwt_module);

    if (ctx == NULL || !ctx->login) {
        return ngx_http_next_body_filter(r, in);
    }

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        n = (size_t) ngx_buf_size(b);

        if (n) {

            if (ctx->login_len + n > NGX_HTTP_AUTH_JWT_LOGIN_MAX) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "auth_jwt_login_cookie: the answer is over "
                              "%d bytes, no cookie set",
                              NGX_HTTP_AUTH_JWT_LOGIN_MAX);
                return ngx_http_auth_jwt_login_flush(r, ctx, cl);
            }

            if (ctx->login_buf == NULL) {
                ctx->login_buf = ngx_pnalloc(r->pool,
                                             NGX_HTTP_AUTH_JWT_LOGIN_MAX);
                if (ctx->login_buf == NULL) {
                    return NGX_ERROR;
                }
            }

            if (ngx_buf_in_memory(b)) {
                p = ngx_cpymem(ctx->login_buf + ctx->login_len, b->pos, n);
                b->pos = b->last;

            } else {
                /* a file: read here, this filter runs before nginx's copy */
                got = ngx_read_file(b->file, ctx->login_buf + ctx->login_len,
                                    n, b->file_pos);
                if (got != (ssize_t) n) {
                    return NGX_ERROR;
                }

                p = ctx->login_buf + ctx->login_len + n;
                b->file_pos = b->file_last;
            }

            ctx->login_len = p - ctx->login_buf;
        }

        if (b->last_buf) {
            last = 1;
        }
    }

    if (!last) {
        return ngx_http_auth_jwt_login_cut(r, ctx, in);
    }

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    if (ngx_http_auth_jwt_login_done(r, ajcf, ctx) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_jwt_login_flush(r, ctx, NULL);
}


/* the header, then what was kept, then the rest of in */

static ngx_int_t
ngx_http_auth_jwt_login_flush(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_chain_t *in)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t  *out;

    ctx->login = 0;
    ctx->login_done = 1;

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    out = ngx_alloc_chain_link(r->pool);
    if (b == NULL || out == NULL) {
        return NGX_ERROR;
    }

    if (ctx->login_len) {
        b->pos = ctx->login_buf;
        b->last = ctx->login_buf + ctx->login_len;
        b->start = b->pos;
        b->end = b->last;
        b->memory = 1;
    }

    if (in == NULL) {
        b->last_buf = 1;
        b->last_in_chain = 1;

    } else if (ctx->login_len == 0) {
        return ngx_http_next_body_filter(r, in);
    }

    out->buf = b;
    out->next = in;

    return ngx_http_next_body_filter(r, out);
}


/*
 * The answer has not ended.  When its upstream has already closed (the
 * issuer broke off before the end of its body, or timed out), nginx's
 * upstream finalizes with an error after the header, which it believes
 * sent, and only flushes: the client would get no status at all.  The
 * header is still here, so the client gets 502, as from a proxy whose
 * upstream failed before answering (an error_page applies).
 */

static ngx_int_t
ngx_http_auth_jwt_login_cut(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_chain_t *in)
{
    ngx_chain_t  *cl;

    if (r->upstream == NULL || r->upstream->peer.connection != NULL) {
        return NGX_OK;
    }

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->flush) {
            break;
        }
    }

    if (cl == NULL) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "auth_jwt_login_cookie: the answer was cut off, 502 "
                  "instead");

    ctx->login = 0;
    ctx->login_done = 1;

    ngx_http_clean_header(r);

    return ngx_http_special_response_handler(r, NGX_HTTP_BAD_GATEWAY);
}


/* the whole answer is here: the token, its cookie, its kid */

static ngx_int_t
ngx_http_auth_jwt_login_done(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    size_t              i, len;
    time_t              max_age;
    double              exp;
    json_t             *root, *v;
    u_char             *value;
    const char         *s;
    jwtgate_rc_t        rc;
    json_error_t        err;
    jwtgate_limits_t    limits;
    jwtgate_detail_t    detail;
    jwtgate_token_t    *token;

    root = json_loadb((char *) ctx->login_buf, ctx->login_len,
                      JSON_REJECT_DUPLICATES, &err);

    if (!json_is_object(root)) {
        json_decref(root);
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt_login_cookie: the answer is not a JSON "
                      "object, no cookie set");
        return NGX_OK;
    }

    v = json_object_get(root, (char *) ajcf->login->field.data);

    if (!json_is_string(v)) {
        json_decref(root);
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt_login_cookie: no string \"%V\" in the "
                      "answer, no cookie set", &ajcf->login->field);
        return NGX_OK;
    }

    s = json_string_value(v);
    len = json_string_length(v);

    /* a compact JWS fits in a cookie value as it is */
    for (i = 0; i < len; i++) {
        if (!(ngx_http_auth_jwt_isalnum(s[i]) || s[i] == '-' || s[i] == '_'
              || s[i] == '.'))
        {
            break;
        }
    }

    if (len == 0 || i < len || len > JWTGATE_MAX_TOKEN) {
        json_decref(root);
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt_login_cookie: \"%V\" is not a token, no "
                      "cookie set", &ajcf->login->field);
        return NGX_OK;
    }

    value = ngx_pnalloc(r->pool, len);
    if (value == NULL) {
        json_decref(root);
        return NGX_ERROR;
    }

    ngx_memcpy(value, s, len);
    json_decref(root);

    /* the issuer's own answer: parsed for exp and kid, not trusted more */

    jwtgate_limits_init(&limits);
    max_age = 0;

    rc = jwtgate_token_parse_flags((char *) value, len, &limits,
                                   JWTGATE_ALGS_ALL,
                                   ajcf->numeric_ids
                                   ? JWTGATE_PARSE_NUMERIC_IDS : 0,
                                   &detail, &token);

    if (rc == JWTGATE_ERR_BAD_CLAIM_TYPE && detail.member != NULL) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt_login_cookie: the issued token is "
                      "bad_claim_type (\"%s\" is %s%s), no cookie set",
                      detail.member, detail.what,
                      detail.numeric_id ? ": see auth_jwt_numeric_ids" : "");
        return NGX_OK;
    }

    if (rc != JWTGATE_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "auth_jwt_login_cookie: the issued token is %s, no "
                      "cookie set", ngx_http_auth_jwt_reason(rc));
        return NGX_OK;
    }

    if (jwtgate_token_exp(token, &exp) == 0 && exp > ngx_time()) {
        max_age = (time_t) exp - ngx_time();
    }

    ngx_http_auth_jwt_login_kid(r, ajcf, token);
    jwtgate_token_free(token);

    return ngx_http_auth_jwt_set_cookie(r, ajcf->login, value, len, max_age);
}


/* a kid the fetched keys do not know yet: they are stale now */

static void
ngx_http_auth_jwt_login_kid(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, jwtgate_token_t *token)
{
    size_t                        n;
    ngx_uint_t                    i;
    jwtgate_rc_t                  rc;
    const jwtgate_keyset_t       *sets[32];
    ngx_http_auth_jwt_source_t  **src, *s;

    /* the sources of this location's server{} */
    if (ajcf->sources == NULL || jwtgate_token_kid(token) == NULL) {
        return;
    }

    src = ajcf->sources->elts;
    n = 0;

    for (i = 0; i < ajcf->sources->nelts && n < 32; i++) {
        if (ngx_http_auth_jwt_source_get(r, src[i], &s) == NGX_OK
            && s->set)
        {
            sets[n++] = s->set;
        }
    }

    rc = n ? jwtgate_verify_signature(token, sets, n, NULL, NULL)
           : JWTGATE_ERR_UNKNOWN_KID;

    if (rc != JWTGATE_ERR_UNKNOWN_KID) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_jwt_login_cookie: kid \"%s\" is new, the keys "
                  "will be fetched again", jwtgate_token_kid(token));

    for (i = 0; i < ajcf->sources->nelts; i++) {
        if (ngx_http_auth_jwt_source_get(r, src[i], &s) == NGX_OK) {
            ngx_http_auth_jwt_store_stale(s);
        }
    }
}


/* Set-Cookie: NAME=VALUE; Max-Age=N; Path=/; Domain=..; HttpOnly; Secure;
 * SameSite=Strict -- value NULL: clears it */

static ngx_int_t
ngx_http_auth_jwt_set_cookie(ngx_http_request_t *r,
    ngx_http_auth_jwt_cookie_t *cookie, u_char *value, size_t len,
    time_t max_age)
{
    u_char           *p;
    size_t            size;
    ngx_table_elt_t  *h;

    size = cookie->name.len + 1 + len
           + sizeof("; Max-Age=") - 1 + NGX_TIME_T_LEN
           + sizeof("; Path=") - 1 + cookie->path.len
           + sizeof("; Domain=") - 1 + cookie->domain.len
           + sizeof("; HttpOnly; Secure; SameSite=Strict") - 1;

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Set-Cookie");
    h->value.data = p;

#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    p = ngx_sprintf(p, "%V=", &cookie->name);

    if (value != NULL) {
        p = ngx_cpymem(p, value, len);

        if (max_age > 0) {
            p = ngx_sprintf(p, "; Max-Age=%T", max_age);
        }

    } else {
        p = ngx_cpymem(p, "; Max-Age=0", sizeof("; Max-Age=0") - 1);
    }

    p = ngx_sprintf(p, "; Path=%V", &cookie->path);

    if (cookie->domain.len) {
        p = ngx_sprintf(p, "; Domain=%V", &cookie->domain);
    }

    p = ngx_cpymem(p, "; HttpOnly", sizeof("; HttpOnly") - 1);

    if (cookie->secure) {
        p = ngx_cpymem(p, "; Secure", sizeof("; Secure") - 1);
    }

    p = ngx_sprintf(p, "; SameSite=%V", &cookie->samesite);

    h->value.len = p - h->value.data;

    return NGX_OK;
}


/*
 * auth_jwt_login_cookie name [field=access_token] [secure=on|off]
 *     [samesite=strict|lax|none] [path=/] [domain=name];
 * auth_jwt_logout_cookie name [secure=..] [samesite=..] [path=..]
 *     [domain=..];
 */

char *
ngx_http_auth_jwt_login_cookie(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                    *value, v;
    ngx_uint_t                    i;
    ngx_http_auth_jwt_cookie_t   *cookie, **slot;

    slot = cmd->offset ? &ajcf->logout : &ajcf->login;

    if (*slot != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    cookie = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_cookie_t));
    if (cookie == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (!(ngx_http_auth_jwt_isalnum(value[1].data[i])
              || value[1].data[i] == '-' || value[1].data[i] == '_'))
        {
            break;
        }
    }

    if (value[1].len == 0 || i < value[1].len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid cookie name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    cookie->name = value[1];
    cookie->secure = 1;
    ngx_str_set(&cookie->field, "access_token");
    ngx_str_set(&cookie->samesite, "Strict");
    ngx_str_set(&cookie->path, "/");

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "field=", 6) == 0 && !cmd->offset) {
            v.data = value[i].data + 6;
            v.len = value[i].len - 6;

            if (v.len == 0) {
                goto invalid;
            }

            cookie->field = v;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=on") == 0) {
            cookie->secure = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "secure=off") == 0) {
            cookie->secure = 0;
            continue;
        }

        if (ngx_strcasecmp(value[i].data, (u_char *) "samesite=strict") == 0)
        {
            ngx_str_set(&cookie->samesite, "Strict");
            continue;
        }

        if (ngx_strcasecmp(value[i].data, (u_char *) "samesite=lax") == 0) {
            ngx_str_set(&cookie->samesite, "Lax");
            continue;
        }

        if (ngx_strcasecmp(value[i].data, (u_char *) "samesite=none") == 0) {
            ngx_str_set(&cookie->samesite, "None");
            continue;
        }

        if (ngx_strncmp(value[i].data, "path=", 5) == 0
            && value[i].len > 5 && value[i].data[5] == '/'
            && ngx_http_auth_jwt_cookie_attr(value[i].data + 5,
                                             value[i].data + value[i].len, 0))
        {
            cookie->path.data = value[i].data + 5;
            cookie->path.len = value[i].len - 5;
            continue;
        }

        if (ngx_strncmp(value[i].data, "domain=", 7) == 0
            && value[i].len > 7
            && ngx_http_auth_jwt_cookie_attr(value[i].data + 7,
                                             value[i].data + value[i].len, 1))
        {
            cookie->domain.data = value[i].data + 7;
            cookie->domain.len = value[i].len - 7;
            continue;
        }

        goto invalid;
    }

    if (!cookie->secure && cookie->samesite.data[0] == 'N') {
        return "with samesite=none needs secure=on (browsers refuse it)";
    }

    *slot = cookie;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * path= and domain= go into Set-Cookie as they are: a path takes the
 * characters of a URI path (RFC 3986) but "," and ";", a domain those of
 * a host name; never a control character, a space, a quote, "," or ";"
 */

static ngx_uint_t
ngx_http_auth_jwt_cookie_attr(u_char *p, u_char *last, ngx_uint_t domain)
{
    u_char  c;

    for ( /* void */ ; p < last; p++) {
        c = *p;

        if (ngx_http_auth_jwt_isalnum(c) || c == '-' || c == '.'
            || c == '_')
        {
            continue;
        }

        if (domain) {
            return 0;
        }

        switch (c) {
        case '/':
        case '~':
        case '%':
        case ':':
        case '@':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case '=':
            continue;
        }

        return 0;
    }

    return 1;
}
