/*
 * The signing keys: one ACTIVE key signs; a PENDING key is already in the
 * JWKS and starts signing at its active_at (created + rotation delay), so
 * gateways can fetch it first; a RETIRING key stays in the JWKS until every
 * token it signed has expired (last use + lifetime + grace), then it is
 * dropped and its file removed.
 *
 * With a key directory, each key is "<kid>.pem" (key.c), its creation time
 * the file's mtime.  At start the newest key whose delay has passed signs;
 * newer keys stay pending; older ones retire as if last used at start.
 *
 * The key directory must be the issuer's user's and writable by no one
 * else, or someone else could plant the key that signs.  It is opened once,
 * without following a symbolic link, and every key file is then reached
 * through that descriptor (openat, renameat, unlinkat): swapping a path
 * component later changes nothing.
 */

#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <jwt.h>

#include "issuer.h"


static int keys_open_dir(issuer_keys_t *ks);
static int keys_load_dir(issuer_keys_t *ks);
static int keys_add(issuer_keys_t *ks, issuer_key_t *key);
static void keys_remove(issuer_keys_t *ks, size_t i);
static void keys_start(issuer_keys_t *ks, time_t now);
static issuer_key_t *keys_active(const issuer_keys_t *ks);
static char *time_str(time_t t, char *buf, size_t size);


int
issuer_keys_init(issuer_keys_t *ks, const issuer_conf_t *conf, time_t now)
{
    issuer_key_t  *key;

    memset(ks, 0, sizeof(*ks));
    ks->conf = conf;
    ks->dir_fd = -1;

    if (conf->key_dir != NULL
        && (keys_open_dir(ks) != 0 || keys_load_dir(ks) != 0))
    {
        issuer_keys_free(ks);
        return -1;
    }

    if (ks->nkeys == 0) {
        key = issuer_key_generate(conf, ks->dir_fd, now);
        if (key == NULL || keys_add(ks, key) != 0) {
            issuer_key_free(key);
            issuer_keys_free(ks);
            return -1;
        }

        key->state = ISSUER_KEY_ACTIVE;
        key->last_used = now;
        issuer_log("key %s: generated, signs now", key->kid);

    } else {
        keys_start(ks, now);
    }

    if (conf->rotate_every > 0) {
        ks->next_rotation = now + conf->rotate_every;
    }

    return 0;
}


void
issuer_keys_free(issuer_keys_t *ks)
{
    size_t  i;

    for (i = 0; i < ks->nkeys; i++) {
        issuer_key_free(ks->keys[i]);
        ks->keys[i] = NULL;
    }

    ks->nkeys = 0;

    if (ks->dir_fd != -1) {
        (void) close(ks->dir_fd);
        ks->dir_fd = -1;
    }
}


/* Publishes a new key now; it signs after the rotation delay. */

int
issuer_keys_rotate(issuer_keys_t *ks, time_t now)
{
    size_t         i;
    issuer_key_t  *key;
    char           when[32];

    for (i = 0; i < ks->nkeys; i++) {
        if (ks->keys[i]->state == ISSUER_KEY_PENDING) {
            issuer_log("rotation: already in progress, key %s signs from %s",
                       ks->keys[i]->kid,
                       time_str(ks->keys[i]->active_at, when, sizeof(when)));
            return 0;
        }
    }

    if (ks->nkeys == ISSUER_KEYS_MAX) {
        issuer_log("rotation: refused, %d keys are still published",
                   ISSUER_KEYS_MAX);
        return -1;
    }

    key = issuer_key_generate(ks->conf, ks->dir_fd, now);
    if (key == NULL || keys_add(ks, key) != 0) {
        issuer_key_free(key);
        issuer_log("rotation: failed, the current key keeps signing");
        return -1;
    }

    /* counted from now that it exists: an RSA key can take a while */

    now = time(NULL);

    key->state = ISSUER_KEY_PENDING;
    key->active_at = now + ks->conf->rotation_delay;

    issuer_log("rotation: key %s published, signs from %s (in %ld s)",
               key->kid, time_str(key->active_at, when, sizeof(when)),
               ks->conf->rotation_delay);

    return 0;
}


