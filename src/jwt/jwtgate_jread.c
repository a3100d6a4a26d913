/*
 * The strict JSON reader of token headers and payloads: one pass over the
 * text validates it as RFC 8259 JSON, enforces the limits, rejects
 * duplicate member names in every object at every depth, and records the
 * top-level members the caller asks for.  It builds no tree: the jansson
 * tree is made later, only if a caller asks for it
 * (jwtgate_token_access.c).
 *
 * Strict where RFC 8259 leaves room, so that everything accepted here is
 * accepted by jansson (JSON_REJECT_DUPLICATES) into an equal tree, and
 * where jansson is lax, stricter than it:
 *   - the top level is an object; nothing but whitespace follows it;
 *   - no raw NUL byte anywhere (jansson 2.14 skips one that follows a
 *     number or a literal: {"a":1<NUL>} parses there);
 *   - strings are valid UTF-8 (no overlong forms, no surrogates, nothing
 *     above U+10FFFF), no raw control characters, escapes only those of
 *     the RFC, \u surrogates only in pairs, and no \u0000: a NUL would cut
 *     a C string short (jansson refuses it too);
 *   - integers fit int64 and other numbers a finite double, as jansson
 *     requires;
 *   - member names are compared after unescaping: "a" and "\u0061" are
 *     the same name;
 *   - nesting deeper than JWTGATE_MAX_DEPTH_CAP is too large whatever the
 *     limits say (the reader recurses once per level).
 *
 * Duplicates: the names of the open objects are kept on a stack of spans
 * with their first 8 unescaped bytes as an integer (the head).  A new name
 * is compared with its object's earlier names as it comes while the object
 * has at most JR_SMALL members; a bigger object's names are sorted when it
 * closes (heapsort) and neighbours compared.  So an object of n members
 * costs O(n log n) comparisons at worst, whatever its names.  A comparison
 * is by length and head, which decides for names of up to 8 bytes, then
 * by a 64-bit hash of longer ones; only names equal so far (or made to
 * collide) are walked byte by byte.  Nothing is allocated unless more
 * than JR_STACK_NAMES names are open at once.
 */

#include <stdlib.h>
#include <string.h>

#include "jwtgate_int.h"


#define JR_SMALL            16      /* members compared pairwise */
#define JR_STACK_NAMES      64      /* open names held on the stack */
#define JR_WANT_HEADS       16      /* wanted names compared by head */


typedef struct {
    uint64_t                head;       /* jr_head() */
    uint64_t                hash;       /* jr_hash(), names over 8 bytes */
    uint32_t                off;        /* after the opening quote */
    uint32_t                raw_len;    /* up to the closing quote */
    uint32_t                len;        /* unescaped; < raw_len: escaped */
} jr_name_t;


typedef struct {
    const unsigned char    *text;
    const unsigned char    *p;
    const unsigned char    *end;
    size_t                  max_depth;
    size_t                  max_string;
    size_t                  max_members;
    const jwtgate_jname_t  *want;
    size_t                  n_want;
    jwtgate_jvalue_t       *found;
    uint64_t                want_head[JR_WANT_HEADS];
    jr_name_t              *names;      /* the open objects' names */
    size_t                  n_names;
    size_t                  cap;
    size_t                  bound;      /* names the text can hold */
    jr_name_t              *names_heap;
    jr_name_t               names_stack[JR_STACK_NAMES];
} jr_t;


static jwtgate_rc_t jr_value(jr_t *jr, size_t depth, jwtgate_jvalue_t *v);
static jwtgate_rc_t jr_object(jr_t *jr, size_t depth);
static jwtgate_rc_t jr_array(jr_t *jr, size_t depth, jwtgate_jvalue_t *v);
static jwtgate_rc_t jr_member_name(jr_t *jr, size_t *index);
static jwtgate_rc_t jr_string(jr_t *jr, size_t *len);
static jwtgate_rc_t jr_literal(jr_t *jr, const char *word, size_t len);
static jwtgate_rc_t jr_names_push(jr_t *jr, size_t *index);
static jwtgate_rc_t jr_unique_pairwise(jr_t *jr, size_t base,
    size_t index);
