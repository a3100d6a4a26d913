
/*
 * jwtgate: the verified-token cache.
 *
 * Per worker, no lock: an LRU of tokens whose signature verified, keyed
 * by the location's key sources and the SHA-256 of the whole token text
 * and of everything else that decides the verdict: the key sets the
 * request has, in order (each by the number given to every key set this
 * worker parses: a new generation, a changed file, another file named by
 * variables, and the entry no longer matches), the issuer= each is bound
 * to, and auth_jwt_key_try_limit.  An entry lives until the
 * token's exp or the cache's max_age, whichever comes first.  A hit skips
 * the signature only: the token is parsed and its claims and rules are
 * checked on every request.  Invalid tokens are never cached.  The memory
 * is taken once, when the worker starts: auth_jwt_token_cache size.
 */


#include "ngx_http_auth_jwt_cache.h"
#include "ngx_http_auth_jwt_reason.h"

#include <openssl/evp.h>


typedef struct {
    ngx_rbtree_node_t           node;       /* key: digest's first bytes */
    ngx_queue_t                 queue;      /* LRU, or the free list */
    u_char                      digest[32];
    ngx_http_auth_jwt_keys_t   *keys;
    ngx_uint_t                  index;      /* the set that verified */
    ngx_uint_t                  set_id;     /* and its number */
    time_t                      expires;
} ngx_http_auth_jwt_centry_t;


static void ngx_http_auth_jwt_cache_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_auth_jwt_centry_t *ngx_http_auth_jwt_cache_find(
    u_char *digest, ngx_http_auth_jwt_keys_t *keys);
static void ngx_http_auth_jwt_cache_drop(ngx_http_auth_jwt_centry_t *e);
static ngx_int_t ngx_http_auth_jwt_cache_digest(ngx_str_t *token,
    ngx_http_auth_jwt_keylist_t *list, u_char *digest);


static ngx_rbtree_t                 ngx_http_auth_jwt_cache_tree;
static ngx_rbtree_node_t            ngx_http_auth_jwt_cache_sentinel;
static ngx_queue_t                  ngx_http_auth_jwt_cache_lru;
static ngx_queue_t                  ngx_http_auth_jwt_cache_free;
static ngx_http_auth_jwt_centry_t  *ngx_http_auth_jwt_cache_entries;
static EVP_MD                      *ngx_http_auth_jwt_sha256;
static EVP_MD_CTX                  *ngx_http_auth_jwt_sha256_ctx;
static time_t                       ngx_http_auth_jwt_cache_max_age;


ngx_int_t
ngx_http_auth_jwt_cache_init(ngx_cycle_t *cycle, size_t size,
    time_t max_age)
{
    ngx_uint_t  i, n;

    n = size / sizeof(ngx_http_auth_jwt_centry_t);

    if (n == 0) {
        return NGX_OK;
    }

    ngx_http_auth_jwt_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    ngx_http_auth_jwt_sha256_ctx = EVP_MD_CTX_new();

    if (ngx_http_auth_jwt_sha256 == NULL
        || ngx_http_auth_jwt_sha256_ctx == NULL)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "auth_jwt_token_cache: no SHA-256 in OpenSSL");
        return NGX_ERROR;
    }

    ngx_http_auth_jwt_cache_entries =
        ngx_alloc(n * sizeof(ngx_http_auth_jwt_centry_t), cycle->log);
    if (ngx_http_auth_jwt_cache_entries == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&ngx_http_auth_jwt_cache_tree,
                    &ngx_http_auth_jwt_cache_sentinel,
                    ngx_http_auth_jwt_cache_rbtree_insert);

    ngx_queue_init(&ngx_http_auth_jwt_cache_lru);
    ngx_queue_init(&ngx_http_auth_jwt_cache_free);

    for (i = 0; i < n; i++) {
        ngx_queue_insert_tail(&ngx_http_auth_jwt_cache_free,
                              &ngx_http_auth_jwt_cache_entries[i].queue);
    }

    ngx_http_auth_jwt_cache_max_age = max_age;

    return NGX_OK;
}


