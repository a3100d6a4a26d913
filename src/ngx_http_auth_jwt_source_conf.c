
/*
 * jwtgate: auth_jwt_key_request at configuration: the directive, a source
 * per server{} that uses it, and the identity of that server{} by which
 * the zone knows the source in every worker and across a reload.
 */


#include "ngx_http_auth_jwt_source_conf.h"
#include "ngx_http_auth_jwt_keyset.h"
#include "ngx_http_auth_jwt_source.h"

#include <ngx_sha1.h>


#define NGX_HTTP_AUTH_JWT_URIS        64      /* max_uris= by default */
#define NGX_HTTP_AUTH_JWT_MAX_URIS    1024    /* max_uris= at most */


/* a server{}'s identity in the zone */
typedef struct {
    ngx_http_core_srv_conf_t   *server;
    u_char                      id[20];
} ngx_http_auth_jwt_server_id_t;


static ngx_uint_t ngx_http_auth_jwt_same_issuer(const char *a,
    const char *b);
static ngx_int_t ngx_http_auth_jwt_server_id(ngx_conf_t *cf,
    ngx_http_core_srv_conf_t *cscf, ngx_uint_t n, u_char *id);
static ngx_int_t ngx_http_auth_jwt_str_cmp(const void *one,
    const void *two);


/* auth_jwt_key_request uri [issuer=value] [symmetric=on] [max_uris=n] */

