
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


#include "ngx_http_auth_jwt_revoke.h"
#include "ngx_http_auth_jwt_fetch.h"
#include "ngx_http_auth_jwt_hazard.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_store.h"


#define NGX_HTTP_AUTH_JWT_RLIST_WAIT     35     /* s, a request's wait for
                                                   the first list */


typedef struct {
    ngx_str_t                   jti;
    ngx_str_t                   sub;
    ngx_str_t                   iss;
    const char                 *kid;
    int64_t                     iat;
    ngx_uint_t                  has_iat;
    time_t                      leeway;     /* auth_jwt_leeway */
} ngx_http_auth_jwt_rquery_t;


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
    uint64_t                    now_ms;
    ngx_uint_t                  lock, fetching, background;
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh;
    ngx_http_auth_jwt_shview_t  view;

    now = ngx_time();
    now_ms = ngx_http_auth_jwt_now_ms();

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
            && (now_ms - view.fetched_ms < (uint64_t) src->interval * 1000
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

        if (now_ms - sh->fetched_ms >= (uint64_t) src->interval * 1000
            && !fetching && now >= sh->next_try)
        {
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

ngx_int_t
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


void
ngx_http_auth_jwt_rfile_cleanup(void *data)
{
    ngx_http_auth_jwt_rfile_t  *f = data;

    if (f->list) {
        ngx_free(f->list);
        f->list = NULL;
    }
}
