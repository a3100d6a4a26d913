
/*
 * jwtgate: revocation lists.
 *
 * A revocation list names tokens that must not pass any more although
 * their signature and claims are good: by jti, by sub with a cutoff on
 * iat, by kid (the core, jwtgate_rlist.c, reads and looks it up).  The
 * lists of a level come from:
 *
 *   auth_jwt_revocation_request   a subrequest, like auth_jwt_key_request:
 *                                 a source per server{} in the zone of the
 *                                 key store, fetched in the background
 *                                 every interval=, one fetch at a time,
 *                                 If-None-Match with the last ETag.  The
 *                                 flat list lives once in the zone; a
 *                                 check reads it without the zone's
 *                                 mutex (ngx_http_auth_jwt_store_hold),
 *                                 a new list is swapped in under it, and
 *                                 an old list is freed only when no
 *                                 worker reads it.
 *   auth_jwt_revocation_file      a file, read at configuration and again
 *   auth_jwt_revocation_list_sub  (every worker, at most once a second)
 *   auth_jwt_revocation_list_kid  when its identity changes; each worker
 *                                 holds its own copy.
 *
 * The check runs after the signature and the claims, on every request:
 * a verdict of the verified-token cache never skips it.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_RLIST_MAX      (1024 * 1024)  /* max_size= */
#define NGX_HTTP_AUTH_JWT_RLIST_WAIT     35     /* s, a request's wait for
                                                   the first list */


/* a list from a file */
typedef struct {
    ngx_str_t                   path;       /* NUL-terminated */
    char                       *issuer;
    jwtgate_rlist_format_t      format;
    size_t                      max_size;
    void                       *list;       /* ngx_alloc()ed, or NULL */
    size_t                      size;
    ngx_file_uniq_t             uniq;
    dev_t                       dev;
    off_t                       fsize;
    time_t                      mtime;
    time_t                      checked;
    ngx_uint_t                  failed;     /* the last read failed, said */
} ngx_http_auth_jwt_rfile_t;


/* an auth_jwt_revocation_request */
typedef struct {
    ngx_str_t                   uri;
    char                       *issuer;
    time_t                      interval;
    size_t                      max_size;
} ngx_http_auth_jwt_rrequest_t;


struct ngx_http_auth_jwt_revoke_s {
    ngx_array_t                 files;      /* ngx_http_auth_jwt_rfile_t * */
    ngx_array_t                 requests;   /* ngx_http_auth_jwt_rrequest_t */
};


typedef struct {
    ngx_str_t                   jti;
    ngx_str_t                   sub;
    ngx_str_t                   iss;
    const char                 *kid;
    int64_t                     iat;
    ngx_uint_t                  has_iat;
    time_t                      leeway;     /* auth_jwt_leeway */
} ngx_http_auth_jwt_rquery_t;


static ngx_http_auth_jwt_revoke_t *ngx_http_auth_jwt_conf_revoke(
    ngx_conf_t *cf, ngx_http_auth_jwt_loc_conf_t *ajcf);
static ngx_int_t ngx_http_auth_jwt_conf_size(ngx_conf_t *cf,
    ngx_str_t *value, size_t *size);
static ngx_int_t ngx_http_auth_jwt_rfile_check(ngx_log_t *log,
    ngx_http_auth_jwt_rfile_t *f, ngx_uint_t level);
static void ngx_http_auth_jwt_rfile_cleanup(void *data);
static void ngx_http_auth_jwt_rquery(ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_rquery_t *rq);
static ngx_uint_t ngx_http_auth_jwt_rquery_applies(
    ngx_http_auth_jwt_rquery_t *rq, const char *issuer);
static int ngx_http_auth_jwt_rlist_check(const void *list,
    ngx_http_auth_jwt_rquery_t *rq, time_t now);
static ngx_uint_t ngx_http_auth_jwt_revoke_source(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_rquery_t *rq);
static void ngx_http_auth_jwt_revoked_log(ngx_http_request_t *r, int hit,
    const char *from, ngx_str_t *name);


/* what a list named: JWTGATE_RLIST_JTI, _SUB, _KID, and NO_KID */
#define NGX_HTTP_AUTH_JWT_RLIST_NO_KID   4

