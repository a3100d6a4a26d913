/*
 * Published JWE examples through the public API: RFC 7516 Appendix A.1
 * (RSA-OAEP, A256GCM) and A.3 (A128KW, A128CBC-HS256) decrypt to their
 * plaintexts, A.2 (RSA1_5) is refused; RFC 7520 section 5: 5.2, 5.4,
 * 5.5, 5.6, 5.7 and 5.8 decrypt to Figure 72's text, 5.1 (RSA1_5), 5.3
 * (PBES2) and 5.9 (zip) are refused.
 *
 * The strings are the RFCs' (keys and compact serializations, the
 * line breaks the RFCs add for readability removed); they were taken
 * from the RFC texts as other JOSE implementations' test suites quote
 * them, and they can only pass here if copied exactly: a changed
 * character fails the tag.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"


/* RFC 7520 Figure 72, U+2013 as UTF-8 */
static const char  fig72[] =
    "You can trust us to stick with you through thick and "
    "thin\xe2\x80\x93to the bitter end. And you can trust us to "
    "keep any secret of yours\xe2\x80\x93" "closer than you keep it "
    "yourself. But you cannot trust us to let you face trouble "
    "alone, and go off without a word. We are your friends, Frodo.";


/* decrypts token with the one key jwk; the plaintext compared with want
 * (NULL: expect rc) */

static void
check(const char *jwk, const char *token, const char *want,
    jwtgate_rc_t expect)
{
    size_t                   len;
    jwtgate_rc_t             rc;
    jwtgate_jwe_t           *jwe;
    jwtgate_limits_t         limits;
    jwtgate_keyset_t        *set;
    const unsigned char     *pt;
    const jwtgate_keyset_t  *sets[1];

    jwtgate_limits_init(&limits);

    assert_int_equal(jwtgate_keyset_parse_flags(jwk, strlen(jwk),
                                                JWTGATE_KEYSET_DECRYPT, NULL,
                                                NULL, &set),
                     JWTGATE_OK);

    rc = jwtgate_jwe_parse(token, strlen(token), &limits,
                           JWTGATE_JWE_ALGS_ALL, JWTGATE_ENCS_ALL, NULL,
                           &jwe);

    if (rc == JWTGATE_OK) {
        sets[0] = set;
        rc = jwtgate_jwe_decrypt(jwe, sets, 1, 0, NULL, NULL, NULL);
    }

    assert_int_equal(rc, expect);

    if (rc == JWTGATE_OK) {
        pt = jwtgate_jwe_plaintext(jwe, &len);
        assert_non_null(pt);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(pt, want, len);
    }

    jwtgate_jwe_free(jwe);
    jwtgate_keyset_free(set);
}


/* RFC 7516 A.1: RSAES-OAEP and AES GCM */

static const char  a1_jwk[] =
    "{\"kty\":\"RSA\","
    "\"n\":\"oahUIoWw0K0usKNuOR6H4wkf4oBUXHTxRvgb48E-BVvxkeDNjbC4he8r"
    "UWcJoZmds2h7M70imEVhRU5djINXtqllXI4D"
    "FqcI1DgjT9LewND8MW2Krf3Spsk_ZkoFnilakGygTwpZ3uesH-PFABNIUYpOiN15"
    "dsQRkgr0vEhxN92i2asbOenSZeyaxziK72Uw"
    "xrrKoExv6kc5twXTq4h-QChLOln0_mtUZwfsRaMStPs6mS6XrgxnxbWhojf663tu"
    "EQueGC-FCMfra36C9knDFGzKsNa7LZK2djYg"
    "yD3JR_MB_4NUJW_TqOQtwHYbxevoJArm-L5StowjzGy-_bq6Gw\","
    "\"e\":\"AQAB\","
    "\"d\":\"kLdtIj6GbDks_ApCSTYQtelcNttlKiOyPzMrXHeI-yk1F7-kpDxY4-WY"
    "5NWV5KntaEeXS1j82E375xxhWMHXyvjYecPT"
    "9fpwR_M9gV8n9Hrh2anTpTD93Dt62ypW3yDsJzBnTnrYu1iwWRgBKrEYY46qAZIr"
    "A2xAwnm2X7uGR1hghkqDp0Vqj3kbSCz1XyfC"
    "s6_LehBwtxHIyh8Ripy40p24moOAbgxVw3rxT_vlt3UVe4WO3JkJOzlpUf-KTVI2"
    "Ptgm-dARxTEtE-id-4OJr0h-K-VFs3VSndVT"
    "IznSxfyrj8ILL6MG_Uv8YAu7VILSB3lOW085-4qE3DzgrTjgyQ\","
    "\"p\":\"1r52Xk46c-LsfB5P442p7atdPUrxQSy4mti_tZI3Mgf2EuFVbUoDBvaR"
    "Q-SWxkbkmoEzL7JXroSBjSrK3YIQgYdMgyAEPT"
    "PjXv_hI2_1eTSPVZfzL0lffNn03IXqWF5MDFuoUYE0hzb2vhrlN_rKrbfDIwUbTr"
    "jjgieRbwC6Cl0\","
    "\"q\":\"wLb35x7hmQWZsWJmB_vle87ihgZ19S8lBEROLIsZG4ayZVe9Hi9gDVCO"
    "BmUDdaDYVTSNx_8Fyw1YYa9XGrGnDew00J28cR"
    "UoeBB_jKI1oma0Orv1T9aXIWxKwd4gvxFImOWr3QRL9KEBRzk2RatUBnmDZJTIAf"
    "wTs0g68UZHvtc\","
    "\"dp\":\"ZK-YwE7diUh0qR1tR7w8WHtolDx3MZ_OTowiFvgfeQ3SiresXjm9gZ5"
    "KLhMXvo-uz-KUJWDxS5pFQ_M0evdo1dKiRTjV"
    "w_x4NyqyXPM5nULPkcpU827rnpZzAJKpdhWAgqrXGKAECQH0Xt4taznjnd_zVpAm"
    "ZZq60WPMBMfKcuE\","
    "\"dq\":\"Dq0gfgJ1DdFGXiLvQEZnuKEN0UUmsJBxkjydc3j4ZYdBiMRAy86x0vH"
    "CjywcMlYYg4yoC4YZa9hNVcsjqA3FeiL19rk8"
    "g6Qn29Tt0cj8qqyFpz9vNDBUfCAiJVeESOjJDZPYHdHY8v1b-o-Z2X5tvLx-TCek"
    "f7oxyeKDUqKWjis\","
    "\"qi\":\"VIMpMYbPf47dT1w_zDUXfPimsSegnMOA1zTaX7aGk_8urY6R8-ZW1Fx"
    "U7AlWAyLWybqq6t16VFd7hQd0y6flUK4SlOyd"
    "B61gwanOsXGOAOv82cHq0E3eL4HrtZkUuKvnPrMnsUUFlfUdybVzxyjz9JF_XyaY"
    "14ardLSjf4L_FNY\"}";

