
/*
 * jwtgate: auth_jwt_status.
 *
 * The counters (ngx_http_auth_jwt_reason.c) live in the auth_jwt_keys
 * zone, so they are summed over all workers as they go and survive a
 * reload (the zone does).
 * auth_jwt_status answers with them as JSON, or in the Prometheus text
 * format with "auth_jwt_status prometheus;" or "?format=prometheus".
 */


#include "ngx_http_auth_jwt_status.h"
#include "ngx_http_auth_jwt_reason.h"
#include "ngx_http_auth_jwt_store.h"


static ngx_int_t ngx_http_auth_jwt_status_handler(ngx_http_request_t *r);
static u_char *ngx_http_auth_jwt_status_json(u_char *p, u_char *last,
    ngx_atomic_t *stats, ngx_http_auth_jwt_main_conf_t *amcf);
static u_char *ngx_http_auth_jwt_status_prom(u_char *p, u_char *last,
    ngx_atomic_t *stats, ngx_http_auth_jwt_main_conf_t *amcf);
static u_char *ngx_http_auth_jwt_status_zone(u_char *p, u_char *last,
    ngx_http_auth_jwt_main_conf_t *amcf, ngx_uint_t prom);


static u_char *ngx_http_auth_jwt_prom_labels(u_char *p, u_char *last,
    ngx_http_auth_jwt_src_stat_t *st);


static u_char *ngx_http_auth_jwt_json_str(u_char *p, u_char *last,
    u_char *s, size_t len);
static u_char *ngx_http_auth_jwt_prom_str(u_char *p, u_char *last,
    u_char *s, size_t len);


static ngx_str_t  ngx_http_auth_jwt_prometheus = ngx_string("prometheus");


/* auth_jwt_status [json | prometheus] */