static const char  *ngx_http_auth_jwt_rlist_what[] = {
    "", "jti is", "sub is", "kid is", "kid is missing and kids are"
};


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
    ngx_uint_t                      i, j;
    ngx_array_t                    *bound;
    ngx_http_core_srv_conf_t       *cscf;
    ngx_http_auth_jwt_source_t    **sp, *src;
    ngx_http_auth_jwt_rrequest_t   *rq;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    conf->rsources = NULL;

    if (conf->revoke == NULL || conf->revoke->requests.nelts == 0) {
        return NGX_CONF_OK;
    }

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (prev->rsources != NULL && prev->revoke == conf->revoke) {
        sp = prev->rsources->elts;

        if (sp[0]->server == cscf) {
            conf->rsources = prev->rsources;
            return NGX_CONF_OK;
        }
    }

    bound = ngx_array_create(cf->pool, conf->revoke->requests.nelts,
                             sizeof(ngx_http_auth_jwt_source_t *));
    if (bound == NULL) {
        return NGX_CONF_ERROR;
    }

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);
    rq = conf->revoke->requests.elts;

    for (i = 0; i < conf->revoke->requests.nelts; i++) {
        sp = amcf->sources.elts;
        src = NULL;

        for (j = amcf->sources.nelts; j > 0 && sp[j - 1]->server == cscf;
             j--)
        {
            if (sp[j - 1]->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION
                && sp[j - 1]->uri.len == rq[i].uri.len
                && ngx_strncmp(sp[j - 1]->uri.data, rq[i].uri.data,
                               rq[i].uri.len)
                   == 0)
            {
                src = sp[j - 1];
                break;
            }
        }

        if (src != NULL
            && (src->interval != rq[i].interval
                || src->max_size != rq[i].max_size
                || (src->issuer == NULL) != (rq[i].issuer == NULL)
                || (src->issuer != NULL
                    && ngx_strcmp(src->issuer, rq[i].issuer) != 0)))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_jwt_revocation_request %V\" is "
                               "declared in this server with other "
                               "parameters", &rq[i].uri);
            return NGX_CONF_ERROR;
        }

        if (src == NULL) {
            src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_source_t));
            if (src == NULL) {
                return NGX_CONF_ERROR;
            }

            src->uri = rq[i].uri;
            src->issuer = rq[i].issuer;
            src->kind = NGX_HTTP_AUTH_JWT_SRC_REVOCATION;
            src->interval = rq[i].interval;
            src->max_size = rq[i].max_size;
            src->server = cscf;
            src->server_name = cscf->server_name;

            sp = ngx_array_push(&amcf->sources);
            if (sp == NULL) {
                return NGX_CONF_ERROR;
            }

            *sp = src;
        }

        sp = ngx_array_push(bound);
        if (sp == NULL) {
            return NGX_CONF_ERROR;
        }

        *sp = src;
    }

    conf->rsources = bound;

    return NGX_CONF_OK;
}


/*
 * A fetched list: built into a block of the zone, swapped in under the
 * mutex, the old one freed.  NGX_ERROR: *reason (the last list stays);
 * NGX_DECLINED: the fetch's lock (lock) is no longer the source's, a later
 * fetch owns it, and its list wins.
 */

