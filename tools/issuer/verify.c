/*
 * Checks a token this issuer signed, for POST /auth/logout: its JOSE
 * header first (alg exactly the issuer's, a kid in the published set),
 * so that libjwt never sees a token whose alg could make it verify with
 * the public key as an HMAC secret; then the signature with that key's
 * public half, then iss and exp.  The claims come back as JSON.
 */

#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "issuer.h"


#define ISSUER_HEADER_MAX   1024        /* a JOSE header, decoded */


static json_t *header_decode(const char *token, size_t len);
static char *public_pem(const issuer_key_t *key, int *len);


json_t *
issuer_keys_verify(const issuer_keys_t *ks, const char *token, size_t len,
    time_t now, const char **why)
{
    int             e, plen;
    char           *pem, *grants;
    size_t          i;
    jwt_t          *jwt;
    json_t         *header, *claims, *v;
    const char     *alg, *kid;
    issuer_key_t   *key;
    json_error_t    error;

    *why = "malformed";

    if (len == 0 || memchr(token, '\0', len) != NULL || token[len] != '\0') {
        return NULL;
    }

    header = header_decode(token, len);
    if (header == NULL) {
        return NULL;
    }

    alg = json_string_value(json_object_get(header, "alg"));
    kid = json_string_value(json_object_get(header, "kid"));
    key = NULL;

    if (alg != NULL && kid != NULL
        && strcmp(alg, issuer_alg_name(ks->conf->alg)) == 0)
    {
        for (i = 0; i < ks->nkeys; i++) {
            if (strcmp(ks->keys[i]->kid, kid) == 0) {
                key = ks->keys[i];
                break;
            }
        }
    }

    json_decref(header);

    if (key == NULL) {
        *why = "not signed by a key of this issuer";
        return NULL;
    }

    pem = public_pem(key, &plen);
    if (pem == NULL) {
        *why = "internal";
        return NULL;
    }

    jwt = NULL;
    e = jwt_decode(&jwt, token, (const unsigned char *) pem, plen);
    free(pem);

    if (e != 0 || jwt == NULL
        || jwt_get_alg(jwt) != (ks->conf->alg == ISSUER_ES256
                                ? JWT_ALG_ES256 : JWT_ALG_RS256))
    {
        if (jwt != NULL) {
            jwt_free(jwt);
        }

        *why = "bad signature";
        return NULL;
    }

    grants = jwt_get_grants_json(jwt, NULL);
    jwt_free(jwt);

    if (grants == NULL) {
        *why = "internal";
        return NULL;
    }

    claims = json_loads(grants, JSON_REJECT_DUPLICATES, &error);
    free(grants);

    if (!json_is_object(claims)) {
        json_decref(claims);
        *why = "malformed";
        return NULL;
    }

    v = json_object_get(claims, "iss");

    if (!json_is_string(v)
        || strcmp(json_string_value(v), ks->conf->issuer) != 0)
    {
        *why = "another issuer";
        goto fail;
    }

    v = json_object_get(claims, "exp");

    if (!json_is_integer(v)) {
        *why = "no exp";
        goto fail;
    }

    if (json_integer_value(v) <= (json_int_t) now) {
        *why = "expired";
        goto fail;
    }

    *why = NULL;
    return claims;

fail:

    json_decref(claims);
    return NULL;
}


/* The JOSE header of a compact JWS: three base64url parts, JSON object. */

static json_t *
header_decode(const char *token, size_t len)
{
    int            c, bits, nbits;
    size_t         i, n, dots;
    json_t        *header;
    json_error_t   error;
    unsigned char  buf[ISSUER_HEADER_MAX];

    for (i = 0, dots = 0; i < len; i++) {
        c = (unsigned char) token[i];

        if (c == '.') {
            dots++;

        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                     || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return NULL;
        }
    }

    if (dots != 2) {
        return NULL;
    }

    n = 0;
    bits = 0;
    nbits = 0;

    for (i = 0; token[i] != '.'; i++) {
        c = (unsigned char) token[i];
        c = (c >= 'A' && c <= 'Z') ? c - 'A'
            : (c >= 'a' && c <= 'z') ? c - 'a' + 26
            : (c >= '0' && c <= '9') ? c - '0' + 52
            : (c == '-') ? 62 : 63;

        bits = (bits << 6) | c;
        nbits += 6;

        if (nbits >= 8) {
            nbits -= 8;

            if (n == sizeof(buf)) {
                return NULL;
            }

            buf[n++] = (unsigned char) (bits >> nbits);
            bits &= (1 << nbits) - 1;
        }
    }

    if (n == 0) {
        return NULL;
    }

    header = json_loadb((const char *) buf, n, JSON_REJECT_DUPLICATES,
                        &error);
    if (!json_is_object(header)) {
        json_decref(header);
        return NULL;
    }

    return header;
}


/* The public key of a key pair as PEM (SubjectPublicKeyInfo), malloc'ed. */

static char *
public_pem(const issuer_key_t *key, int *len)
{
    BIO       *bio;
    char      *data, *pem;
    long       n;
    EVP_PKEY  *pkey;

    if (key->pem_len > INT_MAX) {
        return NULL;
    }

    bio = BIO_new_mem_buf(key->pem, (int) key->pem_len);
    if (bio == NULL) {
        return NULL;
    }

    pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);

    if (pkey == NULL) {
        issuer_log("cannot read key %s", key->kid);
        return NULL;
    }

    pem = NULL;
    bio = BIO_new(BIO_s_mem());

    if (bio != NULL && PEM_write_bio_PUBKEY(bio, pkey) == 1) {
        n = BIO_get_mem_data(bio, &data);

        if (n > 0 && n < INT_MAX) {
            pem = malloc((size_t) n + 1);

            if (pem != NULL) {
                memcpy(pem, data, (size_t) n);
                pem[n] = '\0';
                *len = (int) n;
            }
        }
    }

    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return pem;
}
