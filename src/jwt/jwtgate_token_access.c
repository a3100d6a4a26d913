/*
 * A parsed token's accessors: its members, its header and payload as
 * text or as trees (made on demand, cached in the token), its size, and
 * its release.
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jwtgate_int.h"


static int jwtgate_token_ids_tree(const jwtgate_token_t *t, json_t *root);


const char *
jwtgate_token_numeric_id(const jwtgate_token_t *t)
{
    if (t->sub.type == JWTGATE_JSON_INTEGER) {
        return "sub";
    }

    if (t->jti.type == JWTGATE_JSON_INTEGER) {
        return "jti";
    }

    return NULL;
}


void
jwtgate_token_free(jwtgate_token_t *t)
{
    if (t == NULL) {
        return;
    }

    /* a bearer credential, or claims that came encrypted: wiped */
    jwtgate_token_drop_trees(t);

    /* the buffers are in the same block */
    OPENSSL_cleanse(t, t->size);
    free(t);
}


jwtgate_alg_t
jwtgate_token_alg(const jwtgate_token_t *t)
{
    return t->alg;
}


const char *
jwtgate_token_kid(const jwtgate_token_t *t)
{
    return t->kid;
}


/* the trees are a cache: the token is the caller's, and not const */

const json_t *
jwtgate_token_header(const jwtgate_token_t *t)
{
    jwtgate_token_t  *cache;

    if (t->header == NULL) {
        cache = (jwtgate_token_t *) t;
        cache->header = jwtgate_json_load(t->header_text, t->header_len);
    }

    return t->header;
}


const json_t *
jwtgate_token_payload(const jwtgate_token_t *t)
{
    jwtgate_token_t  *cache;

    json_t           *root;

    if (t->payload == NULL) {
        root = jwtgate_json_load(t->payload_text, t->payload_len);

        if (root != NULL && jwtgate_token_ids_tree(t, root) != 0) {
            json_decref(root);
            root = NULL;
        }

        cache = (jwtgate_token_t *) t;
        cache->payload = root;
    }

    return t->payload;
}


/* integer ids as the strings of their decimal text, the text the token
 * carries (digits only: jwtgate_token_check_payload() made sure) */

static int
jwtgate_token_ids_tree(const jwtgate_token_t *t, json_t *root)
{
    size_t                   i;
    json_t                  *s;
    const jwtgate_jvalue_t  *v;
    static const char       *names[2] = { "sub", "jti" };

    for (i = 0; i < 2; i++) {
        v = (i == 0) ? &t->sub : &t->jti;

        if (v->type != JWTGATE_JSON_INTEGER) {
            continue;
        }

        s = json_stringn(t->payload_text + v->off, v->end - v->off);
        if (s == NULL || json_object_set_new(root, names[i], s) != 0) {
            return -1;
        }
    }

    return 0;
}


const char *
jwtgate_token_header_text(const jwtgate_token_t *t, size_t *len)
{
    *len = t->header_len;
    return t->header_text;
}


const char *
jwtgate_token_payload_text(const jwtgate_token_t *t, size_t *len)
{
    *len = t->payload_len;
    return t->payload_text;
}


int
jwtgate_token_exp(const jwtgate_token_t *t, double *exp)
{
    if (!(t->dates & JWTGATE_HAS_EXP)) {
        return -1;
    }

    *exp = t->exp;
    return 0;
}


int
jwtgate_token_iat(const jwtgate_token_t *t, double *iat)
{
    if (!(t->dates & JWTGATE_HAS_IAT)) {
        return -1;
    }

    *iat = t->iat;
    return 0;
}


const char *
jwtgate_token_id(const jwtgate_token_t *t, jwtgate_id_t which, size_t *len)
{
    if ((unsigned) which > JWTGATE_ID_JTI) {
        *len = 0;
        return NULL;
    }

    *len = t->id_len[which];
    return t->id_text[which];
}


/*
 * The block of jwtgate_token_parse_flags(): after a successful parse
 * every decoded length is its segment's jwtgate_b64url_decoded_len(),
 * the size that was allocated for it.
 */

size_t
jwtgate_token_size(const jwtgate_token_t *t)
{
    return sizeof(jwtgate_token_t) + t->signing_len + 3 * t->header_len
           + 2 * t->payload_len + t->sig_len + 7;
}


void
jwtgate_token_drop_trees(jwtgate_token_t *t)
{
    if (t->header != NULL) {
        jwtgate_json_wipe(t->header, JWTGATE_WIPE_DEPTH);
        json_decref(t->header);
        t->header = NULL;
    }

    if (t->payload != NULL) {
        jwtgate_json_wipe(t->payload, JWTGATE_WIPE_DEPTH);
        json_decref(t->payload);
        t->payload = NULL;
    }
}
