/*
 * make bench-core, JWE (issue 18): `bench_core --jwe`, microseconds per
 * decryption of a typical token, per key management algorithm and
 * content encryption, of
 *
 *   bare     the cheapest OpenSSL 3 sequence for the same work, set up
 *            beforehand as far as OpenSSL allows (contexts made and
 *            initialised once, ciphers, digests and MACs fetched once,
 *            the token's parts decoded once): RSA-OAEP EVP_PKEY_decrypt()
 *            of the encrypted key; AES key unwrap; AES-GCM key unwrap;
 *            ECDH-ES: the ephemeral public key made from its point
 *            (EVP_PKEY_fromdata(), which refuses a point off the curve;
 *            X25519: EVP_PKEY_new_raw_public_key()), EVP_PKEY_derive(),
 *            one SHA-256 of the Concat KDF (and the unwrap for +A*KW);
 *            then the content: AES-GCM with the header as AAD and the
 *            tag checked, or HMAC-SHA-256 of AAD || IV || ciphertext ||
 *            AL compared with the tag, then AES-CBC.  A nested token adds
 *            the bare verification of its inner JWS (bench_core.c's:
 *            EVP_PKEY_verify() on a digest computed once).
 *   decrypt  jwtgate_jwe_parse() (split, base64url, the header's JSON)
 *            and jwtgate_jwe_decrypt() (key choice by kid, the CEK, the
 *            content), free.
 *   whole    what a request's token costs the core (a JWE is never
 *            cached): the decrypt, then the claims (jwtgate_jwe_token(),
 *            jwtgate_check_claims()), or for a nested token its JWS
 *            (jwtgate_token_parse(), jwtgate_verify_signature(),
 *            jwtgate_check_claims()); free.
 *   parse    jwtgate_jwe_parse() and free alone: no crypto.
 *
 * and whole - bare, whole / bare.  Medians of ROUNDS rounds, the measures
 * interleaved within each round, the process's CPU time (bench_core.c).
 * Before the rounds the bare sequence must give the plaintext the core
 * gives, or the run stops.
 *
 * Tokens: build/bench-jwe.txt ($JWTGATE_BENCH_JWE), minted before the run
 * by Crypt::JWT (CryptX's primitives for ECDH-ES: t/lib/JWTGate/
 * JweMint.pm) with t/bench/mint-jwe.pl, never by the core: `bench_core
 * --jwe --specs` says what to mint (one line a token: id, alg, enc, kid,
 * "claims" or "nested", the JWS file in t/fuzz/corpus/token/ whose
 * payload is the claims, or which is the nested token's JWS).  The
 * claims are those of the RS256 row of bench_core.c (its 557-byte token,
 * exp in 2100).  Keys: t/data/jwe-keys.json (RSA 2048, P-256, X25519,
 * oct), the signature keys of the nested tokens t/data/jwks-all.json.
 *
 * tools/bench.sh reads the table by its first column, the row's name,
 * in the table whose first header is "JWE", and takes the column "bare
 * OpenSSL µs"; `--alg ID` (the row's id or name) runs one row,
 * `--bare-only` the bare sequence alone (the other columns "—": what
 * tools/bench.sh measures again after each of its JWE cases).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "bench_core.h"
#include "jwtgate_jwe_int.h"


typedef struct {
    const char  *id;            /* --alg, and the token's name */
    const char  *name;          /* the row's name */
    const char  *alg;
    const char  *enc;
    const char  *kid;
    const char  *jws;           /* t/fuzz/corpus/token/ file: the claims'
                                   source, or the nested token's JWS */
    int          nested;
    const char  *jws_alg;       /* nested: the inner JWS's alg and key */
    const char  *jws_pub;
    int          iterations;
} jwe_case_t;


