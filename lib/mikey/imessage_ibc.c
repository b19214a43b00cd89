/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto half of MIKEY-SAKKE, over lib/ibc: ECCSI signing and
 * verification of the I_MESSAGE (RFC 6507, RFC 6509 section 4), SAKKE
 * encapsulation of the key (RFC 6508 with the UIDs of TS 33.180 F.2.1), and
 * the sender / receiver procedures of a GMK distribution (TS 33.179 E.2,
 * TS 33.180 5.7).  The rest of libmikey does not depend on lib/ibc. */
#include "ibc/ibc.h"
#include "mikey_int.h"

static int from_ibc(int rc, int verify_code)
{
    switch (rc) {
    case IBC_OK: return MIKEY_OK;
    case IBC_EVERIFY: return verify_code;
    case IBC_EDECAP: return MIKEY_ESAKKE;
    case IBC_ENOMEM: return MIKEY_ENOMEM;
    default: return MIKEY_ECRYPTO;
    }
}

int mikey_eccsi_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[MIKEY_SIGN_LEN])
{
    const struct mikey_eccsi_signer *s = ctx;
    if (!s || !sig)
        return MIKEY_EINVAL;
    return from_ibc(ibc_eccsi_sign(s->kpak, s->kpak_len, s->uid, s->uid_len, s->ssk,
                                   s->ssk_len, s->pvt, s->pvt_len, msg, len, s->j, s->rnd,
                                   s->rctx, sig),
                    MIKEY_ECRYPTO);
}

int mikey_eccsi_verify(void *ctx, const uint8_t *msg, size_t len,
                       const uint8_t *sig, size_t sig_len)
{
    const struct mikey_eccsi_verifier *v = ctx;
    if (!v)
        return MIKEY_EINVAL;
    int rc = ibc_eccsi_verify(v->kpak, v->kpak_len, v->uid, v->uid_len, msg, len, sig, sig_len);
    /* A malformed r, s or PVT is a bad signature as far as the sender's
     * message is concerned; a bad KPAK is our configuration. */
    if (rc == IBC_EENCODING || rc == IBC_EPOINT || rc == IBC_ERANGE)
        return v->kpak && v->kpak_len == IBC_ECCSI_POINT_LEN ? MIKEY_ESIGN : MIKEY_ECRYPTO;
    return from_ibc(rc, MIKEY_ESIGN);
}

int mikey_sakke_decap(const struct mikey_sakke *s, const uint8_t *z, size_t z_len,
                      const uint8_t *uid, size_t uid_len,
                      const uint8_t *rsk, size_t rsk_len,
                      uint8_t key[MIKEY_KEY_LEN])
{
    if (!key)
        return MIKEY_EINVAL;
    memset(key, 0, MIKEY_KEY_LEN);
    if (!s || s->params != MIKEY_SAKKE_PARAMS_1)
        return MIKEY_EINVAL;
    int rc = ibc_sakke_decap(z, z_len, uid, uid_len, rsk, rsk_len, s->data.p, s->data.len, key);
    /* Encapsulated data that does not decode is the sender's fault. */
    if (rc == IBC_EENCODING || rc == IBC_EPOINT)
        return MIKEY_ESAKKE;
    return from_ibc(rc, MIKEY_ESAKKE);
}

static bool same(const struct mikey_view *v, const uint8_t *p, size_t n)
{
    return p && v->len == n && memcmp(v->p, p, n) == 0;
}

