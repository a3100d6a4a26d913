/*
 * JWE decryption (jwtgate_jwe*.c, jwtgate_jwk_priv.c): every alg x enc
 * pair on tokens minted by Crypt::JWT (and CryptX where Crypt::JWT 0.034
 * cannot: t/unit/mint-jwe.pl writes build/jwe-fixtures.txt before this
 * runs), tampering, the key choice, decryption sets, and the Concat KDF
 * on RFC 7518 Appendix C.  Hostile shapes: test_jwe_hostile.c; the RFC
 * 7516 and 7520 examples: test_jwe_rfc.c.
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
    free(t1);

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
    snprintf(jwks, 256, "{\"keys\":[{\"kty\":\"oct\",\"use\":\"enc\","
             "\"kid\":\"oct16\",\"k\":\"%s\"}]}", kb);
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
    const char              *b;
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
            "{\"kty\":\"oct\",\"use\":\"enc\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\","
            "\"alg\":\"HS256\"},"
            "{\"kty\":\"EC\",\"crv\":\"P-256\","
            "\"x\":\"au5d6pZ7_alJrvYGs7vcbL7FcrcFWfNXkZdj2Fh7D2Y\","
            "\"y\":\"waUS_TEcJ12w3fVfKqBJIjKWWjBbdXsqWv5bsoO1c6w\"},"
            "{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
            "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\","
            "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\"},"
            "{\"kty\":\"oct\",\"use\":\"enc\","
            "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA\"},"
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

    /* no oct key is both: a bare one is an HMAC key, never a decryption
     * key; one marked for encryption is never an HMAC key */
    b = "{\"keys\":[{\"kty\":\"oct\","
        "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}";
    memset(&skips, 0, sizeof(skips));
    jwtgate_keyset_parse_flags(b, strlen(b), JWTGATE_KEYSET_DECRYPT, on_skip,
                               &skips, &set);
    assert_int_equal(skips.n, 1);
    assert_non_null(strstr(skips.reasons[0], "must say so"));
    jwtgate_keyset_free(set);
    assert_int_equal(jwtgate_keyset_parse_flags(b, strlen(b), 0, NULL, NULL,
                                                &set),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_HS256));
    jwtgate_keyset_free(set);

    b = "{\"keys\":[{\"kty\":\"oct\",\"use\":\"enc\","
        "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}";
    assert_int_equal(jwtgate_keyset_parse_flags(b, strlen(b),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    jwtgate_keyset_free(set);
    memset(&skips, 0, sizeof(skips));
    set = NULL;
    jwtgate_keyset_parse_flags(b, strlen(b), 0, on_skip, &skips, &set);
    assert_int_equal(skips.n, 1);
    jwtgate_keyset_free(set);

    /* key_ops naming both kinds of operation: neither kind of set */
    b = "{\"keys\":[{\"kty\":\"oct\",\"key_ops\":[\"verify\",\"unwrapKey\"],"
        "\"k\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}";
    memset(&skips, 0, sizeof(skips));
    set = NULL;
    jwtgate_keyset_parse_flags(b, strlen(b), JWTGATE_KEYSET_DECRYPT, on_skip,
                               &skips, &set);
    assert_int_equal(skips.n, 1);
    assert_non_null(strstr(skips.reasons[0], "sign or verify"));
    jwtgate_keyset_free(set);
    memset(&skips, 0, sizeof(skips));
    set = NULL;
    jwtgate_keyset_parse_flags(b, strlen(b), 0, on_skip, &skips, &set);
    assert_int_equal(skips.n, 1);
    assert_non_null(strstr(skips.reasons[0], "mixes verify"));
    jwtgate_keyset_free(set);
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
                    "{\"alg\":\"A128KW\",\"enc\":\"A128GCM\","
                    "\"kid\":\"nope\"}");
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
    b = "{\"kty\":\"oct\",\"use\":\"enc\",\"k\":\"AAAAAAAAAAAAAAAAAAAAAA\"}";
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


/* What the caller does with the plaintext: a plain encrypted JWT as a
 * token of claims (jwtgate_jwe_token()), a nested one as a JWS */

static void
test_plain_and_nested(void **state)
{
    size_t                   i, len;
    const char              *id;
    jwtgate_jwe_t           *jwe;
    jwtgate_token_t         *tok;
    jwtgate_keyset_t        *hs;
    jwtgate_detail_t         detail;
    const unsigned char     *pt;
    const jwtgate_keyset_t  *sets[1];
    jwtgate_claims_policy_t  policy;

    (void) state;

    sets[0] = dset;
    memset(&policy, 0, sizeof(policy));
    policy.now = 1700000000;

    /* plain: the minted {"sub":"alice",...} */
    i = find("ECDH-ES+A256KW", "A256CBC-HS512", 1);
    assert_int_equal(jwtgate_jwe_parse(tokens[i].token,
                                       strlen(tokens[i].token), &limits,
                                       JWTGATE_JWE_ALGS_ALL,
                                       JWTGATE_ENCS_ALL, NULL, &jwe),
                     JWTGATE_OK);
    /* not decrypted yet: no token */
    assert_int_equal(jwtgate_jwe_token(jwe, &limits, 0, &detail, &tok),
                     JWTGATE_ERR_INTERNAL);
    assert_null(tok);
    assert_int_equal(jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, NULL, NULL),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_jwe_nested(jwe), 0);
    /* public-key key management: claims only when the caller says so */
    assert_int_equal(jwtgate_jwe_token(jwe, &limits, 0, &detail, &tok),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_null(tok);
    assert_int_equal(jwtgate_jwe_token(jwe, &limits,
                                       JWTGATE_PARSE_JWE_PUBLIC, &detail,
                                       &tok),
                     JWTGATE_OK);
    id = jwtgate_token_id(tok, JWTGATE_ID_SUB, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(id, "alice", 5);
    assert_string_equal(jwtgate_token_kid(tok), tokens[i].kid);
    assert_int_equal(jwtgate_check_claims(tok, &policy), JWTGATE_OK);
    policy.require_exp = 1;
    assert_int_equal(jwtgate_check_claims(tok, &policy),
                     JWTGATE_ERR_MISSING_EXP);
    policy.require_exp = 0;
    /* no signature to verify, and no key fits its alg */
    assert_int_equal(jwtgate_verify_signature(tok, sets, 1, NULL, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);
    jwtgate_token_free(tok);

    jwtgate_jwe_free(jwe);

    /* a secret key's key management (dir, A*KW, A*GCMKW): claims without
     * the flag */
    for (i = 0; i < 3; i++) {
        static const char  *secret_algs[3] = { "dir", "A256KW",
                                               "A128GCMKW" };

        id = secret_algs[i];
        len = find(id, "A128GCM", 1);
        assert_int_equal(jwtgate_jwe_parse(tokens[len].token,
                                           strlen(tokens[len].token),
                                           &limits, JWTGATE_JWE_ALGS_ALL,
                                           JWTGATE_ENCS_ALL, NULL, &jwe),
                         JWTGATE_OK);
        assert_int_equal(jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, NULL,
                                             NULL),
                         JWTGATE_OK);
        assert_int_equal(jwtgate_jwe_token(jwe, &limits, 0, &detail, &tok),
                         JWTGATE_OK);
        assert_int_equal(jwtgate_check_claims(tok, &policy), JWTGATE_OK);
        jwtgate_token_free(tok);
        jwtgate_jwe_free(jwe);
    }

    /* nested: the plaintext is a JWS, verified with its own key */
    assert_non_null(nested_token);
    assert_int_equal(jwtgate_jwe_parse(nested_token, strlen(nested_token),
                                       &limits, JWTGATE_JWE_ALGS_ALL,
                                       JWTGATE_ENCS_ALL, NULL, &jwe),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_jwe_nested(jwe), 1);
    assert_int_equal(jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, NULL, NULL),
                     JWTGATE_OK);
    pt = jwtgate_jwe_plaintext(jwe, &len);
    assert_non_null(pt);

    /* as claims it is no JSON */
    assert_int_equal(jwtgate_jwe_token(jwe, &limits,
                                       JWTGATE_PARSE_JWE_PUBLIC, &detail,
                                       &tok),
                     JWTGATE_ERR_MALFORMED);

    assert_int_equal(jwtgate_token_parse((const char *) pt, len, &limits,
                                         JWTGATE_ALGS_ALL, &tok),
                     JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_parse(nested_jwk, strlen(nested_jwk),
                                          NULL, NULL, &hs),
                     JWTGATE_OK);
    sets[0] = hs;
    assert_int_equal(jwtgate_verify_signature(tok, sets, 1, NULL, NULL),
                     JWTGATE_OK);
    id = jwtgate_token_id(tok, JWTGATE_ID_SUB, &len);
    assert_memory_equal(id, "nested", 6);
    /* the decryption set verifies nothing */
    sets[0] = dset;
    assert_int_equal(jwtgate_verify_signature(tok, sets, 1, NULL, NULL),
                     JWTGATE_ERR_ALG_KEY_MISMATCH);

    jwtgate_token_free(tok);
    jwtgate_keyset_free(hs);
    jwtgate_jwe_free(jwe);
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
        cmocka_unit_test(test_decryption_set),
        cmocka_unit_test(test_key_choice),
        cmocka_unit_test(test_plain_and_nested),
        cmocka_unit_test(test_rfc7518_c_concat_kdf),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
