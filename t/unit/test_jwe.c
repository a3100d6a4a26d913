/*
 * JWE decryption (jwtgate_jwe.c, jwtgate_jwe_key.c, jwtgate_jwe_enc.c,
 * jwtgate_jwk_priv.c): every alg x enc pair on tokens minted by Crypt::JWT
 * (and CryptX where Crypt::JWT 0.034 cannot: t/unit/mint-jwe.pl writes
 * build/jwe-fixtures.txt before this runs), the Concat KDF on RFC 7518
 * Appendix C, and hostile shapes, each with its reason.
 */

#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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
static jwtgate_keyset_t  *dset;
static jwtgate_limits_t   limits;


static char *
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


static int
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


static int
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
    jwtgate_keyset_free(dset);
    return 0;
}


/* parse and decrypt with the fixture set; the plaintext to *pt if OK */

static jwtgate_rc_t
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


static jwtgate_rc_t
decrypt(const char *token)
{
    return decrypt_with(token, dset, 0, NULL, NULL);
}


/* the index of the first fixture token of alg and enc (with a kid when
 * want_kid) */

static size_t
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

static char *
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

static unsigned char *
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


static char *
with_header(const char *token, const char *json)
{
    return with_part(token, 0, (const unsigned char *) json, strlen(json),
                     NULL);
}


/* Every alg x enc pair, with and without kid, from Crypt::JWT and CryptX */

static void
test_minted_all_pairs(void **state)
{
    char     *pt;
    size_t    i, pairs[JWTGATE_JWE_ALG_COUNT][JWTGATE_ENC_COUNT];
    int       alg, enc;
    jwtgate_rc_t  rc;

    (void) state;

    memset(pairs, 0, sizeof(pairs));

    /* 15 algs (ECDH-ES on 4 curves) x 6 encs, with kid and without */
    assert_int_equal(ntokens, 2 * (4 + 6 + 16 + 1) * 6);

    for (i = 0; i < ntokens; i++) {
        rc = decrypt_with(tokens[i].token, dset, 0, NULL, &pt);
        if (rc != JWTGATE_OK) {
            fail_msg("%s %s kid %s: %s", tokens[i].alg, tokens[i].enc,
                     tokens[i].kid, jwtgate_strerror(rc));
        }

        assert_string_equal(pt, tokens[i].plain);
        free(pt);

        alg = jwtgate_jwe_alg_from_name(tokens[i].alg, strlen(tokens[i].alg));
        enc = jwtgate_enc_from_name(tokens[i].enc, strlen(tokens[i].enc));
        assert_true(alg >= 0 && enc >= 0);
        pairs[alg][enc]++;
    }

    for (alg = 0; alg < JWTGATE_JWE_ALG_COUNT; alg++) {
        for (enc = 0; enc < JWTGATE_ENC_COUNT; enc++) {
            if (pairs[alg][enc] == 0) {
                fail_msg("no token %s %s", jwtgate_jwe_alg_name(alg),
                         jwtgate_enc_name(enc));
            }
        }
    }
}


/* The accessors: alg, enc, kid, typ, cty normalised, nested */

