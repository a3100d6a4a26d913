/*
 * jwtgate: the check.
 *
 * The check runs in two phases.  In the rewrite phase it runs before the
 * rewrite module, so that a protected location answering with "return"
 * (or rewriting the URI) is not left open: with "satisfy all" a failed
 * check answers there.  In the access phase it gives its answer to
 * nginx's "satisfy" logic as auth_basic does.  The result is kept in the
 * request's context, so the token is parsed and its signature verified
 * once per request, whatever the number of phases and internal redirects.
 */


#include "ngx_http_auth_jwt_handler.h"
#include "ngx_http_auth_jwt_answer.h"
#include "ngx_http_auth_jwt_cache.h"
#include "ngx_http_auth_jwt_ctx.h"
#include "ngx_http_auth_jwt_fetch.h"
#include "ngx_http_auth_jwt_forward.h"
#include "ngx_http_auth_jwt_jwe.h"
#include "ngx_http_auth_jwt_keys.h"
#include "ngx_http_auth_jwt_reason.h"
#include "ngx_http_auth_jwt_refresh.h"
#include "ngx_http_auth_jwt_revoke.h"
#include "ngx_http_auth_jwt_rules.h"
#include "ngx_http_auth_jwt_token.h"
#include "ngx_http_auth_jwt_token_remove.h"


static ngx_uint_t ngx_http_auth_jwt_check(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t **ctxp);
static ngx_uint_t ngx_http_auth_jwt_verify(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token);
static ngx_int_t ngx_http_auth_jwt_get_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token);
static ngx_int_t ngx_http_auth_jwt_subrequest(ngx_http_request_t *r);
static ngx_int_t ngx_http_auth_jwt_checked(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_uint_t reason);
static ngx_int_t ngx_http_auth_jwt_own_headers(ngx_http_request_t *r);


ngx_int_t
ngx_http_auth_jwt_rewrite_handler(ngx_http_request_t *r)
{
    ngx_uint_t                     reason;
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    if (r != r->main) {
        return ngx_http_auth_jwt_subrequest(r);
    }

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    /* the client's copies of forwarded headers go, whatever happens */

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx != NULL && ctx->poll.timer_set) {
        /* woken before its time: still waiting for keys */
        return NGX_DONE;
    }

    if ((ctx == NULL || ctx->forwarded != ajcf)
        && ngx_http_auth_jwt_forward_strip(r, ajcf) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ajcf->enabled != 1) {
        if (ctx != NULL && ctx->valid && ctx->reason == JWTGATE_OK
            && ctx->token != NULL && ctx->forwarded != ajcf)
        {
            /* an internal redirect from a location that verified it */
            if (ngx_http_auth_jwt_forward_set(r, ajcf, ctx) != NGX_OK) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            ctx->forwarded = ajcf;
            ctx->identity = ajcf;
        }

        return NGX_DECLINED;
    }

    reason = ngx_http_auth_jwt_check(r, ajcf, &ctx);

    if (reason == NGX_HTTP_AUTH_JWT_WAIT) {
        /* run again when the keys are there */
        return NGX_DONE;
    }

    if (ngx_http_auth_jwt_checked(r, ajcf, ctx, reason) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (reason == JWTGATE_OK || (ctx != NULL && ctx->preflight)) {
        return NGX_DECLINED;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->satisfy != NGX_HTTP_SATISFY_ALL) {
        /* "satisfy any": the access phase decides with the others */
        return NGX_DECLINED;
    }

    return ngx_http_auth_jwt_answer(r, ajcf, ctx);
}


/*
 * A subrequest (ssi, mirror, auth_request...) in a location that checks
 * or forwards.  nginx runs no access phase for subrequests, so the check
 * answers here whatever "satisfy" says, with a context of the
 * subrequest's own; the client's copies of the forwarded names go as in
 * any request, from a header list of the subrequest's own.  Nothing runs
 * inside a key fetch.
 */

