
/*
 * jwtgate: the verified-token cache.
 *
 * Per worker, no lock.  An entry is a token whose signature verified: its
 * exact text, how it was parsed (auth_jwt_numeric_ids), the location's key
 * sources and everything else that decided the verdict: the key sets the
 * request had, in order (each by the number given to every key set this
 * worker parses: a new generation, a changed file, another file named by
 * variables, and the entry no longer matches), the issuer= each is bound
 * to, auth_jwt_key_try_limit; the set that verified it; and the token as
 * the core parsed it.
 *
 * A request finds its token by the token's bytes before anything is
 * decoded: a 64-bit hash (not cryptographic, seeded per worker, of the
 * token's length and last bytes) picks the bucket, and the bytes and all
 * the rest are compared in full, so a collision costs a comparison, never
 * a wrong verdict.  It borrows the
 * parsed token (a count of the requests holding it): a hit decodes
 * nothing, allocates nothing and skips the signature.  The location's
 * algorithms, the claims (exp, nbf, iat with leeway, issuer, audience,
 * typ), the issuer= binding, revocation, the rules and the variables are
 * checked on every request as without the cache.  Invalid tokens are
 * never cached.  An entry lives until the token's exp or the cache's
 * max_age, whichever comes first.
 *
 * Memory: auth_jwt_token_cache size bounds the bytes of the entries in
 * the cache, each counted as the two heap blocks it takes: one for the
 * entry with its key sets' numbers, issuer= copies and the token's text,
 * one for the parsed token (jwtgate_token_size()), each with the
 * allocator's header and rounding (ngx_http_auth_jwt_cache_chunk()), so
 * that the worker's memory, not only the entries' bytes, stays within
 * size; the least recently used go until a new
 * one fits, and an entry larger than size is not kept.  An entry that
 * leaves the cache while requests hold it is freed by the last of them:
 * it is theirs then, as the token a request parses for itself is.  So are
 * the JSON trees that rules, forwarding or variables build in a borrowed
 * token: freed with the last request holding it.  The table of buckets,
 * one pointer per KiB of size, is taken when the worker starts.
 */


#include "ngx_http_auth_jwt_cache.h"
#include "ngx_http_auth_jwt_reason.h"


struct ngx_http_auth_jwt_centry_s {
    ngx_http_auth_jwt_centry_t  *next;      /* in its bucket */
    ngx_queue_t                  queue;     /* LRU, most recent first */
    uint64_t                     hash;
    jwtgate_token_t             *token;
    ngx_http_auth_jwt_keys_t    *keys;
    size_t                       size;      /* counted in the cache */
    time_t                       expires;
    ngx_uint_t                   refs;      /* requests holding it */
    unsigned                     flags;     /* JWTGATE_PARSE_* */
    unsigned                     cached:1;  /* in the table and the LRU */
    /* the verdict: the sets it verified with, the one that did */
    ngx_uint_t                   index;
    ngx_uint_t                   tries;
    ngx_uint_t                   n;
    ngx_uint_t                  *ids;
    u_char                     **issuers;   /* NULL or a copy, each */
    size_t                       len;
    u_char                      *raw;
};


static ngx_http_auth_jwt_centry_t *ngx_http_auth_jwt_cache_find(
    ngx_str_t *raw, uint64_t hash, ngx_http_auth_jwt_keys_t *keys,
    unsigned flags, ngx_http_auth_jwt_keylist_t *list);
static ngx_uint_t ngx_http_auth_jwt_cache_same(ngx_http_auth_jwt_centry_t *e,
    ngx_http_auth_jwt_keylist_t *list);
static void ngx_http_auth_jwt_cache_unlink(ngx_http_auth_jwt_centry_t *e);
static void ngx_http_auth_jwt_cache_free(ngx_http_auth_jwt_centry_t *e);
static size_t ngx_http_auth_jwt_cache_chunk(size_t n);
static uint64_t ngx_http_auth_jwt_cache_hash(u_char *p, size_t len,
    ngx_http_auth_jwt_keys_t *keys, unsigned flags);


static ngx_http_auth_jwt_centry_t  **ngx_http_auth_jwt_cache_buckets;
static ngx_uint_t                    ngx_http_auth_jwt_cache_mask;
static ngx_queue_t                   ngx_http_auth_jwt_cache_lru;
static size_t                        ngx_http_auth_jwt_cache_size;
static size_t                        ngx_http_auth_jwt_cache_used;
static time_t                        ngx_http_auth_jwt_cache_max_age;
static uint64_t                      ngx_http_auth_jwt_cache_seed;


