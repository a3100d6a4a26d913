
/*
 * jwtgate: key files (auth_jwt_key_file).
 *
 * Key files named without variables are read at configuration time; each
 * worker looks at them again at most once a second and parses a file
 * again only when its identity (device, inode, size, modification time)
 * changed.  Files named with variables are read when a request needs them
 * and kept in a small per-worker cache by path, checked the same way.  A
 * changed file that cannot be used keeps the last good keys.  Fetched key
 * sets (auth_jwt_key_request) come from ngx_http_auth_jwt_refresh.c.
 *
 * A name made with variables comes from the request: a client can name
 * any number of files that do not exist.  Such misses are kept apart
 * from the files that gave keys, in their own LRU, and looked at again
 * only after a second, so that they never push good key sets out; what
 * goes wrong with such files is logged at most once a second.
 *
 * A key file is opened non-blocking and must be a regular file: a FIFO
 * would block the worker (or nginx -t) until someone writes to it.
 *
 * Decryption keys (JWTGATE_KEYSET_DECRYPT: private and symmetric keys,
 * for auth_jwt_type encrypted and nested) are kept only for the files a
 * JWE level uses (f->decrypt): a worker holds no private key that
 * nothing decrypts with.  At configuration, before the levels' types are
 * known, every file is parsed for both kinds (a file of decryption keys
 * only is good, and a key of one kind is not said to be skipped by the
 * other's parse); ngx_http_auth_jwt_keys_conf() marks the files of JWE
 * levels (ngx_http_auth_jwt_file_decrypt()), and the others' decryption
 * keys go at postconfiguration (ngx_http_auth_jwt_files_drop()).  When a
 * file changes, or is named with variables, the decryption parse is made
 * only for a file a JWE level uses; a file named with variables becomes
 * one when such a level first names it.  The decryption parse says
 * nothing about the keys it skips (every public key is one) unless a JWE
 * level uses the file.
 */


#include "ngx_http_auth_jwt_file.h"
#include "ngx_http_auth_jwt_keyset.h"


#define NGX_HTTP_AUTH_JWT_FILES_MAX    64      /* cached paths per worker */
#define NGX_HTTP_AUTH_JWT_MISSES_MAX   64      /* paths without keys */
#define NGX_HTTP_AUTH_JWT_MISS_TIME    1000    /* ms, such a path is not
                                                  looked at again */
#define NGX_HTTP_AUTH_JWT_LOG_TIME     1000    /* ms, one line about files
                                                  named with variables */


/* keys numbered below this are told apart: a key the signature parse
 * skips is not said to be skipped when it is a decryption key */
#define NGX_HTTP_AUTH_JWT_DKEYS        256


typedef struct {
    ngx_http_auth_jwt_file_t   *file;
    ngx_log_t                  *log;
    ngx_uint_t                  level;
    u_char                     *dskipped;  /* a bit per key the
                                              decryption parse skipped,
                                              or NULL */
} ngx_http_auth_jwt_file_skip_t;


static ngx_int_t ngx_http_auth_jwt_file_prefix(ngx_http_request_t *r,
    ngx_str_t *path);
static ngx_uint_t ngx_http_auth_jwt_dotdots(ngx_str_t *path);
static ngx_http_auth_jwt_file_t *ngx_http_auth_jwt_file_cached(
    ngx_http_request_t *r, ngx_str_t *path, ngx_uint_t decrypt);
static ngx_http_auth_jwt_file_t *ngx_http_auth_jwt_file_find(
    ngx_queue_t *queue, ngx_str_t *path);
static ngx_uint_t ngx_http_auth_jwt_file_log(ngx_log_t *log,
    ngx_http_auth_jwt_file_t *f);
static void ngx_http_auth_jwt_file_check(ngx_log_t *log,
    ngx_http_auth_jwt_file_t *f);
static void ngx_http_auth_jwt_file_load(ngx_log_t *log, ngx_uint_t level,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi,
    ngx_uint_t dread);
