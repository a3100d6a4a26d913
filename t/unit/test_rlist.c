/*
 * Revocation lists (jwtgate_rlist.c): the JSON formats, expiry, cutoffs,
 * kids, limits, refusals, duplicates, and a block that still works after
 * it is copied to another address.
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


#define NOW  1700000000


/* builds text into a fresh block (malloc: 8-byte aligned); when pass 1
 * refuses: a failed test if reason is NULL, else NULL and *reason */

static void *
build_fmt(const char *text, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now, const char **reason, size_t *size_out)
{
    void        *mem;
    size_t       size;
    const char  *why, *why2;

    why = NULL;
    if (jwtgate_rlist_size(text, len, fmt, now, &size, &why) != 0) {
        assert_non_null(why);
        assert_int_equal(size, 0);
        if (reason == NULL) {
            /* the caller expects a list */
            fail_msg("refused: %s", why);
        }
        *reason = why;
        return NULL;
    }

    assert_true(size >= 8);
    assert_int_equal(size % 8, 0);

    mem = malloc(size);
    assert_non_null(mem);
    memset(mem, 0xa5, size);

    why2 = NULL;
    assert_int_equal(jwtgate_rlist_build(text, len, fmt, now, mem, size,
                                         &why2), 0);

    if (size_out != NULL) {
        *size_out = size;
    }

    return mem;
}


static void *
build(const char *text, int64_t now)
{
    return build_fmt(text, strlen(text), JWTGATE_RLIST_JWTGATE, now, NULL,
                     NULL);
}


static const char *
refused_fmt(const char *text, size_t len, jwtgate_rlist_format_t fmt)
{
    void        *mem;
    size_t       size;
    const char  *reason;
    uint64_t     block[64];

    reason = NULL;
    mem = build_fmt(text, len, fmt, NOW, &reason, NULL);
    assert_null(mem);
    assert_non_null(reason);

    /* pass 2 alone refuses it too, and leaves no list behind */
    memset(block, 0xff, sizeof(block));
    reason = NULL;
    assert_int_equal(jwtgate_rlist_build(text, len, fmt, NOW, block,
                                         sizeof(block), &reason), -1);
    assert_non_null(reason);
    size = 1;
    jwtgate_rlist_counts(block, &size, &size, &size);
    assert_int_equal(size, 0);

    return reason;
}


static const char *
refused(const char *text)
{
    return refused_fmt(text, strlen(text), JWTGATE_RLIST_JWTGATE);
}


static int
check(const void *mem, const char *jti, const char *sub, int64_t iat,
    int has_iat, const char *kid, int64_t now)
{
    jwtgate_rlist_query_t  q;

    memset(&q, 0, sizeof(q));
    q.jti = jti;
    q.jti_len = jti ? strlen(jti) : 0;
    q.sub = sub;
    q.sub_len = sub ? strlen(sub) : 0;
    q.kid = kid;
    q.kid_len = kid ? strlen(kid) : 0;
    q.iat = iat;
    q.has_iat = has_iat;

    return jwtgate_rlist_check(mem, &q, now);
}


#define JTI(mem, j, now)        check(mem, j, NULL, 0, 0, NULL, now)
#define SUB(mem, s, iat)        check(mem, NULL, s, iat, 1, NULL, NOW)
#define SUB_NOIAT(mem, s)       check(mem, NULL, s, 0, 0, NULL, NOW)
#define KID(mem, k)             check(mem, NULL, NULL, 0, 0, k, NOW)


static void
assert_counts(const void *mem, size_t jti, size_t sub, size_t kid)
{
    size_t  j, s, k;

    jwtgate_rlist_counts(mem, &j, &s, &k);
    assert_int_equal(j, jti);
    assert_int_equal(s, sub);
    assert_int_equal(k, kid);
}


