/*
 * libFuzzer target: a token through every stage the glue runs on a
 * request -- parse, signature against a key set holding every key type,
 * claims -- plus the accessors the variables use.  Never crashes, never
 * leaks, never lets a key verify a token that names another kid.  And
 * what the parse took from the JSON without a tree (alg, kid, exp, the
 * claims' verdict) is what jansson's tree of the same text says.  Every
 * value rendered for nginx is safe in a header line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread_reference.h"


#ifndef JWTGATE_FUZZ_KEYS
#define JWTGATE_FUZZ_KEYS  "t/data/jwks-all.json"
#endif

#ifndef JWTGATE_FUZZ_HMAC
#define JWTGATE_FUZZ_HMAC  "t/data/jwks-hmac.json"
#endif


static jwtgate_keyset_t  *sets[2];


static jwtgate_keyset_t *
load(const char *path)
{
    FILE              *f;
    long               len;
    char              *buf;
    jwtgate_keyset_t  *set;

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        abort();
    }

    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        abort();
    }

    buf = malloc((size_t) len);
    if (buf == NULL || fread(buf, 1, (size_t) len, f) != (size_t) len) {
        abort();
    }

    fclose(f);

    if (jwtgate_keyset_parse(buf, (size_t) len, NULL, NULL, &set)
        != JWTGATE_OK)
    {
        abort();
    }

    free(buf);
    return set;
}


/* jwtgate_check_claims() as it was written on jansson's tree */