/* Moves every key whose time has come to its next state. */

void
issuer_keys_tick(issuer_keys_t *ks, time_t now)
{
    size_t         i;
    issuer_key_t  *key, *active;
    char           when[32];

    if (ks->next_rotation != 0 && now >= ks->next_rotation) {
        ks->next_rotation = now + ks->conf->rotate_every;
        (void) issuer_keys_rotate(ks, now);
    }

    for (i = 0; i < ks->nkeys; i++) {
        key = ks->keys[i];

        if (key->state != ISSUER_KEY_PENDING || now < key->active_at) {
            continue;
        }

        active = keys_active(ks);

        if (active != NULL) {
            active->state = ISSUER_KEY_RETIRING;
            active->drop_at = active->last_used + ks->conf->lifetime
                              + ks->conf->retire_grace + 1;
            issuer_log("rotation: key %s retired, in the JWKS until %s",
                       active->kid,
                       time_str(active->drop_at, when, sizeof(when)));
        }

        key->state = ISSUER_KEY_ACTIVE;
        key->last_used = now;
        issuer_log("rotation: key %s signs now", key->kid);
    }

    i = 0;

    while (i < ks->nkeys) {
        key = ks->keys[i];

        if (key->state != ISSUER_KEY_RETIRING || now < key->drop_at) {
            i++;
            continue;
        }

        if (key->file != NULL && unlinkat(ks->dir_fd, key->file, 0) != 0) {
            issuer_log("key %s: cannot remove %s: %s", key->kid, key->path,
                       strerror(errno));
        }

        issuer_log("rotation: key %s dropped from the JWKS, "
                   "its tokens have expired", key->kid);
        keys_remove(ks, i);
    }
}


/* The next time issuer_keys_tick() has work, 0 if none. */

time_t
issuer_keys_next_event(const issuer_keys_t *ks)
{
    size_t         i;
    time_t         next, t;
    issuer_key_t  *key;

    next = ks->next_rotation;

    for (i = 0; i < ks->nkeys; i++) {
        key = ks->keys[i];

        if (key->state == ISSUER_KEY_PENDING) {
            t = key->active_at;

        } else if (key->state == ISSUER_KEY_RETIRING) {
            t = key->drop_at;

        } else {
            continue;
        }

        if (next == 0 || t < next) {
            next = t;
        }
    }

    return next;
}


/* {"keys":[...]}, newest key first; the caller frees it. */

char *
issuer_keys_jwks(const issuer_keys_t *ks)
{
    char    *text;
    size_t   i;
    json_t  *root, *keys;

    text = NULL;
    keys = json_array();
    root = json_object();

    if (keys == NULL || root == NULL) {
        goto done;
    }

    for (i = ks->nkeys; i > 0; i--) {
        if (json_array_append(keys, ks->keys[i - 1]->jwk) != 0) {
            goto done;
        }
    }

    if (json_object_set(root, "keys", keys) != 0) {
        goto done;
    }

    text = json_dumps(root, JSON_COMPACT);

done:

    if (text == NULL) {
        issuer_log("cannot build the JWKS: out of memory");
    }

    json_decref(keys);
    json_decref(root);
    return text;
}


/* A compact JWS of the claims, signed with the active key. */

