
/*
 * jwtgate: ngx_http_auth_jwt_module -- module definition, configuration
 * and the access phase handler.  Crypto and JSON live in src/jwt/.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "jwt/jwtgate.h"


typedef struct {
    ngx_flag_t                  enabled;    /* NGX_CONF_UNSET: inherit */
    ngx_http_complex_value_t   *realm;
    ngx_http_complex_value_t   *token;      /* token=$variable, or NULL */
    ngx_array_t                *keysets;    /* of jwtgate_keyset_t * */
    unsigned                    algs;       /* what the keys can verify */
    time_t                      leeway;
} ngx_http_auth_jwt_loc_conf_t;


typedef struct {
    jwtgate_token_t            *token;
    jwtgate_rc_t                reason;
} ngx_http_auth_jwt_ctx_t;


typedef struct {
    ngx_conf_t                 *cf;
    ngx_str_t                  *file;
} ngx_http_auth_jwt_skip_ctx_t;


static ngx_int_t ngx_http_auth_jwt_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_jwt_get_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token);
static jwtgate_rc_t ngx_http_auth_jwt_verify(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token);
static ngx_int_t ngx_http_auth_jwt_answer(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, jwtgate_rc_t reason);
static ngx_int_t ngx_http_auth_jwt_challenge(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, const char *error);
static void ngx_http_auth_jwt_token_cleanup(void *data);
static void *ngx_http_auth_jwt_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_auth_jwt_init(ngx_conf_t *cf);
static char *ngx_http_auth_jwt(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_auth_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_auth_jwt_read_file(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *text);
static void ngx_http_auth_jwt_conf_skip(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_keyset_cleanup(void *data);


static ngx_command_t  ngx_http_auth_jwt_commands[] = {

    { ngx_string("auth_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_jwt,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, leeway),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_jwt_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_auth_jwt_init,                /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_auth_jwt_create_loc_conf,     /* create location configuration */
    ngx_http_auth_jwt_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_auth_jwt_module = {
    NGX_MODULE_V1,
    &ngx_http_auth_jwt_module_ctx,         /* module context */
    ngx_http_auth_jwt_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_auth_jwt_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_str_t                      token;
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    if (ajcf->enabled != 1 || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_jwt_module);
    if (ctx != NULL) {
        /* the phase runs again: the same answer, nothing logged twice */
        return ngx_http_auth_jwt_answer(r, ajcf, ctx->reason);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_auth_jwt_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_auth_jwt_module);

    rc = ngx_http_auth_jwt_get_token(r, ajcf, &token);
    if (rc != NGX_OK) {
        return rc;
    }

    if (token.len == 0) {
        ctx->reason = JWTGATE_ERR_MISSING;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: no token");

    } else {
        ctx->reason = ngx_http_auth_jwt_verify(r, ajcf, ctx, &token);

        if (ctx->reason == JWTGATE_ERR_INTERNAL) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt: verification failed: internal error");

        } else if (ctx->reason != JWTGATE_OK) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth_jwt: token rejected: %s",
                          jwtgate_strerror(ctx->reason));
        }
    }

    return ngx_http_auth_jwt_answer(r, ajcf, ctx->reason);
}


static ngx_int_t
ngx_http_auth_jwt_answer(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, jwtgate_rc_t reason)
{
    switch (reason) {

    case JWTGATE_OK:
        return NGX_OK;

    case JWTGATE_ERR_MISSING:
        return ngx_http_auth_jwt_challenge(r, ajcf, NULL);

    case JWTGATE_ERR_INTERNAL:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;

    default:
        return ngx_http_auth_jwt_challenge(r, ajcf, "invalid_token");
    }
}


/* "Authorization: Bearer <token>" (RFC 6750 2.1), or token=$variable;
 * an empty token means none was sent */

static ngx_int_t
ngx_http_auth_jwt_get_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token)
{
    u_char  *p, *last;

    ngx_str_null(token);

    if (ajcf->token != NULL) {
        if (ngx_http_complex_value(r, ajcf->token, token) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_OK;
    }

    if (r->headers_in.authorization == NULL) {
        return NGX_OK;
    }

    p = r->headers_in.authorization->value.data;
    last = p + r->headers_in.authorization->value.len;

    if (last - p < (ssize_t) sizeof("Bearer ") - 1
        || ngx_strncasecmp(p, (u_char *) "Bearer ", sizeof("Bearer ") - 1)
           != 0)
    {
        return NGX_OK;
    }

    p += sizeof("Bearer ") - 1;

    while (p < last && *p == ' ') {
        p++;
    }

    /* anything after one token (a space, a second token) makes the core
     * answer "malformed": a space is outside the base64url alphabet */
    token->data = p;
    token->len = last - p;

    return NGX_OK;
}


static jwtgate_rc_t
ngx_http_auth_jwt_verify(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token)
{
    jwtgate_rc_t              rc;
    ngx_pool_cleanup_t       *cln;
    jwtgate_limits_t          limits;
    jwtgate_claims_policy_t   policy;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse((char *) token->data, token->len, &limits,
                             ajcf->algs, &ctx->token);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    cln->handler = ngx_http_auth_jwt_token_cleanup;
    cln->data = ctx->token;

    rc = jwtgate_verify_signature(ctx->token,
                                  (const jwtgate_keyset_t *const *)
                                      ajcf->keysets->elts,
                                  ajcf->keysets->nelts, NULL, NULL);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    ngx_memzero(&policy, sizeof(jwtgate_claims_policy_t));

    policy.now = ngx_time();
    policy.leeway = (long) ajcf->leeway;
    policy.require_exp = 1;

    return jwtgate_check_claims(ctx->token, &policy);
}


/* WWW-Authenticate: Bearer realm="..."[, error="..."] (RFC 6750 3) */

static ngx_int_t
ngx_http_auth_jwt_challenge(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, const char *error)
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

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "WWW-Authenticate");
    h->value.data = s;
    h->value.len = p - s;

    r->headers_out.www_authenticate = h;

    return NGX_HTTP_UNAUTHORIZED;
}


