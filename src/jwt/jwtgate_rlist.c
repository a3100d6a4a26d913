/*
 * Revocation lists (the contract is in jwtgate.h): JSON text to one flat
 * block of caller memory, then lookups by jti, sub and kid.
 *
 * Reading: one pass over the text with the JSON pieces of jwtgate_jtext.c
 * (strings, numbers, escapes), no tree, no recursion: the values the list
 * ignores are skipped by a loop holding a bounded stack of open brackets.
 * jwtgate_rlist_build() reads the text twice: once as
 * jwtgate_rlist_size() does, to lay the block out and to check that the
 * caller's block is big enough, then to fill it in.  So nothing is written
 * outside [mem, mem + the size pass 1 returns), whatever size says.
 *
 * The block, all offsets from its start, 8-byte aligned:
 *
 *   rl_head_t              magic, seed, counts, where the tables are
 *   rl_slot_t[cap jti]     open addressing, linear probing
 *   rl_slot_t[cap sub]
 *   rl_slot_t[cap kid]
 *   names                  the unescaped names, back to back
 *
 * A table of n names has n + n / 2 + 1 slots (load at most 2/3); the slot
 * of a name is its 64-bit hash's high half scaled to the table (no power
 * of two needed), and a 16-bit tag of the hash in the slot spares most
 * misses a look at the name.  A slot is 16 bytes: name offset, length,
 * tag, and the date (jti: exp; sub: cutoff; kid: unused).
 *
 * Hash: a seeded 64-bit multiply-xorshift of our own (below).  It is not
 * a cryptographic PRF.  The seed of a block is made when it is built
 * from a hash of the whole input text, now, and the block's address
 * (ASLR), and stored in the block, so a reader at any address hashes
 * as the builder did.  Who could make names collide?  The list's author
 * is the issuer the gateway trusts anyway; the names looked up come from
 * tokens whose signature the gateway has already verified, i.e. also from
 * the issuer.  A stranger can neither place names in the list nor get
 * unsigned names looked up, and does not know the seed.  And the worst
 * case is bounded: every probe loop stops after one round of its table.
 */

#include <string.h>

#include "jwtgate_int.h"


#define RL_MAGIC        0x4c52474aU         /* "JGRL" */
#define RL_VERSION      1
#define RL_EMPTY        0xffff              /* name_len of a free slot */
#define RL_FOREVER      INT64_MAX

#define RL_JTI          0
#define RL_SUB          1
#define RL_KID          2


typedef struct {
    uint64_t                off;        /* of the slots */
    uint32_t                cap;        /* slots */
    uint32_t                n;          /* names held */
} rl_table_t;


typedef struct {
    uint32_t                magic;
    uint32_t                version;
    uint64_t                size;
    uint64_t                seed;
    rl_table_t              t[3];
    uint64_t                names_off;
    uint64_t                names_len;  /* used, <= the room laid out */
} rl_head_t;


typedef struct {
    uint32_t                name_off;   /* from names_off */
    uint16_t                name_len;   /* RL_EMPTY: free */
    uint16_t                tag;
    int64_t                 date;
} rl_slot_t;


typedef struct {
    const unsigned char    *text;
    const unsigned char    *p;
    const unsigned char    *end;
    jwtgate_rlist_format_t  fmt;
    int64_t                 now;
    const char             *reason;

    /* pass 1: what the list needs */
    uint64_t                count[3];
    uint64_t                names;

    /* pass 2: the block, NULL in pass 1 */
    unsigned char          *mem;
    rl_head_t              *head;
    uint64_t                names_room;
} rl_t;


static int rl_read(rl_t *rl);
static int rl_names(rl_t *rl, int kind);
static int rl_kids(rl_t *rl);
static int rl_kjdev(rl_t *rl, int kind);
static int rl_name(rl_t *rl, const unsigned char **raw, size_t *raw_len,
    size_t *len);
static int rl_date(rl_t *rl, int64_t *date);
static int rl_skip(rl_t *rl, size_t depth);
static int rl_colon(rl_t *rl);
static int rl_entry(rl_t *rl, int kind, const unsigned char *raw,
    size_t raw_len, size_t len, int64_t date);
static int rl_fail(rl_t *rl, const char *reason);
static void rl_layout(const rl_t *rl, rl_head_t *head);
static const rl_slot_t *rl_find(const unsigned char *mem, int kind,
    const char *name, size_t len);
