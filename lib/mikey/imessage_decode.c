/* SPDX-License-Identifier: Apache-2.0 */
/* MIKEY-SAKKE I_MESSAGE decoder: RFC 3830 section 6 (common header, T,
 * RAND, SP, general extension, SIGN), RFC 6043 (IDR payload 6.6,
 * GENERIC-ID map 6.1.1), RFC 4563 (empty map), RFC 6509 section 4 (SAKKE
 * payload, data type 26) and the TS 33.180 E.2 profile: every identity
 * payload (IDRi, IDRr, IDRkmsi, IDRkmsr) is mandatory.
 *
 * The decoder is strict: one order, no repeats, no unknown payload types
 * (MIKEY payloads carry no generic length, so an unknown one cannot be
 * skipped safely), no unknown values in fields that change the meaning of
 * the message, and nothing after the SIGN payload.  General extensions of
 * unknown types are kept, since their length is explicit and RFC 3830
 * leaves them to the application. */
#include "mikey_int.h"

/* Rank of each payload in the I_MESSAGE order. */
enum rank {
    R_HDR = 0, R_T, R_RAND, R_IDRI, R_IDRR, R_IDRKMSI, R_IDRKMSR,
    R_SP, R_SAKKE, R_EXT, R_SIGN, R_COUNT
};

static const bool repeatable[R_COUNT] = {[R_SP] = true, [R_EXT] = true};
static const bool mandatory[R_COUNT] = {
    [R_HDR] = true, [R_T] = true, [R_RAND] = true, [R_IDRI] = true, [R_IDRR] = true,
    [R_IDRKMSI] = true, [R_IDRKMSR] = true, [R_SAKKE] = true, [R_SIGN] = true,
};

static int parse_hdr(struct mk_reader *r, struct mikey_hdr *h, uint8_t *next)
{
    uint8_t vp;
    int rc;
    if ((rc = mk_u8(r, &h->version)) || (rc = mk_u8(r, &h->data_type)) ||
        (rc = mk_u8(r, next)) || (rc = mk_u8(r, &vp)) || (rc = mk_u32(r, &h->csb_id)) ||
        (rc = mk_u8(r, &h->n_cs)) || (rc = mk_u8(r, &h->map_type)))
        return rc;
    if (h->version != MIKEY_VERSION)
        return MIKEY_EVERSION;
    if (h->data_type != MIKEY_DATA_TYPE_SAKKE)
        return MIKEY_EDATATYPE;
    h->v = vp >> 7;
    h->prf_func = vp & 0x7F;
    /* The PRF decides every derived key: an unknown one cannot be ignored. */
    if (h->prf_func != MIKEY_PRF_MIKEY1 && h->prf_func != MIKEY_PRF_HMAC_SHA256)
        return MIKEY_EFIELD;
    switch (h->map_type) {
    case MIKEY_MAP_EMPTY:
        return MIKEY_OK;
    case MIKEY_MAP_SRTP_ID:
    case MIKEY_MAP_GENERIC_ID:
        break;
    default:
        return MIKEY_EFIELD;
    }
    if (h->n_cs > MIKEY_MAX_CS)
        return MIKEY_ELIMIT;
    for (unsigned i = 0; i < h->n_cs; i++) {
        struct mikey_cs *c = &h->cs[i];
        if (h->map_type == MIKEY_MAP_SRTP_ID) {
            if ((rc = mk_u8(r, &c->policy_no)) || (rc = mk_u32(r, &c->ssrc)) ||
                (rc = mk_u32(r, &c->roc)))
                return rc;
            continue;
        }
        uint8_t sp;
        uint32_t sdl;
        uint8_t spil;
        if ((rc = mk_u8(r, &c->cs_id)) || (rc = mk_u8(r, &c->prot_type)) ||
            (rc = mk_u8(r, &sp)) || (rc = mk_bytes(r, sp & 0x7F, &c->policies)) ||
            (rc = mk_u16(r, &sdl)) || (rc = mk_bytes(r, sdl, &c->session_data)) ||
            (rc = mk_u8(r, &spil)) || (rc = mk_bytes(r, spil, &c->spi)))
            return rc;
        c->s_flag = sp >> 7;
    }
    return MIKEY_OK;
}

