/*
 * JWE decryption: the keys of decryption sets that fit the token (by kid,
 * else by type, bounded by a try limit), the CEK from each
 * (jwtgate_jwe_key.c), the content (jwtgate_jwe_enc.c); one reason for
 * every failure of the key or the tag.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jwtgate_jwe_int.h"


#define JWTGATE_WHY(w)  do { if (why != NULL) { *why = (w); } } while (0)


static const jwtgate_key_t *jwtgate_jwe_next_key(const jwtgate_keyset_t *set,
    const jwtgate_jwe_t *jwe, size_t *pos, int *crv_mismatch);
static int jwtgate_jwe_key_fits(const jwtgate_key_t *key,
    const jwtgate_jwe_t *jwe, int *crv_mismatch);
static int jwtgate_jwe_has_kid(const jwtgate_keyset_t *set,
    const jwtgate_jwe_t *jwe);


jwtgate_rc_t
jwtgate_jwe_decrypt(jwtgate_jwe_t *jwe, const jwtgate_keyset_t *const *sets,
    size_t n, size_t max_tries, const char **why, const jwtgate_key_t **key,
    size_t *set_index)
{
    int                  fits, crv_mismatch;
    size_t               i, pos, tries, cek_len, out_len, buf_len;
    jwtgate_rc_t         rc, krc;
    unsigned char        cek[JWTGATE_CEK_MAX], *buf;
    const jwtgate_key_t *candidate;

    JWTGATE_WHY(NULL);

    if (jwe->tried) {
        JWTGATE_WHY("a JWE is decrypted once");
        return JWTGATE_ERR_INTERNAL;
    }

    jwe->tried = 1;

    buf_len = jwe->ct_len + JWTGATE_JWE_OUT_EXTRA;
    buf = malloc(buf_len + 1);
    if (buf == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    cek_len = jwtgate_enc_key_len(jwe->enc);
    fits = 0;
    crv_mismatch = 0;
    tries = 0;
    candidate = NULL;
    rc = JWTGATE_ERR_DECRYPT;

    for (i = 0; i < n; i++) {
        if (sets[i] == NULL || !(sets[i]->flags & JWTGATE_KEYSET_DECRYPT)) {
            continue;
        }

        pos = 0;

        while ((candidate = jwtgate_jwe_next_key(sets[i], jwe, &pos,
                                                 &crv_mismatch))
               != NULL)
        {
            if (jwe->kid == NULL && tries == max_tries && max_tries != 0) {
                /* one more key would fit: the limit, not the key */
                JWTGATE_WHY("no kid, and more keys fit than may be tried");
                rc = JWTGATE_ERR_TRY_LIMIT;
                goto done;
            }

            tries++;
            fits = 1;

            krc = jwtgate_jwe_cek(jwe, candidate, cek, cek_len);

            if (krc == JWTGATE_ERR_BAD_EPK) {
                JWTGATE_WHY("epk is not a valid point of the key's curve, "
                            "or gives an all-zero secret");
                rc = krc;
                goto done;
            }

            if (krc != JWTGATE_OK && krc != JWTGATE_ERR_DECRYPT) {
                rc = JWTGATE_ERR_INTERNAL;
                goto done;
            }

            /* with a random CEK too: the same work, the same answer */
            switch (jwtgate_jwe_content_decrypt(jwe, cek, cek_len, buf,
                                                &out_len))
            {
            case 1:
                if (krc == JWTGATE_OK) {
                    goto decrypted;
                }

                OPENSSL_cleanse(buf, buf_len);
                break;

            case 0:
                break;

            default:
                rc = JWTGATE_ERR_INTERNAL;
                goto done;
            }

            OPENSSL_cleanse(cek, sizeof(cek));
        }
    }

    if (!fits) {
        if (crv_mismatch) {
            JWTGATE_WHY("epk's curve is not the key's");
            rc = JWTGATE_ERR_BAD_EPK;

        } else if (jwe->kid == NULL) {
            JWTGATE_WHY("no key fits alg and enc");
            rc = JWTGATE_ERR_ALG_KEY_MISMATCH;

        } else {
            rc = JWTGATE_ERR_UNKNOWN_KID;

            for (i = 0; i < n; i++) {
                if (sets[i] != NULL && jwtgate_jwe_has_kid(sets[i], jwe)) {
                    JWTGATE_WHY("the key with that kid fits not alg and enc");
                    rc = JWTGATE_ERR_ALG_KEY_MISMATCH;
                    break;
                }
            }
        }

    } else {
        JWTGATE_WHY("the key did not decrypt, or the tag did not verify");
        rc = JWTGATE_ERR_DECRYPT;
    }

