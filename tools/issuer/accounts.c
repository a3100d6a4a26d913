/*
 * Users and services, read once at start.
 *
 * Users file, one user per line:      username:crypt-hash:roles[:scope]
 *   username   1-64 of A-Z a-z 0-9 . _ - @ +
 *   crypt-hash yescrypt ($y$...) or bcrypt ($2b$...), from --hash-password
 *   roles      comma-separated, each 1-64 of A-Z a-z 0-9 . _ -; may be empty
 *   scope      optional, the rest of the line: space-separated scope tokens
 *
 * Services file, one service per line: name:sha256-hex-of-api-key:scope
 *
 * Blank lines and lines starting with '#' are ignored.  Any other mistake
 * stops the start with "file:line: why".
 *
 * Passwords are checked with crypt(3) and the result compared in constant
 * time; an unknown user is checked against a dummy hash made like the first
 * user's, so the answer takes as long.  API keys are compared as SHA-256
 * digests with CRYPTO_memcmp() against every service.
 */

#define _DEFAULT_SOURCE

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "issuer.h"


#define ISSUER_FILE_MAX     (1024 * 1024)
#define ISSUER_ACCOUNTS_MAX 10000
#define ISSUER_ROLES_MAX    32
#define ISSUER_ROLE_MAX     64


typedef int (*issuer_line_pt)(issuer_accounts_t *acc, char *line,
    const char *file, unsigned lineno);


static int accounts_read(issuer_accounts_t *acc, const char *file,
    issuer_line_pt parse);
static int user_line(issuer_accounts_t *acc, char *line, const char *file,
    unsigned lineno);
static int service_line(issuer_accounts_t *acc, char *line, const char *file,
    unsigned lineno);
static json_t *roles_parse(const char *s, const char *file, unsigned lineno);
static int name_valid(const char *s);
static int hash_valid(const char *s);
static int make_dummy_hash(issuer_accounts_t *acc);
static char *read_file(const char *path, size_t *len);
static int hex_decode(const char *s, unsigned char *out, size_t n);


int
issuer_accounts_load(issuer_accounts_t *acc, const char *users_file,
    const char *services_file)
{
    memset(acc, 0, sizeof(*acc));

    acc->crypt_data = calloc(1, sizeof(struct crypt_data));
    if (acc->crypt_data == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    if ((users_file != NULL
         && accounts_read(acc, users_file, user_line) != 0)
        || (services_file != NULL
            && accounts_read(acc, services_file, service_line) != 0)
        || make_dummy_hash(acc) != 0)
    {
        issuer_accounts_free(acc);
        return -1;
    }

    issuer_log("%zu users, %zu services", acc->nusers, acc->nservices);
    return 0;
}


void
issuer_accounts_free(issuer_accounts_t *acc)
{
    size_t  i;

    for (i = 0; i < acc->nusers; i++) {
        free(acc->users[i].name);
        free(acc->users[i].hash);
        json_decref(acc->users[i].roles);
        free(acc->users[i].scope);
    }

    for (i = 0; i < acc->nservices; i++) {
        free(acc->services[i].name);
        free(acc->services[i].scope);
    }

    free(acc->users);
    free(acc->services);
    free(acc->dummy_hash);

    if (acc->crypt_data != NULL) {
        OPENSSL_cleanse(acc->crypt_data, sizeof(struct crypt_data));
        free(acc->crypt_data);
    }

    memset(acc, 0, sizeof(*acc));
}


/* The user if the password is right, else NULL, in about the same time. */

const issuer_user_t *
issuer_accounts_check_password(issuer_accounts_t *acc, const char *username,
    const char *password)
{
    int                   ok;
    char                 *out;
    size_t                i, len;
    const char           *hash;
    const issuer_user_t  *user;

    user = NULL;

    for (i = 0; i < acc->nusers; i++) {
        if (strcmp(acc->users[i].name, username) == 0) {
            user = &acc->users[i];
            break;
        }
    }

    hash = (user != NULL) ? user->hash : acc->dummy_hash;

    out = crypt_rn(password, hash, acc->crypt_data,
                   (int) sizeof(struct crypt_data));

    len = strlen(hash);
    ok = out != NULL && strlen(out) == len
         && CRYPTO_memcmp(out, hash, len) == 0;

    OPENSSL_cleanse(acc->crypt_data, sizeof(struct crypt_data));

    return (ok && user != NULL) ? user : NULL;
}


const issuer_service_t *
issuer_accounts_check_api_key(const issuer_accounts_t *acc, const char *key,
    size_t len)
{
    size_t                   i;
    unsigned char            md[32];
    const issuer_service_t  *found;

    if (EVP_Digest(key, len, md, NULL, EVP_sha256(), NULL) != 1) {
        issuer_log("SHA-256 failed");
        return NULL;
    }

    found = NULL;

    /* every service is compared: the time does not say which one matched */

    for (i = 0; i < acc->nservices; i++) {
        if (CRYPTO_memcmp(md, acc->services[i].key_sha256, sizeof(md)) == 0) {
            found = &acc->services[i];
        }
    }

    return found;
}


/* RFC 6749 3.3: tokens of %x21 / %x23-5B / %x5D-7E, one space between. */

int
issuer_scope_valid(const char *scope, size_t len)
{
    size_t         i;
    unsigned char  c;

    if (len > ISSUER_SCOPE_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) scope[i];

        if (c == ' ') {
            if (i == 0 || i == len - 1 || scope[i - 1] == ' ') {
                return 0;
            }

            continue;
        }

        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
            return 0;
        }
    }

    return 1;
}