static void ngx_http_auth_jwt_file_dload(ngx_log_t *log,
    ngx_http_auth_jwt_file_t *f, u_char *text, size_t len,
    ngx_file_info_t *fi, u_char *dskipped);
static void ngx_http_auth_jwt_file_skip(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_file_warn(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_file_dskip(void *data, size_t index,
    const char *kid, const char *reason);
static void ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f);
static void ngx_http_auth_jwt_file_cleanup(void *data);


static ngx_queue_t  ngx_http_auth_jwt_files;
static ngx_uint_t   ngx_http_auth_jwt_nfiles;
static ngx_queue_t  ngx_http_auth_jwt_misses;
static ngx_uint_t   ngx_http_auth_jwt_nmisses;
static ngx_msec_t   ngx_http_auth_jwt_logged;
static ngx_uint_t   ngx_http_auth_jwt_unlogged;


ngx_int_t
ngx_http_auth_jwt_keys_files(ngx_http_request_t *r,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    ngx_uint_t decrypt)
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

        if (decrypt) {
            if (f->dset != NULL) {
                ngx_http_auth_jwt_keys_add(list, f->dset, f->issuer,
                                           f->dset_id);
            }

        } else if (f->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, f->set, f->issuer, f->set_id);
        }
    }

    vf = keys->vfiles.elts;

    for (i = 0; i < keys->vfiles.nelts; i++) {

        if (ngx_http_complex_value(r, &vf[i].name, &path) != NGX_OK) {
            return NGX_ERROR;
        }

        /* ccv.zero: the length counts the '\0' at the end; a variable
         * must not cut the name short with one of its own */
        if (path.len == 0 || ngx_strlen(path.data) != path.len - 1) {
            if (ngx_http_auth_jwt_file_log(r->connection->log, NULL)) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "auth_jwt_key_file: a NUL in a name made "
                              "with variables");
            }

            continue;
        }

        path.len--;

        /* the variables must not walk out of the configured directory */
        if (ngx_http_auth_jwt_dotdots(&path)
            > ngx_http_auth_jwt_dotdots(&vf[i].name.value))
        {
            if (ngx_http_auth_jwt_file_log(r->connection->log, NULL)) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "auth_jwt_key_file \"%V\": \"..\" is not "
                              "allowed in a name made with variables", &path);
            }

            continue;
        }

        /* a name that started with a variable: relative to the prefix */
        if (path.len && path.data[0] != '/'
            && ngx_http_auth_jwt_file_prefix(r, &path) != NGX_OK)
        {
            return NGX_ERROR;
        }

        f = ngx_http_auth_jwt_file_cached(r, &path, decrypt);

        if (f == NULL) {
            continue;
        }

        if (decrypt) {
            if (f->dset != NULL) {
                ngx_http_auth_jwt_keys_add(list, f->dset, vf[i].issuer,
                                           f->dset_id);
            }

        } else if (f->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, f->set, vf[i].issuer,
                                       f->set_id);
        }
    }

    return NGX_OK;
}


void
ngx_http_auth_jwt_keys_add(ngx_http_auth_jwt_keylist_t *list,
    const jwtgate_keyset_t *set, const char *issuer, ngx_uint_t id)
{
    list->sets[list->n] = set;
    list->issuers[list->n] = issuer;
    list->ids[list->n] = id;
    list->n++;
    list->algs |= jwtgate_keyset_algs(set);
}


/*
 * auth_jwt_key_file without variables: read and parsed now, once per path
 * and issuer= in the configuration (10,000 locations that name one file
 * share one parse, one set and one check a second per worker)
 */

