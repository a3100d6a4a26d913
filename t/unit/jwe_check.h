/*
 * What the JWE unit tests share (test_jwe.c, test_jwe_hostile.c): the
 * fixtures t/unit/mint-jwe.pl minted with Crypt::JWT and CryptX
 * (build/jwe-fixtures.txt, or $JWTGATE_JWE_FIXTURES), read by setup();
 * parse-and-decrypt; tokens with a part replaced.  Included by one test
 * file each: its statics are that file's.
 */

#ifndef JWTGATE_TEST_JWE_CHECK_H
#define JWTGATE_TEST_JWE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "jwtgate_jwe_int.h"


#define MAX_TOKENS  512
#define LINE_MAX_   65536


typedef struct {
    char   alg[32];
    char   enc[32];
    char   kid[32];
    char  *plain;           /* decoded, NUL-terminated */
    size_t plain_len;
    char  *token;
} fx_jwe_t;


static char              *jwks_text;
static fx_jwe_t           tokens[MAX_TOKENS];
static size_t             ntokens;
static char              *string_epk;
static char              *nested_jwk;     /* the JWS's HMAC key */
static char              *nested_token;
static jwtgate_keyset_t  *dset;
static jwtgate_limits_t   limits;


static inline char *
jwk_line(const char *kid)
{
    /* the JWK of one key, from the fixture file: "jwk <kid> <json>" */
    FILE   *f;
    char   *line, *p, *r;
    size_t  n;

    f = fopen(getenv("JWTGATE_JWE_FIXTURES") ? getenv("JWTGATE_JWE_FIXTURES")
                                             : "build/jwe-fixtures.txt", "r");
    assert_non_null(f);
    line = malloc(LINE_MAX_);
    assert_non_null(line);
    r = NULL;
    n = strlen(kid);

    while (fgets(line, LINE_MAX_, f) != NULL) {
        if (strncmp(line, "jwk ", 4) == 0 && strncmp(line + 4, kid, n) == 0
            && line[4 + n] == ' ')
        {
            p = line + 5 + n;
            p[strcspn(p, "\n")] = '\0';
            r = strdup(p);
            break;
        }
    }

    fclose(f);
    free(line);
    assert_non_null(r);
    return r;
}


static inline int
setup(void **state)
{
    FILE        *f;
    char        *line, *p, *fields[5];
    size_t       i, n;
    const char  *path;

    (void) state;

    jwtgate_limits_init(&limits);

    path = getenv("JWTGATE_JWE_FIXTURES");
    if (path == NULL) {
        path = "build/jwe-fixtures.txt";
    }

    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "%s: missing (make unit mints it)\n", path);
        return -1;
    }

    line = malloc(LINE_MAX_);
    if (line == NULL) {
        fclose(f);
        return -1;
    }

    while (fgets(line, LINE_MAX_, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';

        if (strncmp(line, "jwks ", 5) == 0) {
            jwks_text = strdup(line + 5);
            continue;
        }

        if (strncmp(line, "nested ", 7) == 0) {
            p = strchr(line + 7, ' ');
            if (p == NULL) {
                continue;
            }

            *p++ = '\0';
            nested_jwk = strdup(line + 7);
            nested_token = strdup(p);
            continue;
        }

        if (strncmp(line, "stringepk ", 10) == 0) {
            string_epk = strdup(line + 10);
            continue;
        }

        if (strncmp(line, "token ", 6) != 0 || ntokens == MAX_TOKENS) {
            continue;
        }

        p = line + 6;

        for (i = 0; i < 4; i++) {
            fields[i] = p;
            p = strchr(p, ' ');
            if (p == NULL) {
                break;
            }

            *p++ = '\0';
        }

        if (i != 4) {
            continue;
        }

        fields[4] = p;

        snprintf(tokens[ntokens].alg, 32, "%s", fields[0]);
        snprintf(tokens[ntokens].enc, 32, "%s", fields[1]);
        snprintf(tokens[ntokens].kid, 32, "%s", fields[2]);

        n = strlen(fields[3]);
        tokens[ntokens].plain = malloc(jwtgate_b64url_decoded_len(n) + 1);
        tokens[ntokens].plain_len = jwtgate_b64url_decode(
            (unsigned char *) tokens[ntokens].plain, fields[3], n);
        tokens[ntokens].plain[tokens[ntokens].plain_len] = '\0';
        tokens[ntokens].token = strdup(fields[4]);
        ntokens++;
    }

    free(line);
    fclose(f);

    if (jwks_text == NULL
        || jwtgate_keyset_parse_flags(jwks_text, strlen(jwks_text),
                                      JWTGATE_KEYSET_DECRYPT, NULL, NULL,
                                      &dset)
           != JWTGATE_OK)
    {
        return -1;
    }

    return 0;
}