/* the bare sequence, set up */
typedef struct {
    const jwtgate_jwe_t  *jwe;          /* parsed once, for its parts */
    const jwtgate_key_t  *key;          /* the decryption key */
    size_t                cek_len;
    unsigned char         cek[JWTGATE_CEK_MAX];
    unsigned char        *out;          /* the plaintext */
    size_t                out_len;

    /* key management */
    EVP_PKEY_CTX         *oaep;         /* decrypt, padding, digests set */
    unsigned char         oaep_out[JWTGATE_JWE_MAX_ENCRYPTED_KEY];
    EVP_CIPHER_CTX       *kw;           /* A*KW, +A*KW: keyed per token */
    EVP_CIPHER_CTX       *gcmkw;        /* A*GCMKW: keyed once */
    const unsigned char  *kek;          /* A*KW: the oct key */
    size_t                kek_len;
    EVP_PKEY_CTX         *derive;       /* ECDH: private key, initialised */
    EVP_PKEY_CTX         *fromdata;     /* ECDH on P-256: initialised */
    OSSL_PARAM            epk[3];
    unsigned char         point[1 + 2 * JWTGATE_EPK_MAX];
    char                  group[16];
    EVP_MD               *sha256;
    EVP_MD_CTX           *kdf;
    unsigned char         kdf_in[512];  /* round 1 || Z || OtherInfo */
    size_t                z_at, z_len, other_len, kdf_len;
    unsigned char         ecdh_kek[32];

    /* content */
    EVP_CIPHER_CTX       *content;      /* cipher set once */
    EVP_MAC_CTX          *hmac;         /* CBC-HMAC: digest set once */
    unsigned char         al[8];

    /* nested: the inner JWS */
    int                   jws;
    bare_t                jws_bare;
} jwe_bare_t;


static const jwe_case_t  jwe_cases[] = {
    { "rsa-oaep-a256gcm", "RSA-OAEP + A256GCM", "RSA-OAEP", "A256GCM",
      "rsa", "rs256", 0, NULL, NULL, 200 },
    { "rsa-oaep-256-a256gcm", "RSA-OAEP-256 + A256GCM", "RSA-OAEP-256",
      "A256GCM", "rsa", "rs256", 0, NULL, NULL, 200 },
    { "a128kw-a256gcm", "A128KW + A256GCM", "A128KW", "A256GCM", "oct16",
      "rs256", 0, NULL, NULL, 5000 },
    { "a256kw-a256gcm", "A256KW + A256GCM", "A256KW", "A256GCM", "oct32",
      "rs256", 0, NULL, NULL, 5000 },
    { "a256kw-a128cbc-hs256", "A256KW + A128CBC-HS256", "A256KW",
      "A128CBC-HS256", "oct32", "rs256", 0, NULL, NULL, 5000 },
    { "a256gcmkw-a256gcm", "A256GCMKW + A256GCM", "A256GCMKW", "A256GCM",
      "oct32", "rs256", 0, NULL, NULL, 5000 },
    { "dir-a256gcm", "dir + A256GCM", "dir", "A256GCM", "oct32", "rs256", 0,
      NULL, NULL, 5000 },
    { "ecdh-es-a256gcm-p256", "ECDH-ES + A256GCM, P-256", "ECDH-ES",
      "A256GCM", "p256", "rs256", 0, NULL, NULL, 300 },
    { "ecdh-es-a256gcm-x25519", "ECDH-ES + A256GCM, X25519", "ECDH-ES",
      "A256GCM", "x25519", "rs256", 0, NULL, NULL, 600 },
    { "ecdh-es+a256kw-a256gcm-p256", "ECDH-ES+A256KW + A256GCM, P-256",
      "ECDH-ES+A256KW", "A256GCM", "p256", "rs256", 0, NULL, NULL, 300 },
    { "ecdh-es+a256kw-a256gcm-x25519", "ECDH-ES+A256KW + A256GCM, X25519",
      "ECDH-ES+A256KW", "A256GCM", "x25519", "rs256", 0, NULL, NULL, 600 },
    { "nested-rs256-rsa-oaep-256", "RS256 in RSA-OAEP-256 + A256GCM",
      "RSA-OAEP-256", "A256GCM", "rsa", "rs256", 1, "RS256",
      "rsa1.pub.pem", 200 },
    { "nested-es256-ecdh-es-p256", "ES256 in ECDH-ES + A256GCM, P-256",
      "ECDH-ES", "A256GCM", "p256", "es256", 1, "ES256", "ec256.pub.pem",
      300 },
};


static jwtgate_keyset_t  *dset;
static jwtgate_keyset_t  *vset;