ngx_int_t
ngx_http_auth_jwt_file_conf(ngx_conf_t *cf, ngx_str_t *path, char *issuer,
    ngx_http_auth_jwt_file_t **file)
{
    ngx_fd_t                        fd;
    ngx_uint_t                      i;
    ngx_file_info_t                 fi;
    ngx_pool_cleanup_t             *cln;
    ngx_http_auth_jwt_file_t       *f, **fp;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    fp = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        f = fp[i];

        if (f != NULL
            && f->path.len == path->len
            && ngx_memcmp(f->path.data, path->data, path->len) == 0
            && ((f->issuer == NULL && issuer == NULL)
                || (f->issuer != NULL && issuer != NULL
                    && ngx_strcmp(f->issuer, issuer) == 0)))
        {
            *file = f;
            return NGX_OK;
        }
    }

    fp = ngx_array_push(&amcf->files);
    if (fp == NULL) {
        return NGX_ERROR;
    }

    *fp = NULL;

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

    fd = ngx_open_file(path->data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", path);

    } else if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "auth_jwt_key_file \"%V\" is not a regular file",
                           path);

    } else {
        /* both kinds: the levels' types are not known yet */
        ngx_http_auth_jwt_file_load(cf->log, NGX_LOG_EMERG, f, fd, &fi, 1);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", path);
    }

    if (f->set == NULL && f->dset == NULL) {
        /* ngx_http_auth_jwt_file_load() said why */
        return NGX_ERROR;
    }

    f->checked = ngx_time();
    *fp = f;
    *file = f;

    return NGX_OK;
}


/* a relative name, made absolute with the configuration prefix as
 * nginx does with the names it reads at configuration time */

static ngx_int_t
ngx_http_auth_jwt_file_prefix(ngx_http_request_t *r, ngx_str_t *path)
{
    u_char     *p;
    ngx_str_t  *prefix;

    prefix = (ngx_str_t *) &ngx_cycle->conf_prefix;

    p = ngx_pnalloc(r->pool, prefix->len + path->len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(p, prefix->data, prefix->len), path->data,
               path->len);

    path->data = p;
    path->len += prefix->len;
    path->data[path->len] = '\0';

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


/*
 * A file named with variables: from the cache of files that gave keys
 * (looked at again once a second), or from the misses (looked at again
 * after NGX_HTTP_AUTH_JWT_MISS_TIME), or read now.  NULL: no keys.
 * decrypt: a JWE level names it; the first time, the file is read again
 * for its decryption keys, which it did not keep before.
 */

static ngx_http_auth_jwt_file_t *
ngx_http_auth_jwt_file_cached(ngx_http_request_t *r, ngx_str_t *path,
    ngx_uint_t decrypt)
{
    ngx_queue_t               *q;
    ngx_http_auth_jwt_file_t  *f;

    if (path->len == 0) {
        if (ngx_http_auth_jwt_file_log(r->connection->log, NULL)) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_file: the name is empty");
        }

        return NULL;
    }

    if (ngx_http_auth_jwt_files.next == NULL) {
        ngx_queue_init(&ngx_http_auth_jwt_files);
        ngx_queue_init(&ngx_http_auth_jwt_misses);
    }

    f = ngx_http_auth_jwt_file_find(&ngx_http_auth_jwt_files, path);

    if (f != NULL) {
        if (decrypt && !f->decrypt) {
            f->decrypt = 1;
            f->size = -1;    /* read again, whatever its identity */
            ngx_http_auth_jwt_file_check(r->connection->log, f);

        } else if (ngx_time() - f->checked >= 1) {
            ngx_http_auth_jwt_file_check(r->connection->log, f);
        }

        /* a file that gave keys keeps them */
        return f;
    }

    f = ngx_http_auth_jwt_file_find(&ngx_http_auth_jwt_misses, path);

    if (f != NULL) {
        if (decrypt && !f->decrypt) {
            /* no keys for a signed level: it may hold decryption keys */
            f->decrypt = 1;
            f->size = -1;

        } else if (ngx_current_msec - f->missed
                   < NGX_HTTP_AUTH_JWT_MISS_TIME)
        {
            return NULL;
        }

    } else {
        if (ngx_http_auth_jwt_nmisses == NGX_HTTP_AUTH_JWT_MISSES_MAX) {
            q = ngx_queue_last(&ngx_http_auth_jwt_misses);
            ngx_queue_remove(q);
            ngx_http_auth_jwt_file_free(
                ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue));
            ngx_http_auth_jwt_nmisses--;
        }

        f = ngx_alloc(sizeof(ngx_http_auth_jwt_file_t) + path->len + 1,
                      r->connection->log);
        if (f == NULL) {
            return NULL;
        }

        ngx_memzero(f, sizeof(ngx_http_auth_jwt_file_t));

        f->cached = 1;
        f->decrypt = decrypt ? 1 : 0;
        f->path.data = (u_char *) (f + 1);
        f->path.len = path->len;
        ngx_memcpy(f->path.data, path->data, path->len);
        f->path.data[path->len] = '\0';

        ngx_queue_insert_head(&ngx_http_auth_jwt_misses, &f->queue);
        ngx_http_auth_jwt_nmisses++;
    }

    ngx_http_auth_jwt_file_check(r->connection->log, f);

    if (f->set == NULL && f->dset == NULL) {
        f->missed = ngx_current_msec;
        return NULL;
    }

    /* keys at last: from the misses to the files, the least recently
     * used of which may have to go */

    ngx_queue_remove(&f->queue);
    ngx_http_auth_jwt_nmisses--;

    if (ngx_http_auth_jwt_nfiles == NGX_HTTP_AUTH_JWT_FILES_MAX) {
        /* the least recently used; a request names at most 16, all of
         * them near the head */
        q = ngx_queue_last(&ngx_http_auth_jwt_files);
        ngx_queue_remove(q);
        ngx_http_auth_jwt_file_free(
            ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue));
        ngx_http_auth_jwt_nfiles--;
    }

    ngx_queue_insert_head(&ngx_http_auth_jwt_files, &f->queue);
    ngx_http_auth_jwt_nfiles++;

    return f;
}


