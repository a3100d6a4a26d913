/*
 * Published test vectors through the public API: RFC 7515 Appendix A,
 * RFC 8037 Appendix A, RFC 7517 Appendix A.1 and RFC 7520 section 4.
 *
 * Every string below was checked outside this project before it was
 * written here: the HMAC signatures recomputed (Digest::SHA; A.1 also
 * with openssl dgst -mac HMAC), the RSA and ECDSA signatures verified
 * with openssl dgst -verify and with Crypt::JWT, the Ed25519 signature
 * recomputed from the RFC's private key with openssl pkeyutl (Ed25519 is
 * deterministic), the RFC 7517 RSA key checked against its RFC 7638
 * thumbprint and its EC key with openssl pkey -pubcheck; the decoded
 * headers and payloads compared with the RFCs' JSON and text; and the
 * strings as compiled here verified once more with Crypt::JWT.
 *
 * RFC 7515 A.4, RFC 8037 A.4 and RFC 7520 section 4 sign payloads that are
 * not JSON: they are JWS but not JWT, and jwtgate_token_parse() rightly
 * rejects them.  Their signatures are checked by building the token
 * directly (raw_token() below, which needs the core's internal header).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate_int.h"
#include "fixtures.h"


/* exp of the RFC 7515 A.1 - A.3 claims */
#define RFC7515_EXP  1300819380


/* RFC 7515 Appendix A.1: HS256 */

static const char  rfc7515_a1_jwk[] =
    "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJ"
    "QLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}";