/* entries of one bucket at most: one token verified for many locations
 * with keys of their own, or for many generations, never makes a long
 * walk (an entry that would be the next is not cached) */
#define NGX_HTTP_AUTH_JWT_CACHE_CHAIN  8

#define NGX_HTTP_AUTH_JWT_CACHE_K1  0x9e3779b97f4a7c15ULL
#define NGX_HTTP_AUTH_JWT_CACHE_K2  0xc2b2ae3d27d4eb4fULL

#define ngx_http_auth_jwt_cache_rotl(x, n)                                    \
    (((x) << (n)) | ((x) >> (64 - (n))))

#define ngx_http_auth_jwt_cache_round(h, w)                                   \
    (ngx_http_auth_jwt_cache_rotl((h) ^ ((w) * NGX_HTTP_AUTH_JWT_CACHE_K2),   \
                                  29) * NGX_HTTP_AUTH_JWT_CACHE_K1)


ngx_int_t
ngx_http_auth_jwt_cache_init(ngx_cycle_t *cycle, size_t size,
    time_t max_age)
{
    ngx_uint_t  n;

    if (size == 0) {
        return NGX_OK;
    }

    /* a bucket per KiB: about one entry each (a token of some hundred
     * bytes is an entry of one or two KiB) */
    for (n = 16; n < size / 1024 && n < (1 << 22); n <<= 1) {
        /* void */
    }

    ngx_http_auth_jwt_cache_buckets =
        ngx_calloc(n * sizeof(ngx_http_auth_jwt_centry_t *), cycle->log);
    if (ngx_http_auth_jwt_cache_buckets == NULL) {
        return NGX_ERROR;
    }

    ngx_http_auth_jwt_cache_mask = n - 1;
    ngx_queue_init(&ngx_http_auth_jwt_cache_lru);

    ngx_http_auth_jwt_cache_size = size;
    ngx_http_auth_jwt_cache_used = 0;
    ngx_http_auth_jwt_cache_max_age = max_age;
    ngx_http_auth_jwt_cache_seed = ((uint64_t) ngx_random() << 32)
                                   ^ (uint64_t) ngx_random()
                                   ^ (uint64_t) ngx_pid;

    return NGX_OK;
}


void
ngx_http_auth_jwt_cache_exit(void)
{
    ngx_queue_t                 *q;
    ngx_http_auth_jwt_centry_t  *e;

    if (ngx_http_auth_jwt_cache_buckets == NULL) {
        return;
    }

    while (!ngx_queue_empty(&ngx_http_auth_jwt_cache_lru)) {
        q = ngx_queue_head(&ngx_http_auth_jwt_cache_lru);
        e = ngx_queue_data(q, ngx_http_auth_jwt_centry_t, queue);

        /* one a request still holds is left to it */
        ngx_http_auth_jwt_cache_unlink(e);
    }

    ngx_free(ngx_http_auth_jwt_cache_buckets);
    ngx_http_auth_jwt_cache_buckets = NULL;
}


/*
 * Before the token is decoded: NGX_OK when the cache has this text,
 * parsed with these flags, for these key sources; the request borrows its
 * parsed token (ctx->token, ctx->centry) until ngx_http_auth_jwt_cache_
 * forget().  Whether its signature holds with the request's key sets is
 * ngx_http_auth_jwt_cache_lookup()'s question.  NGX_DECLINED: parse it.
 */

ngx_int_t
ngx_http_auth_jwt_cache_borrow(ngx_http_auth_jwt_ctx_t *ctx, ngx_str_t *raw,
    ngx_http_auth_jwt_keys_t *keys, unsigned flags)
{
    ngx_http_auth_jwt_centry_t  *e;

    if (ngx_http_auth_jwt_cache_buckets == NULL) {
        return NGX_DECLINED;
    }

    e = ngx_http_auth_jwt_cache_find(raw,
                                     ngx_http_auth_jwt_cache_hash(raw->data,
                                                                  raw->len,
                                                                  keys, flags),
                                     keys, flags, NULL);
    if (e == NULL) {
        return NGX_DECLINED;
    }

    e->refs++;

    ctx->token = e->token;
    ctx->centry = e;

    return NGX_OK;
}