char *
issuer_keys_sign(issuer_keys_t *ks, json_t *claims, time_t now,
    const char **kid)
{
    int            e;
    char          *grants, *token;
    jwt_t         *jwt;
    issuer_key_t  *key;

    key = keys_active(ks);
    if (key == NULL) {
        issuer_log("no active key");
        return NULL;
    }

    if (key->pem_len > INT_MAX) {
        return NULL;
    }

    token = NULL;
    jwt = NULL;

    grants = json_dumps(claims, JSON_COMPACT);
    if (grants == NULL) {
        issuer_log("cannot serialize the claims");
        return NULL;
    }

    e = jwt_new(&jwt);
    if (e != 0) {
        jwt = NULL;
        issuer_log("jwt_new() failed: %s", strerror(e));
        goto done;
    }

    e = jwt_set_alg(jwt, ks->conf->alg == ISSUER_ES256 ? JWT_ALG_ES256
                                                       : JWT_ALG_RS256,
                    key->pem, (int) key->pem_len);
    if (e == 0) {
        e = jwt_add_header(jwt, "kid", key->kid);
    }

    if (e == 0) {
        e = jwt_add_grants_json(jwt, grants);
    }

    if (e != 0) {
        issuer_log("cannot prepare the token: %s", strerror(e));
        goto done;
    }

    token = jwt_encode_str(jwt);
    if (token == NULL) {
        issuer_log("cannot sign with key %s", key->kid);
        goto done;
    }

    key->last_used = now;
    *kid = key->kid;

done:

    if (jwt != NULL) {
        jwt_free(jwt);
    }

    free(grants);
    return token;
}


/* At start: the newest key past its delay signs, the others wait or retire */

static void
keys_start(issuer_keys_t *ks, time_t now)
{
    size_t         i, signer;
    issuer_key_t  *key;
    char           when[32];

    signer = 0;

    for (i = 0; i < ks->nkeys; i++) {
        if (ks->keys[i]->created + ks->conf->rotation_delay <= now) {
            signer = i;
        }
    }

    for (i = 0; i < ks->nkeys; i++) {
        key = ks->keys[i];

        if (i == signer) {
            key->state = ISSUER_KEY_ACTIVE;
            key->last_used = now;
            issuer_log("key %s: loaded, signs now", key->kid);

        } else if (i > signer) {
            key->state = ISSUER_KEY_PENDING;
            key->active_at = key->created + ks->conf->rotation_delay;
            issuer_log("key %s: loaded, signs from %s", key->kid,
                       time_str(key->active_at, when, sizeof(when)));

        } else {
            /* it may have signed until now */
            key->state = ISSUER_KEY_RETIRING;
            key->last_used = now;
            key->drop_at = now + ks->conf->lifetime + ks->conf->retire_grace
                           + 1;
            issuer_log("key %s: loaded, retired, in the JWKS until %s",
                       key->kid, time_str(key->drop_at, when, sizeof(when)));
        }
    }
}


static issuer_key_t *
keys_active(const issuer_keys_t *ks)
{
    size_t  i;

    for (i = 0; i < ks->nkeys; i++) {
        if (ks->keys[i]->state == ISSUER_KEY_ACTIVE) {
            return ks->keys[i];
        }
    }

    return NULL;
}


/* Keeps the keys ordered by creation time, oldest first. */

static int
keys_add(issuer_keys_t *ks, issuer_key_t *key)
{
    size_t  i;

    for (i = 0; i < ks->nkeys; i++) {
        if (strcmp(ks->keys[i]->kid, key->kid) == 0) {
            issuer_log("key %s: found twice, in %s and %s", key->kid,
                       ks->keys[i]->path ? ks->keys[i]->path : "memory",
                       key->path ? key->path : "memory");
            return -1;
        }
    }

    if (ks->nkeys == ISSUER_KEYS_MAX) {
        issuer_log("more than %d keys", ISSUER_KEYS_MAX);
        return -1;
    }

    i = ks->nkeys;

    while (i > 0 && ks->keys[i - 1]->created > key->created) {
        ks->keys[i] = ks->keys[i - 1];
        i--;
    }

    ks->keys[i] = key;
    ks->nkeys++;
    return 0;
}


static void
keys_remove(issuer_keys_t *ks, size_t i)
{
    issuer_key_free(ks->keys[i]);

    memmove(&ks->keys[i], &ks->keys[i + 1],
            (ks->nkeys - i - 1) * sizeof(issuer_key_t *));
    ks->nkeys--;
    ks->keys[ks->nkeys] = NULL;
}


/*
 * Creates the key directory (0700) if it is missing, then opens it and
 * checks that the issuer's user owns it and that no one else can write to
 * it.  A symbolic link is refused: its target is not what the owner checks.
 */