static char *
jwe_token(const char *file, const char *id, size_t *len)
{
    FILE    *f;
    char    *line, *tok;
    size_t   n, cap;
    ssize_t  got;

    f = fopen(file, "r");
    if (f == NULL) {
        perror(file);
        fprintf(stderr, "bench_core --jwe: make bench-core mints it\n");
        exit(1);
    }

    line = NULL;
    cap = 0;
    tok = NULL;
    n = strlen(id);

    /* "ID TOKEN" */
    while ((got = getline(&line, &cap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) {
            line[--got] = '\0';
        }

        if ((size_t) got > n + 1 && strncmp(line, id, n) == 0
            && line[n] == ' ')
        {
            tok = strdup(line + n + 1);
            break;
        }
    }

    free(line);
    fclose(f);

    if (tok == NULL) {
        fprintf(stderr, "bench_core --jwe: no token %s in %s\n", id, file);
        exit(1);
    }

    *len = strlen(tok);
    return tok;
}


static jwtgate_keyset_t *
read_set_flags(const char *path, unsigned flags)
{
    char              *text;
    size_t             len;
    jwtgate_keyset_t  *set;

    text = slurp(path, &len);

    if (jwtgate_keyset_parse_flags(text, len, flags, NULL, NULL, &set)
        != JWTGATE_OK)
    {
        fprintf(stderr, "%s: not a usable key set\n", path);
        exit(1);
    }

    free(text);
    return set;
}


/* the bare sequence: key management */

static int
bare_cek(jwe_bare_t *b)
{
    int                   n, fin;
    size_t                z_len, len;
    EVP_PKEY             *peer;
    const jwtgate_jwe_t  *jwe;

    jwe = b->jwe;

    switch (jwe->alg) {

    case JWTGATE_JWE_DIR:
        return 0;

    case JWTGATE_JWE_RSA_OAEP:
    case JWTGATE_JWE_RSA_OAEP_256:
        /* OpenSSL wants room for a modulus */
        len = sizeof(b->oaep_out);

        if (EVP_PKEY_decrypt(b->oaep, b->oaep_out, &len, jwe->ekey,
                             jwe->ekey_len) != 1
            || len != b->cek_len)
        {
            return -1;
        }

        memcpy(b->cek, b->oaep_out, len);
        return 0;

    case JWTGATE_JWE_A128KW:
    case JWTGATE_JWE_A256KW:
        break;

    case JWTGATE_JWE_A256GCMKW:
        return EVP_DecryptInit_ex2(b->gcmkw, NULL, NULL, jwe->kw_iv, NULL)
                   == 1
               && EVP_DecryptUpdate(b->gcmkw, b->cek, &n, jwe->ekey,
                                    (int) jwe->ekey_len) == 1
               && EVP_CIPHER_CTX_ctrl(b->gcmkw, EVP_CTRL_AEAD_SET_TAG, 16,
                                      (void *) jwe->kw_tag) == 1
               && EVP_DecryptFinal_ex(b->gcmkw, b->cek + n, &fin) == 1
               && (size_t) (n + fin) == b->cek_len ? 0 : -1;

    default:
        /* ECDH-ES, ECDH-ES+A256KW */
        peer = NULL;

        if (b->fromdata != NULL) {
            if (EVP_PKEY_fromdata(b->fromdata, &peer, EVP_PKEY_PUBLIC_KEY,
                                  b->epk) != 1)
            {
                return -1;
            }

        } else {
            peer = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
                                                  jwe->epk_x, 32);
            if (peer == NULL) {
                return -1;
            }
        }

        z_len = b->z_len;

        if (EVP_PKEY_derive_set_peer_ex(b->derive, peer, 0) != 1
            || EVP_PKEY_derive(b->derive, b->kdf_in + b->z_at, &z_len) != 1
            || z_len != b->z_len
            || EVP_DigestInit_ex2(b->kdf, b->sha256, NULL) != 1
            || EVP_DigestUpdate(b->kdf, b->kdf_in, b->other_len) != 1
            || EVP_DigestFinal_ex(b->kdf, jwe->alg == JWTGATE_JWE_ECDH_ES
                                          ? b->cek : b->ecdh_kek, NULL)
               != 1)
        {
            EVP_PKEY_free(peer);
            return -1;
        }

        EVP_PKEY_free(peer);

        if (jwe->alg == JWTGATE_JWE_ECDH_ES) {
            return 0;
        }

        b->kek = b->ecdh_kek;
        b->kek_len = 32;
        break;
    }

    /* AES key unwrap */
    return EVP_DecryptInit_ex2(b->kw, NULL, b->kek, NULL, NULL) == 1
           && EVP_DecryptUpdate(b->kw, b->cek, &n, jwe->ekey,
                                (int) jwe->ekey_len) == 1
           && EVP_DecryptFinal_ex(b->kw, b->cek + n, &fin) == 1
           && (size_t) (n + fin) == b->cek_len ? 0 : -1;
}


