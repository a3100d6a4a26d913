/*
 * JSON numbers piece by piece, for the reader (jwtgate_jread.c) and the
 * revocation lists (jwtgate_rlist_read.c): a number by the grammar of
 * RFC 8259 (and the ranges jansson holds), its value correctly rounded,
 * and NumericDates read back from text the reader accepted.  Strings are
 * in jwtgate_jtext.c.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwtgate_int.h"


#define JT_MAX_NUMERIC_DATE   9007199254740992.0    /* 2^53 */
/* enough digits to round any decimal correctly: 767 can matter, the rest
 * only as "some nonzero digit follows" */
#define JT_REAL_DIGITS        800


static int jt_real_too_big(const unsigned char *p, const unsigned char *end);
static double jt_real_value(const unsigned char *p, const unsigned char *end);


/* 2^1024 - 2^970: the smallest decimal that rounds to infinity */
static const char  jt_overflow_digits[] =
    "17976931348623158079372897140530341507993413271003782693617377898044"
    "49682927647509466490179775872070963302864166928879109465555478519404"
    "02630657488671505820681908902000708383676273854845817711531764475730"
    "27006985557136695962284291481986083493647529271907416844436551070434"
    "2711559699508093042880177904174497792";

static const double  jt_pow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};


#define jt_digit(c)  ((unsigned) ((c) - '0') < 10)


/* a number at p by the grammar of RFC 8259 section 6: the byte after it,
 * or NULL; integers must fit int64, and other numbers a finite double, as
 * jansson holds them */

const unsigned char *
jwtgate_jscan_number(const unsigned char *p, const unsigned char *end,
    unsigned char *type)
{
    int                   neg;
    size_t                digits;
    const unsigned char  *first;

    neg = p < end && *p == '-';
    if (neg) {
        p++;
    }

    first = p;

    if (p == end || !jt_digit(*p)) {
        return NULL;
    }

    /* no leading zeros: "01" ends the number after "0" */
    if (*p == '0') {
        p++;

    } else {
        while (p < end && jt_digit(*p)) {
            p++;
        }
    }

    digits = (size_t) (p - first);
    *type = JWTGATE_JSON_INTEGER;

    if (p < end && *p == '.') {
        p++;

        if (p == end || !jt_digit(*p)) {
            return NULL;
        }

        while (p < end && jt_digit(*p)) {
            p++;
        }

        *type = JWTGATE_JSON_REAL;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == end || !jt_digit(*p)) {
            return NULL;
        }

        while (p < end && jt_digit(*p)) {
            p++;
        }

        *type = JWTGATE_JSON_REAL;
    }

    if (*type == JWTGATE_JSON_INTEGER) {
        if (digits > 19
            || (digits == 19
                && memcmp(first, neg ? "9223372036854775808"
                                     : "9223372036854775807", 19) > 0))
        {
            return NULL;
        }

    } else if (jt_real_too_big(first, p)) {
        return NULL;
    }

    return p;
}


/*
 * Significant digits and magnitude of the number at p (no sign): value =
 * 0.D x 10^k.  Returns the first significant digit, NULL for zero.  k is
 * kept within +-3000000, far outside any double.
 */

static const unsigned char *
jt_decimal(const unsigned char *p, const unsigned char *end, long *k)
{
    int                   neg;
    long                  e;
    const unsigned char  *lead;

    *k = 0;
    lead = NULL;

    for ( ; p < end && jt_digit(*p); p++) {
        if (lead == NULL && *p == '0') {
            continue;
        }

        if (lead == NULL) {
            lead = p;
        }

        if (*k < 1000000) {
            (*k)++;
        }
    }

    if (p < end && *p == '.') {
        for (p++; p < end && jt_digit(*p); p++) {
            if (lead != NULL) {
                continue;
            }

            if (*p != '0') {
                lead = p;

            } else if (*k > -1000000) {
                (*k)--;
            }
        }
    }

    e = 0;

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        neg = p < end && *p == '-';

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        for ( ; p < end && jt_digit(*p); p++) {
            if (e < 1000000) {
                e = e * 10 + (*p - '0');
            }
        }

        *k += neg ? -e : e;
    }

    return lead;
}


