/*
 * jwtgate-issuer: options, the event loop, signals and the pid file.
 *
 * SIGTERM and SIGINT stop it cleanly; SIGHUP starts a key rotation.  The
 * signals are blocked except inside pselect(), so the loop sees each one
 * exactly where it waits.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "issuer.h"


#define ISSUER_SECONDS_MAX  (366L * 24 * 3600)


static int parse_options(int argc, char **argv, issuer_conf_t *conf,
    int *mode, const char **method);
static int parse_long(const char *opt, const char *s, long min, long max,
    long *out);
static void usage(FILE *fp);
static int run(const issuer_conf_t *conf);
static int signals_setup(sigset_t *waitmask);
static void on_signal(int signo);
static int pid_file_write(const char *path);


enum {
    ISSUER_MODE_SERVE = 0,
    ISSUER_MODE_HASH_PASSWORD,
    ISSUER_MODE_HASH_API_KEY,
    ISSUER_MODE_EXIT_OK
};


static volatile sig_atomic_t  issuer_stop;
static volatile sig_atomic_t  issuer_rotate;


int
main(int argc, char **argv)
{
    int             mode;
    const char     *method;
    issuer_conf_t   conf;

    if (parse_options(argc, argv, &conf, &mode, &method) != 0) {
        return 2;
    }

    switch (mode) {

    case ISSUER_MODE_EXIT_OK:
        return 0;

    case ISSUER_MODE_HASH_PASSWORD:
        return issuer_hash_password_stdin(method) == 0 ? 0 : 1;

    case ISSUER_MODE_HASH_API_KEY:
        return issuer_hash_api_key_stdin() == 0 ? 0 : 1;

    default:
        return run(&conf) == 0 ? 0 : 1;
    }
}


static int
run(const issuer_conf_t *conf)
{
    int                 rc;
    void               *daemon;
    time_t              now;
    unsigned            port;
    sigset_t            waitmask;
    issuer_ctx_t        ctx;
    issuer_keys_t          keys;
    issuer_accounts_t      accounts;
    issuer_revocations_t   revocations;

    if (signals_setup(&waitmask) != 0) {
        return -1;
    }

    if (issuer_accounts_load(&accounts, conf->users_file,
                             conf->services_file) != 0)
    {
        return -1;
    }

    now = time(NULL);

    if (issuer_keys_init(&keys, conf, now) != 0) {
        issuer_accounts_free(&accounts);
        return -1;
    }

    if (issuer_revocations_init(&revocations, conf) != 0) {
        issuer_keys_free(&keys);
        issuer_accounts_free(&accounts);
        return -1;
    }

    ctx.conf = conf;
    ctx.keys = &keys;
    ctx.accounts = &accounts;
    ctx.revocations = &revocations;

    rc = -1;

    daemon = issuer_http_start(&ctx, &port);
    if (daemon == NULL) {
        goto done;
    }

    /* logged first: once the pid file is there, the port is known */

    issuer_log("listening on http://%s:%u (%s, iss \"%s\", aud \"%s\", "
               "lifetime %ld s); NOT a production identity provider",
               conf->bind, port, conf->alg == ISSUER_ES256 ? "ES256" : "RS256",
               conf->issuer, conf->audience, conf->lifetime);

    if (conf->pid_file != NULL && pid_file_write(conf->pid_file) != 0) {
        issuer_http_stop(daemon);
        goto done;
    }

    rc = 0;

    while (!issuer_stop) {
        now = time(NULL);

        if (issuer_rotate) {
            issuer_rotate = 0;
            issuer_log("SIGHUP: key rotation");
            (void) issuer_keys_rotate(&keys, now);
        }

        issuer_keys_tick(&keys, now);

        if (issuer_http_run(daemon, issuer_keys_next_event(&keys), &waitmask)
            != 0)
        {
            rc = -1;
            break;
        }
    }

    issuer_http_stop(daemon);

    if (conf->pid_file != NULL && unlink(conf->pid_file) != 0) {
        issuer_log("cannot remove %s: %s", conf->pid_file, strerror(errno));
    }

    issuer_log("stopped");