/* the bare sequence: the content */

static int
bare_content(jwe_bare_t *b)
{
    int                   n, fin;
    size_t                half, m_len;
    unsigned char         m[EVP_MAX_MD_SIZE];
    const jwtgate_jwe_t  *jwe;

    jwe = b->jwe;

    if (jwe->enc == JWTGATE_ENC_A256GCM) {
        if (EVP_DecryptInit_ex2(b->content, NULL, b->cek, jwe->iv, NULL)
               != 1
            || EVP_DecryptUpdate(b->content, NULL, &n,
                                 (const unsigned char *) jwe->aad,
                                 (int) jwe->aad_len) != 1
            || EVP_DecryptUpdate(b->content, b->out, &n, jwe->ct,
                                 (int) jwe->ct_len) != 1
            || EVP_CIPHER_CTX_ctrl(b->content, EVP_CTRL_AEAD_SET_TAG, 16,
                                   (void *) jwe->tag) != 1
            || EVP_DecryptFinal_ex(b->content, b->out + n, &fin) != 1)
        {
            return -1;
        }

        b->out_len = (size_t) (n + fin);
        return 0;
    }

    /* A128CBC-HS256 */
    half = b->cek_len / 2;
    m_len = 0;

    if (EVP_MAC_init(b->hmac, b->cek, half, NULL) != 1
        || EVP_MAC_update(b->hmac, (const unsigned char *) jwe->aad,
                          jwe->aad_len) != 1
        || EVP_MAC_update(b->hmac, jwe->iv, jwe->iv_len) != 1
        || EVP_MAC_update(b->hmac, jwe->ct, jwe->ct_len) != 1
        || EVP_MAC_update(b->hmac, b->al, sizeof(b->al)) != 1
        || EVP_MAC_final(b->hmac, m, &m_len, sizeof(m)) != 1
        || m_len != b->cek_len
        || CRYPTO_memcmp(m, jwe->tag, half) != 0
        || EVP_DecryptInit_ex2(b->content, NULL, b->cek + half, jwe->iv,
                               NULL) != 1
        || EVP_DecryptUpdate(b->content, b->out, &n, jwe->ct,
                             (int) jwe->ct_len) != 1
        || EVP_DecryptFinal_ex(b->content, b->out + n, &fin) != 1)
    {
        return -1;
    }

    b->out_len = (size_t) (n + fin);
    return 0;
}


static NOINLINE void
loop_jwe_bare(jwe_bare_t *b, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (bare_cek(b) != 0 || bare_content(b) != 0) {
            die("bare JWE decryption failed");
        }

        if (b->jws) {
            loop_bare(&b->jws_bare, 1);
        }
    }
}


/* the core: parse and decrypt (whole: and the claims or the inner JWS) */

static void
one_jwe(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int whole, int nested)
{
    size_t                   pt_len;
    jwtgate_rc_t             rc;
    jwtgate_jwe_t           *jwe;
    jwtgate_token_t         *token;
    const unsigned char     *pt;
    const jwtgate_keyset_t  *sets[1];

    token = NULL;

    rc = jwtgate_jwe_parse(tok, len, limits, JWTGATE_JWE_ALGS_ALL,
                           JWTGATE_ENCS_ALL, NULL, &jwe);

    if (rc == JWTGATE_OK) {
        sets[0] = dset;
        rc = jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, NULL, NULL);
    }

    if (rc == JWTGATE_OK && whole && nested) {
        pt = jwtgate_jwe_plaintext(jwe, &pt_len);
        rc = jwtgate_token_parse((const char *) pt, pt_len, limits,
                                 JWTGATE_ALGS_ALL, &token);

        if (rc == JWTGATE_OK) {
            sets[0] = vset;
            rc = jwtgate_verify_signature(token, sets, 1, NULL, NULL);
        }

    } else if (rc == JWTGATE_OK && whole) {
        /* as the glue at an encrypted location: public-key alg too */
        rc = jwtgate_jwe_token(jwe, limits, JWTGATE_PARSE_JWE_PUBLIC, NULL,
                               &token);
    }

    if (rc == JWTGATE_OK && whole) {
        rc = jwtgate_check_claims(token, policy);
    }

    if (rc != JWTGATE_OK) {
        fprintf(stderr, "bench JWE rejected: %s\n", jwtgate_strerror(rc));
        exit(1);
    }

    jwtgate_token_free(token);
    jwtgate_jwe_free(jwe);
}