static int parse_t(struct mk_reader *r, struct mikey_imsg *m)
{
    uint32_t hi, lo;
    int rc;
    if ((rc = mk_u8(r, &m->ts_type)))
        return rc;
    /* Only NTP-UTC (TS 33.179 E.1.1); the length of the others differs. */
    if (m->ts_type != MIKEY_TS_NTP_UTC)
        return MIKEY_EFIELD;
    if ((rc = mk_u32(r, &hi)) || (rc = mk_u32(r, &lo)))
        return rc;
    m->ts = (uint64_t)hi << 32 | lo;
    return MIKEY_OK;
}

static int parse_rand(struct mk_reader *r, struct mikey_imsg *m)
{
    uint8_t n;
    int rc;
    if ((rc = mk_u8(r, &n)) || (rc = mk_bytes(r, n, &m->rand)))
        return rc;
    return n < MIKEY_RAND_MIN ? MIKEY_EFIELD : MIKEY_OK;
}

static int parse_idr(struct mk_reader *r, struct mikey_idr *idr)
{
    uint32_t n;
    int rc;
    /* Role and type are checked before the length is trusted. */
    if ((rc = mk_u8(r, &idr->role)) || (rc = mk_u8(r, &idr->type)))
        return rc;
    switch (idr->role) {
    case MIKEY_ROLE_I: case MIKEY_ROLE_R: case MIKEY_ROLE_KMSI: case MIKEY_ROLE_KMSR:
        break;
    default:
        return MIKEY_EFIELD;
    }
    if (idr->type > MIKEY_IDT_BYTES)
        return MIKEY_EFIELD;
    if ((rc = mk_u16(r, &n)) || (rc = mk_bytes(r, n, &idr->id)))
        return rc;
    return n == 0 ? MIKEY_EFIELD : MIKEY_OK;
}

static int parse_sp(struct mk_reader *r, struct mikey_sp *sp)
{
    uint32_t n;
    struct mikey_view body;
    int rc;
    if ((rc = mk_u8(r, &sp->policy_no)) || (rc = mk_u8(r, &sp->prot_type)) ||
        (rc = mk_u16(r, &n)) || (rc = mk_bytes(r, n, &body)))
        return rc;
    /* RFC 3830 defines parameters for SRTP only. */
    if (sp->prot_type != MIKEY_PROT_SRTP)
        return MIKEY_EFIELD;
    struct mk_reader in = {body.p, body.len, 0};
    while (mk_left(&in) > 0) {
        uint8_t type, len;
        struct mikey_view v;
        /* A parameter running past the declared policy length is a
         * malformed payload, not a truncated message. */
        if (mk_u8(&in, &type) || mk_u8(&in, &len) || mk_bytes(&in, len, &v))
            return MIKEY_EFIELD;
        for (size_t i = 0; i < sp->n_params; i++)
            if (sp->params[i].type == type)
                return MIKEY_EDUP;
        if (sp->n_params == MIKEY_MAX_SP_PARAMS)
            return MIKEY_ELIMIT;
        sp->params[sp->n_params].type = type;
        sp->params[sp->n_params].value = v;
        sp->n_params++;
    }
    return MIKEY_OK;
}

static int parse_sakke_body(struct mk_reader *r, struct mikey_sakke *s)
{
    uint32_t n;
    int rc;
    if ((rc = mk_u8(r, &s->params)) || (rc = mk_u8(r, &s->id_scheme)) || (rc = mk_u16(r, &n)))
        return rc;
    if (s->params != MIKEY_SAKKE_PARAMS_1 || n != MIKEY_SAKKE_DATA_LEN ||
        (s->id_scheme != MIKEY_SAKKE_ID_TEL_URI && s->id_scheme != MIKEY_SAKKE_ID_3GPP_UID))
        return MIKEY_EFIELD;
    return mk_bytes(r, n, &s->data);
}

