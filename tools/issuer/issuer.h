/*
 * jwtgate-issuer: a small reference token issuer for demos, tests and local
 * development, NOT a production identity provider.
 *
 * One process, one thread: libmicrohttpd runs from the main loop (external
 * select mode), so the key store and the accounts need no lock.  Every
 * module below reports errors through issuer_log() and returns -1 or NULL;
 * nothing here exits the process except main().
 *
 *   main.c       options, the event loop, signals, pid file, logging
 *   http.c       libmicrohttpd: routing, methods, bounded bodies, responses
 *   endpoints.c  login, service tokens, JWKS: claims and answers
 *   keys.c       the key set: rotation, JWKS, signing (libjwt)
 *   key.c        one key: load, generate, save, kid and JWK
 *   accounts.c   users and services files, crypt(3) and API key checks
 *   cli.c        --hash-password and --hash-api-key
 *   revoke.c     logout, the admin revoke endpoint, the revocation feed
 *   verify.c     checks a token of ours (for logout)
 */

#ifndef JWTGATE_ISSUER_H
#define JWTGATE_ISSUER_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>


#define ISSUER_NAME             "jwtgate-issuer"
#define ISSUER_VERSION          "0.1"

#define ISSUER_BODY_MAX         8192
#define ISSUER_USERNAME_MAX     64      /* in the users file */
#define ISSUER_LOGIN_NAME_MAX   256     /* in a login request */
#define ISSUER_PASSWORD_MAX     512     /* CRYPT_MAX_PASSPHRASE_SIZE */
#define ISSUER_API_KEY_MAX      512
#define ISSUER_SCOPE_MAX        1024
#define ISSUER_KEYS_MAX         8
#define ISSUER_CONNECTIONS_MAX  1000    /* select(): below FD_SETSIZE */
#define ISSUER_KID_LEN          43      /* base64url of a SHA-256 */
#define ISSUER_KEY_TMP          ".new-key.tmp"  /* a key being written */


typedef enum {
    ISSUER_RS256 = 0,
    ISSUER_ES256
} issuer_alg_t;


typedef struct {
    const char    *bind;
    unsigned       port;
    const char    *pid_file;
    const char    *users_file;
    const char    *services_file;
    const char    *key_dir;             /* NULL: keys in memory only */
    const char    *issuer;
    const char    *audience;
    issuer_alg_t   alg;
    long           lifetime;
    long           rotation_delay;
    long           rotate_every;        /* 0: on SIGHUP only */
    long           retire_grace;
    long           jwks_max_age;
    unsigned       max_connections;
    unsigned       max_connections_per_ip;  /* 0: no limit */
    long           header_timeout;      /* s, from a connection's start */
    long           body_timeout;        /* s, from a request's headers */
    const char    *admin_secret_file;   /* NULL: no /auth/revoke */
    const char    *revocation_file;     /* NULL: the list in memory only */
    size_t         revocation_max;      /* entries, jti and sub */
    long           revocation_margin;   /* s kept after they are moot */
} issuer_conf_t;


typedef enum {
    ISSUER_KEY_PENDING = 0,             /* published, not signing yet */
    ISSUER_KEY_ACTIVE,                  /* published and signing */
    ISSUER_KEY_RETIRING                 /* published until drop_at */
} issuer_key_state_t;


typedef struct {
    char                 kid[ISSUER_KID_LEN + 1];
    issuer_key_state_t   state;
    unsigned char       *pem;           /* PKCS#8 private key, for libjwt */
    size_t               pem_len;
    json_t              *jwk;           /* the public JWK */
    char                *path;          /* its file, NULL without key dir */
    const char          *file;          /* in path: its name in the dir */
    time_t               created;
    time_t               active_at;     /* pending: signs from then on */
    time_t               last_used;     /* active, retiring: last signature */
    time_t               drop_at;       /* retiring: leaves the JWKS then */
} issuer_key_t;


typedef struct {
    const issuer_conf_t  *conf;
    int                   dir_fd;                  /* key dir, or -1 */
    issuer_key_t         *keys[ISSUER_KEYS_MAX];   /* oldest first */
    size_t                nkeys;
    time_t                next_rotation;           /* 0: none planned */
} issuer_keys_t;