static NOINLINE void
loop_jwe_decrypt(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        one_jwe(tok, len, limits, policy, 0, 0);
    }
}


static NOINLINE void
loop_jwe_whole(const char *tok, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_claims_policy_t *policy, int n, int nested)
{
    int  i;

    for (i = 0; i < n; i++) {
        one_jwe(tok, len, limits, policy, 1, nested);
    }
}


static NOINLINE void
loop_jwe_parse(const char *tok, size_t len, const jwtgate_limits_t *limits,
    int n)
{
    int             i;
    jwtgate_jwe_t  *jwe;

    for (i = 0; i < n; i++) {
        if (jwtgate_jwe_parse(tok, len, limits, JWTGATE_JWE_ALGS_ALL,
                              JWTGATE_ENCS_ALL, NULL, &jwe)
            != JWTGATE_OK)
        {
            die("JWE parse failed");
        }

        jwtgate_jwe_free(jwe);
    }
}


static void
put_be32(unsigned char *p, size_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}


/* ECDH: the derive context, the epk's import, the KDF's input around Z */

static void
bare_ecdh_setup(jwe_bare_t *b)
{
    size_t                at, id_len, clen;
    const char           *id;
    const jwtgate_jwe_t  *jwe;

    jwe = b->jwe;

    b->derive = EVP_PKEY_CTX_new_from_pkey(NULL, b->key->pkey, NULL);
    b->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    b->kdf = EVP_MD_CTX_new();

    if (b->derive == NULL || EVP_PKEY_derive_init(b->derive) != 1
        || b->sha256 == NULL || b->kdf == NULL)
    {
        die("ECDH setup");
    }

    if (jwe->epk_crv != JWTGATE_CRV_X25519) {
        clen = jwe->epk_len;
        b->point[0] = 0x04;
        memcpy(b->point + 1, jwe->epk_x, clen);
        memcpy(b->point + 1 + clen, jwe->epk_y, clen);
        strcpy(b->group, "prime256v1");
        b->epk[0] = OSSL_PARAM_construct_utf8_string(
                        OSSL_PKEY_PARAM_GROUP_NAME, b->group, 0);
        b->epk[1] = OSSL_PARAM_construct_octet_string(
                        OSSL_PKEY_PARAM_PUB_KEY, b->point, 1 + 2 * clen);
        b->epk[2] = OSSL_PARAM_construct_end();

        b->fromdata = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (b->fromdata == NULL || EVP_PKEY_fromdata_init(b->fromdata) != 1)
        {
            die("ECDH epk import setup");
        }

        b->z_len = 32;

    } else {
        b->z_len = 32;
    }

    /* round 1 || Z || len(id) id || len(apu) apu || len(apv) apv ||
     * keydatalen (RFC 7518 4.6.2) */
    if (jwe->alg == JWTGATE_JWE_ECDH_ES) {
        id = jwtgate_enc_name(jwe->enc);
        b->kdf_len = b->cek_len;

    } else {
        id = "ECDH-ES+A256KW";
        b->kdf_len = 32;
    }

    id_len = strlen(id);

    if (4 + b->z_len + 4 + id_len + 4 + jwe->apu_len + 4 + jwe->apv_len + 4
        > sizeof(b->kdf_in))
    {
        die("KDF input too long");
    }

    at = 0;
    put_be32(b->kdf_in, 1);
    at += 4;
    b->z_at = at;
    at += b->z_len;
    put_be32(b->kdf_in + at, id_len);
    memcpy(b->kdf_in + at + 4, id, id_len);
    at += 4 + id_len;
    put_be32(b->kdf_in + at, jwe->apu_len);
    if (jwe->apu_len) {
        memcpy(b->kdf_in + at + 4, jwe->apu, jwe->apu_len);
    }
    at += 4 + jwe->apu_len;
    put_be32(b->kdf_in + at, jwe->apv_len);
    if (jwe->apv_len) {
        memcpy(b->kdf_in + at + 4, jwe->apv, jwe->apv_len);
    }
    at += 4 + jwe->apv_len;
    put_be32(b->kdf_in + at, b->kdf_len * 8);
    at += 4;
    b->other_len = at;
}


