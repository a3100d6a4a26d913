/*
 * Between http.c (the server) and endpoints.c (what it serves).
 */

#ifndef JWTGATE_ISSUER_HTTP_H
#define JWTGATE_ISSUER_HTTP_H

#include <microhttpd.h>

#include "issuer.h"


#define ISSUER_JSON_TYPE        "application/json"
#define ISSUER_FORM_TYPE        "application/x-www-form-urlencoded"


typedef enum {
    ISSUER_ROUTE_LOGIN = 0,
    ISSUER_ROUTE_TOKEN,
    ISSUER_ROUTE_JWKS,
    ISSUER_ROUTE_LOGOUT,
    ISSUER_ROUTE_REVOKE,
    ISSUER_ROUTE_REVOCATIONS
} issuer_route_t;


typedef struct {
    issuer_route_t   route;
    int              too_large;
    size_t           len;
    size_t           discarded;
    char             body[ISSUER_BODY_MAX + 1];
} issuer_request_t;


/* endpoints.c */
enum MHD_Result issuer_login(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    issuer_request_t *r);
enum MHD_Result issuer_service_token(issuer_ctx_t *ctx,
    struct MHD_Connection *conn, issuer_request_t *r);
enum MHD_Result issuer_jwks(issuer_ctx_t *ctx, struct MHD_Connection *conn);

/* revoke.c */
enum MHD_Result issuer_logout(issuer_ctx_t *ctx, struct MHD_Connection *conn);
enum MHD_Result issuer_revoke(issuer_ctx_t *ctx, struct MHD_Connection *conn,
    issuer_request_t *r);
enum MHD_Result issuer_revocations_feed(issuer_ctx_t *ctx,
    struct MHD_Connection *conn);

/* http.c: JSON responses; cache is the Cache-Control value */
enum MHD_Result issuer_respond(struct MHD_Connection *conn, unsigned status,
    const char *body, const char *cache, const char *header,
    const char *value);
enum MHD_Result issuer_respond_json(struct MHD_Connection *conn,
    unsigned status, json_t *body);
enum MHD_Result issuer_respond_error(struct MHD_Connection *conn,
    unsigned status, const char *error, const char *description);
enum MHD_Result issuer_bad_request(struct MHD_Connection *conn,
    const char *why);


#endif /* JWTGATE_ISSUER_HTTP_H */
