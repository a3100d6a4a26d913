
/*
 * jwtgate: the key sets of a request: the files' (ngx_http_auth_jwt_file.c)
 * and the fetched ones (ngx_http_auth_jwt_refresh.c), in the order of
 * the configuration, with auth_jwt_key_try_limit.
 */


#include "ngx_http_auth_jwt_keys.h"
#include "ngx_http_auth_jwt_file.h"
#include "ngx_http_auth_jwt_refresh.h"
#include "ngx_http_auth_jwt_source.h"


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
    ngx_str_t                    *waiting;
    ngx_http_auth_jwt_keys_t     *keys;
    ngx_http_auth_jwt_source_t  **src, *s;

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
    list->tries = (ngx_uint_t) ajcf->key_try_limit;

    if (ngx_http_auth_jwt_keys_files(r, keys, list, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the sources of this location's server{} (ngx_http_auth_jwt_source.c),
     * those of a uri with variables as the request expands it */
    src = ajcf->sources ? ajcf->sources->elts : NULL;
    declined = 0;
    waiting = NULL;

    for (i = 0; src && i < ajcf->sources->nelts; i++) {
        rc = ngx_http_auth_jwt_source_get(r, src[i], &s);

        if (rc == NGX_DECLINED) {
            /* refused: no keys from it */
            continue;
        }

        if (rc == NGX_OK) {
            rc = ngx_http_auth_jwt_store_get(r, ajcf, ctx, s);

            if (rc == NGX_BUSY) {
                ngx_http_auth_jwt_source_busy(r, s);
                ngx_http_auth_jwt_source_drop(s);
            }
        }

        if (rc == NGX_BUSY) {
            /* a new uri with variables waits: 503, Retry-After: 1 */
            ctx->retry_after = 1;
            declined = 1;
            continue;
        }

        if (rc == NGX_AGAIN || rc == NGX_ERROR) {
            return rc;
        }

        if (rc == NGX_DECLINED) {
            declined = 1;

            if (waiting == NULL) {
                waiting = ngx_pcalloc(r->pool, ajcf->sources->nelts
                                      * sizeof(ngx_str_t));
                if (waiting == NULL) {
                    return NGX_ERROR;
                }
            }

            /* the member may go before the loop ends: its uri, copied */
            waiting[i].data = ngx_pstrdup(r->pool, &s->uri);
            if (waiting[i].data == NULL) {
                return NGX_ERROR;
            }

            waiting[i].len = s->uri.len;
        }

        if (s->set != NULL) {
            ngx_http_auth_jwt_keys_add(list, s->set, s->issuer, s->set_id);
        }
    }

    if (list->n == 0 && declined) {
        for (i = 0; waiting && i < ajcf->sources->nelts; i++) {
            if (waiting[i].len) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "auth_jwt: no keys yet from \"%V\"",
                              &waiting[i]);
            }
        }

        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * The decryption key sets of a request (auth_jwt_type encrypted, nested):
 * the key files' only, never a fetched set, which is meant to be public.
 */

ngx_int_t
ngx_http_auth_jwt_keys_decrypt(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_keylist_t *list)
{
    ngx_uint_t                 n;
    ngx_http_auth_jwt_keys_t  *keys;

    keys = ajcf->keys;

    n = keys->files.nelts + keys->vfiles.nelts;

    list->sets = ngx_palloc(r->pool, (n + 1) * sizeof(jwtgate_keyset_t *));
    list->issuers = ngx_palloc(r->pool, (n + 1) * sizeof(char *));
    list->ids = ngx_palloc(r->pool, (n + 1) * sizeof(ngx_uint_t));
    if (list->sets == NULL || list->issuers == NULL || list->ids == NULL) {
        return NGX_ERROR;
    }

    list->n = 0;
    list->algs = 0;
    list->tries = (ngx_uint_t) ajcf->key_try_limit;

    return ngx_http_auth_jwt_keys_files(r, keys, list, 1);
}


/* 1 when two key lists verify alike: the same key sets in the same order,
 * bound to the same issuers, with the same try limit.  By their numbers
 * only: the sets of a list kept from an earlier check may be freed. */

ngx_uint_t
ngx_http_auth_jwt_keys_same(ngx_http_auth_jwt_keylist_t *a,
    ngx_http_auth_jwt_keylist_t *b)
{
    ngx_uint_t  i;

    if (a->n != b->n || a->tries != b->tries) {
        return 0;
    }

    for (i = 0; i < a->n; i++) {
        if (a->ids[i] != b->ids[i]) {
            return 0;
        }

        if (a->issuers[i] == b->issuers[i]) {
            continue;
        }

        if (a->issuers[i] == NULL || b->issuers[i] == NULL
            || ngx_strcmp(a->issuers[i], b->issuers[i]) != 0)
        {
            return 0;
        }
    }

    return 1;
}


/* an unknown kid: logs why, if a set skipped a key with that kid */

void
ngx_http_auth_jwt_keys_skipped(ngx_http_request_t *r,
    ngx_http_auth_jwt_keylist_t *list, const char *kid)
{
    size_t       len;
    ngx_uint_t   i;
    const char  *reason;

    if (kid == NULL) {
        return;
    }

    len = ngx_strlen(kid);

    for (i = 0; i < list->n; i++) {
        reason = jwtgate_keyset_skipped(list->sets[i], kid, len);

        if (reason != NULL) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth_jwt: the key with the token's kid was "
                          "skipped when its key set was loaded: %s", reason);
            return;
        }
    }
}