static void
test_accessors(void **state)
{
    size_t          len, i;
    jwtgate_jwe_t  *jwe;
    char           *t;

    (void) state;

    i = find("A128KW", "A128GCM", 1);

    assert_int_equal(jwtgate_jwe_parse(tokens[i].token,
                                       strlen(tokens[i].token), &limits,
                                       JWTGATE_JWE_ALGS_ALL,
                                       JWTGATE_ENCS_ALL, NULL, &jwe),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_jwe_alg(jwe), JWTGATE_JWE_A128KW);
    assert_int_equal(jwtgate_jwe_enc(jwe), JWTGATE_ENC_A128GCM);
    assert_string_equal(jwtgate_jwe_kid(jwe, &len), "oct16");
    assert_int_equal(len, 5);
    assert_null(jwtgate_jwe_cty(jwe, &len));
    assert_int_equal(jwtgate_jwe_nested(jwe), 0);
    assert_null(jwtgate_jwe_plaintext(jwe, &len));
    jwtgate_jwe_free(jwe);

    /* cty "application/JWT" is "jwt"; typ as it is */
    t = with_header(tokens[i].token, "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\","
                    "\"cty\":\"application/JWT\",\"typ\":\"JWT\"}");
    assert_int_equal(jwtgate_jwe_parse(t, strlen(t), &limits,
                                       JWTGATE_JWE_ALGS_ALL,
                                       JWTGATE_ENCS_ALL, NULL, &jwe),
                     JWTGATE_OK);
    assert_string_equal(jwtgate_jwe_cty(jwe, &len), "jwt");
    assert_string_equal(jwtgate_jwe_typ(jwe, &len), "JWT");
    assert_int_equal(jwtgate_jwe_nested(jwe), 1);
    jwtgate_jwe_free(jwe);
    free(t);

    /* a cty that is no media type */
    t = with_header(tokens[i].token, "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\","
                    "\"cty\":\"jwt; x=1\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);
}


/* Every byte of the tag, every enc: bad_tag is decrypt_failed */

static void
test_tag_every_byte(void **state)
{
    int             enc;
    char           *t;
    size_t          i, len, b;
    const char     *why;
    unsigned char  *tag;

    (void) state;

    for (enc = 0; enc < JWTGATE_ENC_COUNT; enc++) {
        i = find("A256KW", jwtgate_enc_name(enc), -1);
        tag = part_bytes(tokens[i].token, 4, &len);
        assert_int_equal(len, jwtgate_enc_tag_len(enc));

        for (b = 0; b < len; b++) {
            tag[b] ^= 0x01;
            t = with_part(tokens[i].token, 4, tag, len, NULL);
            assert_int_equal(decrypt_with(t, dset, 0, &why, NULL),
                             JWTGATE_ERR_DECRYPT);
            assert_non_null(why);
            free(t);
            tag[b] ^= 0x01;
        }

        /* unchanged: decrypts (the test can fail) */
        t = with_part(tokens[i].token, 4, tag, len, NULL);
        assert_int_equal(decrypt(t), JWTGATE_OK);
        free(t);
        free(tag);
    }
}


/* Tampered ciphertext, IV, AAD, encrypted key: decrypt_failed */

static void
test_tampered_parts(void **state)
{
    static const char  *cases[][2] = {
        { "RSA-OAEP-256", "A256GCM" }, { "RSA-OAEP", "A128CBC-HS256" },
        { "A192KW", "A192CBC-HS384" }, { "A256GCMKW", "A256GCM" },
        { "ECDH-ES+A128KW", "A128GCM" }, { "ECDH-ES", "A256CBC-HS512" },
        { "dir", "A192GCM" }
    };

    int             part;
    char           *t, *h;
    size_t          c, i, len;
    unsigned char  *p;

    (void) state;

    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        i = find(cases[c][0], cases[c][1], -1);

        for (part = 1; part <= 3; part++) {
            p = part_bytes(tokens[i].token, part, &len);
            if (len == 0) {
                free(p);
                continue;
            }

            p[len / 2] ^= 0x80;
            t = with_part(tokens[i].token, part, p, len, NULL);
            assert_int_equal(decrypt(t), JWTGATE_ERR_DECRYPT);
            free(t);
            free(p);
        }

        /* the AAD: the same header, encoded otherwise (a space more) */
        p = part_bytes(tokens[i].token, 0, &len);
        h = malloc(len + 2);
        assert_non_null(h);
        h[0] = ' ';
        memcpy(h + 1, p, len);
        h[len + 1] = '\0';
        t = with_header(tokens[i].token, h);
        assert_int_equal(decrypt(t), JWTGATE_ERR_DECRYPT);
        free(t);
        free(h);
        free(p);
    }
}


/* An RSA-OAEP failure and a tag failure: the same reason, the same why */