char *
ngx_http_auth_jwt_key_request(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    char                              *issuer;
    unsigned                           flags;
    ngx_int_t                          max;
    ngx_str_t                         *value;
    ngx_uint_t                         i, vars;
    ngx_http_auth_jwt_keys_t          *keys;
    ngx_http_complex_value_t          *cv;
    ngx_http_auth_jwt_key_request_t   *rq, **rp;
    ngx_http_auth_jwt_main_conf_t     *amcf;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    vars = ngx_http_script_variables_count(&value[1]);

    if (value[1].len == 0
        || (value[1].data[0] != '/' && !(vars && value[1].data[0] == '$')))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URI \"%V\": it must start with \"/\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 0; vars && i < value[1].len; i++) {
        /* what an expansion may hold (checked again on every request),
         * and the braces of ${name} */
        if (!ngx_http_auth_jwt_uri_char(value[1].data[i])
            && value[1].data[i] != '{' && value[1].data[i] != '}')
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid URI \"%V\": a URI with variables "
                               "may hold letters, digits, \"/\" and "
                               "\"-._~!$&'()*+,=:@\" only", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    for (i = 0; i < value[1].len; i++) {
        if (value[1].data[i] <= 0x20 || value[1].data[i] == '"'
            || value[1].data[i] == '\\' || value[1].data[i] >= 0x7f)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid URI \"%V\": a character that needs "
                               "escaping", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    issuer = NULL;
    max = NGX_CONF_UNSET;

    /* a fetched set is public: HMAC secrets in it only if asked for */
    flags = JWTGATE_KEYSET_NO_SYMMETRIC;

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "max_uris=", 9) == 0) {
            if (max != NGX_CONF_UNSET) {
                return "has a duplicate \"max_uris\"";
            }

            max = ngx_atoi(value[i].data + 9, value[i].len - 9);

            if (max < 1 || max > NGX_HTTP_AUTH_JWT_MAX_URIS) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid parameter \"%V\": a number "
                                   "from 1 to %d", &value[i],
                                   NGX_HTTP_AUTH_JWT_MAX_URIS);
                return NGX_CONF_ERROR;
            }

            if (!vars) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "\"%V\" is for a URI with variables",
                                   &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "symmetric=on") == 0) {
            flags &= ~JWTGATE_KEYSET_NO_SYMMETRIC;
            continue;
        }

        if (ngx_strcmp(value[i].data, "symmetric=off") == 0) {
            continue;
        }

        if (issuer != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        issuer = ngx_http_auth_jwt_conf_issuer(cf, &value[i]);
        if (issuer == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (max == NGX_CONF_UNSET) {
        max = vars ? NGX_HTTP_AUTH_JWT_URIS : 0;
    }

    keys = ngx_http_auth_jwt_conf_keys(cf, ajcf);
    if (keys == NULL) {
        return NGX_CONF_ERROR;
    }

    /* one declaration per uri and issuer=, with one symmetric= */

    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    rp = amcf->requests.elts;
    rq = NULL;

    for (i = 0; i < amcf->requests.nelts; i++) {
        if (rp[i]->uri.len == value[1].len
            && ngx_strncmp(rp[i]->uri.data, value[1].data, value[1].len) == 0
            && ngx_http_auth_jwt_same_issuer(rp[i]->issuer, issuer))
        {
            rq = rp[i];
            break;
        }
    }

    if (rq == NULL) {
        rq = ngx_palloc(cf->pool, sizeof(ngx_http_auth_jwt_key_request_t));
        if (rq == NULL) {
            return NGX_CONF_ERROR;
        }

        rq->uri = value[1];
        rq->issuer = issuer;
        rq->flags = flags;
        rq->cv = NULL;
        rq->max = (ngx_uint_t) max;

        if (vars) {
            cv = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
            if (cv == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &value[1];
            ccv.complex_value = cv;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            rq->cv = cv;
        }

        rp = ngx_array_push(&amcf->requests);
        if (rp == NULL) {
            return NGX_CONF_ERROR;
        }

        *rp = rq;
    }

    if (rq->flags != flags) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is declared elsewhere %s "
                           "\"symmetric=on\"", &value[1],
                           (flags & JWTGATE_KEYSET_NO_SYMMETRIC)
                           ? "with" : "without");
        return NGX_CONF_ERROR;
    }

    if (rq->max != (ngx_uint_t) max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is declared elsewhere with another "
                           "\"max_uris\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    rp = keys->sources.elts;

    for (i = 0; i < keys->sources.nelts; i++) {
        if (rp[i] == rq) {
            return "is duplicate";
        }
    }

    if (keys->sources.nelts == sizeof(ngx_uint_t) * 8) {
        return "is repeated too many times";
    }

    rp = ngx_array_push(&keys->sources);
    if (rp == NULL) {
        return NGX_CONF_ERROR;
    }

    *rp = rq;

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_auth_jwt_same_issuer(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }

    return ngx_strcmp(a, b) == 0;
}


/*
 * The sources of a location: the auth_jwt_key_request of its level, each
 * in the location's server{}.
 */

char *
ngx_http_auth_jwt_source_bind(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *prev, ngx_http_auth_jwt_loc_conf_t *conf)
{
    ngx_uint_t                         i, made;
    ngx_array_t                       *bound;
    ngx_http_auth_jwt_source_t        *src;
    ngx_http_auth_jwt_key_request_t  **rq;

    conf->sources = NULL;

    if (conf->keys == NULL || conf->keys->sources.nelts == 0) {
        return NGX_CONF_OK;
    }

    bound = ngx_http_auth_jwt_source_bound(cf, prev->sources,
                                           prev->keys == conf->keys,
                                           conf->keys->sources.nelts);
    if (bound == NULL) {
        return NGX_CONF_ERROR;
    }

    if (bound == prev->sources) {
        conf->sources = bound;
        return NGX_CONF_OK;
    }

    rq = conf->keys->sources.elts;

    for (i = 0; i < conf->keys->sources.nelts; i++) {
        src = ngx_http_auth_jwt_source_bind_one(cf, bound,
                                                NGX_HTTP_AUTH_JWT_SRC_KEYS,
                                                &rq[i]->uri, rq[i]->issuer,
                                                &made);
        if (src == NULL) {
            return NGX_CONF_ERROR;
        }

        if (made) {
            src->flags = rq[i]->flags;
            src->cv = rq[i]->cv;
            src->max = rq[i]->max;
        }
    }

    conf->sources = bound;

    return NGX_CONF_OK;
}


/*
 * The sources a level binds in the location's server{}: the previous
 * level's (prev) when it is the same level (same) in the same server{},
 * else a new empty array for n.
 */

ngx_array_t *
ngx_http_auth_jwt_source_bound(ngx_conf_t *cf, ngx_array_t *prev,
    ngx_uint_t same, ngx_uint_t n)
{
    ngx_http_core_srv_conf_t     *cscf;
    ngx_http_auth_jwt_source_t  **sp;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);

    if (prev != NULL && same) {
        sp = prev->elts;

        if (sp[0]->server == cscf) {
            return prev;
        }
    }

    return ngx_array_create(cf->pool, n, sizeof(ngx_http_auth_jwt_source_t *));
}