static uint64_t rl_hash(uint64_t seed, const unsigned char *p, size_t len);
static uint64_t rl_mix(uint64_t h);


#define rl_ws(c)  ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')
#define rl_align8(n)  (((n) + 7) & ~(uint64_t) 7)


static void
rl_spaces(rl_t *rl)
{
    while (rl->p < rl->end && rl_ws(*rl->p)) {
        rl->p++;
    }
}


static int
rl_init(rl_t *rl, const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now)
{
    memset(rl, 0, sizeof(rl_t));

    rl->fmt = fmt;
    rl->now = now;

    if (json == NULL || len == 0) {
        return rl_fail(rl, "empty list");
    }

    rl->text = (const unsigned char *) json;
    rl->p = rl->text;
    rl->end = rl->text + len;

    if (len > JWTGATE_RLIST_MAX_INPUT) {
        return rl_fail(rl, "list too large");
    }

    if (fmt != JWTGATE_RLIST_JWTGATE && fmt != JWTGATE_RLIST_KJDEV_SUB
        && fmt != JWTGATE_RLIST_KJDEV_KID)
    {
        return rl_fail(rl, "unknown list format");
    }

    return 0;
}


int
jwtgate_rlist_size(const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now, size_t *size, const char **reason)
{
    rl_t       rl;
    rl_head_t  head;

    *size = 0;

    if (rl_init(&rl, json, len, fmt, now) != 0 || rl_read(&rl) != 0) {
        *reason = rl.reason;
        return -1;
    }

    rl_layout(&rl, &head);

    if (head.size > (uint64_t) SIZE_MAX) {
        *reason = "list too large";
        return -1;
    }

    *size = (size_t) head.size;

    return 0;
}


int
jwtgate_rlist_build(const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now, void *mem, size_t size, const char **reason)
{
    int         k;
    uint32_t    i;
    uint64_t    seed;
    rl_t        rl;
    rl_head_t   layout, *head;
    rl_slot_t  *slot;

    if (mem == NULL || ((uintptr_t) mem & 7) != 0) {
        *reason = "list memory missing or not aligned to 8";
        return -1;
    }

    if (size >= sizeof(uint32_t)) {
        /* no list until the end: the magic is written last */
        memset(mem, 0, sizeof(uint32_t));
    }

    /* pass 1 again: the layout, and what the block must hold */

    if (rl_init(&rl, json, len, fmt, now) != 0 || rl_read(&rl) != 0) {
        *reason = rl.reason;
        return -1;
    }

    rl_layout(&rl, &layout);

    if (layout.size > (uint64_t) size) {
        *reason = "list memory too small";
        return -1;
    }

    head = mem;
    memcpy(head, &layout, sizeof(rl_head_t));

    /* the seed: the text, the time, and where the block lives */
    seed = rl_hash(0x243f6a8885a308d3ULL ^ (uint64_t) now,
                   (const unsigned char *) json, len);
    head->seed = rl_mix(seed ^ rl_mix((uint64_t) (uintptr_t) mem));

    for (k = 0; k < 3; k++) {
        slot = (rl_slot_t *) ((unsigned char *) mem + head->t[k].off);

        for (i = 0; i < head->t[k].cap; i++) {
            slot[i].name_off = 0;
            slot[i].name_len = RL_EMPTY;
            slot[i].tag = 0;
            slot[i].date = 0;
        }
    }

    /* the names' room, padding included, zeroed */
    memset((unsigned char *) mem + head->names_off, 0,
           (size_t) (head->size - head->names_off));

    (void) rl_init(&rl, json, len, fmt, now);
    rl.mem = mem;
    rl.head = head;
    rl.names_room = head->size - head->names_off;

    if (rl_read(&rl) != 0) {
        /* cannot happen: the same text passed pass 1 */
        *reason = rl.reason;
        return -1;
    }

    head->version = RL_VERSION;
    head->magic = RL_MAGIC;

    return 0;
}