/* the entry of a path, made the most recently used */

static ngx_http_auth_jwt_file_t *
ngx_http_auth_jwt_file_find(ngx_queue_t *queue, ngx_str_t *path)
{
    ngx_queue_t               *q;
    ngx_http_auth_jwt_file_t  *f;

    for (q = ngx_queue_head(queue);
         q != ngx_queue_sentinel(queue);
         q = ngx_queue_next(q))
    {
        f = ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue);

        if (f->path.len == path->len
            && ngx_memcmp(f->path.data, path->data, path->len) == 0)
        {
            ngx_queue_remove(&f->queue);
            ngx_queue_insert_head(queue, &f->queue);
            return f;
        }
    }

    return NULL;
}


/*
 * May a line about file f be logged now?  Always for files named without
 * variables (the configuration's); for names made from request data (f is
 * NULL or cached), one line a second per worker, and the next line says
 * how many were left out.
 */

static ngx_uint_t
ngx_http_auth_jwt_file_log(ngx_log_t *log, ngx_http_auth_jwt_file_t *f)
{
    if (f != NULL && !f->cached) {
        return 1;
    }

    if (ngx_http_auth_jwt_logged != 0
        && ngx_current_msec - ngx_http_auth_jwt_logged
           < NGX_HTTP_AUTH_JWT_LOG_TIME)
    {
        ngx_http_auth_jwt_unlogged++;
        return 0;
    }

    if (ngx_http_auth_jwt_unlogged) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "auth_jwt_key_file: %ui more lines about files named "
                      "with variables were not logged",
                      ngx_http_auth_jwt_unlogged);
        ngx_http_auth_jwt_unlogged = 0;
    }

    /* 0 is "never logged" */
    ngx_http_auth_jwt_logged = ngx_current_msec ? ngx_current_msec : 1;

    return 1;
}