static void
test_oaep_failure_same_as_tag(void **state)
{
    char           *t1, *t2;
    size_t          i, len;
    const char     *why1, *why2;
    unsigned char  *ek, *tag;

    (void) state;

    i = find("RSA-OAEP", "A128GCM", 1);

    ek = part_bytes(tokens[i].token, 1, &len);
    ek[0] ^= 0x01;
    t1 = with_part(tokens[i].token, 1, ek, len, NULL);
    free(ek);

    tag = part_bytes(tokens[i].token, 4, &len);
    tag[0] ^= 0x01;
    t2 = with_part(tokens[i].token, 4, tag, len, NULL);
    free(tag);

    assert_int_equal(decrypt_with(t1, dset, 0, &why1, NULL),
                     JWTGATE_ERR_DECRYPT);
    assert_int_equal(decrypt_with(t2, dset, 0, &why2, NULL),
                     JWTGATE_ERR_DECRYPT);
    assert_ptr_equal(why1, why2);

    /* an encrypted key of another length than the modulus: the same */
    t1 = with_part(tokens[i].token, 1, (const unsigned char *) "0123456789",
                   10, NULL);
    assert_int_equal(decrypt_with(t1, dset, 0, &why1, NULL),
                     JWTGATE_ERR_DECRYPT);
    assert_ptr_equal(why1, why2);

    free(t1);
    free(t2);
}


/* The wrong key: another RSA key and another AES key under the same kid */

static void
test_wrong_key(void **state)
{
    char              *jwk, *jwks;
    size_t             i;
    EVP_PKEY          *pkey;
    jwtgate_keyset_t  *set;
    unsigned char      k[16];
    char               kb[32];

    (void) state;

    /* oct16 replaced by another 16-byte key */
    assert_int_equal(RAND_bytes(k, 16), 1);
    kb[jwtgate_b64url_encode(kb, k, 16)] = '\0';
    jwks = malloc(256);
    assert_non_null(jwks);
    snprintf(jwks, 256, "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"oct16\","
             "\"k\":\"%s\"}]}", kb);
    assert_int_equal(jwtgate_keyset_parse_flags(jwks, strlen(jwks),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);

    i = find("A128KW", "A128CBC-HS256", 1);
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_ERR_DECRYPT);
    i = find("A128GCMKW", "A256GCM", 1);
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_ERR_DECRYPT);
    i = find("dir", "A128GCM", 1);
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_ERR_DECRYPT);
    jwtgate_keyset_free(set);
    free(jwks);

    /* another X25519 key under kid x25519 (made with OpenSSL here) */
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    assert_non_null(pkey);
    {
        size_t         l;
        unsigned char  raw[32];
        char           d[64], x[64];

        l = 32;
        assert_int_equal(EVP_PKEY_get_raw_private_key(pkey, raw, &l), 1);
        d[jwtgate_b64url_encode(d, raw, 32)] = '\0';
        l = 32;
        assert_int_equal(EVP_PKEY_get_raw_public_key(pkey, raw, &l), 1);
        x[jwtgate_b64url_encode(x, raw, 32)] = '\0';
        jwks = malloc(256);
        assert_non_null(jwks);
        snprintf(jwks, 256, "{\"kty\":\"OKP\",\"crv\":\"X25519\","
                 "\"kid\":\"x25519\",\"x\":\"%s\",\"d\":\"%s\"}", x, d);
    }
    EVP_PKEY_free(pkey);

    assert_int_equal(jwtgate_keyset_parse_flags(jwks, strlen(jwks),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);

    for (i = 0; i < ntokens; i++) {
        if (strcmp(tokens[i].kid, "x25519") == 0) {
            assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL,
                                          NULL),
                             JWTGATE_ERR_DECRYPT);
        }
    }

    jwtgate_keyset_free(set);
    free(jwks);
    (void) jwk;
}


/* Shapes: parts, empty parts, lengths, sizes */

