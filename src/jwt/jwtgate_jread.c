/*
 * The strict JSON reader of token headers and payloads: one pass over the
 * text validates it as RFC 8259 JSON, enforces the limits, rejects
 * duplicate member names in every object at every depth, and records the
 * top-level members the caller asks for.  It builds no tree: the jansson
 * tree is made later, only if a caller asks for it (jwtgate_token.c).
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
 * Duplicates: the names of the open objects are kept on a stack of spans;
 * a new name is compared with its object's earlier names pairwise while
 * the object is small, through a hash table once it is not (one table for
 * all objects, sized for every name the text can hold).  Nothing is
 * allocated unless more than JR_STACK_NAMES names are open at once, or an
 * object has more than JR_SMALL members in a text of more than about
 * 1 KB.  The hash is not keyed: crafted collisions cost at most what
 * pairwise comparison would, bounded by max_members per object.
 */

#include <stdlib.h>
#include <string.h>

#include "jwtgate_int.h"


#define JR_SMALL            16      /* members compared pairwise */
#define JR_STACK_NAMES      64      /* open names held on the stack */
#define JR_STACK_SLOTS      512     /* hash slots held on the stack */
#define JR_WANT_HEADS       16      /* wanted names compared by head */


typedef struct {
    uint64_t                head;       /* jr_head(), unescaped names */
    uint32_t                off;        /* after the opening quote */
    uint32_t                raw_len;    /* up to the closing quote */
    uint32_t                len;        /* unescaped; < raw_len: escaped */
    uint32_t                hash;       /* big objects only */
    uint32_t                object;     /* ids are never reused */
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
    uint32_t               *slots;      /* name index + 1; 0 is empty */
    size_t                  mask;
    uint32_t                objects;
    jr_name_t              *names_heap;
    uint32_t               *slots_heap;
    jr_name_t               names_stack[JR_STACK_NAMES];
    uint32_t                slots_stack[JR_STACK_SLOTS];
} jr_t;


static jwtgate_rc_t jr_value(jr_t *jr, size_t depth, jwtgate_jvalue_t *v);
static jwtgate_rc_t jr_object(jr_t *jr, size_t depth);
static jwtgate_rc_t jr_array(jr_t *jr, size_t depth, jwtgate_jvalue_t *v);
static jwtgate_rc_t jr_member_name(jr_t *jr, uint32_t object,
    size_t *index);
static jwtgate_rc_t jr_string(jr_t *jr, size_t *len);
static jwtgate_rc_t jr_literal(jr_t *jr, const char *word, size_t len);
static jwtgate_rc_t jr_names_push(jr_t *jr, size_t *index);
static jwtgate_rc_t jr_unique_pairwise(jr_t *jr, size_t base,
    size_t index);
static jwtgate_rc_t jr_unique_hashed(jr_t *jr, size_t index);
static jwtgate_rc_t jr_table_init(jr_t *jr);
static jwtgate_jvalue_t *jr_wanted(jr_t *jr, const jr_name_t *name);
static int jr_names_equal(const jr_t *jr, const jr_name_t *a,
    const jr_name_t *b);