static void
ngx_http_auth_jwt_token_cleanup(void *data)
{
    jwtgate_token_free(data);
}


static void *
ngx_http_auth_jwt_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_auth_jwt_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->realm = NULL;
     *     conf->token = NULL;
     *     conf->algs = 0;
     */

    conf->enabled = NGX_CONF_UNSET;
    conf->keysets = NGX_CONF_UNSET_PTR;
    conf->leeway = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_auth_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_auth_jwt_loc_conf_t *prev = parent;
    ngx_http_auth_jwt_loc_conf_t *conf = child;

    ngx_uint_t          i;
    jwtgate_keyset_t  **sets;

    if (conf->enabled == NGX_CONF_UNSET) {
        conf->enabled = prev->enabled;
        conf->realm = prev->realm;
        conf->token = prev->token;
    }

    ngx_conf_merge_ptr_value(conf->keysets, prev->keysets, NULL);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);

    if (conf->keysets != NULL) {
        conf->algs = 0;
        sets = conf->keysets->elts;

        for (i = 0; i < conf->keysets->nelts; i++) {
            conf->algs |= jwtgate_keyset_algs(sets[i]);
        }
    }

    if (conf->enabled == 1 && conf->keysets == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt\" is on but no key source is "
                           "configured (auth_jwt_key_file)");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_jwt_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_jwt_handler;

    return NGX_OK;
}


/* auth_jwt string [token=$variable] | off */

static char *
ngx_http_auth_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                         *value, token;
    ngx_http_compile_complex_value_t   ccv;

    if (ajcf->enabled != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts != 2) {
            return "takes no parameters with \"off\"";
        }

        ajcf->enabled = 0;
        return NGX_CONF_OK;
    }

    ajcf->enabled = 1;

    ajcf->realm = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (ajcf->realm == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = ajcf->realm;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts == 2) {
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[2].data, "token=", 6) != 0 || value[2].len == 6) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[2]);
        return NGX_CONF_ERROR;
    }

    token.data = value[2].data + 6;
    token.len = value[2].len - 6;

    ajcf->token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (ajcf->token == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &token;
    ccv.complex_value = ajcf->token;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* auth_jwt_key_file file: read and parsed once, here */

static char *
ngx_http_auth_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                     *value, file, text;
    jwtgate_rc_t                   rc;
    jwtgate_keyset_t              *set, **slot;
    ngx_pool_cleanup_t            *cln;
    ngx_http_auth_jwt_skip_ctx_t   skip;

    value = cf->args->elts;
    file = value[1];

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_auth_jwt_read_file(cf, &file, &text) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    skip.cf = cf;
    skip.file = &file;

    rc = jwtgate_keyset_parse((char *) text.data, text.len,
                              ngx_http_auth_jwt_conf_skip, &skip, &set);

    if (rc != JWTGATE_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_jwt_key_file \"%V\": %s", &file,
                           rc == JWTGATE_ERR_NO_KEYS
                           ? "no usable key in the key set"
                           : rc == JWTGATE_ERR_INTERNAL
                             ? "out of memory"
                             : "not a JWKS or JWK (JSON)");
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_auth_jwt_keyset_cleanup;
    cln->data = set;

    if (ajcf->keysets == NGX_CONF_UNSET_PTR) {
        ajcf->keysets = ngx_array_create(cf->pool, 2,
                                         sizeof(jwtgate_keyset_t *));
        if (ajcf->keysets == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    slot = ngx_array_push(ajcf->keysets);
    if (slot == NULL) {
        return NGX_CONF_ERROR;
    }

    *slot = set;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_jwt_read_file(ngx_conf_t *cf, ngx_str_t *name, ngx_str_t *text)
{
    ssize_t          n;
    ngx_int_t        rc;
    ngx_file_t       file;
    ngx_file_info_t  fi;

    ngx_memzero(&file, sizeof(ngx_file_t));

    file.name = *name;
    file.log = cf->log;

    file.fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (file.fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", name);
        return NGX_ERROR;
    }

    rc = NGX_ERROR;

    if (ngx_fd_info(file.fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", name);
        goto done;
    }

    /* a JWKS beyond 1 MiB is not one */
    if (ngx_file_size(&fi) > 1024 * 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "key file \"%V\" is too large", name);
        goto done;
    }

    text->len = (size_t) ngx_file_size(&fi);
    text->data = ngx_pnalloc(cf->temp_pool, text->len + 1);
    if (text->data == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, text->data, text->len, 0);
    if (n == NGX_ERROR) {
        goto done;
    }

    if ((size_t) n != text->len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           ngx_read_file_n " \"%V\" returned only %z bytes "
                           "instead of %uz", name, n, text->len);
        goto done;
    }

    rc = NGX_OK;

done:

    if (ngx_close_file(file.fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", name);
    }

    return rc;
}


static void
ngx_http_auth_jwt_conf_skip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_skip_ctx_t  *skip = data;

    ngx_conf_log_error(NGX_LOG_WARN, skip->cf, 0,
                       "auth_jwt_key_file \"%V\": key #%uz (kid \"%s\") "
                       "skipped: %s", skip->file, index,
                       kid ? kid : "", reason);
}


static void
ngx_http_auth_jwt_keyset_cleanup(void *data)
{
    jwtgate_keyset_free(data);
}
