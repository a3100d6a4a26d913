
/*
 * jwtgate: rules checked after a token verified -- auth_jwt_require
 * (NGINX Plus) and auth_jwt_require_claim / auth_jwt_require_header.
 *
 * A rule on a member the token does not carry fails, whatever the
 * operator.  Numbers compare as numbers (1 equals 1.0); other values
 * compare by type and value ("1" is not 1).  For the set operators a
 * string claim is a space-separated list, as OAuth 2.0's "scope" is.
 */


#include "ngx_http_auth_jwt.h"


static ngx_int_t ngx_http_auth_jwt_rule(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, ngx_http_auth_jwt_ctx_t *ctx);
static json_t *ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule);
static ngx_int_t ngx_http_auth_jwt_op(ngx_uint_t op, const json_t *claim,
    const json_t *value);
static ngx_int_t ngx_http_auth_jwt_equal(const json_t *a, const json_t *b);
static ngx_int_t ngx_http_auth_jwt_member(const json_t *v,
    const json_t *array);
static ngx_int_t ngx_http_auth_jwt_intersect(const json_t *claim,
    const json_t *array);


static const char  *ngx_http_auth_jwt_op_names[] = {
    "eq", "ne", "gt", "ge", "lt", "le", "in", "nin", "intersect",
    "nintersect"
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
        return ngx_http_auth_jwt_op(rule->op, claim, rule->value);
    }

    value = ngx_http_auth_jwt_rule_value(r, rule);
    if (value == NULL) {
        return NGX_DECLINED;
    }

    rc = ngx_http_auth_jwt_op(rule->op, claim, value);

    json_decref(value);

    return rc;
}


/*
 * A value made with variables: a number for gt, ge, lt and le; for the
 * set operators a JSON array when it starts with '[', else a set of one
 * string; for eq and ne a string.  NULL when it cannot be one.
 */

static json_t *
ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule)
{
    json_t     *v;
    ngx_str_t   s;

    if (ngx_http_complex_value(r, rule->cv, &s) != NGX_OK) {
        return NULL;
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
        if (s.len && s.data[0] == '[') {
            v = json_loadb((char *) s.data, s.len, JSON_REJECT_DUPLICATES,
                           NULL);
            if (v != NULL && !json_is_array(v)) {
                json_decref(v);
                v = NULL;
            }

        } else {
            v = json_pack("[s#]", (char *) s.data, (int) s.len);
        }

    } else {
        v = json_stringn((char *) s.data, s.len);
    }

    if (v == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "auth_jwt: the value \"%V\" of a rule on \"%V\" "
                      "cannot be used with \"%s\"", &s, &rule->member.name,
                      ngx_http_auth_jwt_op_names[rule->op]);
    }

    return v;
}


static ngx_int_t
ngx_http_auth_jwt_op(ngx_uint_t op, const json_t *claim, const json_t *value)
{
    double  a, b;

    switch (op) {

    case NGX_HTTP_AUTH_JWT_OP_EQ:
        return ngx_http_auth_jwt_equal(claim, value) ? NGX_OK : NGX_DECLINED;

    case NGX_HTTP_AUTH_JWT_OP_NE:
        return ngx_http_auth_jwt_equal(claim, value) ? NGX_DECLINED : NGX_OK;

    case NGX_HTTP_AUTH_JWT_OP_GT:
    case NGX_HTTP_AUTH_JWT_OP_GE:
    case NGX_HTTP_AUTH_JWT_OP_LT:
    case NGX_HTTP_AUTH_JWT_OP_LE:
        if (!json_is_number(claim) || !json_is_number(value)) {
            return NGX_DECLINED;
        }

        a = json_number_value(claim);
        b = json_number_value(value);

        switch (op) {
        case NGX_HTTP_AUTH_JWT_OP_GT:
            return a > b ? NGX_OK : NGX_DECLINED;
        case NGX_HTTP_AUTH_JWT_OP_GE:
            return a >= b ? NGX_OK : NGX_DECLINED;
        case NGX_HTTP_AUTH_JWT_OP_LT:
            return a < b ? NGX_OK : NGX_DECLINED;
        default:
            return a <= b ? NGX_OK : NGX_DECLINED;
        }

    case NGX_HTTP_AUTH_JWT_OP_IN:
        return ngx_http_auth_jwt_member(claim, value) ? NGX_OK : NGX_DECLINED;

    case NGX_HTTP_AUTH_JWT_OP_NIN:
        return ngx_http_auth_jwt_member(claim, value) ? NGX_DECLINED : NGX_OK;

    case NGX_HTTP_AUTH_JWT_OP_INTERSECT:
        return ngx_http_auth_jwt_intersect(claim, value)
               ? NGX_OK : NGX_DECLINED;

    default: /* NGX_HTTP_AUTH_JWT_OP_NINTERSECT */
        return ngx_http_auth_jwt_intersect(claim, value)
               ? NGX_DECLINED : NGX_OK;
    }
}


static ngx_int_t
ngx_http_auth_jwt_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        return json_number_value(a) == json_number_value(b);
    }

    return json_equal((json_t *) a, (json_t *) b);
}


/* a scalar claim equal to a member of the array */

static ngx_int_t
ngx_http_auth_jwt_member(const json_t *v, const json_t *array)
{
    size_t         i;
    const json_t  *item;

    if (json_is_array(v) || json_is_object(v) || !json_is_array(array)) {
        return 0;
    }

    json_array_foreach(array, i, item) {
        if (ngx_http_auth_jwt_equal(v, item)) {
            return 1;
        }
    }

    return 0;
}


/*
 * The claim's members and the array share one: a claim array's members;
 * a string's space-separated words (OAuth 2.0 "scope"); another scalar
 * as itself.
 */

static ngx_int_t
ngx_http_auth_jwt_intersect(const json_t *claim, const json_t *array)
{
    size_t         i, j, len, wlen;
    const char    *s, *word, *end;
    const json_t  *item, *c;

    if (!json_is_array(array) || json_is_object(claim)) {
        return 0;
    }

    if (json_is_array(claim)) {
        json_array_foreach(claim, i, c) {
            if (ngx_http_auth_jwt_member(c, array)) {
                return 1;
            }
        }

        return 0;
    }

    if (!json_is_string(claim)) {
        return ngx_http_auth_jwt_member(claim, array);
    }

    s = json_string_value(claim);
    len = json_string_length(claim);
    end = s + len;

    while (s < end) {
        while (s < end && *s == ' ') {
            s++;
        }

        word = s;

        while (s < end && *s != ' ') {
            s++;
        }

        wlen = s - word;

        if (wlen == 0) {
            break;
        }

        json_array_foreach(array, j, item) {
            if (json_is_string(item)
                && json_string_length(item) == wlen
                && ngx_memcmp(json_string_value(item), word, wlen) == 0)
            {
                return 1;
            }
        }
    }

    return 0;
}