int
jwtgate_rlist_check(const void *mem, const jwtgate_rlist_query_t *q,
    int64_t now)
{
    const rl_slot_t  *s;
    const rl_head_t  *head;

    head = mem;

    if (head == NULL || head->magic != RL_MAGIC) {
        return JWTGATE_RLIST_OK;
    }

    if (q->jti != NULL) {
        s = rl_find(mem, RL_JTI, q->jti, q->jti_len);
        if (s != NULL && s->date >= now) {
            return JWTGATE_RLIST_JTI;
        }
    }

    if (q->sub != NULL) {
        s = rl_find(mem, RL_SUB, q->sub, q->sub_len);
        if (s != NULL && (!q->has_iat || q->iat <= s->date)) {
            return JWTGATE_RLIST_SUB;
        }
    }

    if (q->kid != NULL) {
        s = rl_find(mem, RL_KID, q->kid, q->kid_len);
        if (s != NULL) {
            return JWTGATE_RLIST_KID;
        }
    }

    return JWTGATE_RLIST_OK;
}


void
jwtgate_rlist_counts(const void *mem, size_t *jti, size_t *sub, size_t *kid)
{
    const rl_head_t  *head;

    head = mem;

    if (head == NULL || head->magic != RL_MAGIC) {
        *jti = 0;
        *sub = 0;
        *kid = 0;
        return;
    }

    *jti = head->t[RL_JTI].n;
    *sub = head->t[RL_SUB].n;
    *kid = head->t[RL_KID].n;
}


/* the whole text: one object, then nothing but whitespace */

static int
rl_read(rl_t *rl)
{
    int                   kind;
    size_t                raw_len, len;
    const unsigned char  *raw;

    rl_spaces(rl);

    if (rl->p == rl->end || *rl->p != '{') {
        return rl_fail(rl, "the list is not a JSON object");
    }

    if (rl->fmt == JWTGATE_RLIST_KJDEV_SUB) {
        if (rl_kjdev(rl, RL_SUB) != 0) {
            return -1;
        }

    } else if (rl->fmt == JWTGATE_RLIST_KJDEV_KID) {
        if (rl_kjdev(rl, RL_KID) != 0) {
            return -1;
        }

    } else {
        rl->p++;
        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == '}') {
            rl->p++;
            goto done;
        }

        for ( ;; ) {
            if (rl_name(rl, &raw, &raw_len, &len) != 0 || rl_colon(rl) != 0)
            {
                return -1;
            }

            kind = -1;

            if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                  "jti", 3, 0) == 0)
            {
                kind = RL_JTI;

            } else if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                         "sub", 3, 0) == 0)
            {
                kind = RL_SUB;

            } else if (jwtgate_jtext_cmp((const char *) raw, raw_len, 1,
                                         "kid", 3, 0) == 0)
            {
                kind = RL_KID;
            }

            if (kind == RL_JTI || kind == RL_SUB) {
                if (rl->p == rl->end || *rl->p != '{') {
                    return rl_fail(rl, kind == RL_JTI
                                       ? "\"jti\" is not an object"
                                       : "\"sub\" is not an object");
                }

                if (rl_names(rl, kind) != 0) {
                    return -1;
                }

            } else if (kind == RL_KID) {
                if (rl->p == rl->end || *rl->p != '[') {
                    return rl_fail(rl, "\"kid\" is not an array");
                }

                if (rl_kids(rl) != 0) {
                    return -1;
                }

            } else if (rl_skip(rl, 1) != 0) {
                /* an unknown member: ignored, but it must be JSON */
                return -1;
            }

            rl_spaces(rl);

            if (rl->p < rl->end && *rl->p == ',') {
                rl->p++;
                rl_spaces(rl);
                continue;
            }

            if (rl->p < rl->end && *rl->p == '}') {
                rl->p++;
                break;
            }

            return rl_fail(rl, "malformed JSON");
        }
    }

done:

    rl_spaces(rl);

    if (rl->p != rl->end) {
        return rl_fail(rl, "text after the list");
    }

    return 0;
}


/* {"name": date, ...} at rl->p (a '{'), the jti or sub object */

static int
rl_names(rl_t *rl, int kind)
{
    size_t                raw_len, len;
    int64_t               date;
    const unsigned char  *raw;

    rl->p++;
    rl_spaces(rl);

    if (rl->p < rl->end && *rl->p == '}') {
        rl->p++;
        return 0;
    }

    for ( ;; ) {
        if (rl_name(rl, &raw, &raw_len, &len) != 0 || rl_colon(rl) != 0
            || rl_date(rl, &date) != 0)
        {
            return -1;
        }

        if (rl_entry(rl, kind, raw, raw_len, len, date) != 0) {
            return -1;
        }

        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == ',') {
            rl->p++;
            rl_spaces(rl);
            continue;
        }

        if (rl->p < rl->end && *rl->p == '}') {
            rl->p++;
            return 0;
        }

        return rl_fail(rl, "malformed JSON");
    }
}