static ngx_int_t
ngx_http_auth_jwt_subrequest(ngx_http_request_t *r)
{
    ngx_uint_t                     reason;
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    if (ajcf->enabled != 1 && ajcf->forwards == NULL
        && ajcf->forward_payload.len == 0)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_auth_jwt_fetching(r)) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_auth_jwt_own_ctx(r);

    if (ctx != NULL && ctx->poll.timer_set) {
        return NGX_DONE;
    }

    if (ctx == NULL || ctx->forwarded != ajcf) {
        if (ngx_http_auth_jwt_own_headers(r) != NGX_OK
            || ngx_http_auth_jwt_forward_strip(r, ajcf) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ajcf->enabled != 1) {
        /* no identity is passed on to a subrequest that checks nothing */
        return NGX_DECLINED;
    }

    reason = ngx_http_auth_jwt_check(r, ajcf, &ctx);

    if (reason == NGX_HTTP_AUTH_JWT_WAIT) {
        return NGX_DONE;
    }

    if (ngx_http_auth_jwt_checked(r, ajcf, ctx, reason) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (reason == JWTGATE_OK || (ctx != NULL && ctx->preflight)) {
        return NGX_DECLINED;
    }

    return ngx_http_auth_jwt_answer(r, ajcf, ctx);
}


/* after a check at the level ajcf: the identity headers and the token */

static ngx_int_t
ngx_http_auth_jwt_checked(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_uint_t reason)
{
    if (ctx == NULL || ctx->forwarded == ajcf) {
        return NGX_OK;
    }

    if (reason == JWTGATE_OK) {
        if (ngx_http_auth_jwt_forward_set(r, ajcf, ctx) != NGX_OK) {
            return NGX_ERROR;
        }

        ctx->identity = ajcf;

    } else if (ctx->identity != NULL) {
        /* set by a level that passed: not for a request failing here,
         * nor for the error_page it may go on to */
        if (ngx_http_auth_jwt_forward_strip(r, ctx->identity) != NGX_OK) {
            return NGX_ERROR;
        }

        ctx->identity = NULL;
    }

    /* the token does not go upstream, valid or not */
    if (ngx_http_auth_jwt_forward_token(r, ajcf) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->forwarded = ajcf;

    if (!ajcf->forward_token) {
        /* gone from the request for good, whatever comes after */
        ctx->token_removed = 1;
    }

    return NGX_OK;
}


/*
 * A subrequest starts with a copy of its parent's headers_in: its first
 * list part is its own, the others and their storage are the parent's.
 * Parts of its own over the same elements let it drop headers without
 * touching the parent's list, and a full last part makes its pushes go
 * to storage of its own.
 */

static ngx_int_t
ngx_http_auth_jwt_own_headers(ngx_http_request_t *r)
{
    ngx_list_t       *list;
    ngx_list_part_t  *part, *prev;

    list = &r->headers_in.headers;
    prev = &list->part;

    for (part = list->part.next; part; part = part->next) {
        prev->next = ngx_palloc(r->pool, sizeof(ngx_list_part_t));
        if (prev->next == NULL) {
            return NGX_ERROR;
        }

        prev = prev->next;
        *prev = *part;
    }

    list->last = prev;

    if (prev->nelts) {
        list->nalloc = prev->nelts;
        return NGX_OK;
    }

    /* an empty list: storage of its own */
    prev->elts = ngx_palloc(r->pool, list->nalloc * list->size);

    return (prev->elts == NULL) ? NGX_ERROR : NGX_OK;
}


ngx_int_t
ngx_http_auth_jwt_access_handler(ngx_http_request_t *r)
{
    ngx_http_auth_jwt_ctx_t       *ctx;
    ngx_http_auth_jwt_loc_conf_t  *ajcf;

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);

    if (ajcf->enabled != 1 || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_auth_jwt_get_ctx(r);

    if (ctx != NULL && ctx->poll.timer_set) {
        return NGX_AGAIN;
    }

    if (ngx_http_auth_jwt_check(r, ajcf, &ctx) == NGX_HTTP_AUTH_JWT_WAIT) {
        return NGX_AGAIN;
    }

    if (ctx != NULL && ctx->preflight) {
        /* no token asked for; the other access modules still decide */
        return NGX_DECLINED;
    }

    return ngx_http_auth_jwt_answer(r, ajcf, ctx);
}


/*
 * The check for the configuration level ajcf.  Done once per level: the
 * access phase reuses the rewrite phase's result.  After a location change
 * the token is not parsed again, nor its signature verified again when
 * the new level has the same key sets; claims and rules, which differ
 * between levels, are checked again.
 */

static ngx_uint_t
ngx_http_auth_jwt_check(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t **ctxp)
{
    ngx_int_t                 rc;
    ngx_str_t                 token;
    ngx_http_auth_jwt_ctx_t  *ctx, *mctx;

    ctx = ngx_http_auth_jwt_ctx_create(r);

    *ctxp = ctx;

    if (ctx == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    if (ctx->checked && ctx->conf == ajcf) {
        return ctx->reason;
    }

    ctx->conf = ajcf;
    ctx->checked = 1;
    ctx->valid = 0;
    ctx->status = 0;
    ctx->preflight = 0;

    rc = ngx_http_auth_jwt_get_token(r, ajcf, &token);

    if (rc == NGX_DECLINED) {
        ctx->reason = JWTGATE_ERR_DUPLICATE;
        ngx_http_auth_jwt_count_reason(ctx->reason);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: token rejected: duplicate (sent more than "
                      "once, or by more than one method)");

        return ctx->reason;
    }

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt: evaluating the token variable failed");
        ctx->reason = JWTGATE_ERR_INTERNAL;
        return ctx->reason;
    }

    if (token.len == 0) {
        /* auth_jwt_forward_token off took it away from the request (or,
         * for a subrequest, from the main request) */
        mctx = ngx_http_auth_jwt_own_ctx(r->main);

        if (mctx != NULL && mctx->token_removed) {
            token = mctx->raw;
        }
    }

    if (token.len == 0
        && ajcf->bypass_preflight
        && ngx_http_auth_jwt_preflight(r, ajcf))
    {
        /* no identity: no token was checked ($jwt_error "missing") */
        ctx->preflight = 1;
        ctx->reason = JWTGATE_ERR_MISSING;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: CORS preflight let through without a "
                      "token (auth_jwt_bypass_cors_preflight)");

        return ctx->reason;
    }

    if (token.len == 0) {
        ctx->reason = JWTGATE_ERR_MISSING;
        ngx_http_auth_jwt_count_reason(ctx->reason);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: no token");

        return ctx->reason;
    }

    ctx->reason = ngx_http_auth_jwt_verify(r, ajcf, ctx, &token);

    if (ctx->reason == NGX_HTTP_AUTH_JWT_WAIT) {
        /* not checked yet: the phase runs again */
        ctx->checked = 0;
        return ctx->reason;
    }

    if (ctx->reason == NGX_HTTP_AUTH_JWT_UNAVAILABLE) {
        /* logged by the key store */
        ngx_http_auth_jwt_count_reason(ctx->reason);
        return ctx->reason;
    }

    if (ctx->reason == JWTGATE_OK) {
        ctx->valid = 1;
        ctx->reason = ngx_http_auth_jwt_check_rules(r, ajcf, ctx);

        /* the rules log their own failures */
        ngx_http_auth_jwt_count_reason(ctx->reason);
        return ctx->reason;
    }

    ngx_http_auth_jwt_count_reason(ctx->reason);

    if (ctx->reason == JWTGATE_ERR_INTERNAL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt: verification failed: internal error");

    } else if (ctx->reason == JWTGATE_ERR_BAD_CLAIM_TYPE
               && ctx->detail.member != NULL)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: token rejected: bad_claim_type "
                      "(\"%s\" is %s%s)", ctx->detail.member,
                      ctx->detail.what,
                      ctx->detail.numeric_id
                      ? ": see auth_jwt_numeric_ids" : "");

    } else if (ctx->reason != NGX_HTTP_AUTH_JWT_REVOKED) {
        /* a revoked one is logged with the list that names it */
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: token rejected: %s%s%s%s",
                      ngx_http_auth_jwt_reason(ctx->reason),
                      ctx->why ? " (" : "", ctx->why ? ctx->why : "",
                      ctx->why ? ")" : "");
    }

    return ctx->reason;
}