done:

    OPENSSL_cleanse(cek, sizeof(cek));
    OPENSSL_cleanse(buf, buf_len + 1);
    free(buf);

    return rc;

decrypted:

    OPENSSL_cleanse(cek, sizeof(cek));

    buf[out_len] = '\0';
    jwe->plaintext = buf;
    jwe->plaintext_len = out_len;

    if (key != NULL) {
        *key = candidate;
    }

    if (set_index != NULL) {
        *set_index = i;
    }

    return JWTGATE_OK;
}


/* the keys of a set that fit the jwe: by kid when it has one, one per
 * call; *pos starts at 0; NULL after the last */

static const jwtgate_key_t *
jwtgate_jwe_next_key(const jwtgate_keyset_t *set, const jwtgate_jwe_t *jwe,
    size_t *pos, int *crv_mismatch)
{
    size_t               slot;
    const jwtgate_key_t *candidate;

    if (!(set->jwe_algs & JWTGATE_JWE_BIT(jwe->alg))) {
        return NULL;
    }

    if (jwe->kid == NULL) {
        while (*pos < set->n) {
            candidate = &set->keys[(*pos)++];

            if (jwtgate_jwe_key_fits(candidate, jwe, crv_mismatch)) {
                return candidate;
            }
        }

        return NULL;
    }

    /* by kid: *pos is the number of slots probed so far */
    for (slot = (jwtgate_hash(jwe->kid, jwe->kid_len) + *pos) & set->mask;
         set->slots[slot] != 0;
         slot = (slot + 1) & set->mask)
    {
        (*pos)++;
        candidate = &set->keys[set->slots[slot] - 1];

        if (candidate->kid_len == jwe->kid_len
            && memcmp(candidate->kid, jwe->kid, jwe->kid_len) == 0
            && jwtgate_jwe_key_fits(candidate, jwe, crv_mismatch))
        {
            return candidate;
        }
    }

    return NULL;
}


static int
jwtgate_jwe_key_fits(const jwtgate_key_t *key, const jwtgate_jwe_t *jwe,
    int *crv_mismatch)
{
    if (!(key->jwe_algs & JWTGATE_JWE_BIT(jwe->alg))) {
        return 0;
    }

    /* dir: the key is the CEK, of exactly enc's length */
    if (jwe->alg == JWTGATE_JWE_DIR) {
        return key->secret_len == jwtgate_enc_key_len(jwe->enc)
               && (key->dir_enc == 0 || key->dir_enc == (int) jwe->enc + 1);
    }

    if (jwtgate_jwe_is_ecdh(jwe->alg) && key->crv != jwe->epk_crv) {
        *crv_mismatch = 1;
        return 0;
    }

    return 1;
}


static int
jwtgate_jwe_has_kid(const jwtgate_keyset_t *set, const jwtgate_jwe_t *jwe)
{
    size_t  slot;

    for (slot = jwtgate_hash(jwe->kid, jwe->kid_len) & set->mask;
         set->slots[slot] != 0;
         slot = (slot + 1) & set->mask)
    {
        if (set->keys[set->slots[slot] - 1].kid_len == jwe->kid_len
            && memcmp(set->keys[set->slots[slot] - 1].kid, jwe->kid,
                      jwe->kid_len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


jwtgate_rc_t
jwtgate_jwe_token(const jwtgate_jwe_t *jwe, const jwtgate_limits_t *limits,
    unsigned flags, jwtgate_detail_t *detail, jwtgate_token_t **out)
{
    *out = NULL;

    if (jwe->plaintext == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    /* public-key key management: the sender is not authenticated */
    if ((JWTGATE_JWE_BIT(jwe->alg) & JWTGATE_JWE_ALGS_PUBLIC)
        && !(flags & JWTGATE_PARSE_JWE_PUBLIC))
    {
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    return jwtgate_token_from_texts(jwe->header_text, jwe->header_len,
                                    (const char *) jwe->plaintext,
                                    jwe->plaintext_len, limits,
                                    flags & ~JWTGATE_PARSE_JWE_PUBLIC, detail,
                                    out);
}