static const char  a1_jwe[] =
    "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ."
    "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe"
    "ipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDb"
    "Sv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaV"
    "mqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je8"
    "1860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi"
    "6UklfCpIMfIjf7iGdXKHzg."
    "48V1_ALb6US04U3b."
    "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji"
    "SdiwkIr3ajwQzaBtQD_A."
    "XFBoMYUZodetZdvTiFvSkQ";


/* RFC 7516 A.3: AES Key Wrap and AES_128_CBC_HMAC_SHA_256 */

static const char  a3_jwk[] =
    "{\"kty\":\"oct\",\"use\":\"enc\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";

static const char  a3_jwe[] =
    "eyJhbGciOiJBMTI4S1ciLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0."
    "6KB707dM9YTIgHtLvtgWQ8mKwboJW3of9locizkDTHzBC2IlrT1oOQ."
    "AxY8DCtDaGlsbGljb3RoZQ."
    "KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHXaI9wOGY."
    "U0m_YmjN04DJvceFICbCVQ";


static void
test_rfc7516_a1(void **state)
{
    (void) state;

    check(a1_jwk, a1_jwe,
          "The true sign of intelligence is not knowledge but imagination.",
          JWTGATE_OK);
}


static void
test_rfc7516_a2_refused(void **state)
{
    (void) state;

    /* A.2's header {"alg":"RSA1_5","enc":"A128CBC-HS256"}: refused from
     * the header, before any key is looked at (A.1's other parts) */
    check(a1_jwk,
          "eyJhbGciOiJSU0ExXzUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0."
          "AAAA.AxY8DCtDaGlsbGljb3RoZQ.KDlTtXchhZTGufMYmOYGS4HffxPSUrfmqCHX"
          "aI9wOGY."
          "U0m_YmjN04DJvceFICbCVQ", NULL, JWTGATE_ERR_UNSUPPORTED_ALG);
}


static void
test_rfc7516_a3(void **state)
{
    (void) state;

    check(a3_jwk, a3_jwe, "Live long and prosper.", JWTGATE_OK);
}


/* RFC 7520 5.1: RSA v1.5, refused (the key as in Figure 73) */

