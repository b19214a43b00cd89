/* SPDX-License-Identifier: Apache-2.0 */
/* libmikey internals: big-endian helpers and a bounds-checked reader. */
#ifndef MIKEY_INT_H
#define MIKEY_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mikey.h"

static inline void mk_put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void mk_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void mk_put64(uint8_t *p, uint64_t v)
{
    mk_put32(p, (uint32_t)(v >> 32));
    mk_put32(p + 4, (uint32_t)v);
}

static inline uint32_t mk_get16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t mk_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t mk_get64(const uint8_t *p)
{
    return (uint64_t)mk_get32(p) << 32 | mk_get32(p + 4);
}

/* A cursor over a received buffer: every read checks the remaining length
 * first, so a decoder built on it cannot read out of bounds. */
struct mk_reader {
    const uint8_t *p;
    size_t len;
    size_t off;
};

static inline size_t mk_left(const struct mk_reader *r) { return r->len - r->off; }

static inline int mk_u8(struct mk_reader *r, uint8_t *v)
{
    if (mk_left(r) < 1)
        return MIKEY_ETRUNC;
    *v = r->p[r->off++];
    return MIKEY_OK;
}

static inline int mk_u16(struct mk_reader *r, uint32_t *v)
{
    if (mk_left(r) < 2)
        return MIKEY_ETRUNC;
    *v = mk_get16(r->p + r->off);
    r->off += 2;
    return MIKEY_OK;
}

static inline int mk_u32(struct mk_reader *r, uint32_t *v)
{
    if (mk_left(r) < 4)
        return MIKEY_ETRUNC;
    *v = mk_get32(r->p + r->off);
    r->off += 4;
    return MIKEY_OK;
}

static inline int mk_bytes(struct mk_reader *r, size_t n, struct mikey_view *v)
{
    if (mk_left(r) < n)
        return MIKEY_ETRUNC;
    v->p = r->p + r->off;
    v->len = n;
    r->off += n;
    return MIKEY_OK;
}

/* Writer: encoders first compute the exact size, then fill; the cursor
 * still checks so that a size/fill mismatch cannot overflow. */
struct mk_writer {
    uint8_t *p;
    size_t cap;
    size_t off;
    int err;
};

static inline void mk_w8(struct mk_writer *w, uint32_t v)
{
    if (w->err || w->cap - w->off < 1) { w->err = MIKEY_ESPACE; return; }
    w->p[w->off++] = (uint8_t)v;
}

static inline void mk_w16(struct mk_writer *w, uint32_t v)
{
    if (w->err || w->cap - w->off < 2) { w->err = MIKEY_ESPACE; return; }
    mk_put16(w->p + w->off, v);
    w->off += 2;
}

static inline void mk_w32(struct mk_writer *w, uint32_t v)
{
    if (w->err || w->cap - w->off < 4) { w->err = MIKEY_ESPACE; return; }
    mk_put32(w->p + w->off, v);
    w->off += 4;
}

static inline void mk_wbytes(struct mk_writer *w, const uint8_t *b, size_t n)
{
    if (w->err || w->cap - w->off < n) { w->err = MIKEY_ESPACE; return; }
    if (n)
        memcpy(w->p + w->off, b, n);
    w->off += n;
}

/* HMAC-SHA-256 of the TS 33.220 B.2 KDF (used for the GUK user salt). */
void mk_hmac_sha256(const uint8_t *key, size_t key_len,
                    const uint8_t *msg, size_t msg_len, uint8_t out[32]);

#endif /* MIKEY_INT_H */
