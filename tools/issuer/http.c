/*
 * The HTTP side, on libmicrohttpd in external select mode:
 *
 *   POST /auth/login              JSON {"username","password"} -> a token
 *   POST /auth/token              Authorization: Bearer <API key>, form
 *                                 grant_type=client_credentials[&scope=..]
 *   GET  /.well-known/jwks.json   the published public keys
 *   POST /auth/logout             Authorization: Bearer <token>, any body
 *   POST /auth/revoke             Authorization: Bearer <admin secret>,
 *                                 JSON {"sub"} or {"jti"[,"exp"]}
 *   GET  /.well-known/revocations.json   the revocation feed (revoke.c)
 *
 * Here: the loop, routing, methods, Content-Type, bounded bodies and the
 * responses; the endpoints themselves are in endpoints.c.  Anything
 * malformed is a 400 with an RFC 6749 style {"error","error_description"}
 * body; an unknown path a 404, a wrong method a 405.
 *
 * Slow clients: libmicrohttpd's timeout is an idle one, which each byte
 * resets, so every connection here has deadlines of its own: its request
 * headers within --header-timeout of its start (or of the previous
 * answer), its body within --body-timeout of its headers.  A connection
 * past its deadline is shut down.  At --max-connections the listening
 * socket is not polled, so that a new client waits in the kernel's backlog
 * for a free slot (at most one header timeout) instead of being closed.
 *
 * Framing: a request with both Content-Length and Transfer-Encoding, two of
 * either, a coding other than chunked, or chunked in HTTP/1.0 is answered
 * 400 and its connection closed, unread (RFC 9112 6.1, 6.3).
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
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "issuer.h"
#include "http.h"


#define ISSUER_DISCARD_MAX      (1024 * 1024)
#define ISSUER_IDLE_TIMEOUT     10      /* s, libmicrohttpd's, any phase */


typedef enum {
    ISSUER_CONN_HEADERS = 0,            /* waiting for a request's headers */
    ISSUER_CONN_BODY,                   /* reading its body */
    ISSUER_CONN_ANSWERED,               /* an answer is queued */
    ISSUER_CONN_CUT                     /* shut down: too slow */
} issuer_conn_phase_t;


typedef struct issuer_conn_s  issuer_conn_t;

struct issuer_conn_s {
    issuer_conn_t          *prev;
    issuer_conn_t          *next;
    struct MHD_Connection  *conn;
    issuer_conn_phase_t     phase;
    long long               deadline;   /* ms, CLOCK_MONOTONIC */
};


typedef struct {
    struct MHD_Daemon      *daemon;
    const issuer_conf_t    *conf;
    MHD_socket              listen_fd;
    issuer_conn_t          *conns;
    unsigned                nconns;
} issuer_http_t;


typedef struct {
    unsigned                content_length;     /* how many of each */
    unsigned                transfer_encoding;
    const char             *length;             /* the last values */
    const char             *encoding;
} issuer_framing_t;


static enum MHD_Result http_handler(void *cls,
    struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls);
static enum MHD_Result http_start_request(issuer_ctx_t *ctx,
    struct MHD_Connection *conn, const char *url, const char *method,
    void **con_cls);
static void http_completed(void *cls, struct MHD_Connection *conn,
    void **con_cls, enum MHD_RequestTerminationCode toe);
static void http_connection(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe);
static long long http_deadlines(issuer_http_t *http);
static void http_cut(issuer_http_t *http, issuer_conn_t *c);
static void http_phase(struct MHD_Connection *conn,
    issuer_conn_phase_t phase, long timeout);
static long long now_ms(void);
static const char *http_framing_error(struct MHD_Connection *conn,
    const char *version);
static enum MHD_Result framing_header(void *cls, enum MHD_ValueKind kind,
    const char *key, const char *value);
static enum MHD_Result http_bad_framing(struct MHD_Connection *conn,
    const char *why);
static void http_mhd_log(void *cls, const char *fmt, va_list ap);
static int content_type_is(struct MHD_Connection *conn, const char *type);
static enum MHD_Result method_not_allowed(struct MHD_Connection *conn,
    const char *allow);