static void
test_rfc7520_5_1_refused(void **state)
{
    (void) state;

    check(a3_jwk,
          "eyJhbGciOiJSU0ExXzUiLCJraWQiOiJmcm9kby5iYWdnaW5zQGhvYmJpdG9uLmV4YW1w"
          "bGUiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0."
          "laLxI0j-nLH-_BgLOXMozKxmy9gffy2gTdvqzfTihJBuuzxg0V7yk1WClnQePFvG2K-p"
          "vSlWc9BRIazDrn50RcRai__3TDON395H3c62tIouJJ4XaRvYHFjZTZ2GXfz8YAImcc91"
          "Tfk0WXC2F5Xbb71ClQ1DDH151tlpH77f2ff7xiSxh9oSewYrcGTSLUeeCt36r1Kt3OSj"
          "7EyBQXoZlN7IxbyhMAfgIe7Mv1rOTOI5I8NQqeXXW8VlzNmoxaGMny3YnGir5Wf6Qt2n"
          "Bq4qDaPdnaAuuGUGEecelIO1wx1BpyIfgvfjOhMBs9M8XL223Fg47xlGsMXdfuY-4jaq"
          "Vw."
          "bbd5sTkYwhAIqfHsx8DayA."
          "0fys_TY_na7f8dwSfXLiYdHaA2DxUjD67ieF7fcVbIR62JhJvGZ4_FNVSiGc_raa0HnL"
          "Q6s1P2sv3Xzl1p1l_o5wR_RsSzrS8Z-wnI3Jvo0mkpEEnlDmZvDu_k8OWzJv7eZVEqiW"
          "KdyVzFhPpiyQU28GLOpRc2VbVbK4dQKPdNTjPPEmRqcaGeTWZVyeSUvf5k59yJZxRuSv"
          "WFf6KrNtmRdZ8R4mDOjHSrM_s8uwIFcqt4r5GX8TKaI0zT5CbL5Qlw3sRc7u_hg0yKVO"
          "iRytEAEs3vZkcfLkP6nbXdC_PkMdNS-ohP78T2O6_7uInMGhFeX4ctHG7VelHGiT93Jf"
          "WDEQi5_V9UN1rhXNrYu-0fVMkZAKX3VWi7lzA6BP430m."
          "kvKuFBXHe5mQr4lqgobAUg", NULL, JWTGATE_ERR_UNSUPPORTED_ALG);
}


/* RFC 7520 5.2: RSA-OAEP with A256GCM (Figure 84's key) */

