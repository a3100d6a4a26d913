/*
 * Revocation lists, inside the core (jwtgate_rlist*.c; the contract is in
 * jwtgate.h): what the reader (jwtgate_rlist_read.c), the table
 * (jwtgate_rlist_table.c) and the API (jwtgate_rlist.c) share.
 *
 * The block, all offsets from its start, 8-byte aligned:
 *
 *   rl_head_t              magic, seed, counts, where the tables are
 *   rl_slot_t[cap jti]     open addressing, linear probing
 *   rl_slot_t[cap sub]
 *   rl_slot_t[cap kid]
 *   names                  the unescaped names, back to back
 */

#ifndef JWTGATE_RLIST_INT_H
#define JWTGATE_RLIST_INT_H

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


/* the whole text read (pass 1: counted; pass 2: put in the block) */
int jwtgate_rl_read(rl_t *rl);

/* one name of a kind: counted in pass 1, put in its table in pass 2 */
int jwtgate_rl_entry(rl_t *rl, int kind, const unsigned char *raw,
    size_t raw_len, size_t len, int64_t date);

/* where everything goes, from the counts of pass 1 */
void jwtgate_rl_layout(const rl_t *rl, rl_head_t *head);

/* the seed of a block at mem built from the text json at time now */
uint64_t jwtgate_rl_seed(const char *json, size_t len, int64_t now,
    const void *mem);

/* the slot of a name in the table of a kind, or NULL */
const rl_slot_t *jwtgate_rl_find(const unsigned char *mem, int kind,
    const char *name, size_t len);


static inline int
jwtgate_rl_fail(rl_t *rl, const char *reason)
{
    rl->reason = reason;
    return -1;
}

#endif /* JWTGATE_RLIST_INT_H */