done:

    issuer_revocations_free(&revocations);
    issuer_keys_free(&keys);
    issuer_accounts_free(&accounts);
    return rc;
}


/* Blocks the signals; waitmask is the mask pselect() waits with. */

static int
signals_setup(sigset_t *waitmask)
{
    sigset_t          block;
    struct sigaction  sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;

    if (sigaction(SIGPIPE, &sa, NULL) != 0) {
        issuer_log("sigaction(SIGPIPE) failed: %s", strerror(errno));
        return -1;
    }

    if (sigemptyset(&block) != 0
        || sigaddset(&block, SIGTERM) != 0
        || sigaddset(&block, SIGINT) != 0
        || sigaddset(&block, SIGHUP) != 0
        || sigprocmask(SIG_BLOCK, &block, waitmask) != 0)
    {
        issuer_log("cannot block signals: %s", strerror(errno));
        return -1;
    }

    if (sigdelset(waitmask, SIGTERM) != 0
        || sigdelset(waitmask, SIGINT) != 0
        || sigdelset(waitmask, SIGHUP) != 0)
    {
        return -1;
    }

    sa.sa_handler = on_signal;
    sa.sa_mask = block;

    if (sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGINT, &sa, NULL) != 0
        || sigaction(SIGHUP, &sa, NULL) != 0)
    {
        issuer_log("sigaction() failed: %s", strerror(errno));
        return -1;
    }

    return 0;
}


static void
on_signal(int signo)
{
    if (signo == SIGHUP) {
        issuer_rotate = 1;

    } else {
        issuer_stop = 1;
    }
}


/* Written through a temporary file: a reader never sees it half-done. */

static int
pid_file_write(const char *path)
{
    int      fd, n;
    char     buf[32], *tmp;
    size_t   size;

    size = strlen(path) + 8;
    tmp = malloc(size);
    if (tmp == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    (void) snprintf(tmp, size, "%s.tmp", path);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
    if (fd == -1) {
        issuer_log("cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }

    n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());

    if (write(fd, buf, (size_t) n) != n || close(fd) != 0) {
        issuer_log("cannot write %s: %s", tmp, strerror(errno));
        (void) unlink(tmp);
        free(tmp);
        return -1;
    }

    if (rename(tmp, path) != 0) {
        issuer_log("cannot rename %s to %s: %s", tmp, path, strerror(errno));
        (void) unlink(tmp);
        free(tmp);
        return -1;
    }

    free(tmp);
    return 0;
}


void
issuer_log(const char *fmt, ...)
{
    char        stamp[32];
    time_t      now;
    va_list     ap;
    struct tm   tm;

    now = time(NULL);

    if (gmtime_r(&now, &tm) == NULL
        || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        stamp[0] = '\0';
    }

    va_start(ap, fmt);
    (void) fprintf(stderr, "%s " ISSUER_NAME "[%ld]: ", stamp,
                   (long) getpid());
    (void) vfprintf(stderr, fmt, ap);
    (void) fputc('\n', stderr);
    va_end(ap);
}


/* Printable ASCII as it is, anything else as \xHH; always terminated. */

void
issuer_log_escaped(char *dst, size_t size, const char *src, size_t len)
{
    size_t         i, n;
    unsigned char  c;

    static const char  hex[] = "0123456789abcdef";

    n = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) src[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            if (n + 1 >= size) {
                break;
            }

            dst[n++] = (char) c;
            continue;
        }

        if (n + 4 >= size) {
            break;
        }

        dst[n++] = '\\';
        dst[n++] = 'x';
        dst[n++] = hex[c >> 4];
        dst[n++] = hex[c & 0x0f];
    }

    dst[n] = '\0';
}


