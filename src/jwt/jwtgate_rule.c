/*
 * Rules on the members of a verified token (auth_jwt_require_claim,
 * auth_jwt_require_header): comparisons with three answers -- yes, no,
 * and cannot tell -- so that a rule holds only on a sure answer.  A deny
 * rule (ne, nin, nintersect) holds on a sure "no", never on a "cannot
 * tell": it fails closed, as a positive rule does.
 *
 * Cannot tell:
 *   - numbers equal as doubles of magnitude 2^53 or more, when a real
 *     number is involved (two integers always compare exactly);
 *   - a plain text that is a number too big for jansson to hold, against
 *     a number;
 *   - a structure (array or object) against a value of another shape,
 *     and any structure against a plain text;
 *   - for the set operators: a member that is an object, an array that
 *     holds a structure, and a string that is not an RFC 6749 scope
 *     (words of %x21 / %x23-5B / %x5D-7E separated by single spaces; the
 *     empty string is no word at all).
 *
 * Structures nest as deep as the token's limits allow (JWTGATE_MAX_DEPTH,
 * at most JWTGATE_MAX_DEPTH_CAP): equality recurses that deep at most.
 */

#include <string.h>

#include "jwtgate_int.h"


/* 2^53: from here on a double cannot hold every integer */
#define JR_EXACT_LIMIT  9007199254740992.0


typedef enum {
    JR_NO = 0,
    JR_YES,
    JR_UNKNOWN
} jr_answer_t;


typedef struct {
    int         real;
    long long   i;
    double      d;
} jr_number_t;


static void jr_number(const json_t *v, jr_number_t *n);
static jwtgate_cmp_t jr_compare(const jr_number_t *a, const jr_number_t *b);
static int jr_container(const json_t *v);
static int jr_scalar_set(const json_t *set);
static jr_answer_t jr_same(const json_t *a, const json_t *b);
static jr_answer_t jr_same_items(const json_t *a, const json_t *b);
static jr_answer_t jr_plain_same(const json_t *member, const json_t *text);
static int jr_plain_number(const char *s, size_t len, jr_number_t *n);
static jr_answer_t jr_match(const json_t *member, const json_t *item,
    int plain);
static jr_answer_t jr_member(const json_t *v, const json_t *set, int plain);
static jr_answer_t jr_intersect(const json_t *member, const json_t *set,
    int plain);
static jr_answer_t jr_scope_intersect(const char *s, size_t len,
    const json_t *set);


int
jwtgate_rule_holds(jwtgate_op_t op, const json_t *member,
    const json_t *value, int plain)
{
    jr_answer_t    a;
    jwtgate_cmp_t  c;

    if (member == NULL || value == NULL) {
        return 0;
    }

    switch (op) {

    case JWTGATE_OP_EQ:
    case JWTGATE_OP_NE:
        a = jr_match(member, value, plain);
        return op == JWTGATE_OP_EQ ? a == JR_YES : a == JR_NO;

    case JWTGATE_OP_GT:
    case JWTGATE_OP_GE:
    case JWTGATE_OP_LT:
    case JWTGATE_OP_LE:
        c = jwtgate_number_compare(member, value);

        switch (c) {
        case JWTGATE_CMP_LESS:
            return op == JWTGATE_OP_LT || op == JWTGATE_OP_LE;
        case JWTGATE_CMP_EQUAL:
            return op == JWTGATE_OP_GE || op == JWTGATE_OP_LE;
        case JWTGATE_CMP_GREATER:
            return op == JWTGATE_OP_GT || op == JWTGATE_OP_GE;
        default:
            return 0;
        }

    case JWTGATE_OP_IN:
    case JWTGATE_OP_NIN:
        if (!jr_scalar_set(value)) {
            return 0;
        }

        a = jr_member(member, value, plain);
        return op == JWTGATE_OP_IN ? a == JR_YES : a == JR_NO;

    case JWTGATE_OP_INTERSECT:
    case JWTGATE_OP_NINTERSECT:
        if (!jr_scalar_set(value)) {
            return 0;
        }

        a = jr_intersect(member, value, plain);
        return op == JWTGATE_OP_INTERSECT ? a == JR_YES : a == JR_NO;
    }

    return 0;
}


jwtgate_cmp_t
jwtgate_number_compare(const json_t *a, const json_t *b)
{
    jr_number_t  x, y;

    if (!json_is_number(a) || !json_is_number(b)) {
        return JWTGATE_CMP_UNKNOWN;
    }

    jr_number(a, &x);
    jr_number(b, &y);

    return jr_compare(&x, &y);
}


static void
jr_number(const json_t *v, jr_number_t *n)
{
    n->real = json_is_real(v);
    n->i = n->real ? 0 : (long long) json_integer_value(v);
    n->d = n->real ? json_real_value(v) : 0.0;
}