static void
test_format(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{\"jti\": {\"t-1\": 1700000100, \"t-2\": 1800000000},\n"
                " \"sub\": {\"alice\": 1699990000},\n"
                " \"kid\": [\"old-key\", \"leaked\"]}", NOW);
    assert_non_null(mem);
    assert_counts(mem, 2, 1, 2);

    assert_int_equal(JTI(mem, "t-1", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "t-2", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "t-3", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "t-", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "t-11", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "T-1", NOW), JWTGATE_RLIST_OK);

    assert_int_equal(KID(mem, "old-key"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "leaked"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "new-key"), JWTGATE_RLIST_OK);

    /* each name is looked up in its own table only */
    assert_int_equal(KID(mem, "t-1"), JWTGATE_RLIST_OK);
    assert_int_equal(SUB_NOIAT(mem, "t-1"), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "alice", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "old-key", NOW), JWTGATE_RLIST_OK);

    /* jti first, then sub, then kid */
    assert_int_equal(check(mem, "t-1", "alice", 0, 0, "leaked", NOW),
                     JWTGATE_RLIST_JTI);
    assert_int_equal(check(mem, "t-9", "alice", 0, 0, "leaked", NOW),
                     JWTGATE_RLIST_SUB);
    assert_int_equal(check(mem, "t-9", "bob", 0, 0, "leaked", NOW),
                     JWTGATE_RLIST_KID);
    assert_int_equal(check(mem, "t-9", "bob", 0, 0, "fresh", NOW),
                     JWTGATE_RLIST_OK);
    assert_int_equal(check(mem, NULL, NULL, 0, 0, NULL, NOW),
                     JWTGATE_RLIST_OK);

    free(mem);
}


static void
test_jti_expiry(void **state)
{
    void  *mem;

    (void) state;

    /* one past, one at now, one ahead */
    mem = build("{\"jti\": {\"past\": 1699999999, \"now\": 1700000000,"
                " \"ahead\": 1700000060}}", NOW);
    assert_non_null(mem);
    assert_counts(mem, 2, 0, 0);

    assert_int_equal(JTI(mem, "past", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "now", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "ahead", NOW), JWTGATE_RLIST_JTI);

    /* time goes on with the same block */
    assert_int_equal(JTI(mem, "now", NOW + 1), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "ahead", NOW + 60), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "ahead", NOW + 61), JWTGATE_RLIST_OK);
    free(mem);

    /* every entry expired: an empty list */
    mem = build("{\"jti\": {\"a\": 1, \"b\": 0}}", NOW);
    assert_non_null(mem);
    assert_counts(mem, 0, 0, 0);
    assert_int_equal(JTI(mem, "a", 0), JWTGATE_RLIST_OK);
    free(mem);

    /* the same at an earlier now keeps them */
    mem = build("{\"jti\": {\"a\": 1, \"b\": 0}}", 0);
    assert_counts(mem, 2, 0, 0);
    assert_int_equal(JTI(mem, "a", 1), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "b", 0), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "b", 1), JWTGATE_RLIST_OK);
    free(mem);
}


static void
test_sub_cutoff(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{\"sub\": {\"alice\": 1700000000, \"bob\": 0}}", NOW);
    assert_counts(mem, 0, 2, 0);

    assert_int_equal(SUB(mem, "alice", 1699999999), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "alice", 1700000000), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "alice", 1700000001), JWTGATE_RLIST_OK);
    assert_int_equal(SUB(mem, "alice", -5), JWTGATE_RLIST_SUB);
    /* no iat: revoked, whatever the cutoff */
    assert_int_equal(SUB_NOIAT(mem, "alice"), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB_NOIAT(mem, "bob"), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "bob", 0), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "bob", 1), JWTGATE_RLIST_OK);
    assert_int_equal(SUB_NOIAT(mem, "carol"), JWTGATE_RLIST_OK);
    assert_int_equal(SUB(mem, "carol", 0), JWTGATE_RLIST_OK);

    /* a cutoff is not an expiry: a cutoff in the past still holds */
    assert_int_equal(check(mem, NULL, "bob", 0, 1, NULL, INT64_MAX),
                     JWTGATE_RLIST_SUB);
    free(mem);
}


