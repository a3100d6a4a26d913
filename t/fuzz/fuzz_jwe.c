/*
 * libFuzzer target: compact JWE parse and decryption with fixed keys of
 * every type (t/data/jwe-keys.json: RSA 2048, EC P-256/384/521, X25519,
 * oct of 16, 24, 32, 48 and 64 bytes), the seeds in t/fuzz/corpus/jwe
 * minted for those keys by Crypt::JWT and CryptX (t/unit/mint-jwe.pl).
 * An input that begins with '{' is read as a decryption key set instead.
 *
 * Never crashes, never leaks; a reason is always a known one; a
 * plaintext exists exactly when decryption succeeded, and is no longer
 * than the ciphertext; a failure never leaves one behind.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate_jwe_int.h"


static jwtgate_keyset_t  *keys;
static jwtgate_keyset_t  *sig_keys;     /* the same text, for signatures */
static jwtgate_limits_t   limits;


static void
load_keys(void)
{
    FILE    *f;
    char    *text;
    size_t   n;

    f = fopen("t/data/jwe-keys.json", "r");
    if (f == NULL) {
        fprintf(stderr, "fuzz_jwe: run from the repository root\n");
        abort();
    }

    text = malloc(1 << 16);
    if (text == NULL) {
        abort();
    }

    n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);

    if (jwtgate_keyset_parse_flags(text, n, JWTGATE_KEYSET_DECRYPT, NULL,
                                   NULL, &keys)
        != JWTGATE_OK
        || jwtgate_keyset_count(keys) != 10
        || jwtgate_keyset_parse_flags(text, n, 0, NULL, NULL, &sig_keys)
           != JWTGATE_OK)
    {
        abort();
    }

    free(text);
    jwtgate_limits_init(&limits);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t                   len, idx;
    const char              *why;
    jwtgate_rc_t             rc;
    jwtgate_jwe_t           *jwe;
    jwtgate_keyset_t        *set;
    const jwtgate_key_t     *key;
    const unsigned char     *pt;
    const jwtgate_keyset_t  *sets[2];

    if (keys == NULL) {
        load_keys();
    }

    if (size > 0 && data[0] == '{') {
        rc = jwtgate_keyset_parse_flags((const char *) data, size,
                                        JWTGATE_KEYSET_DECRYPT, NULL, NULL,
                                        &set);
        if ((rc == JWTGATE_OK) != (set != NULL)
            || (set != NULL && jwtgate_keyset_algs(set) != 0))
        {
            abort();
        }

        jwtgate_keyset_free(set);
        return 0;
    }

    rc = jwtgate_jwe_parse((const char *) data, size, &limits,
                           JWTGATE_JWE_ALGS_ALL, JWTGATE_ENCS_ALL, &why,
                           &jwe);
    if ((unsigned) rc >= JWTGATE_ERR_LAST
        || (rc == JWTGATE_OK) != (jwe != NULL))
    {
        abort();
    }

    if (jwe == NULL) {
        return 0;
    }

    /* first the same keys as a signature set: it decrypts nothing (a key
     * used from it would be a key of the wrong kind: abort below) */
    sets[0] = sig_keys;
    sets[1] = keys;
    key = NULL;

    idx = 0;
    rc = jwtgate_jwe_decrypt(jwe, sets, 2, 0, &why, &key, &idx);
    pt = jwtgate_jwe_plaintext(jwe, &len);

    if ((unsigned) rc >= JWTGATE_ERR_LAST
        || (rc == JWTGATE_OK) != (pt != NULL)
        || (rc == JWTGATE_OK && (key == NULL || idx != 1 || len > jwe->ct_len
                                 || pt[len] != '\0'))
        || (rc != JWTGATE_OK && len != 0))
    {
        abort();
    }

    /* a plain one as claims (a nested one is a JWS: fuzz_token.c) */
    if (rc == JWTGATE_OK) {
        jwtgate_token_t  *tok;

        rc = jwtgate_jwe_token(jwe, &limits,
                               JWTGATE_PARSE_NUMERIC_IDS
                               | (size & 1 ? JWTGATE_PARSE_JWE_PUBLIC : 0),
                               NULL, &tok);
        if ((rc == JWTGATE_OK) != (tok != NULL)
            || (unsigned) rc >= JWTGATE_ERR_LAST)
        {
            abort();
        }

        jwtgate_token_free(tok);
    }

    /* once only */
    if (jwtgate_jwe_decrypt(jwe, sets, 2, 0, &why, NULL, NULL)
        != JWTGATE_ERR_INTERNAL)
    {
        abort();
    }

    jwtgate_jwe_free(jwe);
    return 0;
}