static jwtgate_rc_t jr_unique_sorted(jr_t *jr, size_t base);
static void jr_sift(const jr_t *jr, jr_name_t *a, size_t root, size_t n);
static jwtgate_jvalue_t *jr_wanted(jr_t *jr, const jr_name_t *name);
static int jr_names_cmp(const jr_t *jr, const jr_name_t *a,
    const jr_name_t *b);
static uint64_t jr_head(const unsigned char *p, size_t raw_len,
    int escaped);
static uint64_t jr_hash(const unsigned char *p, size_t raw_len,
    int escaped);


#define jr_ws(c)  ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')


jwtgate_rc_t
jwtgate_jread(const char *text, size_t len, const jwtgate_limits_t *limits,
    const jwtgate_jname_t *want, size_t n, jwtgate_jvalue_t *found)
{
    size_t        i;
    jr_t          jr;
    jwtgate_rc_t  rc;

    if (n > 0) {
        memset(found, 0, n * sizeof(jwtgate_jvalue_t));
    }

    /* offsets are kept in 32 bits */
    if (len > UINT32_MAX / 2) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    jr.text = (const unsigned char *) text;
    jr.p = jr.text;
    jr.end = jr.text + len;
    jr.max_depth = limits->max_depth < JWTGATE_MAX_DEPTH_CAP
                   ? limits->max_depth : JWTGATE_MAX_DEPTH_CAP;
    jr.max_string = limits->max_string;
    jr.max_members = limits->max_members;
    jr.want = want;
    jr.n_want = n;
    jr.found = found;

    for (i = 0; i < n && i < JR_WANT_HEADS; i++) {
        jr.want_head[i] = jr_head((const unsigned char *) want[i].name,
                                  want[i].len, 0);
    }

    jr.names = jr.names_stack;
    jr.n_names = 0;
    jr.cap = JR_STACK_NAMES;
    /* a name takes 4 bytes at least: "":0 */
    jr.bound = len / 4 + 1;
    jr.names_heap = NULL;

    while (jr.p < jr.end && jr_ws(*jr.p)) {
        jr.p++;
    }

    if (jr.p == jr.end || *jr.p != '{') {
        rc = JWTGATE_ERR_MALFORMED;
        goto done;
    }

    rc = jr_object(&jr, 1);
    if (rc != JWTGATE_OK) {
        goto done;
    }

    while (jr.p < jr.end && jr_ws(*jr.p)) {
        jr.p++;
    }

    if (jr.p != jr.end) {
        rc = JWTGATE_ERR_MALFORMED;
    }

done:

    free(jr.names_heap);

    if (rc != JWTGATE_OK && n > 0) {
        memset(found, 0, n * sizeof(jwtgate_jvalue_t));
    }

    return rc;
}


/* a value at jr->p; v, if not NULL, records where and what it is */

static jwtgate_rc_t
jr_value(jr_t *jr, size_t depth, jwtgate_jvalue_t *v)
{
    size_t                len, off;
    jwtgate_rc_t          rc;
    unsigned char         type;
    const unsigned char  *end;

    if (jr->p == jr->end) {
        return JWTGATE_ERR_MALFORMED;
    }

    off = (size_t) (jr->p - jr->text);
    len = 0;

    switch (*jr->p) {

    case '"':
        jr->p++;
        off++;
        rc = jr_string(jr, &len);
        type = JWTGATE_JSON_STRING;
        break;

    case '{':
        rc = jr_object(jr, depth + 1);
        type = JWTGATE_JSON_OBJECT;
        break;

    case '[':
        rc = jr_array(jr, depth + 1, v);
        type = JWTGATE_JSON_ARRAY;
        break;

    case 't':
        rc = jr_literal(jr, "true", 4);
        type = JWTGATE_JSON_TRUE;
        break;

    case 'f':
        rc = jr_literal(jr, "false", 5);
        type = JWTGATE_JSON_FALSE;
        break;

    case 'n':
        rc = jr_literal(jr, "null", 4);
        type = JWTGATE_JSON_NULL;
        break;

    default:
        end = jwtgate_jscan_number(jr->p, jr->end, &type);
        if (end == NULL) {
            return JWTGATE_ERR_MALFORMED;
        }

        jr->p = end;
        rc = JWTGATE_OK;
        break;
    }

    if (rc != JWTGATE_OK) {
        return rc;
    }

    if (v != NULL) {
        v->type = type;
        v->off = (uint32_t) off;
        v->end = (uint32_t) (jr->p - jr->text);

        if (type == JWTGATE_JSON_STRING) {
            v->len = (uint32_t) len;
        }
    }

    if (type == JWTGATE_JSON_STRING) {
        jr->p++;        /* the closing quote */
    }

    return JWTGATE_OK;
}


