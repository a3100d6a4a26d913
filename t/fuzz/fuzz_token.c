/*
 * libFuzzer target: a token through every stage the glue runs on a
 * request -- parse, signature against a key set holding every key type,
 * claims -- plus the accessors the variables use.  Never crashes, never
 * leaks, never lets a key verify a token that names another kid.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate.h"


#ifndef JWTGATE_FUZZ_KEYS
#define JWTGATE_FUZZ_KEYS  "t/data/jwks-all.json"
#endif

#ifndef JWTGATE_FUZZ_HMAC
#define JWTGATE_FUZZ_HMAC  "t/data/jwks-hmac.json"
#endif


static jwtgate_keyset_t  *sets[2];


static jwtgate_keyset_t *
load(const char *path)
{
    FILE              *f;
    long               len;
    char              *buf;
    jwtgate_keyset_t  *set;

    f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        abort();
    }

    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        abort();
    }

    buf = malloc((size_t) len);
    if (buf == NULL || fread(buf, 1, (size_t) len, f) != (size_t) len) {
        abort();
    }

    fclose(f);

    if (jwtgate_keyset_parse(buf, (size_t) len, NULL, NULL, &set)
        != JWTGATE_OK)
    {
        abort();
    }

    free(buf);
    return set;
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    sets[0] = load(JWTGATE_FUZZ_KEYS);
    sets[1] = load(JWTGATE_FUZZ_HMAC);

    return 0;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char                      buf[64];
    size_t                    len;
    const json_t             *v;
    jwtgate_rc_t              rc;
    jwtgate_token_t          *token;
    jwtgate_limits_t          limits;
    const jwtgate_key_t      *key;
    jwtgate_claims_policy_t   policy;
    static const char        *path[] = { "realm_access", "roles" };
    static const char        *issuers[] = { "https://issuer.test" };
    static const char        *audiences[] = { "api" };

    jwtgate_limits_init(&limits);

    rc = jwtgate_token_parse((const char *) data, size, &limits,
                             JWTGATE_ALGS_ALL, &token);
    if (rc != JWTGATE_OK) {
        if (token != NULL) {
            abort();
        }

        return 0;
    }

    (void) jwtgate_token_kid(token);
    (void) jwtgate_token_payload_text(token, &len);

    v = jwtgate_json_path(jwtgate_token_payload(token), path, 2);
    if (v != NULL) {
        (void) jwtgate_json_format(v, buf, sizeof(buf));
    }

    v = jwtgate_json_path(jwtgate_token_payload(token), path, 1);
    if (v != NULL) {
        (void) jwtgate_json_format(v, buf, sizeof(buf));
    }

    rc = jwtgate_verify_signature(token,
                                  (const jwtgate_keyset_t *const *) sets, 2,
                                  &key, NULL);

    /* seeds are really signed; a key may only verify with its kid */
    if (rc == JWTGATE_OK && jwtgate_token_kid(token) != NULL
        && (jwtgate_key_kid(key) == NULL
            || strcmp(jwtgate_key_kid(key), jwtgate_token_kid(token)) != 0))
    {
        fprintf(stderr, "kid \"%s\" verified by another key\n",
                jwtgate_token_kid(token));
        abort();
    }

    memset(&policy, 0, sizeof(policy));
    policy.now = 1700000000;
    policy.leeway = 60;
    policy.require_exp = 1;
    policy.issuers = issuers;
    policy.n_issuers = 1;
    policy.audiences = audiences;
    policy.n_audiences = 1;

    (void) jwtgate_check_claims(token, &policy);

    jwtgate_token_free(token);
    return 0;
}