static const char  rfc7515_a1_jws[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJ"
    "leHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp"
    "0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/* RFC 7515 Appendix A.2: RS256 */

static const char  rfc7515_a2_jwk[] =
    "{\"kty\":\"RSA\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcy"
    "QoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-S"
    "Fd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf"
    "63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtd"
    "VMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9"
    "_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\""
    "}";

static const char  rfc7515_a2_jws[] =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODA"
    "sDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Ee"
    "tdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Q"
    "c_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--"
    "f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN"
    "9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6I"
    "eYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypG"
    "lUPQGe77Rw";

/* RFC 7515 Appendix A.3: ES256 */

static const char  rfc7515_a3_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1"
    "gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCySt"
    "ikYjKIWI5a0\"}";

static const char  rfc7515_a3_jws[] =
    "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODA"
    "sDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8"
    "L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqP"
    "P3-Kg6NU1Q";

/* RFC 7515 Appendix A.4: ES512; the payload is the text "Payload" */

static const char  rfc7515_a4_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AekpBQ8ST8a8VcfVOTNl35"
    "3vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQ"
    "Gk\",\"y\":\"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1W"
    "DhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}";

static const char  rfc7515_a4_jws[] =
    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.AdwMgeerwtHoh-l192l60hp9wAHZFVJb"
    "LfD_UxMi70cwnZOYaRI1bKPWROc-mZZqwqT2SI-KGDKB34XO0aw_7XdtAG8GaSwF"
    "KdCAPZgoXD2YBJZCPEX3xKpRwcdOO8KpEHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9E"
    "RBXukOXolLzeO_Jn";

/* RFC 7515 Appendix A.5: unsecured JWS, alg "none", empty signature */

static const char  rfc7515_a5_jws[] =
    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAs"
    "DQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.";

/* RFC 8037 Appendix A.2 (public key) and A.4 (JWS) */

static const char  rfc8037_jwk[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQ"
    "HOg7hcvPapiMlrwIaaPcHURo\"}";

static const char  rfc8037_a4_jws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il"
    "_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g"
    "7sVvpAr_MuM0KAg";

/* RFC 7517 Appendix A.1: example public keys */

static const char  rfc7517_a1_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"MKBCTNIcKUS"
    "Dii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\",\"y\":\"4Etl6SRW2YiLUrN5vfvVH"
    "uhp7x8PxltmWWlbbM4IFyM\",\"use\":\"enc\",\"kid\":\"1\"},{\"kty\""
    ":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78"
    "LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3okn"
    "jhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91Cb"
    "OpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBn"
    "iIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\",\"e\":\"AQAB\",\"alg\""
    ":\"RS256\",\"kid\":\"2011-04-29\"}]}";

/* RFC 7520 section 3: keys (3.1 EC P-521, 3.3 RSA, 3.5 oct) */

static const char  rfc7520_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"bilbo.baggins@hobbiton.exam"
    "ple\",\"use\":\"sig\",\"crv\":\"P-521\",\"x\":\"AHKZLLOsCOzz5cY9"
    "7ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYg"
    "CF5cj0Kt\",\"y\":\"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5"
    "OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1\"},{\"kty\":\"RSA\","
    "\"kid\":\"bilbo.baggins@hobbiton.example\",\"use\":\"sig\",\"n\""
    ":\"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2j"
    "RojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiW"
    "N2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1"
    "E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb"
    "9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhua"
    "xwUkRz5iaiQkqgc5gHdrNP5zw\",\"e\":\"AQAB\"},{\"kty\":\"oct\",\"k"
    "id\":\"018c0ae5-4d9b-471b-bfd6-eef314bc7037\",\"use\":\"sig\",\""
    "alg\":\"HS256\",\"k\":\"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxC"
    "cYg\"}]}";

/* RFC 7520 section 4: JWS compact serializations; the payload is a
 * plain-text quotation, not JSON */

static const char  rfc7520_4_1_jws[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhh"
    "bXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmc"
    "gb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHl"
    "vdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2h"
    "lcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.MRjdkly7_-oTPTS3AXP41iQ"
    "IGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp8"
    "3xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv74"
    "6iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9Uz"
    "pERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI"
    "-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg";

static const char  rfc7520_4_2_jws[] =
    "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhh"
    "bXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmc"
    "gb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHl"
    "vdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2h"
    "lcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.cu22eBqkYDKgIlTpzDXGvaF"
    "fz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP"
    "6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWV"
    "sdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9sh"
    "nr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64"
    "QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw";

static const char  rfc7520_4_3_jws[] =
    "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhh"
    "bXBsZSJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmc"
    "gb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHl"
    "vdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2h"
    "lcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.AE_R_YZCChjn4791jSQCrdP"
    "ZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1e"
    "JAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABls"
    "bEPX6sFY8OcGDqoRuBomu9xQ2";

static const char  rfc7520_4_4_jws[] =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVl"
    "ZjMxNGJjNzAzNyJ9.SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbyw"
    "gZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5"
    "kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3d"
    "pbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4.s0h6KThzkfBBBkL"
    "spW1h84VsJZFTsPPqMDA7g1Md7p0";


/* helpers */

static jwtgate_keyset_t *
load_set(const char *json, size_t count)
{
    jwtgate_keyset_t  *set;

    set = fx_keyset(json);
    assert_int_equal(jwtgate_keyset_count(set), count);

    return set;
}


static jwtgate_rc_t
parse(const char *jws, jwtgate_token_t **t)
{
    return fx_parse(jws, NULL, JWTGATE_ALGS_ALL, t);
}


static jwtgate_rc_t
verify(const jwtgate_token_t *t, const jwtgate_keyset_t *set,
    const jwtgate_key_t **key)
{
    const jwtgate_keyset_t  *sets[1];

    sets[0] = set;

    return jwtgate_verify_signature(t, sets, 1, key, NULL);
}


/* The compact token with one bit of its signature flipped, re-encoded
 * canonically.  The caller frees it. */

static char *
flip_sig_bit(const char *jws)
{
    char           *out;
    size_t          head, len, n;
    const char     *dot;
    unsigned char  *sig;

    dot = strrchr(jws, '.');
    assert_non_null(dot);

    head = (size_t) (dot - jws) + 1;
    len = strlen(dot + 1);

    sig = malloc(jwtgate_b64url_decoded_len(len) + 1);
    assert_non_null(sig);

    n = jwtgate_b64url_decode(sig, dot + 1, len);
    assert_true(n != (size_t) -1 && n > 0);

    sig[n / 3] ^= 0x01;

    out = malloc(head + jwtgate_b64url_encoded_len(n) + 1);
    assert_non_null(out);

    memcpy(out, jws, head);
    len = jwtgate_b64url_encode(out + head, sig, n);
    out[head + len] = '\0';

    free(sig);

    return out;
}


/* A token built like jwtgate_token_parse() builds one, but without the
 * payload's JSON checks, for the vectors whose payload is not JSON. */

static jwtgate_token_t *
raw_token(const char *jws)
{
    int                  alg;
    size_t               n;
    const json_t        *v;
    unsigned char       *hdr;
    jwtgate_token_t     *t;
    jwtgate_segments_t   seg;

    assert_int_equal(jwtgate_split(jws, strlen(jws), &seg), JWTGATE_OK);

    /* one block, as jwtgate_token_free() expects: the token, the
     * signing input, the signature */
    t = calloc(1, sizeof(jwtgate_token_t) + seg.sig_off - 1
                  + jwtgate_b64url_decoded_len(seg.sig_len));
    assert_non_null(t);

    t->signing_input = (char *) (t + 1);
    t->signing_len = seg.sig_off - 1;
    memcpy(t->signing_input, jws, t->signing_len);
    t->sig = (unsigned char *) t->signing_input + t->signing_len;

    hdr = malloc(jwtgate_b64url_decoded_len(seg.header_len) + 1);
    assert_non_null(hdr);

    n = jwtgate_b64url_decode(hdr, jws, seg.header_len);
    assert_true(n != (size_t) -1);

    /* the cached tree: jwtgate_token_free() releases it */
    t->header = json_loadb((char *) hdr, n, JSON_REJECT_DUPLICATES, NULL);
    free(hdr);
    assert_non_null(t->header);

    v = json_object_get(t->header, "alg");
    alg = jwtgate_alg_from_name(json_string_value(v), json_string_length(v));
    assert_true(alg >= 0);
    t->alg = (jwtgate_alg_t) alg;

    v = json_object_get(t->header, "kid");
    if (v != NULL) {
        t->kid = json_string_value(v);
        t->kid_len = json_string_length(v);
    }

    t->sig_len = jwtgate_b64url_decode(t->sig, jws + seg.sig_off,
                                       seg.sig_len);
    assert_true(t->sig_len != (size_t) -1);

    return t;
}


/* A JWT vector: parses, verifies, carries the RFC 7515 claims, and fails
 * with one signature bit flipped. */

static void
check_jwt_vector(const jwtgate_keyset_t *set, const char *jws,
    jwtgate_alg_t alg)
{
    char                    *bad;
    double                   exp;
    jwtgate_token_t         *t;
    const jwtgate_key_t     *key;
    jwtgate_claims_policy_t  policy;
    static const char       *issuers[] = { "joe" };

    assert_int_equal(parse(jws, &t), JWTGATE_OK);
    assert_int_equal(jwtgate_token_alg(t), alg);
    assert_null(jwtgate_token_kid(t));

    key = NULL;
    assert_int_equal(verify(t, set, &key), JWTGATE_OK);
    assert_non_null(key);

    assert_int_equal(jwtgate_token_exp(t, &exp), 0);
    assert_true(exp == RFC7515_EXP);

    memset(&policy, 0, sizeof(policy));
    policy.require_exp = 1;
    policy.issuers = issuers;
    policy.n_issuers = 1;

    policy.now = RFC7515_EXP - 1;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_OK);

    policy.now = RFC7515_EXP;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_ERR_EXPIRED);

    policy.leeway = 1;
    assert_int_equal(jwtgate_check_claims(t, &policy), JWTGATE_OK);

    jwtgate_token_free(t);

    bad = flip_sig_bit(jws);
    assert_int_equal(parse(bad, &t), JWTGATE_OK);
    assert_int_equal(verify(t, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    jwtgate_token_free(t);
    free(bad);
}


/* A JWS vector whose payload is not JSON: jwtgate_token_parse() rejects
 * it for the payload alone, and its signature verifies. */

static const jwtgate_key_t *
check_jws_vector(const jwtgate_keyset_t *set, const char *jws,
    jwtgate_alg_t alg, const char *kid)
{
    char                 *json;
    size_t                head;
    const char           *p;
    jwtgate_token_t      *t;
    const jwtgate_key_t  *key;

    assert_int_equal(parse(jws, &t), JWTGATE_ERR_MALFORMED);
    assert_null(t);

    /* the same header and signature around "{}" parse: the payload was
     * the only reason */
    p = strchr(jws, '.');
    assert_non_null(p);
    head = (size_t) (p - jws);

    json = malloc(head + 5 + strlen(strrchr(jws, '.')) + 1);
    assert_non_null(json);
    memcpy(json, jws, head);
    strcpy(json + head, ".e30");
    strcat(json, strrchr(jws, '.'));

    assert_int_equal(parse(json, &t), JWTGATE_OK);
    jwtgate_token_free(t);
    free(json);

    t = raw_token(jws);
    assert_int_equal(t->alg, alg);

    if (kid == NULL) {
        assert_null(t->kid);

    } else {
        assert_string_equal(t->kid, kid);
    }

    key = NULL;
    assert_int_equal(verify(t, set, &key), JWTGATE_OK);
    assert_non_null(key);

    t->sig[t->sig_len / 3] ^= 0x01;
    assert_int_equal(verify(t, set, NULL), JWTGATE_ERR_BAD_SIGNATURE);
    t->sig[t->sig_len / 3] ^= 0x01;
    assert_int_equal(verify(t, set, NULL), JWTGATE_OK);

    jwtgate_token_free(t);

    return key;
}


/* RFC 7515 Appendix A */

static void
test_rfc7515_a1_hs256(void **state)
{
    size_t             len;
    const char        *text;
    const json_t      *v;
    jwtgate_token_t   *t;
    jwtgate_keyset_t  *set;
    static const char *path[] = { "http://example.com/is_root" };

    (void) state;

    set = load_set(rfc7515_a1_jwk, 1);
    assert_int_equal(jwtgate_keyset_algs(set), JWTGATE_ALGS_HMAC);

    check_jwt_vector(set, rfc7515_a1_jws, JWTGATE_ALG_HS256);

    /* the JSON texts of the RFC, CRLF line breaks and all */
    assert_int_equal(parse(rfc7515_a1_jws, &t), JWTGATE_OK);

    text = jwtgate_token_payload_text(t, &len);
    assert_int_equal(len, strlen("{\"iss\":\"joe\",\r\n"
                                 " \"exp\":1300819380,\r\n"
                                 " \"http://example.com/is_root\":true}"));
    assert_memory_equal(text, "{\"iss\":\"joe\",\r\n"
                              " \"exp\":1300819380,\r\n"
                              " \"http://example.com/is_root\":true}", len);

    v = json_object_get(jwtgate_token_header(t), "typ");
    assert_string_equal(json_string_value(v), "JWT");

    v = jwtgate_json_path(jwtgate_token_payload(t), path, 1);
    assert_true(json_is_true(v));

    jwtgate_token_free(t);
    jwtgate_keyset_free(set);
}


static void
test_rfc7515_a2_rs256(void **state)
{
    jwtgate_keyset_t  *set;

    (void) state;

    set = load_set(rfc7515_a2_jwk, 1);
    check_jwt_vector(set, rfc7515_a2_jws, JWTGATE_ALG_RS256);
    jwtgate_keyset_free(set);
}


static void
test_rfc7515_a3_es256(void **state)
{
    jwtgate_keyset_t  *set;

    (void) state;

    set = load_set(rfc7515_a3_jwk, 1);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_ES256));
    check_jwt_vector(set, rfc7515_a3_jws, JWTGATE_ALG_ES256);
    jwtgate_keyset_free(set);
}


static void
test_rfc7515_a4_es512(void **state)
{
    size_t             len;
    jwtgate_keyset_t  *set;
    jwtgate_token_t   *t;

    (void) state;

    set = load_set(rfc7515_a4_jwk, 1);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_ES512));

    check_jws_vector(set, rfc7515_a4_jws, JWTGATE_ALG_ES512, NULL);

    /* 66-byte coordinates: r and s are 66 bytes each */
    t = raw_token(rfc7515_a4_jws);
    len = t->sig_len;
    jwtgate_token_free(t);
    assert_int_equal(len, 132);

    jwtgate_keyset_free(set);
}


