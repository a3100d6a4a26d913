
/*
 * jwtgate: key sets and where they come from, at the bottom of the glue:
 * the key sources of a level, issuer=, a parsed set's number and the
 * words for a key set that did not parse.
 */


#include "ngx_http_auth_jwt_keyset.h"


/* issuer=value: a copy, NUL-terminated, or NULL after an error */

char *
ngx_http_auth_jwt_conf_issuer(ngx_conf_t *cf, ngx_str_t *value)
{
    if (value->len <= sizeof("issuer=") - 1
        || ngx_strncmp(value->data, "issuer=", sizeof("issuer=") - 1) != 0
        || ngx_strlchr(value->data, value->data + value->len, '\0'))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", it must be "
                           "\"issuer=<value>\"", value);
        return NULL;
    }

    /* the configuration's strings are NUL-terminated */
    return (char *) value->data + sizeof("issuer=") - 1;
}


ngx_http_auth_jwt_keys_t *
ngx_http_auth_jwt_conf_keys(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *ajcf)
{
    ngx_http_auth_jwt_keys_t  *keys;

    if (ajcf->keys != NGX_CONF_UNSET_PTR) {
        return ajcf->keys;
    }

    keys = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_keys_t));
    if (keys == NULL) {
        return NULL;
    }

    if (ngx_array_init(&keys->files, cf->pool, 2,
                       sizeof(ngx_http_auth_jwt_file_t *))
        != NGX_OK
        || ngx_array_init(&keys->vfiles, cf->pool, 1,
                          sizeof(ngx_http_auth_jwt_vfile_t))
           != NGX_OK
        || ngx_array_init(&keys->sources, cf->pool, 1,
                          sizeof(ngx_http_auth_jwt_key_request_t *))
           != NGX_OK)
    {
        return NULL;
    }

    ajcf->keys = keys;

    return keys;
}


/* a new key set was parsed: its number */

ngx_uint_t
ngx_http_auth_jwt_set_id(void)
{
    static ngx_uint_t  id;

    return ++id;
}


const char *
ngx_http_auth_jwt_keyset_error(jwtgate_rc_t rc)
{
    switch (rc) {

    case JWTGATE_ERR_NO_KEYS:
        return "no usable key in the key set";

    case JWTGATE_ERR_TOO_LARGE:
        return "too many keys, or a key too large";

    case JWTGATE_ERR_INTERNAL:
        return "out of memory";

    default:
        return "not a JWKS or JWK (JSON)";
    }
}
