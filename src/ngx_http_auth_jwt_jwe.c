
/*
 * jwtgate: auth_jwt_type encrypted and nested (RFC 7516 compact JWE).
 *
 * encrypted: the JWE's plaintext is the claims, read and checked as a
 * JWS payload is (jwtgate_jwe_token()); the JWE's protected
 * header is the token's header ($jwt_header_*, kid and typ).  nested:
 * the plaintext is a JWS (cty "JWT", RFC 7519 5.2), parsed here and then
 * verified by the handler with the location's signature keys as any
 * signed token is.
 *
 * Decryption keys come from key files only (ngx_http_auth_jwt_file.c
 * parses those of JWE levels a second time with JWTGATE_KEYSET_DECRYPT,
 * and keeps no decryption key for the others), never
 * from auth_jwt_key_request: a fetched set is meant to be public.  The
 * JWE and its plaintext are freed before the request goes on; a token
 * made from one is never put in the verified-token cache.
 */


#include "ngx_http_auth_jwt_jwe.h"
#include "ngx_http_auth_jwt_file.h"
#include "ngx_http_auth_jwt_keys.h"


static ngx_int_t ngx_http_auth_jwt_keys_separate(ngx_conf_t *cf,
    ngx_http_auth_jwt_keys_t *keys);
static ngx_uint_t ngx_http_auth_jwt_parts(ngx_str_t *token);


const char *
ngx_http_auth_jwt_type_name(ngx_uint_t type)
{
    switch (type) {

    case NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED:
        return "encrypted";

    case NGX_HTTP_AUTH_JWT_TYPE_NESTED:
        return "nested";

    default:
        return "signed";
    }
}


/*
 * At configuration, a level that checks tokens: its key files hold the
 * keys its type needs.  A JWE level's files are read for decryption
 * keys (ngx_http_auth_jwt_file_decrypt() says what is wrong with them).
 */

ngx_int_t
ngx_http_auth_jwt_keys_conf(ngx_conf_t *cf,
    ngx_http_auth_jwt_loc_conf_t *conf)
{
    ngx_uint_t                  i, sig, dec;
    ngx_http_auth_jwt_file_t  **files;
    ngx_http_auth_jwt_keys_t   *keys;

    keys = conf->keys;
    files = keys->files.elts;
    sig = keys->vfiles.nelts + keys->sources.nelts;
    dec = keys->vfiles.nelts;

    if (conf->type != NGX_HTTP_AUTH_JWT_TYPE_SIGNED
        && keys->files.nelts == 0 && keys->vfiles.nelts == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt_type %s\" needs decryption keys, and "
                           "they come from \"auth_jwt_key_file\" only, "
                           "never from \"auth_jwt_key_request\"",
                           ngx_http_auth_jwt_type_name(conf->type));
        return NGX_ERROR;
    }

    for (i = 0; i < keys->files.nelts; i++) {
        if (files[i]->set != NULL) {
            sig++;

        } else if (conf->type == NGX_HTTP_AUTH_JWT_TYPE_SIGNED) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "auth_jwt_key_file \"%V\" holds no signature "
                               "key (decryption keys only: see "
                               "\"auth_jwt_type\")", &files[i]->path);
            return NGX_ERROR;
        }

        if (conf->type != NGX_HTTP_AUTH_JWT_TYPE_SIGNED
            && ngx_http_auth_jwt_file_decrypt(cf, files[i]) == NGX_OK)
        {
            dec++;
        }
    }

    if (conf->type == NGX_HTTP_AUTH_JWT_TYPE_SIGNED) {
        return NGX_OK;
    }

    if (dec == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt_type %s\": no key file holds a "
                           "decryption key (a private RSA, EC or X25519 "
                           "key, or an \"oct\" key marked \"use\": \"enc\"; "
                           "\"use\", if present, \"enc\")",
                           ngx_http_auth_jwt_type_name(conf->type));
        return NGX_ERROR;
    }

    if (conf->type == NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED) {
        for (i = 0; i < keys->files.nelts; i++) {
            if (files[i]->dset != NULL && !files[i]->public_warned
                && (jwtgate_keyset_jwe_algs(files[i]->dset)
                    & JWTGATE_JWE_ALGS_PUBLIC))
            {
                files[i]->public_warned = 1;

                ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                                   "\"auth_jwt_type encrypted\" with a "
                                   "private RSA, EC or X25519 key of \"%V\": "
                                   "anyone who has its public key can make "
                                   "a token it takes, so it authenticates "
                                   "nothing; \"auth_jwt_type nested\" "
                                   "checks a signed token inside",
                                   &files[i]->path);
                break;
            }
        }
    }

    if (conf->type != NGX_HTTP_AUTH_JWT_TYPE_NESTED) {
        return NGX_OK;
    }

    if (sig == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt_type nested\": no signature key for "
                           "the inner token (auth_jwt_key_file, "
                           "auth_jwt_key_request)");
        return NGX_ERROR;
    }

    /* a nested token is bound by the issuer= of its inner token's
     * verifying key; a file of decryption keys only verifies nothing */
    for (i = 0; i < keys->files.nelts; i++) {
        if (files[i]->issuer != NULL && files[i]->set == NULL
            && !files[i]->issuer_warned)
        {
            files[i]->issuer_warned = 1;

            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "\"auth_jwt_type nested\": issuer= of "
                               "auth_jwt_key_file \"%V\" binds nothing: its "
                               "keys only decrypt, and a nested token is "
                               "bound by the issuer= of the key that "
                               "verified its inner token", &files[i]->path);
        }
    }

    return ngx_http_auth_jwt_keys_separate(cf, keys);
}