static jwtgate_cmp_t
jr_compare(const jr_number_t *a, const jr_number_t *b)
{
    double  x, y;

    if (!a->real && !b->real) {
        return a->i < b->i ? JWTGATE_CMP_LESS
               : a->i > b->i ? JWTGATE_CMP_GREATER : JWTGATE_CMP_EQUAL;
    }

    /*
     * Each side is the nearest double to its number, and rounding never
     * swaps two numbers: when the doubles differ, so do the numbers, in
     * the same order.  Equal doubles are equal numbers only below 2^53,
     * where every integer is a double: above, 2^53 + 1 rounds to 2^53
     * (and the text of a real may have said either).
     */

    x = a->real ? a->d : (double) a->i;
    y = b->real ? b->d : (double) b->i;

    if (x < y) {
        return JWTGATE_CMP_LESS;
    }

    if (x > y) {
        return JWTGATE_CMP_GREATER;
    }

    if (x != y || x >= JR_EXACT_LIMIT || x <= -JR_EXACT_LIMIT) {
        return JWTGATE_CMP_UNKNOWN;
    }

    return JWTGATE_CMP_EQUAL;
}


static int
jr_container(const json_t *v)
{
    return json_is_array(v) || json_is_object(v);
}


/* the value of a set operator: an array of scalars */

static int
jr_scalar_set(const json_t *set)
{
    size_t         i;
    const json_t  *item;

    if (!json_is_array(set)) {
        return 0;
    }

    json_array_foreach(set, i, item) {
        if (jr_container(item)) {
            return 0;
        }
    }

    return 1;
}


/* two JSON values (a json= value): numbers by value at every depth, other
 * scalars by type and value, structures member by member */

static jr_answer_t
jr_same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        switch (jwtgate_number_compare(a, b)) {
        case JWTGATE_CMP_EQUAL:
            return JR_YES;
        case JWTGATE_CMP_UNKNOWN:
            return JR_UNKNOWN;
        default:
            return JR_NO;
        }
    }

    if (json_typeof(a) != json_typeof(b)) {
        /* a structure where a scalar (or the other structure) was meant */
        return jr_container(a) || jr_container(b) ? JR_UNKNOWN : JR_NO;
    }

    switch (json_typeof(a)) {

    case JSON_STRING:
        return json_string_length(a) == json_string_length(b)
               && memcmp(json_string_value(a), json_string_value(b),
                         json_string_length(a)) == 0
               ? JR_YES : JR_NO;

    case JSON_ARRAY:
    case JSON_OBJECT:
        return jr_same_items(a, b);

    default:    /* true, false, null: the type is the value */
        return JR_YES;
    }
}


/* two arrays or two objects: one sure difference decides */

static jr_answer_t
jr_same_items(const json_t *a, const json_t *b)
{
    size_t          i;
    const char     *name;
    jr_answer_t     r, answer;
    const json_t   *va, *vb;

    if (json_is_array(a) ? json_array_size(a) != json_array_size(b)
                         : json_object_size(a) != json_object_size(b))
    {
        return JR_NO;
    }

    answer = JR_YES;

    if (json_is_array(a)) {
        json_array_foreach(a, i, va) {
            r = jr_same(va, json_array_get(b, i));
            if (r == JR_NO) {
                return JR_NO;
            }

            if (r == JR_UNKNOWN) {
                answer = JR_UNKNOWN;
            }
        }

        return answer;
    }

    json_object_foreach((json_t *) a, name, va) {
        vb = json_object_get(b, name);
        if (vb == NULL) {
            return JR_NO;
        }

        r = jr_same(va, vb);
        if (r == JR_NO) {
            return JR_NO;
        }

        if (r == JR_UNKNOWN) {
            answer = JR_UNKNOWN;
        }
    }

    return answer;
}


/*
 * A member against plain text: a string by its bytes; a number by value
 * when the text is one JSON number ("5" and "5.0" both match 5); true,
 * false, null by their names.  A structure cannot be told apart from a
 * text: unknown.
 */

static jr_answer_t
jr_plain_same(const json_t *member, const json_t *text)
{
    size_t        len;
    const char   *s, *name;
    jr_number_t   m, n;

    s = json_string_value(text);
    len = json_string_length(text);

    switch (json_typeof(member)) {

    case JSON_STRING:
        return json_string_length(member) == len
               && memcmp(json_string_value(member), s, len) == 0
               ? JR_YES : JR_NO;

    case JSON_INTEGER:
    case JSON_REAL:
        switch (jr_plain_number(s, len, &n)) {
        case 0:
            return JR_NO;
        case -1:
            return JR_UNKNOWN;
        }

        jr_number(member, &m);

        switch (jr_compare(&m, &n)) {
        case JWTGATE_CMP_EQUAL:
            return JR_YES;
        case JWTGATE_CMP_UNKNOWN:
            return JR_UNKNOWN;
        default:
            return JR_NO;
        }

    case JSON_TRUE:
        name = "true";
        break;

    case JSON_FALSE:
        name = "false";
        break;

    case JSON_NULL:
        name = "null";
        break;

    default:
        return JR_UNKNOWN;
    }

    return strlen(name) == len && memcmp(name, s, len) == 0 ? JR_YES : JR_NO;
}