static uint32_t jr_name_hash(const jr_t *jr, const jr_name_t *name);
static uint64_t jr_head(const unsigned char *p, size_t len);


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
                                  want[i].len);
    }

    jr.names = jr.names_stack;
    jr.n_names = 0;
    jr.cap = JR_STACK_NAMES;
    /* a name takes 4 bytes at least: "":0 */
    jr.bound = len / 4 + 1;
    jr.slots = NULL;
    jr.mask = 0;
    jr.objects = 0;
    jr.names_heap = NULL;
    jr.slots_heap = NULL;

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
    free(jr.slots_heap);

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
    size_t             i, base, count, index;
    uint32_t           object;
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
    object = jr->objects++;
    count = 0;

    for ( ;; ) {
        if (++count > jr->max_members) {
            return JWTGATE_ERR_TOO_LARGE;
        }

        rc = jr_member_name(jr, object, &index);
        if (rc != JWTGATE_OK) {
            return rc;
        }

        if (count <= JR_SMALL) {
            rc = jr_unique_pairwise(jr, base, index);

        } else if (count == JR_SMALL + 1) {
            /* grown big: its earlier names go into the table first */
            rc = jr_table_init(jr);

            for (i = base; rc == JWTGATE_OK && i <= index; i++) {
                rc = jr_unique_hashed(jr, i);
            }

        } else {
            rc = jr_unique_hashed(jr, index);
        }

        if (rc != JWTGATE_OK) {
            return rc;
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
jr_member_name(jr_t *jr, uint32_t object, size_t *index)
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
    name->hash = 0;
    name->object = object;
    name->head = len == name->raw_len ? jr_head(jr->text + off, len) : 0;

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
        if (jr_names_equal(jr, &jr->names[i], name)) {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    return JWTGATE_OK;
}


/*
 * The hash table is shared by all big objects and never cleared: a slot
 * may name an index that a closed object's name held and an open object's
 * name holds now.  Names are told apart by object id, and an index at or
 * above n_names is stale; what a probe finds is compared in full.
 */

static jwtgate_rc_t
jr_unique_hashed(jr_t *jr, size_t index)
{
    size_t      slot, other;
    jr_name_t  *name;

    name = &jr->names[index];
    name->hash = jr_name_hash(jr, name);

    for (slot = name->hash & jr->mask;
         jr->slots[slot] != 0;
         slot = (slot + 1) & jr->mask)
    {
        other = jr->slots[slot] - 1;

        if (other < jr->n_names && other != index
            && jr->names[other].object == name->object
            && jr->names[other].hash == name->hash
            && jr_names_equal(jr, &jr->names[other], name))
        {
            return JWTGATE_ERR_MALFORMED;
        }
    }

    jr->slots[slot] = (uint32_t) index + 1;

    return JWTGATE_OK;
}


/* sized for every name the text can hold: at most half full */

static jwtgate_rc_t
jr_table_init(jr_t *jr)
{
    size_t  size;

    if (jr->slots != NULL) {
        return JWTGATE_OK;
    }

    for (size = 64; size < 2 * jr->bound; size *= 2) {
        /* void */
    }

    if (size <= JR_STACK_SLOTS) {
        memset(jr->slots_stack, 0, size * sizeof(uint32_t));
        jr->slots = jr->slots_stack;

    } else {
        jr->slots_heap = calloc(size, sizeof(uint32_t));
        if (jr->slots_heap == NULL) {
            return JWTGATE_ERR_INTERNAL;
        }

        jr->slots = jr->slots_heap;
    }

    jr->mask = size - 1;

    return JWTGATE_OK;
}


static jwtgate_jvalue_t *
jr_wanted(jr_t *jr, const jr_name_t *name)
{
    size_t       i;
    const char  *s;

    s = (const char *) jr->text + name->off;

    for (i = 0; i < jr->n_want; i++) {
        if (jr->want[i].len != name->len) {
            continue;
        }

        if (name->len != name->raw_len) {
            if (jwtgate_jtext_equal(s, name->raw_len, 1, jr->want[i].name,
                                    jr->want[i].len, 0))
            {
                return &jr->found[i];
            }

            continue;
        }

        if (i < JR_WANT_HEADS && jr->want_head[i] != name->head) {
            continue;
        }

        if (name->len <= 8 && i < JR_WANT_HEADS) {
            return &jr->found[i];
        }

        if (memcmp(s, jr->want[i].name, name->len) == 0) {
            return &jr->found[i];
        }
    }

    return NULL;
}


/* plain names are equal when their heads are, up to 8 bytes */

static int
jr_names_equal(const jr_t *jr, const jr_name_t *a, const jr_name_t *b)
{
    const char  *sa, *sb;

    if (a->len != b->len) {
        return 0;
    }

    sa = (const char *) jr->text + a->off;
    sb = (const char *) jr->text + b->off;

    if (a->len == a->raw_len && b->len == b->raw_len) {
        return a->head == b->head
               && (a->len <= 8 || memcmp(sa + 8, sb + 8, a->len - 8) == 0);
    }

    return jwtgate_jtext_equal(sa, a->raw_len, 1, sb, b->raw_len, 1);
}


/* the first 8 bytes at most, big-endian: equal heads and lengths up to 8
 * mean equal names */

static uint64_t
jr_head(const unsigned char *p, size_t len)
{
    size_t    i;
    uint64_t  head;

    head = 0;

    for (i = 0; i < len && i < 8; i++) {
        head = head << 8 | p[i];
    }

    return head;
}


/* jwtgate_hash() of the unescaped name */

static uint32_t
jr_name_hash(const jr_t *jr, const jr_name_t *name)
{
    size_t                i, n;
    uint32_t              h;
    unsigned char         utf8[4];
    const unsigned char  *p, *end;

    p = jr->text + name->off;

    if (name->len == name->raw_len) {
        return jwtgate_hash((const char *) p, name->len);
    }

    end = p + name->raw_len;
    h = 2166136261u;

    while (p != NULL && p < end) {
        if (*p != '\\') {
            h = (h ^ *p++) * 16777619u;
            continue;
        }

        p = jwtgate_junescape(p, end, utf8, &n);

        for (i = 0; p != NULL && i < n; i++) {
            h = (h ^ utf8[i]) * 16777619u;
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