static int
ref_string_in(const json_t *s, const char *const *list, size_t n)
{
    size_t  i;

    for (i = 0; json_is_string(s) && i < n; i++) {
        if (strlen(list[i]) == json_string_length(s)
            && memcmp(list[i], json_string_value(s), strlen(list[i])) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static jwtgate_rc_t
ref_claims(const json_t *payload, const jwtgate_claims_policy_t *policy)
{
    size_t         i;
    double         d, now, leeway;
    const json_t  *v;

    now = (double) policy->now;
    leeway = (double) policy->leeway;

    v = json_object_get(payload, "exp");
    if (v == NULL) {
        if (policy->require_exp) {
            return JWTGATE_ERR_MISSING_EXP;
        }

    } else if (ref_numeric_date(v, &d) != 0) {
        return JWTGATE_ERR_BAD_CLAIM_TYPE;

    } else if (now >= d + leeway) {
        return JWTGATE_ERR_EXPIRED;
    }

    v = json_object_get(payload, "nbf");
    if (v != NULL && (ref_numeric_date(v, &d) != 0 || now + leeway < d)) {
        return JWTGATE_ERR_NOT_YET_VALID;
    }

    /* iat: the larger of the two leeways */
    if (policy->iat_leeway > policy->leeway) {
        leeway = (double) policy->iat_leeway;
    }

    v = json_object_get(payload, "iat");
    if (v != NULL && (ref_numeric_date(v, &d) != 0 || now + leeway < d)) {
        return JWTGATE_ERR_ISSUED_IN_FUTURE;
    }

    if (policy->n_issuers > 0
        && !ref_string_in(json_object_get(payload, "iss"), policy->issuers,
                          policy->n_issuers))
    {
        return JWTGATE_ERR_BAD_ISSUER;
    }

    if (policy->n_audiences == 0) {
        return JWTGATE_OK;
    }

    v = json_object_get(payload, "aud");

    if (ref_string_in(v, policy->audiences, policy->n_audiences)) {
        return JWTGATE_OK;
    }

    for (i = 0; json_is_array(v) && i < json_array_size(v); i++) {
        if (ref_string_in(json_array_get(v, i), policy->audiences,
                          policy->n_audiences))
        {
            return JWTGATE_OK;
        }
    }

    return JWTGATE_ERR_BAD_AUDIENCE;
}


/* what the parse extracted, against the trees */

static void
check_against_trees(const jwtgate_token_t *token,
    const jwtgate_claims_policy_t *policy)
{
    double         exp, ref_exp;
    const char    *kid, *name;
    const json_t  *header, *payload, *v;

    header = jwtgate_token_header(token);
    payload = jwtgate_token_payload(token);

    if (header == NULL || payload == NULL) {
        fprintf(stderr, "no tree for an accepted token\n");
        abort();
    }

    v = json_object_get(header, "alg");
    name = jwtgate_alg_name(jwtgate_token_alg(token));

    if (!json_is_string(v) || strlen(name) != json_string_length(v)
        || memcmp(name, json_string_value(v), strlen(name)) != 0)
    {
        fprintf(stderr, "alg differs from the header's\n");
        abort();
    }

    v = json_object_get(header, "kid");
    kid = jwtgate_token_kid(token);

    if ((v == NULL) != (kid == NULL)
        || (kid != NULL
            && (strlen(kid) != json_string_length(v)
                || memcmp(kid, json_string_value(v), strlen(kid)) != 0)))
    {
        fprintf(stderr, "kid differs from the header's\n");
        abort();
    }

    v = json_object_get(payload, "exp");
    exp = 0;
    ref_exp = 0;

    if (jwtgate_token_exp(token, &exp) != (v == NULL ? -1 : 0)
        || (v != NULL && (ref_numeric_date(v, &ref_exp) != 0
                          || exp != ref_exp)))
    {
        fprintf(stderr, "exp differs from the payload's\n");
        abort();
    }

    if (jwtgate_check_claims(token, policy) != ref_claims(payload, policy)) {
        fprintf(stderr, "claims differ: %s\n",
                jwtgate_strerror(jwtgate_check_claims(token, policy)));
        abort();
    }
}


/* a rendered value: safe in a header line, or abort */

static void
check_header_safe(const char *what, const char *p, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if ((unsigned char) p[i] < 0x20 || (unsigned char) p[i] == 0x7f) {
            fprintf(stderr, "%s: control byte 0x%02x rendered\n", what,
                    (unsigned char) p[i]);
            abort();
        }
    }
}


/* every member of the header and the payload as the variables and the
 * forwarded headers take it, and the payload as $jwt_payload does: what
 * is given is safe in a header line, and the compacted payload is the
 * same JSON */

static void
check_render(const jwtgate_token_t *token)
{
    int                  h;
    char                *buf;
    size_t               n, m, len;
    json_t              *a, *b;
    const char          *key, *text;
    const json_t        *root, *v;
    jwtgate_render_rc_t  rc;

    for (h = 0; h < 2; h++) {
        root = h ? jwtgate_token_header(token) : jwtgate_token_payload(token);

        json_object_foreach((json_t *) root, key, v) {
            rc = jwtgate_render_header_value(v, NULL, 0, &n);
            if (rc != JWTGATE_RENDER_OK) {
                continue;
            }

            buf = malloc(n + 1);
            if (buf == NULL) {
                abort();
            }

            if (jwtgate_render_header_value(v, buf, n, &m)
                != JWTGATE_RENDER_OK
                || m != n
                || (n > 0 && (buf[0] == ' ' || buf[n - 1] == ' ')))
            {
                fprintf(stderr, "\"%s\": rendered twice differently\n",
                        key);
                abort();
            }

            check_header_safe(key, buf, n);
            free(buf);
        }
    }

    text = jwtgate_token_payload_text(token, &len);

    if (jwtgate_render_json_text(text, len, NULL, 0, &n)
        != JWTGATE_RENDER_OK)
    {
        return;
    }

    buf = malloc(n + 1);
    if (buf == NULL
        || jwtgate_render_json_text(text, len, buf, n, &m)
           != JWTGATE_RENDER_OK
        || m != n)
    {
        abort();
    }

    check_header_safe("payload", buf, n);

    a = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    b = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);

    if (a != NULL && !json_equal(a, b)) {
        fprintf(stderr, "compacted payload reads otherwise: %.*s\n",
                (int) n, buf);
        abort();
    }

    json_decref(a);
    json_decref(b);
    free(buf);
}


/*
 * JWTGATE_PARSE_NUMERIC_IDS only widens: a token the plain parse takes it
 * takes too, one it refuses it refuses for the same reason or takes; an
 * integer id it takes is, in the tree, the string of the token's digits.
 */

static void
check_numeric_ids(const unsigned char *data, size_t size, jwtgate_rc_t rc)
{
    size_t             i, len;
    const char        *name, *s;
    const json_t      *v;
    jwtgate_rc_t       rc2;
    jwtgate_token_t   *token;
    jwtgate_limits_t   limits;
    jwtgate_detail_t   detail;

    jwtgate_limits_init(&limits);

    rc2 = jwtgate_token_parse_flags((const char *) data, size, &limits,
                                    JWTGATE_ALGS_ALL,
                                    JWTGATE_PARSE_NUMERIC_IDS, &detail,
                                    &token);

    if ((rc == JWTGATE_OK && rc2 != JWTGATE_OK)
        || (rc2 != JWTGATE_OK && rc2 != rc)
        || (rc2 == JWTGATE_ERR_BAD_CLAIM_TYPE
            && (detail.member == NULL || detail.numeric_id))
        || (rc2 != JWTGATE_OK && token != NULL))
    {
        fprintf(stderr, "numeric ids: %s, plain %s\n",
                jwtgate_strerror(rc2), jwtgate_strerror(rc));
        abort();
    }

    if (rc2 != JWTGATE_OK) {
        return;
    }

    name = jwtgate_token_numeric_id(token);

    if (name != NULL) {
        v = json_object_get(jwtgate_token_payload(token), name);

        if (jwtgate_token_payload(token) != NULL) {
            if (!json_is_string(v)) {
                abort();
            }

            s = json_string_value(v);
            len = json_string_length(v);

            for (i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9') {
                    abort();
                }
            }

            if (len == 0 || len > 19 || (len > 1 && s[0] == '0')) {
                abort();
            }
        }
    }

    jwtgate_token_free(token);
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    sets[0] = load(JWTGATE_FUZZ_KEYS);
    sets[1] = load(JWTGATE_FUZZ_HMAC);

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char                      buf[64];
    size_t                    len;
    const json_t             *v;
    jwtgate_rc_t              rc;
    jwtgate_token_t          *token;
    jwtgate_limits_t          limits;
    const jwtgate_key_t      *key;
    jwtgate_claims_policy_t   policy;
    static const char        *path[] = { "realm_access", "roles" };
    static const char        *issuers[] = { "https://issuer.test" };
    static const char        *audiences[] = { "api" };

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse((const char *) data, size, &limits,
                             JWTGATE_ALGS_ALL, &token);

    check_numeric_ids(data, size, rc);

    if (rc != JWTGATE_OK) {
        if (token != NULL) {
            abort();
        }

        return 0;
    }

    (void) jwtgate_token_kid(token);
    (void) jwtgate_token_payload_text(token, &len);

    v = jwtgate_json_path(jwtgate_token_payload(token), path, 2);
    if (v != NULL) {
        (void) jwtgate_json_format(v, buf, sizeof(buf));
    }

    v = jwtgate_json_path(jwtgate_token_payload(token), path, 1);
    if (v != NULL) {
        (void) jwtgate_json_format(v, buf, sizeof(buf));
    }

    check_render(token);

    rc = jwtgate_verify_signature(token,
                                  (const jwtgate_keyset_t *const *) sets, 2,
                                  &key, NULL);

    /* seeds are really signed; a key may only verify with its kid */
    if (rc == JWTGATE_OK && jwtgate_token_kid(token) != NULL
        && (jwtgate_key_kid(key) == NULL
            || strcmp(jwtgate_key_kid(key), jwtgate_token_kid(token)) != 0))
    {
        fprintf(stderr, "kid \"%s\" verified by another key\n",
                jwtgate_token_kid(token));
        abort();
    }

    memset(&policy, 0, sizeof(policy));
    policy.now = 1700000000;
    policy.leeway = 60;
    policy.iat_leeway = 120;
    policy.require_exp = 1;
    policy.issuers = issuers;
    policy.n_issuers = 1;
    policy.audiences = audiences;
    policy.n_audiences = 1;

    (void) jwtgate_check_claims(token, &policy);
    check_against_trees(token, &policy);

    /* the same at another time, with no audience and exp optional */
    policy.now = 4102444800;
    policy.require_exp = 0;
    policy.n_audiences = 0;
    check_against_trees(token, &policy);

    jwtgate_token_free(token);
    return 0;
}