static void
test_kid(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{\"kid\": [\"k1\", \"k2\", \"\"]}", NOW);
    assert_counts(mem, 0, 0, 3);
    assert_int_equal(KID(mem, "k1"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "k2"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, ""), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "k3"), JWTGATE_RLIST_OK);
    /* NULL: the token has no kid */
    assert_int_equal(KID(mem, NULL), JWTGATE_RLIST_OK);
    free(mem);

    assert_non_null(strstr(refused("{\"kid\": {\"k1\": 1}}"), "kid"));
    assert_non_null(strstr(refused("{\"kid\": [\"k1\", 2]}"), "kid"));
    assert_non_null(strstr(refused("{\"kid\": [null]}"), "kid"));
    assert_non_null(strstr(refused("{\"kid\": \"k1\"}"), "kid"));
}


static void
test_empty(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{}", NOW);
    assert_non_null(mem);
    assert_counts(mem, 0, 0, 0);
    assert_int_equal(check(mem, "a", "b", 1, 1, "c", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(check(mem, "", "", 0, 0, "", NOW), JWTGATE_RLIST_OK);
    free(mem);

    mem = build(" \r\n\t{ \"jti\" : { } , \"sub\" : {} , \"kid\" : [ ] }\n",
                NOW);
    assert_non_null(mem);
    assert_counts(mem, 0, 0, 0);
    assert_int_equal(check(mem, "a", "b", 1, 1, "c", NOW), JWTGATE_RLIST_OK);
    free(mem);

    /* no list at all */
    assert_int_equal(check(NULL, "a", "b", 1, 0, "c", NOW),
                     JWTGATE_RLIST_OK);
    assert_counts(NULL, 0, 0, 0);
}


static void
test_garbage(void **state)
{
    char         deep[400];
    size_t       i, n;
    const char  *bad[] = {
        "", " ", "[]", "\"jti\"", "null", "42", "{", "}", "{\"jti\"}",
        "{\"jti\":}", "{\"jti\":{\"a\":1,}}", "{\"jti\":{\"a\":1}", "{,}",
        "{\"jti\":{\"a\" 1}}", "{\"jti\":{\"a\":1}} x", "{}{}", "{} []",
        "{\"x\": tru}", "{\"x\": nul}", "{\"x\": [1,]}", "{\"x\": [1 2]}",
        "{\"x\": {\"a\"}}", "{\"x\": {1:2}}", "{\"x\": 01}", "{\"x\": 1.}",
        "{\"x\": \"\\x\"}", "{\"x\": \"\\ud800\"}", "{\"jti\":{\"\\u0000\":1}}",
        "{\"x\": \"\x01\"}", "{\"x\": \"\xc3\x28\"}", "{\"x\": \"\xc0\xaf\"}",
        "{'jti': {}}", "{\"jti\": {\"a\": 1} \"sub\": {}}",
        "{\"x\": [}", "{\"x\": {]}", "{\"x\": [[[]]}",
        "{\"jti\": {\"a\": 1e99999}}", "{\"x\": -}", "{\"x\": NaN}",
        "{\"x\": Infinity}", "{\"jti\": {\"a\": +1}}",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        refused(bad[i]);
        refused_fmt(bad[i], strlen(bad[i]), JWTGATE_RLIST_KJDEV_SUB);
        refused_fmt(bad[i], strlen(bad[i]), JWTGATE_RLIST_KJDEV_KID);
    }

    /* a NUL byte in the text */
    refused_fmt("{\"x\": 1}\0", 9, JWTGATE_RLIST_JWTGATE);
    refused_fmt("{\"x\": \"a\0b\"}", 12, JWTGATE_RLIST_JWTGATE);

    /* NULL text, unknown format */
    refused_fmt(NULL, 0, JWTGATE_RLIST_JWTGATE);
    refused_fmt("{}", 2, (jwtgate_rlist_format_t) 7);

    /* nesting: the top object is level 1, JWTGATE_RLIST_MAX_DEPTH in
     * all is read, one more is refused */
    n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"x\":", 4);
    n += 4;
    for (i = 0; i < JWTGATE_RLIST_MAX_DEPTH - 1; i++) {
        deep[n++] = '[';
    }
    for (i = 0; i < JWTGATE_RLIST_MAX_DEPTH - 1; i++) {
        deep[n++] = ']';
    }
    deep[n++] = '}';
    free(build_fmt(deep, n, JWTGATE_RLIST_JWTGATE, NOW, NULL, NULL));
    free(build_fmt(deep, n, JWTGATE_RLIST_KJDEV_SUB, NOW, NULL, NULL));

    n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"x\":", 4);
    n += 4;
    for (i = 0; i < JWTGATE_RLIST_MAX_DEPTH; i++) {
        deep[n++] = '[';
    }
    for (i = 0; i < JWTGATE_RLIST_MAX_DEPTH; i++) {
        deep[n++] = ']';
    }
    deep[n++] = '}';
    assert_non_null(strstr(refused_fmt(deep, n, JWTGATE_RLIST_JWTGATE),
                           "deep"));
    assert_non_null(strstr(refused_fmt(deep, n, JWTGATE_RLIST_KJDEV_SUB),
                           "deep"));
}


