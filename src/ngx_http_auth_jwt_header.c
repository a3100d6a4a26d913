
/*
 * jwtgate: header surgery on the request: removing headers without moving
 * the others, and header names compared as nginx and the upstreams see
 * them.
 */


#include "ngx_http_auth_jwt_header.h"


static ngx_uint_t ngx_http_auth_jwt_is_named(void *data, ngx_table_elt_t *h);


ngx_int_t
ngx_http_auth_jwt_remove_header(ngx_http_request_t *r, ngx_str_t *name)
{
    return ngx_http_auth_jwt_drop(r, ngx_http_auth_jwt_is_named, name, 0);
}


static ngx_uint_t
ngx_http_auth_jwt_is_named(void *data, ngx_table_elt_t *h)
{
    return ngx_http_auth_jwt_same_name(&h->key, data);
}


/*
 * The request's headers without those match() picks, and no other header
 * moved: nginx points at header elements (headers_in.host, .cookie and
 * the other chains since 1.23, the cookies array before), and each
 * pointer must keep reading the element the list holds.  A part of the
 * list is split into the runs of elements it keeps (part structures over
 * the same storage), or unlinked when it keeps none.  After a removal the
 * last part is made full, so that ngx_list_push() starts a new one and
 * never writes over a removed element.
 */

ngx_int_t
ngx_http_auth_jwt_drop(ngx_http_request_t *r,
    ngx_uint_t (*match)(void *data, ngx_table_elt_t *h), void *data,
    ngx_uint_t log)
{
    ngx_uint_t        i, n, start, removed;
    ngx_list_t       *list;
    ngx_list_part_t  *part, *prev, *next, *run;
    ngx_table_elt_t  *h;

    list = &r->headers_in.headers;
    removed = 0;
    prev = NULL;
    part = &list->part;

    while (part) {
        next = part->next;
        h = part->elts;
        n = part->nelts;

        if (n == 0) {
            /* the first part of an empty list */
            prev = part;
            part = next;
            continue;
        }

        run = NULL;
        start = 0;

        for (i = 0; i <= n; i++) {

            if (i < n) {
                if (!match(data, &h[i])) {
                    continue;
                }

                removed++;

                if (log) {
                    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                                  "auth_jwt: the client's \"%V\" header "
                                  "removed", &h[i].key);
                }
            }

            if (i == start) {
                start = i + 1;
                continue;
            }

            /* h[start .. i - 1] are kept */

            if (run == NULL) {
                run = part;

            } else {
                run->next = ngx_palloc(r->pool, sizeof(ngx_list_part_t));
                if (run->next == NULL) {
                    run->next = next;
                    return NGX_ERROR;
                }

                run = run->next;
                run->next = next;
            }

            run->elts = &h[start];
            run->nelts = i - start;

            start = i + 1;
        }

        if (run != NULL) {
            if (list->last == part) {
                list->last = run;
            }

            prev = run;
            part = next;
            continue;
        }

        /* nothing kept of this part */

        if (prev != NULL) {
            prev->next = next;

            if (list->last == part) {
                list->last = prev;
            }

            part = next;
            continue;
        }

        if (next != NULL) {
            /* the first part lives in the list: the next one moves in, and
             * is looked at in its turn */
            if (list->last == next) {
                list->last = part;
            }

            *part = *next;
            continue;
        }

        /* every header removed: storage of its own for the empty list */

        part->elts = ngx_palloc(r->pool, list->nalloc * list->size);
        if (part->elts == NULL) {
            return NGX_ERROR;
        }

        part->nelts = 0;
        break;
    }

    if (removed && list->last->nelts) {
        list->nalloc = list->last->nelts;
    }

    return NGX_OK;
}


/* header names as nginx and the upstreams see them: no case, '-' == '_' */

ngx_uint_t
ngx_http_auth_jwt_same_name(ngx_str_t *a, ngx_str_t *b)
{
    u_char      ca, cb;
    ngx_uint_t  i;

    if (a->len != b->len) {
        return 0;
    }

    for (i = 0; i < a->len; i++) {
        ca = ngx_tolower(a->data[i]);
        cb = ngx_tolower(b->data[i]);

        if (ca == '_') {
            ca = '-';
        }

        if (cb == '_') {
            cb = '-';
        }

        if (ca != cb) {
            return 0;
        }
    }

    return 1;
}