static int
parse_options(int argc, char **argv, issuer_conf_t *conf, int *mode,
    const char **method)
{
    int      c, idx;
    long     v, *target;
    size_t   n;

    static const struct option  options[] = {
        { "port",           required_argument, NULL, 'p' },
        { "bind",           required_argument, NULL, 'b' },
        { "users",          required_argument, NULL, 'u' },
        { "services",       required_argument, NULL, 's' },
        { "key-dir",        required_argument, NULL, 'k' },
        { "alg",            required_argument, NULL, 'a' },
        { "issuer",         required_argument, NULL, 'i' },
        { "audience",       required_argument, NULL, 'A' },
        { "lifetime",       required_argument, NULL, 'l' },
        { "rotation-delay", required_argument, NULL, 'd' },
        { "rotate-every",   required_argument, NULL, 'r' },
        { "retire-grace",   required_argument, NULL, 'g' },
        { "jwks-max-age",   required_argument, NULL, 'm' },
        { "pid-file",       required_argument, NULL, 'P' },
        { "max-connections", required_argument, NULL, 'c' },
        { "max-connections-per-ip", required_argument, NULL, 'C' },
        { "header-timeout", required_argument, NULL, 't' },
        { "body-timeout",   required_argument, NULL, 'T' },
        { "admin-secret-file", required_argument, NULL, 'S' },
        { "revocation-file", required_argument, NULL, 'R' },
        { "revocation-max", required_argument, NULL, 'M' },
        { "revocation-margin", required_argument, NULL, 'G' },
        { "hash-password",  optional_argument, NULL, 'H' },
        { "hash-api-key",   no_argument,       NULL, 'K' },
        { "help",           no_argument,       NULL, 'h' },
        { "version",        no_argument,       NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };

    memset(conf, 0, sizeof(*conf));
    conf->bind = "127.0.0.1";
    conf->port = 8090;
    conf->issuer = ISSUER_NAME;
    conf->audience = "jwtgate";
    conf->alg = ISSUER_RS256;
    conf->lifetime = 900;
    conf->rotation_delay = 300;
    conf->retire_grace = 60;
    conf->jwks_max_age = 60;
    conf->max_connections = 64;
    conf->max_connections_per_ip = 0;
    conf->header_timeout = 5;
    conf->body_timeout = 10;
    conf->revocation_max = 100000;
    conf->revocation_margin = 60;

    *mode = ISSUER_MODE_SERVE;
    *method = NULL;

    opterr = 0;

    while ((c = getopt_long(argc, argv, ":h", options, &idx)) != -1) {
        switch (c) {

        case 'p':
            if (parse_long("port", optarg, 0, 65535, &v) != 0) {
                return -1;
            }

            conf->port = (unsigned) v;
            break;

        case 'b':
            conf->bind = optarg;
            break;

        case 'u':
            conf->users_file = optarg;
            break;

        case 's':
            conf->services_file = optarg;
            break;

        case 'k':
            /* "dir/" would follow a symbolic link "dir" */
            n = strlen(optarg);

            while (n > 1 && optarg[n - 1] == '/') {
                optarg[--n] = '\0';
            }

            if (n == 0) {
                issuer_log("--key-dir must not be empty");
                return -1;
            }

            conf->key_dir = optarg;
            break;

        case 'a':
            if (strcmp(optarg, "RS256") == 0) {
                conf->alg = ISSUER_RS256;

            } else if (strcmp(optarg, "ES256") == 0) {
                conf->alg = ISSUER_ES256;

            } else {
                issuer_log("--alg: RS256 or ES256, not \"%s\"", optarg);
                return -1;
            }

            break;

        case 'i':
        case 'A':
            if (optarg[0] == '\0') {
                issuer_log("--%s must not be empty",
                           c == 'i' ? "issuer" : "audience");
                return -1;
            }

            if (c == 'i') {
                conf->issuer = optarg;
            } else {
                conf->audience = optarg;
            }

            break;

        case 'l':
        case 'd':
        case 'r':
        case 'g':
        case 'm':
            target = (c == 'l') ? &conf->lifetime
                     : (c == 'd') ? &conf->rotation_delay
                     : (c == 'r') ? &conf->rotate_every
                     : (c == 'g') ? &conf->retire_grace
                     : &conf->jwks_max_age;

            /* a lifetime of 0 would make expired tokens */
            if (parse_long(options[idx].name, optarg, (c == 'l') ? 1 : 0,
                           ISSUER_SECONDS_MAX, target) != 0)
            {
                return -1;
            }

            break;

        case 'P':
            conf->pid_file = optarg;
            break;

        case 'c':
        case 'C':
            if (parse_long(options[idx].name, optarg, (c == 'c') ? 1 : 0,
                           ISSUER_CONNECTIONS_MAX, &v) != 0)
            {
                return -1;
            }

            if (c == 'c') {
                conf->max_connections = (unsigned) v;
            } else {
                conf->max_connections_per_ip = (unsigned) v;
            }

            break;

        case 't':
        case 'T':
            if (parse_long(options[idx].name, optarg, 1, 3600,
                           (c == 't') ? &conf->header_timeout
                                      : &conf->body_timeout) != 0)
            {
                return -1;
            }

            break;

        case 'S':
            conf->admin_secret_file = optarg;
            break;

        case 'R':
            conf->revocation_file = optarg;
            break;

        case 'M':
            if (parse_long("revocation-max", optarg, 1, 10000000, &v) != 0) {
                return -1;
            }

            conf->revocation_max = (size_t) v;
            break;

        case 'G':
            if (parse_long("revocation-margin", optarg, 0, 3600,
                           &conf->revocation_margin) != 0)
            {
                return -1;
            }

            break;

        case 'H':
            *mode = ISSUER_MODE_HASH_PASSWORD;
            *method = optarg;
            break;

        case 'K':
            *mode = ISSUER_MODE_HASH_API_KEY;
            break;

        case 'h':
            usage(stdout);
            *mode = ISSUER_MODE_EXIT_OK;
            return fflush(stdout) == 0 ? 0 : -1;

        case 'V':
            printf(ISSUER_NAME " " ISSUER_VERSION "\n");
            *mode = ISSUER_MODE_EXIT_OK;
            return fflush(stdout) == 0 ? 0 : -1;

        case ':':
            issuer_log("%s needs a value", argv[optind - 1]);
            usage(stderr);
            return -1;

        default:
            issuer_log("unknown option %s", argv[optind - 1]);
            usage(stderr);
            return -1;
        }
    }

    if (optind != argc) {
        issuer_log("unexpected argument \"%s\"", argv[optind]);
        usage(stderr);
        return -1;
    }

    if (*mode != ISSUER_MODE_SERVE) {
        return 0;
    }

    if (conf->users_file == NULL && conf->services_file == NULL) {
        issuer_log("nothing to issue: give --users FILE, --services FILE "
                   "or both");
        usage(stderr);
        return -1;
    }

    if (conf->rotate_every != 0
        && conf->rotate_every <= conf->rotation_delay)
    {
        issuer_log("--rotate-every must be longer than --rotation-delay");
        return -1;
    }

    if (conf->max_connections_per_ip > conf->max_connections) {
        issuer_log("--max-connections-per-ip must not exceed "
                   "--max-connections");
        return -1;
    }

    if (conf->jwks_max_age > conf->rotation_delay) {
        issuer_log("warning: --jwks-max-age %ld is longer than "
                   "--rotation-delay %ld: a cached JWKS may miss a new key",
                   conf->jwks_max_age, conf->rotation_delay);
    }

    return 0;
}


static int
parse_long(const char *opt, const char *s, long min, long max, long *out)
{
    char  *end;
    long   v;

    errno = 0;
    v = strtol(s, &end, 10);

    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        issuer_log("--%s: \"%s\" is not a number from %ld to %ld", opt, s,
                   min, max);
        return -1;
    }

    *out = v;
    return 0;
}


