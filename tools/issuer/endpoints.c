/*
 * The endpoints behind http.c: login with a password, a service token with
 * an API key, the JWKS.  Each gets a complete body (at most
 * ISSUER_BODY_MAX bytes, NUL-terminated) and answers with one response.
 */

#define _DEFAULT_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "issuer.h"
#include "http.h"


#define ISSUER_JTI_BYTES        16


static enum MHD_Result issue(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    json_t *claims, const char *scope, const char *who);
static json_t *claims_new(const issuer_conf_t *conf, const char *sub,
    time_t now);
static int form_parse(char *body, size_t len, const char **grant_type,
    const char **scope);
static int form_decode(char *s);
static const char *bearer_key(struct MHD_Connection *conn, size_t *len);


enum MHD_Result
issuer_login(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    issuer_request_t *r)
{
    char                  name[ISSUER_LOGIN_NAME_MAX + 1];
    size_t                ulen, plen;
    json_t               *doc, *username, *password, *claims;
    time_t                now;
    json_error_t          error;
    enum MHD_Result       rc;
    const char           *why;
    const issuer_user_t  *user;

    if (r->len == 0) {
        return issuer_bad_request(conn, "the body is empty");
    }

    if (memchr(r->body, '\0', r->len) != NULL) {
        return issuer_bad_request(conn, "the body contains a NUL byte");
    }

    doc = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &error);
    if (doc == NULL) {
        return issuer_bad_request(conn, "the body is not valid JSON");
    }

    why = NULL;
    username = json_object_get(doc, "username");
    password = json_object_get(doc, "password");

    if (!json_is_object(doc)) {
        why = "the body is not a JSON object";

    } else if (!json_is_string(username) || !json_is_string(password)) {
        why = "\"username\" and \"password\" must be strings";

    } else {
        ulen = json_string_length(username);
        plen = json_string_length(password);

        if (ulen == 0 || ulen > ISSUER_LOGIN_NAME_MAX) {
            why = "\"username\" must be 1 to 256 bytes";

        } else if (plen == 0 || plen > ISSUER_PASSWORD_MAX) {
            why = "\"password\" must be 1 to 512 bytes";
        }
    }

    if (why != NULL) {
        rc = issuer_bad_request(conn, why);
        goto done;
    }

    issuer_log_escaped(name, sizeof(name), json_string_value(username), ulen);

    user = issuer_accounts_check_password(ctx->accounts,
                                          json_string_value(username),
                                          json_string_value(password));
    if (user == NULL) {
        issuer_log("login: user \"%s\": invalid credentials", name);
        rc = issuer_respond_error(conn, MHD_HTTP_UNAUTHORIZED,
                                  "invalid_credentials", NULL);
        goto done;
    }

    now = issuer_revocations_iat(ctx->revocations, user->name, time(NULL));

    claims = claims_new(ctx->conf, user->name, now);

    if (claims != NULL
        && (json_object_set(claims, "roles", user->roles) != 0
            || (user->scope != NULL
                && json_object_set_new(claims, "scope",
                                       json_string(user->scope)) != 0)))
    {
        json_decref(claims);
        claims = NULL;
    }

    rc = issue(ctx, conn, claims, NULL, name);
    json_decref(claims);

done:

    if (json_is_string(password)) {
        OPENSSL_cleanse((char *) json_string_value(password),
                        json_string_length(password));
    }

    json_decref(doc);
    return rc;
}


enum MHD_Result
issuer_service_token(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    issuer_request_t *r)
{
    char                     name[ISSUER_USERNAME_MAX + 1];
    size_t                   len, klen;
    json_t                  *claims;
    time_t                   now;
    enum MHD_Result          rc;
    const char              *grant, *scope, *key, *p, *end;
    const issuer_service_t  *service;

    if (form_parse(r->body, r->len, &grant, &scope) != 0) {
        return issuer_bad_request(conn,
                                  "a malformed or repeated form parameter");
    }

    if (grant == NULL) {
        return issuer_bad_request(conn, "grant_type is missing");
    }

    if (strcmp(grant, "client_credentials") != 0) {
        return issuer_respond_error(conn, MHD_HTTP_BAD_REQUEST,
                                    "unsupported_grant_type",
                                    "only client_credentials is supported");
    }

    key = bearer_key(conn, &klen);
    service = (key != NULL)
              ? issuer_accounts_check_api_key(ctx->accounts, key, klen)
              : NULL;

    if (service == NULL) {
        issuer_log("token: %s", key ? "invalid API key" : "no API key");
        return issuer_respond(conn, MHD_HTTP_UNAUTHORIZED,
                              "{\"error\":\"invalid_client\"}", "no-store",
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Bearer realm=\"" ISSUER_NAME "\"");
    }

    issuer_log_escaped(name, sizeof(name), service->name,
                       strlen(service->name));

    /* a requested scope must be a subset of the service's */

    if (scope != NULL) {
        len = strlen(scope);

        if (len == 0 || !issuer_scope_valid(scope, len)) {
            return issuer_respond_error(conn, MHD_HTTP_BAD_REQUEST,
                                        "invalid_scope",
                                        "the scope is malformed");
        }

        for (p = scope; *p != '\0'; p = (*end == ' ') ? end + 1 : end) {
            end = strchr(p, ' ');
            if (end == NULL) {
                end = p + strlen(p);
            }

            if (!issuer_scope_has(service->scope, p, (size_t) (end - p))) {
                issuer_log("token: service \"%s\": scope not granted", name);
                return issuer_respond_error(conn, MHD_HTTP_BAD_REQUEST,
                                            "invalid_scope",
                                            "the scope exceeds the service's");
            }
        }

    } else {
        scope = service->scope;
    }

    now = issuer_revocations_iat(ctx->revocations, service->name,
                                 time(NULL));

    claims = claims_new(ctx->conf, service->name, now);

    if (claims != NULL && scope[0] != '\0'
        && json_object_set_new(claims, "scope", json_string(scope)) != 0)
    {
        json_decref(claims);
        claims = NULL;
    }

    rc = issue(ctx, conn, claims, scope, name);
    json_decref(claims);
    return rc;
}