static ngx_uint_t
ngx_http_auth_jwt_verify(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token)
{
    size_t                        index;
    unsigned                      algs, flags;
    ngx_int_t                     rc;
    jwtgate_rc_t                  jrc;
    jwtgate_limits_t              limits;
    jwtgate_claims_policy_t       policy;
    ngx_http_auth_jwt_keylist_t   list;

    if (ajcf->keys == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt: no key source is configured here "
                      "(auth_jwt_key_file, auth_jwt_key_request)");
        return JWTGATE_ERR_INTERNAL;
    }

    /*
     * the token first, with the location's algorithms: one that cannot
     * be parsed needs no keys, and never makes anyone fetch them
     */

    algs = (ajcf->algs != NGX_CONF_UNSET_UINT) ? ajcf->algs
                                               : JWTGATE_ALGS_ALL;
    flags = ajcf->numeric_ids ? JWTGATE_PARSE_NUMERIC_IDS : 0;

    if (ctx->token != NULL
        && (ctx->jwe || ajcf->type != NGX_HTTP_AUTH_JWT_TYPE_SIGNED
            || ctx->raw.len != token->len
            || ngx_strncmp(ctx->raw.data, token->data, token->len) != 0))
    {
        /* this level takes the token from elsewhere, or the token came
         * out of a JWE: decrypted again with this level's keys */
        ngx_http_auth_jwt_cache_forget(ctx);
        ctx->verified = NULL;
    }

    ctx->detail.member = NULL;
    ctx->why = NULL;

    if (ctx->token == NULL) {
        ctx->jwe = 0;
        ngx_str_null(&ctx->inner);

        if (ajcf->type != NGX_HTTP_AUTH_JWT_TYPE_SIGNED) {
            /* decrypted; never cached (ngx_http_auth_jwt_jwe.c) */
            jrc = ngx_http_auth_jwt_jwe_open(r, ajcf, ctx, token, algs,
                                             flags);
            if (jrc != JWTGATE_OK) {
                return jrc;
            }

            ctx->jwe = 1;
            ctx->numeric_ids = ajcf->numeric_ids ? 1 : 0;

        } else if (ngx_http_auth_jwt_cache_borrow(ctx, token, ajcf->keys,
                                                  flags)
                   != NGX_OK)
        {
            /* not verified before (one that was, found by its bytes, is
             * not decoded again) */
            jwtgate_limits_init(&limits);

            jrc = jwtgate_token_parse_flags((char *) token->data, token->len,
                                            &limits, algs, flags,
                                            &ctx->detail, &ctx->token);
            if (jrc != JWTGATE_OK) {
                ctx->why = ngx_http_auth_jwt_jwe_why(token, jrc);
                return jrc;
            }

            ctx->numeric_ids = ajcf->numeric_ids ? 1 : 0;
        }

        ctx->raw = *token;
    }

    if (ajcf->type != NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED
        && !(JWTGATE_ALG_BIT(jwtgate_token_alg(ctx->token)) & algs))
    {
        /* parsed at a level, or cached, with other algorithms */
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    if (!ajcf->numeric_ids && jwtgate_token_numeric_id(ctx->token) != NULL) {
        /* parsed at a level that allows them: not here */
        ctx->detail.member = jwtgate_token_numeric_id(ctx->token);
        ctx->detail.what = "a number";
        ctx->detail.numeric_id = 1;
        return JWTGATE_ERR_BAD_CLAIM_TYPE;
    }

    if (ajcf->type == NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED) {
        /* decrypted with a key of the location's: no signature */
        goto claims;
    }

    rc = ngx_http_auth_jwt_keys_get(r, ajcf, ctx, &list);

    switch (rc) {

    case NGX_OK:
        break;

    case NGX_AGAIN:
        return NGX_HTTP_AUTH_JWT_WAIT;

    case NGX_DECLINED:
        return NGX_HTTP_AUTH_JWT_UNAVAILABLE;

    default:
        return JWTGATE_ERR_INTERNAL;
    }

    if (list.n == 0) {
        /* key files named with variables, none of them usable */
        return JWTGATE_ERR_NO_KEYS;
    }

    /* then what the keys at hand can verify */

    if (!(JWTGATE_ALG_BIT(jwtgate_token_alg(ctx->token)) & algs & list.algs)) {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    /* verified again when the sets differ: other sources, files named
     * by variables that name others now, a new generation */
    if (ctx->verified != ajcf->keys
        || !ngx_http_auth_jwt_keys_same(&ctx->verified_list, &list))
    {
        ctx->verified = NULL;

        /* a token out of a JWE is not looked up: NGX_ABORT */
        rc = ctx->jwe ? NGX_ABORT
                      : ngx_http_auth_jwt_cache_lookup(ctx, ajcf->keys, &list,
                                                       flags, &ctx->issuer);
        if (rc == NGX_OK) {
            /* verified before, with the key sets this request has */
            ctx->verified = ajcf->keys;
            ctx->verified_list = list;
            goto claims;
        }

        jrc = jwtgate_verify_signature_tries(ctx->token,
                                             (const jwtgate_keyset_t *const *)
                                                 list.sets,
                                             list.n, list.tries, NULL,
                                             &index);

        if ((jrc == JWTGATE_ERR_UNKNOWN_KID
             || jrc == JWTGATE_ERR_BAD_SIGNATURE)
            && ajcf->keys->sources.nelts
            && ngx_http_auth_jwt_store_refresh(r, ajcf, ctx,
                                               jrc == JWTGATE_ERR_BAD_SIGNATURE)
               == NGX_AGAIN)
        {
            /* a key rotated in at the issuer, under a new kid or under
             * the same one?  verified again after */
            ngx_http_auth_jwt_cache_forget(ctx);
            return NGX_HTTP_AUTH_JWT_WAIT;
        }

        if (jrc == JWTGATE_ERR_UNKNOWN_KID) {
            /* say so if a key with that kid was skipped at load */
            ngx_http_auth_jwt_keys_skipped(r, &list,
                                           jwtgate_token_kid(ctx->token));

        } else if (jrc == JWTGATE_ERR_TRY_LIMIT) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "auth_jwt: the token has no kid, and the first %ui "
                          "keys that fit its alg did not verify it "
                          "(auth_jwt_key_try_limit)", list.tries);
        }

        if (jrc != JWTGATE_OK) {
            ngx_http_auth_jwt_cache_forget(ctx);
            ctx->verified = NULL;
            return jrc;
        }

        ctx->verified = ajcf->keys;
        ctx->verified_list = list;
        ctx->issuer = list.issuers[index];

        if (rc == NGX_DECLINED) {
            ngx_http_auth_jwt_cache_insert(r, ctx, ajcf->keys, &list, index,
                                           flags);
        }
    }

