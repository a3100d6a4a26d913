
/*
 * jwtgate: the types shared by the files of ngx_http_auth_jwt_module, at
 * the bottom of the glue.  Each ngx_http_auth_jwt_<name>.c has its own
 * header, ngx_http_auth_jwt_<name>.h, with what it offers; a file
 * includes the headers of the files it calls, and calls only down this
 * stack, the order of ./config (make layers checks it; see
 * docs/ARCHITECTURE.md):
 *
 *   module        directives table, configuration merge, process hooks
 *   conf          auth_jwt, auth_jwt_key_file and the claim directives
 *   handler       the check, in the rewrite and access phases
 *   answer        401/403 with a challenge, 503 with Retry-After
 *   login         the login companion's cookie
 *   status        auth_jwt_status
 *   vars          variables
 *   rules         auth_jwt_require and the claim rules
 *   forward       claims as request headers
 *   token_remove  auth_jwt_forward_token off: the token removed
 *   token         the token in the request: its copies, the request line
 *   jwe           auth_jwt_type encrypted and nested: a JWE decrypted
 *   revoke_conf   revocation lists at configuration
 *   revoke        the revocation check, lists from files
 *   ctx           a request's state
 *   keys          the key sets of a request
 *   file          key files
 *   cache         the verified-token cache
 *   refresh       a fetched key set: the zone's, or a fetch
 *   fetch         the fetch: subrequest, filters, waiting
 *   fetch_end     a fetch's answer into the zone, or its failure
 *   store         the zone: its entries, a fetched list written in
 *   hazard        lock-free reads of the zone
 *   source_conf   auth_jwt_key_request at configuration
 *   source        a source per server{}, its members
 *   keyset        issuer=, a level's key sources, a set's id
 *   reason        reasons and counters
 *   header        header surgery
 *   value         member paths and values as text
 *   (this file)   the shared types
 *   jwt/          the core: no nginx (jwt/jwtgate.h)
 */


#ifndef _NGX_HTTP_AUTH_JWT_H_INCLUDED_
#define _NGX_HTTP_AUTH_JWT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "jwt/jwtgate.h"


/*
 * the release: the one place the version is written; the Makefile (make
 * deb, debian/changelog) reads it from this line
 */
#define NGX_HTTP_AUTH_JWT_VERSION        "0.1.0"


/* glue reasons, after the core's own (jwtgate_rc_t) */
#define NGX_HTTP_AUTH_JWT_RULE_FAILED    JWTGATE_ERR_LAST
#define NGX_HTTP_AUTH_JWT_UNAVAILABLE    (JWTGATE_ERR_LAST + 1)
#define NGX_HTTP_AUTH_JWT_WAIT           (JWTGATE_ERR_LAST + 2)
#define NGX_HTTP_AUTH_JWT_REVOKED        (JWTGATE_ERR_LAST + 3)
#define NGX_HTTP_AUTH_JWT_LAST_REASON    NGX_HTTP_AUTH_JWT_REVOKED


/* counters in the zone */
#define NGX_HTTP_AUTH_JWT_STAT_VERIFIED  0
#define NGX_HTTP_AUTH_JWT_STAT_HIT       1
#define NGX_HTTP_AUTH_JWT_STAT_MISS      2
#define NGX_HTTP_AUTH_JWT_STAT_EVICTION  3
#define NGX_HTTP_AUTH_JWT_STAT_REJECTED  4      /* + the reason */
/* lists swapped out while a process still read them, freed later */
#define NGX_HTTP_AUTH_JWT_RETIRED        64


#define NGX_HTTP_AUTH_JWT_STATS                                               \
    (NGX_HTTP_AUTH_JWT_STAT_REJECTED + NGX_HTTP_AUTH_JWT_LAST_REASON + 1)

#define ngx_http_auth_jwt_isalnum(c)                                          \
    (((c) >= '0' && (c) <= '9') || ((c) >= 'a' && (c) <= 'z')                 \
     || ((c) >= 'A' && (c) <= 'Z'))