static void
ngx_http_auth_jwt_file_check(ngx_log_t *log, ngx_http_auth_jwt_file_t *f)
{
    ngx_fd_t         fd;
    ngx_err_t        err;
    ngx_file_info_t  fi;

    f->checked = ngx_time();

    /* non-blocking: opening a FIFO must not wait for a writer */
    fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        /* once, until the file is back */
        if (f->mtime != -1 && ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "auth_jwt_key_file: " ngx_open_file_n " \"%V\" "
                          "failed", &f->path);
        }

        f->mtime = -1;
        return;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        err = ngx_errno;

        if (ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(NGX_LOG_ERR, log, err,
                          "auth_jwt_key_file: " ngx_fd_info_n " \"%V\" "
                          "failed", &f->path);
        }

    } else if (!ngx_is_file(&fi)) {
        /* a FIFO, a device, a directory: never read; once, until it is
         * a file again */
        if (!f->unusable && ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(NGX_LOG_ERR, log, 0,
                          "auth_jwt_key_file \"%V\" is not a regular file%s",
                          &f->path,
                          (f->set || f->dset) ? ", the last good keys stay"
                                              : "");
        }

        f->unusable = 1;

    } else {
        f->unusable = 0;

        if (f->mtime != ngx_file_mtime(&fi)
            || f->size != ngx_file_size(&fi)
            || f->uniq != ngx_file_uniq(&fi)
            || f->dev != fi.st_dev)
        {
            ngx_http_auth_jwt_file_load(log, NGX_LOG_ERR, f, fd, &fi,
                                        f->decrypt);
        }
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }
}


/* a new identity: parse the file again; if it cannot be used, keep the
 * last good keys and say why once.  dread: for decryption keys too (a
 * JWE level uses the file, or its levels' types are not known yet) */

static void
ngx_http_auth_jwt_file_load(ngx_log_t *log, ngx_uint_t level,
    ngx_http_auth_jwt_file_t *f, ngx_fd_t fd, ngx_file_info_t *fi,
    ngx_uint_t dread)
{
    u_char                        *text;
    size_t                         len;
    ssize_t                        n;
    ngx_err_t                      err;
    jwtgate_rc_t                   rc;
    jwtgate_keyset_t              *set;
    ngx_http_auth_jwt_file_skip_t  skip;
    u_char                         dskipped[NGX_HTTP_AUTH_JWT_DKEYS / 8];

    f->mtime = ngx_file_mtime(fi);
    f->size = ngx_file_size(fi);
    f->uniq = ngx_file_uniq(fi);
    f->dev = fi->st_dev;

    /* a JWKS beyond 1 MiB is not one */
    if (f->size > NGX_HTTP_AUTH_JWT_MAX_JWKS) {
        if (ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(level, log, 0,
                          "auth_jwt_key_file \"%V\": the file is too large",
                          &f->path);
        }

        return;
    }

    len = (size_t) f->size;

    text = ngx_alloc(len + 1, log);
    if (text == NULL) {
        return;
    }

    n = pread(fd, text, len, 0);

    if (n < 0 || (size_t) n != len) {
        err = (n < 0) ? ngx_errno : 0;

        if (ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(level, log, err,
                          "auth_jwt_key_file \"%V\": reading failed",
                          &f->path);
        }

        /* it may hold private keys: wiped before it goes */
        ngx_explicit_memzero(text, len);
        ngx_free(text);
        return;
    }

    skip.file = f;
    skip.log = log;
    skip.level = NGX_LOG_WARN;

    ngx_memzero(dskipped, sizeof(dskipped));

    if (dread) {
        ngx_http_auth_jwt_file_dload(log, f, text, len, fi, dskipped);
    }

    /* without the decryption parse, a decryption key is one the
     * signature parse skips, said as any other: nothing decrypts with
     * it here */
    skip.dskipped = f->dset ? dskipped : NULL;

    rc = jwtgate_keyset_parse((char *) text, len,
                              ngx_http_auth_jwt_file_skip, &skip, &set);

    ngx_explicit_memzero(text, len);
    ngx_free(text);

    if (rc == JWTGATE_ERR_NO_KEYS && f->dset != NULL) {
        /* decryption keys only: no signature key, and none expected */
        jwtgate_keyset_free(f->set);
        f->set = NULL;
        return;
    }

    if (rc != JWTGATE_OK) {
        if (ngx_http_auth_jwt_file_log(log, f)) {
            ngx_log_error(level, log, 0,
                          "auth_jwt_key_file \"%V\": %s%s", &f->path,
                          ngx_http_auth_jwt_keyset_error(rc),
                          (f->set || f->dset) ? ", the last good keys stay"
                                              : "");
        }

        return;
    }

    /* loaded, but looks like a mistake: the pasted secret */
    (void) jwtgate_keyset_warnings(set, ngx_http_auth_jwt_file_warn, &skip);

    if (f->set != NULL || f->cached) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "auth_jwt_key_file \"%V\": %uz keys loaded", &f->path,
                      jwtgate_keyset_count(set));
    }

    jwtgate_keyset_free(f->set);
    f->set = set;
    f->set_id = ngx_http_auth_jwt_set_id();
}


