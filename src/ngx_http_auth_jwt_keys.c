
/*
 * jwtgate: the key sets of a request.
 *
 * Key files named without variables are read at configuration time; each
 * worker looks at them again at most once a second and parses a file
 * again only when its identity (device, inode, size, modification time)
 * changed.  Files named with variables are read when a request needs them
 * and kept in a small per-worker cache by path, checked the same way.  A
 * changed file that cannot be used keeps the last good keys.  Fetched key
 * sets (auth_jwt_key_request) come from ngx_http_auth_jwt_store.c.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_FILES_MAX    64      /* cached paths per worker */


typedef struct {
    ngx_http_auth_jwt_file_t   *file;
    ngx_log_t                  *log;
    ngx_uint_t                  level;
} ngx_http_auth_jwt_file_skip_t;


static ngx_int_t ngx_http_auth_jwt_keys_files(ngx_http_request_t *r,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list);
static void ngx_http_auth_jwt_keys_add(ngx_http_auth_jwt_keylist_t *list,
    const jwtgate_keyset_t *set, const char *issuer, ngx_uint_t id);
static ngx_http_auth_jwt_file_t *ngx_http_auth_jwt_file_cached(
    ngx_http_request_t *r, ngx_str_t *path);
static void ngx_http_auth_jwt_file_check(ngx_log_t *log,
    ngx_http_auth_jwt_file_t *f);
static void ngx_http_auth_jwt_file_load(ngx_log_t *log, ngx_uint_t level,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi);
static void ngx_http_auth_jwt_file_skip(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f);
static void ngx_http_auth_jwt_file_cleanup(void *data);
static ngx_uint_t ngx_http_auth_jwt_dotdots(ngx_str_t *path);


static ngx_queue_t  ngx_http_auth_jwt_files;
static ngx_uint_t   ngx_http_auth_jwt_nfiles;


/*
 * NGX_OK: list holds the key sets (maybe none); NGX_AGAIN: the request
 * waits for a fetch; NGX_DECLINED: no keys and none can be had for now
 * (ctx->retry_after); NGX_ERROR.
 */

ngx_int_t
ngx_http_auth_jwt_keys_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_keylist_t *list)
{
    ngx_int_t                     rc, declined;
    ngx_uint_t                    i, n;
    ngx_http_auth_jwt_keys_t     *keys;
    ngx_http_auth_jwt_source_t  **src;

    keys = ajcf->keys;

    n = keys->files.nelts + keys->vfiles.nelts + keys->sources.nelts;

    list->sets = ngx_palloc(r->pool, n * sizeof(jwtgate_keyset_t *));
    list->issuers = ngx_palloc(r->pool, n * sizeof(char *));
    list->ids = ngx_palloc(r->pool, n * sizeof(ngx_uint_t));
    if (list->sets == NULL || list->issuers == NULL || list->ids == NULL) {
        return NGX_ERROR;
    }

    list->n = 0;
    list->algs = 0;

    if (ngx_http_auth_jwt_keys_files(r, keys, list) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the sources of this location's server{} (ngx_http_auth_jwt_store.c) */
    src = ajcf->sources ? ajcf->sources->elts : NULL;
    declined = 0;

    for (i = 0; src && i < ajcf->sources->nelts; i++) {
        rc = ngx_http_auth_jwt_store_get(r, ajcf, ctx, src[i]);

        if (rc == NGX_AGAIN || rc == NGX_ERROR) {
            return rc;
        }

        if (rc == NGX_DECLINED) {
            declined = 1;
        }

        if (src[i]->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, src[i]->set, src[i]->issuer,
                                       src[i]->set_id);
        }
    }

    if (list->n == 0 && declined) {
        for (i = 0; i < ajcf->sources->nelts; i++) {
            if (src[i]->set == NULL) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "auth_jwt: no keys yet from \"%V\"",
                              &src[i]->uri);
            }
        }

        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_keys_files(ngx_http_request_t *r,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list)
{
    time_t                      now;
    ngx_str_t                   path;
    ngx_uint_t                  i;
    ngx_http_auth_jwt_file_t  **files, *f;
    ngx_http_auth_jwt_vfile_t  *vf;

    now = ngx_time();
    files = keys->files.elts;

    for (i = 0; i < keys->files.nelts; i++) {
        f = files[i];

        if (now - f->checked >= 1) {
            ngx_http_auth_jwt_file_check(r->connection->log, f);
        }

        if (f->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, f->set, f->issuer, f->set_id);
        }
    }

    vf = keys->vfiles.elts;

    for (i = 0; i < keys->vfiles.nelts; i++) {

        if (ngx_http_complex_value(r, &vf[i].name, &path) != NGX_OK) {
            return NGX_ERROR;
        }

        /* ccv.zero: path.data[path.len] is '\0' */
        path.len = ngx_strlen(path.data);

        /* the variables must not walk out of the configured directory */
        if (ngx_http_auth_jwt_dotdots(&path)
            > ngx_http_auth_jwt_dotdots(&vf[i].name.value))
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_file \"%V\": \"..\" is not allowed "
                          "in a name made with variables", &path);
            continue;
        }

        f = ngx_http_auth_jwt_file_cached(r, &path);

        if (f != NULL && f->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, f->set, vf[i].issuer,
                                       f->set_id);
        }
    }

    return NGX_OK;
}