char *
ngx_http_auth_jwt_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *clcf;

    value = cf->args->elts;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "prometheus") == 0) {
            ajcf->status_prometheus = 1;

        } else if (ngx_strcmp(value[1].data, "json") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid format \"%V\": json or prometheus",
                               &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_auth_jwt_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_jwt_status_handler(ngx_http_request_t *r)
{
    size_t                          size;
    u_char                         *p;
    ngx_int_t                       rc;
    ngx_str_t                       format;
    ngx_buf_t                      *b;
    ngx_uint_t                      i, prom;
    ngx_chain_t                     out;
    ngx_atomic_t                   *stats;
    ngx_http_auth_jwt_source_t    **src;
    ngx_http_auth_jwt_main_conf_t  *amcf;
    ngx_http_auth_jwt_loc_conf_t   *ajcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ajcf = ngx_http_get_module_loc_conf(r, ngx_http_auth_jwt_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_auth_jwt_module);

    prom = ajcf->status_prometheus;

    if (ngx_http_arg(r, (u_char *) "format", 6, &format) == NGX_OK) {
        prom = (format.len == ngx_http_auth_jwt_prometheus.len
                && ngx_strncmp(format.data, "prometheus", format.len) == 0);
    }

    stats = ngx_http_auth_jwt_store_stats(amcf);

    /*
     * counters and sources: a bound the text stays within; a source's
     * uri, issuer and server appear 6 times in Prometheus, escaped (2
     * bytes at most per byte), and once each in JSON (6 bytes at most:
     * \u00XX)
     */

    size = 8192;
    src = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        size += 2048 + 18 * (src[i]->uri.len
                             + (src[i]->issuer ? ngx_strlen(src[i]->issuer)
                                               : 0)
                             + src[i]->server_name.len);
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = prom ? ngx_http_auth_jwt_status_prom(b->pos, b->end, stats, amcf)
             : ngx_http_auth_jwt_status_json(b->pos, b->end, stats, amcf);

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    if (prom) {
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4");
    } else {
        ngx_str_set(&r->headers_out.content_type, "application/json");
    }

    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static u_char *
ngx_http_auth_jwt_status_json(u_char *p, u_char *last, ngx_atomic_t *stats,
    ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_uint_t                   i, first;
    ngx_http_auth_jwt_src_stat_t  st;

    p = ngx_slprintf(p, last,
                     "{\"version\":\"" NGX_HTTP_AUTH_JWT_VERSION "\","
                     "\"verified\":%uA,\"rejected\":{",
                     stats[NGX_HTTP_AUTH_JWT_STAT_VERIFIED]);

    first = 1;

    for (i = 1; i <= NGX_HTTP_AUTH_JWT_LAST_REASON; i++) {
        if (i == NGX_HTTP_AUTH_JWT_WAIT) {
            continue;
        }

        p = ngx_slprintf(p, last, "%s\"%s\":%uA", first ? "" : ",",
                         ngx_http_auth_jwt_reason(i),
                         stats[NGX_HTTP_AUTH_JWT_STAT_REJECTED + i]);
        first = 0;
    }

    p = ngx_slprintf(p, last,
                     "},\"cache\":{\"hits\":%uA,\"misses\":%uA,"
                     "\"evictions\":%uA},\"sources\":[",
                     stats[NGX_HTTP_AUTH_JWT_STAT_HIT],
                     stats[NGX_HTTP_AUTH_JWT_STAT_MISS],
                     stats[NGX_HTTP_AUTH_JWT_STAT_EVICTION]);

    for (i = 0; i < amcf->sources.nelts; i++) {
        ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

        p = ngx_slprintf(p, last, "%s{\"uri\":\"", i ? "," : "");
        p = ngx_http_auth_jwt_json_str(p, last, st.uri.data, st.uri.len);
        p = ngx_slprintf(p, last, "\",\"issuer\":\"");

        if (st.issuer) {
            p = ngx_http_auth_jwt_json_str(p, last, (u_char *) st.issuer,
                                           ngx_strlen(st.issuer));
        }

        p = ngx_slprintf(p, last, "\",\"server\":\"");
        p = ngx_http_auth_jwt_json_str(p, last, st.server.data,
                                       st.server.len);

        p = ngx_slprintf(p, last,
                         "\",\"fetches_ok\":%ui,\"fetches_failed\":%ui,"
                         "\"last_success\":%T,\"last_error\":\"",
                         st.fetches_ok, st.fetches_failed, st.fetched);
        p = ngx_http_auth_jwt_json_str(p, last, st.error.data, st.error.len);
        if (st.kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            p = ngx_slprintf(p, last,
                             "\",\"last_error_time\":%T,\"generation\":%ui,"
                             "\"kind\":\"revocation\",\"interval\":%T,"
                             "\"age\":%T,\"entries\":%uz,\"jti\":%uz,"
                             "\"sub\":%uz,\"kid\":%uz,\"bytes\":%uz,"
                             "\"not_modified\":%ui,\"revoked\":%ui}",
                             st.error_time, st.generation, st.interval,
                             st.fetched ? ngx_time() - st.fetched : -1,
                             st.counts[0] + st.counts[1] + st.counts[2],
                             st.counts[0], st.counts[1], st.counts[2],
                             st.size, st.not_modified, st.revoked);
            continue;
        }

        p = ngx_slprintf(p, last,
                         "\",\"last_error_time\":%T,\"generation\":%ui,"
                         "\"keys\":%ui}",
                         st.error_time, st.generation, st.nkeys);
    }

    p = ngx_slprintf(p, last, "]");
    p = ngx_http_auth_jwt_status_zone(p, last, amcf, 0);

    return ngx_slprintf(p, last, "}\n");
}


static u_char *ngx_http_auth_jwt_status_prom_revocation(u_char *p,
    u_char *last, ngx_http_auth_jwt_main_conf_t *amcf);


static u_char *
ngx_http_auth_jwt_status_prom(u_char *p, u_char *last, ngx_atomic_t *stats,
    ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_uint_t                    i;
    ngx_http_auth_jwt_src_stat_t  st;

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_verified_total Requests whose token "
                     "verified.\n"
                     "# TYPE auth_jwt_verified_total counter\n"
                     "auth_jwt_verified_total %uA\n"
                     "# HELP auth_jwt_rejected_total Requests rejected, by "
                     "reason.\n"
                     "# TYPE auth_jwt_rejected_total counter\n",
                     stats[NGX_HTTP_AUTH_JWT_STAT_VERIFIED]);

    for (i = 1; i <= NGX_HTTP_AUTH_JWT_LAST_REASON; i++) {
        if (i == NGX_HTTP_AUTH_JWT_WAIT) {
            continue;
        }

        p = ngx_slprintf(p, last,
                         "auth_jwt_rejected_total{reason=\"%s\"} %uA\n",
                         ngx_http_auth_jwt_reason(i),
                         stats[NGX_HTTP_AUTH_JWT_STAT_REJECTED + i]);
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_cache_hits_total Signatures not "
                     "checked again: the token verified before.\n"
                     "# TYPE auth_jwt_cache_hits_total counter\n"
                     "auth_jwt_cache_hits_total %uA\n"
                     "# HELP auth_jwt_cache_misses_total Tokens not in the "
                     "verified-token cache.\n"
                     "# TYPE auth_jwt_cache_misses_total counter\n"
                     "auth_jwt_cache_misses_total %uA\n"
                     "# HELP auth_jwt_cache_evictions_total Entries pushed "
                     "out of a full cache.\n"
                     "# TYPE auth_jwt_cache_evictions_total counter\n"
                     "auth_jwt_cache_evictions_total %uA\n"
                     "# HELP auth_jwt_info The module's release, as the "
                     "version label.\n"
                     "# TYPE auth_jwt_info gauge\n"
                     "auth_jwt_info{version=\"" NGX_HTTP_AUTH_JWT_VERSION
                     "\"} 1\n",
                     stats[NGX_HTTP_AUTH_JWT_STAT_HIT],
                     stats[NGX_HTTP_AUTH_JWT_STAT_MISS],
                     stats[NGX_HTTP_AUTH_JWT_STAT_EVICTION]);

    p = ngx_http_auth_jwt_status_zone(p, last, amcf, 1);

    if (amcf->sources.nelts == 0) {
        return p;
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_key_fetches_total Key set fetches, "
                     "by source and result.\n"
                     "# TYPE auth_jwt_key_fetches_total counter\n");

    for (i = 0; i < amcf->sources.nelts; i++) {
        ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

        if (st.kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            continue;
        }

        p = ngx_slprintf(p, last, "auth_jwt_key_fetches_total{");
        p = ngx_http_auth_jwt_prom_labels(p, last, &st);
        p = ngx_slprintf(p, last, ",result=\"ok\"} %ui\n"
                         "auth_jwt_key_fetches_total{", st.fetches_ok);
        p = ngx_http_auth_jwt_prom_labels(p, last, &st);
        p = ngx_slprintf(p, last, ",result=\"failed\"} %ui\n",
                         st.fetches_failed);
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_key_last_success_seconds When a key "
                     "set was last fetched, Unix time.\n"
                     "# TYPE auth_jwt_key_last_success_seconds gauge\n");

    for (i = 0; i < amcf->sources.nelts; i++) {
        ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

        if (st.kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            continue;
        }

        p = ngx_slprintf(p, last, "auth_jwt_key_last_success_seconds{");
        p = ngx_http_auth_jwt_prom_labels(p, last, &st);
        p = ngx_slprintf(p, last, "} %T\n", st.fetched);
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_key_generation Key set generation, "
                     "by source.\n"
                     "# TYPE auth_jwt_key_generation gauge\n");

    for (i = 0; i < amcf->sources.nelts; i++) {
        ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

        if (st.kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            continue;
        }

        p = ngx_slprintf(p, last, "auth_jwt_key_generation{");
        p = ngx_http_auth_jwt_prom_labels(p, last, &st);
        p = ngx_slprintf(p, last, "} %ui\n", st.generation);
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_keys Usable keys, by source.\n"
                     "# TYPE auth_jwt_keys gauge\n");

    for (i = 0; i < amcf->sources.nelts; i++) {
        ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

        if (st.kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            continue;
        }

        p = ngx_slprintf(p, last, "auth_jwt_keys{");
        p = ngx_http_auth_jwt_prom_labels(p, last, &st);
        p = ngx_slprintf(p, last, "} %ui\n", st.nkeys);
    }

    return ngx_http_auth_jwt_status_prom_revocation(p, last, amcf);
}


static u_char *
ngx_http_auth_jwt_status_prom_revocation(u_char *p, u_char *last,
    ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_uint_t                    i, n;
    ngx_http_auth_jwt_src_stat_t  st;

    ngx_http_auth_jwt_source_t  **sp;

    static const char  *names[] = {
        "auth_jwt_revocation_fetches_total{", ",result=\"ok\"} %ui\n",
        "auth_jwt_revocation_fetches_total{", ",result=\"failed\"} %ui\n",
        "auth_jwt_revocation_not_modified_total{", "} %ui\n",
        "auth_jwt_revocation_entries{", "} %ui\n",
        "auth_jwt_revocation_age_seconds{", "} %ui\n",
        "auth_jwt_revoked_total{", "} %ui\n"
    };

    sp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        if (sp[i]->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            break;
        }
    }

    if (i == amcf->sources.nelts) {
        return p;
    }

    p = ngx_slprintf(p, last,
                     "# HELP auth_jwt_revocation_fetches_total Revocation "
                     "list fetches (auth_jwt_revocation_request), by source "
                     "and result; auth_jwt_revocation_not_modified_total of "
                     "them answered 304, auth_jwt_revocation_entries the "
                     "list's entries, auth_jwt_revocation_age_seconds the "
                     "time since the last successful fetch (-1: never: "
                     "written as 0), auth_jwt_revoked_total the tokens it "
                     "refused.\n");

    for (n = 0; n < sizeof(names) / sizeof(names[0]); n += 2) {
        for (i = 0; i < amcf->sources.nelts; i++) {
            ngx_http_auth_jwt_store_source_stat(amcf, i, &st);

            if (st.kind != NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
                continue;
            }

            p = ngx_slprintf(p, last, "%s", names[n]);
            p = ngx_http_auth_jwt_prom_labels(p, last, &st);
            p = ngx_slprintf(p, last, names[n + 1],
                             n == 0 ? st.fetches_ok
                             : n == 2 ? st.fetches_failed
                             : n == 4 ? st.not_modified
                             : n == 6 ? (ngx_uint_t) (st.counts[0]
                                                      + st.counts[1]
                                                      + st.counts[2])
                             : n == 8 ? (ngx_uint_t) (st.fetched
                                                  ? ngx_time() - st.fetched
                                                  : 0)
                             : st.revoked);
        }
    }

    return p;
}


