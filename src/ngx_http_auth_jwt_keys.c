
/*
 * jwtgate: the key sets of a request.  Files read at configuration time
 * are used as they are; a file whose name holds variables is read when a
 * request needs it and kept in a small per-worker cache by path and file
 * identity (device, inode, size, modification time), looked at again at
 * most once a second: no request parses a key set that has not changed.
 */


#include "ngx_http_auth_jwt.h"


#define NGX_HTTP_AUTH_JWT_FILES_MAX    64      /* cached paths per worker */
#define NGX_HTTP_AUTH_JWT_FILE_MAX     (1024 * 1024)


typedef struct {
    ngx_queue_t                 queue;      /* most recently used first */
    ngx_str_t                   path;       /* NUL-terminated, malloc()ed */
    jwtgate_keyset_t           *set;        /* NULL: unusable, see err */
    ngx_file_uniq_t             uniq;
    dev_t                       dev;
    off_t                       size;
    time_t                      mtime;
    time_t                      checked;
} ngx_http_auth_jwt_file_t;


static ngx_http_auth_jwt_file_t *ngx_http_auth_jwt_file_get(
    ngx_http_request_t *r, ngx_str_t *path);
static void ngx_http_auth_jwt_file_load(ngx_http_request_t *r,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi);
static void ngx_http_auth_jwt_file_skip(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f);
static ngx_uint_t ngx_http_auth_jwt_dotdots(ngx_str_t *path);


static ngx_queue_t  ngx_http_auth_jwt_files;
static ngx_uint_t   ngx_http_auth_jwt_nfiles;


ngx_int_t
ngx_http_auth_jwt_keys_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_keys_t *keys, const jwtgate_keyset_t ***sets,
    ngx_uint_t *n, unsigned *algs)
{
    ngx_str_t                   path;
    ngx_uint_t                  i;
    const jwtgate_keyset_t    **all;
    ngx_http_complex_value_t   *cv;
    ngx_http_auth_jwt_file_t   *f;

    if (keys->files.nelts == 0) {
        *sets = keys->sets.elts;
        *n = keys->sets.nelts;
        *algs = keys->algs;
        return NGX_OK;
    }

    all = ngx_palloc(r->pool, (keys->sets.nelts + keys->files.nelts)
                              * sizeof(jwtgate_keyset_t *));
    if (all == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(all, keys->sets.elts,
               keys->sets.nelts * sizeof(jwtgate_keyset_t *));

    *n = keys->sets.nelts;
    *algs = keys->algs;

    cv = keys->files.elts;

    for (i = 0; i < keys->files.nelts; i++) {

        if (ngx_http_complex_value(r, &cv[i], &path) != NGX_OK) {
            return NGX_ERROR;
        }

        /* ccv.zero: path.data[path.len] is '\0' */
        path.len = ngx_strlen(path.data);

        if (path.len == 0) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_file: the name is empty");
            continue;
        }

        /* the variables must not walk out of the configured directory */
        if (ngx_http_auth_jwt_dotdots(&path)
            > ngx_http_auth_jwt_dotdots(&cv[i].value))
        {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_file \"%V\": \"..\" is not allowed "
                          "in a name made with variables", &path);
            continue;
        }

        f = ngx_http_auth_jwt_file_get(r, &path);

        if (f != NULL && f->set != NULL) {
            all[(*n)++] = f->set;
            *algs |= jwtgate_keyset_algs(f->set);
        }
    }

    *sets = all;

    return NGX_OK;
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
ngx_http_auth_jwt_file_get(ngx_http_request_t *r, ngx_str_t *path)
{
    time_t                     now;
    ngx_fd_t                   fd;
    ngx_queue_t               *q;
    ngx_file_info_t            fi;
    ngx_http_auth_jwt_file_t  *f;

    if (ngx_http_auth_jwt_files.next == NULL) {
        ngx_queue_init(&ngx_http_auth_jwt_files);
    }

    now = ngx_time();
    f = NULL;

    for (q = ngx_queue_head(&ngx_http_auth_jwt_files);
         q != ngx_queue_sentinel(&ngx_http_auth_jwt_files);
         q = ngx_queue_next(q))
    {
        f = ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue);

        if (f->path.len == path->len
            && ngx_memcmp(f->path.data, path->data, path->len) == 0)
        {
            break;
        }

        f = NULL;
    }

    if (f != NULL) {
        ngx_queue_remove(&f->queue);
        ngx_queue_insert_head(&ngx_http_auth_jwt_files, &f->queue);

        if (now - f->checked < 1) {
            return f;
        }

    } else {
        if (ngx_http_auth_jwt_nfiles == NGX_HTTP_AUTH_JWT_FILES_MAX) {
            /* the least recently used; a request names a few at most,
             * all of them near the head */
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

        f->path.data = (u_char *) (f + 1);
        f->path.len = path->len;
        ngx_memcpy(f->path.data, path->data, path->len + 1);

        ngx_queue_insert_head(&ngx_http_auth_jwt_files, &f->queue);
        ngx_http_auth_jwt_nfiles++;
    }

    f->checked = now;

    fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        if (f->set != NULL || f->mtime != -1) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                          "auth_jwt_key_file: " ngx_open_file_n " \"%V\" "
                          "failed", &f->path);
        }

        jwtgate_keyset_free(f->set);
        f->set = NULL;
        f->mtime = -1;
        return f;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "auth_jwt_key_file: " ngx_fd_info_n " \"%V\" failed",
                      &f->path);

    } else if (f->mtime != ngx_file_mtime(&fi)
               || f->size != ngx_file_size(&fi)
               || f->uniq != ngx_file_uniq(&fi)
               || f->dev != fi.st_dev)
    {
        ngx_http_auth_jwt_file_load(r, f, fd, &fi);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }

    return f;
}


static void
ngx_http_auth_jwt_file_load(ngx_http_request_t *r,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi)
{
    u_char            *text;
    size_t             len;
    ssize_t            n;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;

    jwtgate_keyset_free(f->set);
    f->set = NULL;

    f->mtime = ngx_file_mtime(fi);
    f->size = ngx_file_size(fi);
    f->uniq = ngx_file_uniq(fi);
    f->dev = fi->st_dev;

    if (f->size > NGX_HTTP_AUTH_JWT_FILE_MAX) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_file \"%V\" is too large", &f->path);
        return;
    }

    len = (size_t) f->size;

    text = ngx_alloc(len + 1, r->connection->log);
    if (text == NULL) {
        return;
    }

    n = pread(fd, text, len, 0);

    if (n < 0 || (size_t) n != len) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "auth_jwt_key_file: reading \"%V\" failed", &f->path);
        ngx_free(text);
        return;
    }

    rc = jwtgate_keyset_parse((char *) text, len,
                              ngx_http_auth_jwt_file_skip, r, &set);
    ngx_free(text);

    if (rc != JWTGATE_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_file \"%V\": %s", &f->path,
                      rc == JWTGATE_ERR_NO_KEYS
                      ? "no usable key in the key set"
                      : rc == JWTGATE_ERR_INTERNAL
                        ? "out of memory"
                        : "not a JWKS or JWK (JSON)");
        return;
    }

    f->set = set;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "auth_jwt_key_file \"%V\": %uz keys loaded", &f->path,
                  jwtgate_keyset_count(set));
}


static void
ngx_http_auth_jwt_file_skip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_request_t  *r = data;

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "auth_jwt_key_file: key #%uz (kid \"%s\") skipped: %s",
                  index, kid ? kid : "", reason);
}


static void
ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f)
{
    jwtgate_keyset_free(f->set);
    ngx_free(f);
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
