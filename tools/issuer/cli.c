/*
 * The helpers for making the users and services files:
 *
 *   --hash-password[=yescrypt|bcrypt]   a password on stdin -> crypt(3) hash
 *   --hash-api-key                      an API key on stdin -> SHA-256 hex
 *
 * The input is one line, its newline dropped, and wiped after use.
 */

#define _DEFAULT_SOURCE

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "issuer.h"


static int read_stdin_line(char *buf, size_t size, size_t *len);


/* --hash-password[=yescrypt|bcrypt]: a password on stdin, its hash out. */

int
issuer_hash_password_stdin(const char *method)
{
    int             rc;
    char           *hash;
    const char     *salt;
    unsigned long   cost;
    char            password[ISSUER_PASSWORD_MAX + 2];
    char            setting[CRYPT_GENSALT_OUTPUT_SIZE];
    size_t          len;

    struct crypt_data  *data;

    /* yescrypt: libxcrypt's default cost; bcrypt: 2^10 rounds, not 2^5 */

    if (method == NULL || strcmp(method, "yescrypt") == 0) {
        salt = "$y$";
        cost = 0;

    } else if (strcmp(method, "bcrypt") == 0) {
        salt = "$2b$";
        cost = 10;

    } else {
        issuer_log("--hash-password: \"%s\" is not yescrypt or bcrypt",
                   method);
        return -1;
    }

    if (read_stdin_line(password, sizeof(password), &len) != 0) {
        return -1;
    }

    rc = -1;
    data = NULL;

    /* NULL random bytes: crypt_gensalt_rn() takes them from the OS */

    if (crypt_gensalt_rn(salt, cost, NULL, 0, setting, sizeof(setting))
        == NULL)
    {
        issuer_log("crypt_gensalt_rn(%s) failed: %s", salt, strerror(errno));
        goto done;
    }

    data = calloc(1, sizeof(struct crypt_data));
    if (data == NULL) {
        issuer_log("out of memory");
        goto done;
    }

    hash = crypt_rn(password, setting, data, (int) sizeof(*data));
    if (hash == NULL) {
        issuer_log("crypt_rn() failed: %s", strerror(errno));
        goto done;
    }

    if (printf("%s\n", hash) < 0 || fflush(stdout) != 0) {
        issuer_log("cannot write the hash: %s", strerror(errno));
        goto done;
    }

    rc = 0;

done:

    OPENSSL_cleanse(password, sizeof(password));

    if (data != NULL) {
        OPENSSL_cleanse(data, sizeof(*data));
        free(data);
    }

    return rc;
}


/* --hash-api-key: an API key on stdin, its SHA-256 in hex out. */

int
issuer_hash_api_key_stdin(void)
{
    int            rc;
    char           key[ISSUER_API_KEY_MAX + 2];
    size_t         len, i;
    unsigned char  md[32];

    if (read_stdin_line(key, sizeof(key), &len) != 0) {
        return -1;
    }

    rc = EVP_Digest(key, len, md, NULL, EVP_sha256(), NULL) == 1 ? 0 : -1;
    OPENSSL_cleanse(key, sizeof(key));

    if (rc != 0) {
        issuer_log("SHA-256 failed");
        return -1;
    }

    for (i = 0; i < sizeof(md); i++) {
        if (printf("%02x", md[i]) < 0) {
            return -1;
        }
    }

    if (printf("\n") < 0 || fflush(stdout) != 0) {
        issuer_log("cannot write the digest: %s", strerror(errno));
        return -1;
    }

    return 0;
}


/* One line of stdin, without its newline; not empty, not too long. */

static int
read_stdin_line(char *buf, size_t size, size_t *len)
{
    size_t  n;

    if (fgets(buf, (int) size, stdin) == NULL) {
        issuer_log("nothing on stdin");
        return -1;
    }

    n = strlen(buf);

    if (n > 0 && buf[n - 1] == '\n') {
        buf[--n] = '\0';

    } else if (n == size - 1) {
        issuer_log("longer than %zu bytes", size - 2);
        return -1;
    }

    if (n > 0 && buf[n - 1] == '\r') {
        buf[--n] = '\0';
    }

    if (n == 0) {
        issuer_log("empty input");
        return -1;
    }

    *len = n;
    return 0;
}