void
ngx_http_auth_jwt_cache_exit(void)
{
    if (ngx_http_auth_jwt_cache_entries) {
        ngx_free(ngx_http_auth_jwt_cache_entries);
        ngx_http_auth_jwt_cache_entries = NULL;
    }

    if (ngx_http_auth_jwt_sha256) {
        EVP_MD_free(ngx_http_auth_jwt_sha256);
        ngx_http_auth_jwt_sha256 = NULL;
    }

    if (ngx_http_auth_jwt_sha256_ctx) {
        EVP_MD_CTX_free(ngx_http_auth_jwt_sha256_ctx);
        ngx_http_auth_jwt_sha256_ctx = NULL;
    }
}


/*
 * NGX_OK: the token verified before with the key sets the request has
 * (*issuer: the issuer= of the one that verified it); NGX_DECLINED: not
 * known, digest is filled for ngx_http_auth_jwt_cache_insert();
 * NGX_ABORT: no cache.
 */

ngx_int_t
ngx_http_auth_jwt_cache_lookup(ngx_http_request_t *r, ngx_str_t *token,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    u_char *digest, const char **issuer)
{
    ngx_http_auth_jwt_centry_t  *e;

    if (ngx_http_auth_jwt_cache_entries == NULL) {
        return NGX_ABORT;
    }

    if (ngx_http_auth_jwt_cache_digest(token, list, digest) != NGX_OK) {
        return NGX_ABORT;
    }

    e = ngx_http_auth_jwt_cache_find(digest, keys);

    if (e == NULL) {
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_MISS);
        return NGX_DECLINED;
    }

    if (e->expires <= ngx_time()) {
        ngx_http_auth_jwt_cache_drop(e);
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_MISS);
        return NGX_DECLINED;
    }

    /* the digest covers the sets: a mismatch here is a digest collision */
    if (e->index >= list->n || list->ids[e->index] != e->set_id) {
        ngx_http_auth_jwt_cache_drop(e);
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_MISS);
        return NGX_DECLINED;
    }

    ngx_queue_remove(&e->queue);
    ngx_queue_insert_head(&ngx_http_auth_jwt_cache_lru, &e->queue);

    *issuer = list->issuers[e->index];

    ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_HIT);

    return NGX_OK;
}


void
ngx_http_auth_jwt_cache_insert(u_char *digest,
    ngx_http_auth_jwt_keys_t *keys, ngx_http_auth_jwt_keylist_t *list,
    ngx_uint_t index, double exp)
{
    time_t                       now, expires;
    ngx_queue_t                 *q;
    ngx_http_auth_jwt_centry_t  *e;

    now = ngx_time();
    expires = now + ngx_http_auth_jwt_cache_max_age;

    if (exp > 0 && exp < (double) expires) {
        expires = (time_t) exp;
    }

    if (expires <= now) {
        return;
    }

    if (ngx_queue_empty(&ngx_http_auth_jwt_cache_free)) {
        q = ngx_queue_last(&ngx_http_auth_jwt_cache_lru);
        ngx_http_auth_jwt_cache_drop(
            ngx_queue_data(q, ngx_http_auth_jwt_centry_t, queue));
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_EVICTION);
    }

    q = ngx_queue_head(&ngx_http_auth_jwt_cache_free);
    ngx_queue_remove(q);

    e = ngx_queue_data(q, ngx_http_auth_jwt_centry_t, queue);

    ngx_memcpy(e->digest, digest, 32);
    e->keys = keys;
    e->index = index;
    e->set_id = list->ids[index];
    e->expires = expires;
    e->node.key = ((ngx_rbtree_key_t) digest[0] << 24)
                  | ((ngx_rbtree_key_t) digest[1] << 16)
                  | ((ngx_rbtree_key_t) digest[2] << 8)
                  | digest[3];

    ngx_rbtree_insert(&ngx_http_auth_jwt_cache_tree, &e->node);
    ngx_queue_insert_head(&ngx_http_auth_jwt_cache_lru, &e->queue);
}


