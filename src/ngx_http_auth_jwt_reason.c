
/*
 * jwtgate: the reasons of an answer, their names, and the counters in the
 * zone (summed over all workers, kept across a reload).
 */


#include "ngx_http_auth_jwt_reason.h"


static ngx_atomic_t  *ngx_http_auth_jwt_stats;


void
ngx_http_auth_jwt_count(ngx_uint_t stat)
{
    if (ngx_http_auth_jwt_stats != NULL && stat < NGX_HTTP_AUTH_JWT_STATS) {
        (void) ngx_atomic_fetch_add(&ngx_http_auth_jwt_stats[stat], 1);
    }
}


void
ngx_http_auth_jwt_count_reason(ngx_uint_t reason)
{
    if (reason == JWTGATE_OK) {
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_VERIFIED);

    } else if (reason <= NGX_HTTP_AUTH_JWT_LAST_REASON
               && reason != NGX_HTTP_AUTH_JWT_WAIT)
    {
        ngx_http_auth_jwt_count(NGX_HTTP_AUTH_JWT_STAT_REJECTED + reason);
    }
}


void
ngx_http_auth_jwt_status_attach(ngx_atomic_t *stats)
{
    ngx_http_auth_jwt_stats = stats;
}


const char *
ngx_http_auth_jwt_reason(ngx_uint_t reason)
{
    if (reason == NGX_HTTP_AUTH_JWT_RULE_FAILED) {
        return "insufficient_scope";
    }

    if (reason == NGX_HTTP_AUTH_JWT_UNAVAILABLE) {
        return "keys_unavailable";
    }

    if (reason == NGX_HTTP_AUTH_JWT_REVOKED) {
        return "revoked";
    }

    return jwtgate_strerror((jwtgate_rc_t) reason);
}