/*
 * NGX_OK: ctx->raw verified before with the key sets the request has
 * (*issuer: the issuer= of the one that verified it); NGX_DECLINED: not
 * known; NGX_ABORT: no cache.
 */

ngx_int_t
ngx_http_auth_jwt_cache_lookup(ngx_http_auth_jwt_ctx_t *ctx,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    unsigned flags, const char **issuer)
{
    ngx_http_auth_jwt_centry_t  *e;

    if (ngx_http_auth_jwt_cache_buckets == NULL) {
        return NGX_ABORT;
    }

    e = ctx->centry;

    if (e == NULL || !e->cached || e->keys != keys || e->flags != flags
        || e->expires <= ngx_time() || !ngx_http_auth_jwt_cache_same(e, list))
    {
        /* not the one borrowed: another location's, other sets... */
        e = ngx_http_auth_jwt_cache_find(&ctx->raw,
                                         (e && e->keys == keys
                                          && e->flags == flags)
                                         ? e->hash
                                         : ngx_http_auth_jwt_cache_hash(
                                               ctx->raw.data, ctx->raw.len,
                                               keys, flags),
                                         keys, flags, list);
    }

    if (e == NULL) {
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_MISS);
        return NGX_DECLINED;
    }

    ngx_queue_remove(&e->queue);
    ngx_queue_insert_head(&ngx_http_auth_jwt_cache_lru, &e->queue);

    *issuer = list->issuers[e->index];

    ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_HIT);

    return NGX_OK;
}


/*
 * ctx->token verified with list->sets[index]: an entry for it.  The entry
 * takes a token the request parsed for itself with these flags over (the
 * request borrows it back); else it gets one of its own, parsed again
 * (a token borrowed from an entry for other key sources or flags).
 */

void
ngx_http_auth_jwt_cache_insert(ngx_http_request_t *r,
    ngx_http_auth_jwt_ctx_t *ctx, ngx_http_auth_jwt_keys_t *keys,
    ngx_http_auth_jwt_keylist_t *list, ngx_uint_t index, unsigned flags)
{
    u_char                      *p;
    double                       exp;
    size_t                       size, len[2];
    time_t                       now, expires;
    uint64_t                     hash;
    ngx_uint_t                   i, n, own;
    jwtgate_token_t             *token;
    jwtgate_limits_t             limits;
    ngx_http_auth_jwt_centry_t  *e, *next;

    if (ngx_http_auth_jwt_cache_buckets == NULL) {
        return;
    }

    now = ngx_time();
    expires = now + ngx_http_auth_jwt_cache_max_age;

    if (jwtgate_token_exp(ctx->token, &exp) == 0 && exp < (double) expires) {
        expires = (time_t) exp;
    }

    if (expires <= now) {
        return;
    }

    own = (ctx->centry == NULL
           && (ctx->numeric_ids ? JWTGATE_PARSE_NUMERIC_IDS : 0) == flags);

    if (own) {
        token = ctx->token;

    } else {
        jwtgate_limits_init(&limits);

        if (jwtgate_token_parse_flags((char *) ctx->raw.data, ctx->raw.len,
                                      &limits, JWTGATE_ALGS_ALL, flags, NULL,
                                      &token)
            != JWTGATE_OK)
        {
            return;
        }
    }

    /* the entry, its sets' numbers and issuers, the text, the issuers */

    len[0] = sizeof(ngx_http_auth_jwt_centry_t)
             + list->n * (sizeof(ngx_uint_t) + sizeof(u_char *));
    len[1] = ctx->raw.len;

    for (i = 0; i < list->n; i++) {
        if (list->issuers[i] != NULL) {
            len[1] += ngx_strlen(list->issuers[i]) + 1;
        }
    }

    size = ngx_http_auth_jwt_cache_chunk(len[0] + len[1])
           + ngx_http_auth_jwt_cache_chunk(jwtgate_token_size(token));

    if (size > ngx_http_auth_jwt_cache_size) {
        goto failed;
    }

    /*
     * its bucket: expired entries go, and a bucket that holds
     * NGX_HTTP_AUTH_JWT_CACHE_CHAIN entries takes no more (the same token
     * for the same key sources with other sets, one per generation or
     * per file named by variables, stays in one bucket: a bounded walk)
     */

    hash = ngx_http_auth_jwt_cache_hash(ctx->raw.data, ctx->raw.len, keys,
                                        flags);
    n = 0;

    for (e = ngx_http_auth_jwt_cache_buckets[(ngx_uint_t) hash
                                             & ngx_http_auth_jwt_cache_mask];
         e;
         e = next)
    {
        next = e->next;

        if (e->expires <= now) {
            ngx_http_auth_jwt_cache_unlink(e);
            continue;
        }

        n++;
    }

    if (n >= NGX_HTTP_AUTH_JWT_CACHE_CHAIN) {
        goto failed;
    }

    while (ngx_http_auth_jwt_cache_used + size
           > ngx_http_auth_jwt_cache_size)
    {
        e = ngx_queue_data(ngx_queue_last(&ngx_http_auth_jwt_cache_lru),
                           ngx_http_auth_jwt_centry_t, queue);

        ngx_http_auth_jwt_cache_unlink(e);
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_EVICTION);
    }

    e = ngx_alloc(len[0] + len[1], r->connection->log);
    if (e == NULL) {
        goto failed;
    }

    e->ids = (ngx_uint_t *) (e + 1);
    e->issuers = (u_char **) (e->ids + list->n);
    e->raw = (u_char *) (e->issuers + list->n);
    e->len = ctx->raw.len;

    p = ngx_cpymem(e->raw, ctx->raw.data, ctx->raw.len);

    for (i = 0; i < list->n; i++) {
        e->ids[i] = list->ids[i];

        if (list->issuers[i] == NULL) {
            e->issuers[i] = NULL;
            continue;
        }

        e->issuers[i] = p;
        p = ngx_cpymem(p, list->issuers[i], ngx_strlen(list->issuers[i]) + 1);
    }

    e->n = list->n;
    e->tries = list->tries;
    e->index = index;
    e->hash = hash;
    e->token = token;
    e->keys = keys;
    e->size = size;
    e->expires = expires;
    e->flags = flags;
    e->refs = 0;
    e->cached = 1;

    i = (ngx_uint_t) e->hash & ngx_http_auth_jwt_cache_mask;

    e->next = ngx_http_auth_jwt_cache_buckets[i];
    ngx_http_auth_jwt_cache_buckets[i] = e;

    ngx_queue_insert_head(&ngx_http_auth_jwt_cache_lru, &e->queue);
    ngx_http_auth_jwt_cache_used += size;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "auth_jwt: token cache: an entry of %uz bytes, %uz used",
                   size, ngx_http_auth_jwt_cache_used);

    if (own) {
        /* the request borrows back what it gave */
        e->refs = 1;
        ctx->centry = e;
    }

    return;