static ngx_http_auth_jwt_centry_t *
ngx_http_auth_jwt_cache_find(u_char *digest, ngx_http_auth_jwt_keys_t *keys)
{
    ngx_rbtree_key_t             key;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_auth_jwt_centry_t  *e;

    key = ((ngx_rbtree_key_t) digest[0] << 24)
          | ((ngx_rbtree_key_t) digest[1] << 16)
          | ((ngx_rbtree_key_t) digest[2] << 8)
          | digest[3];

    node = ngx_http_auth_jwt_cache_tree.root;
    sentinel = ngx_http_auth_jwt_cache_tree.sentinel;

    while (node != sentinel) {

        if (key < node->key) {
            node = node->left;
            continue;
        }

        if (key > node->key) {
            node = node->right;
            continue;
        }

        /* key == node->key: compare in full, then walk equal keys */

        e = (ngx_http_auth_jwt_centry_t *) node;

        if (ngx_memcmp(digest, e->digest, 32) == 0 && e->keys == keys) {
            return e;
        }

        node = (ngx_memcmp(digest, e->digest, 32) < 0
                || (ngx_memcmp(digest, e->digest, 32) == 0
                    && (uintptr_t) keys < (uintptr_t) e->keys))
               ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_auth_jwt_cache_rbtree_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t          **p;
    ngx_http_auth_jwt_centry_t  *e, *t;

    e = (ngx_http_auth_jwt_centry_t *) node;

    for ( ;; ) {

        t = (ngx_http_auth_jwt_centry_t *) temp;

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            p = (ngx_memcmp(e->digest, t->digest, 32) < 0
                 || (ngx_memcmp(e->digest, t->digest, 32) == 0
                     && (uintptr_t) e->keys < (uintptr_t) t->keys))
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/*
 * SHA-256 of the token (after its length) and of the key list: its
 * length, the try limit, then each set's number, whether it is bound to
 * an issuer and to which (NUL-terminated: an issuer= never holds a NUL).
 * Lengths, fixed widths and terminators: two different inputs never give
 * the same bytes.
 */

static ngx_int_t
ngx_http_auth_jwt_cache_digest(ngx_str_t *token,
    ngx_http_auth_jwt_keylist_t *list, u_char *digest)
{
    u_char       bound;
    ngx_uint_t   i;
    EVP_MD_CTX  *ctx;

    ctx = ngx_http_auth_jwt_sha256_ctx;

    if (EVP_DigestInit_ex(ctx, ngx_http_auth_jwt_sha256, NULL) != 1
        || EVP_DigestUpdate(ctx, &token->len, sizeof(size_t)) != 1
        || EVP_DigestUpdate(ctx, token->data, token->len) != 1
        || EVP_DigestUpdate(ctx, &list->n, sizeof(ngx_uint_t)) != 1
        || EVP_DigestUpdate(ctx, &list->tries, sizeof(ngx_uint_t)) != 1)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < list->n; i++) {
        bound = list->issuers[i] != NULL;

        if (EVP_DigestUpdate(ctx, &list->ids[i], sizeof(ngx_uint_t)) != 1
            || EVP_DigestUpdate(ctx, &bound, 1) != 1
            || (bound
                && EVP_DigestUpdate(ctx, list->issuers[i],
                                    ngx_strlen(list->issuers[i]) + 1)
                   != 1))
        {
            return NGX_ERROR;
        }
    }

    if (EVP_DigestFinal_ex(ctx, digest, NULL) != 1) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_auth_jwt_cache_drop(ngx_http_auth_jwt_centry_t *e)
{
    ngx_rbtree_delete(&ngx_http_auth_jwt_cache_tree, &e->node);
    ngx_queue_remove(&e->queue);
    ngx_queue_insert_head(&ngx_http_auth_jwt_cache_free, &e->queue);
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