static int parse_ext(struct mk_reader *r, struct mikey_imsg *m)
{
    uint8_t type;
    uint32_t n;
    struct mikey_view data;
    int rc;
    if ((rc = mk_u8(r, &type)) || (rc = mk_u16(r, &n)) || (rc = mk_bytes(r, n, &data)))
        return rc;
    if (type == MIKEY_GENEXT_SAKKE_TO_SELF || type == MIKEY_GENEXT_KEY_PARAMS)
        if (mikey_imsg_ext(m, type))
            return MIKEY_EDUP;
    if (m->n_ext == MIKEY_MAX_EXT)
        return MIKEY_ELIMIT;
    if (type == MIKEY_GENEXT_SAKKE_TO_SELF) {
        /* TS 33.180 E.5: a whole SAKKE payload whose own next-payload
         * field is set to zero and ignored; it fills the extension. */
        struct mk_reader in = {data.p, data.len, 0};
        uint8_t ignored;
        if (mk_u8(&in, &ignored) || parse_sakke_body(&in, &m->sakke_self) ||
            mk_left(&in) != 0)
            return MIKEY_EFIELD;
        m->has_sakke_to_self = true;
    }
    m->ext[m->n_ext].type = type;
    m->ext[m->n_ext].data = data;
    m->n_ext++;
    return MIKEY_OK;
}

static int parse_sign(struct mk_reader *r, struct mikey_imsg *m)
{
    uint32_t tl;
    int rc;
    if ((rc = mk_u16(r, &tl)))
        return rc;
    m->sig_type = (uint8_t)(tl >> 12);
    size_t len = tl & 0xFFF;
    if (m->sig_type != MIKEY_SIGN_ECCSI || len != MIKEY_SIGN_LEN)
        return MIKEY_EFIELD;
    return mk_bytes(r, len, &m->sig);
}

static int decode(const uint8_t *buf, size_t len, struct mikey_imsg *m)
{
    struct mk_reader r = {buf, len, 0};
    uint8_t next;
    bool seen[R_COUNT] = {false};
    enum rank last = R_HDR;
    int rc = parse_hdr(&r, &m->hdr, &next);
    if (rc)
        return rc;
    seen[R_HDR] = true;
    for (;;) {
        size_t start = r.off;
        uint8_t following = MIKEY_PT_LAST;
        enum rank rank;
        struct mikey_idr idr = {0};
        struct mikey_sakke sakke = {0};
        if (next == MIKEY_PT_LAST)
            return MIKEY_EMISSING; /* the chain ends before the SIGN payload */
        if (next != MIKEY_PT_SIGN && (rc = mk_u8(&r, &following)))
            return rc;
        /* Parse into temporaries (SP and extensions into the next free
         * slot), check the order, then commit. */
        switch (next) {
        case MIKEY_PT_T:
            rank = R_T;
            rc = parse_t(&r, m);
            break;
        case MIKEY_PT_RAND:
            rank = R_RAND;
            rc = parse_rand(&r, m);
            break;
        case MIKEY_PT_IDR:
            rc = parse_idr(&r, &idr);
            rank = idr.role == MIKEY_ROLE_I ? R_IDRI
                 : idr.role == MIKEY_ROLE_R ? R_IDRR
                 : idr.role == MIKEY_ROLE_KMSI ? R_IDRKMSI : R_IDRKMSR;
            break;
        case MIKEY_PT_SP:
            rank = R_SP;
            if (m->n_sp == MIKEY_MAX_SP)
                return MIKEY_ELIMIT;
            memset(&m->sp[m->n_sp], 0, sizeof m->sp[m->n_sp]);
            rc = parse_sp(&r, &m->sp[m->n_sp]);
            for (size_t i = 0; rc == MIKEY_OK && i < m->n_sp; i++)
                if (m->sp[i].policy_no == m->sp[m->n_sp].policy_no)
                    rc = MIKEY_EDUP;
            break;
        case MIKEY_PT_SAKKE:
            rank = R_SAKKE;
            rc = parse_sakke_body(&r, &sakke);
            break;
        case MIKEY_PT_GENEXT:
            rank = R_EXT;
            rc = parse_ext(&r, m); /* only ever reached before SIGN */
            break;
        case MIKEY_PT_SIGN:
            rank = R_SIGN;
            rc = parse_sign(&r, m);
            break;
        default:
            return MIKEY_EPAYLOAD;
        }
        if (rc)
            return rc;
        if (rank < last || (rank == last && !repeatable[rank]))
            return seen[rank] ? MIKEY_EDUP : MIKEY_EORDER;
        seen[rank] = true;
        last = rank;
        switch (rank) {
        case R_IDRI: m->idri = idr; break;
        case R_IDRR: m->idrr = idr; break;
        case R_IDRKMSI: m->idrkmsi = idr; break;
        case R_IDRKMSR: m->idrkmsr = idr; break;
        case R_SP: m->n_sp++; break;
        case R_SAKKE: m->sakke = sakke; break;
        default: break;
        }
        if (rank == R_SIGN) {
            if (mk_left(&r) != 0)
                return MIKEY_ETRAILING;
            for (int i = 0; i < R_COUNT; i++)
                if (mandatory[i] && !seen[i])
                    return MIKEY_EMISSING;
            m->signed_len_nohdr = start;
            m->signed_len = start + 2;
            return MIKEY_OK;
        }
        next = following;
    }
}

