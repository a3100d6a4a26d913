
/*
 * jwtgate: keys fetched from the issuer (auth_jwt_key_request).
 *
 * The shared memory zone "auth_jwt_keys" holds, per source, the last good
 * JWKS text, its generation, the fetch times, the last error and counters.
 * Each worker parses a generation once and keeps the keys until the
 * generation changes.
 *
 * A source is an auth_jwt_key_request in one server{}, known in the zone
 * by its uri, its issuer= and the identity of its server{}
 * (ngx_http_auth_jwt_source.c).
 *
 * One fetch at a time per source for the whole server: the zone holds a
 * lock with an owner and a deadline.  With keys at hand, a stale set is
 * refreshed by a background subrequest and no request waits; without
 * keys (a cold start, an unknown kid), the request waits for the fetch,
 * its own or, polling, one that another request or worker started.
 *
 * A request's side of it, the set of a source and the fetch it starts,
 * is ngx_http_auth_jwt_refresh.c; lock-free reads of a revocation list
 * are ngx_http_auth_jwt_hazard.c.
 *
 * A configuration that took the zone over (a reload) frees, once its
 * workers run, the entries none of its sources names, and says so to the
 * workers of the old one through the zone's epoch: a worker finds its
 * entry again by name when the epoch changed.
 */


#include "ngx_http_auth_jwt_store.h"
#include "ngx_http_auth_jwt_hazard.h"
#include "ngx_http_auth_jwt_source.h"
#include "ngx_http_auth_jwt_source_conf.h"


#define NGX_HTTP_AUTH_JWT_ZONE_SIZE      (1024 * 1024)


static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_lookup(
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_member(
    ngx_http_auth_jwt_source_t *src, ngx_slab_pool_t *shpool);
static void ngx_http_auth_jwt_store_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, ngx_http_auth_jwt_shsrc_t *sh);
static ngx_http_auth_jwt_shsrc_t *ngx_http_auth_jwt_store_unused(
    ngx_http_auth_jwt_shsrc_t *fam, ngx_http_auth_jwt_shsrc_t *keep,
    ngx_msec_t now);
static ngx_int_t ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_str_t  ngx_http_auth_jwt_zone_name = ngx_string("auth_jwt_keys");


/* auth_jwt_key_zone size */

char *
ngx_http_auth_jwt_key_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_main_conf_t *amcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (amcf->zone_size != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid size \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize) || size < 32768) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small: at least 32k",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    /* a list's place in a reader's slot: 32 bits of 8-byte units */
    if ((uint64_t) size > ((uint64_t) 32 << 30)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too large: at most 32768m",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    amcf->zone_size = size;

    return NGX_CONF_OK;
}


/* postconfiguration: the zone, whatever the configuration */

ngx_int_t
ngx_http_auth_jwt_store_init(ngx_conf_t *cf)
{
    ngx_uint_t                      i;
    ngx_http_auth_jwt_source_t    **sp;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    if (amcf->zone_size == NGX_CONF_UNSET) {
        amcf->zone_size = NGX_HTTP_AUTH_JWT_ZONE_SIZE;
    }

    /* auth_jwt_token_cache: on, 8m per worker (some 5,000 RS256 tokens),
     * entries at most 5m old */
    if (amcf->cache_size == NGX_CONF_UNSET) {
        amcf->cache_size = 8 * 1024 * 1024;
    }

    if (amcf->cache_max_age == NGX_CONF_UNSET) {
        amcf->cache_max_age = 300;
    }

    amcf->zone = ngx_shared_memory_add(cf, &ngx_http_auth_jwt_zone_name,
                                       amcf->zone_size,
                                       &ngx_http_auth_jwt_module);
    if (amcf->zone == NULL) {
        return NGX_ERROR;
    }

    amcf->zone->init = ngx_http_auth_jwt_init_zone;

    /* the configuration, for ngx_http_auth_jwt_init_zone() */
    amcf->zone->data = amcf;

    sp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        sp[i]->zone = amcf->zone;
    }

    if (ngx_http_auth_jwt_source_keys(cf, amcf) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_auth_jwt_shctx_t  *octx = data;

    ngx_slab_pool_t                *shpool;
    ngx_http_auth_jwt_shctx_t      *sh;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx) {
        /*
         * a reload: the keys stay; those of sources gone go when this
         * configuration's workers run (ngx_http_auth_jwt_store_takeover),
         * unless another configuration came since
         */
        shm_zone->data = octx;

        ngx_shmtx_lock(&shpool->mutex);
        amcf->config = ++octx->config;
        ngx_shmtx_unlock(&shpool->mutex);

        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_auth_jwt_shctx_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&sh->sources);

    sh->config = 1;
    amcf->config = 1;

    shpool->data = sh;
    shm_zone->data = sh;

    shpool->log_ctx = (u_char *) " in auth_jwt_keys zone";
    shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * The workers of the configuration that took the zone over last (the
 * reload succeeded) free the entries none of its sources names; the
 * epoch tells the workers of the old configuration, still running, to
 * find theirs again by name.  Called by every new worker: the first one
 * frees, the others find nothing to free.
 */

