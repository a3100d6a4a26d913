
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


#include "ngx_http_auth_jwt_rules.h"
#include "ngx_http_auth_jwt_value.h"


static ngx_int_t ngx_http_auth_jwt_rule(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, ngx_http_auth_jwt_ctx_t *ctx);
static ngx_int_t ngx_http_auth_jwt_rule_value(ngx_http_request_t *r,
    ngx_http_auth_jwt_rule_t *rule, json_t **value);
static ngx_int_t ngx_http_auth_jwt_conf_status(ngx_conf_t *cf,
    ngx_str_t *value, ngx_uint_t *status);
static ngx_int_t ngx_http_auth_jwt_conf_json(ngx_conf_t *cf,
    ngx_str_t *text, size_t flags, json_t **out);
static void ngx_http_auth_jwt_json_cleanup(void *data);
static ngx_int_t ngx_http_auth_jwt_conf_scalars(const json_t *array);


static ngx_str_t  ngx_http_auth_jwt_ops[] = {
    ngx_string("eq"),
    ngx_string("ne"),
    ngx_string("gt"),
    ngx_string("ge"),
    ngx_string("lt"),
    ngx_string("le"),
    ngx_string("in"),
    ngx_string("nin"),
    ngx_string("intersect"),
    ngx_string("nintersect"),
    ngx_null_string
};


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


/* auth_jwt_require $value ... [error=401|403|4xx|5xx] */