static jwtgate_rc_t
jr_object(jr_t *jr, size_t depth)
{
    size_t             base, count, index;
    jwtgate_rc_t       rc;
    jwtgate_jvalue_t  *v;

    if (depth > jr->max_depth) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    jr->p++;            /* '{' */

    while (jr->p < jr->end && jr_ws(*jr->p)) {
        jr->p++;
    }

    if (jr->p < jr->end && *jr->p == '}') {
        jr->p++;
        return JWTGATE_OK;
    }

    base = jr->n_names;
    count = 0;

    for ( ;; ) {
        if (++count > jr->max_members) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        rc = jr_member_name(jr, &index);
        if (rc != JWTGATE_OK) {
            return rc;
        }

        /* a bigger object is checked when it closes */
        if (count <= JR_SMALL) {
            rc = jr_unique_pairwise(jr, base, index);
            if (rc != JWTGATE_OK) {
                return rc;
            }
        }

        v = depth == 1 ? jr_wanted(jr, &jr->names[index]) : NULL;

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }

        if (jr->p == jr->end || *jr->p != ':') {
            return JWTGATE_ERR_MALFORMED;
        }

        jr->p++;

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }

        rc = jr_value(jr, depth, v);
        if (rc != JWTGATE_OK) {
            return rc;
        }

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }

        if (jr->p == jr->end) {
            return JWTGATE_ERR_MALFORMED;
        }

        if (*jr->p == '}') {
            jr->p++;
            break;
        }

        if (*jr->p != ',') {
            return JWTGATE_ERR_MALFORMED;
        }

        jr->p++;

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }
    }

    if (count > JR_SMALL) {
        rc = jr_unique_sorted(jr, base);
        if (rc != JWTGATE_OK) {
            return rc;
        }
    }

    /* the object's names are closed; those of nested ones already were */
    jr->n_names = base;

    return JWTGATE_OK;
}


static jwtgate_rc_t
jr_array(jr_t *jr, size_t depth, jwtgate_jvalue_t *v)
{
    size_t        count;
    jwtgate_rc_t  rc;
    unsigned      strings;

    if (depth > jr->max_depth) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    jr->p++;            /* '[' */
    count = 0;
    strings = 1;

    while (jr->p < jr->end && jr_ws(*jr->p)) {
        jr->p++;
    }

    if (jr->p < jr->end && *jr->p == ']') {
        jr->p++;
        goto done;
    }

    for ( ;; ) {
        if (++count > jr->max_members) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        if (jr->p < jr->end && *jr->p != '"') {
            strings = 0;
        }

        rc = jr_value(jr, depth, NULL);
        if (rc != JWTGATE_OK) {
            return rc;
        }

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }

        if (jr->p == jr->end) {
            return JWTGATE_ERR_MALFORMED;
        }

        if (*jr->p == ']') {
            jr->p++;
            break;
        }

        if (*jr->p != ',') {
            return JWTGATE_ERR_MALFORMED;
        }

        jr->p++;

        while (jr->p < jr->end && jr_ws(*jr->p)) {
            jr->p++;
        }
    }