static void
test_rfc7515_a5_none(void **state)
{
    char             *tok;
    size_t            len;
    jwtgate_token_t  *t;

    (void) state;

    /* as published, with its empty signature: refused for its alg */
    assert_int_equal(parse(rfc7515_a5_jws, &t),
                     JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_null(t);

    /* with a signature added, by the algorithm */
    len = strlen(rfc7515_a5_jws);
    tok = malloc(len + sizeof("c2ln"));
    assert_non_null(tok);
    memcpy(tok, rfc7515_a5_jws, len);
    memcpy(tok + len, "c2ln", sizeof("c2ln"));

    assert_int_equal(parse(tok, &t), JWTGATE_ERR_UNSUPPORTED_ALG);
    assert_null(t);

    free(tok);
}


static void
test_rfc7515_vectors_across_sets(void **state)
{
    size_t                   i, idx;
    jwtgate_token_t         *t;
    jwtgate_keyset_t        *sets[3];
    const jwtgate_key_t     *key;
    static const char *const jws[] = {
        rfc7515_a1_jws, rfc7515_a2_jws, rfc7515_a3_jws
    };

    (void) state;

    sets[0] = load_set(rfc7515_a1_jwk, 1);
    sets[1] = load_set(rfc7515_a2_jwk, 1);
    sets[2] = load_set(rfc7515_a3_jwk, 1);

    for (i = 0; i < 3; i++) {
        assert_int_equal(parse(jws[i], &t), JWTGATE_OK);

        key = NULL;
        idx = 99;
        assert_int_equal(jwtgate_verify_signature(t,
                             (const jwtgate_keyset_t *const *) sets, 3,
                             &key, &idx),
                         JWTGATE_OK);
        assert_int_equal(idx, i);
        assert_ptr_equal(key, &sets[i]->keys[0]);
        assert_null(jwtgate_key_kid(key));

        /* no other set holds a key for it */
        assert_int_equal(verify(t, sets[(i + 1) % 3], NULL),
                         JWTGATE_ERR_ALG_KEY_MISMATCH);

        jwtgate_token_free(t);
    }

    for (i = 0; i < 3; i++) {
        jwtgate_keyset_free(sets[i]);
    }
}


/* RFC 8037 Appendix A.4: Ed25519 */

static void
test_rfc8037_a4_ed25519(void **state)
{
    jwtgate_keyset_t  *set;

    (void) state;

    set = load_set(rfc8037_jwk, 1);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_EDDSA));
    check_jws_vector(set, rfc8037_a4_jws, JWTGATE_ALG_EDDSA, NULL);
    jwtgate_keyset_free(set);
}


