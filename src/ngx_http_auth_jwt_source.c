
/*
 * jwtgate: the sources of fetched key sets (auth_jwt_key_request).
 *
 * A source is an auth_jwt_key_request in one server{}.  Its fetch is a
 * subrequest (ngx_http_auth_jwt_fetch.c), which runs in the server of the
 * request that needs the keys, and every server routes the uri its own
 * way: so the same auth_jwt_key_request, at http level or repeated in
 * several servers, is a source per server{}, and the zone
 * (ngx_http_auth_jwt_store.c) knows a source by its uri, its issuer= and
 * the identity of its server{} -- its server names and listen addresses,
 * the same in every worker and after a reload that keeps them.  No
 * request to one server changes or blocks the keys of another.
 */


#include "ngx_http_auth_jwt_source.h"


#define NGX_HTTP_AUTH_JWT_URI_LEN     512     /* an expansion at most */
#define NGX_HTTP_AUTH_JWT_URI_LOG     1000    /* ms, one line about
                                                 refused expansions */


static const char *ngx_http_auth_jwt_uri_refused(ngx_str_t *uri);
static ngx_uint_t ngx_http_auth_jwt_uri_log(ngx_log_t *log);
static void ngx_http_auth_jwt_member_free(ngx_http_auth_jwt_source_t *m);


static ngx_msec_t  ngx_http_auth_jwt_uri_logged;
static ngx_uint_t  ngx_http_auth_jwt_uri_unlogged;


/*
 * The source a request uses for src: src itself, or, for a uri with
 * variables, the member of the request's expansion: this worker's, made
 * now if there is none, the least recently used one out when the family
 * has max.  NGX_DECLINED: the expansion is refused (logged at most once a
 * second): no keys from src for this request.  NGX_BUSY: the max members
 * were all used in the last second, a new one waits (503).
 */

ngx_int_t
ngx_http_auth_jwt_source_get(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src, ngx_http_auth_jwt_source_t **out)
{
    u_char                      *p;
    size_t                       rest;
    ngx_str_t                    uri;
    ngx_uint_t                   i;
    ngx_queue_t                 *q;
    const char                  *why;
    ngx_http_auth_jwt_source_t  *m;
    u_char                       text[4 * 64 + 4];

    if (src->cv == NULL) {
        *out = src;
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, src->cv, &uri) != NGX_OK) {
        return NGX_ERROR;
    }

    why = ngx_http_auth_jwt_uri_refused(&uri);

    if (why != NULL) {
        if (ngx_http_auth_jwt_uri_log(r->connection->log)) {
            /* the expansion may hold anything: escaped, cut at 64 bytes */
            p = text;

            for (i = 0; i < uri.len && i < 64; i++) {
                if (uri.data[i] > 0x20 && uri.data[i] < 0x7f
                    && uri.data[i] != '"' && uri.data[i] != '\\')
                {
                    *p++ = uri.data[i];

                } else {
                    p = ngx_sprintf(p, "\\x%02xd", uri.data[i]);
                }
            }

            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "auth_jwt_key_request \"%V\": \"%*s\"%s is "
                          "refused: %s, no keys from it", &src->uri,
                          p - text, text, i < uri.len ? "..." : "", why);
        }

        return NGX_DECLINED;
    }

    for (q = ngx_queue_head(&src->members);
         q != ngx_queue_sentinel(&src->members);
         q = ngx_queue_next(q))
    {
        m = ngx_queue_data(q, ngx_http_auth_jwt_source_t, queue);

        if (m->uri.len == uri.len
            && ngx_memcmp(m->uri.data, uri.data, uri.len) == 0)
        {
            ngx_queue_remove(q);
            ngx_queue_insert_head(&src->members, q);
            m->used = ngx_http_auth_jwt_wall_msec();
            *out = m;
            return NGX_OK;
        }
    }

    while (src->nmembers >= src->max) {
        q = ngx_queue_last(&src->members);
        m = ngx_queue_data(q, ngx_http_auth_jwt_source_t, queue);

        if (ngx_http_auth_jwt_wall_msec() - m->used
            < NGX_HTTP_AUTH_JWT_IN_USE)
        {
            /*
             * all in use: a new uri waits rather than push out one used in
             * the last second, so that names made up by clients neither
             * thrash the keys in use nor start more than max fetches a
             * second
             */
            ngx_http_auth_jwt_source_busy(r, src);
            return NGX_BUSY;
        }

        ngx_queue_remove(q);
        src->nmembers--;

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "auth_jwt: \"%V\" out of this worker's sources",
                       &m->uri);

        if (m->refs) {
            /* freed when its fetch ends */
            m->evicted = 1;

        } else {
            ngx_http_auth_jwt_member_free(m);
        }
    }

    /* the zone's name: the expansion, then the family's issuer and server */
    rest = src->key.len - src->uri.len;

    m = ngx_alloc(sizeof(ngx_http_auth_jwt_source_t) + uri.len + uri.len
                  + rest, r->connection->log);
    if (m == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(m, sizeof(ngx_http_auth_jwt_source_t));

    p = (u_char *) (m + 1);

    m->uri.data = p;
    m->uri.len = uri.len;
    p = ngx_cpymem(p, uri.data, uri.len);

    m->key.data = p;
    m->key.len = uri.len + rest;
    p = ngx_cpymem(p, uri.data, uri.len);
    ngx_memcpy(p, src->key.data + src->uri.len, rest);

    m->issuer = src->issuer;
    m->server = src->server;
    m->server_name = src->server_name;
    m->flags = src->flags;
    m->zone = src->zone;
    m->family = src;
    m->used = ngx_http_auth_jwt_wall_msec();

    ngx_queue_insert_head(&src->members, &m->queue);
    src->nmembers++;

    *out = m;

    return NGX_OK;
}