failed:

    if (!own) {
        jwtgate_token_free(token);
    }
}


/* the request lets its token go: its own is freed, a borrowed one given
 * back */

void
ngx_http_auth_jwt_cache_forget(ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_http_auth_jwt_centry_t  *e;

    e = ctx->centry;

    ctx->centry = NULL;

    if (e == NULL) {
        jwtgate_token_free(ctx->token);
        ctx->token = NULL;
        return;
    }

    ctx->token = NULL;

    if (--e->refs) {
        return;
    }

    if (!e->cached) {
        ngx_http_auth_jwt_cache_free(e);
        return;
    }

    /* the trees rules and variables built were the requests' */
    jwtgate_token_drop_trees(e->token);
}


/*
 * The entry for raw, parsed with flags, for the key sources keys, and,
 * unless list is NULL, verified with those sets; expired ones met on
 * the way go.
 */

static ngx_http_auth_jwt_centry_t *
ngx_http_auth_jwt_cache_find(ngx_str_t *raw, uint64_t hash,
    ngx_http_auth_jwt_keys_t *keys, unsigned flags,
    ngx_http_auth_jwt_keylist_t *list)
{
    time_t                       now;
    ngx_http_auth_jwt_centry_t  *e, *next;

    now = ngx_time();

    e = ngx_http_auth_jwt_cache_buckets[(ngx_uint_t) hash
                                        & ngx_http_auth_jwt_cache_mask];

    for ( /* void */ ; e; e = next) {
        next = e->next;

        if (e->expires <= now) {
            ngx_http_auth_jwt_cache_unlink(e);
            continue;
        }

        if (e->hash == hash
            && e->len == raw->len
            && e->keys == keys
            && e->flags == flags
            && ngx_memcmp(e->raw, raw->data, raw->len) == 0
            && (list == NULL || ngx_http_auth_jwt_cache_same(e, list)))
        {
            return e;
        }
    }

    return NULL;
}