/*
 * a source's labels: uri="..",issuer=".." (empty without issuer=),
 * server=".." (its server{}'s first name), so that sources sharing a URI
 * never print the same label set
 */

static u_char *
ngx_http_auth_jwt_prom_labels(u_char *p, u_char *last,
    ngx_http_auth_jwt_src_stat_t *st)
{
    p = ngx_slprintf(p, last, "uri=\"");
    p = ngx_http_auth_jwt_prom_str(p, last, st->uri.data, st->uri.len);
    p = ngx_slprintf(p, last, "\",issuer=\"");

    if (st->issuer) {
        p = ngx_http_auth_jwt_prom_str(p, last, (u_char *) st->issuer,
                                       ngx_strlen(st->issuer));
    }

    p = ngx_slprintf(p, last, "\",server=\"");
    p = ngx_http_auth_jwt_prom_str(p, last, st->server.data, st->server.len);

    return ngx_slprintf(p, last, "\"");
}


/* how full the auth_jwt_keys zone is: JSON members, or Prometheus lines */

static u_char *
ngx_http_auth_jwt_status_zone(u_char *p, u_char *last,
    ngx_http_auth_jwt_main_conf_t *amcf, ngx_uint_t prom)
{
    ngx_http_auth_jwt_zone_stat_t  zst;

    ngx_http_auth_jwt_store_zone_stat(amcf, &zst);

    if (!prom) {
        return ngx_slprintf(p, last,
                            ",\"key_zone\":{\"size\":%uz,\"free\":%uz,"
                            "\"entries\":%ui,\"freed\":%ui}",
                            zst.size, zst.free, zst.entries, zst.freed);
    }

    return ngx_slprintf(p, last,
                        "# HELP auth_jwt_key_zone_size_bytes Size of the "
                        "auth_jwt_keys zone.\n"
                        "# TYPE auth_jwt_key_zone_size_bytes gauge\n"
                        "auth_jwt_key_zone_size_bytes %uz\n"
                        "# HELP auth_jwt_key_zone_free_bytes Free pages of "
                        "the auth_jwt_keys zone, in bytes.\n"
                        "# TYPE auth_jwt_key_zone_free_bytes gauge\n"
                        "auth_jwt_key_zone_free_bytes %uz\n"
                        "# HELP auth_jwt_key_zone_entries Key sets in the "
                        "auth_jwt_keys zone.\n"
                        "# TYPE auth_jwt_key_zone_entries gauge\n"
                        "auth_jwt_key_zone_entries %ui\n"
                        "# HELP auth_jwt_key_zone_freed_total Key sets "
                        "freed because no configuration named them any "
                        "more.\n"
                        "# TYPE auth_jwt_key_zone_freed_total counter\n"
                        "auth_jwt_key_zone_freed_total %ui\n",
                        zst.size, zst.free, zst.entries, zst.freed);
}


