/*
 * What the unit tests share (fixtures.h): files of t/data, signing keys
 * and real signatures made with OpenSSL directly (never by the code under
 * test), key sets, and tokens with a dummy signature.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "fixtures.h"


/* files */

char *
fx_slurp(const char *name, size_t *len)
{
    long    n;
    char   *buf, path[256];
    FILE   *f;

    snprintf(path, sizeof(path), "%s/%s", JWTGATE_TEST_DATA, name);

    f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (run from the repository root)", path);
    }

    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);

    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    fclose(f);

    buf[n] = '\0';

    if (len != NULL) {
        *len = (size_t) n;
    }

    return buf;
}


fx_signer_t
fx_private_key(const char *name)
{
    char       path[256];
    FILE      *f;
    fx_signer_t   k;

    snprintf(path, sizeof(path), "%s/%s.pem", JWTGATE_TEST_DATA, name);

    f = fopen(path, "r");
    if (f == NULL) {
        fail_msg("cannot open %s (run from the repository root)", path);
    }

    memset(&k, 0, sizeof(k));
    k.pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k.pkey);

    return k;
}


/* the "k" of an oct JWK file */

fx_signer_t
fx_hmac_key(const char *name)
{
    char          *text;
    json_t        *jwk;
    fx_signer_t       k;
    const json_t  *v;

    text = fx_slurp(name, NULL);
    jwk = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(jwk);

    v = json_object_get(jwk, "k");
    assert_true(json_is_string(v));

    memset(&k, 0, sizeof(k));
    k.secret = malloc(jwtgate_b64url_decoded_len(json_string_length(v)) + 1);
    assert_non_null(k.secret);
    k.secret_len = jwtgate_b64url_decode(k.secret, json_string_value(v),
                                         json_string_length(v));
    assert_true(k.secret_len != (size_t) -1);

    json_decref(jwk);

    return k;
}


fx_signer_t
fx_secret_key(const void *bytes, size_t len)
{
    fx_signer_t  k;

    memset(&k, 0, sizeof(k));
    k.secret = malloc(len + 1);
    assert_non_null(k.secret);
    memcpy(k.secret, bytes, len);
    k.secret_len = len;

    return k;
}


void
fx_signer_free(fx_signer_t *k)
{
    EVP_PKEY_free(k->pkey);
    free(k->secret);
    memset(k, 0, sizeof(fx_signer_t));
}


/* signing */

static const EVP_MD *
alg_md(jwtgate_alg_t alg)
{
    switch (alg) {

    case JWTGATE_ALG_HS256:
    case JWTGATE_ALG_RS256:
    case JWTGATE_ALG_PS256:
    case JWTGATE_ALG_ES256:
        return EVP_sha256();

    case JWTGATE_ALG_HS384:
    case JWTGATE_ALG_RS384:
    case JWTGATE_ALG_PS384:
    case JWTGATE_ALG_ES384:
        return EVP_sha384();

    case JWTGATE_ALG_HS512:
    case JWTGATE_ALG_RS512:
    case JWTGATE_ALG_PS512:
    case JWTGATE_ALG_ES512:
        return EVP_sha512();

    default:
        return NULL;
    }
}


/* DER ECDSA-Sig-Value to r || s, each as long as the key's curve */

unsigned char *
fx_ecdsa_der_to_raw(const unsigned char *der, size_t der_len,
    EVP_PKEY *pkey, size_t *len)
{
    size_t                half;
    ECDSA_SIG            *sig;
    const BIGNUM         *r, *s;
    unsigned char        *raw;
    const unsigned char  *p;

    half = (size_t) (EVP_PKEY_get_bits(pkey) + 7) / 8;

    p = der;
    sig = d2i_ECDSA_SIG(NULL, &p, (long) der_len);
    assert_non_null(sig);

    ECDSA_SIG_get0(sig, &r, &s);

    raw = malloc(2 * half);
    assert_non_null(raw);
    assert_int_equal(BN_bn2binpad(r, raw, (int) half), (int) half);
    assert_int_equal(BN_bn2binpad(s, raw + half, (int) half), (int) half);

    ECDSA_SIG_free(sig);

    *len = 2 * half;
    return raw;
}


/* The JWS signature of input under alg.  der: ECDSA as OpenSSL gives
 * it, not converted. */

unsigned char *
fx_sign_bytes(jwtgate_alg_t alg, const fx_signer_t *k, const char *input,
    size_t *len, int der)
{
    int             pss;
    size_t          n;
    unsigned int    mac_len;
    EVP_MD_CTX     *ctx;
    EVP_PKEY_CTX   *pctx;
    unsigned char  *sig, *raw;
    const EVP_MD   *md;

    md = alg_md(alg);

    if (alg <= JWTGATE_ALG_HS512) {
        sig = malloc(EVP_MAX_MD_SIZE);
        assert_non_null(sig);
        assert_non_null(HMAC(md, k->secret, (int) k->secret_len,
                             (const unsigned char *) input, strlen(input),
                             sig, &mac_len));
        *len = mac_len;
        return sig;
    }

    pss = alg >= JWTGATE_ALG_PS256 && alg <= JWTGATE_ALG_PS512;

    ctx = EVP_MD_CTX_new();
    assert_non_null(ctx);

    pctx = NULL;
    assert_int_equal(EVP_DigestSignInit(ctx, &pctx, md, NULL, k->pkey), 1);

    if (pss) {
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx,
                                                      RSA_PKCS1_PSS_PADDING),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
                                                      RSA_PSS_SALTLEN_DIGEST),
                         1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md), 1);
    }

    assert_int_equal(EVP_DigestSign(ctx, NULL, &n,
                                    (const unsigned char *) input,
                                    strlen(input)),
                     1);

    sig = malloc(n);
    assert_non_null(sig);

    assert_int_equal(EVP_DigestSign(ctx, sig, &n,
                                    (const unsigned char *) input,
                                    strlen(input)),
                     1);

    EVP_MD_CTX_free(ctx);

    if (alg >= JWTGATE_ALG_ES256 && alg <= JWTGATE_ALG_ES512 && !der) {
        raw = fx_ecdsa_der_to_raw(sig, n, k->pkey, &n);
        free(sig);
        sig = raw;
    }

    *len = n;
    return sig;
}