/* RFC 7517 Appendix A.1 */

typedef struct {
    size_t       calls;
    size_t       index;
    char         kid[16];
    const char  *reason;
} skipped_t;


static void
record_skip(void *data, size_t index, const char *kid, const char *reason)
{
    skipped_t  *s;

    s = data;
    s->calls++;
    s->index = index;
    s->reason = reason;
    strncpy(s->kid, kid != NULL ? kid : "(null)", sizeof(s->kid) - 1);
}


static void
test_rfc7517_a1_public_keys(void **state)
{
    char              *text, *p;
    skipped_t          skipped;
    jwtgate_rc_t       rc;
    jwtgate_keyset_t  *set;

    (void) state;

    /* the EC key is "use":"enc": a verifier skips it */
    memset(&skipped, 0, sizeof(skipped));
    rc = jwtgate_keyset_parse(rfc7517_a1_jwks, strlen(rfc7517_a1_jwks),
                              record_skip, &skipped, &set);
    assert_int_equal(rc, JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_count(set), 1);
    assert_int_equal(skipped.calls, 1);
    assert_int_equal(skipped.index, 0);
    assert_string_equal(skipped.kid, "1");
    assert_non_null(skipped.reason);
    assert_string_equal(jwtgate_key_kid(&set->keys[0]), "2011-04-29");
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256));
    jwtgate_keyset_free(set);

    /* as a signing key both load: the EC point is on P-256 */
    text = malloc(sizeof(rfc7517_a1_jwks));
    assert_non_null(text);
    memcpy(text, rfc7517_a1_jwks, sizeof(rfc7517_a1_jwks));
    p = strstr(text, "\"use\":\"enc\"");
    assert_non_null(p);
    memcpy(p, "\"use\":\"sig\"", 11);

    memset(&skipped, 0, sizeof(skipped));
    rc = jwtgate_keyset_parse(text, strlen(text), record_skip, &skipped,
                              &set);
    assert_int_equal(rc, JWTGATE_OK);
    assert_int_equal(jwtgate_keyset_count(set), 2);
    assert_int_equal(skipped.calls, 0);
    assert_int_equal(jwtgate_keyset_algs(set),
                     JWTGATE_ALG_BIT(JWTGATE_ALG_RS256)
                     | JWTGATE_ALG_BIT(JWTGATE_ALG_ES256));
    jwtgate_keyset_free(set);

    free(text);
}


