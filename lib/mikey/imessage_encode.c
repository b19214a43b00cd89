/* SPDX-License-Identifier: Apache-2.0 */
/* MIKEY-SAKKE I_MESSAGE encoder (RFC 3830 section 6, RFC 6043, RFC 6509
 * section 4, TS 33.180 Annex E).  Payload order: HDR, T, RAND, IDRi, IDRr,
 * IDRkmsi, IDRkmsr, SP*, SAKKE, GENEXT*, SIGN.
 *
 * The signature covers the message up to and including the SIGN payload's
 * 2-octet type/length header (RFC 3830 5.2).  Before signing, the encoder
 * runs its own output through the decoder, so it never emits a message
 * this library would refuse. */
#include "mikey_int.h"

static size_t hdr_len(const struct mikey_hdr *h)
{
    size_t n = 10;
    if (h->map_type == MIKEY_MAP_EMPTY)
        return n;
    if (h->n_cs > MIKEY_MAX_CS)
        return 0;
    for (unsigned i = 0; i < h->n_cs; i++) {
        const struct mikey_cs *c = &h->cs[i];
        if (h->map_type == MIKEY_MAP_SRTP_ID) {
            n += 9;
            continue;
        }
        if (c->policies.len > 0x7F || c->session_data.len > 0xFFFF || c->spi.len > 0xFF)
            return 0;
        n += 3 + c->policies.len + 2 + c->session_data.len + 1 + c->spi.len;
    }
    return n;
}

static size_t sp_len(const struct mikey_sp *sp)
{
    if (sp->n_params > MIKEY_MAX_SP_PARAMS)
        return 0;
    size_t body = 0;
    for (size_t i = 0; i < sp->n_params; i++) {
        if (sp->params[i].value.len > 0xFF)
            return 0;
        body += 2 + sp->params[i].value.len;
    }
    return body > 0xFFFF ? 0 : 5 + body;
}

size_t mikey_imsg_encoded_len(const struct mikey_imsg *m)
{
    if (!m || m->n_sp > MIKEY_MAX_SP || m->n_ext > MIKEY_MAX_EXT || m->rand.len > 0xFF ||
        m->sakke.data.len > 0xFFFF)
        return 0;
    size_t n = hdr_len(&m->hdr);
    if (n == 0)
        return 0;
    n += 10;                 /* T: next, type, 64-bit NTP */
    n += 2 + m->rand.len;
    const struct mikey_idr *ids[4] = {&m->idri, &m->idrr, &m->idrkmsi, &m->idrkmsr};
    for (int i = 0; i < 4; i++) {
        if (ids[i]->id.len > 0xFFFF)
            return 0;
        n += 5 + ids[i]->id.len;
    }
    for (size_t i = 0; i < m->n_sp; i++) {
        size_t s = sp_len(&m->sp[i]);
        if (s == 0)
            return 0;
        n += s;
    }
    n += 5 + m->sakke.data.len;
    for (size_t i = 0; i < m->n_ext; i++) {
        if (m->ext[i].data.len > 0xFFFF)
            return 0;
        n += 4 + m->ext[i].data.len;
    }
    return n + 2 + MIKEY_SIGN_LEN;
}

static void put_view(struct mk_writer *w, const struct mikey_view *v)
{
    if (v->len && !v->p)
        w->err = MIKEY_EINVAL;
    else
        mk_wbytes(w, v->p, v->len);
}

static void put_hdr(struct mk_writer *w, const struct mikey_hdr *h)
{
    mk_w8(w, h->version);
    mk_w8(w, h->data_type);
    mk_w8(w, MIKEY_PT_T);
    mk_w8(w, (uint32_t)(h->v ? 0x80 : 0) | (h->prf_func & 0x7F));
    mk_w32(w, h->csb_id);
    mk_w8(w, h->n_cs);
    mk_w8(w, h->map_type);
    if (h->map_type == MIKEY_MAP_EMPTY)
        return;
    for (unsigned i = 0; i < h->n_cs && i < MIKEY_MAX_CS; i++) {
        const struct mikey_cs *c = &h->cs[i];
        if (h->map_type == MIKEY_MAP_SRTP_ID) {
            mk_w8(w, c->policy_no);
            mk_w32(w, c->ssrc);
            mk_w32(w, c->roc);
            continue;
        }
        mk_w8(w, c->cs_id);
        mk_w8(w, c->prot_type);
        mk_w8(w, (uint32_t)(c->s_flag ? 0x80 : 0) | (uint32_t)c->policies.len);
        put_view(w, &c->policies);
        mk_w16(w, (uint32_t)c->session_data.len);
        put_view(w, &c->session_data);
        mk_w8(w, (uint32_t)c->spi.len);
        put_view(w, &c->spi);
    }
}

