/*
 * Revocation lists: the block's tables (its layout is in
 * jwtgate_rlist_int.h), laid out, filled and searched.
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

#include "jwtgate_rlist_int.h"


static uint64_t rl_hash(uint64_t seed, const unsigned char *p, size_t len);
static uint64_t rl_mix(uint64_t h);


#define rl_align8(n)  (((n) + 7) & ~(uint64_t) 7)


/* one name of a kind: counted in pass 1, put in its table in pass 2 */

int
jwtgate_rl_entry(rl_t *rl, int kind, const unsigned char *raw,
    size_t raw_len, size_t len, int64_t date)
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
        return jwtgate_rl_fail(rl, "internal: names overflow");
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
            return jwtgate_rl_fail(rl, "malformed JSON string");
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

    return jwtgate_rl_fail(rl, "internal: table full");
}


/* where everything goes, from the counts of pass 1 */

void
jwtgate_rl_layout(const rl_t *rl, rl_head_t *head)
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


/* the seed: the text, the time, and where the block lives */

uint64_t
jwtgate_rl_seed(const char *json, size_t len, int64_t now, const void *mem)
{
    uint64_t  seed;

    seed = rl_hash(0x243f6a8885a308d3ULL ^ (uint64_t) now,
                   (const unsigned char *) json, len);

    return rl_mix(seed ^ rl_mix((uint64_t) (uintptr_t) mem));
}


const rl_slot_t *
jwtgate_rl_find(const unsigned char *mem, int kind, const char *name,
    size_t len)
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