/*
 * A nested level: no signature key of its key files is one of its
 * decryption keys or the public half of one (RFC 8725 3.9).  Only the
 * files read now: those named with variables and fetched key sets are
 * not looked at.
 */

static ngx_int_t
ngx_http_auth_jwt_keys_separate(ngx_conf_t *cf,
    ngx_http_auth_jwt_keys_t *keys)
{
    const char                 *skid, *dkid;
    ngx_uint_t                  i, j;
    const jwtgate_key_t        *s, *d;
    ngx_http_auth_jwt_file_t  **files;

    files = keys->files.elts;

    for (i = 0; i < keys->files.nelts; i++) {
        if (files[i]->set == NULL) {
            continue;
        }

        for (j = 0; j < keys->files.nelts; j++) {
            if (files[j]->dset == NULL
                || !jwtgate_keyset_shared(files[i]->set, files[j]->dset,
                                          &s, &d))
            {
                continue;
            }

            skid = jwtgate_key_kid(s);
            dkid = jwtgate_key_kid(d);

            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"auth_jwt_type nested\": signature key "
                               "#%uz (kid \"%s\") of \"%V\" is decryption "
                               "key #%uz (kid \"%s\") of \"%V\", or its "
                               "public half: the issuer and the gateway "
                               "would share one key pair or secret, and "
                               "whoever decrypts could sign (RFC 8725 3.9); "
                               "give each role a key of its own",
                               jwtgate_key_index(s) + 1, skid ? skid : "",
                               &files[i]->path, jwtgate_key_index(d) + 1,
                               dkid ? dkid : "", &files[j]->path);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The JWE decrypted with the location's decryption keys, ctx->token made
 * of its plaintext: the claims (encrypted) or the inner JWS, parsed but
 * not verified yet (nested).  Returns a jwtgate_rc_t; ctx->why may say
 * more.
 */

ngx_uint_t
ngx_http_auth_jwt_jwe_open(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx,
    ngx_str_t *token, unsigned algs, unsigned flags)
{
    size_t                        len, index;
    ngx_int_t                     rc;
    ngx_uint_t                    parts;
    jwtgate_rc_t                  jrc;
    jwtgate_jwe_t                *jwe;
    jwtgate_limits_t              limits;
    const unsigned char          *text;
    ngx_http_auth_jwt_keylist_t   list;

    ctx->why = NULL;

    parts = ngx_http_auth_jwt_parts(token);

    if (parts == 3) {
        ctx->why = "a signed token (JWS), where a JWE is expected";
        return JWTGATE_ERR_MALFORMED;
    }

    jwtgate_limits_init(&limits);

    jrc = jwtgate_jwe_parse((char *) token->data, token->len, &limits,
                            JWTGATE_JWE_ALGS_ALL, JWTGATE_ENCS_ALL,
                            &ctx->why, &jwe);
    if (jrc != JWTGATE_OK) {
        return jrc;
    }

    if (ajcf->type == NGX_HTTP_AUTH_JWT_TYPE_NESTED
        && !jwtgate_jwe_nested(jwe))
    {
        ctx->why = "the JWE's cty is not \"JWT\": a nested token holds "
                   "a signed token";
        jrc = JWTGATE_ERR_MALFORMED;
        goto done;
    }

    if (ajcf->type == NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED
        && jwtgate_jwe_nested(jwe))
    {
        ctx->why = "the JWE holds a signed token (cty \"JWT\"): see "
                   "\"auth_jwt_type nested\"";
        jrc = JWTGATE_ERR_MALFORMED;
        goto done;
    }

    rc = ngx_http_auth_jwt_keys_decrypt(r, ajcf, &list);
    if (rc != NGX_OK) {
        jrc = JWTGATE_ERR_INTERNAL;
        goto done;
    }

    if (list.n == 0) {
        /* key files named with variables, none of them usable */
        jrc = JWTGATE_ERR_NO_KEYS;
        goto done;
    }

    jrc = jwtgate_jwe_decrypt(jwe,
                              (const jwtgate_keyset_t *const *) list.sets,
                              list.n, list.tries, &ctx->why, NULL, &index);
    if (jrc != JWTGATE_OK) {
        goto done;
    }

    text = jwtgate_jwe_plaintext(jwe, &len);

    if (ajcf->type == NGX_HTTP_AUTH_JWT_TYPE_NESTED) {
        jrc = jwtgate_token_parse_flags((const char *) text, len, &limits,
                                        algs, flags, &ctx->detail,
                                        &ctx->token);
        if (jrc == JWTGATE_ERR_MALFORMED) {
            ctx->why = "the inner token is not a signed token (JWS)";
        }

        if (jrc == JWTGATE_OK) {
            /* its text, for $jwt_payload (a JWS: base64url and dots) */
            ctx->inner.data = ngx_pnalloc(r->pool, len);
            if (ctx->inner.data == NULL) {
                jwtgate_token_free(ctx->token);
                ctx->token = NULL;
                jrc = JWTGATE_ERR_INTERNAL;
                goto done;
            }

            ngx_memcpy(ctx->inner.data, text, len);
            ctx->inner.len = len;
        }

        goto done;
    }

    /* as NGINX Plus: public-key key management too (the docs and
     * nginx -t say what that authenticates: nothing) */
    jrc = jwtgate_jwe_token(jwe, &limits, flags | JWTGATE_PARSE_JWE_PUBLIC,
                            &ctx->detail, &ctx->token);
    if (jrc == JWTGATE_OK) {
        /* the decrypting key's file is bound to an issuer, or not */
        ctx->issuer = list.issuers[index];
    }

done:

    jwtgate_jwe_free(jwe);

    return jrc;
}


/* more on a signed location's refusal of a JWE */

const char *
ngx_http_auth_jwt_jwe_why(ngx_str_t *token, ngx_uint_t rc)
{
    if (rc == JWTGATE_ERR_MALFORMED && ngx_http_auth_jwt_parts(token) == 5) {
        return "an encrypted token (JWE), where a signed one is expected: "
               "see \"auth_jwt_type\"";
    }

    return NULL;
}


/* 3 for a JWS, 5 for a JWE, ... */

static ngx_uint_t
ngx_http_auth_jwt_parts(ngx_str_t *token)
{
    u_char      *p, *last;
    ngx_uint_t   n;

    n = 1;
    last = token->data + token->len;

    for (p = token->data; p < last; p++) {
        if (*p == '.') {
            n++;
        }
    }

    return n;
}