/* a JSON string's content, escaped, within last */

static u_char *
ngx_http_auth_jwt_json_str(u_char *p, u_char *last, u_char *s, size_t len)
{
    size_t  n;

    n = len + ngx_escape_json(NULL, s, len);

    if ((size_t) (last - p) < n) {
        return p;
    }

    if (n == len) {
        return ngx_cpymem(p, s, len);
    }

    return (u_char *) ngx_escape_json(p, s, len);
}


/*
 * a Prometheus label value, escaped as the text exposition format wants
 * (backslash, double quote, line feed), within last
 */

static u_char *
ngx_http_auth_jwt_prom_str(u_char *p, u_char *last, u_char *s, size_t len)
{
    size_t  i, n;

    n = len;

    for (i = 0; i < len; i++) {
        if (s[i] == '\\' || s[i] == '"' || s[i] == '\n') {
            n++;
        }
    }

    if ((size_t) (last - p) < n) {
        return p;
    }

    for (i = 0; i < len; i++) {
        switch (s[i]) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = s[i];
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = s[i];
        }
    }

    return p;
}


ngx_atomic_t *
ngx_http_auth_jwt_store_stats(ngx_http_auth_jwt_main_conf_t *amcf)
{
    ngx_http_auth_jwt_shctx_t  *shctx;

    shctx = amcf->zone->data;

    return shctx->stats;
}