static void put_idr(struct mk_writer *w, uint8_t next, uint8_t role, const struct mikey_idr *idr)
{
    mk_w8(w, next);
    mk_w8(w, role);
    mk_w8(w, idr->type);
    mk_w16(w, (uint32_t)idr->id.len);
    put_view(w, &idr->id);
}

int mikey_imsg_encode(const struct mikey_imsg *m, mikey_sign_fn *sign, void *sctx,
                      uint8_t *out, size_t cap, size_t *out_len)
{
    if (!out_len)
        return MIKEY_EINVAL;
    *out_len = 0;
    if (!m || (!sign && (m->sig.len != MIKEY_SIGN_LEN || !m->sig.p)))
        return MIKEY_EINVAL;
    size_t total = mikey_imsg_encoded_len(m);
    if (total == 0)
        return MIKEY_EINVAL;
    if (!out || cap < total)
        return MIKEY_ESPACE;

    struct mk_writer w = {out, total, 0, 0};
    put_hdr(&w, &m->hdr);
    mk_w8(&w, MIKEY_PT_RAND); /* T */
    mk_w8(&w, m->ts_type);
    mk_w32(&w, (uint32_t)(m->ts >> 32));
    mk_w32(&w, (uint32_t)m->ts);
    mk_w8(&w, MIKEY_PT_IDR); /* RAND */
    mk_w8(&w, (uint32_t)m->rand.len);
    put_view(&w, &m->rand);
    uint8_t after_ids = m->n_sp ? MIKEY_PT_SP : MIKEY_PT_SAKKE;
    put_idr(&w, MIKEY_PT_IDR, MIKEY_ROLE_I, &m->idri);
    put_idr(&w, MIKEY_PT_IDR, MIKEY_ROLE_R, &m->idrr);
    put_idr(&w, MIKEY_PT_IDR, MIKEY_ROLE_KMSI, &m->idrkmsi);
    put_idr(&w, after_ids, MIKEY_ROLE_KMSR, &m->idrkmsr);
    for (size_t i = 0; i < m->n_sp; i++) {
        const struct mikey_sp *sp = &m->sp[i];
        size_t body = sp_len(sp) - 5;
        mk_w8(&w, i + 1 < m->n_sp ? MIKEY_PT_SP : MIKEY_PT_SAKKE);
        mk_w8(&w, sp->policy_no);
        mk_w8(&w, sp->prot_type);
        mk_w16(&w, (uint32_t)body);
        for (size_t k = 0; k < sp->n_params; k++) {
            mk_w8(&w, sp->params[k].type);
            mk_w8(&w, (uint32_t)sp->params[k].value.len);
            put_view(&w, &sp->params[k].value);
        }
    }
    mk_w8(&w, m->n_ext ? MIKEY_PT_GENEXT : MIKEY_PT_SIGN); /* SAKKE */
    mk_w8(&w, m->sakke.params);
    mk_w8(&w, m->sakke.id_scheme);
    mk_w16(&w, (uint32_t)m->sakke.data.len);
    put_view(&w, &m->sakke.data);
    for (size_t i = 0; i < m->n_ext; i++) {
        mk_w8(&w, i + 1 < m->n_ext ? MIKEY_PT_GENEXT : MIKEY_PT_SIGN);
        mk_w8(&w, m->ext[i].type);
        mk_w16(&w, (uint32_t)m->ext[i].data.len);
        put_view(&w, &m->ext[i].data);
    }
    mk_w16(&w, (uint32_t)m->sig_type << 12 | MIKEY_SIGN_LEN);
    size_t signed_len = w.off;
    if (sign) {
        uint8_t zero[MIKEY_SIGN_LEN] = {0};
        mk_wbytes(&w, zero, sizeof zero); /* placeholder for the self-check */
    } else {
        mk_wbytes(&w, m->sig.p, MIKEY_SIGN_LEN);
    }
    int rc = w.err;
    if (rc == MIKEY_OK && w.off != total)
        rc = MIKEY_EINVAL;
    if (rc == MIKEY_OK) {
        struct mikey_imsg check;
        rc = mikey_imsg_decode(out, total, &check);
        if (rc == MIKEY_OK && check.signed_len != signed_len)
            rc = MIKEY_EINVAL;
    }
    if (rc == MIKEY_OK && sign)
        rc = sign(sctx, out, signed_len, out + signed_len);
    if (rc != MIKEY_OK) {
        memset(out, 0, total);
        return rc;
    }
    *out_len = total;
    return MIKEY_OK;
}
