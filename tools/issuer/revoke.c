/*
 * Revocation: the list of revoked tokens and subjects, and its endpoints.
 *
 *   POST /auth/logout                  Authorization: Bearer <token>: that
 *                                      token is revoked (its jti until its
 *                                      exp; without a jti, its sub with the
 *                                      token's iat as cutoff)
 *   POST /auth/revoke                  Authorization: Bearer <admin secret>,
 *                                      {"sub": ".."} (cutoff now: every
 *                                      token of the subject issued so far)
 *                                      or {"jti": "..", "exp": N}
 *   GET  /.well-known/revocations.json the feed the gateways pull:
 *                                      {"jti":{..},"sub":{..}}, ETag,
 *                                      If-None-Match -> 304
 *
 * The list lives in memory as two jansson objects (hash tables), at most
 * --revocation-max entries: beyond that a revocation is refused with 507
 * rather than the list growing without bound.  A jti entry leaves the
 * list --revocation-margin seconds after its exp, a sub entry that long
 * after every token issued before its cutoff has expired (cutoff +
 * lifetime).  With --revocation-file the list is written to that file
 * (through a temporary file and a rename) after each change and read back
 * at start; without it a restart forgets it.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "issuer.h"
#include "http.h"


#define ISSUER_NAME_MAX     1024        /* a jti or sub in the list */
#define ISSUER_TOKEN_MAX    8192        /* a token presented to logout */
#define ISSUER_SECRET_MAX   1024


static void revocations_prune(issuer_revocations_t *rv, time_t now);
static int revocations_add(issuer_revocations_t *rv, json_t *set,
    const char *name, json_int_t t, time_t now);
static int revocations_save(issuer_revocations_t *rv);
static int revocations_load(issuer_revocations_t *rv, const char *path);
static int revocations_text(issuer_revocations_t *rv);
static const char *bearer(struct MHD_Connection *conn, size_t max,
    size_t *len);
static int etag_matches(const char *header, const char *etag);
static int b64token(const char *s, size_t len);
static enum MHD_Result answer_add(struct MHD_Connection *conn, int rc,
    const char *kind, const char *name, json_int_t t, const char *who);


int
issuer_revocations_init(issuer_revocations_t *rv, const issuer_conf_t *conf)
{
    FILE           *fp;
    size_t          n;
    unsigned char   secret[ISSUER_SECRET_MAX + 2];

    memset(rv, 0, sizeof(*rv));
    rv->conf = conf;
    rv->jti = json_object();
    rv->sub = json_object();
    rv->dirty = 1;

    if (rv->jti == NULL || rv->sub == NULL) {
        issuer_log("out of memory");
        goto failed;
    }

    if (conf->revocation_file != NULL
        && revocations_load(rv, conf->revocation_file) != 0)
    {
        goto failed;
    }

    if (conf->admin_secret_file == NULL) {
        return 0;
    }

    fp = fopen(conf->admin_secret_file, "r");
    if (fp == NULL) {
        issuer_log("cannot open %s: %s", conf->admin_secret_file,
                   strerror(errno));
        goto failed;
    }

    n = fread(secret, 1, sizeof(secret), fp);
    (void) fclose(fp);

    while (n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r')) {
        n--;
    }

    /* what an "Authorization: Bearer" can carry (RFC 6750 b64token) */

    if (n < 16 || n > ISSUER_SECRET_MAX
        || !b64token((const char *) secret, n))
    {
        issuer_log("%s: the admin secret must be one line of 16 to %d "
                   "characters A-Z a-z 0-9 - . _ ~ + / (then =)",
                   conf->admin_secret_file, ISSUER_SECRET_MAX);
        OPENSSL_cleanse(secret, sizeof(secret));
        goto failed;
    }

    /* kept as its SHA-256: compared in constant time, never logged */

    if (EVP_Digest(secret, n, rv->admin_sha256, NULL, EVP_sha256(), NULL)
        != 1)
    {
        OPENSSL_cleanse(secret, sizeof(secret));
        goto failed;
    }

    OPENSSL_cleanse(secret, sizeof(secret));
    rv->admin = 1;
    return 0;

failed:

    issuer_revocations_free(rv);
    return -1;
}