int mikey_gmk_imessage_build(const struct mikey_gmk_send *p,
                             uint8_t *out, size_t cap, size_t *out_len)
{
    if (!out_len)
        return MIKEY_EINVAL;
    *out_len = 0;
    if (!p || !p->key || p->key_len != MIKEY_KEY_LEN || !p->init_uri || !p->resp_uri ||
        !p->init_kms || !p->resp_kms || !p->init_kms->uri || !p->resp_kms->uri ||
        (!p->rand && !p->rnd) || (p->n_ext && !p->ext) || p->n_ext > MIKEY_MAX_EXT ||
        p->v > 1)
        return MIKEY_EINVAL;

    struct mikey_imsg m;
    memset(&m, 0, sizeof m);
    uint8_t rnd_buf[MIKEY_RAND_MIN], uid_i[MIKEY_UID_LEN], uid_r[MIKEY_UID_LEN];
    uint8_t ssv[IBC_SAKKE_SSV_LEN], ed[IBC_SAKKE_ED_LEN];
    int rc = mikey_csb_id(p->key, p->key_len, p->key_id, p->resp_uri, p->resp_uri_len,
                          &m.hdr.csb_id);
    if (rc == MIKEY_OK)
        rc = mikey_uid_at(p->init_uri, p->init_uri_len, p->init_kms->uri,
                          p->init_kms->uri_len, &p->init_kms->kp, p->ntp_secs, uid_i);
    if (rc == MIKEY_OK)
        rc = mikey_uid_at(p->resp_uri, p->resp_uri_len, p->resp_kms->uri,
                          p->resp_kms->uri_len, &p->resp_kms->kp, p->ntp_secs, uid_r);
    if (rc == MIKEY_OK)
        rc = from_ibc(ibc_sakke_encap(p->resp_kms->z, p->resp_kms->z_len, uid_r, sizeof uid_r,
                                      p->key, p->rnd, p->rctx, ssv, ed),
                      MIKEY_ECRYPTO);
    mikey_wipe(ssv, sizeof ssv);
    if (rc != MIKEY_OK)
        return rc;

    m.hdr.version = MIKEY_VERSION;
    m.hdr.data_type = MIKEY_DATA_TYPE_SAKKE;
    m.hdr.v = p->v;
    m.hdr.prf_func = MIKEY_PRF_HMAC_SHA256;
    m.hdr.n_cs = 0;
    m.hdr.map_type = MIKEY_MAP_EMPTY; /* #CS 0: default policies (33.180 E.1.2) */
    m.ts_type = MIKEY_TS_NTP_UTC;
    m.ts = mikey_ntp64_from_seconds(p->ntp_secs);
    if (p->rand) {
        m.rand.p = p->rand;
        m.rand.len = p->rand_len;
    } else {
        p->rnd(p->rctx, sizeof rnd_buf, rnd_buf);
        m.rand.p = rnd_buf;
        m.rand.len = sizeof rnd_buf;
    }
    m.idri = (struct mikey_idr){MIKEY_ROLE_I, MIKEY_IDT_URI, {p->init_uri, p->init_uri_len}};
    m.idrr = (struct mikey_idr){MIKEY_ROLE_R, MIKEY_IDT_URI, {p->resp_uri, p->resp_uri_len}};
    m.idrkmsi = (struct mikey_idr){MIKEY_ROLE_KMSI, MIKEY_IDT_URI,
                                   {p->init_kms->uri, p->init_kms->uri_len}};
    m.idrkmsr = (struct mikey_idr){MIKEY_ROLE_KMSR, MIKEY_IDT_URI,
                                   {p->resp_kms->uri, p->resp_kms->uri_len}};
    if (p->sp) {
        m.sp[0] = *p->sp;
        m.n_sp = 1;
    }
    m.sakke.params = MIKEY_SAKKE_PARAMS_1;
    m.sakke.id_scheme = MIKEY_SAKKE_ID_3GPP_UID;
    m.sakke.data.p = ed;
    m.sakke.data.len = sizeof ed;
    for (size_t i = 0; i < p->n_ext; i++)
        m.ext[i] = p->ext[i];
    m.n_ext = p->n_ext;
    m.sig_type = MIKEY_SIGN_ECCSI;

    struct mikey_eccsi_signer signer = {
        p->init_kms->kpak, p->init_kms->kpak_len, uid_i, sizeof uid_i,
        p->ssk, p->ssk_len, p->pvt, p->pvt_len, p->j, p->rnd, p->rctx,
    };
    return mikey_imsg_encode(&m, mikey_eccsi_sign, &signer, out, cap, out_len);
}

int mikey_gmk_imessage_receive(const uint8_t *buf, size_t len,
                               const struct mikey_gmk_recv *p,
                               struct mikey_imsg *m, struct mikey_gmk_result *res)
{
    if (!res)
        return MIKEY_EINVAL;
    memset(res, 0, sizeof *res);
    if (!m)
        return MIKEY_EINVAL;
    if (!p || !p->my_uri || !p->my_kms || !p->init_kms || !p->my_kms->uri ||
        !p->init_kms->uri) {
        memset(m, 0, sizeof *m);
        return MIKEY_EINVAL;
    }
    int rc = mikey_imsg_decode(buf, len, m);
    if (rc != MIKEY_OK)
        return rc;
    if (!same(&m->idrr.id, p->my_uri, p->my_uri_len) ||
        !same(&m->idrkmsr.id, p->my_kms->uri, p->my_kms->uri_len) ||
        !same(&m->idrkmsi.id, p->init_kms->uri, p->init_kms->uri_len))
        return MIKEY_EIDENTITY;
    /* Our RSKs are for 3GPP hashed UIDs; a tel-URI scheme SAKKE payload is
     * encapsulated to some other identifier. */
    if (m->sakke.id_scheme != MIKEY_SAKKE_ID_3GPP_UID)
        return MIKEY_EFIELD;

    uint64_t ntp = mikey_imsg_time(m, p->flags);
    uint8_t uid_i[MIKEY_UID_LEN], uid_r[MIKEY_UID_LEN];
    rc = mikey_imsg_uid(m, &m->idri, &m->idrkmsi, &p->init_kms->kp, p->flags, uid_i);
    if (rc == MIKEY_OK)
        rc = mikey_imsg_uid(m, &m->idrr, &m->idrkmsr, &p->my_kms->kp, p->flags, uid_r);
    if (rc == MIKEY_OK)
        rc = mikey_kp_number(&p->my_kms->kp, ntp, &res->period_no);
    if (rc != MIKEY_OK)
        return rc;
    struct mikey_eccsi_verifier v = {p->init_kms->kpak, p->init_kms->kpak_len, uid_i,
                                     sizeof uid_i};
    rc = mikey_imsg_verify(m, mikey_eccsi_verify, &v, p->flags, &res->sig_variant);
    if (rc == MIKEY_OK)
        rc = mikey_sakke_decap(&m->sakke, p->my_kms->z, p->my_kms->z_len, uid_r, sizeof uid_r,
                               p->rsk, p->rsk_len, res->key);
    res->csb_id = m->hdr.csb_id;
    res->key_id = m->hdr.csb_id;
    if (rc == MIKEY_OK && mikey_key_id_purpose(m->hdr.csb_id) == MIKEY_PURPOSE_GMK)
        rc = mikey_gmk_id_from_guk(res->key, sizeof res->key, m->hdr.csb_id, p->my_uri,
                                   p->my_uri_len, &res->key_id);
    res->ntp_secs = ntp;
    if (rc != MIKEY_OK) {
        uint64_t no = res->period_no;
        mikey_wipe(res, sizeof *res);
        res->period_no = no;
    }
    return rc;
}