static void
ngx_http_auth_jwt_keys_add(ngx_http_auth_jwt_keylist_t *list,
    const jwtgate_keyset_t *set, const char *issuer, ngx_uint_t id)
{
    list->sets[list->n] = set;
    list->issuers[list->n] = issuer;
    list->ids[list->n] = id;
    list->n++;
    list->algs |= jwtgate_keyset_algs(set);
}


/* auth_jwt_key_file without variables: read and parsed now */

ngx_int_t
ngx_http_auth_jwt_file_conf(ngx_conf_t *cf, ngx_str_t *path, char *issuer,
    ngx_http_auth_jwt_file_t **file)
{
    ngx_fd_t                   fd;
    ngx_file_info_t            fi;
    ngx_pool_cleanup_t        *cln;
    ngx_http_auth_jwt_file_t  *f;

    f = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_file_t));
    if (f == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_auth_jwt_file_cleanup;
    cln->data = f;

    f->path = *path;
    f->issuer = issuer;

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", path);

    } else {
        ngx_http_auth_jwt_file_load(cf->log, NGX_LOG_EMERG, f, fd, &fi);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    if (f->set == NULL) {
        /* ngx_http_auth_jwt_file_load() said why */
        return NGX_ERROR;
    }

    f->checked = ngx_time();
    *file = f;

    return NGX_OK;
}


const char *
ngx_http_auth_jwt_keyset_error(jwtgate_rc_t rc)
{
    switch (rc) {

    case JWTGATE_ERR_NO_KEYS:
        return "no usable key in the key set";

    case JWTGATE_ERR_TOO_LARGE:
        return "too many keys, or a key too large";

    case JWTGATE_ERR_INTERNAL:
        return "out of memory";

    default:
        return "not a JWKS or JWK (JSON)";
    }
}


/* the number of ".." segments of a path */

static ngx_uint_t
ngx_http_auth_jwt_dotdots(ngx_str_t *path)
{
    u_char      *p, *end;
    ngx_uint_t   n;

    n = 0;
    end = path->data + path->len;

    for (p = path->data; p + 1 < end; p++) {
        if (p[0] == '.' && p[1] == '.'
            && (p == path->data || p[-1] == '/')
            && (p + 2 == end || p[2] == '/'))
        {
            n++;
        }
    }

    return n;
}


static ngx_http_auth_jwt_file_t *
ngx_http_auth_jwt_file_cached(ngx_http_request_t *r, ngx_str_t *path)
{
    ngx_queue_t               *q;
    ngx_http_auth_jwt_file_t  *f;

    if (path->len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_file: the name is empty");
        return NULL;
    }

    if (ngx_http_auth_jwt_files.next == NULL) {
        ngx_queue_init(&ngx_http_auth_jwt_files);
    }

    for (q = ngx_queue_head(&ngx_http_auth_jwt_files);
         q != ngx_queue_sentinel(&ngx_http_auth_jwt_files);
         q = ngx_queue_next(q))
    {
        f = ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue);

        if (f->path.len == path->len
            && ngx_memcmp(f->path.data, path->data, path->len) == 0)
        {
            ngx_queue_remove(&f->queue);
            ngx_queue_insert_head(&ngx_http_auth_jwt_files, &f->queue);

            if (ngx_time() - f->checked >= 1) {
                ngx_http_auth_jwt_file_check(r->connection->log, f);
            }

            return f;
        }
    }

    if (ngx_http_auth_jwt_nfiles == NGX_HTTP_AUTH_JWT_FILES_MAX) {
        /* the least recently used; a request names at most 16, all of
         * them near the head */
        q = ngx_queue_last(&ngx_http_auth_jwt_files);
        ngx_queue_remove(q);
        ngx_http_auth_jwt_file_free(
            ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue));
        ngx_http_auth_jwt_nfiles--;
    }

    f = ngx_alloc(sizeof(ngx_http_auth_jwt_file_t) + path->len + 1,
                  r->connection->log);
    if (f == NULL) {
        return NULL;
    }

    ngx_memzero(f, sizeof(ngx_http_auth_jwt_file_t));

    f->cached = 1;
    f->path.data = (u_char *) (f + 1);
    f->path.len = path->len;
    ngx_memcpy(f->path.data, path->data, path->len);
    f->path.data[path->len] = '\0';

    ngx_queue_insert_head(&ngx_http_auth_jwt_files, &f->queue);
    ngx_http_auth_jwt_nfiles++;

    ngx_http_auth_jwt_file_check(r->connection->log, f);

    return f;
}