done:

    if (v != NULL) {
        v->len = (uint32_t) count;
        v->strings = (unsigned char) strings;
    }

    return JWTGATE_OK;
}


/* a member name at jr->p, pushed on the name stack as *index */

static jwtgate_rc_t
jr_member_name(jr_t *jr, size_t *index)
{
    size_t        len, off;
    jr_name_t    *name;
    jwtgate_rc_t  rc;

    if (jr->p == jr->end || *jr->p != '"') {
        return JWTGATE_ERR_MALFORMED;
    }

    jr->p++;
    off = (size_t) (jr->p - jr->text);

    rc = jr_string(jr, &len);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    rc = jr_names_push(jr, index);
    if (rc != JWTGATE_OK) {
        return rc;
    }

    name = &jr->names[*index];
    name->off = (uint32_t) off;
    name->raw_len = (uint32_t) (jr->p - jr->text - off);
    name->len = (uint32_t) len;
    name->head = jr_head(jr->text + off, name->raw_len, len < name->raw_len);
    name->hash = len > 8 ? jr_hash(jr->text + off, name->raw_len,
                                   len < name->raw_len)
                         : 0;

    jr->p++;            /* the closing quote */

    return JWTGATE_OK;
}




static jwtgate_rc_t
jr_literal(jr_t *jr, const char *word, size_t len)
{
    if ((size_t) (jr->end - jr->p) < len || memcmp(jr->p, word, len) != 0) {
        return JWTGATE_ERR_MALFORMED;
    }

    jr->p += len;

    return JWTGATE_OK;
}


static jwtgate_rc_t
jr_names_push(jr_t *jr, size_t *index)
{
    jr_name_t  *names;

    if (jr->n_names == jr->cap) {
        /* once, to what the whole text can hold */
        if (jr->names_heap != NULL || jr->bound <= jr->cap) {
            return JWTGATE_ERR_INTERNAL;
        }

        names = malloc(jr->bound * sizeof(jr_name_t));
        if (names == NULL) {
            return JWTGATE_ERR_INTERNAL;
        }

        memcpy(names, jr->names, jr->n_names * sizeof(jr_name_t));
        jr->names = names;
        jr->names_heap = names;
        jr->cap = jr->bound;
    }

    *index = jr->n_names++;

    return JWTGATE_OK;
}


/* the name at index against its object's earlier names, from base */

