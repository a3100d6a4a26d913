
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
static ngx_int_t ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, json_t **value);
static ngx_int_t ngx_http_auth_jwt_op(ngx_uint_t op, const json_t *claim,
    const json_t *value, ngx_uint_t plain);
static ngx_int_t ngx_http_auth_jwt_plain_equal(const json_t *claim,
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
        return ngx_http_auth_jwt_op(rule->op, claim, rule->value,
                                    rule->plain);
    }

    rc = ngx_http_auth_jwt_rule_value(r, rule, &value);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_auth_jwt_op(rule->op, claim, value, 1);

    json_decref(value);

    return rc;
}


/*
 * A value made with variables: a number for gt, ge, lt and le; for the
 * set operators a JSON array when it starts with '[', else a set of one
 * string; for eq and ne a string.  NGX_DECLINED when it cannot be one.
 */

static ngx_int_t
ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, json_t **value)
{
    json_t     *v;
    ngx_str_t   s;

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
        return NGX_DECLINED;
    }

    *value = v;

    return NGX_OK;
}


static ngx_int_t
ngx_http_auth_jwt_op(ngx_uint_t op, const json_t *claim, const json_t *value,
    ngx_uint_t plain)
{
    double     a, b;
    ngx_int_t  eq;

    switch (op) {

    case NGX_HTTP_AUTH_JWT_OP_EQ:
    case NGX_HTTP_AUTH_JWT_OP_NE:
        if (json_is_array(claim) || json_is_object(claim)) {
            if (plain) {
                /* a plain value never equals a structure */
                return NGX_DECLINED;
            }
        }

        eq = plain ? ngx_http_auth_jwt_plain_equal(claim, value)
                   : ngx_http_auth_jwt_equal(claim, value);

        if (op == NGX_HTTP_AUTH_JWT_OP_EQ) {
            return eq ? NGX_OK : NGX_DECLINED;
        }

        return eq ? NGX_DECLINED : NGX_OK;

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
    case NGX_HTTP_AUTH_JWT_OP_NIN:
        /* one value: an array or object claim fails both */
        if (json_is_array(claim) || json_is_object(claim)) {
            return NGX_DECLINED;
        }

        if (ngx_http_auth_jwt_member(claim, value)) {
            return op == NGX_HTTP_AUTH_JWT_OP_IN ? NGX_OK : NGX_DECLINED;
        }

        return op == NGX_HTTP_AUTH_JWT_OP_IN ? NGX_DECLINED : NGX_OK;

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


/*
 * A plain value (a string in the configuration, or a variable's value)
 * against a claim: a string claim by its bytes, a number, boolean or null
 * claim by its JSON text ("level eq 5" matches 5 and 5.0 but not "5.0").
 */

static ngx_int_t
ngx_http_auth_jwt_plain_equal(const json_t *claim, const json_t *value)
{
    int      eq;
    char     buf[64];
    size_t   n;
    json_t  *num;

    if (!json_is_string(value)) {
        return ngx_http_auth_jwt_equal(claim, value);
    }

    if (json_is_string(claim)) {
        return json_equal((json_t *) claim, (json_t *) value);
    }

    if (json_is_number(claim)) {
        num = json_loadb(json_string_value(value), json_string_length(value),
                         JSON_DECODE_ANY, NULL);
        eq = json_is_number(num)
             && json_number_value(num) == json_number_value(claim);
        json_decref(num);

        return eq;
    }

    n = jwtgate_json_format(claim, buf, sizeof(buf));

    return n < sizeof(buf)
           && n == json_string_length(value)
           && ngx_memcmp(buf, json_string_value(value), n) == 0;
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