void
issuer_revocations_free(issuer_revocations_t *rv)
{
    json_decref(rv->jti);
    json_decref(rv->sub);
    free(rv->text);
    rv->jti = NULL;
    rv->sub = NULL;
    rv->text = NULL;
}


/*
 * The iat of a new token of sub: now, or just after the subject's cutoff
 * when it was revoked within this second, so that a login right after
 * "log out everywhere" is not revoked with the tokens before it (a token
 * is revoked when its iat is AT or before the cutoff).  At most a second
 * ahead: gateways accept an iat that far in the future
 * (auth_jwt_iat_leeway).
 */

time_t
issuer_revocations_iat(const issuer_revocations_t *rv, const char *sub,
    time_t now)
{
    json_t  *cutoff;

    cutoff = json_object_get(rv->sub, sub);

    if (json_is_integer(cutoff) && json_integer_value(cutoff) >= now) {
        return (time_t) json_integer_value(cutoff) + 1;
    }

    return now;
}


/* POST /auth/logout: the presented token revoked. */

enum MHD_Result
issuer_logout(issuer_ctx_t *ctx, struct MHD_Connection *conn)
{
    int                    rc;
    size_t                 len;
    json_t                *claims, *jti, *sub, *exp, *iat;
    time_t                 now;
    const char            *token, *why;
    enum MHD_Result        ret;
    issuer_revocations_t  *rv;

    rv = ctx->revocations;
    now = time(NULL);

    token = bearer(conn, ISSUER_TOKEN_MAX, &len);
    if (token == NULL) {
        issuer_log("logout: no bearer token");
        return issuer_respond(conn, MHD_HTTP_UNAUTHORIZED,
                              "{\"error\":\"invalid_request\"}", "no-store",
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Bearer realm=\"" ISSUER_NAME "\"");
    }

    issuer_keys_tick(ctx->keys, now);

    claims = issuer_keys_verify(ctx->keys, token, len, now, &why);
    if (claims == NULL) {
        issuer_log("logout: invalid token: %s", why);
        return issuer_respond(conn, MHD_HTTP_UNAUTHORIZED,
                              "{\"error\":\"invalid_token\"}", "no-store",
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Bearer realm=\"" ISSUER_NAME "\", "
                              "error=\"invalid_token\"");
    }

    jti = json_object_get(claims, "jti");
    sub = json_object_get(claims, "sub");
    exp = json_object_get(claims, "exp");
    iat = json_object_get(claims, "iat");

    if (json_is_string(jti) && json_string_length(jti) > 0
        && json_string_length(jti) <= ISSUER_NAME_MAX)
    {
        rc = revocations_add(rv, rv->jti, json_string_value(jti),
                             json_integer_value(exp), now);
        ret = answer_add(conn, rc, "jti", json_string_value(jti),
                         json_integer_value(exp), "logout");

    } else if (json_is_string(sub) && json_string_length(sub) > 0
               && json_string_length(sub) <= ISSUER_NAME_MAX)
    {
        /* every token of the subject up to this one's iat */
        rc = revocations_add(rv, rv->sub, json_string_value(sub),
                             json_is_integer(iat) ? json_integer_value(iat)
                                                  : (json_int_t) now,
                             now);
        ret = answer_add(conn, rc, "sub", json_string_value(sub),
                         json_is_integer(iat) ? json_integer_value(iat)
                                              : (json_int_t) now,
                         "logout");

    } else {
        issuer_log("logout: a token without jti or sub");
        ret = issuer_respond_error(conn, MHD_HTTP_BAD_REQUEST,
                                   "invalid_token",
                                   "the token has no jti and no sub");
    }

    json_decref(claims);
    return ret;
}


/* POST /auth/revoke: {"sub": ".."} or {"jti": "..", "exp": N}, admin. */