/* ["kid", ...] at rl->p (a '[') */

static int
rl_kids(rl_t *rl)
{
    size_t                raw_len, len;
    const unsigned char  *raw;

    rl->p++;
    rl_spaces(rl);

    if (rl->p < rl->end && *rl->p == ']') {
        rl->p++;
        return 0;
    }

    for ( ;; ) {
        if (rl->p == rl->end || *rl->p != '"') {
            return rl_fail(rl, "a \"kid\" element is not a string");
        }

        if (rl_name(rl, &raw, &raw_len, &len) != 0
            || rl_entry(rl, RL_KID, raw, raw_len, len, 0) != 0)
        {
            return -1;
        }

        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == ',') {
            rl->p++;
            rl_spaces(rl);
            continue;
        }

        if (rl->p < rl->end && *rl->p == ']') {
            rl->p++;
            return 0;
        }

        return rl_fail(rl, "malformed JSON");
    }
}


/* kjdev's files: {"name": anything, ...}, every name listed for good */

static int
rl_kjdev(rl_t *rl, int kind)
{
    size_t                raw_len, len;
    const unsigned char  *raw;

    rl->p++;
    rl_spaces(rl);

    if (rl->p < rl->end && *rl->p == '}') {
        rl->p++;
        return 0;
    }

    for ( ;; ) {
        if (rl_name(rl, &raw, &raw_len, &len) != 0 || rl_colon(rl) != 0
            || rl_skip(rl, 1) != 0)
        {
            return -1;
        }

        if (rl_entry(rl, kind, raw, raw_len, len, RL_FOREVER) != 0) {
            return -1;
        }

        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == ',') {
            rl->p++;
            rl_spaces(rl);
            continue;
        }

        if (rl->p < rl->end && *rl->p == '}') {
            rl->p++;
            return 0;
        }

        return rl_fail(rl, "malformed JSON");
    }
}


/* a string at rl->p (its opening quote): its raw contents, their length
 * and the length unescaped, which must be at most JWTGATE_RLIST_MAX_NAME */

static int
rl_name(rl_t *rl, const unsigned char **raw, size_t *raw_len, size_t *len)
{
    const unsigned char  *q;

    if (rl->p == rl->end || *rl->p != '"') {
        return rl_fail(rl, "malformed JSON");
    }

    q = jwtgate_jscan_string(rl->p + 1, rl->end, len);
    if (q == NULL) {
        return rl_fail(rl, "malformed JSON string");
    }

    *raw = rl->p + 1;
    *raw_len = (size_t) (q - *raw);
    rl->p = q + 1;

    if (*len > JWTGATE_RLIST_MAX_NAME) {
        return rl_fail(rl, "a name is longer than 1024 bytes");
    }

    return 0;
}


static int
rl_colon(rl_t *rl)
{
    rl_spaces(rl);

    if (rl->p == rl->end || *rl->p != ':') {
        return rl_fail(rl, "malformed JSON");
    }

    rl->p++;
    rl_spaces(rl);

    return 0;
}


/* a NumericDate: a number >= 0, a fraction floored, beyond int64 forever */

static int
rl_date(rl_t *rl, int64_t *date)
{
    double                d;
    long long             i;
    unsigned char         type;
    const unsigned char  *q;

    if (rl->p == rl->end
        || !(*rl->p == '-' || (*rl->p >= '0' && *rl->p <= '9')))
    {
        return rl_fail(rl, "a date is not a number");
    }

    q = jwtgate_jscan_number(rl->p, rl->end, &type);
    if (q == NULL) {
        return rl_fail(rl, "a date is not a valid number");
    }

    i = 0;
    d = 0;
    jwtgate_jnumber_value(rl->p, q, type, &i, &d);
    rl->p = q;

    if (type == JWTGATE_JSON_INTEGER) {
        if (i < 0) {
            return rl_fail(rl, "a date is negative");
        }

        *date = (int64_t) i;
        return 0;
    }

    /* -0.0 is 0; NaN cannot come from JSON text */
    if (d < 0) {
        return rl_fail(rl, "a date is negative");
    }

    /* 2^63 as a double: anything at or beyond is forever */
    if (d >= 9223372036854775808.0) {
        *date = RL_FOREVER;
        return 0;
    }

    *date = (int64_t) d;    /* truncation is floor for d >= 0 */

    return 0;
}