static const char  *issuer_routes[] = {
    "/auth/login",
    "/auth/token",
    "/.well-known/jwks.json",
    "/auth/logout",
    "/auth/revoke",
    "/.well-known/revocations.json"
};


void *
issuer_http_start(issuer_ctx_t *ctx, unsigned *port)
{
    issuer_http_t              *http;
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

    http = calloc(1, sizeof(issuer_http_t));
    if (http == NULL) {
        issuer_log("out of memory");
        return NULL;
    }

    http->conf = ctx->conf;

    http->daemon = MHD_start_daemon(MHD_USE_ERROR_LOG,
                         (uint16_t) ctx->conf->port,
                         NULL, NULL, http_handler, ctx,
                         MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &sa,
                         MHD_OPTION_CONNECTION_LIMIT,
                             ctx->conf->max_connections,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                             ctx->conf->max_connections_per_ip,
                         MHD_OPTION_CONNECTION_TIMEOUT,
                             (unsigned) ISSUER_IDLE_TIMEOUT,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                             (size_t) 32768,
                         MHD_OPTION_STRICT_FOR_CLIENT, (int) 1,
                         MHD_OPTION_NOTIFY_COMPLETED, http_completed, http,
                         MHD_OPTION_NOTIFY_CONNECTION, http_connection, http,
                         MHD_OPTION_END);
    if (http->daemon == NULL) {
        issuer_log("cannot listen on %s:%u", ctx->conf->bind,
                   ctx->conf->port);
        free(http);
        return NULL;
    }

    info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_LISTEN_FD);
    if (info == NULL) {
        issuer_log("libmicrohttpd has no listening socket");
        MHD_stop_daemon(http->daemon);
        free(http);
        return NULL;
    }

    http->listen_fd = info->listen_fd;

    info = MHD_get_daemon_info(http->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = (info != NULL) ? info->port : ctx->conf->port;

    return http;
}


/*
 * One turn of the loop: waits for network activity, a signal (unblocked
 * only while waiting, through sigmask) or the next key event, then lets
 * libmicrohttpd work.  0, or -1 when the loop cannot go on.
 */