enum MHD_Result
issuer_revoke(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    issuer_request_t *r)
{
    int                    rc;
    size_t                 len;
    json_t                *doc, *jti, *sub, *exp;
    time_t                 now;
    json_int_t             t, limit;
    const char            *secret, *why;
    json_error_t           error;
    enum MHD_Result        ret;
    unsigned char          md[32];
    issuer_revocations_t  *rv;

    rv = ctx->revocations;

    secret = bearer(conn, ISSUER_SECRET_MAX, &len);

    if (secret == NULL
        || EVP_Digest(secret, len, md, NULL, EVP_sha256(), NULL) != 1
        || CRYPTO_memcmp(md, rv->admin_sha256, sizeof(md)) != 0)
    {
        issuer_log("revoke: %s", secret ? "wrong admin secret"
                                        : "no admin secret");
        return issuer_respond(conn, MHD_HTTP_UNAUTHORIZED,
                              "{\"error\":\"invalid_client\"}", "no-store",
                              MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                              "Bearer realm=\"" ISSUER_NAME " admin\"");
    }

    if (r->len == 0 || memchr(r->body, '\0', r->len) != NULL) {
        return issuer_bad_request(conn, "the body is empty or has a NUL");
    }

    doc = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return issuer_bad_request(conn, "the body is not a JSON object");
    }

    now = time(NULL);
    limit = (json_int_t) now + ctx->conf->lifetime;

    jti = json_object_get(doc, "jti");
    sub = json_object_get(doc, "sub");
    exp = json_object_get(doc, "exp");
    why = NULL;

    if ((jti == NULL) == (sub == NULL)) {
        why = "give exactly one of \"jti\" and \"sub\"";

    } else if (jti != NULL && (!json_is_string(jti)
                               || json_string_length(jti) == 0
                               || json_string_length(jti) > ISSUER_NAME_MAX))
    {
        why = "\"jti\" must be a string of 1 to 1024 bytes";

    } else if (sub != NULL && (!json_is_string(sub)
                               || json_string_length(sub) == 0
                               || json_string_length(sub) > ISSUER_NAME_MAX))
    {
        why = "\"sub\" must be a string of 1 to 1024 bytes";

    } else if (exp != NULL && (jti == NULL || !json_is_integer(exp)
                               || json_integer_value(exp) <= 0))
    {
        why = "\"exp\" goes with \"jti\", a positive integer";

    } else if (json_object_size(doc) != 1 + (exp != NULL)) {
        why = "unknown members";
    }

    if (why != NULL) {
        json_decref(doc);
        return issuer_bad_request(conn, why);
    }

    if (jti != NULL) {
        /* none of this issuer's tokens lives beyond now + lifetime */
        t = (exp != NULL && json_integer_value(exp) < limit)
            ? json_integer_value(exp) : limit;

        rc = revocations_add(rv, rv->jti, json_string_value(jti), t, now);
        ret = answer_add(conn, rc, "jti", json_string_value(jti), t, "revoke");

    } else {
        rc = revocations_add(rv, rv->sub, json_string_value(sub),
                             (json_int_t) now, now);
        ret = answer_add(conn, rc, "sub", json_string_value(sub),
                         (json_int_t) now, "revoke");
    }

    json_decref(doc);
    return ret;
}


/* GET /.well-known/revocations.json */

enum MHD_Result
issuer_revocations_feed(issuer_ctx_t *ctx, struct MHD_Connection *conn)
{
    const char            *inm;
    issuer_revocations_t  *rv;

    rv = ctx->revocations;

    revocations_prune(rv, time(NULL));

    if (revocations_text(rv) != 0) {
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_IF_NONE_MATCH);

    if (inm != NULL && etag_matches(inm, rv->etag)) {
        return issuer_respond(conn, MHD_HTTP_NOT_MODIFIED, "", "no-cache",
                              MHD_HTTP_HEADER_ETAG, rv->etag);
    }

    return issuer_respond(conn, MHD_HTTP_OK, rv->text, "no-cache",
                          MHD_HTTP_HEADER_ETAG, rv->etag);
}


static enum MHD_Result
answer_add(struct MHD_Connection *conn, int rc, const char *kind,
    const char *name, json_int_t t, const char *who)
{
    char             esc[ISSUER_NAME_MAX + 1];
    json_t          *body;
    enum MHD_Result  ret;

    issuer_log_escaped(esc, sizeof(esc), name, strlen(name));

    if (rc == 1) {
        issuer_log("%s: %s \"%s\": the revocation list is full", who, kind,
                   esc);
        return issuer_respond_error(conn, 507, "revocation_list_full",
                                    "the revocation list is full");
    }

    if (rc != 0) {
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    issuer_log("%s: %s \"%s\" revoked (%s %lld)", who, kind, esc,
               kind[0] == 'j' ? "until" : "cutoff", (long long) t);

    body = json_pack("{s:{s:s, s:I}}", "revoked", kind, name,
                     kind[0] == 'j' ? "exp" : "cutoff", t);
    if (body == NULL) {
        return issuer_respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                    "server_error", NULL);
    }

    ret = issuer_respond_json(conn, MHD_HTTP_OK, body);
    json_decref(body);
    return ret;
}


