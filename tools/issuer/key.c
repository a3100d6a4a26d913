/*
 * One signing key: loaded from a PEM file or generated (and saved as
 * "<kid>.pem", PKCS#8, mode 0600), with its kid (the RFC 7638 thumbprint),
 * its public JWK and the PKCS#8 PEM that libjwt signs with.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "issuer.h"


#define ISSUER_PEM_MAX      (64 * 1024)


static int key_save(issuer_key_t *key, int dir_fd, const char *dir);
static int key_from_pkey(EVP_PKEY *pkey, issuer_alg_t alg,
    issuer_key_t **out);
static int pem_password_none(char *buf, int size, int rwflag, void *u);
static char *b64url(const unsigned char *in, size_t len);
static char *bn_b64url(EVP_PKEY *pkey, const char *param, int pad);


/*
 * The key file "name" in the key directory (path: how logs name it).  It
 * must be a regular file of the issuer's user that no one else may read or
 * write: otherwise someone else may know, or have chosen, the key.
 * 0: *out is the key; 1: a valid key of another type, skipped; -1.
 */

int
issuer_key_load(int dir_fd, const char *name, const char *path,
    issuer_alg_t alg, issuer_key_t **out)
{
    int             fd, rc;
    BIO            *bio;
    size_t          size;
    ssize_t         n;
    EVP_PKEY       *pkey;
    struct stat     st;
    unsigned char  *buf;

    rc = -1;
    pkey = NULL;
    bio = NULL;
    buf = NULL;
    size = 0;

    /* O_NONBLOCK: a FIFO must not block the start */

    fd = openat(dir_fd, name,
                O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ELOOP) {
            issuer_log("key %s: a symbolic link, refused: put the key file "
                       "itself in the key directory", path);

        } else {
            issuer_log("cannot open key %s: %s", path, strerror(errno));
        }

        return -1;
    }

    if (fstat(fd, &st) != 0) {
        issuer_log("cannot stat key %s: %s", path, strerror(errno));
        goto done;
    }

    if (!S_ISREG(st.st_mode)) {
        issuer_log("key %s: not a regular file, refused", path);
        goto done;
    }

    if (st.st_uid != geteuid()) {
        issuer_log("key %s: owned by uid %lu, not by the issuer's user "
                   "(uid %lu), refused: someone else may have chosen it",
                   path, (unsigned long) st.st_uid,
                   (unsigned long) geteuid());
        goto done;
    }

    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        issuer_log("key %s: mode %04o, group or others can read or write "
                   "it, refused: chmod 600 it (and make a new key if "
                   "someone else may have read it)",
                   path, (unsigned) (st.st_mode & 07777));
        goto done;
    }

    if (st.st_size <= 0 || st.st_size > ISSUER_PEM_MAX) {
        issuer_log("key %s: not a file of 1 to %d bytes", path,
                   ISSUER_PEM_MAX);
        goto done;
    }

    size = (size_t) st.st_size;

    buf = malloc(size);
    if (buf == NULL) {
        issuer_log("out of memory");
        goto done;
    }

    n = read(fd, buf, size);
    if (n < 0 || (size_t) n != size) {
        issuer_log("cannot read key %s: %s", path,
                   n < 0 ? strerror(errno) : "short read");
        goto done;
    }

    bio = BIO_new_mem_buf(buf, (int) size);
    if (bio != NULL) {
        pkey = PEM_read_bio_PrivateKey(bio, NULL, pem_password_none, NULL);
    }

    if (pkey == NULL) {
        issuer_log("key %s: not an unencrypted PEM private key", path);
        goto done;
    }

    rc = key_from_pkey(pkey, alg, out);

    if (rc == 1) {
        issuer_log("key %s: not an %s key, skipped", path,
                   issuer_alg_name(alg));

    } else if (rc == 0) {
        (*out)->created = st.st_mtime;
    }

done:

    (void) close(fd);
    BIO_free(bio);
    EVP_PKEY_free(pkey);

    if (buf != NULL) {
        OPENSSL_cleanse(buf, size);
        free(buf);
    }

    return rc;
}


/* A new key; with a key directory (dir_fd not -1) saved in it. */

