/*
 * The HTTP side, on libmicrohttpd in external select mode:
 *
 *   POST /auth/login              JSON {"username","password"} -> a token
 *   POST /auth/token              Authorization: Bearer <API key>, form
 *                                 grant_type=client_credentials[&scope=..]
 *   GET  /.well-known/jwks.json   the published public keys
 *
 * Here: the loop, routing, methods, Content-Type, bounded bodies and the
 * responses; the endpoints themselves are in endpoints.c.  Anything
 * malformed is a 400 with an RFC 6749 style {"error","error_description"}
 * body; an unknown path a 404, a wrong method a 405.
 */

#define _DEFAULT_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "issuer.h"
#include "http.h"


#define ISSUER_DISCARD_MAX      (1024 * 1024)
#define ISSUER_CONNECTIONS_MAX  64
#define ISSUER_CONN_TIMEOUT     10


static enum MHD_Result http_handler(void *cls,
    struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls);
static enum MHD_Result http_start_request(issuer_ctx_t *ctx,
    struct MHD_Connection *conn, const char *url, const char *method,
    void **con_cls);
static void http_completed(void *cls, struct MHD_Connection *conn,
    void **con_cls, enum MHD_RequestTerminationCode toe);
static void http_mhd_log(void *cls, const char *fmt, va_list ap);
static int content_type_is(struct MHD_Connection *conn, const char *type);
static enum MHD_Result method_not_allowed(struct MHD_Connection *conn,
    const char *allow);


static const char  *issuer_routes[] = {
    "/auth/login",
    "/auth/token",
    "/.well-known/jwks.json"
};


void *
issuer_http_start(issuer_ctx_t *ctx, unsigned *port)
{
    struct MHD_Daemon          *d;
    struct sockaddr_in          sa;
    const union MHD_DaemonInfo *info;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t) ctx->conf->port);

    if (inet_pton(AF_INET, ctx->conf->bind, &sa.sin_addr) != 1) {
        issuer_log("--bind %s: not an IPv4 address", ctx->conf->bind);
        return NULL;
    }

    if (ntohl(sa.sin_addr.s_addr) >> 24 != 127) {
        issuer_log("warning: --bind %s is not a loopback address, and this "
                   "is not a production identity provider", ctx->conf->bind);
    }

    d = MHD_start_daemon(MHD_USE_ERROR_LOG, (uint16_t) ctx->conf->port,
                         NULL, NULL, http_handler, ctx,
                         MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
                         MHD_OPTION_CONNECTION_LIMIT,
                             (unsigned) ISSUER_CONNECTIONS_MAX,
                         MHD_OPTION_CONNECTION_TIMEOUT,
                             (unsigned) ISSUER_CONN_TIMEOUT,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                             (size_t) 32768,
                         MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
                         MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
                         MHD_OPTION_END);
    if (d == NULL) {
        issuer_log("cannot listen on %s:%u", ctx->conf->bind,
                   ctx->conf->port);
        return NULL;
    }

    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *port = (info != NULL) ? info->port : ctx->conf->port;

    return d;
}


/*
 * One turn of the loop: waits for network activity, a signal (unblocked
 * only while waiting, through sigmask) or the next key event, then lets
 * libmicrohttpd work.  0, or -1 when the loop cannot go on.
 */

int
issuer_http_run(void *daemon, time_t next_event, const sigset_t *sigmask)
{
    int                      rc;
    fd_set                   rs, ws, es;
    long long                ms, left;
    MHD_socket               max;
    struct timespec          ts, now;
    MHD_UNSIGNED_LONG_LONG   mhd_ms;

    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    max = 0;

    if (MHD_get_fdset(daemon, &rs, &ws, &es, &max) != MHD_YES) {
        issuer_log("MHD_get_fdset() failed");
        return -1;
    }

    ms = 1000;

    if (MHD_get_timeout(daemon, &mhd_ms) == MHD_YES
        && mhd_ms < (MHD_UNSIGNED_LONG_LONG) ms)
    {
        ms = (long long) mhd_ms;
    }

    if (next_event != 0 && clock_gettime(CLOCK_REALTIME, &now) == 0) {
        left = ((long long) next_event - now.tv_sec) * 1000
               - now.tv_nsec / 1000000;

        if (left < ms) {
            ms = left > 0 ? left : 0;
        }
    }

    ts.tv_sec = (time_t) (ms / 1000);
    ts.tv_nsec = (long) (ms % 1000) * 1000000;

    rc = pselect(max + 1, &rs, &ws, &es, &ts, sigmask);

    if (rc == -1) {
        if (errno == EINTR) {
            return 0;
        }

        issuer_log("pselect() failed: %s", strerror(errno));
        return -1;
    }

    if (MHD_run_from_select(daemon, &rs, &ws, &es) != MHD_YES) {
        issuer_log("MHD_run_from_select() failed");
        return -1;
    }

    return 0;
}


void
issuer_http_stop(void *daemon)
{
    MHD_stop_daemon(daemon);
}


static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    size_t             n;
    issuer_ctx_t      *ctx;
    issuer_request_t  *r;

    (void) version;

    ctx = cls;

    if (*con_cls == NULL) {
        return http_start_request(ctx, conn, url, method, con_cls);
    }

    r = *con_cls;
    n = *upload_data_size;

    if (n != 0) {
        /* a body that does not fit is read to its end, up to a limit */

        if (!r->too_large && n <= ISSUER_BODY_MAX - r->len) {
            memcpy(r->body + r->len, upload_data, n);
            r->len += n;

        } else {
            r->too_large = 1;
            r->discarded += n;

            if (r->discarded > ISSUER_DISCARD_MAX) {
                issuer_log("%s %s: body over %d bytes, connection closed",
                           method, url, ISSUER_DISCARD_MAX);
                return MHD_NO;
            }
        }

        *upload_data_size = 0;
        return MHD_YES;
    }

    if (r->too_large) {
        return issuer_bad_request(conn,
                                  "the body is larger than 8192 bytes");
    }

    r->body[r->len] = '\0';

    if (r->route == ISSUER_ROUTE_LOGIN) {
        return issuer_login(ctx, conn, r);
    }

    return issuer_service_token(ctx, conn, r);
}