/*
 * Any JSON value at rl->p, read and thrown away.  No recursion: the open
 * brackets are kept on a stack of JWTGATE_RLIST_MAX_DEPTH - depth.
 */

static int
rl_skip(rl_t *rl, size_t depth)
{
    size_t                top, len;
    unsigned char         type, stack[JWTGATE_RLIST_MAX_DEPTH];
    const unsigned char  *q;

    top = 0;

value:

    if (rl->p == rl->end) {
        return rl_fail(rl, "malformed JSON");
    }

    switch (*rl->p) {

    case '"':
        q = jwtgate_jscan_string(rl->p + 1, rl->end, &len);
        if (q == NULL) {
            return rl_fail(rl, "malformed JSON string");
        }

        rl->p = q + 1;
        break;

    case '{':
    case '[':
        if (depth + top + 1 > JWTGATE_RLIST_MAX_DEPTH) {
            return rl_fail(rl, "JSON nested too deeply");
        }

        stack[top++] = *rl->p;
        rl->p++;
        rl_spaces(rl);

        if (rl->p < rl->end && *rl->p == (stack[top - 1] == '{' ? '}' : ']'))
        {
            rl->p++;
            top--;
            break;
        }

        if (stack[top - 1] == '{') {
            goto member;
        }

        goto value;

    case 't':
        if (rl->end - rl->p < 4 || memcmp(rl->p, "true", 4) != 0) {
            return rl_fail(rl, "malformed JSON");
        }

        rl->p += 4;
        break;

    case 'f':
        if (rl->end - rl->p < 5 || memcmp(rl->p, "false", 5) != 0) {
            return rl_fail(rl, "malformed JSON");
        }

        rl->p += 5;
        break;

    case 'n':
        if (rl->end - rl->p < 4 || memcmp(rl->p, "null", 4) != 0) {
            return rl_fail(rl, "malformed JSON");
        }

        rl->p += 4;
        break;

    default:
        q = jwtgate_jscan_number(rl->p, rl->end, &type);
        if (q == NULL) {
            return rl_fail(rl, "malformed JSON");
        }

        rl->p = q;
        break;
    }

    /* after a value: the end, or the next element, or a close */

    while (top > 0) {
        rl_spaces(rl);

        if (rl->p == rl->end) {
            return rl_fail(rl, "malformed JSON");
        }

        if (*rl->p == ',') {
            rl->p++;
            rl_spaces(rl);

            if (stack[top - 1] == '{') {
                goto member;
            }

            goto value;
        }

        if (*rl->p != (stack[top - 1] == '{' ? '}' : ']')) {
            return rl_fail(rl, "malformed JSON");
        }

        rl->p++;
        top--;
    }

    return 0;

member:

    if (rl->p == rl->end || *rl->p != '"') {
        return rl_fail(rl, "malformed JSON");
    }

    q = jwtgate_jscan_string(rl->p + 1, rl->end, &len);
    if (q == NULL) {
        return rl_fail(rl, "malformed JSON string");
    }

    rl->p = q + 1;

    if (rl_colon(rl) != 0) {
        return -1;
    }

    goto value;
}


/* one name of a kind: counted in pass 1, put in its table in pass 2 */