typedef struct ngx_http_auth_jwt_file_s    ngx_http_auth_jwt_file_t;
typedef struct ngx_http_auth_jwt_source_s  ngx_http_auth_jwt_source_t;
typedef struct ngx_http_auth_jwt_shsrc_s   ngx_http_auth_jwt_shsrc_t;
typedef struct ngx_http_auth_jwt_revoke_s  ngx_http_auth_jwt_revoke_t;
typedef struct ngx_http_auth_jwt_centry_s  ngx_http_auth_jwt_centry_t;

/* what a source fetches */
#define NGX_HTTP_AUTH_JWT_SRC_KEYS       0
#define NGX_HTTP_AUTH_JWT_SRC_REVOCATION 1


/* a member of the header or the payload: path[0], then path[1] in it, ... */
typedef struct {
    ngx_str_t                   name;       /* as configured, for logs */
    const char                **path;
    ngx_uint_t                  npath;
} ngx_http_auth_jwt_path_t;


/* where token= takes the token from, for auth_jwt_forward_token off */
#define NGX_HTTP_AUTH_JWT_TOKEN_OTHER    0
#define NGX_HTTP_AUTH_JWT_TOKEN_HEADER   1
#define NGX_HTTP_AUTH_JWT_TOKEN_COOKIE   2
#define NGX_HTTP_AUTH_JWT_TOKEN_ARG      3
#define NGX_HTTP_AUTH_JWT_TOKEN_BEARER   4

/* auth_jwt_type */
#define NGX_HTTP_AUTH_JWT_TYPE_SIGNED     0
#define NGX_HTTP_AUTH_JWT_TYPE_ENCRYPTED  1
#define NGX_HTTP_AUTH_JWT_TYPE_NESTED     2


/* the most token= parameters of one auth_jwt */
#define NGX_HTTP_AUTH_JWT_MAX_TOKENS     4


/* a token= of auth_jwt: where a token may come from */
typedef struct {
    ngx_http_complex_value_t   *value;      /* NULL: token=bearer */
    ngx_uint_t                  from;       /* NGX_HTTP_AUTH_JWT_TOKEN_* */
    ngx_str_t                   name;       /* the cookie, argument... */
} ngx_http_auth_jwt_token_src_t;


/* auth_jwt_login_cookie, auth_jwt_logout_cookie */
typedef struct {
    ngx_str_t                   name;
    ngx_str_t                   field;      /* the token's member */
    ngx_str_t                   samesite;
    ngx_str_t                   path;
    ngx_str_t                   domain;
    ngx_uint_t                  secure;
} ngx_http_auth_jwt_cookie_t;


/* a key file: read at configuration, or named with variables and cached */
struct ngx_http_auth_jwt_file_s {
    ngx_queue_t                 queue;      /* the cache's, most recent
                                               first */
    ngx_str_t                   path;       /* NUL-terminated */
    char                       *issuer;     /* issuer=, or NULL */
    jwtgate_keyset_t           *set;        /* the last good one */
    ngx_uint_t                  set_id;
    jwtgate_keyset_t           *dset;       /* its decryption keys
                                               (JWTGATE_KEYSET_DECRYPT),
                                               the last good ones */
    ngx_uint_t                  dset_id;
    ngx_file_uniq_t             uniq;
    dev_t                       dev;
    off_t                       size;
    time_t                      mtime;
    time_t                      checked;
    ngx_msec_t                  missed;     /* no keys from it since */
    unsigned                    cached:1;   /* in the cache, malloc()ed */
    unsigned                    unusable:1; /* not a regular file, said */
    unsigned                    decrypt:1;  /* a JWE location uses it:
                                               its decryption keys'
                                               problems are logged */
    unsigned                    public_warned:1; /* nginx -t said once
                                               what "encrypted" with its
                                               public-key keys means */
    unsigned                    issuer_warned:1; /* ... that its issuer=
                                               binds nothing at a nested
                                               level */
};


/* auth_jwt_key_file with variables */
typedef struct {
    ngx_http_complex_value_t    name;
    char                       *issuer;
} ngx_http_auth_jwt_vfile_t;