static const char  r5_2_jwk[] =
    "{\"kty\":\"RSA\",\"kid\":\"samwise.gamgee@hobbiton.example\","
    "\"use\":\"enc\",\"alg\":\"RSA-OAEP\","
    "\"n\":\"wbdxI55VaanZXPY29Lg5hdmv2XhvqAhoxUkanfzf2-5zVUxa6prHRrI4"
    "pP1AhoqJRlZfYtWWd5mmHRG2pAHIlh0ySJ9wi0BioZBl1XP2e-C-FyXJGcTy0HdK"
    "QWlrfhTm42EW7Vv04r4gfao6uxjLGwfpGrZLarohiWCPnkNrg71S2CuNZSQBIPGj"
    "XfkmIy2tl_VWgGnL22GplyXj5YlBLdxXp3XeStsqo571utNfoUTU8E4qdzJ3U1DI"
    "toVkPGsMwlmmnJiwA7sXRItBCivR4M5qnZtdw-7v4WuR4779ubDuJ5nalMv2S66-"
    "RPcnFAzWSKxtBDnFJJDGIUe7Tzizjg1nms0Xq_yPub_UOlWn0ec85FCft1hACpWG"
    "8schrOBeNqHBODFskYpUc2LC5JA2TaPF2dA67dg1TTsC_FupfQ2kNGcE1LgprxKH"
    "cVWYQb86B-HozjHZcqtauBzFNV5tbTuB-TpkcvJfNcFLlH3b8mb-H_ox35FjqBSA"
    "jLKyoeqfKTpVjvXhd09knwgJf6VKq6UC418_TOljMVfFTWXUxlnfhOOnzW6HSSzD"
    "1c9WrCuVzsUMv54szidQ9wf1cYWf3g5qFDxDQKis99gcDaiCAwM3yEBIzuNeeCa5"
    "dartHDb1xEB_HcHSeYbghbMjGfasvKn0aZRsnTyC0xhWBlsolZE\","
    "\"e\":\"AQAB\","
    "\"d\":\"n7fzJc3_WG59VEOBTkayzuSMM780OJQuZjN_KbH8lOZG25ZoA7T4Bxcc"
    "0xQn5oZE5uSCIwg91oCt0JvxPcpmqzaJZg1nirjcWZ-oBtVk7gCAWq-B3qhfF3iz"
    "lbkosrzjHajIcY33HBhsy4_WerrXg4MDNE4HYojy68TcxT2LYQRxUOCf5TtJXvM8"
    "olexlSGtVnQnDRutxEUCwiewfmmrfveEogLx9EA-KMgAjTiISXxqIXQhWUQX1G7v"
    "_mV_Hr2YuImYcNcHkRvp9E7ook0876DhkO8v4UOZLwA1OlUX98mkoqwc58A_Y2lB"
    "YbVx1_s5lpPsEqbbH-nqIjh1fL0gdNfihLxnclWtW7pCztLnImZAyeCWAG7ZIfv-"
    "Rn9fLIv9jZ6r7r-MSH9sqbuziHN2grGjD_jfRluMHa0l84fFKl6bcqN1JWxPVhzN"
    "Zo01yDF-1LiQnqUYSepPf6X3a2SOdkqBRiquE6EvLuSYIDpJq3jDIsgoL8Mo1Loo"
    "mgiJxUwL_GWEOGu28gplyzm-9Q0U0nyhEf1uhSR8aJAQWAiFImWH5W_IQT9I7-yr"
    "indr_2fWQ_i1UgMsGzA7aOGzZfPljRy6z-tY_KuBG00-28S_aWvjyUc-Alp8AUyK"
    "jBZ-7CWH32fGWK48j1t-zomrwjL_mnhsPbGs0c9WsWgRzI-K8gE\","
    "\"p\":\"7_2v3OQZzlPFcHyYfLABQ3XP85Es4hCdwCkbDeltaUXgVy9l9etKghvM"
    "4hRkOvbb01kYVuLFmxIkCDtpi-zLCYAdXKrAK3PtSbtzld_XZ9nlsYa_QZWpXB_I"
    "rtFjVfdKUdMz94pHUhFGFj7nr6NNxfpiHSHWFE1zD_AC3mY46J961Y2LRnreVwAG"
    "Nw53p07Db8yD_92pDa97vqcZOdgtybH9q6uma-RFNhO1AoiJhYZj69hjmMRXx-x5"
    "6HO9cnXNbmzNSCFCKnQmn4GQLmRj9sfbZRqL94bbtE4_e0Zrpo8RNo8vxRLqQNwI"
    "y85fc6BRgBJomt8QdQvIgPgWCv5HoQ\","
    "\"q\":\"zqOHk1P6WN_rHuM7ZF1cXH0x6RuOHq67WuHiSknqQeefGBA9PWs6ZyKQ"
    "CO-O6mKXtcgE8_Q_hA2kMRcKOcvHil1hqMCNSXlflM7WPRPZu2qCDcqssd_uMbP-"
    "DqYthH_EzwL9KnYoH7JQFxxmcv5An8oXUtTwk4knKjkIYGRuUwfQTus0w1NfjFAy"
    "xOOiAQ37ussIcE6C6ZSsM3n41UlbJ7TCqewzVJaPJN5cxjySPZPD3Vp01a9YgAD6"
    "a3IIaKJdIxJS1ImnfPevSJQBE79-EXe2kSwVgOzvt-gsmM29QQ8veHy4uAqca5dZ"
    "zMs7hkkHtw1z0jHV90epQJJlXXnH8Q\","
    "\"dp\":\"19oDkBh1AXelMIxQFm2zZTqUhAzCIr4xNIGEPNoDt1jK83_FJA-xnx5"
    "kA7-1erdHdms_Ef67HsONNv5A60JaR7w8LHnDiBGnjdaUmmuO8XAxQJ_ia5mxjxN"
    "jS6E2yD44USo2JmHvzeeNczq25elqbTPLhUpGo1IZuG72FZQ5gTjXoTXC2-xtCDE"
    "UZfaUNh4IeAipfLugbpe0JAFlFfrTDAMUFpC3iXjxqzbEanflwPvj6V9iDSgjj8S"
    "ozSM0dLtxvu0LIeIQAeEgT_yXcrKGmpKdSO08kLBx8VUjkbv_3Pn20Gyu2YEuwpF"
    "lM_H1NikuxJNKFGmnAq9LcnwwT0jvoQ\","
    "\"dq\":\"S6p59KrlmzGzaQYQM3o0XfHCGvfqHLYjCO557HYQf72O9kLMCfd_1VB"
    "EqeD-1jjwELKDjck8kOBl5UvohK1oDfSP1DleAy-cnmL29DqWmhgwM1ip0CCNmkm"
    "smDSlqkUXDi6sAaZuntyukyflI-qSQ3C_BafPyFaKrt1fgdyEwYa08pESKwwWisy"
    "7KnmoUvaJ3SaHmohFS78TJ25cfc10wZ9hQNOrIChZlkiOdFCtxDqdmCqNacnhgE3"
    "bZQjGp3n83ODSz9zwJcSUvODlXBPc2AycH6Ci5yjbxt4Ppox_5pjm6xnQkiPgj01"
    "GpsUssMmBN7iHVsrE7N2iznBNCeOUIQ\","
    "\"qi\":\"FZhClBMywVVjnuUud-05qd5CYU0dK79akAgy9oX6RX6I3IIIPckCciR"
    "rokxglZn-omAY5CnCe4KdrnjFOT5YUZE7G_Pg44XgCXaarLQf4hl80oPEf6-jJ5I"
    "y6wPRx7G2e8qLxnh9cOdf-kRqgOS3F48Ucvw3ma5V6KGMwQqWFeV31XtZ8l5cVI-"
    "I3NzBS7qltpUVgz2Ju021eyc7IlqgzR98qKONl27DuEES0aK0WE97jnsyO27Yp88"
    "Wa2RiBrEocM89QZI1seJiGDizHRUP4UZxw9zsXww46wy0P6f9grnYp7t8LkyDDk8"
    "eoI4KX6SNMNVcyVS9IWjlq8EzqZEKIA\"}";