/* why an expansion cannot be a key request's uri, or NULL */

static const char *
ngx_http_auth_jwt_uri_refused(ngx_str_t *uri)
{
    u_char  *p, *end, *seg;

    if (uri->len == 0) {
        return "it is empty";
    }

    if (uri->len > NGX_HTTP_AUTH_JWT_URI_LEN) {
        return "it is too long";
    }

    if (uri->data[0] != '/') {
        return "it does not start with \"/\"";
    }

    end = uri->data + uri->len;
    seg = uri->data + 1;

    for (p = uri->data; p < end; p++) {
        if (!ngx_http_auth_jwt_uri_char(*p)) {
            return "a character that is not allowed";
        }

        if (p + 1 == end || p[1] == '/') {
            /* the end of the segment from seg to p */
            if ((p == seg && *p == '.')
                || (p == seg + 1 && seg[0] == '.' && seg[1] == '.'))
            {
                return "a \".\" or \"..\" segment";
            }

            seg = p + 2;
        }
    }

    return NULL;
}


/*
 * Expansions come from requests: one line a second per worker about the
 * refused ones, and the next line says how many were left out.
 */

static ngx_uint_t
ngx_http_auth_jwt_uri_log(ngx_log_t *log)
{
    if (ngx_http_auth_jwt_uri_logged != 0
        && ngx_current_msec - ngx_http_auth_jwt_uri_logged
           < NGX_HTTP_AUTH_JWT_URI_LOG)
    {
        ngx_http_auth_jwt_uri_unlogged++;
        return 0;
    }

    if (ngx_http_auth_jwt_uri_unlogged) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "auth_jwt_key_request: %ui more lines about refused "
                      "URIs were not logged",
                      ngx_http_auth_jwt_uri_unlogged);
        ngx_http_auth_jwt_uri_unlogged = 0;
    }

    /* 0 is "never logged" */
    ngx_http_auth_jwt_uri_logged = ngx_current_msec ? ngx_current_msec : 1;

    return 1;
}


/*
 * The wall clock in ms, as nginx cached it: comparable between workers
 * (ngx_current_msec is each process's own).  Unsigned: differences stay
 * right across a wrap; a clock set back makes an entry look unused.
 */

ngx_msec_t
ngx_http_auth_jwt_wall_msec(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (ngx_msec_t) tp->sec * 1000 + tp->msec;
}


/* a new uri of the family src must wait: its max_uris are all in use */

void
ngx_http_auth_jwt_source_busy(ngx_http_request_t *r,
    ngx_http_auth_jwt_source_t *src)
{
    if (src->family != NULL) {
        src = src->family;
    }

    if (ngx_http_auth_jwt_uri_log(r->connection->log)) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "auth_jwt_key_request \"%V\": all of its %ui URIs "
                      "(max_uris=) were used in the last second, a new one "
                      "waits", &src->uri, src->max);
    }
}


/*
 * A new member that the zone had no room for: out of this worker's
 * members at once, so that names the zone refuses never push out the
 * ones in use here.
 */

void
ngx_http_auth_jwt_source_drop(ngx_http_auth_jwt_source_t *src)
{
    if (src->family == NULL || src->set != NULL || src->refs || src->evicted)
    {
        return;
    }

    ngx_queue_remove(&src->queue);
    src->family->nmembers--;

    ngx_http_auth_jwt_member_free(src);
}


/* a fetch of a member ended: a member out of its family goes now */

void
ngx_http_auth_jwt_source_release(ngx_http_auth_jwt_source_t *src)
{
    if (src->family == NULL) {
        return;
    }

    if (--src->refs == 0 && src->evicted) {
        ngx_http_auth_jwt_member_free(src);
    }
}


/* a worker exits: a family's members */

void
ngx_http_auth_jwt_source_exit(ngx_http_auth_jwt_source_t *src)
{
    ngx_queue_t                 *q;
    ngx_http_auth_jwt_source_t  *m;

    if (src->cv == NULL) {
        return;
    }

    while (!ngx_queue_empty(&src->members)) {
        q = ngx_queue_head(&src->members);
        ngx_queue_remove(q);

        m = ngx_queue_data(q, ngx_http_auth_jwt_source_t, queue);

        if (m->refs) {
            m->evicted = 1;

        } else {
            ngx_http_auth_jwt_member_free(m);
        }
    }

    src->nmembers = 0;
}


static void
ngx_http_auth_jwt_member_free(ngx_http_auth_jwt_source_t *m)
{
    jwtgate_keyset_free(m->set);
    ngx_free(m);
}
