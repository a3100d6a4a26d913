/*
 * Compact JWE (RFC 7516 7.1): the five parts, the protected header read
 * with the strict JSON reader, every cheap rejection before any crypto;
 * the jwe's accessors.  The choice of keys and decryption is
 * jwtgate_jwe_dec.c (key management in jwtgate_jwe_key.c, content
 * decryption in jwtgate_jwe_enc.c).
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "jwtgate_jwe_int.h"


static const char  *jwe_alg_names[JWTGATE_JWE_ALG_COUNT] = {
    "RSA-OAEP", "RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512",
    "A128KW", "A192KW", "A256KW",
    "A128GCMKW", "A192GCMKW", "A256GCMKW",
    "dir",
    "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A192KW", "ECDH-ES+A256KW"
};


/* the header members the checks read */
enum {
    J_ALG = 0,
    J_ENC,
    J_KID,          /* J_KID .. J_APV: strings when present */
    J_TYP,
    J_CTY,
    J_IV,
    J_TAG,
    J_APU,
    J_APV,
    J_ZIP,
    J_CRIT,
    J_EPK,
    J_P2S,
    J_COUNT
};

static const jwtgate_jname_t  jwe_names[J_COUNT] = {
    { "alg", 3 }, { "enc", 3 }, { "kid", 3 }, { "typ", 3 }, { "cty", 3 },
    { "iv", 2 }, { "tag", 3 }, { "apu", 3 }, { "apv", 3 }, { "zip", 3 },
    { "crit", 4 }, { "epk", 3 }, { "p2s", 3 }
};


#define JWTGATE_WHY(w)  do { if (why != NULL) { *why = (w); } } while (0)


static jwtgate_rc_t jwtgate_jwe_header(jwtgate_jwe_t *jwe,
    const jwtgate_jvalue_t *h, unsigned algs, unsigned encs, char *scratch,
    char *strings, const char **why);
static jwtgate_rc_t jwtgate_jwe_read_epk(jwtgate_jwe_t *jwe,
    const char **why);
static int jwtgate_jwe_b64_member(const char *text,
    const jwtgate_jvalue_t *v, char *scratch, unsigned char *dst,
    size_t *len);


int
jwtgate_jwe_alg_from_name(const char *name, size_t len)
{
    size_t  i;

    for (i = 0; i < JWTGATE_JWE_ALG_COUNT; i++) {
        if (strlen(jwe_alg_names[i]) == len
            && memcmp(jwe_alg_names[i], name, len) == 0)
        {
            return (int) i;
        }
    }

    return -1;
}


const char *
jwtgate_jwe_alg_name(jwtgate_jwe_alg_t alg)
{
    if ((unsigned) alg >= JWTGATE_JWE_ALG_COUNT) {
        return "unknown";
    }

    return jwe_alg_names[alg];
}