/* RFC 7520 section 4 */

static void
test_rfc7520_4_signatures(void **state)
{
    jwtgate_keyset_t     *set;
    const jwtgate_key_t  *key;
    static const char    *bilbo = "bilbo.baggins@hobbiton.example";

    (void) state;

    /* the EC and the RSA key share a kid; the alg tells them apart */
    set = load_set(rfc7520_jwks, 3);

    key = check_jws_vector(set, rfc7520_4_1_jws, JWTGATE_ALG_RS256, bilbo);
    assert_int_equal(key->kty, JWTGATE_KTY_RSA);
    assert_string_equal(jwtgate_key_kid(key), bilbo);

    /* RSASSA-PSS is randomized; the published signature still verifies */
    key = check_jws_vector(set, rfc7520_4_2_jws, JWTGATE_ALG_PS384, bilbo);
    assert_int_equal(key->kty, JWTGATE_KTY_RSA);

    key = check_jws_vector(set, rfc7520_4_3_jws, JWTGATE_ALG_ES512, bilbo);
    assert_int_equal(key->kty, JWTGATE_KTY_EC);

    key = check_jws_vector(set, rfc7520_4_4_jws, JWTGATE_ALG_HS256,
                           "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
    assert_int_equal(key->kty, JWTGATE_KTY_OCT);

    jwtgate_keyset_free(set);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_rfc7515_a1_hs256),
        cmocka_unit_test(test_rfc7515_a2_rs256),
        cmocka_unit_test(test_rfc7515_a3_es256),
        cmocka_unit_test(test_rfc7515_a4_es512),
        cmocka_unit_test(test_rfc7515_a5_none),
        cmocka_unit_test(test_rfc7515_vectors_across_sets),
        cmocka_unit_test(test_rfc8037_a4_ed25519),
        cmocka_unit_test(test_rfc7517_a1_public_keys),
        cmocka_unit_test(test_rfc7520_4_signatures),
    };

    return cmocka_run_group_tests_name("RFC vectors", tests, NULL, NULL);
}