static void
test_wrong_types(void **state)
{
    void  *mem;

    (void) state;

    refused("{\"jti\": [\"a\"]}");
    refused("{\"jti\": \"a\"}");
    refused("{\"jti\": null}");
    refused("{\"sub\": [\"a\"]}");
    refused("{\"sub\": 1}");
    refused("{\"jti\": {\"a\": \"1700000100\"}}");
    refused("{\"jti\": {\"a\": null}}");
    refused("{\"jti\": {\"a\": true}}");
    refused("{\"jti\": {\"a\": {}}}");
    refused("{\"jti\": {\"a\": []}}");
    refused("{\"sub\": {\"a\": \"x\"}}");
    assert_non_null(strstr(refused("{\"jti\": {\"a\": -1}}"), "negative"));
    assert_non_null(strstr(refused("{\"sub\": {\"a\": -1700000000}}"),
                           "negative"));
    assert_non_null(strstr(refused("{\"sub\": {\"a\": -0.5}}"), "negative"));
    /* an expired jti is still read: its date must be valid */
    refused("{\"jti\": {\"old\": -1, \"a\": 1800000000}}");

    /* fractions are floored; -0 is 0; exponents are numbers */
    mem = build("{\"jti\": {\"f\": 1700000000.9, \"e\": 1.7e9,"
                " \"g\": 17e8}, \"sub\": {\"z\": -0, \"y\": 0.5,"
                " \"big\": 1e300, \"i64\": 9223372036854775807}}", NOW);
    assert_counts(mem, 3, 4, 0);
    assert_int_equal(JTI(mem, "f", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "f", NOW + 1), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "e", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "g", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(SUB(mem, "z", 0), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "z", 1), JWTGATE_RLIST_OK);
    assert_int_equal(SUB(mem, "y", 0), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "y", 1), JWTGATE_RLIST_OK);
    /* beyond int64: forever */
    assert_int_equal(SUB(mem, "big", INT64_MAX), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "i64", INT64_MAX), JWTGATE_RLIST_SUB);
    free(mem);

    /* an integer beyond int64 is not JSON the reader holds: refused */
    refused("{\"sub\": {\"a\": 9223372036854775808}}");
}


