
/*
 * jwtgate: directive handlers.  Everything that can be decided when the
 * configuration is loaded is decided here, with an "nginx -t" error that
 * names the directive and the argument at fault.
 */


#include "ngx_http_auth_jwt_conf.h"
#include "ngx_http_auth_jwt_file.h"
#include "ngx_http_auth_jwt_header.h"
#include "ngx_http_auth_jwt_keyset.h"


static ngx_int_t ngx_http_auth_jwt_conf_token(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_auth_jwt_token_src_t *src);
static ngx_uint_t ngx_http_auth_jwt_same_place(
    ngx_http_auth_jwt_token_src_t *a, ngx_http_auth_jwt_token_src_t *b);
static void ngx_http_auth_jwt_token_from(ngx_http_auth_jwt_token_src_t *src,
    ngx_str_t *token);


/* auth_jwt string [token=bearer | token=$variable]... | off */

char *
ngx_http_auth_jwt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i, j, n;
    ngx_http_auth_jwt_token_src_t     *src;
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

    n = cf->args->nelts - 2;

    if (n == 0) {
        return NGX_CONF_OK;
    }

    if (n > NGX_HTTP_AUTH_JWT_MAX_TOKENS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt\" takes at most %d \"token=\" "
                           "parameters", NGX_HTTP_AUTH_JWT_MAX_TOKENS);
        return NGX_CONF_ERROR;
    }

    src = ngx_pcalloc(cf->pool, n * sizeof(ngx_http_auth_jwt_token_src_t));
    if (src == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < n; i++) {
        if (ngx_http_auth_jwt_conf_token(cf, &value[i + 2], &src[i])
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        for (j = 0; j < i; j++) {
            if (ngx_http_auth_jwt_same_place(&src[i], &src[j])) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid parameter \"%V\": \"%V\" "
                                   "takes the token from there already",
                                   &value[i + 2], &value[j + 2]);
                return NGX_CONF_ERROR;
            }
        }
    }

    ajcf->tokens = src;
    ajcf->ntokens = n;

    return NGX_CONF_OK;
}


/* token=bearer (the Authorization: Bearer header) or token=$variable */

static ngx_int_t
ngx_http_auth_jwt_conf_token(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_auth_jwt_token_src_t *src)
{
    ngx_str_t                          token;
    ngx_http_compile_complex_value_t   ccv;

    if (value->len <= sizeof("token=") - 1
        || ngx_strncmp(value->data, "token=", sizeof("token=") - 1) != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", value);
        return NGX_ERROR;
    }

    token.data = value->data + sizeof("token=") - 1;
    token.len = value->len - (sizeof("token=") - 1);

    if (token.len == sizeof("bearer") - 1
        && ngx_strncmp(token.data, "bearer", sizeof("bearer") - 1) == 0)
    {
        src->value = NULL;
        src->from = NGX_HTTP_AUTH_JWT_TOKEN_BEARER;
        ngx_str_set(&src->name, "authorization");
        return NGX_OK;
    }

    if (ngx_http_script_variables_count(&token) == 0) {
        /* the same token in every request: "token=Bearer" meant bearer */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": \"token=\" takes "
                           "\"bearer\" or a value with variables", value);
        return NGX_ERROR;
    }

    src->value = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (src->value == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &token;
    ccv.complex_value = src->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_http_auth_jwt_token_from(src, &token);

    return NGX_OK;
}


/* two token= naming one place would count every token there twice */

static ngx_uint_t
ngx_http_auth_jwt_same_place(ngx_http_auth_jwt_token_src_t *a,
    ngx_http_auth_jwt_token_src_t *b)
{
    ngx_uint_t  fa, fb;

    fa = (a->from == NGX_HTTP_AUTH_JWT_TOKEN_BEARER)
         ? NGX_HTTP_AUTH_JWT_TOKEN_HEADER : a->from;
    fb = (b->from == NGX_HTTP_AUTH_JWT_TOKEN_BEARER)
         ? NGX_HTTP_AUTH_JWT_TOKEN_HEADER : b->from;

    return fa == fb && fa != NGX_HTTP_AUTH_JWT_TOKEN_OTHER
           && ngx_http_auth_jwt_same_name(&a->name, &b->name);
}