enum MHD_Result
issuer_jwks(issuer_ctx_t *ctx, struct MHD_Connection *conn)
{
    char             *text, cache[64];
    enum MHD_Result   rc;

    issuer_keys_tick(ctx->keys, time(NULL));

    text = issuer_keys_jwks(ctx->keys);
    if (text == NULL) {
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    (void) snprintf(cache, sizeof(cache), "max-age=%ld",
                    ctx->conf->jwks_max_age);

    rc = issuer_respond(conn, MHD_HTTP_OK, text, cache, NULL, NULL);
    free(text);
    return rc;
}


/* Signs the claims (NULL: out of memory) and sends the token response. */

static enum MHD_Result
issue(issuer_ctx_t *ctx, struct MHD_Connection *conn, json_t *claims,
    const char *scope, const char *who)
{
    char             *token;
    json_t           *body;
    time_t            now;
    const char       *kid;
    enum MHD_Result   rc;

    if (claims == NULL) {
        issuer_log("cannot build the claims: out of memory");
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    now = time(NULL);
    issuer_keys_tick(ctx->keys, now);

    kid = NULL;
    token = issuer_keys_sign(ctx->keys, claims, now, &kid);
    if (token == NULL) {
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    body = json_pack("{s:s, s:s, s:I}", "access_token", token,
                     "token_type", "Bearer",
                     "expires_in", (json_int_t) ctx->conf->lifetime);

    if (body != NULL && scope != NULL
        && json_object_set_new(body, "scope", json_string(scope)) != 0)
    {
        json_decref(body);
        body = NULL;
    }

    free(token);

    if (body == NULL) {
        issuer_log("cannot build the response: out of memory");
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    issuer_log("%s \"%s\": token issued, kid %s",
               scope ? "token: service" : "login: user", who, kid);

    rc = issuer_respond_json(conn, MHD_HTTP_OK, body);
    json_decref(body);
    return rc;
}


static json_t *
claims_new(const issuer_conf_t *conf, const char *sub, time_t now)
{
    int            i;
    char           jti[ISSUER_JTI_BYTES * 2 + 1];
    unsigned char  rnd[ISSUER_JTI_BYTES];

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        issuer_log("RAND_bytes() failed");
        return NULL;
    }

    for (i = 0; i < ISSUER_JTI_BYTES; i++) {
        (void) snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
    }

    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}",
                     "iss", conf->issuer, "aud", conf->audience, "sub", sub,
                     "iat", (json_int_t) now,
                     "exp", (json_int_t) (now + conf->lifetime),
                     "jti", jti);
}


/*
 * application/x-www-form-urlencoded, decoded in place: grant_type and
 * scope, each at most once; other parameters are ignored (RFC 6749 3.2).
 */

static int
form_parse(char *body, size_t len, const char **grant_type,
    const char **scope)
{
    char  *p, *next, *eq;

    *grant_type = NULL;
    *scope = NULL;

    if (memchr(body, '\0', len) != NULL) {
        return -1;
    }

    for (p = body; p < body + len; p = next) {
        next = strchr(p, '&');

        if (next == NULL) {
            next = body + len;

        } else {
            *next++ = '\0';
        }

        if (*p == '\0') {
            continue;
        }

        eq = strchr(p, '=');
        if (eq == NULL) {
            return -1;
        }

        *eq++ = '\0';

        if (form_decode(p) != 0 || form_decode(eq) != 0) {
            return -1;
        }

        if (strcmp(p, "grant_type") == 0) {
            if (*grant_type != NULL) {
                return -1;
            }

            *grant_type = eq;

        } else if (strcmp(p, "scope") == 0) {
            if (*scope != NULL) {
                return -1;
            }

            *scope = eq;
        }
    }

    return 0;
}


static int
form_decode(char *s)
{
    int    hi, lo;
    char  *d;

    for (d = s; *s != '\0'; s++) {
        if (*s == '+') {
            *d++ = ' ';

        } else if (*s == '%') {
            hi = OPENSSL_hexchar2int((unsigned char) s[1]);
            lo = (hi < 0) ? -1 : OPENSSL_hexchar2int((unsigned char) s[2]);

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                return -1;
            }

            *d++ = (char) (hi << 4 | lo);
            s += 2;

        } else {
            *d++ = *s;
        }
    }

    *d = '\0';
    return 0;
}


/* The key of "Authorization: Bearer <key>", NULL if none or malformed. */

static const char *
bearer_key(struct MHD_Connection *conn, size_t *len)
{
    size_t       n;
    const char  *v;

    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_AUTHORIZATION);

    if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0) {
        return NULL;
    }

    v += 7;

    while (*v == ' ') {
        v++;
    }

    /* RFC 6750 b64token */
    n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-._~+/");
    while (v[n] == '=') {
        n++;
    }

    if (n == 0 || n > ISSUER_API_KEY_MAX || v[n] != '\0') {
        return NULL;
    }

    *len = n;
    return v;
}