/*
 * The file's decryption keys.  Once a JWE location uses the file: the
 * keys skipped are said, and a file that gave private or symmetric keys
 * and that others may read is warned about.
 */

static void
ngx_http_auth_jwt_file_dload(ngx_log_t *log, ngx_http_auth_jwt_file_t *f,
    u_char *text, size_t len, ngx_file_info_t *fi, u_char *dskipped)
{
    ngx_uint_t                     said;
    jwtgate_rc_t                   rc;
    jwtgate_keyset_t              *set;
    ngx_http_auth_jwt_file_skip_t  skip;

    /* said for the configuration's files; a file named with variables
     * is read for decryption keys once a JWE level names it, silently */
    said = f->decrypt && !f->cached;

    skip.file = f;
    skip.log = log;
    skip.level = said ? NGX_LOG_INFO : 0;
    skip.dskipped = dskipped;

    rc = jwtgate_keyset_parse_flags((char *) text, len,
                                    JWTGATE_KEYSET_DECRYPT,
                                    ngx_http_auth_jwt_file_dskip, &skip,
                                    &set);

    if (rc == JWTGATE_ERR_NO_KEYS) {
        /* a changed file without decryption keys has none: a key taken
         * out of it must no longer decrypt */
        if (said && f->dset != NULL) {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "auth_jwt_key_file \"%V\" holds no decryption key "
                          "any more: its old ones no longer decrypt", &f->path);
        }

        jwtgate_keyset_free(f->dset);
        f->dset = NULL;
        return;
    }

    if (rc != JWTGATE_OK) {
        /* not a key set at all (half written, not JSON, too large): the
         * last good decryption keys stay, as the signature keys do (the
         * signature parse of the same text says what is wrong) */
        return;
    }

    if (said && (fi->st_mode & S_IROTH)) {
        ngx_log_error(NGX_LOG_WARN, log, 0,
                      "auth_jwt_key_file \"%V\" holds decryption keys "
                      "(private or symmetric) and is readable by others",
                      &f->path);
    }

    jwtgate_keyset_free(f->dset);
    f->dset = set;
    f->dset_id = ngx_http_auth_jwt_set_id();
}


/* a JWE location uses the file: its decryption keys read again, saying
 * what is wrong with them; NGX_ERROR when it holds none */

ngx_int_t
ngx_http_auth_jwt_file_decrypt(ngx_conf_t *cf, ngx_http_auth_jwt_file_t *f)
{
    u_char           *text;
    ssize_t           n;
    ngx_fd_t          fd;
    ngx_file_info_t   fi;

    if (f->decrypt) {
        return f->dset ? NGX_OK : NGX_ERROR;
    }

    f->decrypt = 1;

    fd = ngx_open_file(f->path.data, NGX_FILE_RDONLY|NGX_FILE_NONBLOCK,
                       NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", &f->path);
        return NGX_ERROR;
    }

    text = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || !ngx_is_file(&fi)
        || ngx_file_size(&fi) > NGX_HTTP_AUTH_JWT_MAX_JWKS)
    {
        goto done;
    }

    text = ngx_alloc((size_t) ngx_file_size(&fi) + 1, cf->log);
    if (text == NULL) {
        goto done;
    }

    n = pread(fd, text, (size_t) ngx_file_size(&fi), 0);

    if (n == (ssize_t) ngx_file_size(&fi)) {
        ngx_http_auth_jwt_file_dload(cf->log, f, text, (size_t) n, &fi,
                                     NULL);
    }