static const char  r5_2_jwe[] =
    "eyJhbGciOiJSU0EtT0FFUCIsImtpZCI6InNhbXdpc2UuZ2FtZ2VlQGhvYmJpdG9u"
    "LmV4YW1wbGUiLCJlbmMiOiJBMjU2R0NNIn0."
    "rT99rwrBTbTI7IJM8fU3Eli7226HEB7IchCxNuh7lCiud48LxeolRdtFF4nzQibe"
    "YOl5S_PJsAXZwSXtDePz9hk-BbtsTBqC2UsPOdwjC9NhNupNNu9uHIVftDyucvI6"
    "hvALeZ6OGnhNV4v1zx2k7O1D89mAzfw-_kT3tkuorpDU-CpBENfIHX1Q58-Aad3F"
    "zMuo3Fn9buEP2yXakLXYa15BUXQsupM4A1GD4_H4Bd7V3u9h8Gkg8BpxKdUV9Scf"
    "JQTcYm6eJEBz3aSwIaK4T3-dwWpuBOhROQXBosJzS1asnuHtVMt2pKIIfux5BC6h"
    "uIvmY7kzV7W7aIUrpYm_3H4zYvyMeq5pGqFmW2k8zpO878TRlZx7pZfPYDSXZyS0"
    "CfKKkMozT_qiCwZTSz4duYnt8hS4Z9sGthXn9uDqd6wycMagnQfOTs_lycTWmY-a"
    "qWVDKhjYNRf03NiwRtb5BE-tOdFwCASQj3uuAgPGrO2AWBe38UjQb0lvXn1SpyvY"
    "Z3WFc7WOJYaTa7A8DRn6MC6T-xDmMuxC0G7S2rscw5lQQU06MvZTlFOt0UvfuKBa"
    "03cxA_nIBIhLMjY2kOTxQMmpDPTr6Cbo8aKaOnx6ASE5Jx9paBpnNmOOKH35j_Ql"
    "rQhDWUN6A2Gg8iFayJ69xDEdHAVCGRzN3woEI2ozDRs."
    "-nBoKLH0YkLZPSI9."
    "o4k2cnGN8rSSw3IDo1YuySkqeS_t2m1GXklSgqBdpACm6UJuJowOHC5ytjqYgRL-"
    "I-soPlwqMUf4UgRWWeaOGNw6vGW-xyM01lTYxrXfVzIIaRdhYtEMRBvBWbEwP7ua"
    "1DRfvaOjgZv6Ifa3brcAM64d8p5lhhNcizPersuhw5f-pGYzseva-TUaL8iWnctc"
    "-sSwy7SQmRkfhDjwbz0fz6kFovEgj64X1I5s7E6GLp5fnbYGLa1QUiML7Cc2Gxgv"
    "I7zqWo0YIEc7aCflLG1-8BboVWFdZKLK9vNoycrYHumwzKluLWEbSVmaPpOslY2n"
    "525DxDfWaVFUfKQxMF56vn4B9QMpWAbnypNimbM8zVOw."
    "UCGiqJxhBI3IFVdPalHHvA";


static void
test_rfc7520_5_2(void **state)
{
    (void) state;

    check(r5_2_jwk, r5_2_jwe, fig72, JWTGATE_OK);
}


/* RFC 7520 5.3: PBES2, refused whatever the key */

static void
test_rfc7520_5_3_refused(void **state)
{
    (void) state;

    check(a3_jwk,
          "eyJhbGciOiJQQkVTMi1IUzUxMitBMjU2S1ciLCJwMnMiOiI4UTFTemluYXNSM3hj"
          "aFl6NlpaY0hBIiwicDJjIjo4MTkyLCJjdHkiOiJqd2stc2V0K2pzb24iLCJlbmMi"
          "OiJBMTI4Q0JDLUhTMjU2In0."
          "d3qNhUWfqheyPp4H8sjOWsDYajoej4c5Je6rlUtFPWdgtURtmeDV1g."
          "VBiCzVHNoLiR3F4V82uoTQ."
          "23i-Tb1AV4n0WKVSSgcQrdg6GRqsUKxjruHXYsTHAJLZ2nsnGIX86vMXqIi6IRsf"
          "ywCRFzLxEcZBRnTvG3nhzPk0GDD7FMyXhUHpDjEYCNA_XOmzg8yZR9oyjo6lTF6s"
          "i4q9FZ2EhzgFQCLO_6h5EVg3vR75_hkBsnuoqoM3dwejXBtIodN84PeqMb6asmas"
          "_dpSsz7H10fC5ni9xIz424givB1YLldF6exVmL93R3fOoOJbmk2GBQZL_SEGllv2"
          "cQsBgeprARsaQ7Bq99tT80coH8ItBjgV08AtzXFFsx9qKvC982KLKdPQMTlVJKkq"
          "tV4Ru5LEVpBZXBnZrtViSOgyg6AiuwaS-rCrcD_ePOGSuxvgtrokAKYPqmXUeRdj"
          "FJwafkYEkiuDCV9vWGAi1DH2xTafhJwcmywIyzi4BqRpmdn_N-zl5tuJYyuvKhjK"
          "v6ihbsV_k1hJGPGAxJ6wUpmwC4PTQ2izEm0TuSE8oMKdTw8V3kobXZ77ulMwDs4p"
          "."
          "0HlwodAhOCILG5SQ2LQ9dg", NULL, JWTGATE_ERR_UNSUPPORTED_ALG);
}