int
issuer_http_run(void *data, time_t next_event, const sigset_t *sigmask)
{
    int                      rc;
    fd_set                   rs, ws, es;
    long long                ms, left, wake;
    MHD_socket               max;
    issuer_http_t           *http;
    struct timespec          ts, now;
    MHD_UNSIGNED_LONG_LONG   mhd_ms;

    http = data;

    wake = http_deadlines(http);

    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    max = 0;

    if (MHD_get_fdset(http->daemon, &rs, &ws, &es, &max) != MHD_YES) {
        issuer_log("MHD_get_fdset() failed");
        return -1;
    }

    /* full: a new client waits in the backlog, libmicrohttpd would close it */

    if (http->nconns >= http->conf->max_connections) {
        FD_CLR(http->listen_fd, &rs);
    }

    ms = 1000;

    if (MHD_get_timeout(http->daemon, &mhd_ms) == MHD_YES
        && mhd_ms < (MHD_UNSIGNED_LONG_LONG) ms)
    {
        ms = (long long) mhd_ms;
    }

    if (wake != 0) {
        left = wake - now_ms();

        if (left < ms) {
            ms = left > 0 ? left : 0;
        }
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

    if (MHD_run_from_select(http->daemon, &rs, &ws, &es) != MHD_YES) {
        issuer_log("MHD_run_from_select() failed");
        return -1;
    }

    return 0;
}


void
issuer_http_stop(void *data)
{
    issuer_http_t  *http;
    issuer_conn_t  *c;

    http = data;

    MHD_stop_daemon(http->daemon);

    /* in case libmicrohttpd did not report every close */

    while (http->conns != NULL) {
        c = http->conns;
        http->conns = c->next;
        free(c);
    }

    free(http);
}


/*
 * Shuts down every connection past its deadline; the earliest deadline
 * still to come (ms, CLOCK_MONOTONIC), 0 if none.
 */

static long long
http_deadlines(issuer_http_t *http)
{
    long long       now, wake;
    issuer_conn_t  *c, *next;

    now = now_ms();
    wake = 0;

    for (c = http->conns; c != NULL; c = next) {
        next = c->next;

        if (c->phase != ISSUER_CONN_HEADERS && c->phase != ISSUER_CONN_BODY) {
            continue;
        }

        if (now >= c->deadline) {
            http_cut(http, c);
            continue;
        }

        if (wake == 0 || c->deadline < wake) {
            wake = c->deadline;
        }
    }

    return wake;
}


/*
 * libmicrohttpd owns the socket and has no call to close a connection that
 * waits for input: a shutdown() makes it read the end of the stream, and
 * close the connection itself.
 */

static void
http_cut(issuer_http_t *http, issuer_conn_t *c)
{
    char                             addr[INET_ADDRSTRLEN];
    const struct sockaddr_in        *sin;
    const union MHD_ConnectionInfo  *info;

    (void) snprintf(addr, sizeof(addr), "?");

    info = MHD_get_connection_info(c->conn,
                                   MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != NULL && info->client_addr != NULL
        && info->client_addr->sa_family == AF_INET)
    {
        sin = (const struct sockaddr_in *) (const void *) info->client_addr;
        (void) inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
    }

    if (c->phase == ISSUER_CONN_HEADERS) {
        issuer_log("connection from %s: no complete request headers in "
                   "%ld s, closed", addr, http->conf->header_timeout);

    } else {
        issuer_log("connection from %s: no complete request body in %ld s, "
                   "closed", addr, http->conf->body_timeout);
    }

    c->phase = ISSUER_CONN_CUT;

    info = MHD_get_connection_info(c->conn,
                                   MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == NULL || shutdown(info->connect_fd, SHUT_RDWR) != 0) {
        issuer_log("cannot shut a slow connection down: %s",
                   info == NULL ? "no socket" : strerror(errno));
    }
}


/* libmicrohttpd's start and end of a connection: its deadlines */

static void
http_connection(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
    issuer_http_t                   *http;
    issuer_conn_t                   *c;
    const union MHD_ConnectionInfo  *info;

    http = cls;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        c = *socket_context;

        if (http->nconns > 0) {
            http->nconns--;
        }

        if (c != NULL) {
            if (c->prev != NULL) {
                c->prev->next = c->next;

            } else {
                http->conns = c->next;
            }

            if (c->next != NULL) {
                c->next->prev = c->prev;
            }

            free(c);
            *socket_context = NULL;
        }

        return;
    }

    http->nconns++;

    c = calloc(1, sizeof(issuer_conn_t));
    *socket_context = c;

    if (c == NULL) {
        /* without a deadline it could stay forever: closed at once */
        issuer_log("out of memory: a connection is closed");

        info = MHD_get_connection_info(conn,
                                       MHD_CONNECTION_INFO_CONNECTION_FD);
        if (info != NULL) {
            (void) shutdown(info->connect_fd, SHUT_RDWR);
        }

        return;
    }

    c->conn = conn;
    c->phase = ISSUER_CONN_HEADERS;
    c->deadline = now_ms() + http->conf->header_timeout * 1000;

    c->next = http->conns;

    if (c->next != NULL) {
        c->next->prev = c;
    }

    http->conns = c;
}


/* The connection's next phase, with its deadline timeout s from now. */

static void
http_phase(struct MHD_Connection *conn, issuer_conn_phase_t phase,
    long timeout)
{
    issuer_conn_t                   *c;
    const union MHD_ConnectionInfo  *info;

    info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (info == NULL || info->socket_context == NULL) {
        return;
    }

    c = info->socket_context;

    if (c->phase != ISSUER_CONN_CUT) {
        c->phase = phase;
        c->deadline = now_ms() + (long long) timeout * 1000;
    }
}