/* the verdict holds for list: the same sets in the same order, bound to
 * the same issuers, with the same try limit */

static ngx_uint_t
ngx_http_auth_jwt_cache_same(ngx_http_auth_jwt_centry_t *e,
    ngx_http_auth_jwt_keylist_t *list)
{
    ngx_uint_t  i;

    if (e->n != list->n || e->tries != list->tries || e->index >= list->n) {
        return 0;
    }

    for (i = 0; i < e->n; i++) {
        if (e->ids[i] != list->ids[i]) {
            return 0;
        }

        if (e->issuers[i] == NULL && list->issuers[i] == NULL) {
            continue;
        }

        if (e->issuers[i] == NULL || list->issuers[i] == NULL
            || ngx_strcmp(e->issuers[i], list->issuers[i]) != 0)
        {
            return 0;
        }
    }

    return 1;
}


/* out of the cache; freed now unless a request holds it */

/*
 * The heap chunk that malloc(n) takes: glibc's allocator puts a size word
 * before the block and rounds to 16 bytes, 32 at least (other allocators
 * differ by a few bytes; this is what the worker's memory grows by on the
 * systems we build for).
 */

static size_t
ngx_http_auth_jwt_cache_chunk(size_t n)
{
    n = (n + sizeof(size_t) + 15) & ~((size_t) 15);

    return n < 32 ? 32 : n;
}


static void
ngx_http_auth_jwt_cache_unlink(ngx_http_auth_jwt_centry_t *e)
{
    ngx_http_auth_jwt_centry_t  **pp;

    pp = &ngx_http_auth_jwt_cache_buckets[(ngx_uint_t) e->hash
                                          & ngx_http_auth_jwt_cache_mask];

    while (*pp != e) {
        pp = &(*pp)->next;
    }

    *pp = e->next;

    ngx_queue_remove(&e->queue);
    ngx_http_auth_jwt_cache_used -= e->size;
    e->cached = 0;

    if (e->refs == 0) {
        ngx_http_auth_jwt_cache_free(e);
    }
}


static void
ngx_http_auth_jwt_cache_free(ngx_http_auth_jwt_centry_t *e)
{
    jwtgate_token_free(e->token);
    ngx_free(e);
}


/*
 * The bucket's hash: the token's length and its last 32 bytes, the end of
 * its signature, with the key sources and the parse flags.  Not cryptographic and need not be: the whole text is
 * compared, and only tokens that verified are in the table, whose
 * signatures differ; the seed keeps a worker's buckets unknown outside.
 * (A hash of every byte cost a quarter of a hit.)
 */

static uint64_t
ngx_http_auth_jwt_cache_hash(u_char *p, size_t len,
    ngx_http_auth_jwt_keys_t *keys, unsigned flags)
{
    uint64_t  h, w[4];

    if (len >= sizeof(w)) {
        ngx_memcpy(w, p + len - sizeof(w), sizeof(w));

    } else {
        ngx_memzero(w, sizeof(w));
        ngx_memcpy(w, p, len);
    }

    h = ngx_http_auth_jwt_cache_seed ^ (len * NGX_HTTP_AUTH_JWT_CACHE_K1);

    /* the key sources and the parse flags: one token's entries for other
     * locations go to other buckets */
    h = ngx_http_auth_jwt_cache_round(h, (uint64_t) (uintptr_t) keys);
    h = ngx_http_auth_jwt_cache_round(h, (uint64_t) flags);

    h = ngx_http_auth_jwt_cache_round(h, w[0]);
    h = ngx_http_auth_jwt_cache_round(h, w[1]);
    h = ngx_http_auth_jwt_cache_round(h, w[2]);
    h = ngx_http_auth_jwt_cache_round(h, w[3]);

    h ^= h >> 33;
    h *= NGX_HTTP_AUTH_JWT_CACHE_K2;
    h ^= h >> 29;

    return h;
}


/* auth_jwt_token_cache size | off [max_age=time] */

char *
ngx_http_auth_jwt_token_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_main_conf_t *amcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (amcf->cache_size != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        amcf->cache_size = 0;

    } else {
        amcf->cache_size = ngx_parse_size(&value[1]);

        if (amcf->cache_size == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid size \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_age=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            amcf->cache_max_age = ngx_parse_time(&s, 1);

            if (amcf->cache_max_age == (time_t) NGX_ERROR
                || amcf->cache_max_age == 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid max_age \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
