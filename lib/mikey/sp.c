/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3830 6.10 security policy payload contents for SRTP and the MC default
 * profiles: TS 33.179 Table E.2-1 (group calls, GMK) and Table E.3-1
 * (private calls, PCK). */
#include "mikey_int.h"

/* Parameter values; one octet each. */
static const uint8_t V0[] = {0}, V1[] = {1}, V4[] = {4}, V6[] = {6}, V12[] = {12},
                     V16[] = {16};

#define P(t, v) {(t), {(v), 1}}

static const struct mikey_sp_param group_profile[] = {
    P(MIKEY_SRTP_ENC_ALG, V6),              /* AES-GCM */
    P(MIKEY_SRTP_ENC_KEY_LEN, V16),
    P(MIKEY_SRTP_AUTH_ALG, V4),             /* RCCm3 */
    P(MIKEY_SRTP_SALT_LEN, V12),
    P(MIKEY_SRTP_PRF, V0),                  /* AES-CM */
    P(MIKEY_SRTP_KDR, V0),
    P(MIKEY_SRTP_ROC_RATE, V1),
    P(MIKEY_SRTP_AUTH_TAG_LEN_SRTP, V4),
    P(MIKEY_SRTP_AUTH_TAG_LEN_SRTCP, V0),
    P(MIKEY_SRTP_AEAD_TAG_LEN, V16),
};

static const struct mikey_sp_param private_profile[] = {
    P(MIKEY_SRTP_ENC_ALG, V6),
    P(MIKEY_SRTP_ENC_KEY_LEN, V16),
    P(MIKEY_SRTP_SALT_LEN, V12),
    P(MIKEY_SRTP_PRF, V0),
    P(MIKEY_SRTP_KDR, V0),
    P(MIKEY_SRTP_AEAD_TAG_LEN, V16),
};

static void fill(struct mikey_sp *sp, uint8_t policy_no,
                 const struct mikey_sp_param *p, size_t n)
{
    memset(sp, 0, sizeof *sp);
    sp->policy_no = policy_no;
    sp->prot_type = MIKEY_PROT_SRTP;
    sp->n_params = n;
    memcpy(sp->params, p, n * sizeof *p);
}

void mikey_sp_default_group(struct mikey_sp *sp, uint8_t policy_no)
{
    if (sp)
        fill(sp, policy_no, group_profile, sizeof group_profile / sizeof *group_profile);
}

void mikey_sp_default_private(struct mikey_sp *sp, uint8_t policy_no)
{
    if (sp)
        fill(sp, policy_no, private_profile, sizeof private_profile / sizeof *private_profile);
}

const struct mikey_view *mikey_sp_param(const struct mikey_sp *sp, uint8_t type)
{
    if (!sp)
        return NULL;
    for (size_t i = 0; i < sp->n_params && i < MIKEY_MAX_SP_PARAMS; i++)
        if (sp->params[i].type == type)
            return &sp->params[i].value;
    return NULL;
}