/*
 * 1 when the number at p (no sign) rounds to infinity as a double: k >
 * 309, or k == 309 and D at least the digits of 2^1024 - 2^970, the
 * halfway point above DBL_MAX (a tie rounds to even: up).
 */

static int
jt_real_too_big(const unsigned char *p, const unsigned char *end)
{
    long                  k;
    size_t                i;
    const unsigned char  *lead;

    lead = jt_decimal(p, end, &k);

    if (lead == NULL || k != 309) {
        return lead != NULL && k > 309;
    }

    for (i = 0, p = lead; ; p++) {
        if (i == sizeof(jt_overflow_digits) - 1) {
            return 1;   /* equal so far, and as long: at least */
        }

        if (p < end && *p == '.') {
            continue;
        }

        if (p == end || !jt_digit(*p)) {
            return 0;   /* shorter, and the bound's tail is not zero */
        }

        if (*p != (unsigned char) jt_overflow_digits[i]) {
            return *p > (unsigned char) jt_overflow_digits[i];
        }

        i++;
    }
}


/* the correctly rounded double of the number at p (no sign) */

static double
jt_real_value(const unsigned char *p, const unsigned char *end)
{
    int                   sticky;
    long                  k, e10;
    size_t                nd;
    uint64_t              m;
    const unsigned char  *lead;
    char                  digits[JT_REAL_DIGITS + 32];

    lead = jt_decimal(p, end, &k);
    if (lead == NULL) {
        return 0.0;
    }

    nd = 0;
    m = 0;
    sticky = 0;

    for (p = lead; p < end && (jt_digit(*p) || *p == '.'); p++) {
        if (*p == '.') {
            continue;
        }

        if (nd < JT_REAL_DIGITS) {
            digits[nd++] = (char) *p;
            m = m * 10 + (uint64_t) (*p - '0');

        } else if (*p != '0') {
            sticky = 1;
        }
    }

    /* value = digits x 10^e10; exact operands, one rounding */
    e10 = k - (long) nd;

    if (nd <= 19 && m <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
        return e10 >= 0 ? (double) m * jt_pow10[e10]
                        : (double) m / jt_pow10[-e10];
    }

    if (sticky) {
        digits[nd++] = '1';
        e10--;
    }

    /* no decimal point, so no locale can read it differently */
    snprintf(digits + nd, sizeof(digits) - nd, "e%ld", e10);

    return strtod(digits, NULL);
}


int
jwtgate_jnumeric_date(const char *text, const jwtgate_jvalue_t *v,
    double *out)
{
    int                   neg;
    double                d;
    uint64_t              u;
    const unsigned char  *p, *end;

    p = (const unsigned char *) text + v->off;
    end = (const unsigned char *) text + v->end;

    if (v->type != JWTGATE_JSON_INTEGER && v->type != JWTGATE_JSON_REAL) {
        return -1;
    }

    neg = p < end && *p == '-';
    if (neg) {
        p++;
    }

    if (v->type == JWTGATE_JSON_INTEGER) {
        /* compared as an integer: 2^53 + 1 is not rounded to 2^53 */
        if (end - p > 16) {
            return -1;
        }

        for (u = 0; p < end; p++) {
            u = u * 10 + (uint64_t) (*p - '0');
        }

        if ((neg && u != 0) || u > (1ULL << 53)) {
            return -1;
        }

        *out = (double) u;
        return 0;
    }

    d = jt_real_value(p, end);
    if (neg) {
        d = -d;
    }

    /* -0.0 is not below zero: it is 0 */
    if (!isfinite(d) || d < 0 || d > JT_MAX_NUMERIC_DATE) {
        return -1;
    }

    *out = d;
    return 0;
}


void
jwtgate_jnumber_value(const unsigned char *p, const unsigned char *end,
    unsigned char type, long long *i, double *d)
{
    int       neg;
    uint64_t  u;

    neg = p < end && *p == '-';
    if (neg) {
        p++;
    }

    if (type == JWTGATE_JSON_REAL) {
        *d = neg ? -jt_real_value(p, end) : jt_real_value(p, end);
        return;
    }

    /* jwtgate_jscan_number() checked that it fits int64 */
    for (u = 0; p < end; p++) {
        u = u * 10 + (uint64_t) (*p - '0');
    }

    *i = neg ? (long long) (0 - u) : (long long) u;
}