ngx_int_t
ngx_http_auth_jwt_revoke_store(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_uint_t lock, u_char *text,
    size_t len, ngx_str_t *etag, const char **reason)
{
    void                       *list, *old;
    size_t                      size, counts[3];
    time_t                      now;
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shsrc_t  *sh;

    now = ngx_time();

    if (text == NULL) {
        *reason = "an empty answer";
        return NGX_ERROR;
    }

    if (jwtgate_rlist_size((char *) text, len, JWTGATE_RLIST_JWTGATE,
                           (int64_t) (now - NGX_HTTP_AUTH_JWT_RLIST_KEEP),
                           &size, reason)
        != 0)
    {
        return NGX_ERROR;
    }

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    /* lists a worker still read at their swap: gone before a new one */
    ngx_shmtx_lock(&shpool->mutex);
    ngx_http_auth_jwt_store_retire(shpool, src->zone->data, NULL);
    ngx_shmtx_unlock(&shpool->mutex);

    list = ngx_slab_alloc(shpool, ngx_max(size, 8));
    if (list == NULL) {
        *reason = "the auth_jwt_keys zone is full (auth_jwt_key_zone)";
        return NGX_ERROR;
    }

    /* nobody knows the block yet: built without the mutex */

    if (jwtgate_rlist_build((char *) text, len, JWTGATE_RLIST_JWTGATE,
                            (int64_t) (now - NGX_HTTP_AUTH_JWT_RLIST_KEEP),
                            list, size, reason)
        != 0)
    {
        ngx_slab_free(shpool, list);
        return NGX_ERROR;
    }

    jwtgate_rlist_counts(list, &counts[0], &counts[1], &counts[2]);

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh == NULL) {
        ngx_slab_free_locked(shpool, list);
        ngx_shmtx_unlock(&shpool->mutex);
        *reason = "the auth_jwt_keys zone is full (auth_jwt_key_zone)";
        return NGX_ERROR;
    }

    if (lock == 0 || sh->lock != lock) {
        /*
         * our fetch lock ran out and another fetch took over (an issuer
         * slower than the lock): its list, maybe newer, wins
         */
        ngx_slab_free_locked(shpool, list);
        ngx_shmtx_unlock(&shpool->mutex);
        *reason = "the fetch outlived its lock, another one took over";
        return NGX_DECLINED;
    }

    /* readers without the mutex (ngx_http_auth_jwt_store_hold) may
     * read old still: retired, freed once none does; the new list is
     * written whole before it is published */
    old = sh->text;

    ngx_memory_barrier();

    sh->text = list;
    sh->text_len = size;
    sh->generation++;
    sh->counts[0] = counts[0];
    sh->counts[1] = counts[1];
    sh->counts[2] = counts[2];
    sh->etag_len = ngx_min(etag->len, sizeof(sh->etag));
    ngx_memcpy(sh->etag, etag->data, sh->etag_len);
    sh->fetched = now;
    sh->failures = 0;
    sh->next_try = 0;
    sh->attempts++;
    sh->fetches_ok++;

    if (old != NULL) {
        ngx_http_auth_jwt_store_retire(shpool, src->zone->data, old);
    }

    ngx_shmtx_unlock(&shpool->mutex);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_jwt_revocation_request \"%V\": %uz jti, %uz sub, "
                  "%uz kid, %uz bytes", &src->uri, counts[0], counts[1],
                  counts[2], size);

    return NGX_OK;
}


/*
 * The check: JWTGATE_OK, NGX_HTTP_AUTH_JWT_REVOKED,
 * NGX_HTTP_AUTH_JWT_UNAVAILABLE (ctx->retry_after), NGX_HTTP_AUTH_JWT_WAIT
 * or JWTGATE_ERR_INTERNAL.
 */

ngx_uint_t
ngx_http_auth_jwt_revoke_check(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    int                          hit;
    time_t                       now;
    ngx_uint_t                   i, rc;
    ngx_http_auth_jwt_rfile_t  **fp;
    ngx_http_auth_jwt_source_t **sp;
    ngx_http_auth_jwt_rquery_t   rq;

    if (ajcf->revoke == NULL) {
        return JWTGATE_OK;
    }

    ngx_http_auth_jwt_rquery(ctx, &rq);

    rq.leeway = ajcf->leeway;

    now = ngx_time();

    fp = ajcf->revoke->files.elts;

    for (i = 0; i < ajcf->revoke->files.nelts; i++) {

        if (now - fp[i]->checked >= 1) {
            (void) ngx_http_auth_jwt_rfile_check(r->connection->log, fp[i],
                                                 NGX_LOG_ERR);
        }

        if (!ngx_http_auth_jwt_rquery_applies(&rq, fp[i]->issuer)) {
            continue;
        }

        hit = ngx_http_auth_jwt_rlist_check(fp[i]->list, &rq, now);

        if (hit != JWTGATE_RLIST_OK) {
            ngx_http_auth_jwt_revoked_log(r, hit, "file", &fp[i]->path);
            return NGX_HTTP_AUTH_JWT_REVOKED;
        }
    }

    if (ajcf->rsources == NULL) {
        return JWTGATE_OK;
    }

    sp = ajcf->rsources->elts;

    for (i = 0; i < ajcf->rsources->nelts; i++) {
        if (!ngx_http_auth_jwt_rquery_applies(&rq, sp[i]->issuer)) {
            continue;
        }

        rc = ngx_http_auth_jwt_revoke_source(r, ajcf, ctx, sp[i], &rq);

        if (rc != JWTGATE_OK) {
            return rc;
        }
    }

    return JWTGATE_OK;
}