/* "b64url(header).b64url(payload)" */

char *
fx_signing_input(const char *header, const char *payload)
{
    char    *s;
    size_t   n, hlen, plen;

    hlen = strlen(header);
    plen = strlen(payload);

    s = malloc(jwtgate_b64url_encoded_len(hlen)
               + jwtgate_b64url_encoded_len(plen) + 2);
    assert_non_null(s);

    n = jwtgate_b64url_encode(s, (const unsigned char *) header, hlen);
    s[n++] = '.';
    n += jwtgate_b64url_encode(s + n, (const unsigned char *) payload, plen);
    s[n] = '\0';

    return s;
}


/* "input.b64url(sig)" */

char *
fx_with_sig(const char *input, const unsigned char *sig, size_t len)
{
    char    *s;
    size_t   n;

    n = strlen(input);

    s = malloc(n + jwtgate_b64url_encoded_len(len) + 2);
    assert_non_null(s);

    memcpy(s, input, n);
    s[n++] = '.';
    n += jwtgate_b64url_encode(s + n, sig, len);
    s[n] = '\0';

    return s;
}


char *
fx_header_json(jwtgate_alg_t alg, const char *kid)
{
    char  *h;

    h = malloc(64 + (kid ? strlen(kid) : 0));
    assert_non_null(h);

    if (kid != NULL) {
        sprintf(h, "{\"alg\":\"%s\",\"kid\":\"%s\"}", jwtgate_alg_name(alg),
                kid);

    } else {
        sprintf(h, "{\"alg\":\"%s\"}", jwtgate_alg_name(alg));
    }

    return h;
}


/* a signed compact token, kid optional */

char *
fx_sign_token(jwtgate_alg_t alg, const char *kid, const char *payload,
    const fx_signer_t *k)
{
    char           *hdr, *input, *tok;
    size_t          len;
    unsigned char  *sig;

    hdr = fx_header_json(alg, kid);
    input = fx_signing_input(hdr, payload);
    sig = fx_sign_bytes(alg, k, input, &len, 0);
    tok = fx_with_sig(input, sig, len);

    free(sig);
    free(input);
    free(hdr);

    return tok;
}


/* key sets */

jwtgate_keyset_t *
fx_keyset(const char *text)
{
    jwtgate_keyset_t  *set;

    assert_int_equal(jwtgate_keyset_parse(text, strlen(text), NULL, NULL,
                                          &set),
                     JWTGATE_OK);
    assert_non_null(set);

    return set;
}


jwtgate_keyset_t *
fx_file_set(const char *name)
{
    char              *text;
    jwtgate_keyset_t  *set;

    text = fx_slurp(name, NULL);
    set = fx_keyset(text);
    free(text);

    return set;
}


/* tokens with a dummy signature, for what rejects before any crypto */

char *
fx_token_n(const char *header, size_t hlen, const char *payload,
    size_t plen, const char *sig)
{
    char    *tok;
    size_t   n, slen;

    slen = strlen(sig);

    tok = malloc(jwtgate_b64url_encoded_len(hlen)
                 + jwtgate_b64url_encoded_len(plen) + slen + 3);
    assert_non_null(tok);

    n = jwtgate_b64url_encode(tok, (const unsigned char *) header, hlen);
    tok[n++] = '.';
    n += jwtgate_b64url_encode(tok + n, (const unsigned char *) payload,
                               plen);
    tok[n++] = '.';
    memcpy(tok + n, sig, slen + 1);

    return tok;
}


char *
fx_token(const char *header, const char *payload)
{
    return fx_token_n(header, strlen(header), payload, strlen(payload),
                      "c2ln");
}


jwtgate_rc_t
fx_parse(const char *tok, const jwtgate_limits_t *limits, unsigned algs,
    jwtgate_token_t **t)
{
    jwtgate_rc_t      rc;
    jwtgate_limits_t  defaults;

    if (limits == NULL) {
        jwtgate_limits_init(&defaults);
        limits = &defaults;
    }

    rc = jwtgate_token_parse(tok, strlen(tok), limits, algs, t);

    if (rc != JWTGATE_OK) {
        assert_null(*t);
    }

    return rc;
}


jwtgate_rc_t
fx_parse_json(const char *header, const char *payload, jwtgate_token_t **t)
{
    char          *tok;
    jwtgate_rc_t   rc;

    tok = fx_token(header, payload);
    rc = fx_parse(tok, NULL, JWTGATE_ALGS_ALL, t);
    free(tok);

    return rc;
}


jwtgate_rc_t
fx_rc(const char *header, const char *payload)
{
    jwtgate_rc_t      rc;
    jwtgate_token_t  *t;

    rc = fx_parse_json(header, payload, &t);
    jwtgate_token_free(t);

    return rc;
}