done:

    if (text != NULL) {
        ngx_explicit_memzero(text, (size_t) ngx_file_size(&fi));
        ngx_free(text);
    }

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, cf->log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed", &f->path);
    }

    return f->dset ? NGX_OK : NGX_ERROR;
}


/* postconfiguration: the decryption keys of the files no JWE level
 * uses go (read with the others before the levels' types were known) */

void
ngx_http_auth_jwt_files_drop(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_auth_jwt_file_t      **fp, *f;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    fp = amcf->files.elts;

    for (i = 0; i < amcf->files.nelts; i++) {
        f = fp[i];

        if (f == NULL || f->decrypt || f->dset == NULL) {
            continue;
        }

        /* notice: info is below the level of the log nginx has until
         * the configuration's error_log is opened */
        ngx_log_error(NGX_LOG_NOTICE, cf->log, 0,
                      "auth_jwt_key_file \"%V\": its decryption keys are "
                      "not kept (no \"auth_jwt_type encrypted\" or "
                      "\"nested\" level uses the file)", &f->path);

        jwtgate_keyset_free(f->dset);
        f->dset = NULL;
    }
}


static void
ngx_http_auth_jwt_file_dskip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_file_skip_t  *skip = data;

    if (skip->dskipped != NULL && index < NGX_HTTP_AUTH_JWT_DKEYS) {
        skip->dskipped[index / 8] |= (u_char) (1 << (index % 8));
    }

    if (skip->level == 0) {
        return;
    }

    ngx_log_error(skip->level, skip->log, 0,
                  "auth_jwt_key_file \"%V\": key #%uz (kid \"%s\") is "
                  "no decryption key: %s", &skip->file->path, index + 1,
                  kid ? kid : "", reason);
}


static void
ngx_http_auth_jwt_file_skip(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_file_skip_t  *skip = data;

    if (skip->dskipped != NULL && index < NGX_HTTP_AUTH_JWT_DKEYS
        && !(skip->dskipped[index / 8] & (1 << (index % 8))))
    {
        /* a decryption key, no signature key: nothing wrong with it */
        return;
    }

    ngx_log_error(skip->level, skip->log, 0,
                  "auth_jwt_key_file \"%V\": key #%uz (kid \"%s\") "
                  "skipped: %s", &skip->file->path, index + 1,
                  kid ? kid : "", reason);
}


static void
ngx_http_auth_jwt_file_warn(void *data, size_t index, const char *kid,
    const char *reason)
{
    ngx_http_auth_jwt_file_skip_t  *skip = data;

    ngx_log_error(NGX_LOG_WARN, skip->log, 0,
                  "auth_jwt_key_file \"%V\": key #%uz (kid \"%s\"): %s",
                  &skip->file->path, index + 1, kid ? kid : "", reason);
}


static void
ngx_http_auth_jwt_file_free(ngx_http_auth_jwt_file_t *f)
{
    jwtgate_keyset_free(f->dset);
    jwtgate_keyset_free(f->set);
    ngx_free(f);
}


static void
ngx_http_auth_jwt_file_cleanup(void *data)
{
    ngx_http_auth_jwt_file_t  *f = data;

    jwtgate_keyset_free(f->set);
    f->set = NULL;
    jwtgate_keyset_free(f->dset);
    f->dset = NULL;
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

    while (!ngx_queue_empty(&ngx_http_auth_jwt_misses)) {
        q = ngx_queue_head(&ngx_http_auth_jwt_misses);
        ngx_queue_remove(q);
        ngx_http_auth_jwt_file_free(
            ngx_queue_data(q, ngx_http_auth_jwt_file_t, queue));
    }

    ngx_http_auth_jwt_nfiles = 0;
    ngx_http_auth_jwt_nmisses = 0;
}