claims:

    ngx_memzero(&policy, sizeof(jwtgate_claims_policy_t));

    policy.now = ngx_time();
    policy.leeway = (long) ajcf->leeway;
    policy.require_exp = ajcf->require_exp;
    policy.iat_leeway = (long) ajcf->iat_leeway;
    policy.numeric_ids = (int) ajcf->numeric_ids;

    if (ajcf->typs) {
        policy.typs = ajcf->typs->elts;
        policy.n_typs = ajcf->typs->nelts;
    }

    if (ajcf->issuers) {
        policy.issuers = ajcf->issuers->elts;
        policy.n_issuers = ajcf->issuers->nelts;
    }

    if (ajcf->audiences) {
        policy.audiences = ajcf->audiences->elts;
        policy.n_audiences = ajcf->audiences->nelts;
    }

    jrc = jwtgate_check_claims(ctx->token, &policy);
    if (jrc != JWTGATE_OK) {
        return jrc;
    }

    if (ctx->issuer != NULL) {
        /* the key's source is bound to an issuer: the core's iss check
         * again, with that one (no JSON tree is built for it) */
        policy.issuers = &ctx->issuer;
        policy.n_issuers = 1;
        policy.audiences = NULL;
        policy.n_audiences = 0;

        jrc = jwtgate_check_claims(ctx->token, &policy);
        if (jrc != JWTGATE_OK) {
            return jrc;
        }
    }

    /* a good token, maybe revoked since: on every request, the
     * verified-token cache's verdicts included */
    return ngx_http_auth_jwt_revoke_check(r, ajcf, ctx);
}


/*
 * "Authorization: Bearer <token>" (RFC 6750 2.1), or the token= places;
 * an empty token means none was sent.  NGX_DECLINED: the request carries
 * a token more than once, or by more than one method (RFC 6750 3.1),
 * and no copy is taken.  The token's argument is masked in the request
 * line first, so that no log line of the request shows it.
 */

static ngx_int_t
ngx_http_auth_jwt_get_token(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_str_t *token)
{
    ngx_str_null(token);

    if (ngx_http_auth_jwt_token_mask(r, ajcf) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_auth_jwt_token_copies(r, ajcf) > 1) {
        return NGX_DECLINED;
    }

    return ngx_http_auth_jwt_token_value(r, ajcf, token);
}