int
issuer_scope_has(const char *scope, const char *token, size_t len)
{
    const char  *p, *end;

    for (p = scope; *p != '\0'; p = (*end == ' ') ? end + 1 : end) {
        end = strchr(p, ' ');
        if (end == NULL) {
            end = p + strlen(p);
        }

        if ((size_t) (end - p) == len && memcmp(p, token, len) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
accounts_read(issuer_accounts_t *acc, const char *file, issuer_line_pt parse)
{
    int        rc;
    char      *text, *line, *next;
    size_t     len, n;
    unsigned   lineno;

    text = read_file(file, &len);
    if (text == NULL) {
        return -1;
    }

    rc = 0;
    lineno = 0;

    for (line = text; line < text + len; line = next) {
        lineno++;

        next = memchr(line, '\n', (size_t) (text + len - line));
        if (next == NULL) {
            next = text + len;

        } else {
            *next++ = '\0';
        }

        n = strlen(line);
        if (n > 0 && line[n - 1] == '\r') {
            line[--n] = '\0';
        }

        if (n == 0 || line[0] == '#') {
            continue;
        }

        if (acc->nusers + acc->nservices >= ISSUER_ACCOUNTS_MAX) {
            issuer_log("%s:%u: more than %d accounts", file, lineno,
                       ISSUER_ACCOUNTS_MAX);
            rc = -1;
            break;
        }

        if (parse(acc, line, file, lineno) != 0) {
            rc = -1;
            break;
        }
    }

    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}


static int
user_line(issuer_accounts_t *acc, char *line, const char *file,
    unsigned lineno)
{
    char           *hash, *roles, *scope;
    size_t          i;
    issuer_user_t  *users, *u;

    hash = strchr(line, ':');
    roles = hash ? strchr(hash + 1, ':') : NULL;

    if (roles == NULL) {
        issuer_log("%s:%u: username:hash:roles[:scope] expected", file,
                   lineno);
        return -1;
    }

    *hash++ = '\0';
    *roles++ = '\0';

    scope = strchr(roles, ':');
    if (scope != NULL) {
        *scope++ = '\0';
    }

    if (!name_valid(line)) {
        issuer_log("%s:%u: bad username: 1-%d of A-Z a-z 0-9 . _ - @ +",
                   file, lineno, ISSUER_USERNAME_MAX);
        return -1;
    }

    for (i = 0; i < acc->nusers; i++) {
        if (strcmp(acc->users[i].name, line) == 0) {
            issuer_log("%s:%u: user \"%s\" again", file, lineno, line);
            return -1;
        }
    }

    if (!hash_valid(hash)) {
        issuer_log("%s:%u: user \"%s\": not a yescrypt ($y$) or bcrypt "
                   "($2b$) hash", file, lineno, line);
        return -1;
    }

    if (scope != NULL && !issuer_scope_valid(scope, strlen(scope))) {
        issuer_log("%s:%u: user \"%s\": bad scope", file, lineno, line);
        return -1;
    }

    users = realloc(acc->users, (acc->nusers + 1) * sizeof(issuer_user_t));
    if (users == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    acc->users = users;
    u = &users[acc->nusers];
    memset(u, 0, sizeof(*u));

    u->roles = roles_parse(roles, file, lineno);
    u->name = strdup(line);
    u->hash = strdup(hash);
    u->scope = (scope != NULL && scope[0] != '\0') ? strdup(scope) : NULL;

    /* counted now, so that issuer_accounts_free() frees a half-made one */
    acc->nusers++;

    if (u->roles == NULL || u->name == NULL || u->hash == NULL
        || (scope != NULL && scope[0] != '\0' && u->scope == NULL))
    {
        if (u->roles != NULL) {
            issuer_log("out of memory");
        }

        return -1;
    }

    return 0;
}


static int
service_line(issuer_accounts_t *acc, char *line, const char *file,
    unsigned lineno)
{
    char              *digest, *scope;
    size_t             i;
    issuer_service_t  *services, *s;

    digest = strchr(line, ':');
    scope = digest ? strchr(digest + 1, ':') : NULL;

    if (scope == NULL) {
        issuer_log("%s:%u: name:sha256-hex:scope expected", file, lineno);
        return -1;
    }

    *digest++ = '\0';
    *scope++ = '\0';

    if (!name_valid(line)) {
        issuer_log("%s:%u: bad service name: 1-%d of A-Z a-z 0-9 . _ - @ +",
                   file, lineno, ISSUER_USERNAME_MAX);
        return -1;
    }

    for (i = 0; i < acc->nservices; i++) {
        if (strcmp(acc->services[i].name, line) == 0) {
            issuer_log("%s:%u: service \"%s\" again", file, lineno, line);
            return -1;
        }
    }

    if (!issuer_scope_valid(scope, strlen(scope))) {
        issuer_log("%s:%u: service \"%s\": bad scope", file, lineno, line);
        return -1;
    }

    services = realloc(acc->services,
                       (acc->nservices + 1) * sizeof(issuer_service_t));
    if (services == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    acc->services = services;
    s = &services[acc->nservices];
    memset(s, 0, sizeof(*s));

    if (strlen(digest) != 64 || hex_decode(digest, s->key_sha256, 32) != 0) {
        issuer_log("%s:%u: service \"%s\": the API key's SHA-256 must be 64 "
                   "hex digits (--hash-api-key)", file, lineno, line);
        return -1;
    }

    s->name = strdup(line);
    s->scope = strdup(scope);
    acc->nservices++;

    if (s->name == NULL || s->scope == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    return 0;
}


static json_t *
roles_parse(const char *s, const char *file, unsigned lineno)
{
    char         role[ISSUER_ROLE_MAX + 1];
    size_t       len, i;
    json_t      *roles;
    const char  *p, *end;

    roles = json_array();
    if (roles == NULL) {
        issuer_log("out of memory");
        return NULL;
    }

    for (p = s; *p != '\0'; p = (*end == ',') ? end + 1 : end) {
        end = strchr(p, ',');
        if (end == NULL) {
            end = p + strlen(p);
        }

        len = (size_t) (end - p);

        if (len == 0 || len > ISSUER_ROLE_MAX) {
            goto bad;
        }

        for (i = 0; i < len; i++) {
            if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789._-", p[i]) == NULL)
            {
                goto bad;
            }
        }

        if (json_array_size(roles) == ISSUER_ROLES_MAX) {
            goto bad;
        }

        memcpy(role, p, len);
        role[len] = '\0';

        if (json_array_append_new(roles, json_string(role)) != 0) {
            issuer_log("out of memory");
            json_decref(roles);
            return NULL;
        }

        if (*end == ',' && end[1] == '\0') {
            goto bad;
        }
    }

    return roles;

bad:

    issuer_log("%s:%u: bad roles: up to %d, comma-separated, each 1-%d of "
               "A-Z a-z 0-9 . _ -", file, lineno, ISSUER_ROLES_MAX,
               ISSUER_ROLE_MAX);
    json_decref(roles);
    return NULL;
}


static int
name_valid(const char *s)
{
    size_t  len;

    len = strlen(s);

    return len > 0 && len <= ISSUER_USERNAME_MAX
           && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789._-@+") == len;
}


/*
 * A whole hash, not only a setting: bcrypt "$2b$NN$" and 53 characters;
 * yescrypt "$y$params$salt$" and 43 characters.
 */

static int
hash_valid(const char *s)
{
    size_t       len, n;
    const char  *p;

    static const char  b64[] = "./0123456789"
                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz";

    len = strlen(s);

    if (len >= CRYPT_OUTPUT_SIZE || crypt_checksalt(s) != CRYPT_SALT_OK) {
        return 0;
    }

    if (strncmp(s, "$2b$", 4) == 0) {
        return len == 60 && s[4] >= '0' && s[4] <= '3'
               && s[5] >= '0' && s[5] <= '9' && s[6] == '$'
               && strspn(s + 7, b64) == 53;
    }

    if (strncmp(s, "$y$", 3) != 0) {
        return 0;
    }

    /* params, salt: each non-empty and followed by '$' */

    p = s + 3;

    for (n = 0; n < 2; n++) {
        len = strspn(p, b64);

        if (len == 0 || p[len] != '$') {
            return 0;
        }

        p += len + 1;
    }

    return strspn(p, b64) == 43 && p[43] == '\0';
}


/* A hash of a random password, made with the first user's settings. */

static int
make_dummy_hash(issuer_accounts_t *acc)
{
    char           *out;
    char            setting[CRYPT_GENSALT_OUTPUT_SIZE], password[33];
    size_t          i;
    const char     *base;
    unsigned char   rnd[16];

    if (acc->nusers > 0) {
        base = acc->users[0].hash;

    } else {
        base = crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting));
        if (base == NULL) {
            issuer_log("crypt_gensalt_rn() failed: %s", strerror(errno));
            return -1;
        }
    }

    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        issuer_log("RAND_bytes() failed");
        return -1;
    }

    for (i = 0; i < sizeof(rnd); i++) {
        (void) snprintf(password + 2 * i, 3, "%02x", rnd[i]);
    }

    out = crypt_rn(password, base, acc->crypt_data,
                   (int) sizeof(struct crypt_data));

    acc->dummy_hash = out ? strdup(out) : NULL;
    OPENSSL_cleanse(acc->crypt_data, sizeof(struct crypt_data));

    if (acc->dummy_hash == NULL) {
        issuer_log("cannot make the dummy hash: %s", strerror(errno));
        return -1;
    }

    return 0;
}


/* The whole file, NUL-terminated; a NUL byte inside is an error. */

static char *
read_file(const char *path, size_t *len)
{
    int          fd;
    char        *buf;
    ssize_t      n;
    struct stat  st;

    fd = open(path, O_RDONLY);
    if (fd == -1) {
        issuer_log("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }

    buf = NULL;

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size > ISSUER_FILE_MAX)
    {
        issuer_log("%s: not a regular file of at most %d bytes", path,
                   ISSUER_FILE_MAX);
        goto failed;
    }

    buf = malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        issuer_log("out of memory");
        goto failed;
    }

    n = read(fd, buf, (size_t) st.st_size);
    if (n < 0 || n != (ssize_t) st.st_size) {
        issuer_log("cannot read %s: %s", path,
                   n < 0 ? strerror(errno) : "short read");
        goto failed;
    }

    buf[n] = '\0';

    if (memchr(buf, '\0', (size_t) n) != NULL) {
        issuer_log("%s: contains a NUL byte", path);
        goto failed;
    }

    (void) close(fd);
    *len = (size_t) n;
    return buf;

failed:

    (void) close(fd);
    free(buf);
    return NULL;
}


static int
hex_decode(const char *s, unsigned char *out, size_t n)
{
    int     hi, lo;
    size_t  i;

    for (i = 0; i < n; i++) {
        hi = OPENSSL_hexchar2int((unsigned char) s[2 * i]);
        lo = OPENSSL_hexchar2int((unsigned char) s[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -1;
        }

        out[i] = (unsigned char) (hi << 4 | lo);
    }

    return 0;
}