/*
 * The text as one JSON number (RFC 8259 grammar, nothing around it): 1
 * with its value; 0 when it is not a number; -1 when it is one that
 * jansson could not hold either (an integer beyond int64, a real beyond
 * a double), so that no member can be told equal to it or not.
 */

static int
jr_plain_number(const char *s, size_t len, jr_number_t *n)
{
    unsigned char         type;
    const unsigned char  *p, *end, *q;

    p = (const unsigned char *) s;
    end = p + len;

    q = jwtgate_jscan_number(p, end, &type);

    if (q == end) {
        n->real = type == JWTGATE_JSON_REAL;
        n->i = 0;
        n->d = 0.0;
        jwtgate_jnumber_value(p, end, type, &n->i, &n->d);
        return 1;
    }

    if (q != NULL) {
        return 0;   /* a number, then more */
    }

    /* not scanned: the grammar, or the range?  The grammar again: */

    if (p < end && *p == '-') {
        p++;
    }

    if (p == end || *p < '0' || *p > '9') {
        return 0;
    }

    if (*p == '0') {
        p++;

    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < end && *p == '.') {
        if (++p == end || *p < '0' || *p > '9') {
            return 0;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        if (p == end || *p < '0' || *p > '9') {
            return 0;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    return p == end ? -1 : 0;
}


/* a member against one value of the rule, plain text or JSON */

static jr_answer_t
jr_match(const json_t *member, const json_t *item, int plain)
{
    if (plain && json_is_string(item)) {
        return jr_plain_same(member, item);
    }

    return jr_same(member, item);
}


/* a single value against a set: a sure match decides, else any unknown */

static jr_answer_t
jr_member(const json_t *v, const json_t *set, int plain)
{
    size_t         i;
    jr_answer_t    r, answer;
    const json_t  *item;

    if (jr_container(v) || !json_is_array(set)) {
        return JR_UNKNOWN;
    }

    answer = JR_NO;

    json_array_foreach(set, i, item) {
        r = jr_match(v, item, plain);

        if (r == JR_YES) {
            return JR_YES;
        }

        if (r == JR_UNKNOWN) {
            answer = JR_UNKNOWN;
        }
    }

    return answer;
}


/*
 * The member's elements and the set share one: an array's elements (all
 * scalars), a string's scope words, another scalar as itself.
 */

static jr_answer_t
jr_intersect(const json_t *member, const json_t *set, int plain)
{
    size_t         i;
    jr_answer_t    r, answer;
    const json_t  *item;

    if (json_is_object(member) || !json_is_array(set)) {
        return JR_UNKNOWN;
    }

    if (json_is_string(member)) {
        return jr_scope_intersect(json_string_value(member),
                                  json_string_length(member), set);
    }

    if (!json_is_array(member)) {
        return jr_member(member, set, plain);
    }

    /* an array that holds a structure is no set of values: judge none */
    json_array_foreach(member, i, item) {
        if (jr_container(item)) {
            return JR_UNKNOWN;
        }
    }

    answer = JR_NO;

    json_array_foreach(member, i, item) {
        r = jr_member(item, set, plain);

        if (r == JR_YES) {
            return JR_YES;
        }

        if (r == JR_UNKNOWN) {
            answer = JR_UNKNOWN;
        }
    }

    return answer;
}


/*
 * RFC 6749 section 3.3: scope = scope-token *( SP scope-token ),
 * scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).  A string that is not
 * one (a tab, a newline, a non-breaking space, two spaces, a quote) is
 * not judged at all; the empty string has no word.  A word matches a
 * string of the set with the same bytes.
 */

static jr_answer_t
jr_scope_intersect(const char *s, size_t len, const json_t *set)
{
    size_t          i, j, start;
    unsigned char   c;
    const json_t   *item;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c == ' ') {
            if (i == 0 || i == len - 1 || s[i - 1] == ' ') {
                return JR_UNKNOWN;
            }

            continue;
        }

        if (c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e) {
            return JR_UNKNOWN;
        }
    }

    for (start = 0; start < len; start = i + 1) {

        for (i = start; i < len && s[i] != ' '; i++) {
            /* void */
        }

        json_array_foreach(set, j, item) {
            if (json_is_string(item)
                && json_string_length(item) == i - start
                && memcmp(json_string_value(item), s + start, i - start)
                   == 0)
            {
                return JR_YES;
            }
        }
    }

    return JR_NO;
}