static ngx_uint_t
ngx_http_auth_jwt_revoke_source(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_rquery_t *rq)
{
    int                         hit;
    u_char                     *list;
    time_t                      now, age;
    ngx_uint_t                  lock, fetching, background;
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh;
    ngx_http_auth_jwt_shview_t  view;

    now = ngx_time();

    /*
     * The common case without the mutex: a list, the token not in it,
     * no refresh due, not too old.  Anything else is decided again
     * below, under the mutex.
     */

    list = ngx_http_auth_jwt_store_hold(src, &view);

    if (list != NULL) {
        hit = ngx_http_auth_jwt_rlist_check(list, rq, now);

        ngx_http_auth_jwt_store_release(src);

        age = now - view.fetched;

        if (hit == JWTGATE_RLIST_OK
            && (age < src->interval
                || (view.owner != 0 && now < view.deadline)
                || now < view.next_try)
            && !(ajcf->revoke_max_age && age > ajcf->revoke_max_age
                 && ajcf->revoke_stale))
        {
            return JWTGATE_OK;
        }
    }

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    shctx = src->zone->data;
    lock = 0;

    ngx_shmtx_lock(&shpool->mutex);

    /* lists a worker still read at their swap: freed when none does */
    ngx_http_auth_jwt_store_retire(shpool, shctx, NULL);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_revocation_request \"%V\": the "
                      "auth_jwt_keys zone is full (auth_jwt_key_zone)",
                      &src->uri);
        ctx->retry_after = 1;
        return NGX_HTTP_AUTH_JWT_UNAVAILABLE;
    }

    fetching = (sh->owner != 0 && now < sh->deadline);

    if (sh->text != NULL) {
        hit = ngx_http_auth_jwt_rlist_check(sh->text, rq, now);

        if (hit != JWTGATE_RLIST_OK) {
            sh->revoked++;
        }

        age = now - sh->fetched;

        background = 0;

        if (age >= src->interval && !fetching && now >= sh->next_try) {
            lock = ++shctx->last_id;
            sh->owner = ngx_pid;
            sh->deadline = now + 30;
            sh->lock = lock;
            background = 1;
        }

        ngx_shmtx_unlock(&shpool->mutex);

        if (background) {
            (void) ngx_http_auth_jwt_fetch_start(r, src, ctx, src->interval,
                                                 lock, 1);
        }

        if (hit != JWTGATE_RLIST_OK) {
            ngx_http_auth_jwt_revoked_log(r, hit, "auth_jwt_revocation_"
                                          "request", &src->uri);
            return NGX_HTTP_AUTH_JWT_REVOKED;
        }

        if (ajcf->revoke_max_age && age > ajcf->revoke_max_age
            && ajcf->revoke_stale)
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_revocation_request \"%V\": the list is "
                          "%T s old (auth_jwt_revocation_max_age %T s), "
                          "tokens refused (auth_jwt_revocation_stale "
                          "refuse)", &src->uri, age, ajcf->revoke_max_age);

            ctx->retry_after = 1;
            return NGX_HTTP_AUTH_JWT_UNAVAILABLE;
        }

        return JWTGATE_OK;
    }

    /* no list yet: the request waits for the first one, as for keys */

    if (ctx->wait_until == 0) {
        ctx->wait_until = now + NGX_HTTP_AUTH_JWT_RLIST_WAIT;
    }

    if (fetching) {
        ngx_shmtx_unlock(&shpool->mutex);

        if (now >= ctx->wait_until) {
            ctx->retry_after = 1;
            goto unavailable;
        }

        return ngx_http_auth_jwt_fetch_poll(r, ctx) == NGX_AGAIN
               ? NGX_HTTP_AUTH_JWT_WAIT : JWTGATE_ERR_INTERNAL;
    }

    if (now < sh->next_try
        || ngx_http_auth_jwt_fetch_source(ctx) == (void *) src)
    {
        /* failing, or our own fetch just failed */
        ctx->retry_after = ngx_max(sh->next_try - now, 1);
        ngx_shmtx_unlock(&shpool->mutex);
        goto unavailable;
    }

    lock = ++shctx->last_id;
    sh->owner = ngx_pid;
    sh->deadline = now + 30;
    sh->lock = lock;

    ngx_shmtx_unlock(&shpool->mutex);

    switch (ngx_http_auth_jwt_fetch_start(r, src, ctx, src->interval, lock,
                                          0))
    {
    case NGX_AGAIN:
        return NGX_HTTP_AUTH_JWT_WAIT;

    case NGX_ERROR:
        return JWTGATE_ERR_INTERNAL;

    default:
        return JWTGATE_ERR_INTERNAL;
    }

