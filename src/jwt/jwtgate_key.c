/*
 * JWK and JWKS (RFC 7517, RFC 7518 section 6, RFC 8037) to OpenSSL keys,
 * indexed by kid.  Signature sets hold public keys only: private members
 * are ignored, never loaded (decryption sets, JWTGATE_KEYSET_DECRYPT, are
 * read by jwtgate_jwk_priv.c).  A key that cannot be used is skipped
 * with a reason; a set without any usable key is an error.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "jwtgate_int.h"


#define JWTGATE_MAX_JWKS        (1024 * 1024)
#define JWTGATE_MAX_KEYS        1024


static int jwtgate_keyset_skip(jwtgate_keyset_t *set, size_t max,
    const json_t *jwk, const char *reason);
static int jwtgate_keyset_index(jwtgate_keyset_t *set);


jwtgate_rc_t
jwtgate_keyset_parse(const char *json, size_t len, jwtgate_skip_pt skip,
    void *skip_data, jwtgate_keyset_t **out)
{
    return jwtgate_keyset_parse_flags(json, len, 0, skip, skip_data, out);
}


jwtgate_rc_t
jwtgate_keyset_parse_flags(const char *json, size_t len, unsigned flags,
    jwtgate_skip_pt skip, void *skip_data, jwtgate_keyset_t **out)
{
    size_t             i;
    json_t            *root, *keys;
    const char        *reason, *kid;
    json_error_t       err;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;

    *out = NULL;

    if (len > JWTGATE_MAX_JWKS) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        return JWTGATE_ERR_MALFORMED;
    }

    set = NULL;
    rc = JWTGATE_ERR_MALFORMED;

    /* a JWKS, or a single JWK as a convenience */
    if (json_is_object(root) && json_object_get(root, "kty") != NULL) {
        keys = json_array();
        if (keys == NULL || json_array_append(keys, root) != 0) {
            json_decref(keys);
            rc = JWTGATE_ERR_INTERNAL;
            goto done;
        }

        json_decref(root);
        root = keys;

    } else if (json_is_object(root)) {
        keys = json_object_get(root, "keys");
        if (keys == NULL || !json_is_array(keys)) {
            goto done;
        }

    } else {
        goto done;
    }

    if (json_array_size(keys) > JWTGATE_MAX_KEYS) {
        rc = JWTGATE_ERR_TOO_LARGE;
        goto done;
    }

    rc = JWTGATE_ERR_INTERNAL;

    set = calloc(1, sizeof(jwtgate_keyset_t));
    if (set == NULL) {
        goto done;
    }

    set->keys = calloc(json_array_size(keys) + 1, sizeof(jwtgate_key_t));
    if (set->keys == NULL) {
        goto done;
    }

    set->flags = flags;

    set->md[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    set->md[1] = EVP_MD_fetch(NULL, "SHA384", NULL);
    set->md[2] = EVP_MD_fetch(NULL, "SHA512", NULL);

    set->hash = EVP_MD_CTX_new();
    set->eddsa = EVP_MD_CTX_new();

    if (set->md[0] == NULL || set->md[1] == NULL || set->md[2] == NULL
        || set->hash == NULL || set->eddsa == NULL)
    {
        goto done;
    }

    for (i = 0; i < json_array_size(keys); i++) {
        reason = jwtgate_jwk_parse(json_array_get(keys, i),
                                   &set->keys[set->n], set->md, flags);
        if (reason == NULL) {
            set->algs |= set->keys[set->n].algs;
            set->jwe_algs |= set->keys[set->n].jwe_algs;
            set->keys[set->n].index = i;
            set->n++;
            continue;
        }

        if (strcmp(reason, "out of memory") == 0
            || jwtgate_keyset_skip(set, json_array_size(keys),
                                   json_array_get(keys, i), reason)
               != 0)
        {
            goto done;
        }

        if (skip != NULL) {
            kid = json_string_value(json_object_get(json_array_get(keys, i),
                                                    "kid"));
            skip(skip_data, i, kid, reason);
        }
    }

    if (set->n == 0) {
        rc = JWTGATE_ERR_NO_KEYS;
        goto done;
    }

    if (jwtgate_keyset_index(set) != 0) {
        goto done;
    }

    *out = set;
    set = NULL;
    rc = JWTGATE_OK;

done:

    /* skipped keys leave OpenSSL errors behind */
    ERR_clear_error();

    /* private members ("d", "p", "k", ...) in jansson's strings */
    jwtgate_json_wipe(root, JWTGATE_WIPE_DEPTH);
    json_decref(root);
    jwtgate_keyset_free(set);
    return rc;
}