/* RFC 7520 5.4: ECDH-ES+A128KW with A128GCM, P-384 (Figure 108's key) */

static void
test_rfc7520_5_4(void **state)
{
    (void) state;

    check("{\"kty\":\"EC\",\"kid\":\"peregrin.took@tuckborough.example\","
          "\"use\":\"enc\",\"crv\":\"P-384\","
          "\"x\":\"YU4rRUzdmVqmRtWOs2OpDE_T5fsNIodcG8G5FWPrTPMyxpzsSOGaQLpe"
          "2FpxBmu2\","
          "\"y\":\"A8-yxCHxkfBz3hKZfI1jUYMjUhsEveZ9THuwFjH2sCNdtksRJU7D5-Sk"
          "gaFL1ETP\","
          "\"d\":\"iTx2pk7wW-GqJkHcEkFQb2EFyYcO7RugmaW3mRrQVAOUiPommT0IdnYK"
          "2xDlZh-j\"}",
          "eyJhbGciOiJFQ0RILUVTK0ExMjhLVyIsImtpZCI6InBlcmVncmluLnRvb2tAdHVj"
          "a2Jvcm91Z2guZXhhbXBsZSIsImVwayI6eyJrdHkiOiJFQyIsImNydiI6IlAtMzg0"
          "IiwieCI6InVCbzRrSFB3Nmtiang1bDB4b3dyZF9vWXpCbWF6LUdLRlp1NHhBRkZr"
          "YllpV2d1dEVLNml1RURzUTZ3TmROZzMiLCJ5Ijoic3AzcDVTR2haVkMyZmFYdW1J"
          "LWU5SlUyTW84S3BvWXJGRHI1eVBOVnRXNFBnRXdaT3lRVEEtSmRhWTh0YjdFMCJ9"
          "LCJlbmMiOiJBMTI4R0NNIn0."
          "0DJjBXri_kBcC46IkU5_Jk9BqaQeHdv2."
          "mH-G2zVqgztUtnW_."
          "tkZuOO9h95OgHJmkkrfLBisku8rGf6nzVxhRM3sVOhXgz5NJ76oID7lpnAi_cPWJ"
          "RCjSpAaUZ5dOR3Spy7QuEkmKx8-3RCMhSYMzsXaEwDdXta9Mn5B7cCBoJKB0IgEn"
          "j_qfo1hIi-uEkUpOZ8aLTZGHfpl05jMwbKkTe2yK3mjF6SBAsgicQDVCkcY9BLlu"
          "zx1RmC3ORXaM0JaHPB93YcdSDGgpgBWMVrNU1ErkjcMqMoT_wtCex3w03XdLkjXI"
          "uEr2hWgeP-nkUZTPU9EoGSPj6fAS-bSz87RCPrxZdj_iVyC6QWcqAu07WNhjzJEP"
          "c4jVntRJ6K53NgPQ5p99l3Z408OUqj4ioYezbS6vTPlQ."
          "WuGzxmcreYjpHGJoa17EBg", fig72, JWTGATE_OK);
}


/* RFC 7520 5.5: ECDH-ES with A128CBC-HS256, P-256 (Figure 117's key) */