/*
 * The source of a kind for uri in the location's server{}, pushed to
 * bound: the one made before for this server{} (the merge runs server by
 * server, so the sources of this server are the last ones made), or a new
 * one (*made = 1) with what every source has; the caller sets the rest.
 * A key set is known by uri and issuer, a revocation list by uri alone.
 */

ngx_http_auth_jwt_source_t *
ngx_http_auth_jwt_source_bind_one(ngx_conf_t *cf, ngx_array_t *bound,
    ngx_uint_t kind, ngx_str_t *uri, char *issuer, ngx_uint_t *made)
{
    ngx_uint_t                       j;
    ngx_http_core_srv_conf_t        *cscf;
    ngx_http_auth_jwt_source_t     **sp, *src;
    ngx_http_auth_jwt_main_conf_t   *amcf;

    cscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_core_module);
    amcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_auth_jwt_module);

    *made = 0;
    sp = amcf->sources.elts;
    src = NULL;

    for (j = amcf->sources.nelts; j > 0 && sp[j - 1]->server == cscf; j--) {
        if (sp[j - 1]->kind == kind
            && sp[j - 1]->uri.len == uri->len
            && ngx_strncmp(sp[j - 1]->uri.data, uri->data, uri->len) == 0
            && (kind != NGX_HTTP_AUTH_JWT_SRC_KEYS
                || ngx_http_auth_jwt_same_issuer(sp[j - 1]->issuer, issuer)))
        {
            src = sp[j - 1];
            break;
        }
    }

    if (src == NULL) {
        src = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_source_t));
        if (src == NULL) {
            return NULL;
        }

        src->uri = *uri;
        src->issuer = issuer;
        src->kind = kind;
        src->server = cscf;
        src->server_name = cscf->server_name;
        ngx_queue_init(&src->members);

        sp = ngx_array_push(&amcf->sources);
        if (sp == NULL) {
            return NULL;
        }

        *sp = src;
        *made = 1;
    }

    sp = ngx_array_push(bound);
    if (sp == NULL) {
        return NULL;
    }

    *sp = src;

    return src;
}


/* the zone's names of the sources: uri '\0' issuer '\0' server identity */