static long long
now_ms(void)
{
    struct timespec  ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }

    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
    size_t             n;
    const char        *why;
    issuer_ctx_t      *ctx;
    issuer_request_t  *r;

    ctx = cls;

    if (*con_cls == NULL) {
        /* the headers are in: the body's deadline starts */
        http_phase(conn, ISSUER_CONN_BODY, ctx->conf->body_timeout);

        why = http_framing_error(conn, version);
        if (why != NULL) {
            return http_bad_framing(conn, why);
        }

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

    if (r->route == ISSUER_ROUTE_LOGOUT) {
        return issuer_logout(ctx, conn);
    }

    if (r->route == ISSUER_ROUTE_REVOKE) {
        return issuer_revoke(ctx, conn, r);
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

    if (route == ISSUER_ROUTE_REVOKE && !ctx->revocations->admin) {
        /* no --admin-secret-file: there is no admin endpoint */
        return issuer_respond_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
                                    NULL);
    }

    if (route == ISSUER_ROUTE_JWKS || route == ISSUER_ROUTE_REVOCATIONS) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
            && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        {
            return method_not_allowed(conn, "GET, HEAD");
        }

        return (route == ISSUER_ROUTE_JWKS)
               ? issuer_jwks(ctx, conn)
               : issuer_revocations_feed(ctx, conn);
    }

    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
        return method_not_allowed(conn, "POST");
    }

    /* logout: the token is in Authorization, any body is ignored */

    type = (route == ISSUER_ROUTE_TOKEN) ? ISSUER_FORM_TYPE
                                         : ISSUER_JSON_TYPE;

    if (route != ISSUER_ROUTE_LOGOUT && !content_type_is(conn, type)) {
        return issuer_bad_request(conn, route != ISSUER_ROUTE_TOKEN
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
    issuer_http_t     *http;
    issuer_request_t  *r;

    (void) toe;

    http = cls;

    /* kept alive: the next request's headers have their deadline */
    http_phase(conn, ISSUER_CONN_HEADERS, http->conf->header_timeout);

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


/*
 * RFC 9112 6.1 and 6.3: a request body framed by Content-Length or by
 * chunked, one of them, once.  NULL if so, otherwise why not.
 */

static const char *
http_framing_error(struct MHD_Connection *conn, const char *version)
{
    issuer_framing_t  f;

    memset(&f, 0, sizeof(f));

    (void) MHD_get_connection_values(conn, MHD_HEADER_KIND, framing_header,
                                     &f);

    if (f.content_length > 0 && f.transfer_encoding > 0) {
        return "both Content-Length and Transfer-Encoding";
    }

    if (f.content_length > 1) {
        return "Content-Length more than once";
    }

    if (f.transfer_encoding > 1) {
        return "Transfer-Encoding more than once";
    }

    if (f.transfer_encoding == 1) {
        if (strcasecmp(f.encoding, "chunked") != 0) {
            return "a Transfer-Encoding other than chunked";
        }

        if (strcmp(version, MHD_HTTP_VERSION_1_0) == 0) {
            return "Transfer-Encoding in an HTTP/1.0 request";
        }
    }

    if (f.content_length == 1
        && (f.length[0] == '\0'
            || f.length[strspn(f.length, "0123456789")] != '\0'))
    {
        return "a malformed Content-Length";
    }

    return NULL;
}


static enum MHD_Result
framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
    issuer_framing_t  *f;

    (void) kind;

    f = cls;

    if (key == NULL) {
        return MHD_YES;
    }

    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->content_length++;
        f->length = (value != NULL) ? value : "";

    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encoding++;
        f->encoding = (value != NULL) ? value : "";
    }

    return MHD_YES;
}


/* 400, and the connection closed: what follows is never read as a request */

static enum MHD_Result
http_bad_framing(struct MHD_Connection *conn, const char *why)
{
    char             *text;
    json_t           *body;
    enum MHD_Result   rc;

    issuer_log("bad request: %s, connection closed", why);

    body = json_pack("{s:s, s:s}", "error", "invalid_request",
                     "error_description", why);
    text = (body != NULL) ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);

    if (text == NULL) {
        issuer_log("cannot build a response: out of memory");
        return MHD_NO;
    }

    rc = issuer_respond(conn, MHD_HTTP_BAD_REQUEST, text, "no-store",
                        MHD_HTTP_HEADER_CONNECTION, "close");
    free(text);
    return rc;
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

    if (rc == MHD_YES) {
        http_phase(conn, ISSUER_CONN_ANSWERED, 0);
    }

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