static void
test_rfc7520_5_5(void **state)
{
    (void) state;

    check("{\"kty\":\"EC\",\"kid\":\"meriadoc.brandybuck@buckland.example\","
          "\"use\":\"enc\",\"crv\":\"P-256\","
          "\"x\":\"Ze2loSV3wrroKUN_4zhwGhCqo3Xhu1td4QjeQ5wIVR0\","
          "\"y\":\"HlLtdXARY_f55A3fnzQbPcm6hgr34Mp8p-nuzQCE0Zw\","
          "\"d\":\"r_kHyZ-a06rmxM3yESK84r1otSg-aQcVStkRhA-iCM8\"}",
          "eyJhbGciOiJFQ0RILUVTIiwia2lkIjoibWVyaWFkb2MuYnJhbmR5YnVja0BidWNr"
          "bGFuZC5leGFtcGxlIiwiZXBrIjp7Imt0eSI6IkVDIiwiY3J2IjoiUC0yNTYiLCJ4"
          "IjoibVBVS1RfYkFXR0hJaGcwVHBqanFWc1AxclhXUXVfdndWT0hIdE5rZFlvQSIs"
          "InkiOiI4QlFBc0ltR2VBUzQ2ZnlXdzVNaFlmR1RUMElqQnBGdzJTUzM0RHY0SXJz"
          "In0sImVuYyI6IkExMjhDQkMtSFMyNTYifQ."
          "."
          "yc9N8v5sYyv3iGQT926IUg."
          "BoDlwPnTypYq-ivjmQvAYJLb5Q6l-F3LIgQomlz87yW4OPKbWE1zSTEFjDfhU9IP"
          "IOSA9Bml4m7iDFwA-1ZXvHteLDtw4R1XRGMEsDIqAYtskTTmzmzNa-_q4F_evAPU"
          "mwlO-ZG45Mnq4uhM1fm_D9rBtWolqZSF3xGNNkpOMQKF1Cl8i8wjzRli7-IXgyir"
          "lKQsbhhqRzkv8IcY6aHl24j03C-AR2le1r7URUhArM79BY8soZU0lzwI-sD5PZ3l"
          "4NDCCei9XkoIAfsXJWmySPoeRb2Ni5UZL4mYpvKDiwmyzGd65KqVw7MsFfI_K767"
          "G9C9Azp73gKZD0DyUn1mn0WW5LmyX_yJ-3AROq8p1WZBfG-ZyJ6195_JGG2m9Csg"
          "."
          "WCCkNa-x4BeB9hIDIfFuhg", fig72, JWTGATE_OK);
}


/* RFC 7520 5.6: dir with A128GCM (Figure 126's key, its alg an enc) */

static void
test_rfc7520_5_6(void **state)
{
    (void) state;

    check("{\"kty\":\"oct\",\"kid\":\"77c7e2b8-6e13-45cf-8672-617b5b45243a\","
          "\"use\":\"enc\",\"alg\":\"A128GCM\",\"k\":\"XctOhJAkA-pD9Lh7ZgW_"
          "2A\"}",
          "eyJhbGciOiJkaXIiLCJraWQiOiI3N2M3ZTJiOC02ZTEzLTQ1Y2YtODY3Mi02MTdi"
          "NWI0NTI0M2EiLCJlbmMiOiJBMTI4R0NNIn0."
          "."
          "refa467QzzKx6QAB."
          "JW_i_f52hww_ELQPGaYyeAB6HYGcR559l9TYnSovc23XJoBcW29rHP8yZOZG7YhL"
          "pT1bjFuvZPjQS-m0IFtVcXkZXdH_lr_FrdYt9HRUYkshtrMmIUAyGmUnd9zMDB2n"
          "0cRDIHAzFVeJUDxkUwVAE7_YGRPdcqMyiBoCO-FBdE-Nceb4h3-FtBP-c_BIwCPT"
          "jb9o0SbdcdREEMJMyZBH8ySWMVi1gPD9yxi-aQpGbSv_F9N4IZAxscj5g-NJsUPb"
          "jk29-s7LJAGb15wEBtXphVCgyy53CoIKLHHeJHXex45Uz9aKZSRSInZI-wjsY0yu"
          "3cT4_aQ3i1o-tiE-F8Ios61EKgyIQ4CWao8PFMj8TTnp."
          "vbb32Xvllea2OtmHAdccRQ", fig72, JWTGATE_OK);
}


/* RFC 7520 5.7: A256GCMKW with A128CBC-HS256 (Figure 138's key) */

static void
test_rfc7520_5_7(void **state)
{
    (void) state;

    check("{\"kty\":\"oct\",\"kid\":\"18ec08e1-bfa9-4d95-b205-2b4dd1d4321d\","
          "\"use\":\"enc\",\"alg\":\"A256GCMKW\","
          "\"k\":\"qC57l_uxcm7Nm3K-ct4GFjx8tM1U8CZ0NLBvdQstiS8\"}",
          "eyJhbGciOiJBMjU2R0NNS1ciLCJraWQiOiIxOGVjMDhlMS1iZmE5LTRkOTUtYjIw"
          "NS0yYjRkZDFkNDMyMWQiLCJ0YWciOiJrZlBkdVZRM1QzSDZ2bmV3dC0ta3N3Iiwi"
          "aXYiOiJLa1lUMEdYXzJqSGxmcU5fIiwiZW5jIjoiQTEyOENCQy1IUzI1NiJ9."
          "lJf3HbOApxMEBkCMOoTnnABxs_CvTWUmZQ2ElLvYNok."
          "gz6NjyEFNm_vm8Gj6FwoFQ."
          "Jf5p9-ZhJlJy_IQ_byKFmI0Ro7w7G1QiaZpI8OaiVgD8EqoDZHyFKFBupS8iaEeV"
          "IgMqWmsuJKuoVgzR3YfzoMd3GxEm3VxNhzWyWtZKX0gxKdy6HgLvqoGNbZCzLjqc"
          "pDiF8q2_62EVAbr2uSc2oaxFmFuIQHLcqAHxy51449xkjZ7ewzZaGV3eFqhpco8o"
          "4DijXaG5_7kp3h2cajRfDgymuxUbWgLqaeNQaJtvJmSMFuEOSAzw9Hdeb6yhdTyn"
          "CRmu-kqtO5Dec4lT2OMZKpnxc_F1_4yDJFcqb5CiDSmA-psB2k0JtjxAj4UPI61o"
          "ONK7zzFIu4gBfjJCndsZfdvG7h8wGjV98QhrKEnR7xKZ3KCr0_qR1B-gxpNk3xWU"
          "."
          "DKW7jrb4WaRSNfbXVPlT5g", fig72, JWTGATE_OK);
}