static inline int
teardown(void **state)
{
    size_t  i;

    (void) state;

    for (i = 0; i < ntokens; i++) {
        free(tokens[i].plain);
        free(tokens[i].token);
    }

    free(jwks_text);
    free(string_epk);
    free(nested_jwk);
    free(nested_token);
    jwtgate_keyset_free(dset);
    return 0;
}


/* parse and decrypt with the fixture set; the plaintext to *pt if OK */

static inline jwtgate_rc_t
decrypt_with(const char *token, const jwtgate_keyset_t *set,
    size_t max_tries, const char **why, char **pt)
{
    size_t                    len;
    jwtgate_rc_t              rc;
    jwtgate_jwe_t            *jwe;
    const unsigned char      *p;
    const jwtgate_keyset_t   *sets[1];

    if (pt != NULL) {
        *pt = NULL;
    }

    rc = jwtgate_jwe_parse(token, strlen(token), &limits,
                           JWTGATE_JWE_ALGS_ALL, JWTGATE_ENCS_ALL, why, &jwe);
    if (rc != JWTGATE_OK) {
        assert_null(jwe);
        return rc;
    }

    sets[0] = set;
    rc = jwtgate_jwe_decrypt(jwe, sets, 1, max_tries, why, NULL, NULL);

    p = jwtgate_jwe_plaintext(jwe, &len);

    if (rc == JWTGATE_OK) {
        assert_non_null(p);
        assert_int_equal(p[len], '\0');

        if (pt != NULL) {
            *pt = strdup((const char *) p);
        }

    } else {
        /* never a plaintext on a failure */
        assert_null(p);
        assert_int_equal(len, 0);
    }

    jwtgate_jwe_free(jwe);
    return rc;
}


static inline jwtgate_rc_t
decrypt(const char *token)
{
    return decrypt_with(token, dset, 0, NULL, NULL);
}


/* the index of the first fixture token of alg and enc (with a kid when
 * want_kid) */

static inline size_t
find(const char *alg, const char *enc, int want_kid)
{
    size_t  i;

    for (i = 0; i < ntokens; i++) {
        if (strcmp(tokens[i].alg, alg) == 0 && strcmp(tokens[i].enc, enc) == 0
            && (want_kid < 0 || (tokens[i].kid[0] != '-') == want_kid))
        {
            return i;
        }
    }

    fail_msg("no fixture token %s %s", alg, enc);
    return 0;
}


/* the token with part `part` (0..4) replaced by the base64url of len
 * bytes, or by the text `text` when data is NULL */

static inline char *
with_part(const char *token, int part, const unsigned char *data,
    size_t len, const char *text)
{
    int          i;
    char        *out, *enc;
    size_t       n;
    const char  *p, *dot;

    enc = NULL;

    if (data != NULL) {
        enc = malloc(jwtgate_b64url_encoded_len(len) + 1);
        assert_non_null(enc);
        enc[jwtgate_b64url_encode(enc, data, len)] = '\0';
        text = enc;
    }

    out = malloc(strlen(token) + strlen(text) + 8);
    assert_non_null(out);
    out[0] = '\0';
    p = token;

    for (i = 0; i < 5; i++) {
        dot = strchr(p, '.');
        n = dot ? (size_t) (dot - p) : strlen(p);

        if (i > 0) {
            strcat(out, ".");
        }

        if (i == part) {
            strcat(out, text);

        } else {
            strncat(out, p, n);
        }

        p = dot ? dot + 1 : p + n;
    }

    free(enc);
    return out;
}


/* the decoded part `part` of token; its length to *len */

static inline unsigned char *
part_bytes(const char *token, int part, size_t *len)
{
    int             i;
    size_t          n;
    const char     *p, *dot;
    unsigned char  *buf;

    p = token;

    for (i = 0; i < part; i++) {
        p = strchr(p, '.') + 1;
    }

    dot = strchr(p, '.');
    n = dot ? (size_t) (dot - p) : strlen(p);

    buf = malloc(jwtgate_b64url_decoded_len(n) + 1);
    assert_non_null(buf);
    *len = jwtgate_b64url_decode(buf, p, n);
    assert_true(*len != (size_t) -1);
    return buf;
}


static inline char *
with_header(const char *token, const char *json)
{
    return with_part(token, 0, (const unsigned char *) json, strlen(json),
                     NULL);
}



#endif /* JWTGATE_TEST_JWE_CHECK_H */