/* auth_jwt_key_request: one per uri and issuer= in the configuration */
typedef struct {
    ngx_str_t                   uri;
    char                       *issuer;     /* issuer=, or NULL */
    unsigned                    flags;      /* JWTGATE_KEYSET_*: without
                                               symmetric=on, no oct keys */
    ngx_http_complex_value_t   *cv;         /* a uri with variables */
    ngx_uint_t                  max;        /* max_uris= */
} ngx_http_auth_jwt_key_request_t;


/*
 * A fetched JWKS: one auth_jwt_key_request in one server{}.  The fetch
 * runs in the server of the request that needs it, where the uri may lead
 * anywhere, so every server{} has its own: in the zone by uri, issuer and
 * the server's identity (ngx_http_auth_jwt_source.c).
 */
struct ngx_http_auth_jwt_source_s {
    ngx_str_t                   uri;
    char                       *issuer;     /* issuer=, or NULL */
    ngx_http_core_srv_conf_t   *server;
    ngx_str_t                   server_name;    /* its first name */
    ngx_str_t                   key;        /* uri '\0' issuer '\0' the
                                               server's identity */
    unsigned                    flags;      /* JWTGATE_KEYSET_*: without
                                               symmetric=on, no oct keys */
    ngx_uint_t                  kind;       /* NGX_HTTP_AUTH_JWT_SRC_* */
    time_t                      interval;   /* a revocation list's
                                               refresh */
    size_t                      max_size;   /* its answer's limit */
    ngx_shm_zone_t             *zone;
    /* this process's */
    ngx_http_auth_jwt_shsrc_t  *sh;         /* valid while epoch is the
                                               zone's */
    ngx_uint_t                  epoch;
    ngx_uint_t                  sh_id;
    jwtgate_keyset_t           *set;
    ngx_uint_t                  set_id;
    ngx_uint_t                  generation;
    /*
     * A uri with variables (cv) is a family: every expansion is a source
     * of its own, a member, made when a request needs it; at most max of
     * them per worker and in the zone, the least recently used out.
     */
    ngx_http_complex_value_t   *cv;
    ngx_uint_t                  max;
    ngx_queue_t                 members;    /* this worker's, the most
                                               recently used first */
    ngx_uint_t                  nmembers;
    ngx_http_auth_jwt_source_t *family;     /* a member's, or NULL */
    ngx_queue_t                 queue;      /* a member in members */
    ngx_uint_t                  refs;       /* a member's running fetches */
    ngx_msec_t                  used;       /* a member's last use (wall
                                               clock, ms) */
    unsigned                    evicted:1;  /* out of members, freed when
                                               its last fetch ends */
    unsigned                    busy:1;     /* no room in the zone: its
                                               family's entries all used
                                               in the last second */
};


/* a source in the zone: the last good JWKS and how fetching goes */
struct ngx_http_auth_jwt_shsrc_s {
    ngx_queue_t                 queue;
    ngx_uint_t                  id;         /* unique in the zone */
    u_char                     *text;       /* the last good JWKS; for a
                                               revocation list, the flat
                                               list (jwtgate_rlist_build) */
    size_t                      text_len;
    ngx_uint_t                  generation;
    ngx_uint_t                  nkeys;
    time_t                      fetched;    /* last success, 0: never */
    uint64_t                    fetched_ms; /* the same, in ms: how old
                                               a set is (a 1 s cache is
                                               1 s, not "until the
                                               second changes") */
    time_t                      next_try;   /* after a failure */
    time_t                      kid_refresh;
    ngx_uint_t                  failures;   /* in a row */
    ngx_uint_t                  attempts;   /* fetches ended */
    ngx_uint_t                  fetches_ok;
    ngx_uint_t                  fetches_failed;
    ngx_pid_t                   owner;      /* the fetching worker */
    ngx_uint_t                  lock;       /* + 1 on every lock */
    time_t                      deadline;
    time_t                      error_time;
    size_t                      error_len;
    u_char                      error[120];
    ngx_queue_t                 members;    /* a family's: the entries
                                               of its members, the most
                                               recently used first */
    ngx_uint_t                  nmembers;
    ngx_msec_t                  used;       /* a member's last use (wall
                                               clock, ms: the same in
                                               every worker) */
    /* a revocation list's */
    size_t                      counts[3];  /* jti, sub, kid */
    ngx_uint_t                  revoked;    /* tokens refused by it */
    ngx_uint_t                  not_modified;   /* 304 answers */
    size_t                      etag_len;
    u_char                      etag[128];
    size_t                      key_len;
    u_char                      key[1];
};


