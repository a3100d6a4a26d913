
/*
 * jwtgate: the state of a request's check: made once, found again after an
 * internal redirect, released with the request pool.
 */


#include "ngx_http_auth_jwt_ctx.h"
#include "ngx_http_auth_jwt_cache.h"
#include "ngx_http_auth_jwt_fetch.h"


static void ngx_http_auth_jwt_ctx_cleanup(void *data);


/*
 * The context of r: a subrequest's own when it was checked, else the main
 * request's.  An internal redirect clears module contexts; the one made
 * earlier is found again through the pool cleanup that owns it, so the
 * token is neither parsed nor verified again.
 */

ngx_http_auth_jwt_ctx_t *
ngx_http_auth_jwt_get_ctx(ngx_http_request_t *r)
{
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_own_ctx(r);

    if (ctx == NULL && r != r->main) {
        ctx = ngx_http_auth_jwt_own_ctx(r->main);
    }

    return ctx;
}


ngx_http_auth_jwt_ctx_t *
ngx_http_auth_jwt_own_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_auth_jwt_module);

    if (ctx != NULL || !r->internal) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_auth_jwt_ctx_cleanup
            && ((ngx_http_auth_jwt_ctx_t *) cln->data)->request == r)
        {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_auth_jwt_module);
            return ctx;
        }
    }

    return NULL;
}


/* the context of r's own check, made when it has none */

ngx_http_auth_jwt_ctx_t *
ngx_http_auth_jwt_ctx_create(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t       *cln;
    ngx_http_auth_jwt_ctx_t  *ctx;

    ctx = ngx_http_auth_jwt_own_ctx(r);

    if (ctx != NULL) {
        return ctx;
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_auth_jwt_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_auth_jwt_ctx_t));

    ctx->request = r;
    cln->handler = ngx_http_auth_jwt_ctx_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_auth_jwt_module);

    return ctx;
}


static void
ngx_http_auth_jwt_ctx_cleanup(void *data)
{
    ngx_http_auth_jwt_ctx_t  *ctx = data;

    /* freed, or given back to the token cache */
    ngx_http_auth_jwt_cache_forget(ctx);

    ngx_http_auth_jwt_ctx_release(ctx);
}