static int
keys_open_dir(issuer_keys_t *ks)
{
    int          fd, err;
    struct stat  st;
    const char  *name;

    name = ks->conf->key_dir;

    if (mkdir(name, 0700) == 0) {
        issuer_log("key directory %s: created", name);

    } else if (errno != EEXIST) {
        issuer_log("cannot create key directory %s: %s", name,
                   strerror(errno));
        return -1;
    }

    fd = open(name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1) {
        err = errno;

        if (lstat(name, &st) == 0 && S_ISLNK(st.st_mode)) {
            issuer_log("key directory %s: a symbolic link, refused: give "
                       "the directory itself", name);

        } else if (err == ENOTDIR) {
            issuer_log("key directory %s: not a directory", name);

        } else {
            issuer_log("cannot open key directory %s: %s", name,
                       strerror(err));
        }

        return -1;
    }

    if (fstat(fd, &st) != 0) {
        issuer_log("cannot stat key directory %s: %s", name, strerror(errno));
        goto refused;
    }

    if (st.st_uid != geteuid()) {
        issuer_log("key directory %s: owned by uid %lu, not by the issuer's "
                   "user (uid %lu), refused: someone else may have put keys "
                   "there", name, (unsigned long) st.st_uid,
                   (unsigned long) geteuid());
        goto refused;
    }

    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        issuer_log("key directory %s: mode %04o, group or others can write "
                   "to it, refused: someone else may have put keys there; "
                   "use a directory of your own, mode 0700",
                   name, (unsigned) (st.st_mode & 07777));
        goto refused;
    }

    ks->dir_fd = fd;
    return 0;

refused:

    (void) close(fd);
    return -1;
}


static int
keys_load_dir(issuer_keys_t *ks)
{
    int             rc, fd;
    DIR            *dir;
    char           *path;
    size_t          len, dlen;
    issuer_key_t   *key;
    struct dirent  *de;
    const char     *name;

    name = ks->conf->key_dir;

    /* closedir() closes the descriptor it reads: a copy of ours */

    fd = fcntl(ks->dir_fd, F_DUPFD_CLOEXEC, 0);
    dir = (fd != -1) ? fdopendir(fd) : NULL;

    if (dir == NULL) {
        issuer_log("cannot read key directory %s: %s", name, strerror(errno));

        if (fd != -1) {
            (void) close(fd);
        }

        return -1;
    }

    rc = 0;
    dlen = strlen(name);

    for ( ;; ) {
        errno = 0;
        de = readdir(dir);

        if (de == NULL) {
            if (errno != 0) {
                issuer_log("cannot read key directory %s: %s", name,
                           strerror(errno));
                rc = -1;
            }

            break;
        }

        if (strcmp(de->d_name, ISSUER_KEY_TMP) == 0) {
            issuer_log("key directory %s: " ISSUER_KEY_TMP " is there, "
                       "refused: a key write was interrupted, or someone put "
                       "it there; check it and remove it", name);
            rc = -1;
            break;
        }

        len = strlen(de->d_name);

        if (de->d_name[0] == '.' || len < 5
            || strcmp(de->d_name + len - 4, ".pem") != 0)
        {
            continue;
        }

        path = malloc(dlen + len + 2);
        if (path == NULL) {
            issuer_log("out of memory");
            rc = -1;
            break;
        }

        (void) snprintf(path, dlen + len + 2, "%s/%s", name, de->d_name);

        /* a key of the other algorithm is left alone */
        rc = issuer_key_load(ks->dir_fd, de->d_name, path, ks->conf->alg,
                             &key);

        if (rc != 0) {
            free(path);

            if (rc > 0) {
                rc = 0;
                continue;
            }

            break;
        }

        key->path = path;
        key->file = path + dlen + 1;

        if (keys_add(ks, key) != 0) {
            issuer_key_free(key);
            rc = -1;
            break;
        }
    }

    (void) closedir(dir);
    return rc;
}


static char *
time_str(time_t t, char *buf, size_t size)
{
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        (void) snprintf(buf, size, "%lld", (long long) t);
    }

    return buf;
}

