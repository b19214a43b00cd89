/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 F.2.1 (P5) and the KMS certificate's UserKeyPeriod /
 * UserKeyOffset (33.180 D.3): key period numbers count from 0h 1 Jan 1900,
 * KeyPeriodNo = floor((NTP_seconds - UserKeyOffset) / UserKeyPeriod).
 * The offset is subtracted (one implementation adds it; the two agree only
 * for offset 0).  NTP timestamps: RFC 3830 6.6 (TS type 0, NTP-UTC). */
#include "mikey_int.h"

static int kp_ok(const struct mikey_kp *kp)
{
    /* The offset shifts period boundaries within one period (P4 < P3). */
    return kp && kp->period > 0 && kp->offset < kp->period;
}

int mikey_kp_number(const struct mikey_kp *kp, uint64_t ntp_secs, uint64_t *no)
{
    if (!no)
        return MIKEY_EINVAL;
    *no = 0;
    if (!kp_ok(kp))
        return MIKEY_EINVAL;
    if (ntp_secs < kp->offset)
        return MIKEY_ERANGE;
    *no = (ntp_secs - kp->offset) / kp->period;
    return MIKEY_OK;
}

int mikey_kp_span_of(const struct mikey_kp *kp, uint64_t no, struct mikey_kp_span *out)
{
    if (!out)
        return MIKEY_EINVAL;
    memset(out, 0, sizeof *out);
    if (!kp_ok(kp))
        return MIKEY_EINVAL;
    /* start = no * period + offset and end = start + period must not wrap. */
    if (no > (UINT64_MAX - kp->offset) / kp->period)
        return MIKEY_ERANGE;
    uint64_t start = no * kp->period + kp->offset;
    if (UINT64_MAX - start < kp->period)
        return MIKEY_ERANGE;
    out->no = no;
    out->start = start;
    out->end = start + kp->period;
    return MIKEY_OK;
}

int mikey_kp_current(const struct mikey_kp *kp, uint64_t ntp_secs, struct mikey_kp_span *out)
{
    uint64_t no;
    int rc = mikey_kp_number(kp, ntp_secs, &no);
    if (rc != MIKEY_OK) {
        if (out)
            memset(out, 0, sizeof *out);
        return rc;
    }
    return mikey_kp_span_of(kp, no, out);
}

int mikey_kp_next(const struct mikey_kp *kp, uint64_t ntp_secs, struct mikey_kp_span *out)
{
    uint64_t no;
    int rc = mikey_kp_number(kp, ntp_secs, &no);
    if (rc == MIKEY_OK && no == UINT64_MAX)
        rc = MIKEY_ERANGE;
    if (rc != MIKEY_OK) {
        if (out)
            memset(out, 0, sizeof *out);
        return rc;
    }
    return mikey_kp_span_of(kp, no + 1, out);
}

uint64_t mikey_ntp64_from_seconds(uint64_t ntp_secs)
{
    return (ntp_secs & 0xFFFFFFFFu) << 32;
}

uint64_t mikey_ntp64_to_seconds(uint64_t ts, unsigned flags)
{
    uint64_t secs = ts >> 32;
    /* Interop quirk: seconds carried in the low word. */
    if ((flags & MIKEY_F_T_LOW32) && secs == 0)
        secs = ts & 0xFFFFFFFFu;
    /* RFC 4330 section 3: with the top bit clear the time is in NTP era 1
     * (2036-02-07T06:28:16Z onwards). */
    if (!(secs & 0x80000000u))
        secs += UINT64_C(1) << 32;
    return secs;
}