issuer_key_t *
issuer_key_generate(const issuer_conf_t *conf, int dir_fd, time_t now)
{
    EVP_PKEY      *pkey;
    issuer_key_t  *key;

    if (conf->alg == ISSUER_ES256) {
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    } else {
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
    }

    if (pkey == NULL) {
        issuer_log("cannot generate a %s key", issuer_alg_name(conf->alg));
        return NULL;
    }

    key = NULL;

    if (key_from_pkey(pkey, conf->alg, &key) != 0) {
        issuer_log("the generated key does not fit %s",
                   issuer_alg_name(conf->alg));
        EVP_PKEY_free(pkey);
        issuer_key_free(key);
        return NULL;
    }

    EVP_PKEY_free(pkey);

    key->created = now;

    if (dir_fd != -1 && key_save(key, dir_fd, conf->key_dir) != 0) {
        issuer_key_free(key);
        return NULL;
    }

    return key;
}


/*
 * Writes "<kid>.pem" in the key directory through ISSUER_KEY_TMP, mode 0600.
 * O_EXCL: never through a file that is already there (a link someone put
 * there would get the private key); only a file this call created is
 * removed on errors.
 */

static int
key_save(issuer_key_t *key, int dir_fd, const char *dir)
{
    int      fd;
    char    *path;
    size_t   size, off;
    ssize_t  n;

    size = strlen(dir) + ISSUER_KID_LEN + sizeof("/.pem");
    path = malloc(size);
    if (path == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    (void) snprintf(path, size, "%s/%s.pem", dir, key->kid);

    fd = openat(dir_fd, ISSUER_KEY_TMP,
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1) {
        issuer_log("cannot create %s/" ISSUER_KEY_TMP ": %s%s", dir,
                   strerror(errno),
                   errno == EEXIST ? " (left by an interrupted key write, "
                                     "or put there by someone: check it and "
                                     "remove it)" : "");
        goto failed;
    }

    for (off = 0; off < key->pem_len; off += (size_t) n) {
        n = write(fd, key->pem + off, key->pem_len - off);
        if (n <= 0) {
            issuer_log("cannot write %s/" ISSUER_KEY_TMP ": %s", dir,
                       n < 0 ? strerror(errno) : "nothing written");
            (void) close(fd);
            goto unlink;
        }
    }

    if (fsync(fd) != 0 || close(fd) != 0) {
        issuer_log("cannot write %s/" ISSUER_KEY_TMP ": %s", dir,
                   strerror(errno));
        goto unlink;
    }

    if (renameat(dir_fd, ISSUER_KEY_TMP, dir_fd, path + strlen(dir) + 1)
        != 0)
    {
        issuer_log("cannot rename %s/" ISSUER_KEY_TMP " to %s: %s", dir, path,
                   strerror(errno));
        goto unlink;
    }

    /* the rename itself survives a crash */

    if (fsync(dir_fd) != 0) {
        issuer_log("cannot sync key directory %s: %s", dir, strerror(errno));
    }

    key->path = path;
    key->file = path + strlen(dir) + 1;
    return 0;

unlink:

    (void) unlinkat(dir_fd, ISSUER_KEY_TMP, 0);

failed:

    free(path);
    return -1;
}


/*
 * The key with its PKCS#8 PEM, kid and JWK in *out: 0; a key that does not
 * fit alg: 1; -1 on errors.
 */

static int
key_from_pkey(EVP_PKEY *pkey, issuer_alg_t alg, issuer_key_t **out)
{
    int             len, rc;
    BIO            *bio;
    char           *n, *e, *x, *y, *kid;
    char            group[32], thumb[1024];
    long            pem_len;
    char           *data;
    issuer_key_t   *key;
    unsigned char   md[32];

    n = e = x = y = kid = NULL;
    bio = NULL;

    *out = NULL;

    key = calloc(1, sizeof(issuer_key_t));
    if (key == NULL) {
        issuer_log("out of memory");
        return -1;
    }

    if (alg == ISSUER_RS256) {
        if (!EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_get_bits(pkey) < 2048
            || EVP_PKEY_get_bits(pkey) > 4096)
        {
            goto wrong_type;
        }

        n = bn_b64url(pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        e = bn_b64url(pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        if (n == NULL || e == NULL) {
            goto failed;
        }

        len = snprintf(thumb, sizeof(thumb),
                       "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);

    } else {
        if (!EVP_PKEY_is_a(pkey, "EC")
            || EVP_PKEY_get_utf8_string_param(pkey,
                   OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL) != 1
            || strcmp(group, "prime256v1") != 0)
        {
            goto wrong_type;
        }

        x = bn_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        y = bn_b64url(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        if (x == NULL || y == NULL) {
            goto failed;
        }

        len = snprintf(thumb, sizeof(thumb),
                       "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\","
                       "\"y\":\"%s\"}", x, y);
    }

    /* RFC 7638: the kid is the thumbprint; a 4096-bit n fits in thumb */
    if (len <= 0 || (size_t) len >= sizeof(thumb)
        || EVP_Digest(thumb, (size_t) len, md, NULL, EVP_sha256(), NULL) != 1
        || (kid = b64url(md, sizeof(md))) == NULL
        || strlen(kid) != ISSUER_KID_LEN)
    {
        goto failed;
    }

    memcpy(key->kid, kid, ISSUER_KID_LEN + 1);

    if (alg == ISSUER_RS256) {
        key->jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
                             "kty", "RSA", "use", "sig", "alg", "RS256",
                             "kid", kid, "n", n, "e", e);
    } else {
        key->jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                             "kty", "EC", "use", "sig", "alg", "ES256",
                             "kid", kid, "crv", "P-256", "x", x, "y", y);
    }

    if (key->jwk == NULL) {
        goto failed;
    }

    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL
        || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
    {
        goto failed;
    }

    pem_len = BIO_get_mem_data(bio, &data);
    if (pem_len <= 0 || pem_len > ISSUER_PEM_MAX) {
        goto failed;
    }

    key->pem = malloc((size_t) pem_len);
    if (key->pem == NULL) {
        goto failed;
    }

    memcpy(key->pem, data, (size_t) pem_len);
    key->pem_len = (size_t) pem_len;

    *out = key;
    key = NULL;
    rc = 0;
    goto done;

wrong_type:

    rc = 1;
    goto done;

failed:

    issuer_log("cannot prepare a %s key: out of memory or OpenSSL error",
               issuer_alg_name(alg));
    rc = -1;

done:

    BIO_free(bio);
    free(n);
    free(e);
    free(x);
    free(y);
    free(kid);
    issuer_key_free(key);
    return rc;
}


void
issuer_key_free(issuer_key_t *key)
{
    if (key == NULL) {
        return;
    }

    if (key->pem != NULL) {
        OPENSSL_cleanse(key->pem, key->pem_len);
        free(key->pem);
    }

    json_decref(key->jwk);
    free(key->path);
    free(key);
}


/* An encrypted PEM fails instead of prompting on a terminal. */

static int
pem_password_none(char *buf, int size, int rwflag, void *u)
{
    (void) buf;
    (void) size;
    (void) rwflag;
    (void) u;

    return -1;
}


static char *
b64url(const unsigned char *in, size_t len)
{
    char           *out;
    size_t          i, n;
    unsigned long   v;

    static const char  abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    out = malloc(len / 3 * 4 + 5);
    if (out == NULL) {
        return NULL;
    }

    for (i = 0, n = 0; i < len; i += 3) {
        v = (unsigned long) in[i] << 16;

        if (i + 1 < len) {
            v |= (unsigned long) in[i + 1] << 8;
        }

        if (i + 2 < len) {
            v |= in[i + 2];
        }

        out[n++] = abc[v >> 18 & 63];
        out[n++] = abc[v >> 12 & 63];

        if (i + 1 < len) {
            out[n++] = abc[v >> 6 & 63];
        }

        if (i + 2 < len) {
            out[n++] = abc[v & 63];
        }
    }

    out[n] = '\0';
    return out;
}


/* A big-endian parameter in base64url, left-padded to pad bytes if > 0. */

static char *
bn_b64url(EVP_PKEY *pkey, const char *param, int pad)
{
    int             len;
    char           *s;
    BIGNUM         *bn;
    unsigned char  *buf;

    bn = NULL;

    if (EVP_PKEY_get_bn_param(pkey, param, &bn) != 1) {
        return NULL;
    }

    len = pad > 0 ? pad : BN_num_bytes(bn);
    buf = malloc(len > 0 ? (size_t) len : 1);

    if (buf == NULL || len <= 0 || BN_bn2binpad(bn, buf, len) != len) {
        free(buf);
        BN_free(bn);
        return NULL;
    }

    s = b64url(buf, (size_t) len);

    free(buf);
    BN_free(bn);
    return s;
}


const char *
issuer_alg_name(issuer_alg_t alg)
{
    return alg == ISSUER_ES256 ? "ES256" : "RS256";
}