char *
ngx_http_auth_jwt_require(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                         *value;
    ngx_uint_t                         i, n;
    ngx_http_complex_value_t          *cv;
    ngx_http_auth_jwt_require_t       *req;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;
    n = cf->args->nelts;

    if (ajcf->requires == NGX_CONF_UNSET_PTR) {
        ajcf->requires = ngx_array_create(cf->pool, 1,
                                          sizeof(ngx_http_auth_jwt_require_t));
        if (ajcf->requires == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    req = ngx_array_push(ajcf->requires);
    if (req == NULL) {
        return NGX_CONF_ERROR;
    }

    req->status = NGX_HTTP_UNAUTHORIZED;

    if (ngx_strncmp(value[n - 1].data, "error=", 6) == 0) {
        if (ngx_http_auth_jwt_conf_status(cf, &value[n - 1], &req->status)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        n--;
    }

    if (n < 2) {
        return "takes no value";
    }

    req->values = ngx_array_create(cf->pool, n - 1,
                                   sizeof(ngx_http_complex_value_t));
    if (req->values == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < n; i++) {

        if (ngx_http_script_variables_count(&value[i]) == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"%V\" is not a variable: auth_jwt_require "
                               "takes variables, such as $jwt_claim_role",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        cv = ngx_array_push(req->values);
        if (cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[i];
        ccv.complex_value = cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * auth_jwt_require_claim name operator value [error=code];
 * auth_jwt_require_header name operator value [error=code];
 */

char *
ngx_http_auth_jwt_require_rule(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_auth_jwt_loc_conf_t *ajcf = conf;

    ngx_str_t                         *value, text;
    ngx_uint_t                         i;
    ngx_http_auth_jwt_rule_t          *rule;
    ngx_http_compile_complex_value_t   ccv;

    value = cf->args->elts;

    if (ajcf->rules == NGX_CONF_UNSET_PTR) {
        ajcf->rules = ngx_array_create(cf->pool, 2,
                                       sizeof(ngx_http_auth_jwt_rule_t));
        if (ajcf->rules == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    rule = ngx_array_push(ajcf->rules);
    if (rule == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(rule, sizeof(ngx_http_auth_jwt_rule_t));

    rule->header = cmd->offset;
    rule->status = NGX_HTTP_FORBIDDEN;

    if (ngx_http_auth_jwt_conf_path(cf, value, 1, 1, &rule->member)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    for (i = 0; ngx_http_auth_jwt_ops[i].len; i++) {
        if (ngx_http_auth_jwt_ops[i].len == value[2].len
            && ngx_strncmp(ngx_http_auth_jwt_ops[i].data, value[2].data,
                           value[2].len) == 0)
        {
            break;
        }
    }

    if (ngx_http_auth_jwt_ops[i].len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "unknown operator \"%V\" (one of eq, ne, gt, ge, "
                           "lt, le, in, nin, intersect, nintersect)",
                           &value[2]);
        return NGX_CONF_ERROR;
    }

    rule->op = i;

    if (cf->args->nelts == 5) {
        if (ngx_strncmp(value[4].data, "error=", 6) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[4]);
            return NGX_CONF_ERROR;
        }

        if (ngx_http_auth_jwt_conf_status(cf, &value[4], &rule->status)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    /* the value: json=<text>, a $variable, or a plain string */

    if (ngx_strncmp(value[3].data, "json=", 5) == 0) {
        text.data = value[3].data + 5;
        text.len = value[3].len - 5;

        /* JSON from a request could turn a value into any set */
        if (text.len && text.data[0] == '$') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\": json= takes a literal "
                               "JSON text, never a variable (a variable's "
                               "value is a plain value)", &value[3]);
            return NGX_CONF_ERROR;
        }

        if (ngx_http_auth_jwt_conf_json(cf, &text, JSON_DECODE_ANY,
                                        &rule->value)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (rule->op >= NGX_HTTP_AUTH_JWT_OP_GT
            && rule->op <= NGX_HTTP_AUTH_JWT_OP_LE
            && !json_is_number(rule->value))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs a number, not \"%V\"",
                               &value[2], &value[3]);
            return NGX_CONF_ERROR;
        }

        if (rule->op >= NGX_HTTP_AUTH_JWT_OP_IN
            && !ngx_http_auth_jwt_conf_scalars(rule->value))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs a JSON array of "
                               "strings, numbers, booleans or null, "
                               "not \"%V\"", &value[2], &value[3]);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (ngx_http_script_variables_count(&value[3])) {
        rule->cv = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (rule->cv == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[3];
        ccv.complex_value = rule->cv;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (rule->op >= NGX_HTTP_AUTH_JWT_OP_GT
        && rule->op <= NGX_HTTP_AUTH_JWT_OP_LE)
    {
        /* a plain number */
        rule->value = json_loadb((char *) value[3].data, value[3].len,
                                 JSON_DECODE_ANY, NULL);

        if (!json_is_number(rule->value)) {
            json_decref(rule->value);
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "operator \"%V\" needs a number, not \"%V\"",
                               &value[2], &value[3]);
            return NGX_CONF_ERROR;
        }

        return ngx_http_auth_jwt_conf_json(cf, NULL, 0, &rule->value)
               == NGX_OK ? NGX_CONF_OK : NGX_CONF_ERROR;
    }

    /* a plain string; for the set operators, a set of that one string */

    if (rule->op >= NGX_HTTP_AUTH_JWT_OP_IN
        && value[3].len && value[3].data[0] == '[')
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the value \"%V\" of a set operator starts "
                           "with \"[\": write json=%V for a JSON array",
                           &value[3], &value[3]);
        return NGX_CONF_ERROR;
    }

    rule->plain = 1;
    rule->value = json_stringn((char *) value[3].data, value[3].len);

    if (rule->value != NULL && rule->op >= NGX_HTTP_AUTH_JWT_OP_IN) {
        rule->value = json_pack("[o]", rule->value);
    }

    if (rule->value == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" (not UTF-8?)", &value[3]);
        return NGX_CONF_ERROR;
    }

    return ngx_http_auth_jwt_conf_json(cf, NULL, 0, &rule->value) == NGX_OK
           ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* error=code: 400..599, not nginx's own 444 and 499 */

static ngx_int_t
ngx_http_auth_jwt_conf_status(ngx_conf_t *cf, ngx_str_t *value,
    ngx_uint_t *status)
{
    ngx_int_t  n;

    n = ngx_atoi(value->data + 6, value->len - 6);

    if (n < 400 || n > 599 || n == 444 || n == 499) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid error code in \"%V\": it must be "
                           "between 400 and 599, not 444 or 499", value);
        return NGX_ERROR;
    }

    *status = n;

    return NGX_OK;
}


/* JSON text (or, with text NULL, a value already made) owned by cf->pool */

static ngx_int_t
ngx_http_auth_jwt_conf_json(ngx_conf_t *cf, ngx_str_t *text, size_t flags,
    json_t **out)
{
    json_t              *v;
    json_error_t         err;
    ngx_pool_cleanup_t  *cln;

    if (text != NULL) {
        v = json_loadb((char *) text->data, text->len,
                       flags | JSON_REJECT_DUPLICATES, &err);
        if (v == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid JSON \"%V\": %s", text, err.text);
            return NGX_ERROR;
        }

    } else {
        v = *out;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        json_decref(v);
        return NGX_ERROR;
    }

    cln->handler = ngx_http_auth_jwt_json_cleanup;
    cln->data = v;

    *out = v;

    return NGX_OK;
}


static void
ngx_http_auth_jwt_json_cleanup(void *data)
{
    json_decref(data);
}


/* a set operator's value: an array of strings, numbers, booleans, null */

static ngx_int_t
ngx_http_auth_jwt_conf_scalars(const json_t *array)
{
    size_t         i;
    const json_t  *item;

    if (!json_is_array(array)) {
        return 0;
    }

    json_array_foreach(array, i, item) {
        if (json_is_array(item) || json_is_object(item)) {
            return 0;
        }
    }

    return 1;
}