ngx_int_t
ngx_http_auth_jwt_source_keys(ngx_conf_t *cf,
    ngx_http_auth_jwt_main_conf_t *amcf)
{
    u_char                          *p, id[20];
    size_t                           len;
    ngx_uint_t                       i, j, n;
    ngx_array_t                      ids;
    ngx_http_auth_jwt_source_t     **sp;
    ngx_http_auth_jwt_server_id_t   *sid, *found;

    if (ngx_array_init(&ids, cf->temp_pool, 4,
                       sizeof(ngx_http_auth_jwt_server_id_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sp = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {

        sid = ids.elts;
        found = NULL;

        for (j = 0; j < ids.nelts; j++) {
            if (sid[j].server == sp[i]->server) {
                found = &sid[j];
                break;
            }
        }

        if (found == NULL) {
            /* two server{}s alike in names and addresses: the n-th one */

            for (n = 0; /* void */; n++) {
                if (ngx_http_auth_jwt_server_id(cf, sp[i]->server, n, id)
                    != NGX_OK)
                {
                    return NGX_ERROR;
                }

                sid = ids.elts;

                for (j = 0; j < ids.nelts; j++) {
                    if (ngx_memcmp(sid[j].id, id, sizeof(id)) == 0) {
                        break;
                    }
                }

                if (j == ids.nelts) {
                    break;
                }
            }

            found = ngx_array_push(&ids);
            if (found == NULL) {
                return NGX_ERROR;
            }

            found->server = sp[i]->server;
            ngx_memcpy(found->id, id, sizeof(id));
        }

        /* a revocation list's name ends with "R": never a key set's */
        len = sp[i]->uri.len + 1
              + (sp[i]->issuer ? ngx_strlen(sp[i]->issuer) : 0) + 1
              + sizeof(found->id)
              + (sp[i]->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION);

        p = ngx_pnalloc(cf->pool, len);
        if (p == NULL) {
            return NGX_ERROR;
        }

        sp[i]->key.data = p;
        sp[i]->key.len = len;

        p = ngx_cpymem(p, sp[i]->uri.data, sp[i]->uri.len);
        *p++ = '\0';

        if (sp[i]->issuer) {
            p = ngx_cpymem(p, sp[i]->issuer, ngx_strlen(sp[i]->issuer));
        }

        *p++ = '\0';
        p = ngx_cpymem(p, found->id, sizeof(found->id));

        if (sp[i]->kind == NGX_HTTP_AUTH_JWT_SRC_REVOCATION) {
            *p = 'R';
        }
    }

    return NGX_OK;
}


/*
 * A server{}'s identity: what brings a request to it, its server names
 * and its listen addresses (sorted: the order they are written in, or the
 * other servers, do not change it), and n for the n-th of servers alike.
 * The same in every worker and after a reload that keeps them.
 */

static ngx_int_t
ngx_http_auth_jwt_server_id(ngx_conf_t *cf, ngx_http_core_srv_conf_t *cscf,
    ngx_uint_t n, u_char *id)
{
    u_char                      buf[NGX_INT_T_LEN];
    ngx_str_t                  *s;
    ngx_uint_t                  i, p, a, k;
    ngx_sha1_t                  sha1;
    ngx_array_t                 names, addrs;
    ngx_http_conf_port_t       *port;
    ngx_http_conf_addr_t       *addr;
    ngx_http_server_name_t     *sn;
    ngx_http_core_srv_conf_t  **servers;
    ngx_http_core_main_conf_t  *cmcf;

    if (ngx_array_init(&names, cf->temp_pool, 4, sizeof(ngx_str_t))
        != NGX_OK
        || ngx_array_init(&addrs, cf->temp_pool, 4, sizeof(ngx_str_t))
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    sn = cscf->server_names.elts;

    for (i = 0; i < cscf->server_names.nelts; i++) {
        s = ngx_array_push(&names);
        if (s == NULL) {
            return NGX_ERROR;
        }

        *s = sn[i].name;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    port = cmcf->ports ? cmcf->ports->elts : NULL;

    for (p = 0; port && p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {
            servers = addr[a].servers.elts;

            for (k = 0; k < addr[a].servers.nelts; k++) {
                if (servers[k] == cscf) {
                    s = ngx_array_push(&addrs);
                    if (s == NULL) {
                        return NGX_ERROR;
                    }

                    *s = addr[a].opt.addr_text;
                    break;
                }
            }
        }
    }

    ngx_sort(names.elts, names.nelts, sizeof(ngx_str_t),
             ngx_http_auth_jwt_str_cmp);
    ngx_sort(addrs.elts, addrs.nelts, sizeof(ngx_str_t),
             ngx_http_auth_jwt_str_cmp);

    ngx_sha1_init(&sha1);

    s = names.elts;

    for (i = 0; i < names.nelts; i++) {
        ngx_sha1_update(&sha1, s[i].data, s[i].len);
        ngx_sha1_update(&sha1, "\0", 1);
    }

    ngx_sha1_update(&sha1, "\n", 1);

    s = addrs.elts;

    for (i = 0; i < addrs.nelts; i++) {
        ngx_sha1_update(&sha1, s[i].data, s[i].len);
        ngx_sha1_update(&sha1, "\0", 1);
    }

    ngx_sha1_update(&sha1, "\n", 1);
    ngx_sha1_update(&sha1, buf, ngx_sprintf(buf, "%ui", n) - buf);
    ngx_sha1_final(id, &sha1);

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_str_cmp(const void *one, const void *two)
{
    const ngx_str_t  *a = one;
    const ngx_str_t  *b = two;

    return ngx_memn2cmp(a->data, b->data, a->len, b->len);
}