/*
 * Adds name -> t to set (a later t replaces an earlier one, never the
 * reverse).  0, 1 when the list is full, -1 on error.
 */

static int
revocations_add(issuer_revocations_t *rv, json_t *set, const char *name,
    json_int_t t, time_t now)
{
    json_t  *old;

    old = json_object_get(set, name);

    if (old != NULL) {
        if (json_integer_value(old) >= t) {
            return 0;
        }

    } else {
        if (json_object_size(rv->jti) + json_object_size(rv->sub)
            >= rv->conf->revocation_max)
        {
            revocations_prune(rv, now);
        }

        if (json_object_size(rv->jti) + json_object_size(rv->sub)
            >= rv->conf->revocation_max)
        {
            return 1;
        }
    }

    if (json_object_set_new(set, name, json_integer(t)) != 0) {
        issuer_log("out of memory");
        return -1;
    }

    rv->dirty = 1;

    return revocations_save(rv);
}


static void
revocations_prune(issuer_revocations_t *rv, time_t now)
{
    void        *tmp;
    json_t      *v;
    json_int_t   edge;
    const char  *k;

    /* a walk of the whole list: at most once a second */

    if (now == rv->pruned) {
        return;
    }

    rv->pruned = now;

    edge = (json_int_t) now - rv->conf->revocation_margin;

    json_object_foreach_safe(rv->jti, tmp, k, v) {
        if (json_integer_value(v) < edge) {
            (void) json_object_del(rv->jti, k);
            rv->dirty = 1;
        }
    }

    edge -= rv->conf->lifetime;

    json_object_foreach_safe(rv->sub, tmp, k, v) {
        if (json_integer_value(v) < edge) {
            (void) json_object_del(rv->sub, k);
            rv->dirty = 1;
        }
    }
}


/* The feed's text and its ETag (a SHA-256 of the text), when changed. */

static int
revocations_text(issuer_revocations_t *rv)
{
    char           *text;
    json_t         *doc;
    size_t          i;
    unsigned char   md[32];

    if (!rv->dirty && rv->text != NULL) {
        return 0;
    }

    doc = json_pack("{s:O, s:O}", "jti", rv->jti, "sub", rv->sub);
    if (doc == NULL) {
        return -1;
    }

    text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);

    if (text == NULL
        || EVP_Digest(text, strlen(text), md, NULL, EVP_sha256(), NULL) != 1)
    {
        free(text);
        issuer_log("cannot build the revocation feed");
        return -1;
    }

    free(rv->text);
    rv->text = text;

    rv->etag[0] = '"';

    for (i = 0; i < 16; i++) {
        (void) snprintf(rv->etag + 1 + 2 * i, 3, "%02x", md[i]);
    }

    rv->etag[33] = '"';
    rv->etag[34] = '\0';
    rv->dirty = 0;

    return 0;
}


/* If-None-Match: "*" or a list of (weak or strong) entity tags. */

static int
etag_matches(const char *header, const char *etag)
{
    size_t       n;
    const char  *p, *end;

    n = strlen(etag);

    for (p = header; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        end = strchr(p, ',');
        if (end == NULL) {
            end = p + strlen(p);
        }

        if (*p == '*' && (p + 1 == end || p[1] == ' ')) {
            return 1;
        }

        if (strncmp(p, "W/", 2) == 0) {
            p += 2;
        }

        if ((size_t) (end - p) >= n && strncmp(p, etag, n) == 0) {
            p += n;

            while (p < end && (*p == ' ' || *p == '\t')) {
                p++;
            }

            if (p == end) {
                return 1;
            }
        }
    }

    return 0;
}


/*
 * Written through a temporary file and a rename: never half a list, and
 * the new list on disk (the file, then the rename in its directory) before
 * the answer says "revoked".  The temporary file is made anew
 * (O_EXCL, O_NOFOLLOW: never through a link someone left there).
 */