static int
rl_entry(rl_t *rl, int kind, const unsigned char *raw, size_t raw_len,
    size_t len, int64_t date)
{
    size_t                n, k;
    uint16_t              tag;
    uint32_t              i, cap;
    uint64_t              h;
    rl_slot_t            *slot, *s;
    unsigned char        *names, *name;
    const unsigned char  *p, *end;

    if (kind == RL_JTI && date < rl->now) {
        return 0;       /* expired: the token it names is refused anyway */
    }

    if (rl->mem == NULL) {
        rl->count[kind]++;
        rl->names += len;
        return 0;
    }

    /* pass 2: the unescaped name goes to the end of the names; it stays
     * there unless the table already holds it */

    if (rl->head->names_len + len > rl->names_room) {
        return rl_fail(rl, "internal: names overflow");
    }

    names = rl->mem + rl->head->names_off;
    name = names + rl->head->names_len;

    p = raw;
    end = raw + raw_len;
    n = 0;

    while (p < end) {
        if (*p != '\\') {
            name[n++] = *p++;
            continue;
        }

        /* jwtgate_jscan_string() has checked the escapes; n stays
         * within len, which it counted */
        p = jwtgate_junescape(p, end, name + n, &k);
        if (p == NULL) {
            return rl_fail(rl, "malformed JSON string");
        }

        n += k;
    }

    h = rl_hash(rl->head->seed, name, len);
    tag = (uint16_t) h;
    cap = rl->head->t[kind].cap;
    slot = (rl_slot_t *) (rl->mem + rl->head->t[kind].off);
    i = (uint32_t) (((h >> 32) * cap) >> 32);

    for (n = 0; n < cap; n++) {
        s = &slot[i];

        if (s->name_len == RL_EMPTY) {
            s->name_off = (uint32_t) rl->head->names_len;
            s->name_len = (uint16_t) len;
            s->tag = tag;
            s->date = date;
            rl->head->names_len += len;
            rl->head->t[kind].n++;
            return 0;
        }

        if (s->tag == tag && s->name_len == len
            && memcmp(names + s->name_off, name, len) == 0)
        {
            /* listed twice: the one that revokes more */
            if (date > s->date) {
                s->date = date;
            }

            return 0;
        }

        if (++i == cap) {
            i = 0;
        }
    }

    return rl_fail(rl, "internal: table full");
}


static int
rl_fail(rl_t *rl, const char *reason)
{
    rl->reason = reason;
    return -1;
}


/* where everything goes, from the counts of pass 1 */

static void
rl_layout(const rl_t *rl, rl_head_t *head)
{
    int       k;
    uint64_t  off, n, cap;

    memset(head, 0, sizeof(rl_head_t));

    off = rl_align8(sizeof(rl_head_t));

    for (k = 0; k < 3; k++) {
        n = rl->count[k];
        /* n <= len / 2 < 2^30: cap fits 32 bits */
        cap = n == 0 ? 0 : n + n / 2 + 1;

        head->t[k].off = off;
        head->t[k].cap = (uint32_t) cap;
        head->t[k].n = 0;
        off += cap * sizeof(rl_slot_t);
    }

    head->names_off = off;
    head->names_len = 0;
    head->size = off + rl_align8(rl->names);
}


static const rl_slot_t *
rl_find(const unsigned char *mem, int kind, const char *name, size_t len)
{
    size_t              n;
    uint16_t            tag;
    uint32_t            i, cap;
    uint64_t            h;
    const rl_head_t    *head;
    const rl_slot_t    *slot, *s;

    head = (const rl_head_t *) mem;
    cap = head->t[kind].cap;

    if (cap == 0 || len > JWTGATE_RLIST_MAX_NAME) {
        return NULL;
    }

    h = rl_hash(head->seed, (const unsigned char *) name, len);
    tag = (uint16_t) h;
    slot = (const rl_slot_t *) (mem + head->t[kind].off);
    i = (uint32_t) (((h >> 32) * cap) >> 32);

    for (n = 0; n < cap; n++) {
        s = &slot[i];

        if (s->name_len == RL_EMPTY) {
            return NULL;
        }

        if (s->tag == tag && s->name_len == len
            && memcmp(mem + head->names_off + s->name_off, name, len) == 0)
        {
            return s;
        }

        if (++i == cap) {
            i = 0;
        }
    }

    return NULL;
}


/*
 * A seeded 64-bit hash: eight bytes at a time xored into the state, which
 * is then multiplied by an odd constant and folded (both steps are
 * invertible, so no two states merge); the length goes into the last
 * word; a final avalanche.  Written for this table, not a standard one.
 */

static uint64_t
rl_hash(uint64_t seed, const unsigned char *p, size_t len)
{
    size_t    rest;
    uint64_t  h, w, t;

    h = seed ^ ((uint64_t) len * 0x9e3779b97f4a7c15ULL);

    while (len >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
        p += 8;
        len -= 8;
    }

    rest = len;
    w = (uint64_t) rest << 56;

    if (rest > 0) {
        /* at most 7 bytes: the length byte above stays clear */
        t = 0;
        memcpy(&t, p, rest);
        w ^= t;
    }

    h = (h ^ w) * 0x94d049bb133111ebULL;
    h ^= h >> 29;

    return rl_mix(h);
}


static uint64_t
rl_mix(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;

    return h;
}
