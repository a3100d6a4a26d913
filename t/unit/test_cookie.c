/*
 * jwtgate_cookie_count() and jwtgate_cookie_remove(): the token cookie out
 * of a Cookie header value, every spelling nginx's $cookie_NAME finds,
 * the other pairs kept byte for byte, the output never longer than the
 * input.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jwtgate.h"


/* the output of removing name from in, in a buffer exactly as long as in
 * (malloc'ed, so that ASan sees a byte written past it) */
static char *
removed(const char *in, const char *name)
{
    char    *out, *s;
    size_t   len, n;

    len = strlen(in);

    out = malloc(len ? len : 1);
    assert_non_null(out);

    n = jwtgate_cookie_remove((const unsigned char *) in, len,
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


static size_t
count(const char *in, const char *name)
{
    return jwtgate_cookie_count((const unsigned char *) in, strlen(in),
                                (const unsigned char *) name, strlen(name));
}


#define assert_removed(in, name, want)                                        \
    do {                                                                      \
        char  *got_ = removed(in, name);                                      \
        assert_string_equal(got_, want);                                      \
        free(got_);                                                           \
    } while (0)


static void
test_remove_middle_first_last(void **state)
{
    (void) state;

    assert_removed("a=1; t=X; b=2", "t", "a=1; b=2");
    assert_removed("t=X; a=1; b=2", "t", "a=1; b=2");
    assert_removed("a=1; b=2; t=X", "t", "a=1; b=2");
    assert_removed("t=X", "t", "");
    assert_removed("t=X;", "t", "");
    assert_removed("t=X; t=Y", "t", "");
    assert_removed("a=1; t=X; t=Y; b=2", "t", "a=1; b=2");
}


static void
test_other_pairs_kept_exactly(void **state)
{
    (void) state;

    /* nothing named: unchanged */
    assert_removed("a=1;b=2", "t", "a=1;b=2");
    assert_removed("a=1;  b=2;c", "t", "a=1;  b=2;c");
    /* the separators of the input are kept, not normalized */
    assert_removed("a=1;b=2;t=X;c=3", "t", "a=1;b=2;c=3");
    assert_removed("a=1, t=X, b=2", "t", "a=1, b=2");
    /* values holding '=' and quotes are other pairs' business */
    assert_removed("a=x=y; t=X; b=\"q\"", "t", "a=x=y; b=\"q\"");
    /* a name that only starts like the token's is another cookie */
    assert_removed("tt=1; t=X; t2=2; xt=3", "t", "tt=1; t2=2; xt=3");
}


/* the crash: bare ';' pairs, longer on output when joined "; " */
static void
test_bare_semicolons_never_grow(void **state)
{
    char    *in, *want;
    size_t   i, n;

    (void) state;

    n = 3500;

    in = malloc(2 * n + 64);
    want = malloc(2 * n + 64);
    assert_non_null(in);
    assert_non_null(want);

    for (i = 0; i < n; i++) {
        memcpy(in + 2 * i, "a;", 2);
        memcpy(want + 2 * i, "a;", 2);
    }

    strcpy(in + 2 * n, "t=X;b");
    strcpy(want + 2 * n, "b");

    assert_removed(in, "t", want);

    /* no token at all: the same bytes back */
    in[2 * n] = '\0';
    assert_removed(in, "t", in);

    free(in);
    free(want);
}


/* what nginx's $cookie_t finds: "t =X" (spaces before '='), any case */
static void
test_nginx_spellings(void **state)
{
    (void) state;

    assert_removed("a=1; t =X; b=2", "t", "a=1; b=2");
    assert_removed("a=1; t  =  X; b=2", "t", "a=1; b=2");
    assert_removed("a=1; T=X", "t", "a=1");
    assert_removed("Access_Token=X; a=1", "access_token", "a=1");
    assert_removed("a=1; ACCESS_TOKEN=X", "access_token", "a=1");
    /* nginx before 1.23: ',' ends a pair too */
    assert_removed("x=1, t=X", "t", "x=1");
    assert_removed("t=X, x=1", "t", "x=1");
    assert_removed("x=1,t=X;y=2", "t", "x=1;y=2");
}


/* what an upstream may read as the token: decoded, PHP's '.' and ' ' */
static void
test_upstream_spellings(void **state)
{
    (void) state;

    assert_removed("a=1; access%5Ftoken=X", "access_token", "a=1");
    assert_removed("a=1; %61ccess_token=X", "access_token", "a=1");
    assert_removed("a=1; access.token=X", "access_token", "a=1");
    assert_removed("a=1; access+token=X", "access_token", "a=1");
    assert_removed("a=1; access token=X", "access_token", "a=1");
    assert_removed("a=1;\taccess_token\t=X", "access_token", "a=1");
    /* a name without '=' is a pair of that name for some parsers */
    assert_removed("a=1; access_token", "access_token", "a=1");
    /* but a different name stays */
    assert_removed("access_tokens=X; access-token=Y; xaccess_token=Z",
                   "access_token",
                   "access_tokens=X; access-token=Y; xaccess_token=Z");
    /* an escape that is not one stays as it is */
    assert_removed("access%5token=X", "access_token", "access%5token=X");
    assert_removed("access_token%=X", "access_token", "access_token%=X");
}


static void
test_leading_whitespace_of_first_kept_pair(void **state)
{
    (void) state;

    /* nginx reads a name only at the start or after a separator */
    assert_removed("t=X;  a=1", "t", "a=1");
    assert_removed("t=X;\t a=1; b=2", "t", "a=1; b=2");
    assert_removed("  a=1", "t", "a=1");
}


static void
test_empty_pairs(void **state)
{
    (void) state;

    assert_removed("", "t", "");
    assert_removed(";", "t", ";");
    assert_removed("a=1;;b=2", "t", "a=1;;b=2");
    assert_removed(";t=X; a=1", "t", "; a=1");
    assert_removed("=1; t=X", "t", "=1");
    /* an empty name matches nothing */
    assert_removed("=1; a=2", "", "=1; a=2");
}


static void
test_count(void **state)
{
    (void) state;

    assert_int_equal(count("", "t"), 0);
    assert_int_equal(count("a=1", "t"), 0);
    assert_int_equal(count("t=X", "t"), 1);
    assert_int_equal(count("t=X; T=Y", "t"), 2);
    assert_int_equal(count("a=1, t=X; t=Y", "t"), 2);
    assert_int_equal(count("t =X; t.=Y", "t"), 1);
    assert_int_equal(count("access_token=X; access.token=Y", "access_token"),
                     2);
    assert_int_equal(count("tt=1; xt=2", "t"), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remove_middle_first_last),
        cmocka_unit_test(test_other_pairs_kept_exactly),
        cmocka_unit_test(test_bare_semicolons_never_grow),
        cmocka_unit_test(test_nginx_spellings),
        cmocka_unit_test(test_upstream_spellings),
        cmocka_unit_test(test_leading_whitespace_of_first_kept_pair),
        cmocka_unit_test(test_empty_pairs),
        cmocka_unit_test(test_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