/*
 * auth_jwt_key_file file [issuer=value]: without variables, read and
 * parsed once, here; with variables, read when a request needs it
 * (ngx_http_auth_jwt_file.c)
 */

char *
ngx_http_auth_jwt_key_file(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    char                              *issuer;
    ngx_str_t                         *value, file;
    ngx_http_auth_jwt_keys_t          *keys;
    ngx_http_auth_jwt_file_t          *f, **fp;
    ngx_http_auth_jwt_vfile_t         *vf;
    ngx_http_compile_complex_value_t   ccv;

    keys = ngx_http_auth_jwt_conf_keys(cf, ajcf);
    if (keys == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    file = value[1];
    issuer = NULL;

    if (cf->args->nelts == 3) {
        issuer = ngx_http_auth_jwt_conf_issuer(cf, &value[2]);
        if (issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (file.len == 0) {
        return "takes an empty file name";
    }

    if (ngx_http_script_variables_count(&file)) {
        if (keys->vfiles.nelts == 16) {
            return "is repeated with variables more than 16 times";
        }

        vf = ngx_array_push(&keys->vfiles);
        if (vf == NULL) {
            return NGX_CONF_ERROR;
        }

        vf->issuer = issuer;

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &file;
        ccv.complex_value = &vf->name;
        ccv.zero = 1;

        /* a name that starts with a variable is made absolute when the
         * request expands it, after the checks of an empty name
         * (ngx_http_auth_jwt_file.c) */
        ccv.conf_prefix = (file.data[0] != '$');

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_conf_full_name(cf->cycle, &file, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_auth_jwt_file_conf(cf, &file, issuer, &f) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fp = ngx_array_push(&keys->files);
    if (fp == NULL) {
        return NGX_CONF_ERROR;
    }

    *fp = f;

    if (f->set != NULL) {
        /* NULL: decryption keys only (auth_jwt_type) */
        keys->algs |= jwtgate_keyset_algs(f->set);
    }

    return NGX_CONF_OK;
}


/* $cookie_NAME, $arg_NAME, $http_NAME: auth_jwt_forward_token off can
 * take the token away; any other value cannot */

static void
ngx_http_auth_jwt_token_from(ngx_http_auth_jwt_token_src_t *src,
    ngx_str_t *token)
{
    size_t       i, n;
    ngx_uint_t   from;
    ngx_str_t    name;

    static struct {
        ngx_str_t   prefix;
        ngx_uint_t  from;
    } prefixes[] = {
        { ngx_string("$cookie_"), NGX_HTTP_AUTH_JWT_TOKEN_COOKIE },
        { ngx_string("$arg_"), NGX_HTTP_AUTH_JWT_TOKEN_ARG },
        { ngx_string("$http_"), NGX_HTTP_AUTH_JWT_TOKEN_HEADER },
    };

    src->from = NGX_HTTP_AUTH_JWT_TOKEN_OTHER;

    for (n = 0; n < sizeof(prefixes) / sizeof(prefixes[0]); n++) {
        if (token->len <= prefixes[n].prefix.len
            || ngx_strncmp(token->data, prefixes[n].prefix.data,
                           prefixes[n].prefix.len) != 0)
        {
            continue;
        }

        name.data = token->data + prefixes[n].prefix.len;
        name.len = token->len - prefixes[n].prefix.len;
        from = prefixes[n].from;

        for (i = 0; i < name.len; i++) {
            if (!(ngx_http_auth_jwt_isalnum(name.data[i]) || name.data[i] == '_'
                  || (name.data[i] == '-'
                      && from == NGX_HTTP_AUTH_JWT_TOKEN_COOKIE)))
            {
                return;
            }
        }

        src->from = from;
        src->name = name;
        return;
    }
}


/* auth_jwt_key_refresh_on_unknown_kid time | off */

char *
ngx_http_auth_jwt_kid_refresh(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t  *value;

    if (ajcf->kid_refresh != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ajcf->kid_refresh = 0;
        return NGX_CONF_OK;
    }

    ajcf->kid_refresh = ngx_parse_time(&value[1], 1);

    if (ajcf->kid_refresh == (time_t) NGX_ERROR || ajcf->kid_refresh == 0) {
        return "invalid value: a time of at least 1s, or off";
    }

    return NGX_CONF_OK;
}


/* auth_jwt_algorithms alg ... */

char *
ngx_http_auth_jwt_algorithms(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    int          alg;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (ajcf->algs != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ajcf->algs = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 4
            && ngx_strncasecmp(value[i].data, (u_char *) "none", 4) == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "algorithm \"none\" is never accepted");
            return NGX_CONF_ERROR;
        }

        alg = jwtgate_alg_from_name((char *) value[i].data, value[i].len);

        if (alg < 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "unknown algorithm \"%V\" (one of HS256, "
                               "HS384, HS512, RS256, RS384, RS512, PS256, "
                               "PS384, PS512, ES256, ES384, ES512, EdDSA)",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        ajcf->algs |= JWTGATE_ALG_BIT(alg);
    }

    return NGX_CONF_OK;
}


/* auth_jwt_issuer value ...; auth_jwt_audience value ... */

char *
ngx_http_auth_jwt_strings(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    char         **s;
    ngx_str_t     *value;
    ngx_uint_t     i;
    ngx_array_t  **a;

    a = (ngx_array_t **) (p + cmd->offset);

    if (*a != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    *a = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(char *));
    if (*a == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0
            || ngx_strlchr(value[i].data, value[i].data + value[i].len, '\0'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(*a);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        /* the configuration's strings are NUL-terminated */
        *s = (char *) value[i].data;
    }

    return NGX_CONF_OK;
}


/* auth_jwt_type signed | encrypted | nested */

char *
ngx_http_auth_jwt_type(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t  *value;

    if (ajcf->type != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "signed") == 0) {
        ajcf->type = NGX_HTTP_AUTH_JWT_TYPE_SIGNED;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "encrypted") == 0) {
        ajcf->type = NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED;
        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "nested") == 0) {
        ajcf->type = NGX_HTTP_AUTH_JWT_TYPE_NESTED;
        return NGX_CONF_OK;
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\", it must be \"signed\", "
                       "\"encrypted\" or \"nested\"", &value[1]);
    return NGX_CONF_ERROR;
}


/* auth_jwt_require_typ value ... | off; stored as media types are
 * compared (jwtgate_media_type_norm()) */

char *
ngx_http_auth_jwt_require_typ(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    u_char      *p, **s;
    size_t       n;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (ajcf->typs != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        ajcf->typs = NULL;
        return NGX_CONF_OK;
    }

    ajcf->typs = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                  sizeof(char *));
    if (ajcf->typs == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (ngx_strcmp(value[i].data, "off") == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"off\" cannot be given with types");
            return NGX_CONF_ERROR;
        }

        p = ngx_pnalloc(cf->pool, value[i].len + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        n = (value[i].len <= JWTGATE_MEDIA_TYPE_MAX)
            ? jwtgate_media_type_norm((char *) value[i].data, value[i].len,
                                      (char *) p)
            : (size_t) -1;

        if (n == (size_t) -1) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid media type \"%V\": a subtype "
                               "name such as \"at+jwt\" or "
                               "\"application/at+jwt\", without "
                               "parameters, is expected", &value[i]);
            return NGX_CONF_ERROR;
        }

        p[n] = '\0';

        s = ngx_array_push(ajcf->typs);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = p;
    }

    return NGX_CONF_OK;
}
