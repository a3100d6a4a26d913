
/*
 * jwtgate: members as text: a member's path, parsed at configuration and
 * printed for logs, and a JSON value rendered for a header or a variable.
 */


#include "ngx_http_auth_jwt_value.h"


/*
 * A member's value for a variable or a header line, in the pool:
 * NGX_DECLINED when jwtgate_render_header_value() refuses it, *reason
 * then says why; NGX_ERROR for lack of memory.
 */

ngx_int_t
ngx_http_auth_jwt_render(ngx_pool_t *pool, const json_t *value,
    ngx_str_t *out, const char **reason)
{
    size_t               len, n;
    u_char              *p;
    jwtgate_render_rc_t  rc;

    p = NULL;

    rc = jwtgate_render_header_value(value, NULL, 0, &len);

    if (rc == JWTGATE_RENDER_OK) {
        p = ngx_pnalloc(pool, len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        rc = jwtgate_render_header_value(value, (char *) p, len, &n);
        if (rc == JWTGATE_RENDER_OK && n != len) {
            return NGX_ERROR;
        }
    }

    if (rc == JWTGATE_RENDER_ERROR) {
        return NGX_ERROR;
    }

    if (rc != JWTGATE_RENDER_OK) {
        *reason = jwtgate_render_strerror(rc);
        return NGX_DECLINED;
    }

    out->data = p;
    out->len = len;

    return NGX_OK;
}


/* a member's name for logs: "sub", or ".realm_access.roles" for a path */

u_char *
ngx_http_auth_jwt_path_text(u_char *buf, u_char *last, const char **path,
    ngx_uint_t n)
{
    ngx_uint_t  i;

    if (n == 1) {
        return ngx_slprintf(buf, last, "%s", path[0]);
    }

    for (i = 0; i < n; i++) {
        buf = ngx_slprintf(buf, last, ".%s", path[i]);
    }

    return buf;
}


/*
 * A member name: "name" is a top-level member, ".a.b" walks nested
 * objects; with several arguments (auth_jwt_claim_set), each is a step.
 */

ngx_int_t
ngx_http_auth_jwt_conf_path(ngx_conf_t *cf, ngx_str_t *value,
    ngx_uint_t first, ngx_uint_t last, ngx_http_auth_jwt_path_t *path)
{
    u_char       *p, *end, *dot;
    ngx_uint_t    i, n;
    const char  **steps;

    n = 0;

    for (i = first; i <= last; i++) {
        if (value[i].len == 0
            || ngx_strlchr(value[i].data, value[i].data + value[i].len, '\0'))
        {
            goto invalid;
        }

        if (first == last && value[i].data[0] == '.') {
            n = 0;
            p = value[i].data + 1;
            end = value[i].data + value[i].len;

            for ( ;; ) {
                dot = ngx_strlchr(p, end, '.');
                if (dot == p || p == end) {
                    goto invalid;
                }

                n++;

                if (dot == NULL) {
                    break;
                }

                p = dot + 1;
            }

        } else {
            n++;
        }
    }

    steps = ngx_pcalloc(cf->pool, n * sizeof(char *));
    if (steps == NULL) {
        return NGX_ERROR;
    }

    path->path = steps;
    path->npath = n;
    path->name = value[first];

    if (first == last && value[first].data[0] == '.') {
        p = value[first].data + 1;
        end = value[first].data + value[first].len;

        for (i = 0; i < n; i++) {
            dot = ngx_strlchr(p, end, '.');
            if (dot == NULL) {
                dot = end;
            }

            steps[i] = ngx_pnalloc(cf->pool, dot - p + 1);
            if (steps[i] == NULL) {
                return NGX_ERROR;
            }

            ngx_cpystrn((u_char *) steps[i], p, dot - p + 1);
            p = dot + 1;
        }

        return NGX_OK;
    }

    for (i = first; i <= last; i++) {
        /* the configuration's strings are NUL-terminated */
        steps[i - first] = (char *) value[i].data;
    }

    return NGX_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid member name \"%V\"", &value[i]);
    return NGX_ERROR;
}