static int
revocations_save(issuer_revocations_t *rv)
{
    int          fd, rc;
    char        *tmp, *dir, *slash;
    json_t      *doc;
    size_t       size;
    const char  *path, *what;

    path = rv->conf->revocation_file;

    if (path == NULL) {
        return 0;
    }

    size = strlen(path) + 8;
    tmp = malloc(size);
    dir = malloc(size);
    doc = json_pack("{s:O, s:O}", "jti", rv->jti, "sub", rv->sub);

    if (tmp == NULL || dir == NULL || doc == NULL) {
        free(tmp);
        free(dir);
        json_decref(doc);
        issuer_log("out of memory");
        return -1;
    }

    (void) snprintf(tmp, size, "%s.tmp", path);

    /* the directory, for its fsync: "." for a bare name */
    (void) snprintf(dir, size, "%s", path);
    slash = strrchr(dir, '/');

    if (slash == NULL) {
        (void) snprintf(dir, size, ".");

    } else if (slash == dir) {
        dir[1] = '\0';

    } else {
        *slash = '\0';
    }

    rc = -1;
    what = "open";

    /* a temporary file a crash left behind */
    (void) unlink(tmp);

    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0644);

    if (fd != -1) {
        what = "write";

        if (json_dumpfd(doc, fd, JSON_COMPACT | JSON_SORT_KEYS) == 0) {
            what = "fsync";

            if (fsync(fd) == 0) {
                what = "close";

                if (close(fd) == 0) {
                    rc = 0;
                }

                fd = -1;
            }
        }

        if (fd != -1) {
            (void) close(fd);
        }
    }

    json_decref(doc);

    if (rc == 0) {
        what = "rename";
        rc = rename(tmp, path);
    }

    if (rc != 0) {
        issuer_log("cannot write %s (%s %s): %s", path, what, tmp,
                   strerror(errno));
        (void) unlink(tmp);
        free(tmp);
        free(dir);
        return -1;
    }

    /* the rename survives a crash */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd == -1 || fsync(fd) != 0) {
        issuer_log("cannot sync the directory %s: %s", dir, strerror(errno));
        rc = -1;
    }

    if (fd != -1) {
        (void) close(fd);
    }

    free(tmp);
    free(dir);
    return rc;
}


/* At start: the file's list, if the file exists; the feed's own format. */

static int
revocations_load(issuer_revocations_t *rv, const char *path)
{
    size_t        i;
    json_t       *doc, *set, *v;
    const char   *k, *names[] = { "jti", "sub" };
    json_error_t  error;

    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return 0;
    }

    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!json_is_object(doc)) {
        issuer_log("%s: not a revocation list: %s", path, error.text);
        json_decref(doc);
        return -1;
    }

    for (i = 0; i < 2; i++) {
        set = json_object_get(doc, names[i]);

        if (set == NULL) {
            continue;
        }

        if (!json_is_object(set)) {
            goto invalid;
        }

        json_object_foreach(set, k, v) {
            if (!json_is_integer(v) || strlen(k) == 0
                || strlen(k) > ISSUER_NAME_MAX)
            {
                goto invalid;
            }
        }

        if (json_object_update(i == 0 ? rv->jti : rv->sub, set) != 0) {
            goto invalid;
        }
    }

    json_decref(doc);

    revocations_prune(rv, time(NULL));

    if (json_object_size(rv->jti) + json_object_size(rv->sub)
        > rv->conf->revocation_max)
    {
        issuer_log("%s: more than --revocation-max %zu entries", path,
                   rv->conf->revocation_max);
        return -1;
    }

    issuer_log("%s: %zu jti and %zu sub revoked", path,
               json_object_size(rv->jti), json_object_size(rv->sub));
    return 0;

invalid:

    issuer_log("%s: not a revocation list", path);
    json_decref(doc);
    return -1;
}


/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */

static int
b64token(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-._~+/", s[i]) == NULL || s[i] == '\0')
        {
            break;
        }
    }

    if (i == 0) {
        return 0;
    }

    while (i < len && s[i] == '=') {
        i++;
    }

    return i == len;
}


/* "Authorization: Bearer <b64token>", at most max bytes; NULL if not. */

static const char *
bearer(struct MHD_Connection *conn, size_t max, size_t *len)
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

    n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-._~+/");
    while (v[n] == '=') {
        n++;
    }

    if (n == 0 || n > max || v[n] != '\0') {
        return NULL;
    }

    *len = n;
    return v;
}
