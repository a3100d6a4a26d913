/*
 * jwtgate_query_count(), jwtgate_query_remove(), jwtgate_query_mask(): the
 * token argument in a query string as nginx keeps it (undecoded): every
 * spelling $arg_NAME or an upstream finds, the other arguments kept byte
 * for byte, outputs within their documented bounds.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"


static char *
removed(const char *in, const char *name)
{
    char    *out, *s;
    size_t   len, n;

    len = strlen(in);

    out = malloc(len ? len : 1);
    assert_non_null(out);

    n = jwtgate_query_remove((const unsigned char *) in, len,
                             (const unsigned char *) name, strlen(name),
                             (unsigned char *) out);
    assert_true(n <= len);

    s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, out, n);
    s[n] = '\0';
    free(out);

    return s;
}


static char *
masked(const char *in, const char *name, const char *mask)
{
    char    *out, *s;
    size_t   len, n, size;

    len = strlen(in);
    size = len + jwtgate_query_count((const unsigned char *) in, len,
                                     (const unsigned char *) name,
                                     strlen(name))
                 * strlen(mask);

    out = malloc(size ? size : 1);
    assert_non_null(out);

    n = jwtgate_query_mask((const unsigned char *) in, len,
                           (const unsigned char *) name, strlen(name),
                           (const unsigned char *) mask, strlen(mask),
                           (unsigned char *) out);
    assert_true(n <= size);

    s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, out, n);
    s[n] = '\0';
    free(out);

    return s;
}


static size_t
count(const char *in, const char *name)
{
    return jwtgate_query_count((const unsigned char *) in, strlen(in),
                               (const unsigned char *) name, strlen(name));
}


#define assert_removed(in, name, want)                                        \
    do {                                                                      \
        char  *got_ = removed(in, name);                                      \
        assert_string_equal(got_, want);                                      \
        free(got_);                                                           \
    } while (0)

#define assert_masked(in, name, want)                                         \
    do {                                                                      \
        char  *got_ = masked(in, name, "***");                                \
        assert_string_equal(got_, want);                                      \
        free(got_);                                                           \
    } while (0)


static void
test_remove(void **state)
{
    (void) state;

    assert_removed("a=1&access_token=X&b=2", "access_token", "a=1&b=2");
    assert_removed("access_token=X&b=2", "access_token", "b=2");
    assert_removed("a=1&access_token=X", "access_token", "a=1");
    assert_removed("access_token=X", "access_token", "");
    assert_removed("access_token=X&access_token=Y", "access_token", "");
    assert_removed("a=1&b=2", "access_token", "a=1&b=2");
    assert_removed("", "access_token", "");
    /* the separators as they were */
    assert_removed("a=1;access_token=X&b=2", "access_token", "a=1&b=2");
    assert_removed("a=1&access_token=X;b=2", "access_token", "a=1;b=2");
    assert_removed("a=1&&b=2", "access_token", "a=1&&b=2");
    /* no '=' and an empty value: still the argument */
    assert_removed("access_token&a=1", "access_token", "a=1");
    assert_removed("a=1&access_token=", "access_token", "a=1");
    /* leading spaces of a kept argument are its own */
    assert_removed("access_token=X&%20a=1", "access_token", "%20a=1");
}


static void
test_spellings(void **state)
{
    (void) state;

    /* $arg_NAME: any letter case */
    assert_removed("ACCESS_TOKEN=X&a=1", "access_token", "a=1");
    /* decoded by the upstream */
    assert_removed("acc%65ss_token=X&a=1", "access_token", "a=1");
    assert_removed("access%5ftoken=X&a=1", "access_token", "a=1");
    /* PHP: '.', ' ', '+' read as '_'; leading spaces dropped */
    assert_removed("access.token=X&a=1", "access_token", "a=1");
    assert_removed("access+token=X&a=1", "access_token", "a=1");
    assert_removed("access%20token=X&a=1", "access_token", "a=1");
    assert_removed("+access_token=X&a=1", "access_token", "a=1");
    assert_removed("%20access_token=X&a=1", "access_token", "a=1");
    /* other names */
    assert_removed("access_tokens=X&xaccess_token=Y&access-token=Z",
                   "access_token",
                   "access_tokens=X&xaccess_token=Y&access-token=Z");
    assert_removed("access_token%3D=X", "access_token", "access_token%3D=X");
}


static void
test_count(void **state)
{
    (void) state;

    assert_int_equal(count("", "access_token"), 0);
    assert_int_equal(count("access_token=X", "access_token"), 1);
    assert_int_equal(count("access_token=X&access_token=Y", "access_token"),
                     2);
    assert_int_equal(count("access_token=X;access.token=Y", "access_token"),
                     2);
    assert_int_equal(count("a=access_token&b=access_token=", "access_token"),
                     0);
}


static void
test_mask(void **state)
{
    (void) state;

    assert_masked("a=1&access_token=XYZ&b=2", "access_token",
                  "a=1&access_token=***&b=2");
    assert_masked("access_token=X", "access_token", "access_token=***");
    assert_masked("Access.Token=XYZ;access_token=", "access_token",
                  "Access.Token=***;access_token=");
    assert_masked("access_token&a=XYZ", "access_token", "access_token&a=XYZ");
    assert_masked("a=b=access_token", "access_token", "a=b=access_token");
    assert_masked("", "access_token", "");
}


/* nginx leaves r->args.data NULL when there is no query */
static void
test_empty_null(void **state)
{
    unsigned char  out[1];

    (void) state;

    assert_int_equal(jwtgate_query_count(NULL, 0, (const unsigned char *)
                                         "access_token", 12), 0);
    assert_int_equal(jwtgate_query_remove(NULL, 0, (const unsigned char *)
                                          "access_token", 12, out), 0);
    assert_int_equal(jwtgate_query_mask(NULL, 0, (const unsigned char *)
                                        "access_token", 12,
                                        (const unsigned char *) "x", 1, out),
                     0);
    assert_int_equal(jwtgate_cookie_count(NULL, 0, (const unsigned char *)
                                          "t", 1), 0);
    assert_int_equal(jwtgate_cookie_remove(NULL, 0, (const unsigned char *)
                                           "t", 1, out), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_empty_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