static void
test_shapes(void **state)
{
    char           *t, *big;
    size_t          i, len, n;
    const char     *tok;
    unsigned char  *p, ek[JWTGATE_JWE_MAX_ENCRYPTED_KEY + 1];

    (void) state;

    i = find("A128KW", "A128GCM", 1);
    tok = tokens[i].token;

    assert_int_equal(decrypt(""), JWTGATE_ERR_MISSING);

    /* four and six parts */
    t = strdup(tok);
    *strrchr(t, '.') = '\0';
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);

    t = malloc(strlen(tok) + 8);
    sprintf(t, "%s.AAAA", tok);
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);

    /* empty header, encrypted key, IV, ciphertext, tag */
    for (n = 0; n < 5; n++) {
        t = with_part(tok, (int) n, NULL, 0, "");
        assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
        free(t);
    }

    /* an encrypted key with dir and ECDH-ES */
    i = find("dir", "A128GCM", 1);
    t = with_part(tokens[i].token, 1, NULL, 0, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);

    /* IV and tag one byte short and long */
    for (n = 2; n <= 4; n += 2) {
        p = part_bytes(tok, (int) n, &len);
        t = with_part(tok, (int) n, p, len - 1, NULL);
        assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
        free(t);
        p = realloc(p, len + 1);
        p[len] = 0;
        t = with_part(tok, (int) n, p, len + 1, NULL);
        assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
        free(t);
        free(p);
    }

    /* a truncated ciphertext: GCM fails its tag, CBC is not whole blocks */
    p = part_bytes(tok, 3, &len);
    t = with_part(tok, 3, p, len - 3, NULL);
    assert_int_equal(decrypt(t), JWTGATE_ERR_DECRYPT);
    free(t);
    free(p);

    i = find("A128KW", "A128CBC-HS256", -1);
    p = part_bytes(tokens[i].token, 3, &len);
    t = with_part(tokens[i].token, 3, p, len - 1, NULL);
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);
    t = with_part(tokens[i].token, 3, p, len - 16, NULL);
    assert_int_equal(decrypt(t), JWTGATE_ERR_DECRYPT);
    free(t);
    free(p);

    /* not base64url */
    t = with_part(tok, 3, NULL, 0, "ab+c");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);

    /* an oversized encrypted key: refused before anything is decoded */
    memset(ek, 0x41, sizeof(ek));
    t = with_part(tok, 1, ek, sizeof(ek), NULL);
    assert_int_equal(decrypt(t), JWTGATE_ERR_TOO_LARGE);
    free(t);

    /* over the token limit */
    big = malloc(JWTGATE_MAX_TOKEN + 2);
    memset(big, 'A', JWTGATE_MAX_TOKEN + 1);
    big[JWTGATE_MAX_TOKEN + 1] = '\0';
    assert_int_equal(decrypt(big), JWTGATE_ERR_TOO_LARGE);
    free(big);

    /* a header that is no strict JSON: a duplicate member */
    t = with_header(tok, "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\","
                    "\"enc\":\"A256GCM\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);

    /* no enc; enc not a string; unknown enc; enc not allowed */
    t = with_header(tok, "{\"alg\":\"A128KW\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);
    t = with_header(tok, "{\"alg\":\"A128KW\",\"enc\":1}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_MALFORMED);
    free(t);
    t = with_header(tok, "{\"alg\":\"A128KW\",\"enc\":\"A128CTR\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_UNSUPPORTED_ALG);
    free(t);
}


/* Never supported: RSA1_5, PBES2, zip, crit; each with its own why */

static void
test_never_supported(void **state)
{
    static const struct {
        const char    *header;
        jwtgate_rc_t   rc;
    } cases[] = {
        { "{\"alg\":\"RSA1_5\",\"enc\":\"A128GCM\"}",
          JWTGATE_ERR_UNSUPPORTED_ALG },
        { "{\"alg\":\"PBES2-HS256+A128KW\",\"enc\":\"A128GCM\","
          "\"p2s\":\"AAAA\",\"p2c\":1000}", JWTGATE_ERR_UNSUPPORTED_ALG },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"zip\":\"DEF\"}",
          JWTGATE_ERR_UNSUPPORTED_ALG },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"crit\":[\"x\"],"
          "\"x\":1}", JWTGATE_ERR_UNSUPPORTED_CRIT },
        { "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"p2s\":\"AAAA\"}",
          JWTGATE_ERR_UNSUPPORTED_ALG },
        { "{\"alg\":\"none\",\"enc\":\"A128GCM\"}",
          JWTGATE_ERR_UNSUPPORTED_ALG }
    };

    char        *t;
    size_t       c, d, i;
    const char  *why[sizeof(cases) / sizeof(cases[0])];

    (void) state;

    i = find("A128KW", "A128GCM", 1);

    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        t = with_header(tokens[i].token, cases[c].header);
        assert_int_equal(decrypt_with(t, dset, 0, &why[c], NULL),
                         cases[c].rc);
        assert_non_null(why[c]);
        free(t);

        for (d = 0; d < c; d++) {
            if (strcmp(why[c], why[d]) == 0) {
                fail_msg("case %zu and %zu: %s", c, d, why[c]);
            }
        }
    }

    /* the masks: an alg or enc the caller does not allow */
    {
        jwtgate_jwe_t  *jwe;

        assert_int_equal(jwtgate_jwe_parse(tokens[i].token,
                             strlen(tokens[i].token), &limits,
                             JWTGATE_JWE_ALGS_ALL
                             & ~JWTGATE_JWE_BIT(JWTGATE_JWE_A128KW),
                             JWTGATE_ENCS_ALL, NULL, &jwe),
                         JWTGATE_ERR_UNSUPPORTED_ALG);
        assert_int_equal(jwtgate_jwe_parse(tokens[i].token,
                             strlen(tokens[i].token), &limits,
                             JWTGATE_JWE_ALGS_ALL,
                             JWTGATE_JWE_BIT(JWTGATE_ENC_A256GCM), NULL,
                             &jwe),
                         JWTGATE_ERR_UNSUPPORTED_ALG);
    }
}