static void
bare_jwe_setup(jwe_bare_t *b, const jwtgate_jwe_t *jwe,
    const jwtgate_key_t *key)
{
    int            ok;
    EVP_CIPHER    *c;
    uint64_t       bits;
    const EVP_MD  *md;
    OSSL_PARAM     params[2];
    EVP_MAC       *mac;
    int            i;

    memset(b, 0, sizeof(jwe_bare_t));
    b->jwe = jwe;
    b->key = key;
    b->cek_len = jwtgate_enc_key_len(jwe->enc);
    b->out = malloc(jwe->ct_len + JWTGATE_JWE_OUT_EXTRA);
    if (b->out == NULL) {
        die("out of memory");
    }

    if (jwe->enc != JWTGATE_ENC_A256GCM
        && jwe->enc != JWTGATE_ENC_A128CBC_HS256)
    {
        die("bench enc: A256GCM or A128CBC-HS256");
    }

    switch (jwe->alg) {

    case JWTGATE_JWE_DIR:
        memcpy(b->cek, key->secret, b->cek_len);
        break;

    case JWTGATE_JWE_RSA_OAEP:
    case JWTGATE_JWE_RSA_OAEP_256:
        md = jwe->alg == JWTGATE_JWE_RSA_OAEP ? EVP_sha1() : EVP_sha256();
        b->oaep = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);

        if (b->oaep == NULL || EVP_PKEY_decrypt_init(b->oaep) != 1
            || EVP_PKEY_CTX_set_rsa_padding(b->oaep, RSA_PKCS1_OAEP_PADDING)
               != 1
            || EVP_PKEY_CTX_set_rsa_oaep_md(b->oaep, md) != 1
            || EVP_PKEY_CTX_set_rsa_mgf1_md(b->oaep, md) != 1)
        {
            die("OAEP setup");
        }

        break;

    case JWTGATE_JWE_A128KW:
    case JWTGATE_JWE_A256KW:
        b->kek = key->secret;
        b->kek_len = key->secret_len;
        break;

    case JWTGATE_JWE_A256GCMKW:
        c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
        b->gcmkw = EVP_CIPHER_CTX_new();

        if (c == NULL || b->gcmkw == NULL
            || EVP_DecryptInit_ex2(b->gcmkw, c, key->secret, NULL, NULL)
               != 1)
        {
            die("GCM key wrap setup");
        }

        EVP_CIPHER_free(c);
        break;

    case JWTGATE_JWE_ECDH_ES:
    case JWTGATE_JWE_ECDH_ES_A256KW:
        bare_ecdh_setup(b);
        break;

    default:
        die("bench alg");
    }

    if (jwe->alg == JWTGATE_JWE_A128KW || jwe->alg == JWTGATE_JWE_A256KW
        || jwe->alg == JWTGATE_JWE_ECDH_ES_A256KW)
    {
        c = EVP_CIPHER_fetch(NULL, jwe->alg == JWTGATE_JWE_A128KW
                                   ? "AES-128-WRAP" : "AES-256-WRAP", NULL);
        b->kw = EVP_CIPHER_CTX_new();

        if (c == NULL || b->kw == NULL) {
            die("key wrap setup");
        }

        EVP_CIPHER_CTX_set_flags(b->kw, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);

        /* keyed per token (the +A256KW KEK comes from the KDF) */
        ok = EVP_DecryptInit_ex2(b->kw, c, NULL, NULL, NULL) == 1;
        EVP_CIPHER_free(c);

        if (!ok) {
            die("key wrap init");
        }
    }

    b->content = EVP_CIPHER_CTX_new();
    c = EVP_CIPHER_fetch(NULL, jwe->enc == JWTGATE_ENC_A256GCM
                               ? "AES-256-GCM" : "AES-128-CBC", NULL);

    if (b->content == NULL || c == NULL
        || EVP_DecryptInit_ex2(b->content, c, NULL, NULL, NULL) != 1)
    {
        die("content setup");
    }

    EVP_CIPHER_free(c);

    if (jwe->enc == JWTGATE_ENC_A128CBC_HS256) {
        mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
        b->hmac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                     (char *) "SHA256", 0);
        params[1] = OSSL_PARAM_construct_end();

        if (b->hmac == NULL || EVP_MAC_CTX_set_params(b->hmac, params) != 1)
        {
            die("HMAC setup");
        }

        EVP_MAC_free(mac);

        bits = (uint64_t) jwe->aad_len * 8;

        for (i = 7; i >= 0; i--) {
            b->al[i] = (unsigned char) (bits & 0xff);
            bits >>= 8;
        }
    }
}


