
/*
 * jwtgate: revocation lists at configuration: auth_jwt_revocation_request,
 * auth_jwt_revocation_file and the lists of a level bound to the sources
 * of its server{}.
 */


#include "ngx_http_auth_jwt_revoke_conf.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_revoke.h"
#include "ngx_http_auth_jwt_source_conf.h"


static ngx_http_auth_jwt_revoke_t *ngx_http_auth_jwt_conf_revoke(
    ngx_conf_t *cf, ngx_http_auth_jwt_loc_conf_t *ajcf);
static ngx_int_t ngx_http_auth_jwt_conf_size(ngx_conf_t *cf,
    ngx_str_t *value, size_t *size);


/* auth_jwt_revocation_request uri [issuer=] [interval=] [max_size=] */

char *
ngx_http_auth_jwt_revocation_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    time_t                         interval;
    ngx_str_t                     *value, s;
    ngx_uint_t                     i;
    ngx_http_auth_jwt_revoke_t    *rv;
    ngx_http_auth_jwt_rrequest_t  *rq;

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\": it must start with \"/\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_script_variables_count(&value[1])) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\": variables are not allowed",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= 0x20 || value[1].data[i] == '"'
            || value[1].data[i] == '\\' || value[1].data[i] >= 0x7f)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid URI \"%V\": a character that needs "
                               "escaping", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    rv = ngx_http_auth_jwt_conf_revoke(cf, ajcf);
    if (rv == NULL) {
        return NGX_CONF_ERROR;
    }

    rq = rv->requests.elts;

    for (i = 0; i < rv->requests.nelts; i++) {
        if (rq[i].uri.len == value[1].len
            && ngx_strncmp(rq[i].uri.data, value[1].data, value[1].len) == 0)
        {
            return "is duplicate";
        }
    }

    if (rv->requests.nelts == 8) {
        return "is repeated more than 8 times";
    }

    rq = ngx_array_push(&rv->requests);
    if (rq == NULL) {
        return NGX_CONF_ERROR;
    }

    rq->uri = value[1];
    rq->issuer = NULL;
    rq->interval = 30;
    rq->max_size = NGX_HTTP_AUTH_JWT_RLIST_MAX;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "interval=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            interval = ngx_parse_time(&s, 1);

            if (interval == (time_t) NGX_ERROR || interval < 1) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid parameter \"%V\": at least 1s",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            rq->interval = interval;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_size=", 9) == 0) {
            if (ngx_http_auth_jwt_conf_size(cf, &value[i], &rq->max_size)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (rq->issuer != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        rq->issuer = ngx_http_auth_jwt_conf_issuer(cf, &value[i]);
        if (rq->issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * auth_jwt_revocation_file path [issuer=] [max_size=],
 * auth_jwt_revocation_list_sub path, auth_jwt_revocation_list_kid path
 * (cmd->post: the format)
 */

char *
ngx_http_auth_jwt_revocation_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                    *value;
    ngx_uint_t                    i;
    ngx_pool_cleanup_t           *cln;
    ngx_http_auth_jwt_revoke_t   *rv;
    ngx_http_auth_jwt_rfile_t    *f, **fp;

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "takes an empty file name";
    }

    if (ngx_http_script_variables_count(&value[1])) {
        return "takes no variables";
    }

    rv = ngx_http_auth_jwt_conf_revoke(cf, ajcf);
    if (rv == NULL) {
        return NGX_CONF_ERROR;
    }

    if (rv->files.nelts == 16) {
        return "is repeated more than 16 times";
    }

    f = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_rfile_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (f == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_auth_jwt_rfile_cleanup;
    cln->data = f;

    f->path = value[1];
    f->format = (jwtgate_rlist_format_t) (uintptr_t) cmd->post;
    f->max_size = NGX_HTTP_AUTH_JWT_RLIST_MAX;
    f->mtime = -1;

    if (ngx_conf_full_name(cf->cycle, &f->path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_size=", 9) == 0) {
            if (ngx_http_auth_jwt_conf_size(cf, &value[i], &f->max_size)
                != NGX_OK)
            {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (f->issuer != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        f->issuer = ngx_http_auth_jwt_conf_issuer(cf, &value[i]);
        if (f->issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    fp = rv->files.elts;

    for (i = 0; i < rv->files.nelts; i++) {
        if (fp[i]->path.len == f->path.len
            && ngx_strcmp(fp[i]->path.data, f->path.data) == 0
            && fp[i]->format == f->format)
        {
            return "is duplicate";
        }
    }

    /* read now: a list that cannot be used fails the configuration */

    if (ngx_http_auth_jwt_rfile_check(cf->log, f, NGX_LOG_EMERG) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fp = ngx_array_push(&rv->files);
    if (fp == NULL) {
        return NGX_CONF_ERROR;
    }

    *fp = f;

    return NGX_CONF_OK;
}


/* the revocation lists of the level: new at the first directive here */

static ngx_http_auth_jwt_revoke_t *
ngx_http_auth_jwt_conf_revoke(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_http_auth_jwt_revoke_t  *rv;

    if (ajcf->revoke != NGX_CONF_UNSET_PTR) {
        return ajcf->revoke;
    }

    rv = ngx_palloc(cf->pool, sizeof(ngx_http_auth_jwt_revoke_t));
    if (rv == NULL) {
        return NULL;
    }

    if (ngx_array_init(&rv->files, cf->pool, 1,
                       sizeof(ngx_http_auth_jwt_rfile_t *))
        != NGX_OK
        || ngx_array_init(&rv->requests, cf->pool, 1,
                          sizeof(ngx_http_auth_jwt_rrequest_t))
           != NGX_OK)
    {
        return NULL;
    }

    ajcf->revoke = rv;

    return rv;
}


static ngx_int_t
ngx_http_auth_jwt_conf_size(ngx_conf_t *cf, ngx_str_t *value, size_t *size)
{
    ssize_t    n;
    ngx_str_t  s;

    s.data = value->data + 9;
    s.len = value->len - 9;

    n = ngx_parse_size(&s);

    /* a list's text, and its flat form, are held in memory at once */
    if (n == NGX_ERROR || n < 1024 || n > 1024 * 1024 * 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": from 1k to 1g",
                           value);
        return NGX_ERROR;
    }

    *size = (size_t) n;

    return NGX_OK;
}


/*
 * The revocation sources of a location: its level's requests, each in
 * the location's server{} (see ngx_http_auth_jwt_source_bind()).
 */

char *
ngx_http_auth_jwt_revoke_bind(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *prev, ngx_http_auth_jwt_loc_conf_t *conf)
{
    ngx_uint_t                     i, made;
    ngx_array_t                   *bound;
    ngx_http_auth_jwt_source_t    *src;
    ngx_http_auth_jwt_rrequest_t  *rq;

    conf->rsources = NULL;

    if (conf->revoke == NULL || conf->revoke->requests.nelts == 0) {
        return NGX_CONF_OK;
    }

    bound = ngx_http_auth_jwt_source_bound(cf, prev->rsources,
                                           prev->revoke == conf->revoke,
                                           conf->revoke->requests.nelts);
    if (bound == NULL) {
        return NGX_CONF_ERROR;
    }

    if (bound == prev->rsources) {
        conf->rsources = bound;
        return NGX_CONF_OK;
    }

    rq = conf->revoke->requests.elts;

    for (i = 0; i < conf->revoke->requests.nelts; i++) {
        src = ngx_http_auth_jwt_source_bind_one(cf, bound,
                                      NGX_HTTP_AUTH_JWT_SRC_REVOCATION,
                                      &rq[i].uri, rq[i].issuer, &made);
        if (src == NULL) {
            return NGX_CONF_ERROR;
        }

        if (made) {
            src->interval = rq[i].interval;
            src->max_size = rq[i].max_size;
            continue;
        }

        if (src->interval != rq[i].interval
            || src->max_size != rq[i].max_size
            || (src->issuer == NULL) != (rq[i].issuer == NULL)
            || (src->issuer != NULL
                && ngx_strcmp(src->issuer, rq[i].issuer) != 0))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_jwt_revocation_request %V\" is "
                               "declared in this server with other "
                               "parameters", &rq[i].uri);
            return NGX_CONF_ERROR;
        }
    }

    conf->rsources = bound;

    return NGX_CONF_OK;
}