unavailable:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "auth_jwt_revocation_request \"%V\": no list yet, "
                  "tokens refused", &src->uri);

    return NGX_HTTP_AUTH_JWT_UNAVAILABLE;
}


static void
ngx_http_auth_jwt_revoked_log(ngx_http_request_t *r, int hit,
    const char *from, ngx_str_t *name)
{
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_jwt: token rejected: revoked (its %s listed by "
                  "%s \"%V\")",
                  ngx_http_auth_jwt_rlist_what[hit > 0 && hit <= 4 ? hit : 0],
                  from, name);
}


static int
ngx_http_auth_jwt_rlist_check(const void *list,
    ngx_http_auth_jwt_rquery_t *rq, time_t now)
{
    int                    hit;
    size_t                 jti, sub, kid;
    jwtgate_rlist_query_t  q;

    if (list == NULL) {
        return JWTGATE_RLIST_OK;
    }

    q.jti = (const char *) rq->jti.data;
    q.jti_len = rq->jti.len;
    q.sub = (const char *) rq->sub.data;
    q.sub_len = rq->sub.len;
    q.kid = rq->kid;
    q.kid_len = rq->kid ? ngx_strlen(rq->kid) : 0;
    q.iat = rq->iat;
    q.has_iat = (int) rq->has_iat;

    /*
     * a listed jti stays revoked while the token passes its exp check,
     * i.e. until exp + auth_jwt_leeway
     */
    hit = jwtgate_rlist_check(list, &q, (int64_t) (now - rq->leeway));

    if (hit == JWTGATE_RLIST_OK && rq->kid == NULL) {
        /*
         * a token without a kid was verified by any key that fits its
         * alg, a revoked one too: where a list names kids, such a token
         * is refused (a leaked key's holder would leave the kid out)
         */
        jwtgate_rlist_counts(list, &jti, &sub, &kid);

        if (kid != 0) {
            hit = NGX_HTTP_AUTH_JWT_RLIST_NO_KID;
        }
    }

    return hit;
}


/*
 * a list bound to an issuer applies to that issuer's tokens, and to tokens
 * that name no issuer (else leaving "iss" out would dodge the list)
 */

static ngx_uint_t
ngx_http_auth_jwt_rquery_applies(ngx_http_auth_jwt_rquery_t *rq,
    const char *issuer)
{
    if (issuer == NULL || rq->iss.data == NULL) {
        return 1;
    }

    return rq->iss.len == ngx_strlen(issuer)
           && ngx_strncmp(rq->iss.data, issuer, rq->iss.len) == 0;
}


/*
 * what of the token a list may name: jti, sub, kid, iat, and its iss; as
 * the parse left them in the token, no JSON tree is built
 */