int mikey_imsg_decode(const uint8_t *buf, size_t len, struct mikey_imsg *m)
{
    if (!m)
        return MIKEY_EINVAL;
    memset(m, 0, sizeof *m);
    if (!buf)
        return MIKEY_EINVAL;
    int rc = decode(buf, len, m);
    if (rc != MIKEY_OK) {
        memset(m, 0, sizeof *m);
        return rc;
    }
    m->raw.p = buf;
    m->raw.len = len;
    return MIKEY_OK;
}

const struct mikey_genext *mikey_imsg_ext(const struct mikey_imsg *m, uint8_t type)
{
    if (!m)
        return NULL;
    for (size_t i = 0; i < m->n_ext && i < MIKEY_MAX_EXT; i++)
        if (m->ext[i].type == type)
            return &m->ext[i];
    return NULL;
}

int mikey_imsg_verify(const struct mikey_imsg *m, mikey_verify_fn *verify, void *vctx,
                      unsigned flags, enum mikey_sig_variant *variant)
{
    if (variant)
        *variant = MIKEY_SIG_STANDARD;
    if (!m || !verify || !m->raw.p || m->sig.len != MIKEY_SIGN_LEN ||
        m->signed_len > m->raw.len || m->signed_len_nohdr + 2 != m->signed_len)
        return MIKEY_EINVAL;
    int rc = verify(vctx, m->raw.p, m->signed_len, m->sig.p, m->sig.len);
    if (rc == MIKEY_ESIGN && (flags & MIKEY_F_SIGN_NO_HDR)) {
        rc = verify(vctx, m->raw.p, m->signed_len_nohdr, m->sig.p, m->sig.len);
        if (rc == MIKEY_OK && variant)
            *variant = MIKEY_SIG_NO_HDR;
    }
    return rc;
}

uint64_t mikey_imsg_time(const struct mikey_imsg *m, unsigned flags)
{
    return m ? mikey_ntp64_to_seconds(m->ts, flags) : 0;
}

int mikey_imsg_uid(const struct mikey_imsg *m, const struct mikey_idr *idr,
                   const struct mikey_idr *kms_idr, const struct mikey_kp *kp,
                   unsigned flags, uint8_t uid[MIKEY_UID_LEN])
{
    if (!m || !idr || !kms_idr) {
        if (uid)
            memset(uid, 0, MIKEY_UID_LEN);
        return MIKEY_EINVAL;
    }
    return mikey_uid_at(idr->id.p, idr->id.len, kms_idr->id.p, kms_idr->id.len, kp,
                        mikey_imsg_time(m, flags), uid);
}