static void
test_unknown_members(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{\"version\": 3, \"jti\": {\"a\": 1800000000},"
                " \"next\": {\"sub\": {\"x\": 1}, \"kid\": [\"y\"],"
                " \"deep\": [[{\"q\": [true, false, null, -1.5e3, \"s\"]}]]},"
                " \"Jti\": {\"b\": 1800000000}, \"sub \": {\"c\": 1},"
                " \"etag\": \"\\\"x\\\"\"}", NOW);
    assert_non_null(mem);
    assert_counts(mem, 1, 0, 0);
    assert_int_equal(JTI(mem, "a", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "b", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(SUB_NOIAT(mem, "x"), JWTGATE_RLIST_OK);
    assert_int_equal(SUB_NOIAT(mem, "c"), JWTGATE_RLIST_OK);
    assert_int_equal(KID(mem, "y"), JWTGATE_RLIST_OK);
    free(mem);

    /* the members' names are read unescaped: "\u006a\u0074\u0069" is jti */
    mem = build("{\"\\u006a\\u0074\\u0069\": {\"a\": 1800000000},"
                " \"s\\u0075b\": {\"b\": 5}, \"\\u006bid\": [\"c\"]}", NOW);
    assert_counts(mem, 1, 1, 1);
    assert_int_equal(JTI(mem, "a", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(SUB(mem, "b", 5), JWTGATE_RLIST_SUB);
    assert_int_equal(KID(mem, "c"), JWTGATE_RLIST_KID);
    free(mem);
}


static void
test_escaped_names(void **state)
{
    void  *mem;

    (void) state;

    mem = build("{\"jti\": {\"a\\\"b\": 1800000000, \"\\u00e9t\\u00e9\":"
                " 1800000000, \"sl\\/ash\": 1800000000,"
                " \"\\ud83d\\ude00\": 1800000000, \"tab\\there\": 1800000000,"
                " \"\xe2\x82\xac\": 1800000000}}", NOW);
    assert_counts(mem, 6, 0, 0);
    assert_int_equal(JTI(mem, "a\"b", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "a\\\"b", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "\xc3\xa9t\xc3\xa9", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "sl/ash", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "\xf0\x9f\x98\x80", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "tab\there", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "\xe2\x82\xac", NOW), JWTGATE_RLIST_JTI);
    free(mem);
}


static void
test_duplicates(void **state)
{
    void  *mem;

    (void) state;

    /* the later exp wins, in either order */
    mem = build("{\"jti\": {\"a\": 1700000100, \"a\": 1700000500,"
                " \"b\": 1700000500, \"b\": 1700000100,"
                " \"c\": 1600000000, \"c\": 1700000001}}", NOW);
    assert_counts(mem, 3, 0, 0);
    assert_int_equal(JTI(mem, "a", NOW + 500), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "b", NOW + 500), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "a", NOW + 501), JWTGATE_RLIST_OK);
    /* one copy expired at build: the other is kept */
    assert_int_equal(JTI(mem, "c", NOW + 1), JWTGATE_RLIST_JTI);
    free(mem);

    /* the later cutoff wins; "a" and "\u0061" are one name */
    mem = build("{\"sub\": {\"u\": 100, \"\\u0075\": 200, \"u\": 150},"
                " \"kid\": [\"k\", \"k\", \"\\u006b\"],"
                " \"jti\": {\"x\": 1800000000}, \"jti\": {\"y\": 1800000000}}",
                NOW);
    assert_counts(mem, 2, 1, 1);
    assert_int_equal(SUB(mem, "u", 200), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "u", 201), JWTGATE_RLIST_OK);
    assert_int_equal(KID(mem, "k"), JWTGATE_RLIST_KID);
    /* a top member twice: both read */
    assert_int_equal(JTI(mem, "x", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(JTI(mem, "y", NOW), JWTGATE_RLIST_JTI);
    free(mem);
}


static void
test_long_names(void **state)
{
    char    *text, *name;
    void    *mem;
    size_t   i, n;

    (void) state;

    text = malloc(16384);
    name = malloc(4096);
    assert_non_null(text);
    assert_non_null(name);

    /* 1024 bytes: accepted */
    memset(name, 'n', JWTGATE_RLIST_MAX_NAME);
    name[JWTGATE_RLIST_MAX_NAME] = '\0';
    snprintf(text, 16384, "{\"jti\": {\"%s\": 1800000000},"
             " \"sub\": {\"%s\": 1}, \"kid\": [\"%s\"]}", name, name, name);
    mem = build(text, NOW);
    assert_non_null(mem);
    assert_counts(mem, 1, 1, 1);
    assert_int_equal(check(mem, name, NULL, 0, 0, NULL, NOW),
                     JWTGATE_RLIST_JTI);
    assert_int_equal(check(mem, NULL, name, 1, 1, NULL, NOW),
                     JWTGATE_RLIST_SUB);
    assert_int_equal(check(mem, NULL, NULL, 0, 0, name, NOW),
                     JWTGATE_RLIST_KID);

    /* a longer query is never listed, and costs no hashing */
    memset(name, 'n', 3000);
    name[3000] = '\0';
    assert_int_equal(check(mem, name, name, 1, 0, name, NOW),
                     JWTGATE_RLIST_OK);
    free(mem);

    /* 1025 bytes: refused, wherever it is */
    memset(name, 'n', JWTGATE_RLIST_MAX_NAME + 1);
    name[JWTGATE_RLIST_MAX_NAME + 1] = '\0';
    snprintf(text, 16384, "{\"jti\": {\"%s\": 1800000000}}", name);
    assert_non_null(strstr(refused(text), "1024"));
    snprintf(text, 16384, "{\"jti\": {\"%s\": 1}}", name);
    refused(text);      /* expired, but still too long */
    snprintf(text, 16384, "{\"sub\": {\"%s\": 1}}", name);
    refused(text);
    snprintf(text, 16384, "{\"kid\": [\"%s\"]}", name);
    refused(text);
    snprintf(text, 16384, "{\"%s\": 1}", name);
    refused_fmt(text, strlen(text), JWTGATE_RLIST_KJDEV_SUB);
    refused_fmt(text, strlen(text), JWTGATE_RLIST_KJDEV_KID);
    /* so is a member name of the top object, known or not */
    refused(text);

    /* the limit counts unescaped bytes: 1024 escapes of 6 bytes pass */
    n = (size_t) snprintf(text, 16384, "{\"kid\": [\"");
    for (i = 0; i < JWTGATE_RLIST_MAX_NAME; i++) {
        memcpy(text + n, "\\u0041", 6);
        n += 6;
    }
    memcpy(text + n, "\"]}", 4);
    mem = build(text, NOW);
    memset(name, 'A', JWTGATE_RLIST_MAX_NAME);
    name[JWTGATE_RLIST_MAX_NAME] = '\0';
    assert_int_equal(KID(mem, name), JWTGATE_RLIST_KID);
    free(mem);

    /* ... and 342 three-byte characters do not (1026 bytes) */
    n = (size_t) snprintf(text, 16384, "{\"kid\": [\"");
    for (i = 0; i < 342; i++) {
        memcpy(text + n, "\xe2\x82\xac", 3);
        n += 3;
    }
    memcpy(text + n, "\"]}", 4);
    refused(text);

    free(name);
    free(text);
}


static void
test_kjdev(void **state)
{
    void        *mem;
    const char  *subs, *kids;

    (void) state;

    /* the files of kjdev/nginx-auth-jwt's documentation */
    subs = "{\n"
           "  \"lockedsub1\": {\"locked_at\": \"2023\"},\n"
           "  \"lockedsub2\": {\"locked_reason\": \"bad user\"},\n"
           "  \"lockedsub3\": {\"any_other_property\": 1}\n"
           "}\n";
    kids = "{\n  \"test2kid\": {\"revocation_reason\": \"unknown\"}\n}\n";

    mem = build_fmt(subs, strlen(subs), JWTGATE_RLIST_KJDEV_SUB, NOW, NULL,
                    NULL);
    assert_counts(mem, 0, 3, 0);
    /* every iat, and none */
    assert_int_equal(SUB(mem, "lockedsub1", 0), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(mem, "lockedsub2", INT64_MAX), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB_NOIAT(mem, "lockedsub3"), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB_NOIAT(mem, "lockedsub4"), JWTGATE_RLIST_OK);
    assert_int_equal(KID(mem, "lockedsub1"), JWTGATE_RLIST_OK);
    assert_int_equal(JTI(mem, "lockedsub1", NOW), JWTGATE_RLIST_OK);
    free(mem);

    mem = build_fmt(kids, strlen(kids), JWTGATE_RLIST_KJDEV_KID, NOW, NULL,
                    NULL);
    assert_counts(mem, 0, 0, 1);
    assert_int_equal(KID(mem, "test2kid"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "test2"), JWTGATE_RLIST_OK);
    assert_int_equal(SUB_NOIAT(mem, "test2kid"), JWTGATE_RLIST_OK);
    free(mem);

    /* values of any type; the names "jti", "sub", "kid" are plain names */
    kids = "{\"a\": null, \"b\": 1, \"c\": \"x\", \"d\": [1, [2]],"
           " \"e\": true, \"jti\": {}, \"kid\": [], \"sub\": -3.5, \"\": {}}";
    mem = build_fmt(kids, strlen(kids), JWTGATE_RLIST_KJDEV_KID, NOW, NULL,
                    NULL);
    assert_counts(mem, 0, 0, 9);
    assert_int_equal(KID(mem, "d"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, "kid"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(mem, ""), JWTGATE_RLIST_KID);
    free(mem);

    mem = build_fmt("{}", 2, JWTGATE_RLIST_KJDEV_SUB, NOW, NULL, NULL);
    assert_counts(mem, 0, 0, 0);
    free(mem);

    /* kjdev's invalid files: an array is not a list */
    refused_fmt("[\"invalid\", \"array\", \"object\", \"expected\"]\n", 43,
                JWTGATE_RLIST_KJDEV_KID);
    refused_fmt("[\"invalid\", \"array\", \"object\", \"expected\"]\n", 43,
                JWTGATE_RLIST_KJDEV_SUB);
    /* and our format in a kjdev file: its names are the members */
    mem = build_fmt("{\"sub\": {\"alice\": 1}}", 21, JWTGATE_RLIST_KJDEV_SUB,
                    NOW, NULL, NULL);
    assert_int_equal(SUB_NOIAT(mem, "sub"), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB_NOIAT(mem, "alice"), JWTGATE_RLIST_OK);
    free(mem);
}


static void
test_relocation(void **state)
{
    char          name[32];
    void         *a, *b, *c;
    size_t        size, i;
    const char   *reason;
    const char   *text;

    (void) state;

    text = "{\"jti\": {\"j1\": 1800000000, \"j2\": 1800000000,"
           " \"j3\": 1800000000, \"j4\": 1800000000, \"j5\": 1800000000},"
           " \"sub\": {\"s1\": 1700000000, \"s2\": 1700000000},"
           " \"kid\": [\"k1\", \"k2\", \"k3\"]}";

    a = build_fmt(text, strlen(text), JWTGATE_RLIST_JWTGATE, NOW, &reason,
                  &size);
    assert_non_null(a);

    /* another block at another address, then the first one destroyed */
    b = malloc(size + 64);
    assert_non_null(b);
    c = (char *) b + 40;        /* 8-aligned, somewhere else */
    memcpy(c, a, size);
    memset(a, 0x5a, size);
    free(a);

    assert_counts(c, 5, 2, 3);

    for (i = 1; i <= 5; i++) {
        snprintf(name, sizeof(name), "j%zu", i);
        assert_int_equal(JTI(c, name, NOW), JWTGATE_RLIST_JTI);
    }

    assert_int_equal(JTI(c, "j6", NOW), JWTGATE_RLIST_OK);
    assert_int_equal(SUB(c, "s1", NOW), JWTGATE_RLIST_SUB);
    assert_int_equal(SUB(c, "s2", NOW + 1), JWTGATE_RLIST_OK);
    assert_int_equal(KID(c, "k3"), JWTGATE_RLIST_KID);
    assert_int_equal(KID(c, "k4"), JWTGATE_RLIST_OK);

    /* move it again, overlapping */
    memmove(b, c, size);
    assert_int_equal(JTI(b, "j5", NOW), JWTGATE_RLIST_JTI);
    assert_int_equal(KID(b, "k1"), JWTGATE_RLIST_KID);
    assert_int_equal(SUB_NOIAT(b, "s2"), JWTGATE_RLIST_SUB);
    free(b);
}


static void
test_sizes(void **state)
{
    size_t        size, size2, j, s, k;
    uint64_t     *mem;
    const char   *reason;
    const char   *text, *text2;

    (void) state;

    text = "{\"jti\": {\"a\": 1800000000, \"b\": 1800000000},"
           " \"kid\": [\"k\"]}";

    assert_int_equal(jwtgate_rlist_size(text, strlen(text),
                                        JWTGATE_RLIST_JWTGATE, NOW, &size,
                                        &reason), 0);

    /* pass 1 counts what stays: expired entries take no room */
    text2 = "{\"jti\": {\"a\": 1800000000, \"b\": 1800000000, \"c\": 1},"
            " \"kid\": [\"k\"]}";
    assert_int_equal(jwtgate_rlist_size(text2, strlen(text2),
                                        JWTGATE_RLIST_JWTGATE, NOW, &size2,
                                        &reason), 0);
    assert_int_equal(size, size2);

    /* the size jwtgate.h states: 88 + (2 + 1 + 1) * 16 for two jtis,
     * + (1 + 0 + 1) * 16 for a kid, + 3 bytes of names rounded to 8 */
    assert_int_equal(size, 88 + 4 * 16 + 2 * 16 + 8);
    assert_int_equal(jwtgate_rlist_size("{}", 2, JWTGATE_RLIST_JWTGATE, NOW,
                                        &size2, &reason), 0);
    assert_int_equal(size2, 88);

    /* the block is filled to its last byte and no further */
    mem = malloc(size + 64);
    assert_non_null(mem);
    memset(mem, 0xee, size + 64);

    assert_int_equal(jwtgate_rlist_build(text, strlen(text),
                                         JWTGATE_RLIST_JWTGATE, NOW, mem,
                                         size, &reason), 0);
    for (j = size; j < size + 64; j++) {
        assert_int_equal(((unsigned char *) mem)[j], 0xee);
    }

    /* too small: refused */
    reason = NULL;
    assert_int_equal(jwtgate_rlist_build(text, strlen(text),
                                         JWTGATE_RLIST_JWTGATE, NOW, mem,
                                         size - 8, &reason), -1);
    assert_non_null(reason);
    jwtgate_rlist_counts(mem, &j, &s, &k);
    assert_int_equal(j + s + k, 0);
    assert_int_equal(JTI(mem, "a", NOW), JWTGATE_RLIST_OK);

    assert_int_equal(jwtgate_rlist_build(text, strlen(text),
                                         JWTGATE_RLIST_JWTGATE, NOW, mem,
                                         0, &reason), -1);

    /* misaligned: refused */
    assert_int_equal(jwtgate_rlist_build(text, strlen(text),
                                         JWTGATE_RLIST_JWTGATE, NOW,
                                         (char *) mem + 4, size, &reason),
                     -1);

    /* bigger than needed: fine */
    assert_int_equal(jwtgate_rlist_build(text, strlen(text),
                                         JWTGATE_RLIST_JWTGATE, NOW, mem,
                                         size + 64, &reason), 0);
    assert_counts(mem, 2, 0, 1);
    assert_int_equal(JTI(mem, "b", NOW), JWTGATE_RLIST_JTI);
    free(mem);
}


/* many names: every one found, none made up; a block of n jtis */

static void
test_many(void **state)
{
    char        *text, name[40];
    void        *mem;
    size_t       i, n, len, cap, size, hits;
    const char  *reason;

    (void) state;

    n = 200000;
    cap = n * 40 + 64;
    text = malloc(cap);
    assert_non_null(text);

    len = (size_t) snprintf(text, cap, "{\"jti\": {");
    for (i = 0; i < n; i++) {
        len += (size_t) snprintf(text + len, cap - len, "%s\"j-%zu\": %lld",
                                 i ? ", " : "", i * 7919,
                                 (long long) (NOW + (i % 1000)));
    }
    len += (size_t) snprintf(text + len, cap - len, "}}");

    mem = build_fmt(text, len, JWTGATE_RLIST_JWTGATE, NOW, &reason, &size);
    assert_non_null(mem);
    assert_counts(mem, n, 0, 0);
    /* 16 bytes a slot, 1.5 slots a name, and the names */
    assert_true(size < n * (24 + 12) + 4096);

    hits = 0;
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "j-%zu", i * 7919);
        hits += JTI(mem, name, NOW) == JWTGATE_RLIST_JTI;
        snprintf(name, sizeof(name), "j-%zu", i * 7919 + 1);
        hits += JTI(mem, name, NOW) == JWTGATE_RLIST_JTI;
    }
    assert_int_equal(hits, n);

    /* half of them have expired 500 s later */
    hits = 0;
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "j-%zu", i * 7919);
        hits += JTI(mem, name, NOW + 500) == JWTGATE_RLIST_JTI;
    }
    assert_int_equal(hits, n / 2);

    free(mem);
    free(text);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_jti_expiry),
        cmocka_unit_test(test_sub_cutoff),
        cmocka_unit_test(test_kid),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_unknown_members),
        cmocka_unit_test(test_escaped_names),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_kjdev),
        cmocka_unit_test(test_relocation),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