/* RFC 7520 5.8: A128KW with A128GCM (Figure 151's key); 5.9, the same
 * with "zip":"DEF", refused */

static const char  r5_8_jwk[] =
    "{\"kty\":\"oct\",\"kid\":\"81b20965-8332-43d9-a468-82160ad91ac8\","
    "\"use\":\"enc\",\"alg\":\"A128KW\",\"k\":\"GZy6sIZ6wl9NJOKB-jnmVQ\"}";


static void
test_rfc7520_5_8(void **state)
{
    (void) state;

    check(r5_8_jwk,
          "eyJhbGciOiJBMTI4S1ciLCJraWQiOiI4MWIyMDk2NS04MzMyLTQzZDktYTQ2OC04"
          "MjE2MGFkOTFhYzgiLCJlbmMiOiJBMTI4R0NNIn0."
          "CBI6oDw8MydIx1IBntf_lQcw2MmJKIQx."
          "Qx0pmsDa8KnJc9Jo."
          "AwliP-KmWgsZ37BvzCefNen6VTbRK3QMA4TkvRkH0tP1bTdhtFJgJxeVmJkLD61A"
          "1hnWGetdg11c9ADsnWgL56NyxwSYjU1ZEHcGkd3EkU0vjHi9gTlb90qSYFfeF0Lw"
          "kcTtjbYKCsiNJQkcIp1yeM03OmuiYSoYJVSpf7ej6zaYcMv3WwdxDFl8REwOhNIm"
          "k2Xld2JXq6BR53TSFkyT7PwVLuq-1GwtGHlQeg7gDT6xW0JqHDPn_H-puQsmthc9"
          "Zg0ojmJfqqFvETUxLAF-KjcBTS5dNy6egwkYtOt8EIHK-oEsKYtZRaa8Z7MOZ7UG"
          "xGIMvEmxrGCPeJa14slv2-gaqK0kEThkaSqdYw0FkQZF."
          "ER7MWJZ1FBI_NKvn7Zb1Lw", fig72, JWTGATE_OK);

    check(r5_8_jwk,
          "eyJhbGciOiJBMTI4S1ciLCJraWQiOiI4MWIyMDk2NS04MzMyLTQzZDktYTQ2OC04"
          "MjE2MGFkOTFhYzgiLCJlbmMiOiJBMTI4R0NNIiwiemlwIjoiREVGIn0."
          "5vUT2WOtQxKWcekM_IzVQwkGgzlFDwPi."
          "p9pUq6XHY0jfEZIl."
          "HbDtOsdai1oYziSx25KEeTxmwnh8L8jKMFNc1k3zmMI6VB8hry57tDZ61jXyezSP"
          "t0fdLVfe6Jf5y5-JaCap_JQBcb5opbmT60uWGml8blyiMQmOn9J--XhhlYg0m-BH"
          "aqfDO5iTOWxPxFMUedx7WCy8mxgDHj0aBMG6152PsM-w5E_o2B3jDbrYBKhpYA7q"
          "i3AyijnCJ7BP9rr3U8kxExCpG3mK420TjOw."
          "VILuUwuIxaLVmh5X-T7kmA", NULL, JWTGATE_ERR_UNSUPPORTED_ALG);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_rfc7516_a1),
        cmocka_unit_test(test_rfc7516_a2_refused),
        cmocka_unit_test(test_rfc7516_a3),
        cmocka_unit_test(test_rfc7520_5_1_refused),
        cmocka_unit_test(test_rfc7520_5_2),
        cmocka_unit_test(test_rfc7520_5_3_refused),
        cmocka_unit_test(test_rfc7520_5_4),
        cmocka_unit_test(test_rfc7520_5_5),
        cmocka_unit_test(test_rfc7520_5_6),
        cmocka_unit_test(test_rfc7520_5_7),
        cmocka_unit_test(test_rfc7520_5_8),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