static void
ngx_http_auth_jwt_file_check(ngx_log_t *log, ngx_http_auth_jwt_file_t *f)
{
    ngx_fd_t         fd;
    ngx_file_info_t  fi;

    f->checked = ngx_time();

    fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        if (f->mtime != -1) {
            /* once, until the file is back */
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "auth_jwt_key_file: " ngx_open_file_n " \"%V\" "
                          "failed", &f->path);
        }

        f->mtime = -1;
        return;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "auth_jwt_key_file: " ngx_fd_info_n " \"%V\" failed",
                      &f->path);

    } else if (f->mtime != ngx_file_mtime(&fi)
               || f->size != ngx_file_size(&fi)
               || f->uniq != ngx_file_uniq(&fi)
               || f->dev != fi.st_dev)
    {
        ngx_http_auth_jwt_file_load(log, NGX_LOG_ERR, f, fd, &fi);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }
}


/* a new identity: parse the file again; if it cannot be used, keep the
 * last good keys and say why once */

static void
ngx_http_auth_jwt_file_load(ngx_log_t *log, ngx_uint_t level,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi)
{
    u_char                        *text;
    size_t                         len;
    ssize_t                        n;
    jwtgate_rc_t                   rc;
    jwtgate_keyset_t              *set;
    ngx_http_auth_jwt_file_skip_t  skip;

    f->mtime = ngx_file_mtime(fi);
    f->size = ngx_file_size(fi);
    f->uniq = ngx_file_uniq(fi);
    f->dev = fi->st_dev;

    /* a JWKS beyond 1 MiB is not one */
    if (f->size > NGX_HTTP_AUTH_JWT_MAX_JWKS) {
        ngx_log_error(level, log, 0,
                      "auth_jwt_key_file \"%V\": the file is too large",
                      &f->path);
        return;
    }

    len = (size_t) f->size;

    text = ngx_alloc(len + 1, log);
    if (text == NULL) {
        return;
    }

    n = pread(fd, text, len, 0);

    if (n < 0 || (size_t) n != len) {
        ngx_log_error(level, log, ngx_errno,
                      "auth_jwt_key_file \"%V\": reading failed", &f->path);
        ngx_free(text);
        return;
    }

    skip.file = f;
    skip.log = log;
    skip.level = NGX_LOG_WARN;

    rc = jwtgate_keyset_parse((char *) text, len,
                              ngx_http_auth_jwt_file_skip, &skip, &set);
    ngx_free(text);

    if (rc != JWTGATE_OK) {
        ngx_log_error(level, log, 0,
                      "auth_jwt_key_file \"%V\": %s%s", &f->path,
                      ngx_http_auth_jwt_keyset_error(rc),
                      f->set ? ", the last good keys stay" : "");
        return;
    }

    if (f->set != NULL || f->cached) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_jwt_key_file \"%V\": %uz keys loaded", &f->path,
                      jwtgate_keyset_count(set));
    }

    jwtgate_keyset_free(f->set);
    f->set = set;
    f->set_id = ngx_http_auth_jwt_set_id();
}


static void
ngx_http_auth_jwt_file_skip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_file_skip_t  *skip = data;

    ngx_log_error(skip->level, skip->log, 0,
                  "auth_jwt_key_file \"%V\": key #%uz (kid \"%s\") "
                  "skipped: %s", &skip->file->path, index, kid ? kid : "",
                  reason);
}


static void
ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f)
{
    jwtgate_keyset_free(f->set);
    ngx_free(f);
}


static void
ngx_http_auth_jwt_file_cleanup(void *data)
{
    ngx_http_auth_jwt_file_t  *f = data;

    jwtgate_keyset_free(f->set);
    f->set = NULL;
}


void
ngx_http_auth_jwt_keys_exit(void)
{
    ngx_queue_t  *q;

    if (ngx_http_auth_jwt_files.next == NULL) {
        return;
    }

    while (!ngx_queue_empty(&ngx_http_auth_jwt_files)) {
        q = ngx_queue_head(&ngx_http_auth_jwt_files);
        ngx_queue_remove(q);
        ngx_http_auth_jwt_file_free(
            ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue));
    }

    ngx_http_auth_jwt_nfiles = 0;
}