static void
bare_jwe_free(jwe_bare_t *b)
{
    EVP_PKEY_CTX_free(b->oaep);
    EVP_CIPHER_CTX_free(b->kw);
    EVP_CIPHER_CTX_free(b->gcmkw);
    EVP_PKEY_CTX_free(b->derive);
    EVP_PKEY_CTX_free(b->fromdata);
    EVP_MD_free(b->sha256);
    EVP_MD_CTX_free(b->kdf);
    EVP_CIPHER_CTX_free(b->content);
    EVP_MAC_CTX_free(b->hmac);
    OPENSSL_cleanse(b->cek, sizeof(b->cek));
    free(b->out);

    if (b->jws) {
        bare_free(&b->jws_bare);
    }
}


static double
timed(int what, jwe_bare_t *b, const char *tok, size_t len,
    const jwtgate_limits_t *limits, const jwtgate_claims_policy_t *policy,
    int n, int nested)
{
    double  t0;

    t0 = now_us();

    switch (what) {

    case 0:
        loop_jwe_bare(b, n);
        break;

    case 1:
        loop_jwe_decrypt(tok, len, limits, policy, n);
        break;

    case 2:
        loop_jwe_whole(tok, len, limits, policy, n, nested);
        break;

    default:
        loop_jwe_parse(tok, len, limits, n);
        break;
    }

    return (now_us() - t0) / n;
}