/* The headers are in: route, method, Content-Type and Content-Length. */

static enum MHD_Result
http_start_request(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    const char *url, const char *method, void **con_cls)
{
    char               *end;
    size_t              i;
    const char         *type, *length;
    issuer_route_t      route;
    unsigned long long  clen;
    issuer_request_t   *r;

    for (i = 0; i < sizeof(issuer_routes) / sizeof(issuer_routes[0]); i++) {
        if (strcmp(url, issuer_routes[i]) == 0) {
            break;
        }
    }

    if (i == sizeof(issuer_routes) / sizeof(issuer_routes[0])) {
        return issuer_respond_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
                                    NULL);
    }

    route = (issuer_route_t) i;

    if (route == ISSUER_ROUTE_JWKS) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
            && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        {
            return method_not_allowed(conn, "GET, HEAD");
        }

        return issuer_jwks(ctx, conn);
    }

    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
        return method_not_allowed(conn, "POST");
    }

    type = (route == ISSUER_ROUTE_LOGIN) ? ISSUER_JSON_TYPE
                                         : ISSUER_FORM_TYPE;

    if (!content_type_is(conn, type)) {
        return issuer_bad_request(conn, route == ISSUER_ROUTE_LOGIN
                                  ? "Content-Type must be application/json"
                                  : "Content-Type must be "
                                    "application/x-www-form-urlencoded");
    }

    length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length != NULL) {
        errno = 0;
        clen = strtoull(length, &end, 10);

        if (errno != 0 || end == length || clen > ISSUER_BODY_MAX) {
            return issuer_bad_request(conn,
                                      "the body is larger than 8192 bytes");
        }
    }

    r = malloc(sizeof(issuer_request_t));
    if (r == NULL) {
        issuer_log("out of memory");
        return MHD_NO;
    }

    r->route = route;
    r->too_large = 0;
    r->len = 0;
    r->discarded = 0;

    *con_cls = r;
    return MHD_YES;
}


static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
    issuer_request_t  *r;

    (void) cls;
    (void) conn;
    (void) toe;

    r = *con_cls;

    if (r != NULL) {
        /* it may hold a password */
        OPENSSL_cleanse(r, sizeof(issuer_request_t));
        free(r);
        *con_cls = NULL;
    }
}


static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    int   n;
    char  msg[512];

    (void) cls;

    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n < 0) {
        return;
    }

    while (n > 0 && (size_t) n < sizeof(msg) && msg[n - 1] == '\n') {
        msg[--n] = '\0';
    }

    issuer_log("libmicrohttpd: %s", msg);
}


static enum MHD_Result
method_not_allowed(struct MHD_Connection *conn, const char *allow)
{
    return issuer_respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                          "{\"error\":\"method_not_allowed\"}", "no-store",
                          MHD_HTTP_HEADER_ALLOW, allow);
}


/* "type", "type;params" or "type ;params", case-insensitive. */

static int
content_type_is(struct MHD_Connection *conn, const char *type)
{
    size_t       n;
    const char  *v;

    v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_CONTENT_TYPE);
    if (v == NULL) {
        return 0;
    }

    n = strlen(type);

    return strncasecmp(v, type, n) == 0
           && (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t');
}


enum MHD_Result
issuer_respond(struct MHD_Connection *conn, unsigned status, const char *body,
    const char *cache, const char *header, const char *value)
{
    enum MHD_Result       rc;
    struct MHD_Response  *resp;

    resp = MHD_create_response_from_buffer(strlen(body), (void *) body,
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        issuer_log("cannot create a response: out of memory");
        return MHD_NO;
    }

    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                ISSUER_JSON_TYPE) != MHD_YES
        || MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                   cache) != MHD_YES
        || (header != NULL
            && MHD_add_response_header(resp, header, value) != MHD_YES))
    {
        issuer_log("cannot add a response header");
        MHD_destroy_response(resp);
        return MHD_NO;
    }

    rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}


enum MHD_Result
issuer_respond_json(struct MHD_Connection *conn, unsigned status, json_t *body)
{
    char             *text;
    enum MHD_Result   rc;

    text = json_dumps(body, JSON_COMPACT);
    if (text == NULL) {
        issuer_log("cannot serialize a response: out of memory");
        return MHD_NO;
    }

    rc = issuer_respond(conn, status, text, "no-store", NULL, NULL);

    /* it may hold a token */
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return rc;
}


enum MHD_Result
issuer_respond_error(struct MHD_Connection *conn, unsigned status,
    const char *error, const char *description)
{
    json_t           *body;
    enum MHD_Result   rc;

    if (status == MHD_HTTP_BAD_REQUEST) {
        issuer_log("bad request: %s", description ? description : error);
    }

    body = (description != NULL)
           ? json_pack("{s:s, s:s}", "error", error,
                       "error_description", description)
           : json_pack("{s:s}", "error", error);

    if (body == NULL) {
        issuer_log("cannot build a response: out of memory");
        return MHD_NO;
    }

    rc = issuer_respond_json(conn, status, body);
    json_decref(body);
    return rc;
}


enum MHD_Result
issuer_bad_request(struct MHD_Connection *conn, const char *why)
{
    return issuer_respond_error(conn, MHD_HTTP_BAD_REQUEST, "invalid_request",
                                why);
}
