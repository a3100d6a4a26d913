/*
 * JWE decryption on hostile shapes, each with its reason: parts, empty
 * parts, lengths and sizes, what is never supported (RSA1_5, PBES2, zip,
 * crit), a CEK of the wrong length, invalid ECDH-ES ephemeral keys.  The
 * tokens they start from are t/unit/mint-jwe.pl's (jwe_check.h).
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

#include "jwe_check.h"


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
    t = with_part(tokens[i].token, 1, NULL, 0,
                  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
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
    snprintf(jwks, 128, "{\"kty\":\"oct\",\"use\":\"enc\",\"k\":\"%s\"}", kb);
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
    /* X25519 u-coordinates of small order (0, 1, the two of order 8,
     * p - 1, p, p + 1): each makes an all-zero secret */
    static const char  *low[] = {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "4Ot6fDtBuK4WVuP68Z_EatoJjeucMrH9hmIFFl9JuAA",
        "X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc",
        "7P_______________________________________38",
        "7f_______________________________________38",
        "7v_______________________________________38"
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

    /* another curve than the key's: an X25519 epk for kid p256 */
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
    t = with_header(tokens[i].token,
                    "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\"}");
    assert_int_equal(decrypt(t), JWTGATE_ERR_BAD_EPK);
    free(t);
    assert_non_null(string_epk);
    assert_int_equal(decrypt(string_epk), JWTGATE_ERR_BAD_EPK);

    /* X25519 small-order points: all-zero secret, refused when the
     * secret is derived (the parse took the point: its why is not the
     * parse's) */
    for (c = 0; c < sizeof(low) / sizeof(low[0]); c++) {
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"ECDH-ES\",\"enc\":\"A128GCM\","
                 "\"kid\":\"x25519\",\"epk\":{\"kty\":\"OKP\","
                 "\"crv\":\"X25519\",\"x\":\"%s\"}}", low[c]);
        t = with_header(tokens[i].token, hdr);
        if (decrypt_with(t, dset, 0, &why, NULL) != JWTGATE_ERR_BAD_EPK) {
            fail_msg("X25519 low-order point %zu accepted", c);
        }

        assert_non_null(strstr(why, "all-zero"));
        free(t);
    }
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_never_supported),
        cmocka_unit_test(test_cek_length),
        cmocka_unit_test(test_ecdh_invalid),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