static void
usage(FILE *fp)
{
    fprintf(fp,
"usage: " ISSUER_NAME " [options] --users FILE [--services FILE]\n"
"       " ISSUER_NAME " --hash-password[=yescrypt|bcrypt] < password\n"
"       " ISSUER_NAME " --hash-api-key < api-key\n"
"\n"
"A small reference token issuer for demos, tests and local development.\n"
"It is NOT a production identity provider.  See docs/ISSUER.md.\n"
"\n"
"  POST /auth/login              {\"username\":..,\"password\":..} -> token\n"
"  POST /auth/token              Authorization: Bearer <API key>,\n"
"                                body grant_type=client_credentials\n"
"  GET  /.well-known/jwks.json   the public keys\n"
"  POST /auth/logout             Authorization: Bearer <token>: revoked\n"
"  POST /auth/revoke             Authorization: Bearer <admin secret>,\n"
"                                {\"sub\":..} or {\"jti\":..[,\"exp\":..]}\n"
"  GET  /.well-known/revocations.json   the revocation list (ETag)\n"
"\n"
"options:\n"
"  --port PORT            listen port (default 8090; 0: any free port)\n"
"  --bind ADDR            IPv4 address to listen on (default 127.0.0.1)\n"
"  --users FILE           username:crypt-hash:role1,role2[:scope]\n"
"  --services FILE        name:sha256-hex-of-api-key:scope1 scope2\n"
"  --key-dir DIR          keep keys in DIR as <kid>.pem (created 0700);\n"
"                         without it keys live in memory only\n"
"  --alg RS256|ES256      signing algorithm (default RS256, RSA 2048)\n"
"  --issuer ISS           the \"iss\" claim (default " ISSUER_NAME ")\n"
"  --audience AUD         the \"aud\" claim (default jwtgate)\n"
"  --lifetime SECS        token lifetime (default 900)\n"
"  --rotation-delay SECS  a new key signs this long after it is\n"
"                         published (default 300)\n"
"  --rotate-every SECS    rotate keys on this interval (default: only on\n"
"                         SIGHUP)\n"
"  --retire-grace SECS    an old key stays published this long after its\n"
"                         last token expired (default 60)\n"
"  --jwks-max-age SECS    Cache-Control max-age of the JWKS (default 60)\n"
"  --pid-file FILE        write the pid once listening; removed at exit\n"
"  --max-connections N    connections at once (default 64, at most 1000);\n"
"                         when full, new clients wait for a free one\n"
"  --max-connections-per-ip N\n"
"                         connections at once from one address (default\n"
"                         0: no limit; behind nginx they share one)\n"
"  --header-timeout SECS  a request's headers must arrive within SECS of\n"
"                         the connection's start or the previous answer\n"
"                         (default 5)\n"
"  --body-timeout SECS    its body within SECS of its headers (default 10)\n"
"  --admin-secret-file FILE  the secret of POST /auth/revoke (16 to 1024\n"
"                         bytes, one line); without it there is no\n"
"                         admin endpoint\n"
"  --revocation-file FILE keep the revocation list in FILE (read at\n"
"                         start, rewritten on each change); without it\n"
"                         the list is in memory only\n"
"  --revocation-max N     revoked jti and sub at most (default 100000);\n"
"                         beyond, a revocation is refused with 507\n"
"  --revocation-margin SECS  an entry stays this long after the tokens\n"
"                         it names expired (default 60)\n"
"  --hash-password[=M]    read a password on stdin, print its crypt(3)\n"
"                         hash (yescrypt by default, or bcrypt)\n"
"  --hash-api-key         read an API key on stdin, print its SHA-256\n"
"  --help, --version\n"
"\n"
"signals: SIGHUP rotates the key, SIGTERM and SIGINT stop.\n");
}
