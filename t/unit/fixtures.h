/*
 * What the unit tests share (t/unit/fixtures.c, linked into every test):
 * files of t/data, signing keys and real signatures made with OpenSSL
 * directly (never by the code under test), key sets, and tokens with a
 * dummy signature for what rejects before any crypto.  Every helper fails
 * the running test (cmocka) when something it needs goes wrong.
 */

#ifndef JWTGATE_TEST_FIXTURES_H
#define JWTGATE_TEST_FIXTURES_H

#include <stddef.h>

#include <openssl/evp.h>

#include "jwtgate.h"


#ifndef JWTGATE_TEST_DATA
#define JWTGATE_TEST_DATA  "t/data"
#endif


/* a signing key: a private key, or an HMAC secret */

typedef struct {
    EVP_PKEY       *pkey;
    unsigned char  *secret;
    size_t          secret_len;
} fx_signer_t;


/* t/data/name, NUL-terminated and malloc'ed; its length to *len if not
 * NULL */
char *fx_slurp(const char *name, size_t *len);

/* t/data/name.pem; the "k" of the oct JWK file t/data/name; a copy of
 * len bytes as an HMAC secret */
fx_signer_t fx_private_key(const char *name);
fx_signer_t fx_hmac_key(const char *name);
fx_signer_t fx_secret_key(const void *bytes, size_t len);
void fx_signer_free(fx_signer_t *k);

/* DER ECDSA-Sig-Value to r || s, each as long as the key's curve */
unsigned char *fx_ecdsa_der_to_raw(const unsigned char *der, size_t der_len,
    EVP_PKEY *pkey, size_t *len);

/* The JWS signature of input under alg, malloc'ed.  der: ECDSA as
 * OpenSSL gives it, not converted. */
unsigned char *fx_sign_bytes(jwtgate_alg_t alg, const fx_signer_t *k,
    const char *input, size_t *len, int der);

/* "b64url(header).b64url(payload)"; "input.b64url(sig)"; the header
 * {"alg":...[,"kid":...]}; a signed compact token, kid optional: all
 * malloc'ed */
char *fx_signing_input(const char *header, const char *payload);
char *fx_with_sig(const char *input, const unsigned char *sig, size_t len);
char *fx_header_json(jwtgate_alg_t alg, const char *kid);
char *fx_sign_token(jwtgate_alg_t alg, const char *kid, const char *payload,
    const fx_signer_t *k);

/* a key set from JWK or JWKS text, or from the file t/data/name; it must
 * load */
jwtgate_keyset_t *fx_keyset(const char *text);
jwtgate_keyset_t *fx_file_set(const char *name);

/* "b64url(header).b64url(payload).sig" (fx_token: sig "c2ln"), malloc'ed */
char *fx_token_n(const char *header, size_t hlen, const char *payload,
    size_t plen, const char *sig);
char *fx_token(const char *header, const char *payload);

/* jwtgate_token_parse() under limits (NULL: the defaults); *t must be
 * NULL when it fails.  fx_parse_json: of fx_token(header, payload), the
 * default limits, every algorithm. */
jwtgate_rc_t fx_parse(const char *tok, const jwtgate_limits_t *limits,
    unsigned algs, jwtgate_token_t **t);
jwtgate_rc_t fx_parse_json(const char *header, const char *payload,
    jwtgate_token_t **t);
/* the reason of fx_parse_json(), the token freed */
jwtgate_rc_t fx_rc(const char *header, const char *payload);

#endif /* JWTGATE_TEST_FIXTURES_H */
