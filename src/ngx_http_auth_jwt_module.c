
/*
 * jwtgate: ngx_http_auth_jwt_module -- module definition, directives,
 * configuration merge.  The check itself is in ngx_http_auth_jwt_handler.c;
 * crypto and JSON live in src/jwt/.
 */


#include "ngx_http_auth_jwt.h"
#include "ngx_http_auth_jwt_cache.h"
#include "ngx_http_auth_jwt_conf.h"
#include "ngx_http_auth_jwt_fetch.h"
#include "ngx_http_auth_jwt_file.h"
#include "ngx_http_auth_jwt_forward.h"
#include "ngx_http_auth_jwt_handler.h"
#include "ngx_http_auth_jwt_jwe.h"
#include "ngx_http_auth_jwt_login.h"
#include "ngx_http_auth_jwt_reason.h"
#include "ngx_http_auth_jwt_revoke_conf.h"
#include "ngx_http_auth_jwt_rules.h"
#include "ngx_http_auth_jwt_source.h"
#include "ngx_http_auth_jwt_source_conf.h"
#include "ngx_http_auth_jwt_status.h"
#include "ngx_http_auth_jwt_store.h"
#include "ngx_http_auth_jwt_vars.h"


static void *ngx_http_auth_jwt_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_auth_jwt_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_auth_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_auth_jwt_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_auth_jwt_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_auth_jwt_init_process(ngx_cycle_t *cycle);
static char *ngx_http_auth_jwt_revocation_max_age(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


static ngx_conf_enum_t  ngx_http_auth_jwt_revocation_stale[] = {
    { ngx_string("keep"), 0 },
    { ngx_string("refuse"), 1 },
    { ngx_null_string, 0 }
};
static void ngx_http_auth_jwt_exit_process(ngx_cycle_t *cycle);


static ngx_conf_num_bounds_t  ngx_http_auth_jwt_key_try_limit_bounds = {
    ngx_conf_check_num_bounds, 1, 1024
};


static ngx_command_t  ngx_http_auth_jwt_commands[] = {

    { ngx_string("auth_jwt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_key_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_jwt_key_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_key_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE123,
      ngx_http_auth_jwt_key_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_revocation_request"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_revocation_request,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_revocation_file"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE123,
      ngx_http_auth_jwt_revocation_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) JWTGATE_RLIST_JWTGATE },

    { ngx_string("auth_jwt_revocation_list_sub"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_revocation_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) JWTGATE_RLIST_KJDEV_SUB },

    { ngx_string("auth_jwt_revocation_list_kid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_revocation_file,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) JWTGATE_RLIST_KJDEV_KID },

    { ngx_string("auth_jwt_revocation_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_revocation_max_age,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_revocation_stale"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, revoke_stale),
      &ngx_http_auth_jwt_revocation_stale },

    { ngx_string("auth_jwt_key_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, key_cache),
      NULL },

    { ngx_string("auth_jwt_key_refresh_on_unknown_kid"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_kid_refresh,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_key_try_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, key_try_limit),
      &ngx_http_auth_jwt_key_try_limit_bounds },

    { ngx_string("auth_jwt_key_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_key_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, leeway),
      NULL },

    { ngx_string("auth_jwt_iat_leeway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, iat_leeway),
      NULL },

    { ngx_string("auth_jwt_type"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_type,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_require"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_require,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_claim_set"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_auth_jwt_claim_set,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_header_set"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_auth_jwt_claim_set,
      NGX_HTTP_LOC_CONF_OFFSET,
      1,
      NULL },

    { ngx_string("auth_jwt_issuer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_strings,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, issuers),
      NULL },

    { ngx_string("auth_jwt_audience"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_strings,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, audiences),
      NULL },

    { ngx_string("auth_jwt_algorithms"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_algorithms,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_require_exp"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, require_exp),
      NULL },

    { ngx_string("auth_jwt_numeric_ids"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, numeric_ids),
      NULL },

    { ngx_string("auth_jwt_require_typ"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_require_typ,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_require_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE3|NGX_CONF_TAKE4,
      ngx_http_auth_jwt_require_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_require_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF
                        |NGX_HTTP_LMT_CONF|NGX_CONF_TAKE3|NGX_CONF_TAKE4,
      ngx_http_auth_jwt_require_rule,
      NGX_HTTP_LOC_CONF_OFFSET,
      1,
      NULL },

    { ngx_string("auth_jwt_forward_claim"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_2MORE,
      ngx_http_auth_jwt_forward_claim,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_forward_payload"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_forward_payload,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_forward_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, forward_token),
      NULL },

    { ngx_string("auth_jwt_forward_max_length"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, forward_max),
      NULL },

    { ngx_string("auth_jwt_login_cookie"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_login_cookie,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_logout_cookie"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_auth_jwt_login_cookie,
      NGX_HTTP_LOC_CONF_OFFSET,
      1,
      NULL },

    { ngx_string("auth_jwt_token_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_auth_jwt_token_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_auth_jwt_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("auth_jwt_bypass_cors_preflight"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_auth_jwt_loc_conf_t, bypass_preflight),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_auth_jwt_module_ctx = {
    ngx_http_auth_jwt_add_variables,       /* preconfiguration */
    ngx_http_auth_jwt_init,                /* postconfiguration */

    ngx_http_auth_jwt_create_main_conf,    /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_auth_jwt_create_loc_conf,     /* create location configuration */
    ngx_http_auth_jwt_merge_loc_conf       /* merge location configuration */
};


ngx_module_t  ngx_http_auth_jwt_module = {
    NGX_MODULE_V1,
    &ngx_http_auth_jwt_module_ctx,         /* module context */
    ngx_http_auth_jwt_commands,            /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    ngx_http_auth_jwt_init_module,         /* init module */
    ngx_http_auth_jwt_init_process,        /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_auth_jwt_exit_process,        /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_auth_jwt_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&amcf->requests, cf->pool, 2,
                       sizeof(ngx_http_auth_jwt_key_request_t *))
        != NGX_OK
        || ngx_array_init(&amcf->sources, cf->pool, 2,
                          sizeof(ngx_http_auth_jwt_source_t *))
           != NGX_OK
        || ngx_array_init(&amcf->files, cf->pool, 2,
                          sizeof(ngx_http_auth_jwt_file_t *))
           != NGX_OK)
    {
        return NULL;
    }

    amcf->zone_size = NGX_CONF_UNSET;
    amcf->cache_size = NGX_CONF_UNSET;
    amcf->cache_max_age = NGX_CONF_UNSET;

    return amcf;
}


static void *
ngx_http_auth_jwt_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_auth_jwt_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_auth_jwt_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->realm = NULL;
     *     conf->tokens = NULL;
     *     conf->ntokens = 0;
     */

    conf->enabled = NGX_CONF_UNSET;
    conf->keys = NGX_CONF_UNSET_PTR;
    conf->algs = NGX_CONF_UNSET_UINT;
    conf->leeway = NGX_CONF_UNSET;
    conf->require_exp = NGX_CONF_UNSET;
    conf->issuers = NGX_CONF_UNSET_PTR;
    conf->audiences = NGX_CONF_UNSET_PTR;
    conf->requires = NGX_CONF_UNSET_PTR;
    conf->rules = NGX_CONF_UNSET_PTR;
    conf->key_cache = NGX_CONF_UNSET;
    conf->kid_refresh = NGX_CONF_UNSET;
    conf->key_try_limit = NGX_CONF_UNSET;
    conf->forwards = NGX_CONF_UNSET_PTR;
    conf->forward_token = NGX_CONF_UNSET;
    conf->forward_max = NGX_CONF_UNSET_SIZE;
    conf->login = NGX_CONF_UNSET_PTR;
    conf->logout = NGX_CONF_UNSET_PTR;
    conf->numeric_ids = NGX_CONF_UNSET;
    conf->iat_leeway = NGX_CONF_UNSET;
    conf->typs = NGX_CONF_UNSET_PTR;
    conf->bypass_preflight = NGX_CONF_UNSET;
    conf->revoke = NGX_CONF_UNSET_PTR;
    conf->revoke_max_age = NGX_CONF_UNSET;
    conf->revoke_stale = NGX_CONF_UNSET_UINT;
    conf->type = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_auth_jwt_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_auth_jwt_loc_conf_t *prev = parent;
    ngx_http_auth_jwt_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *clcf;

    if (conf->enabled == NGX_CONF_UNSET) {
        conf->enabled = prev->enabled;
        conf->realm = prev->realm;
        conf->tokens = prev->tokens;
        conf->ntokens = prev->ntokens;
    }

    ngx_conf_merge_ptr_value(conf->forwards, prev->forwards, NULL);
    if (conf->forward_payload.data == NULL) {
        conf->forward_payload = prev->forward_payload;
        conf->forward_payload_var = prev->forward_payload_var;

        if (conf->forward_payload.data == NULL) {
            ngx_str_set(&conf->forward_payload, "");
        }
    }
    ngx_conf_merge_value(conf->forward_token, prev->forward_token, 1);
    ngx_conf_merge_size_value(conf->forward_max, prev->forward_max, 4096);
    ngx_conf_merge_ptr_value(conf->login, prev->login, NULL);
    ngx_conf_merge_ptr_value(conf->logout, prev->logout, NULL);

    ngx_conf_merge_ptr_value(conf->keys, prev->keys, NULL);
    ngx_conf_merge_uint_value(conf->algs, prev->algs, NGX_CONF_UNSET_UINT);
    ngx_conf_merge_sec_value(conf->leeway, prev->leeway, 0);
    ngx_conf_merge_value(conf->require_exp, prev->require_exp, 1);
    ngx_conf_merge_ptr_value(conf->issuers, prev->issuers, NULL);
    ngx_conf_merge_ptr_value(conf->audiences, prev->audiences, NULL);
    ngx_conf_merge_ptr_value(conf->requires, prev->requires, NULL);
    ngx_conf_merge_ptr_value(conf->rules, prev->rules, NULL);
    ngx_conf_merge_sec_value(conf->key_cache, prev->key_cache, 300);
    ngx_conf_merge_sec_value(conf->kid_refresh, prev->kid_refresh, 30);
    ngx_conf_merge_value(conf->key_try_limit, prev->key_try_limit,
                         JWTGATE_MAX_TRIES);
    ngx_conf_merge_value(conf->numeric_ids, prev->numeric_ids, 0);
    ngx_conf_merge_sec_value(conf->iat_leeway, prev->iat_leeway, 60);
    ngx_conf_merge_ptr_value(conf->typs, prev->typs, NULL);
    ngx_conf_merge_value(conf->bypass_preflight, prev->bypass_preflight, 0);
    ngx_conf_merge_ptr_value(conf->revoke, prev->revoke, NULL);
    ngx_conf_merge_sec_value(conf->revoke_max_age, prev->revoke_max_age, 0);
    ngx_conf_merge_uint_value(conf->revoke_stale, prev->revoke_stale, 0);
    ngx_conf_merge_uint_value(conf->type, prev->type,
                              NGX_HTTP_AUTH_JWT_TYPE_SIGNED);

    if (conf->revoke != NULL && conf->leeway > NGX_HTTP_AUTH_JWT_RLIST_KEEP) {
        /* past a day, the lists no longer hold the jti the leeway admits */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt_leeway\" over 1d cannot be used "
                           "with revocation lists");
        return NGX_CONF_ERROR;
    }

    if (conf->enabled == 1) {
        /* the fetched revocation lists of this server{} */
        if (ngx_http_auth_jwt_revoke_bind(cf, prev, conf) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }

    } else {
        conf->rsources = NULL;
    }

    if (conf->enabled == 1 || conf->login != NULL) {
        /* the fetched key sets of this server{} */
        if (ngx_http_auth_jwt_source_bind(cf, prev, conf) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }
    }

    if (conf->enabled != 1) {
        return NGX_CONF_OK;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (conf->keys == NULL) {
        if (clcf->name.len == 0) {
            /*
             * the server level: its locations may name the keys (NGINX
             * Plus configurations put auth_jwt at http level, key files
             * in locations); a request left here gets 500, logged
             */
            return NGX_CONF_OK;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt\" is on but no key source is "
                           "configured (auth_jwt_key_file, "
                           "auth_jwt_key_request)");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_auth_jwt_keys_conf(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->algs != NGX_CONF_UNSET_UINT
        && conf->type != NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED
        && conf->keys->vfiles.nelts == 0
        && conf->keys->sources.nelts == 0
        && (conf->keys->algs & conf->algs) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"auth_jwt_algorithms\": none of the configured "
                           "keys can verify any of these algorithms");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_auth_jwt_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /* every level is merged: the key files' types are known */
    ngx_http_auth_jwt_files_drop(cf);

    /*
     * Handlers of a phase run in the reverse order of their registration,
     * and this module's postconfiguration runs after the rewrite module's:
     * the check comes before "return" and "rewrite".
     */

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_jwt_rewrite_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_auth_jwt_access_handler;

    if (ngx_http_auth_jwt_store_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the fetch's filters, then the login companion's */
    if (ngx_http_auth_jwt_fetch_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_auth_jwt_login_init(cf);
}


/* once per configuration load, in the master (or the single process) */

static ngx_int_t
ngx_http_auth_jwt_init_module(ngx_cycle_t *cycle)
{
    ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                  "auth_jwt module " NGX_HTTP_AUTH_JWT_VERSION " (jwtgate)");

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_init_process(ngx_cycle_t *cycle)
{
    ngx_http_auth_jwt_main_conf_t  *amcf;

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_auth_jwt_module);
    if (amcf == NULL || amcf->zone == NULL) {
        return NGX_OK;
    }

    ngx_http_auth_jwt_status_attach(ngx_http_auth_jwt_store_stats(amcf));

    /* the fetched key sets this configuration no longer names go */
    ngx_http_auth_jwt_store_takeover(amcf);

    return ngx_http_auth_jwt_cache_init(cycle, amcf->cache_size,
                                        amcf->cache_max_age);
}


static void
ngx_http_auth_jwt_exit_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                      i;
    ngx_http_auth_jwt_source_t    **src;
    ngx_http_auth_jwt_main_conf_t  *amcf;

    ngx_http_auth_jwt_keys_exit();
    ngx_http_auth_jwt_cache_exit();

    amcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_auth_jwt_module);
    if (amcf == NULL) {
        return;
    }

    /* this worker's parses of the fetched key sets */
    src = amcf->sources.elts;

    for (i = 0; i < amcf->sources.nelts; i++) {
        jwtgate_keyset_free(src[i]->set);
        src[i]->set = NULL;
        ngx_http_auth_jwt_source_exit(src[i]);
    }
}


/* auth_jwt_revocation_max_age time | off */

static char *
ngx_http_auth_jwt_revocation_max_age(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    time_t      t;
    ngx_str_t  *value;

    if (ajcf->revoke_max_age != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ajcf->revoke_max_age = 0;
        return NGX_CONF_OK;
    }

    t = ngx_parse_time(&value[1], 1);

    if (t == (time_t) NGX_ERROR || t < 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\": a time of at least 1s, "
                           "or \"off\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    ajcf->revoke_max_age = t;

    return NGX_CONF_OK;
}