int
bench_jwe(int argc, char **argv)
{
    int                       a, r, n, rounds, iterations, specs, bare_only;
    char                      path[256], *tok, *jws;
    size_t                    i, len, jws_len, pt_len, index;
    double                    m[4][ROUNDS], v[4];
    EVP_PKEY                 *pkey;
    jwe_bare_t                bs;
    const char               *only, *file;
    jwtgate_rc_t              rc;
    jwtgate_jwe_t            *jwe;
    const jwe_case_t         *c;
    jwtgate_limits_t          limits;
    const jwtgate_key_t      *key;
    const unsigned char      *pt;
    jwtgate_claims_policy_t   policy;
    const jwtgate_keyset_t   *sets[1];

    only = NULL;
    iterations = 0;
    rounds = ROUNDS;
    specs = 0;
    bare_only = 0;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--alg") == 0 && a + 1 < argc) {
            only = argv[++a];

        } else if (strcmp(argv[a], "--iterations") == 0 && a + 1 < argc) {
            iterations = atoi(argv[++a]);

        } else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) {
            rounds = atoi(argv[++a]);

        } else if (strcmp(argv[a], "--specs") == 0) {
            specs = 1;

        } else if (strcmp(argv[a], "--bare-only") == 0) {
            bare_only = 1;

        } else {
            fprintf(stderr, "usage: bench_core --jwe [--specs] [--alg NAME] "
                    "[--bare-only] [--iterations N] [--rounds R (1..%d)]\n",
                    ROUNDS);
            return 2;
        }
    }

    if (rounds < 1 || rounds > ROUNDS || iterations < 0) {
        fprintf(stderr, "bench_core: bad --rounds or --iterations\n");
        return 2;
    }

    if (specs) {
        /* what t/bench/mint-jwe.pl mints */
        for (i = 0; i < sizeof(jwe_cases) / sizeof(jwe_cases[0]); i++) {
            c = &jwe_cases[i];
            printf("%s %s %s %s %s t/fuzz/corpus/token/%s\n", c->id, c->alg,
                   c->enc, c->kid, c->nested ? "nested" : "claims", c->jws);
        }

        return 0;
    }

    file = getenv("JWTGATE_BENCH_JWE");
    if (file == NULL) {
        file = "build/bench-jwe.txt";
    }

    dset = read_set_flags("t/data/jwe-keys.json", JWTGATE_KEYSET_DECRYPT);
    vset = read_set_flags("t/data/jwks-all.json", 0);
    jwtgate_limits_init(&limits);

    memset(&policy, 0, sizeof(jwtgate_claims_policy_t));
    policy.now = time(NULL);
    policy.require_exp = 1;

    printf("| JWE | token bytes | bare OpenSSL µs | core decrypt µs "
           "| core whole µs | decrypt − bare µs | whole − bare µs "
           "| whole / bare | parse alone µs |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");

    for (i = 0; i < sizeof(jwe_cases) / sizeof(jwe_cases[0]); i++) {
        c = &jwe_cases[i];

        if (only != NULL && strcmp(only, c->id) != 0
            && strcmp(only, c->name) != 0)
        {
            continue;
        }

        tok = jwe_token(file, c->id, &len);
        n = iterations ? iterations : c->iterations;

        /* parsed and decrypted once by the core: the parts, the key and
         * the plaintext the bare sequence must give too */
        rc = jwtgate_jwe_parse(tok, len, &limits, JWTGATE_JWE_ALGS_ALL,
                               JWTGATE_ENCS_ALL, NULL, &jwe);
        if (rc != JWTGATE_OK) {
            die(jwtgate_strerror(rc));
        }

        if (strcmp(jwtgate_jwe_alg_name(jwtgate_jwe_alg(jwe)), c->alg) != 0
            || strcmp(jwtgate_enc_name(jwtgate_jwe_enc(jwe)), c->enc) != 0
            || jwtgate_jwe_nested(jwe) != c->nested)
        {
            fprintf(stderr, "bench_core --jwe: %s is not %s %s\n", c->id,
                    c->alg, c->enc);
            return 1;
        }

        sets[0] = dset;
        rc = jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, &key, &index);
        if (rc != JWTGATE_OK) {
            die(jwtgate_strerror(rc));
        }

        pt = jwtgate_jwe_plaintext(jwe, &pt_len);

        bare_jwe_setup(&bs, jwe, key);

        if (c->nested) {
            pkey = read_pub(c->jws_pub);
            snprintf(path, sizeof(path), "t/fuzz/corpus/token/%s", c->jws);
            jws = slurp(path, &jws_len);

            if (jws_len != pt_len || memcmp(jws, pt, pt_len) != 0) {
                fprintf(stderr, "bench_core --jwe: %s does not hold %s\n",
                        c->id, path);
                return 1;
            }

            /* the plaintext is the JWS: its signature, bare */
            bare_setup(&bs.jws_bare, c->jws_alg, (const char *) pt, pt_len,
                       pkey);
            bs.jws = 1;
            EVP_PKEY_free(pkey);
            free(jws);
        }

        loop_jwe_bare(&bs, 1);

        if (bs.out_len != pt_len || memcmp(bs.out, pt, pt_len) != 0) {
            fprintf(stderr, "bench_core --jwe: %s: the bare sequence does "
                    "not give the core's plaintext\n", c->id);
            return 1;
        }

        for (r = 0; r < rounds; r++) {
            for (a = 0; a < (bare_only ? 1 : 4); a++) {
                m[a][r] = timed(a, &bs, tok, len, &limits, &policy,
                                a == 3 && !iterations ? 10000 : n,
                                c->nested);
            }
        }

        if (bare_only) {
            printf("| %s | %zu | %.2f | — | — | — | — | — | — |\n", c->name,
                   len, median(m[0], rounds));
            fflush(stdout);
            goto next;
        }

        for (a = 0; a < 4; a++) {
            v[a] = median(m[a], rounds);
        }

        printf("| %s | %zu | %.2f | %.2f | %.2f | %+.2f | %+.2f | %.3f "
               "| %.2f |\n", c->name, len, v[0], v[1], v[2], v[1] - v[0],
               v[2] - v[0], v[2] / v[0], v[3]);
        fflush(stdout);

    next:

        bare_jwe_free(&bs);
        jwtgate_jwe_free(jwe);
        free(tok);
    }

    jwtgate_keyset_free(dset);
    jwtgate_keyset_free(vset);

    return 0;
}