/* A CEK of the wrong length: a dir key of another size, a key wrapped
 * around 24 bytes for A128GCM (minted here with OpenSSL directly) */

static void
test_cek_length(void **state)
{
    int              n, fin;
    char            *t, *jwks, kb[32];
    size_t           i, klen;
    const char      *hdr_b64;
    EVP_CIPHER_CTX  *ctx;
    jwtgate_keyset_t *set;
    unsigned char    kek[16], cek[24], wrapped[32], iv[12], ct[64], tag[16];
    char             token[1024], *aad;
    static const char  hdr[] = "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\"}";
    static const char  msg[] = "{\"sub\":\"alice\"}";

    (void) state;

    /* dir: kid oct32 with A128GCM (16 bytes wanted) */
    i = find("dir", "A128GCM", 1);
    t = with_header(tokens[i].token,
                    "{\"alg\":\"dir\",\"enc\":\"A128GCM\",\"kid\":\"oct32\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(t);

    /* A128KW around a 24-byte CEK; the content encrypted with its first
     * 16 bytes, so only the length check stands in the way */
    assert_int_equal(RAND_bytes(kek, 16), 1);
    assert_int_equal(RAND_bytes(cek, 24), 1);
    assert_int_equal(RAND_bytes(iv, 12), 1);

    ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_wrap(), NULL, kek,
                                        NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, wrapped, &n, cek, 24), 1);
    assert_int_equal(n, 32);
    EVP_CIPHER_CTX_free(ctx);

    aad = malloc(jwtgate_b64url_encoded_len(sizeof(hdr) - 1) + 1);
    aad[jwtgate_b64url_encode(aad, (const unsigned char *) hdr,
                              sizeof(hdr) - 1)] = '\0';
    hdr_b64 = aad;

    ctx = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, cek,
                                        iv), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n,
                                       (const unsigned char *) hdr_b64,
                                       (int) strlen(hdr_b64)), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, ct, &n,
                                       (const unsigned char *) msg,
                                       sizeof(msg) - 1), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, ct + n, &fin), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag),
                     1);
    EVP_CIPHER_CTX_free(ctx);

    klen = strlen(hdr_b64);
    memcpy(token, hdr_b64, klen);
    token[klen++] = '.';
    klen += jwtgate_b64url_encode(token + klen, wrapped, 32);
    token[klen++] = '.';
    klen += jwtgate_b64url_encode(token + klen, iv, 12);
    token[klen++] = '.';
    klen += jwtgate_b64url_encode(token + klen, ct, sizeof(msg) - 1);
    token[klen++] = '.';
    klen += jwtgate_b64url_encode(token + klen, tag, 16);
    token[klen] = '\0';

    kb[jwtgate_b64url_encode(kb, kek, 16)] = '\0';
    jwks = malloc(128);
    snprintf(jwks, 128, "{\"kty\":\"oct\",\"k\":\"%s\"}", kb);
    assert_int_equal(jwtgate_keyset_parse_flags(jwks, strlen(jwks),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);
    assert_int_equal(decrypt_with(token, set, 0, NULL, NULL),
                     JWTGATE_ERR_DECRYPT);

    /* the same, wrapped around 16 bytes: decrypts (the test can fail) */
    ctx = EVP_CIPHER_CTX_new();
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_128_wrap(), NULL, kek,
                                        NULL), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, wrapped, &n, cek, 16), 1);
    assert_int_equal(n, 24);
    EVP_CIPHER_CTX_free(ctx);
    t = with_part(token, 1, wrapped, 24, NULL);
    assert_int_equal(decrypt_with(t, set, 0, NULL, NULL), JWTGATE_OK);
    free(t);

    jwtgate_keyset_free(set);
    free(jwks);
    free(aad);
}