void
ngx_http_auth_jwt_store_takeover(ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_uint_t                    i, freed;
    ngx_queue_t                  *q, *next;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shctx_t    *shctx;
    ngx_http_auth_jwt_shsrc_t    *sh;
    ngx_http_auth_jwt_source_t  **sp;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    shctx = amcf->zone->data;
    sp = amcf->sources.elts;
    freed = 0;

    /* a process that died while it read a list left its slot set */
    if (ngx_process_slot >= 0 && ngx_process_slot < NGX_MAX_PROCESSES) {
        shctx->readers[ngx_process_slot] = 0;
    }

    ngx_shmtx_lock(&shpool->mutex);

    if (shctx->config != amcf->config) {
        /* a newer configuration took the zone over: it decides */
        ngx_shmtx_unlock(&shpool->mutex);
        return;
    }

    for (q = ngx_queue_head(&shctx->sources);
         q != ngx_queue_sentinel(&shctx->sources);
         q = next)
    {
        next = ngx_queue_next(q);
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        for (i = 0; i < amcf->sources.nelts; i++) {
            if (sh->key_len == sp[i]->key.len
                && ngx_memcmp(sh->key, sp[i]->key.data, sh->key_len) == 0)
            {
                break;
            }
        }

        if (i < amcf->sources.nelts) {
            continue;
        }

        /* a family's members go with it */
        while (sh->nmembers) {
            ngx_http_auth_jwt_store_free(shpool, shctx,
                ngx_queue_data(ngx_queue_last(&sh->members),
                               ngx_http_auth_jwt_shsrc_t, queue));
            sh->nmembers--;
            freed++;
        }

        ngx_http_auth_jwt_store_free(shpool, shctx, sh);
        freed++;
    }

    if (freed) {
        shctx->epoch++;
        shctx->freed += freed;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (freed) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "auth_jwt_keys zone: %ui key set%s that no "
                      "auth_jwt_key_request names any more freed",
                      freed, freed == 1 ? "" : "s");
    }
}


/* the login companion saw a kid these keys lack: fetch them soon */