static jwtgate_rc_t
jr_unique_pairwise(jr_t *jr, size_t base, size_t index)
{
    size_t      i;
    jr_name_t  *name;

    name = &jr->names[index];

    for (i = base; i < index; i++) {
        if (jr_names_cmp(jr, &jr->names[i], name) == 0) {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    return JWTGATE_OK;
}


/* the names of a big object, from base, sorted in place (heapsort: no
 * worst case an attacker can pick), then neighbours compared */

static jwtgate_rc_t
jr_unique_sorted(jr_t *jr, size_t base)
{
    size_t      i, n;
    jr_name_t  *a, tmp;

    a = &jr->names[base];
    n = jr->n_names - base;

    for (i = n / 2; i > 0; i--) {
        jr_sift(jr, a, i - 1, n);
    }

    for (i = n - 1; i > 0; i--) {
        tmp = a[0];
        a[0] = a[i];
        a[i] = tmp;
        jr_sift(jr, a, 0, i);
    }

    for (i = 1; i < n; i++) {
        if (jr_names_cmp(jr, &a[i - 1], &a[i]) == 0) {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    return JWTGATE_OK;
}


static void
jr_sift(const jr_t *jr, jr_name_t *a, size_t root, size_t n)
{
    size_t     child;
    jr_name_t  tmp;

    for ( ;; ) {
        child = 2 * root + 1;

        if (child >= n) {
            return;
        }

        if (child + 1 < n && jr_names_cmp(jr, &a[child], &a[child + 1]) < 0) {
            child++;
        }

        if (jr_names_cmp(jr, &a[root], &a[child]) >= 0) {
            return;
        }

        tmp = a[root];
        a[root] = a[child];
        a[child] = tmp;
        root = child;
    }
}


static jwtgate_jvalue_t *
jr_wanted(jr_t *jr, const jr_name_t *name)
{
    size_t       i;
    const char  *s;

    s = (const char *) jr->text + name->off;

    for (i = 0; i < jr->n_want; i++) {
        if (jr->want[i].len != name->len
            || (i < JR_WANT_HEADS && jr->want_head[i] != name->head))
        {
            continue;
        }

        if (i < JR_WANT_HEADS && name->len <= 8) {
            return &jr->found[i];
        }

        if (name->len == name->raw_len
            ? memcmp(s, jr->want[i].name, name->len) == 0
            : jwtgate_jtext_cmp(s, name->raw_len, 1, jr->want[i].name,
                                jr->want[i].len, 0) == 0)
        {
            return &jr->found[i];
        }
    }

    return NULL;
}


/* A total order on names, 0 only for names equal after unescaping: by
 * length, then head (names of up to 8 bytes are then equal), then hash,
 * and only then byte by byte. */

static int
jr_names_cmp(const jr_t *jr, const jr_name_t *a, const jr_name_t *b)
{
    int          rc;
    const char  *sa, *sb;

    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;
    }

    if (a->head != b->head) {
        return a->head < b->head ? -1 : 1;
    }

    if (a->len <= 8) {
        return 0;
    }

    if (a->hash != b->hash) {
        return a->hash < b->hash ? -1 : 1;
    }

    sa = (const char *) jr->text + a->off;
    sb = (const char *) jr->text + b->off;

    if (a->len == a->raw_len && b->len == b->raw_len) {
        rc = memcmp(sa + 8, sb + 8, a->len - 8);
        return (rc > 0) - (rc < 0);
    }

    return jwtgate_jtext_cmp(sa, a->raw_len, 1, sb, b->raw_len, 1);
}


/* the first 8 bytes of a name after unescaping, at most: equal names have
 * equal heads, and names of the same length up to 8 with equal heads are
 * equal */

static uint64_t
jr_head(const unsigned char *p, size_t raw_len, int escaped)
{
    size_t                i, k, n;
    uint64_t              head;
    unsigned char         utf8[4];
    const unsigned char  *end;

    end = p + raw_len;
    head = 0;

    for (n = 0; n < 8 && p != NULL && p < end; ) {
        if (!escaped || *p != '\\') {
            head = head << 8 | *p++;
            n++;
            continue;
        }

        /* text the reader validated: the escape is good */
        p = jwtgate_junescape(p, end, utf8, &k);

        for (i = 0; p != NULL && i < k && n < 8; i++, n++) {
            head = head << 8 | utf8[i];
        }
    }

    return head;
}


/* FNV-1a (64 bits) of a name after unescaping: names longer than 8 bytes
 * that share their head mostly differ here, without a walk through their
 * escapes at every comparison (names made to collide cost that walk, no
 * more) */

static uint64_t
jr_hash(const unsigned char *p, size_t raw_len, int escaped)
{
    size_t                i, k;
    uint64_t              h;
    unsigned char         utf8[4];
    const unsigned char  *end;

    end = p + raw_len;
    h = 14695981039346656037ULL;

    while (p != NULL && p < end) {
        if (!escaped || *p != '\\') {
            h = (h ^ *p++) * 1099511628211ULL;
            continue;
        }

        p = jwtgate_junescape(p, end, utf8, &k);

        for (i = 0; p != NULL && i < k; i++) {
            h = (h ^ utf8[i]) * 1099511628211ULL;
        }
    }

    return h;
}


/* a string's contents from jr->p, left at the closing quote */

static jwtgate_rc_t
jr_string(jr_t *jr, size_t *len)
{
    const unsigned char  *p;

    p = jwtgate_jscan_string(jr->p, jr->end, len);
    if (p == NULL) {
        return JWTGATE_ERR_MALFORMED;
    }

    if (*len > jr->max_string) {
        return JWTGATE_ERR_TOO_LARGE;
    }

    jr->p = p;

    return JWTGATE_OK;
}