/* ECDH-ES: invalid points, the identity, another curve, X25519 low
 * order, Crypt::JWT's epk as a string */

static void
test_ecdh_invalid(void **state)
{
    /* X25519 points of small order (RFC 7748 and the usual list): 0, 1,
     * an order-8 point, p - 1, p, p + 1 */
    static const char  *low[] = {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "4Ot6fDtBuK4WVuP68Z_EatoJjeucMrH9hmIFFl9JuAA",
        "7P___________________________________________38",
        "7f___________________________________________38",
        "7v___________________________________________38"
    };

    char        *t, hdr[512];
    size_t       i, c;
    const char  *why;

    (void) state;

    i = find("ECDH-ES", "A128GCM", 1);
    /* the first ECDH-ES token with kid is on p256 (mint order) */
    assert_string_equal(tokens[i].kid, "p256");

    /* off the curve */
    t = with_header(tokens[i].token, "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
        "\"kid\":\"p256\",\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
        "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
    assert_int_equal(decrypt_with(t, dset, 0, &why, NULL),
                     JWTGATE_ERR_BAD_EPK);
    free(t);

    /* (0, 0), what the identity would be as coordinates */
    t = with_header(tokens[i].token, "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
        "\"kid\":\"p256\",\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\","
        "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);
    free(t);

    /* another curve than the key's: P-384 epk, kid p256; without kid */
    t = with_header(tokens[i].token, "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
        "\"kid\":\"p256\",\"epk\":{\"kty\":\"OKP\",\"crv\":\"X25519\","
        "\"x\":\"CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);
    free(t);

    /* a coordinate of the wrong length; no epk; epk not an object */
    t = with_header(tokens[i].token, "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
        "\"epk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQAB\","
        "\"y\":\"AQAB\"}}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);
    free(t);
    t = with_header(tokens[i].token, "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);
    free(t);
    assert_non_null(string_epk);
    assert_int_equal(decrypt(string_epk), JWTGATE_ERR_BAD_EPK);

    /* X25519 small-order points: all-zero secret */
    for (c = 0; c < sizeof(low) / sizeof(low[0]); c++) {
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
                 "\"kid\":\"x25519\",\"epk\":{\"kty\":\"OKP\","
                 "\"crv\":\"X25519\",\"x\":\"%s\"}}", low[c]);
        t = with_header(tokens[i].token, hdr);
        if (strlen(low[c]) != 43) {
            /* 32 bytes only: the longer encodings are malformed */
            assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);

        } else if (decrypt(t) != JWTGATE_ERR_BAD_EPK) {
            fail_msg("X25519 low-order point %zu accepted", c);
        }

        free(t);
    }
}


/* The decryption set: what it loads, what it skips, and that signature
 * sets and decryption sets do not mix */

typedef struct {
    size_t       n;
    const char  *reasons[16];
} skips_t;


static void
on_skip(void *data, size_t index, const char *kid, const char *reason)
{
    skips_t  *s = data;

    (void) index;
    (void) kid;

    if (s->n < 16) {
        s->reasons[s->n++] = reason;
    }
}


static void
test_decryption_set(void **state)
{
    char                    *jwk, *jwks;
    size_t                   i;
    skips_t                  skips;
    jwtgate_keyset_t        *set;
    const jwtgate_keyset_t  *sets[1];
    jwtgate_token_t         *tok;

    (void) state;

    /* the fixture set: 10 keys, none verifies */
    assert_int_equal(jwtgate_keyset_count(dset), 10);
    assert_int_equal(jwtgate_keyset_algs(dset), 0);

    /* the same text as a signature set: public keys only, no decryption */
    assert_int_equal(jwtgate_keyset_parse_flags(jwks_text, strlen(jwks_text),
                                                0, NULL, NULL, &set),
                     JWTGATE_OK);
    assert_true(jwtgate_keyset_algs(set) != 0);
    i = find("RSA-OAEP", "A256GCM", 1);
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    jwtgate_keyset_free(set);

    /* a decryption set verifies nothing */
    {
        jwtgate_limits_t  lim;
        static const char  jws[] =
            "eyJhbGciOiJFUzI1NiIsImtpZCI6InAyNTYifQ.e30.AAAA";

        jwtgate_limits_init(&lim);
        assert_int_equal(jwtgate_token_parse(jws, sizeof(jws) - 1, &lim,
                                             JWTGATE_ALGS_ALL, &tok),
                         JWTGATE_OK);
        sets[0] = dset;
        assert_int_equal(jwtgate_verify_signature(tok, sets, 1, NULL, NULL),
                         JWTGATE_ERR_ALG_KEY_MISMATCH);
        jwtgate_token_free(tok);
    }

    /* skipped: use sig, key_ops verify, alg RSA1_5, a JWS alg, public
     * only, Ed25519, a 20-byte oct */
    jwk = jwk_line("rsa");
    jwks = malloc(strlen(jwk) * 4 + 1024);
    assert_non_null(jwks);
    jwk[strlen(jwk) - 1] = '\0';    /* the closing brace */
    sprintf(jwks, "{\"keys\":[%s,\"use\":\"sig\"},%s,\"key_ops\":[\"verify\"]},"
            "%s,\"alg\":\"RSA1_5\"},"
            "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\",\"alg\":\"HS256\"},"
            "{\"kty\":\"EC\",\"crv\":\"P-256\","
            "\"x\":\"au5d6pZ7_alJrvYGs7vcbL7FcrcFWfNXkZdj2Fh7D2Y\","
            "\"y\":\"waUS_TEcJ12w3fVfKqBJIjKWWjBbdXsqWv5bsoO1c6w\"},"
            "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
            "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\","
            "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"},"
            "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA\"},"
            "%s,\"key_ops\":[\"unwrapKey\"],\"alg\":\"RSA-OAEP-256\"}]}",
            jwk, jwk, jwk, jwk);
    memset(&skips, 0, sizeof(skips));
    assert_int_equal(jwtgate_keyset_parse_flags(jwks, strlen(jwks),
                                                JWTGATE_KEYSET_DECRYPT,
                                                on_skip, &skips, &set),
                     JWTGATE_OK);
    assert_int_equal(skips.n, 7);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    assert_string_equal(skips.reasons[0], "use is not enc");
    assert_string_equal(skips.reasons[1],
                        "key_ops allows no decryption with the key");
    assert_string_equal(skips.reasons[2],
                        "alg RSA1_5 is never supported (RFC 7516 11.5)");

    /* the key left is RSA-OAEP-256 only */
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    i = find("RSA-OAEP-256", "A256GCM", 1);
    assert_int_equal(decrypt_with(tokens[i].token, set, 0, NULL, NULL),
                     JWTGATE_OK);

    jwtgate_keyset_free(set);
    free(jwks);
    free(jwk);
}


/* Key choice: unknown kid, a kid of another type, the try limit */

static void
test_key_choice(void **state)
{
    char              *t, *a, *b, *jwks;
    size_t             i;
    jwtgate_keyset_t  *set;

    (void) state;

    i = find("A128KW", "A128GCM", 1);
    t = with_header(tokens[i].token,
                    "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"kid\":\"nope\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_UNKNOWN_KID);
    free(t);

    t = with_header(tokens[i].token,
                    "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\",\"kid\":\"rsa\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_ALG_KEY_MISMATCH);
    free(t);

    /* no kid: two 16-byte keys, the right one second; one try only */
    a = jwk_line("oct16");
    jwks = malloc(strlen(a) + 256);
    assert_non_null(jwks);
    b = "{\"kty\":\"oct\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}";
    sprintf(jwks, "{\"keys\":[%s,%s]}", b, a);
    assert_int_equal(jwtgate_keyset_parse_flags(jwks, strlen(jwks),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);

    i = find("A128KW", "A128GCM", 0);
    assert_int_equal(decrypt_with(tokens[i].token, set, 1, NULL, NULL),
                     JWTGATE_ERR_TRY_LIMIT);
    assert_int_equal(decrypt_with(tokens[i].token, set, 2, NULL, NULL),
                     JWTGATE_OK);

    jwtgate_keyset_free(set);
    free(jwks);
    free(a);
}


/* RFC 7518 Appendix C: the Concat KDF's key for A128GCM, apu "Alice",
 * apv "Bob", from the appendix's Z */

static void
test_rfc7518_c_concat_kdf(void **state)
{
    static const unsigned char  z[32] = {
        158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132,
        38, 156, 251, 49, 110, 163, 218, 128, 106, 72, 246, 218, 167, 121,
        140, 254, 144, 196
    };
    static const unsigned char  want[16] = {
        86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16,
        26
    };

    unsigned char  out[64], out2[64];

    (void) state;

    assert_int_equal(jwtgate_concat_kdf(z, 32, "A128GCM",
                                        (const unsigned char *) "Alice", 5,
                                        (const unsigned char *) "Bob", 3,
                                        out, 16), 0);
    assert_memory_equal(out, want, 16);

    /* two rounds (64 bytes): the first 32 are not those of a 32-byte
     * output (keydatalen is in OtherInfo), and the rounds differ */
    assert_int_equal(jwtgate_concat_kdf(z, 32, "A256CBC-HS512", NULL, 0,
                                        NULL, 0, out, 64), 0);
    assert_int_equal(jwtgate_concat_kdf(z, 32, "A256CBC-HS512", NULL, 0,
                                        NULL, 0, out2, 32), 0);
    assert_memory_not_equal(out, out2, 32);
    assert_memory_not_equal(out, out + 32, 32);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_minted_all_pairs),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_tag_every_byte),
        cmocka_unit_test(test_tampered_parts),
        cmocka_unit_test(test_oaep_failure_same_as_tag),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_never_supported),
        cmocka_unit_test(test_cek_length),
        cmocka_unit_test(test_ecdh_invalid),
        cmocka_unit_test(test_decryption_set),
        cmocka_unit_test(test_key_choice),
        cmocka_unit_test(test_rfc7518_c_concat_kdf),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