void
ngx_http_auth_jwt_store_stale(ngx_http_auth_jwt_source_t *src)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shsrc_t  *sh;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL) {
        sh->fetched = 0;
        sh->fetched_ms = 0;
        sh->kid_refresh = 0;
        sh->next_try = 0;
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * The source's entry in the zone, the mutex held: the one this worker
 * found before, unless a configuration freed entries since (then found
 * again by name, or made).  NULL: the zone is full.
 */

ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_entry(ngx_http_auth_jwt_source_t *src)
{
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    shctx = src->zone->data;

    src->busy = 0;

    if (src->sh != NULL && src->epoch == shctx->epoch) {

        if (src->family != NULL) {
            /* the most recently used of its family */
            fam = ngx_http_auth_jwt_store_entry(src->family);

            if (fam != NULL && src->epoch == shctx->epoch) {
                ngx_queue_remove(&src->sh->queue);
                ngx_queue_insert_head(&fam->members, &src->sh->queue);
                src->sh->used = ngx_http_auth_jwt_wall_msec();
                return src->sh;
            }

        } else {
            return src->sh;
        }
    }

    src->sh = NULL;

    sh = src->family
         ? ngx_http_auth_jwt_store_member(src,
                                  (ngx_slab_pool_t *) src->zone->shm.addr)
         : ngx_http_auth_jwt_store_lookup(src,
                                  (ngx_slab_pool_t *) src->zone->shm.addr);
    if (sh == NULL) {
        return NULL;
    }

    if (sh->id != src->sh_id) {
        /* not the entry this worker parsed a text of */
        src->sh_id = sh->id;
        src->generation = 0;
    }

    src->sh = sh;
    src->epoch = shctx->epoch;

    return sh;
}


static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_lookup(ngx_http_auth_jwt_source_t *src,
    ngx_slab_pool_t *shpool)
{
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh;

    shctx = src->zone->data;

    for (q = ngx_queue_head(&shctx->sources);
         q != ngx_queue_sentinel(&shctx->sources);
         q = ngx_queue_next(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (sh->key_len == src->key.len
            && ngx_memcmp(sh->key, src->key.data, src->key.len) == 0)
        {
            return sh;
        }
    }

    sh = ngx_slab_calloc_locked(shpool, sizeof(ngx_http_auth_jwt_shsrc_t)
                                        + src->key.len);
    if (sh == NULL) {
        return NULL;
    }

    sh->id = ++shctx->last_id;
    sh->key_len = src->key.len;
    ngx_memcpy(sh->key, src->key.data, src->key.len);
    ngx_queue_init(&sh->members);

    ngx_queue_insert_tail(&shctx->sources, &sh->queue);
    shctx->entries++;

    return sh;
}


/*
 * A member's entry, among its family's (the mutex held), made if need
 * be: the family's least recently used entries out when it has max.
 * An entry out tells every worker to find its entries again (the epoch).
 */

static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_member(ngx_http_auth_jwt_source_t *src,
    ngx_slab_pool_t *shpool)
{
    ngx_msec_t                  now;
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    shctx = src->zone->data;
    now = ngx_http_auth_jwt_wall_msec();

    fam = ngx_http_auth_jwt_store_entry(src->family);
    if (fam == NULL) {
        return NULL;
    }

    for (q = ngx_queue_head(&fam->members);
         q != ngx_queue_sentinel(&fam->members);
         q = ngx_queue_next(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (sh->key_len == src->key.len
            && ngx_memcmp(sh->key, src->key.data, src->key.len) == 0)
        {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&fam->members, q);
            sh->used = now;
            return sh;
        }
    }

    while (fam->nmembers >= src->family->max) {
        sh = ngx_http_auth_jwt_store_unused(fam, NULL, now);

        if (sh == NULL) {
            /* all used in the last second (any worker), or fetching:
             * the new one waits; at most max new entries a second, one
             * fetch at a time per uri */
            src->busy = 1;
            return NULL;
        }

        ngx_http_auth_jwt_store_free(shpool, shctx, sh);
        fam->nmembers--;
        shctx->epoch++;
    }

    sh = ngx_slab_calloc_locked(shpool, sizeof(ngx_http_auth_jwt_shsrc_t)
                                        + src->key.len);
    if (sh == NULL) {
        return NULL;
    }

    sh->id = ++shctx->last_id;
    sh->used = now;
    sh->key_len = src->key.len;
    ngx_memcpy(sh->key, src->key.data, src->key.len);
    ngx_queue_init(&sh->members);

    ngx_queue_insert_head(&fam->members, &sh->queue);
    fam->nmembers++;
    shctx->entries++;

    return sh;
}


/*
 * The zone is full for a member's text: the least recently used entry of
 * its family other than keep goes (the mutex held).  0: none to free.
 */

ngx_uint_t
ngx_http_auth_jwt_store_evict(ngx_http_auth_jwt_source_t *src,
    ngx_http_auth_jwt_shsrc_t *keep)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;
    ngx_http_auth_jwt_shsrc_t  *sh, *fam;

    if (src->family == NULL) {
        return 0;
    }

    fam = ngx_http_auth_jwt_store_entry(src->family);
    if (fam == NULL) {
        return 0;
    }

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;
    shctx = src->zone->data;

    sh = ngx_http_auth_jwt_store_unused(fam, keep, 0);

    if (sh == NULL) {
        return 0;
    }

    ngx_http_auth_jwt_store_free(shpool, shctx, sh);
    fam->nmembers--;
    shctx->epoch++;

    return 1;
}


/*
 * The least recently used member entry of a family that may go (the
 * mutex held): not keep, no fetch of it running, and, when now is not 0,
 * not used in the NGX_HTTP_AUTH_JWT_IN_USE ms before now.  NULL: none.
 */

static ngx_http_auth_jwt_shsrc_t *
ngx_http_auth_jwt_store_unused(ngx_http_auth_jwt_shsrc_t *fam,
    ngx_http_auth_jwt_shsrc_t *keep, ngx_msec_t now)
{
    time_t                      sec;
    ngx_queue_t                *q;
    ngx_http_auth_jwt_shsrc_t  *sh;

    sec = ngx_time();

    for (q = ngx_queue_last(&fam->members);
         q != ngx_queue_sentinel(&fam->members);
         q = ngx_queue_prev(q))
    {
        sh = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

        if (now && now - sh->used < NGX_HTTP_AUTH_JWT_IN_USE) {
            /* this one and the more recent ones are in use */
            return NULL;
        }

        if (sh == keep || (sh->owner != 0 && sec < sh->deadline)) {
            continue;
        }

        return sh;
    }

    return NULL;
}


/*
 * An entry out of its queue, and its text (the mutex held).  The epoch
 * goes up first: a reader without the mutex (ngx_http_auth_jwt_store_hold)
 * that could still see the entry sees that it changed.
 */

static void
ngx_http_auth_jwt_store_free(ngx_slab_pool_t *shpool,
    ngx_http_auth_jwt_shctx_t *shctx, ngx_http_auth_jwt_shsrc_t *sh)
{
    u_char  *text;

    shctx->epoch++;

    ngx_queue_remove(&sh->queue);

    text = sh->text;
    sh->text = NULL;

    if (text) {
        ngx_http_auth_jwt_store_retire(shpool, shctx, text);
    }

    ngx_slab_free_locked(shpool, sh);

    shctx->entries--;
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
     * written whole before it is published (the compiler's fence:
     * ngx_memory_barrier() is not one on every nginx build) */
    old = sh->text;

    ngx_http_auth_jwt_fence();

    sh->text = list;
    sh->text_len = size;
    sh->generation++;
    sh->counts[0] = counts[0];
    sh->counts[1] = counts[1];
    sh->counts[2] = counts[2];
    sh->etag_len = ngx_min(etag->len, sizeof(sh->etag));
    ngx_memcpy(sh->etag, etag->data, sh->etag_len);
    sh->fetched = now;
    sh->fetched_ms = ngx_http_auth_jwt_now_ms();
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