void
jwtgate_keyset_free(jwtgate_keyset_t *set)
{
    size_t  i;

    if (set == NULL) {
        return;
    }

    if (set->keys != NULL) {
        for (i = 0; i < set->n; i++) {
            jwtgate_key_clear(&set->keys[i]);
        }

        free(set->keys);
    }

    if (set->skipped != NULL) {
        for (i = 0; i < set->nskipped; i++) {
            free(set->skipped[i].kid);
        }

        free(set->skipped);
    }

    /* the scratch contexts may hold references to keys and digests */
    EVP_MD_CTX_free(set->eddsa);
    EVP_MD_CTX_free(set->hash);
    EVP_MD_free(set->md[0]);
    EVP_MD_free(set->md[1]);
    EVP_MD_free(set->md[2]);
    free(set->slots);
    free(set);
}


size_t
jwtgate_keyset_count(const jwtgate_keyset_t *set)
{
    return set->n;
}


unsigned
jwtgate_keyset_algs(const jwtgate_keyset_t *set)
{
    return set->algs;
}


unsigned
jwtgate_keyset_jwe_algs(const jwtgate_keyset_t *set)
{
    return set->jwe_algs;
}


int
jwtgate_keyset_shared(const jwtgate_keyset_t *sig,
    const jwtgate_keyset_t *dec, const jwtgate_key_t **sig_key,
    const jwtgate_key_t **dec_key)
{
    int                   eq;
    size_t                i, j;
    const jwtgate_key_t  *s, *d;

    /* at most JWTGATE_MAX_KEYS squared pairs, at configuration */
    for (i = 0; i < sig->n; i++) {
        s = &sig->keys[i];

        for (j = 0; j < dec->n; j++) {
            d = &dec->keys[j];

            if (s->kty != d->kty) {
                continue;
            }

            if (s->pkey != NULL && d->pkey != NULL) {
                /* the public components: n and e, the group and point,
                 * the raw OKP key; -1 and -2 (other types) are no */
                eq = EVP_PKEY_eq(s->pkey, d->pkey) == 1;

            } else {
                eq = s->secret != NULL && d->secret != NULL
                     && s->secret_len == d->secret_len
                     && CRYPTO_memcmp(s->secret, d->secret, s->secret_len)
                        == 0;
            }

            if (eq) {
                *sig_key = s;
                *dec_key = d;
                ERR_clear_error();
                return 1;
            }
        }
    }

    ERR_clear_error();
    return 0;
}


const char *
jwtgate_key_kid(const jwtgate_key_t *key)
{
    return key->kid;
}


size_t
jwtgate_key_index(const jwtgate_key_t *key)
{
    return key->index;
}


size_t
jwtgate_keyset_warnings(const jwtgate_keyset_t *set, jwtgate_skip_pt warn,
    void *data)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < set->n; i++) {
        if (set->keys[i].warning != NULL) {
            warn(data, set->keys[i].index, set->keys[i].kid,
                 set->keys[i].warning);
            n++;
        }
    }

    return n;
}


const char *
jwtgate_keyset_skipped(const jwtgate_keyset_t *set, const char *kid,
    size_t len)
{
    size_t  i;

    for (i = 0; i < set->nskipped; i++) {
        if (set->skipped[i].kid_len == len
            && memcmp(set->skipped[i].kid, kid, len) == 0)
        {
            return set->skipped[i].reason;
        }
    }

    return NULL;
}


/* remembers a skipped key by its kid, if it has one; -1: out of memory */

static int
jwtgate_keyset_skip(jwtgate_keyset_t *set, size_t max, const json_t *jwk,
    const char *reason)
{
    size_t              len;
    const json_t       *v;
    jwtgate_skipped_t  *skipped;

    v = json_object_get(jwk, "kid");
    if (v == NULL || !json_is_string(v)) {
        return 0;
    }

    if (set->skipped == NULL) {
        set->skipped = calloc(max, sizeof(jwtgate_skipped_t));
        if (set->skipped == NULL) {
            return -1;
        }
    }

    len = json_string_length(v);
    skipped = &set->skipped[set->nskipped];

    skipped->kid = malloc(len + 1);
    if (skipped->kid == NULL) {
        return -1;
    }

    memcpy(skipped->kid, json_string_value(v), len + 1);
    skipped->kid_len = len;
    skipped->reason = reason;
    set->nskipped++;

    return 0;
}


static int
jwtgate_keyset_index(jwtgate_keyset_t *set)
{
    size_t    i, size, slot;

    for (size = 8; size < set->n * 2; size <<= 1) { /* void */ }

    set->slots = calloc(size, sizeof(uint32_t));
    if (set->slots == NULL) {
        return -1;
    }

    set->mask = size - 1;

    for (i = 0; i < set->n; i++) {
        if (set->keys[i].kid == NULL) {
            continue;
        }

        slot = jwtgate_hash(set->keys[i].kid, set->keys[i].kid_len)
               & set->mask;

        while (set->slots[slot] != 0) {
            slot = (slot + 1) & set->mask;
        }

        set->slots[slot] = (uint32_t) (i + 1);
    }

    return 0;
}

