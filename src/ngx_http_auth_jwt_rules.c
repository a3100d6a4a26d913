
/*
 * jwtgate: rules checked after a token verified -- auth_jwt_require
 * (NGINX Plus) and auth_jwt_require_claim / auth_jwt_require_header.
 *
 * A rule on a member the token does not carry fails, whatever the
 * operator.  The comparisons are the core's (jwtgate_rule_holds()):
 * integers exactly, a rule that cannot be judged fails, deny rules
 * included.  Here only the values: a variable's text is always a plain
 * value, never JSON.
 */


#include "ngx_http_auth_jwt.h"


static ngx_int_t ngx_http_auth_jwt_rule(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, ngx_http_auth_jwt_ctx_t *ctx);
static ngx_int_t ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, json_t **value);


static const char  *ngx_http_auth_jwt_op_names[] = {
    "eq", "ne", "gt", "ge", "lt", "le", "in", "nin", "intersect",
    "nintersect"
};


/* ngx_http_auth_jwt_op_e -> the core's operator */
static const jwtgate_op_t  ngx_http_auth_jwt_core_ops[] = {
    JWTGATE_OP_EQ, JWTGATE_OP_NE, JWTGATE_OP_GT, JWTGATE_OP_GE,
    JWTGATE_OP_LT, JWTGATE_OP_LE, JWTGATE_OP_IN, JWTGATE_OP_NIN,
    JWTGATE_OP_INTERSECT, JWTGATE_OP_NINTERSECT
};


ngx_int_t
ngx_http_auth_jwt_check_rules(ngx_http_request_t *r,
    ngx_http_auth_jwt_loc_conf_t *ajcf, ngx_http_auth_jwt_ctx_t *ctx)
{
    ngx_str_t                     value;
    ngx_uint_t                    i, j;
    ngx_http_auth_jwt_rule_t     *rule;
    ngx_http_complex_value_t     *cv;
    ngx_http_auth_jwt_require_t  *req;

    if (ajcf->requires) {
        req = ajcf->requires->elts;

        for (i = 0; i < ajcf->requires->nelts; i++) {
            cv = req[i].values->elts;

            for (j = 0; j < req[i].values->nelts; j++) {
                if (ngx_http_complex_value(r, &cv[j], &value) != NGX_OK) {
                    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                                  "auth_jwt: evaluating \"%V\" failed",
                                  &cv[j].value);
                    return JWTGATE_ERR_INTERNAL;
                }

                if (value.len == 0 || (value.len == 1 && value.data[0] == '0'))
                {
                    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                                  "auth_jwt: token rejected: "
                                  "insufficient_scope (auth_jwt_require "
                                  "\"%V\" is %s)", &cv[j].value,
                                  value.len ? "0" : "empty");

                    ctx->status = req[i].status;
                    return NGX_HTTP_AUTH_JWT_RULE_FAILED;
                }
            }
        }
    }

    if (ajcf->rules) {
        rule = ajcf->rules->elts;

        for (i = 0; i < ajcf->rules->nelts; i++) {
            switch (ngx_http_auth_jwt_rule(r, &rule[i], ctx)) {

            case NGX_OK:
                break;

            case NGX_ERROR:
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "auth_jwt: evaluating the rule on \"%V\" "
                              "failed", &rule[i].member.name);
                return JWTGATE_ERR_INTERNAL;

            case NGX_DECLINED:
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "auth_jwt: token rejected: insufficient_scope "
                              "(auth_jwt_require_%s \"%V\" %s failed)",
                              rule[i].header ? "header" : "claim",
                              &rule[i].member.name,
                              ngx_http_auth_jwt_op_names[rule[i].op]);

                ctx->status = rule[i].status;
                return NGX_HTTP_AUTH_JWT_RULE_FAILED;

            default:
                return JWTGATE_ERR_INTERNAL;
            }
        }
    }

    return JWTGATE_OK;
}


/* NGX_OK: the rule holds; NGX_DECLINED: it does not; NGX_ERROR */

static ngx_int_t
ngx_http_auth_jwt_rule(ngx_http_request_t *r, ngx_http_auth_jwt_rule_t *rule,
    ngx_http_auth_jwt_ctx_t *ctx)
{
    json_t        *value;
    ngx_int_t      rc;
    const json_t  *root, *claim;

    root = rule->header ? jwtgate_token_header(ctx->token)
                        : jwtgate_token_payload(ctx->token);

    claim = jwtgate_json_path(root, rule->member.path, rule->member.npath);
    if (claim == NULL) {
        return NGX_DECLINED;
    }

    if (rule->cv == NULL) {
        return jwtgate_rule_holds(ngx_http_auth_jwt_core_ops[rule->op],
                                  claim, rule->value, rule->plain != 0)
               ? NGX_OK : NGX_DECLINED;
    }

    rc = ngx_http_auth_jwt_rule_value(r, rule, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = jwtgate_rule_holds(ngx_http_auth_jwt_core_ops[rule->op], claim,
                            value, 1)
         ? NGX_OK : NGX_DECLINED;

    json_decref(value);

    return rc;
}


/*
 * A value made with variables is plain text, never JSON: a number for gt,
 * ge, lt and le; for the set operators a set of that one string; for eq
 * and ne a string.  NGX_DECLINED when it cannot be one.  For the set
 * operators a text that starts with '[' is refused: a client must not
 * turn the value into a set, and a configuration written when such a
 * text was read as a JSON array must not turn a deny rule open.
 */

static ngx_int_t
ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, json_t **value)
{
    size_t      len;
    json_t     *v;
    ngx_str_t   s, e;

    if (ngx_http_complex_value(r, rule->cv, &s) != NGX_OK) {
        return NGX_ERROR;
    }

    if (rule->op >= NGX_HTTP_AUTH_JWT_OP_GT
        && rule->op <= NGX_HTTP_AUTH_JWT_OP_LE)
    {
        v = json_loadb((char *) s.data, s.len, JSON_DECODE_ANY, NULL);
        if (v != NULL && !json_is_number(v)) {
            json_decref(v);
            v = NULL;
        }

    } else if (rule->op >= NGX_HTTP_AUTH_JWT_OP_IN) {
        v = (s.len && s.data[0] == '[')
            ? NULL : json_pack("[s#]", (char *) s.data, (int) s.len);

    } else {
        v = json_stringn((char *) s.data, s.len);
    }

    if (v == NULL) {
        /* the text may come from the client: no raw control characters */
        len = ngx_min(s.len, 256);

        e.data = ngx_pnalloc(r->pool, len + ngx_escape_json(NULL, s.data,
                                                            len));
        if (e.data == NULL) {
            return NGX_ERROR;
        }

        e.len = (u_char *) ngx_escape_json(e.data, s.data, len) - e.data;

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: the value \"%V%s\" of a rule on \"%V\" "
                      "cannot be used with \"%s\"", &e,
                      len < s.len ? "..." : "", &rule->member.name,
                      ngx_http_auth_jwt_op_names[rule->op]);
        return NGX_DECLINED;
    }

    *value = v;

    return NGX_OK;
}