static void
ngx_http_auth_jwt_rquery(ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_rquery_t *rq)
{
    double   d;
    size_t   len;

    ngx_memzero(rq, sizeof(ngx_http_auth_jwt_rquery_t));

    rq->kid = jwtgate_token_kid(ctx->token);

    rq->jti.data = (u_char *) jwtgate_token_id(ctx->token, JWTGATE_ID_JTI,
                                               &len);
    rq->jti.len = len;

    rq->sub.data = (u_char *) jwtgate_token_id(ctx->token, JWTGATE_ID_SUB,
                                               &len);
    rq->sub.len = len;

    rq->iss.data = (u_char *) jwtgate_token_id(ctx->token, JWTGATE_ID_ISS,
                                               &len);
    rq->iss.len = len;

    if (jwtgate_token_iat(ctx->token, &d) == 0) {
        /* a NumericDate in [0, 2^53] (the parse made sure): floored */
        rq->iat = (int64_t) d;
        rq->has_iat = 1;
    }
}


/*
 * A list file: read again when its identity (device, inode, size,
 * modification time) changed.  A file that cannot be used keeps the last
 * good list, said once.  NGX_ERROR: no list could be read now.
 */

static ngx_int_t
ngx_http_auth_jwt_rfile_check(ngx_log_t *log, ngx_http_auth_jwt_rfile_t *f,
    ngx_uint_t level)
{
    void             *list;
    u_char           *text;
    size_t            size, len;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_err_t         err;
    const char       *reason;
    ngx_file_info_t   fi;

    f->checked = ngx_time();

    fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        if (!f->failed || level == NGX_LOG_EMERG) {
            ngx_log_error(level, log, err,
                          "auth_jwt revocation list " ngx_open_file_n
                          " \"%V\" failed%s", &f->path,
                          f->list ? ", the last good list stays" : "");
        }

        f->failed = 1;
        f->mtime = -1;
        return NGX_ERROR;
    }

    reason = NULL;
    text = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        reason = "fstat() failed";
        goto failed;
    }

    if (!ngx_is_file(&fi)) {
        reason = "not a regular file";
        goto failed;
    }

    if (f->mtime == ngx_file_mtime(&fi) && f->fsize == ngx_file_size(&fi)
        && f->uniq == ngx_file_uniq(&fi) && f->dev == fi.st_dev)
    {
        /* the same file: its list, or its failure, stays */
        goto done;
    }

    f->mtime = ngx_file_mtime(&fi);
    f->fsize = ngx_file_size(&fi);
    f->uniq = ngx_file_uniq(&fi);
    f->dev = fi.st_dev;

    if (f->fsize > (off_t) f->max_size) {
        reason = "the file is larger than max_size=";
        goto failed;
    }

    len = (size_t) f->fsize;

    text = ngx_alloc(len + 1, log);
    if (text == NULL) {
        reason = "no memory";
        goto failed;
    }

    n = pread(fd, text, len, 0);

    if (n < 0 || (size_t) n != len) {
        reason = "read failed";
        goto failed;
    }

    if (jwtgate_rlist_size((char *) text, len, f->format,
                           (int64_t) (ngx_time() - NGX_HTTP_AUTH_JWT_RLIST_KEEP),
                           &size, &reason)
        != 0)
    {
        goto failed;
    }

    list = ngx_alloc(size ? size : 8, log);
    if (list == NULL) {
        reason = "no memory";
        goto failed;
    }

    if (jwtgate_rlist_build((char *) text, len, f->format,
                            (int64_t) (ngx_time() - NGX_HTTP_AUTH_JWT_RLIST_KEEP),
                            list, size, &reason)
        != 0)
    {
        ngx_free(list);
        goto failed;
    }

    ngx_free(text);

    if (f->list) {
        ngx_free(f->list);
    }

    f->list = list;
    f->size = size;
    f->failed = 0;

    if (level != NGX_LOG_EMERG) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_jwt revocation list \"%V\" read again",
                      &f->path);
    }

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }

    return f->failed ? NGX_ERROR : NGX_OK;

failed:

    if (text) {
        ngx_free(text);
    }

    ngx_log_error(level, log, 0, "auth_jwt revocation list \"%V\": %s%s",
                  &f->path, reason,
                  f->list ? ", the last good list stays" : "");

    f->failed = 1;

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }

    return NGX_ERROR;
}


static void
ngx_http_auth_jwt_rfile_cleanup(void *data)
{
    ngx_http_auth_jwt_rfile_t  *f = data;

    if (f->list) {
        ngx_free(f->list);
        f->list = NULL;
    }
}