typedef struct {
    char           *name;
    char           *hash;               /* crypt(3): $y$ or $2b$ */
    json_t         *roles;              /* array of strings */
    char           *scope;              /* NULL: no "scope" claim */
} issuer_user_t;


typedef struct {
    char           *name;
    unsigned char   key_sha256[32];
    char           *scope;              /* "" when it has none */
} issuer_service_t;


typedef struct {
    issuer_user_t      *users;
    size_t              nusers;
    issuer_service_t   *services;
    size_t              nservices;
    char               *dummy_hash;     /* checked for unknown users */
    void               *crypt_data;     /* struct crypt_data, 32 KiB */
} issuer_accounts_t;


typedef struct {
    const issuer_conf_t  *conf;
    json_t               *jti;          /* {"<jti>": exp} */
    json_t               *sub;          /* {"<sub>": cutoff} */
    char                 *text;         /* the feed, when not dirty */
    char                  etag[36];     /* its ETag, quoted */
    int                   dirty;        /* text and etag to rebuild */
    time_t                pruned;       /* the last walk for expired ones */
    int                   admin;        /* an admin secret is set */
    unsigned char         admin_sha256[32];
} issuer_revocations_t;


typedef struct {
    const issuer_conf_t   *conf;
    issuer_keys_t         *keys;
    issuer_accounts_t     *accounts;
    issuer_revocations_t  *revocations;
} issuer_ctx_t;


/* main.c */
void issuer_log(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
void issuer_log_escaped(char *dst, size_t size, const char *src, size_t len);

/* keys.c */
int issuer_keys_init(issuer_keys_t *ks, const issuer_conf_t *conf,
    time_t now);
void issuer_keys_free(issuer_keys_t *ks);
int issuer_keys_rotate(issuer_keys_t *ks, time_t now);
void issuer_keys_tick(issuer_keys_t *ks, time_t now);
time_t issuer_keys_next_event(const issuer_keys_t *ks);
char *issuer_keys_jwks(const issuer_keys_t *ks);
char *issuer_keys_sign(issuer_keys_t *ks, json_t *claims, time_t now,
    const char **kid);

/* verify.c: the claims of a valid token of ours, or NULL and why */
json_t *issuer_keys_verify(const issuer_keys_t *ks, const char *token,
    size_t len, time_t now, const char **why);

/* revoke.c */
int issuer_revocations_init(issuer_revocations_t *rv,
    const issuer_conf_t *conf);
void issuer_revocations_free(issuer_revocations_t *rv);
time_t issuer_revocations_iat(const issuer_revocations_t *rv,
    const char *sub, time_t now);

/* key.c */
int issuer_key_load(int dir_fd, const char *name, const char *path,
    issuer_alg_t alg, issuer_key_t **out);
issuer_key_t *issuer_key_generate(const issuer_conf_t *conf, int dir_fd,
    time_t now);
void issuer_key_free(issuer_key_t *key);
const char *issuer_alg_name(issuer_alg_t alg);

/* accounts.c */
int issuer_accounts_load(issuer_accounts_t *acc, const char *users_file,
    const char *services_file);
void issuer_accounts_free(issuer_accounts_t *acc);
const issuer_user_t *issuer_accounts_check_password(issuer_accounts_t *acc,
    const char *username, const char *password);
const issuer_service_t *issuer_accounts_check_api_key(
    const issuer_accounts_t *acc, const char *key, size_t len);
int issuer_scope_valid(const char *scope, size_t len);
int issuer_scope_has(const char *scope, const char *token, size_t len);

/* cli.c */
int issuer_hash_password_stdin(const char *method);
int issuer_hash_api_key_stdin(void);

/* http.c: the server, opaque */
void *issuer_http_start(issuer_ctx_t *ctx, unsigned *port);
int issuer_http_run(void *http, time_t next_event, const sigset_t *sigmask);
void issuer_http_stop(void *http);


#endif /* JWTGATE_ISSUER_H */