jwtgate_rc_t
jwtgate_jwe_parse(const char *data, size_t len,
    const jwtgate_limits_t *limits, unsigned algs, unsigned encs,
    const char **why, jwtgate_jwe_t **out)
{
    char              *mem, *scratch, *strings;
    size_t             i, n, dots, off[5], plen[5], header_max, ekey_max,
                       ct_max;
    jwtgate_rc_t       rc;
    jwtgate_jwe_t     *jwe;
    jwtgate_jvalue_t   h[J_COUNT];
    unsigned char      buf[2 * JWTGATE_TAG_MAX];

    *out = NULL;
    JWTGATE_WHY(NULL);

    if (len == 0) {
        return JWTGATE_ERR_MISSING;
    }

    if (len > limits->max_token || len > SIZE_MAX / 8) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    /* five parts: header.encrypted_key.iv.ciphertext.tag */
    dots = 0;
    off[0] = 0;

    for (i = 0; i < len; i++) {
        if (data[i] == '.') {
            if (dots == 4) {
                JWTGATE_WHY("a compact JWE has five parts");
                return JWTGATE_ERR_MALFORMED;
            }

            plen[dots] = i - off[dots];
            off[++dots] = i + 1;
        }
    }

    if (dots != 4) {
        JWTGATE_WHY("a compact JWE has five parts");
        return JWTGATE_ERR_MALFORMED;
    }

    plen[4] = len - off[4];

    if (plen[0] == 0) {
        JWTGATE_WHY("empty protected header");
        return JWTGATE_ERR_MALFORMED;
    }

    if (plen[0] > limits->max_header) {
        JWTGATE_WHY("protected header over the limit");
        return JWTGATE_ERR_TOO_LARGE;
    }

    if (plen[1] > jwtgate_b64url_encoded_len(JWTGATE_JWE_MAX_ENCRYPTED_KEY))
    {
        JWTGATE_WHY("encrypted key over the limit");
        return JWTGATE_ERR_TOO_LARGE;
    }

    header_max = jwtgate_b64url_decoded_len(plen[0]);
    ekey_max = jwtgate_b64url_decoded_len(plen[1]);
    ct_max = jwtgate_b64url_decoded_len(plen[3]);

    /* one block: the jwe, the AAD, the decoded header, a scratch for
     * unescaping, kid, typ and cty (no longer than the header each), apu
     * and apv (no longer than it), the encrypted key, the ciphertext */
    jwe = malloc(sizeof(jwtgate_jwe_t) + plen[0] + 1 + 7 * (header_max + 1)
                 + ekey_max + 1 + ct_max + 1);
    if (jwe == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    memset(jwe, 0, sizeof(jwtgate_jwe_t));

    mem = (char *) (jwe + 1);
    jwe->aad = mem;
    mem += plen[0] + 1;
    jwe->header_text = mem;
    mem += header_max + 1;
    scratch = mem;
    mem += header_max + 1;
    strings = mem;
    mem += 3 * (header_max + 1);
    jwe->apu = (unsigned char *) mem;
    mem += header_max + 1;
    jwe->apv = (unsigned char *) mem;
    mem += header_max + 1;
    jwe->ekey = (unsigned char *) mem;
    mem += ekey_max + 1;
    jwe->ct = (unsigned char *) mem;

    memcpy(jwe->aad, data, plen[0]);
    jwe->aad[plen[0]] = '\0';
    jwe->aad_len = plen[0];

    rc = JWTGATE_ERR_MALFORMED;

    /* the header first: an alg never supported is refused for that */

    n = jwtgate_b64url_decode((unsigned char *) jwe->header_text, data,
                              plen[0]);
    if (n == (size_t) -1) {
        JWTGATE_WHY("protected header is not base64url");
        goto failed;
    }

    jwe->header_text[n] = '\0';
    jwe->header_len = n;

    rc = jwtgate_jread(jwe->header_text, n, limits, jwe_names, J_COUNT, h);
    if (rc != JWTGATE_OK) {
        JWTGATE_WHY("protected header is not a strict JSON object");
        goto failed;
    }

    rc = jwtgate_jwe_header(jwe, h, algs, encs, scratch, strings, why);
    if (rc != JWTGATE_OK) {
        goto failed;
    }

    rc = JWTGATE_ERR_MALFORMED;

    /* encrypted key: none for dir and ECDH-ES (RFC 7518 4.5, 4.6) */
    if (jwe->alg == JWTGATE_JWE_DIR || jwe->alg == JWTGATE_JWE_ECDH_ES) {
        if (plen[1] != 0) {
            JWTGATE_WHY("an encrypted key with dir or ECDH-ES");
            goto failed;
        }

    } else {
        if (plen[1] == 0) {
            JWTGATE_WHY("no encrypted key");
            goto failed;
        }

        jwe->ekey_len = jwtgate_b64url_decode(jwe->ekey, data + off[1],
                                              plen[1]);
        if (jwe->ekey_len == (size_t) -1) {
            JWTGATE_WHY("encrypted key is not base64url");
            goto failed;
        }
    }

    /* IV and tag: exactly enc's lengths */
    if (plen[2] > 2 * JWTGATE_TAG_MAX || plen[4] > 2 * JWTGATE_TAG_MAX) {
        JWTGATE_WHY("IV or tag of the wrong length");
        goto failed;
    }

    n = jwtgate_b64url_decode(buf, data + off[2], plen[2]);
    if (n != jwtgate_enc_iv_len(jwe->enc)) {
        JWTGATE_WHY("IV of the wrong length for enc");
        goto failed;
    }

    memcpy(jwe->iv, buf, n);
    jwe->iv_len = n;

    n = jwtgate_b64url_decode(buf, data + off[4], plen[4]);
    if (n != jwtgate_enc_tag_len(jwe->enc)) {
        JWTGATE_WHY("tag of the wrong length for enc");
        goto failed;
    }

    memcpy(jwe->tag, buf, n);
    jwe->tag_len = n;

    /* ciphertext: never empty (the plaintext is JSON or a JWS); CBC in
     * whole blocks */
    if (plen[3] == 0) {
        JWTGATE_WHY("empty ciphertext");
        goto failed;
    }

    jwe->ct_len = jwtgate_b64url_decode(jwe->ct, data + off[3], plen[3]);
    if (jwe->ct_len == (size_t) -1) {
        JWTGATE_WHY("ciphertext is not base64url");
        goto failed;
    }

    if (jwtgate_enc_iv_len(jwe->enc) == 16 && jwe->ct_len % 16 != 0) {
        JWTGATE_WHY("CBC ciphertext not in whole blocks");
        goto failed;
    }

    *out = jwe;
    return JWTGATE_OK;

failed:

    jwtgate_jwe_free(jwe);
    return rc;
}


static jwtgate_rc_t
jwtgate_jwe_header(jwtgate_jwe_t *jwe, const jwtgate_jvalue_t *h,
    unsigned algs, unsigned encs, char *scratch, char *strings,
    const char **why)
{
    int                      alg, enc;
    size_t                   i, n;
    char                     name[32];
    const jwtgate_jvalue_t  *v;

    for (i = J_ALG; i <= J_APV; i++) {
        if (h[i].type != JWTGATE_JSON_ABSENT
            && h[i].type != JWTGATE_JSON_STRING)
        {
            JWTGATE_WHY("a header member that must be a string is not one");
            return JWTGATE_ERR_MALFORMED;
        }
    }

    if (h[J_ALG].type != JWTGATE_JSON_STRING) {
        JWTGATE_WHY("no alg");
        return JWTGATE_ERR_MALFORMED;
    }

    if (h[J_ENC].type != JWTGATE_JSON_STRING) {
        JWTGATE_WHY("no enc");
        return JWTGATE_ERR_MALFORMED;
    }

    /* alg: the names never supported first, with their own reasons */
    v = &h[J_ALG];

    if (v->len >= sizeof(name)) {
        JWTGATE_WHY("unsupported alg");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    jwtgate_jstring_copy(jwe->header_text, v, name);

    if (v->len == 6 && memcmp(name, "RSA1_5", 6) == 0) {
        JWTGATE_WHY("alg RSA1_5 is never supported (RFC 7516 11.5)");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    if (v->len >= 5 && memcmp(name, "PBES2", 5) == 0) {
        JWTGATE_WHY("alg PBES2 (password-based) is never supported");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    alg = jwtgate_jwe_alg_from_name(name, v->len);
    if (alg < 0) {
        JWTGATE_WHY("unsupported alg");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    if (!(algs & JWTGATE_JWE_BIT(alg))) {
        JWTGATE_WHY("alg not allowed");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    v = &h[J_ENC];

    if (v->len >= sizeof(name)) {
        JWTGATE_WHY("unsupported enc");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    jwtgate_jstring_copy(jwe->header_text, v, name);

    enc = jwtgate_enc_from_name(name, v->len);
    if (enc < 0) {
        JWTGATE_WHY("unsupported enc");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    if (!(encs & JWTGATE_JWE_BIT(enc))) {
        JWTGATE_WHY("enc not allowed");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    jwe->alg = (jwtgate_jwe_alg_t) alg;
    jwe->enc = (jwtgate_enc_t) enc;

    /* compression before encryption leaks the plaintext (and inflates) */
    if (h[J_ZIP].type != JWTGATE_JSON_ABSENT) {
        JWTGATE_WHY("zip (compression) is never supported");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    /* RFC 7516 4.1.13: we understand no extension, so any crit fails */
    v = &h[J_CRIT];
    if (v->type != JWTGATE_JSON_ABSENT) {
        if (v->type != JWTGATE_JSON_ARRAY || v->len == 0) {
            JWTGATE_WHY("crit is not a non-empty array");
            return JWTGATE_ERR_MALFORMED;
        }

        JWTGATE_WHY("crit names an extension not understood");
        return JWTGATE_ERR_UNSUPPORTED_CRIT;
    }

    /* p2s only goes with PBES2 */
    if (h[J_P2S].type != JWTGATE_JSON_ABSENT) {
        JWTGATE_WHY("p2s (PBES2) is never supported");
        return JWTGATE_ERR_UNSUPPORTED_ALG;
    }

    if (h[J_KID].type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(jwe->header_text, &h[J_KID], strings);
        jwe->kid = strings;
        jwe->kid_len = h[J_KID].len;
        strings += jwe->kid_len + 1;
    }

    if (h[J_TYP].type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(jwe->header_text, &h[J_TYP], strings);
        jwe->typ = strings;
        jwe->typ_len = h[J_TYP].len;
        strings += jwe->typ_len + 1;
    }

    if (h[J_CTY].type == JWTGATE_JSON_STRING) {
        jwtgate_jstring_copy(jwe->header_text, &h[J_CTY], scratch);

        n = jwtgate_media_type_norm(scratch, h[J_CTY].len, strings);
        if (n == (size_t) -1) {
            JWTGATE_WHY("cty is not a media type");
            return JWTGATE_ERR_MALFORMED;
        }

        strings[n] = '\0';
        jwe->cty = strings;
        jwe->cty_len = n;
    }

    /* A*GCMKW: the iv and tag of the key's encryption (RFC 7518 4.7.1) */
    if (jwe->alg >= JWTGATE_JWE_A128GCMKW && jwe->alg <= JWTGATE_JWE_A256GCMKW)
    {
        if (h[J_IV].type != JWTGATE_JSON_STRING
            || h[J_TAG].type != JWTGATE_JSON_STRING
            || h[J_IV].len != 16 || h[J_TAG].len != 22)
        {
            JWTGATE_WHY("A*GCMKW needs iv of 12 and tag of 16 bytes");
            return JWTGATE_ERR_MALFORMED;
        }

        if (jwtgate_jwe_b64_member(jwe->header_text, &h[J_IV], scratch,
                                   jwe->kw_iv, &n) != 0 || n != 12
            || jwtgate_jwe_b64_member(jwe->header_text, &h[J_TAG], scratch,
                                      jwe->kw_tag, &n) != 0 || n != 16)
        {
            JWTGATE_WHY("A*GCMKW needs iv of 12 and tag of 16 bytes");
            return JWTGATE_ERR_MALFORMED;
        }
    }

    if (!jwtgate_jwe_is_ecdh(jwe->alg)) {
        return JWTGATE_OK;
    }

    /* ECDH-ES: apu and apv (base64url), epk */
    if (h[J_APU].type == JWTGATE_JSON_STRING
        && jwtgate_jwe_b64_member(jwe->header_text, &h[J_APU], scratch,
                                  jwe->apu, &jwe->apu_len) != 0)
    {
        JWTGATE_WHY("apu is not base64url");
        return JWTGATE_ERR_MALFORMED;
    }

    if (h[J_APV].type == JWTGATE_JSON_STRING
        && jwtgate_jwe_b64_member(jwe->header_text, &h[J_APV], scratch,
                                  jwe->apv, &jwe->apv_len) != 0)
    {
        JWTGATE_WHY("apv is not base64url");
        return JWTGATE_ERR_MALFORMED;
    }

    if (h[J_EPK].type != JWTGATE_JSON_OBJECT) {
        JWTGATE_WHY("ECDH-ES without an epk object");
        return JWTGATE_ERR_BAD_EPK;
    }

    return jwtgate_jwe_read_epk(jwe, why);
}


/* epk: {"kty":"EC","crv":"P-256|P-384|P-521","x":..,"y":..} or
 * {"kty":"OKP","crv":"X25519","x":..}; its point is checked when it is
 * used, against the key's curve */

static jwtgate_rc_t
jwtgate_jwe_read_epk(jwtgate_jwe_t *jwe, const char **why)
{
    size_t          len, n;
    json_t         *root;
    const char     *kty, *crv, *x, *y;
    const json_t   *epk;
    jwtgate_rc_t    rc;
    unsigned char   buf[JWTGATE_EPK_MAX + 4];

    root = jwtgate_json_load(jwe->header_text, jwe->header_len);
    if (root == NULL) {
        return JWTGATE_ERR_INTERNAL;
    }

    rc = JWTGATE_ERR_BAD_EPK;
    JWTGATE_WHY("epk is not an EC or X25519 public key");

    epk = json_object_get(root, "epk");
    kty = json_string_value(json_object_get(epk, "kty"));
    crv = json_string_value(json_object_get(epk, "crv"));
    x = json_string_value(json_object_get(epk, "x"));
    y = json_string_value(json_object_get(epk, "y"));

    if (kty == NULL || crv == NULL || x == NULL) {
        goto done;
    }

    if (strcmp(kty, "EC") == 0 && y != NULL) {
        if (strcmp(crv, "P-256") == 0) {
            jwe->epk_crv = JWTGATE_CRV_P256;
            len = 32;

        } else if (strcmp(crv, "P-384") == 0) {
            jwe->epk_crv = JWTGATE_CRV_P384;
            len = 48;

        } else if (strcmp(crv, "P-521") == 0) {
            jwe->epk_crv = JWTGATE_CRV_P521;
            len = 66;

        } else {
            goto done;
        }

    } else if (strcmp(kty, "OKP") == 0 && strcmp(crv, "X25519") == 0) {
        jwe->epk_crv = JWTGATE_CRV_X25519;
        len = 32;
        y = NULL;

    } else {
        goto done;
    }

    /* each coordinate exactly the field's size (RFC 7518 6.2.1.2) */
    if (strlen(x) != jwtgate_b64url_encoded_len(len)
        || (y != NULL && strlen(y) != jwtgate_b64url_encoded_len(len)))
    {
        goto done;
    }

    n = jwtgate_b64url_decode(buf, x, strlen(x));
    if (n != len) {
        goto done;
    }

    memcpy(jwe->epk_x, buf, len);

    if (y != NULL) {
        n = jwtgate_b64url_decode(buf, y, strlen(y));
        if (n != len) {
            goto done;
        }

        memcpy(jwe->epk_y, buf, len);
    }

    jwe->epk_len = len;
    rc = JWTGATE_OK;
    JWTGATE_WHY(NULL);

done:

    if (rc != JWTGATE_OK) {
        jwe->epk_crv = 0;
    }

    json_decref(root);
    return rc;
}


/* a base64url string member, unescaped to scratch, decoded to dst (which
 * holds v->len bytes); 0, or -1 when it is not base64url */

static int
jwtgate_jwe_b64_member(const char *text, const jwtgate_jvalue_t *v,
    char *scratch, unsigned char *dst, size_t *len)
{
    jwtgate_jstring_copy(text, v, scratch);

    *len = jwtgate_b64url_decode(dst, scratch, v->len);

    return *len == (size_t) -1 ? -1 : 0;
}


int
jwtgate_jwe_is_ecdh(jwtgate_jwe_alg_t alg)
{
    return alg >= JWTGATE_JWE_ECDH_ES && alg <= JWTGATE_JWE_ECDH_ES_A256KW;
}


const unsigned char *
jwtgate_jwe_plaintext(const jwtgate_jwe_t *jwe, size_t *len)
{
    if (jwe->plaintext == NULL) {
        *len = 0;
        return NULL;
    }

    *len = jwe->plaintext_len;
    return jwe->plaintext;
}


jwtgate_jwe_alg_t
jwtgate_jwe_alg(const jwtgate_jwe_t *jwe)
{
    return jwe->alg;
}


jwtgate_enc_t
jwtgate_jwe_enc(const jwtgate_jwe_t *jwe)
{
    return jwe->enc;
}


const char *
jwtgate_jwe_kid(const jwtgate_jwe_t *jwe, size_t *len)
{
    *len = jwe->kid_len;
    return jwe->kid;
}


const char *
jwtgate_jwe_typ(const jwtgate_jwe_t *jwe, size_t *len)
{
    *len = jwe->typ_len;
    return jwe->typ;
}


const char *
jwtgate_jwe_cty(const jwtgate_jwe_t *jwe, size_t *len)
{
    *len = jwe->cty_len;
    return jwe->cty;
}


int
jwtgate_jwe_nested(const jwtgate_jwe_t *jwe)
{
    return jwe->cty != NULL && jwe->cty_len == 3
           && memcmp(jwe->cty, "jwt", 3) == 0;
}


const char *
jwtgate_jwe_header_text(const jwtgate_jwe_t *jwe, size_t *len)
{
    *len = jwe->header_len;
    return jwe->header_text;
}


void
jwtgate_jwe_free(jwtgate_jwe_t *jwe)
{
    if (jwe == NULL) {
        return;
    }

    if (jwe->plaintext != NULL) {
        OPENSSL_cleanse(jwe->plaintext,
                        jwe->ct_len + JWTGATE_JWE_OUT_EXTRA + 1);
        free(jwe->plaintext);
    }

    free(jwe);
}
