/*
 * Revocation lists (the contract is in jwtgate.h): JSON text to one flat
 * block of caller memory, then lookups by jti, sub and kid.
 *
 * The text is read by jwtgate_rlist_read.c, the block's tables are laid
 * out, filled and searched by jwtgate_rlist_table.c (the block's layout
 * is in jwtgate_rlist_int.h).  jwtgate_rlist_build() reads the text twice:
 * once as jwtgate_rlist_size() does, to lay the block out and to check
 * that the caller's block is big enough, then to fill it in.  So nothing
 * is written outside [mem, mem + the size pass 1 returns), whatever size
 * says.
 */

#include <string.h>

#include "jwtgate_rlist_int.h"


static int
rl_init(rl_t *rl, const char *json, size_t len, jwtgate_rlist_format_t fmt,
    int64_t now)
{
    memset(rl, 0, sizeof(rl_t));

    rl->fmt = fmt;
    rl->now = now;

    if (json == NULL || len == 0) {
        return jwtgate_rl_fail(rl, "empty list");
    }

    rl->text = (const unsigned char *) json;
    rl->p = rl->text;
    rl->end = rl->text + len;

    if (len > JWTGATE_RLIST_MAX_INPUT) {
        return jwtgate_rl_fail(rl, "list too large");
    }

    if (fmt != JWTGATE_RLIST_JWTGATE && fmt != JWTGATE_RLIST_KJDEV_SUB
        && fmt != JWTGATE_RLIST_KJDEV_KID)
    {
        return jwtgate_rl_fail(rl, "unknown list format");
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

    if (rl_init(&rl, json, len, fmt, now) != 0 || jwtgate_rl_read(&rl) != 0) {
        *reason = rl.reason;
        return -1;
    }

    jwtgate_rl_layout(&rl, &head);

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

    if (rl_init(&rl, json, len, fmt, now) != 0 || jwtgate_rl_read(&rl) != 0) {
        *reason = rl.reason;
        return -1;
    }

    jwtgate_rl_layout(&rl, &layout);

    if (layout.size > (uint64_t) size) {
        *reason = "list memory too small";
        return -1;
    }

    head = mem;
    memcpy(head, &layout, sizeof(rl_head_t));

    head->seed = jwtgate_rl_seed(json, len, now, mem);

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

    if (jwtgate_rl_read(&rl) != 0) {
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
        s = jwtgate_rl_find(mem, RL_JTI, q->jti, q->jti_len);
        if (s != NULL && s->date >= now) {
            return JWTGATE_RLIST_JTI;
        }
    }

    if (q->sub != NULL) {
        s = jwtgate_rl_find(mem, RL_SUB, q->sub, q->sub_len);
        if (s != NULL && (!q->has_iat || q->iat <= s->date)) {
            return JWTGATE_RLIST_SUB;
        }
    }

    if (q->kid != NULL) {
        s = jwtgate_rl_find(mem, RL_KID, q->kid, q->kid_len);
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