typedef struct {
    ngx_queue_t                 sources;
    ngx_uint_t                  entries;
    ngx_uint_t                  last_id;
    ngx_uint_t                  config;     /* + 1 for each configuration
                                               that takes the zone over */
    ngx_uint_t                  epoch;      /* + 1 when a configuration
                                               freed entries */
    ngx_uint_t                  freed;      /* entries freed so */
    ngx_atomic_t                stats[NGX_HTTP_AUTH_JWT_STATS];
    /*
     * revocation lists are read without the mutex
     * (ngx_http_auth_jwt_store_hold): readers[slot] is the list the
     * process of that ngx_process_slot reads now (its offset in the
     * zone / 8), or 0; a list swapped out or freed while one reads it
     * waits in retired (the mutex held)
     */
    ngx_uint_t                  nretired;
    void                       *retired[NGX_HTTP_AUTH_JWT_RETIRED];
    uint32_t                    readers[NGX_MAX_PROCESSES];
} ngx_http_auth_jwt_shctx_t;


/* the key sources of one level: inherited as one piece */
typedef struct {
    ngx_array_t                 files;      /* ngx_http_auth_jwt_file_t * */
    ngx_array_t                 vfiles;     /* ngx_http_auth_jwt_vfile_t */
    ngx_array_t                 sources;    /* ngx_http_auth_jwt_key_request_t
                                               * */
    unsigned                    algs;       /* what the files read at
                                               configuration can verify */
} ngx_http_auth_jwt_keys_t;


/* the key sets a request verifies with */
typedef struct {
    const jwtgate_keyset_t    **sets;
    const char                **issuers;    /* per set: issuer=, or NULL */
    ngx_uint_t                 *ids;        /* per set: its set_id */
    ngx_uint_t                  n;
    unsigned                    algs;
    ngx_uint_t                  tries;      /* auth_jwt_key_try_limit */
} ngx_http_auth_jwt_keylist_t;


typedef struct {
    ngx_shm_zone_t             *zone;
    ngx_uint_t                  config;     /* the zone's, when this
                                               configuration took it */
    ssize_t                     zone_size;
    ssize_t                     cache_size;
    time_t                      cache_max_age;
    ngx_array_t                 requests;   /* ngx_http_auth_jwt_key_request_t
                                               *, one per uri and issuer */
    ngx_array_t                 sources;    /* ngx_http_auth_jwt_source_t *,
                                               one per uri, issuer and
                                               server{} */
    ngx_array_t                 files;      /* ngx_http_auth_jwt_file_t *,
                                               one per path and issuer */
} ngx_http_auth_jwt_main_conf_t;


typedef struct {
    ngx_flag_t                  enabled;    /* NGX_CONF_UNSET: inherit */
    ngx_http_complex_value_t   *realm;
    ngx_http_auth_jwt_token_src_t  *tokens;  /* token=..., or NULL:
                                               Authorization: Bearer */
    ngx_uint_t                  ntokens;
    ngx_http_auth_jwt_keys_t   *keys;
    ngx_array_t                *sources;    /* ngx_http_auth_jwt_source_t *:
                                               keys->sources in this
                                               server{}, or NULL */
    ngx_uint_t                  algs;       /* auth_jwt_algorithms */
    time_t                      leeway;
    ngx_flag_t                  require_exp;
    ngx_array_t                *issuers;    /* char * */
    ngx_array_t                *audiences;  /* char * */
    ngx_array_t                *requires;   /* ngx_http_auth_jwt_require_t */
    ngx_array_t                *rules;      /* ngx_http_auth_jwt_rule_t */
    time_t                      key_cache;
    time_t                      kid_refresh;    /* 0: off */
    ngx_int_t                   key_try_limit;
    ngx_array_t                *forwards;   /* ngx_http_auth_jwt_forward_t */
    ngx_str_t                   forward_payload;    /* "": off */
    ngx_int_t                   forward_payload_var;
    ngx_flag_t                  forward_token;
    size_t                      forward_max;
    ngx_http_auth_jwt_cookie_t *login;
    ngx_http_auth_jwt_cookie_t *logout;
    ngx_uint_t                  status_prometheus;
    ngx_flag_t                  numeric_ids;
    time_t                      iat_leeway;
    ngx_array_t                *typs;       /* char *, normalized media
                                               types; NULL: off */
    ngx_flag_t                  bypass_preflight;
    ngx_http_auth_jwt_revoke_t *revoke;     /* the revocation lists of
                                               the level, or NULL */
    ngx_array_t                *rsources;   /* ngx_http_auth_jwt_source_t *:
                                               revoke's requests in this
                                               server{}, or NULL */
    time_t                      revoke_max_age;     /* 0: off */
    ngx_uint_t                  revoke_stale;       /* 1: refuse */
    ngx_uint_t                  type;       /* NGX_HTTP_AUTH_JWT_TYPE_* */
} ngx_http_auth_jwt_loc_conf_t;