void
ngx_http_auth_jwt_store_source_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_uint_t i, ngx_http_auth_jwt_src_stat_t *st)
{
    ngx_queue_t                  *q;
    ngx_slab_pool_t              *shpool;
    ngx_http_auth_jwt_shsrc_t    *sh, *m;
    ngx_http_auth_jwt_source_t  **sp, *src;

    sp = amcf->sources.elts;
    src = sp[i];

    ngx_memzero(st, sizeof(ngx_http_auth_jwt_src_stat_t));

    st->uri = src->uri;
    st->issuer = src->issuer;
    st->kind = src->kind;
    st->interval = src->interval;
    st->server = src->server_name;
    st->error.data = st->error_buf;

    shpool = (ngx_slab_pool_t *) src->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_http_auth_jwt_store_entry(src);

    if (sh != NULL && src->cv != NULL) {
        /* a family: its members' fetches and keys, the last error */

        for (q = ngx_queue_head(&sh->members);
             q != ngx_queue_sentinel(&sh->members);
             q = ngx_queue_next(q))
        {
            m = ngx_queue_data(q, ngx_http_auth_jwt_shsrc_t, queue);

            st->fetches_ok += m->fetches_ok;
            st->fetches_failed += m->fetches_failed;
            st->fetched = ngx_max(st->fetched, m->fetched);
            st->generation += m->generation;
            st->nkeys += m->nkeys;

            if (m->error_time > st->error_time) {
                st->error_time = m->error_time;
                st->error.len = ngx_min(m->error_len, sizeof(st->error_buf));
                ngx_memcpy(st->error_buf, m->error, st->error.len);
            }
        }

    } else if (sh != NULL) {
        st->fetches_ok = sh->fetches_ok;
        st->fetches_failed = sh->fetches_failed;
        st->fetched = sh->fetched;
        st->error_time = sh->error_time;
        st->generation = sh->generation;
        st->nkeys = sh->nkeys;
        st->counts[0] = sh->counts[0];
        st->counts[1] = sh->counts[1];
        st->counts[2] = sh->counts[2];
        st->revoked = sh->revoked;
        st->not_modified = sh->not_modified;
        st->size = sh->text ? sh->text_len : 0;
        st->error.len = ngx_min(sh->error_len, sizeof(st->error_buf));
        ngx_memcpy(st->error_buf, sh->error, st->error.len);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}


/* how full the zone is */

void
ngx_http_auth_jwt_store_zone_stat(ngx_http_auth_jwt_main_conf_t *amcf,
    ngx_http_auth_jwt_zone_stat_t *st)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_auth_jwt_shctx_t  *shctx;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    shctx = amcf->zone->data;

    st->size = amcf->zone->shm.size;

    ngx_shmtx_lock(&shpool->mutex);

    st->free = shpool->pfree << ngx_pagesize_shift;
    st->entries = shctx->entries;
    st->freed = shctx->freed;

    ngx_shmtx_unlock(&shpool->mutex);
}