/*
 * Per request, kept across internal redirects (found again through the
 * request pool's cleanup list when nginx clears the module contexts).
 */
typedef struct {
    jwtgate_token_t            *token;     /* parsed, signature checked */
    ngx_str_t                   raw;        /* its text */
    ngx_http_auth_jwt_centry_t *centry;     /* the cache entry that lends
                                               token, or NULL: the token
                                               is the request's own */
    ngx_http_auth_jwt_keys_t   *verified;   /* the key sources the
                                               signature verified with */
    ngx_http_auth_jwt_keylist_t  verified_list;     /* and their sets */
    const char                 *issuer;     /* the verifying key's source
                                               is bound to it */
    ngx_uint_t                  reason;     /* jwtgate_rc_t or ours */
    ngx_uint_t                  status;     /* answer for a failed rule */
    ngx_http_auth_jwt_loc_conf_t  *conf;    /* level of the last check */
    /* waiting for keys */
    ngx_event_t                 poll;
    time_t                      wait_until;
    time_t                      retry_after;
    void                       *fetch;      /* our fetch being waited for */
    ngx_uint_t                  fetched;    /* auth_jwt_key_cache 0: the
                                               sources fetched for us */
    unsigned                    valid:1;    /* signature and claims ok */
    unsigned                    checked:1;
    unsigned                    kid_refreshed:1;
    unsigned                    token_removed:1;
    unsigned                    preflight:1;    /* let through, no token */
    unsigned                    numeric_ids:1;  /* token of its own was
                                                   parsed with
                                                   JWTGATE_PARSE_NUMERIC_IDS */
    unsigned                    jwe:1;      /* token came out of a JWE:
                                               never cached, made again
                                               at every level */
    unsigned                    login:1;    /* keeping the login answer */
    unsigned                    login_done:1;
    u_char                     *login_buf;
    size_t                      login_len;
    ngx_http_auth_jwt_loc_conf_t  *forwarded;   /* headers set for it */
    ngx_http_auth_jwt_loc_conf_t  *identity;    /* the level whose identity
                                                   headers are set: one
                                                   that passed */
    ngx_http_request_t         *request;    /* whose: the main request, or
                                               a subrequest checked on its
                                               own */
    jwtgate_detail_t            detail;     /* of a bad_claim_type */
    const char                 *why;        /* more on a refused JWE, a
                                               static text, or NULL */
    ngx_str_t                   inner;      /* nested: the inner JWS's
                                               text (r->pool), for
                                               $jwt_payload as NGINX Plus
                                               gives it; else empty */
} ngx_http_auth_jwt_ctx_t;


extern ngx_module_t  ngx_http_auth_jwt_module;


/* the time in ms (wall clock, as ngx_time()), for a zone entry's age */
static ngx_inline uint64_t
ngx_http_auth_jwt_now_ms(void)
{
    ngx_time_t  *tp;

    tp = ngx_timeofday();

    return (uint64_t) tp->sec * 1000 + tp->msec;
}


#endif /* _NGX_HTTP_AUTH_JWT_H_INCLUDED_ */
