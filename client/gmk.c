/* SPDX-License-Identifier: Apache-2.0 */
/* The group key receiver of a member (TS 33.180 5.7, TS 33.179 7.3 and
 * Annex E): GMKs distributed by the GMS as MIKEY-SAKKE I_MESSAGEs
 * (RFC 6509), fetched over GM-UU (doc/gm-uu.md) and acknowledged once
 * processed.  A message is accepted only when
 *   - it decodes strictly (lib/mikey) and carries a GMK (purpose tag 0);
 *   - IDRr is an identity of the key file, IDRkmsi and IDRkmsr name the
 *     stored KMS certificate's KmsUri, IDRi is the GMS we expect;
 *   - the ECCSI signature verifies under the KPAK for the UID of IDRi at the
 *     key period of T (RFC 6507 5.2.2), over the message as RFC 3830 5.2
 *     says (the variant without the SIGN header is not accepted);
 *   - the SAKKE payload decapsulates with the RSK of IDRr for that period,
 *     with RFC 6508 6.2.2's integrity check.
 * The SRTP master key and salt then follow TS 33.180 7.4.2: TGK = GMK,
 * CSB ID = GUK-ID of the member whose media they protect (the MKI is
 * GMK-ID || GUK-ID), RAND of the message, CS-ID of Table E.1.3-1,
 * PRF-HMAC-SHA-256 (RFC 6043). */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mikey/mikey.h"

#include "kmc_int.h"

#define GMUU_ROOT "/gm-uu/v1/gmk-messages"

/* One KMS certificate generation of the key file: its certificate as
 * lib/mikey takes it, and its key sets. */
typedef struct gmk_gen {
    const kmc_store_t *store;
    struct mikey_kms kms;
} gmk_gen_t;

/* Everything one message needs, independent of the transport: the key
 * file's current generation and, during a master-key rollover overlap,
 * its previous one (kmc_store_t.prev), tried when the current one does
 * not open a message. */
typedef struct gmk_ctx {
    sealclient_t *c;
    const sealclient_gmk_options_t *o;
    gmk_gen_t cur, prev;
    int has_prev;
} gmk_ctx_t;

static int refuse(sealclient_gmk_t *g, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(sealclient_gmk_t *g, char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    g->status = SEALCLIENT_E_PROTOCOL;
    g->error = why;
    return SEALCLIENT_E_PROTOCOL;
}

static int view_is(const struct mikey_view *v, const char *s)
{
    size_t n = strlen(s);
    return v->len == n && memcmp(v->p, s, n) == 0;
}

/* A view as a printable string for messages (control characters and
 * anything past 200 octets replaced or cut). */
static void view_str(char *dst, size_t n, const struct mikey_view *v)
{
    size_t k = v->len < n - 1 ? v->len : n - 1;
    for (size_t i = 0; i < k; i++)
        dst[i] = v->p[i] < 0x20 || v->p[i] >= 0x7f ? '?' : (char)v->p[i];
    dst[k] = '\0';
}

/* The part of a message's checks that depends on the KMS certificate:
 * the KMS identities, the key period of T, our key set for it, the ECCSI
 * signature under the KPAK and the SAKKE payload under our RSK. On success
 * *ks and *res (wiped by the caller) are set. */
static int open_under(const gmk_gen_t *gen, const uint8_t *buf, size_t len,
                      struct mikey_imsg *m, sealclient_gmk_t *g, char names[3][KMC_URI_MAX + 1],
                      const kmc_keyset_t **ks_out, struct mikey_gmk_result *res, char *why,
                      size_t whylen)
{
    char shown[208];
    const char *kms_uri = gen->store->cert.kms_uri;
    if (!view_is(&m->idrkmsi.id, kms_uri) || !view_is(&m->idrkmsr.id, kms_uri)) {
        view_str(shown, sizeof shown,
                 view_is(&m->idrkmsi.id, kms_uri) ? &m->idrkmsr.id : &m->idrkmsi.id);
        return refuse(g, why, whylen, "the KMS named in IDRkmsi/IDRkmsr (%s) is not the "
                      "KMS of the key file (%s)", shown, kms_uri);
    }
    uint64_t ntp = mikey_imsg_time(m, 0), period;
    if (mikey_kp_number(&gen->kms.kp, ntp, &period) != MIKEY_OK)
        return refuse(g, why, whylen, "its timestamp is before the first key period");
    g->key_period_no = period;
    g->time = (int64_t)(ntp - MIKEY_NTP_UNIX_OFFSET);
    const kmc_keyset_t *ks = kmc_store_find(gen->store, names[1], period);
    if (!ks) {
        int ours = 0;
        for (size_t i = 0; i < gen->store->n_sets; i++)
            ours |= strcmp(gen->store->sets[i].user_uri, names[1]) == 0;
        if (!ours)
            return refuse(g, why, whylen, "addressed to %s, an identity this key file has no "
                          "key material for", names[1]);
        return refuse(g, why, whylen, "no key set of %s for key period %" PRIu64
                      " (the period of the message's timestamp): run seal-client keys",
                      names[1], period);
    }
    struct mikey_gmk_recv p = {
        (const uint8_t *)ks->user_uri, strlen(ks->user_uri), &gen->kms,
        ks->rsk, sizeof ks->rsk, &gen->kms, 0,
    };
    int rc = mikey_gmk_imessage_receive(buf, len, &p, m, res);
    if (rc == MIKEY_ESIGN) {
        return refuse(g, why, whylen, "forged: the ECCSI signature of %s does not verify "
                      "under the KMS's KPAK", names[0]);
    } else if (rc == MIKEY_ESAKKE) {
        return refuse(g, why, whylen, "the SAKKE payload does not decapsulate with the RSK of "
                      "%s for key period %" PRIu64 " (not for us, or altered)", names[1], period);
    } else if (rc != MIKEY_OK || res->period_no != period) {
        mikey_wipe(res, sizeof *res);
        return refuse(g, why, whylen, "refused: %s", mikey_strerror(rc));
    }
    *ks_out = ks;
    return SEALCLIENT_OK;
}

/* Processes one I_MESSAGE into g (strings point into names[] or the store);
 * on refusal g->error says why. */
static int process(gmk_ctx_t *x, const uint8_t *buf, size_t len, sealclient_gmk_t *g,
                   char *why, size_t whylen, char names[3][KMC_URI_MAX + 1])
{
    const sealclient_gmk_options_t *o = x->o;
    struct mikey_imsg m;
    char shown[208];
    g->cs_id = (uint8_t)o->cs_id;
    int rc = mikey_imsg_decode(buf, len, &m);
    if (rc != MIKEY_OK)
        return refuse(g, why, whylen, "malformed I_MESSAGE: %s", mikey_strerror(rc));
    if (mikey_key_id_purpose(m.hdr.csb_id) != MIKEY_PURPOSE_GMK)
        return refuse(g, why, whylen, "not a GMK (purpose tag %u in the CSB ID)",
                      mikey_key_id_purpose(m.hdr.csb_id));
    if (m.idri.type != MIKEY_IDT_URI || m.idrr.type != MIKEY_IDT_URI ||
        m.idri.id.len > KMC_URI_MAX || m.idrr.id.len > KMC_URI_MAX ||
        memchr(m.idri.id.p, 0, m.idri.id.len) || memchr(m.idrr.id.p, 0, m.idrr.id.len))
        return refuse(g, why, whylen, "IDRi or IDRr is not a URI");
    memcpy(names[0], m.idri.id.p, m.idri.id.len);
    names[0][m.idri.id.len] = '\0';
    memcpy(names[1], m.idrr.id.p, m.idrr.id.len);
    names[1][m.idrr.id.len] = '\0';
    g->gms_uri = names[0];
    g->user_uri = names[1];
    if (!view_is(&m.idri.id, o->gms_uri)) {
        view_str(shown, sizeof shown, &m.idri.id);
        return refuse(g, why, whylen, "the initiator (IDRi) %s is not the expected GMS %s",
                      shown, o->gms_uri);
    }
    const kmc_keyset_t *ks = NULL;
    struct mikey_gmk_result res;
    rc = open_under(&x->cur, buf, len, &m, g, names, &ks, &res, why, whylen);
    if (rc && x->has_prev) {
        /* made before a master-key rollover, under the previous
         * certificate: the current generation's reason stands if this
         * fails too */
        char why2[512];
        sealclient_gmk_t g2 = *g;
        if (open_under(&x->prev, buf, len, &m, &g2, names, &ks, &res, why2,
                       sizeof why2) == SEALCLIENT_OK) {
            *g = g2;
            g->error = NULL;
            rc = SEALCLIENT_OK;
        }
        explicit_bzero(&g2, sizeof g2);
    }
    if (rc)
        return rc;
    /* whose media: our own GUK-ID, or another member's */
    const char *sender = o->sender_uri ? o->sender_uri : ks->user_uri;
    uint32_t sender_guk = res.csb_id;
    if (o->sender_uri &&
        mikey_guk_id(res.key, sizeof res.key, res.key_id, (const uint8_t *)sender,
                     strlen(sender), &sender_guk) != MIKEY_OK) {
        mikey_wipe(&res, sizeof res);
        return refuse(g, why, whylen, "no GUK-ID for %s", sender);
    }
    snprintf(names[2], KMC_URI_MAX + 1, "%s", sender);
    g->sender_uri = names[2];
    rc = mikey_srtp_master(MIKEY_PRF_HMAC_SHA256, res.key, sizeof res.key, (uint8_t)o->cs_id,
                           sender_guk, m.rand.p, m.rand.len, g->master_key,
                           sizeof g->master_key, g->master_salt, sizeof g->master_salt);
    if (rc != MIKEY_OK) {
        mikey_wipe(&res, sizeof res);
        return refuse(g, why, whylen, "SRTP key derivation failed: %s", mikey_strerror(rc));
    }
    /* the key parameters are under the signature: worth showing */
    const struct mikey_genext *e = mikey_imsg_ext(&m, MIKEY_GENEXT_KEY_PARAMS);
    struct mikey_key_params kp;
    if (e && mikey_key_params_decode(e->data.p, e->data.len, &kp) == MIKEY_OK) {
        if (kp.activation > MIKEY_NTP_UNIX_OFFSET)
            g->activation = (int64_t)(kp.activation - MIKEY_NTP_UNIX_OFFSET);
        if (kp.expiry > MIKEY_NTP_UNIX_OFFSET)
            g->expiry = (int64_t)(kp.expiry - MIKEY_NTP_UNIX_OFFSET);
    }
    memcpy(g->gmk, res.key, sizeof g->gmk);
    g->gmk_id = res.key_id;
    g->guk_id = res.csb_id;
    g->sender_guk_id = sender_guk;
    for (int i = 0; i < 4; i++) {
        g->mki[i] = (uint8_t)(res.key_id >> (24 - 8 * i));
        g->mki[4 + i] = (uint8_t)(sender_guk >> (24 - 8 * i));
    }
    mikey_wipe(&res, sizeof res);
    g->status = SEALCLIENT_OK;
    return SEALCLIENT_OK;
}

static void gen_of(gmk_gen_t *gen, const kmc_store_t *s)
{
    const kmc_cert_t *cert = &s->cert;
    gen->store = s;
    gen->kms = (struct mikey_kms){ (const uint8_t *)cert->kms_uri, strlen(cert->kms_uri),
                                   { cert->period, cert->offset },
                                   cert->kpak, sizeof cert->kpak, cert->z, sizeof cert->z };
}

/* Options, key file and KMS of a run. */
static int setup(sealclient_t *c, const sealclient_gmk_options_t *o, kmc_store_t *store,
                 gmk_ctx_t *x)
{
    memset(x, 0, sizeof *x);
    if (!o || o->struct_size < sizeof *o)
        return sc_fail(c, SEALCLIENT_E_ARG, "bad group key options");
    if (!o->gms_uri || !*o->gms_uri)
        return sc_fail(c, SEALCLIENT_E_ARG, "the expected GMS identity (its URI) is required");
    if (o->cs_id > 255)
        return sc_fail(c, SEALCLIENT_E_ARG, "CS-ID %u: a crypto session ID is 0..255", o->cs_id);
    if (o->sender_uri && (!*o->sender_uri || strlen(o->sender_uri) > KMC_URI_MAX))
        return sc_fail(c, SEALCLIENT_E_ARG, "bad sender identity");
    char *path = o->keys_path ? sc_strdup(o->keys_path) : kmc_default_keys_path(c->tokens_path);
    if (!path)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    int rc = kmc_store_load(c, path, store);
    if (!rc && (!store->has_cert || store->n_sets == 0))
        rc = sc_fail(c, SEALCLIENT_E_NOSESSION, "%s: no key material: run seal-client keys "
                     "first", path);
    free(path);
    if (rc)
        return rc;
    x->c = c;
    x->o = o;
    gen_of(&x->cur, store);
    /* the previous generation only until the end of its overlap */
    if (store->prev && store->prev->has_cert && (int64_t)time(NULL) < store->prev->cert.valid_to) {
        gen_of(&x->prev, store->prev);
        x->has_prev = 1;
    }
    return SEALCLIENT_OK;
}

int sealclient_gmk_receive(sealclient_t *c, const sealclient_gmk_options_t *o,
                           const uint8_t *msg, size_t len, sealclient_gmk_fn fn, void *ctx)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    kmc_store_t store;
    gmk_ctx_t x;
    memset(&store, 0, sizeof store);
    int rc = setup(c, o, &store, &x);
    if (!rc && (!msg || len == 0 || len > KMC_IMSG_MAX))
        rc = sc_fail(c, SEALCLIENT_E_ARG, "no I_MESSAGE, or one longer than %u octets",
                     KMC_IMSG_MAX);
    if (!rc) {
        sealclient_gmk_t g;
        char why[512];
        char (*names)[KMC_URI_MAX + 1] = calloc(3, KMC_URI_MAX + 1);
        if (!names) {
            rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        } else {
            memset(&g, 0, sizeof g);
            rc = process(&x, msg, len, &g, why, sizeof why, names);
            if (rc)
                sc_fail(c, rc, "I_MESSAGE refused: %s", why);
            if (fn)
                fn(ctx, &g);
            explicit_bzero(&g, sizeof g);
            free(names);
        }
    }
    kmc_store_free(&store);
    return rc;
}

int sealclient_gmk_fetch(sealclient_t *c, const sealclient_gmk_options_t *o,
                         sealclient_gmk_fn fn, void *ctx, size_t *n_messages)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    if (n_messages)
        *n_messages = 0;
    kmc_store_t store;
    gmk_ctx_t x;
    kmc_http_t http = { NULL };
    kmc_gmk_msg_t *msgs = NULL;
    size_t n = 0, refused = 0;
    char *token = NULL, *base = NULL, *url = NULL, err[256];
    char (*names)[KMC_URI_MAX + 1] = NULL;
    const char *tok;
    memset(&store, 0, sizeof store);
    int rc = setup(c, o, &store, &x);
    if (rc)
        goto out;
    if ((rc = sealclient_access_token(c, 30, &tok)))
        goto out;
    token = sc_strdup(tok);
    base = o->gm_url ? sc_strdup(o->gm_url) : kmc_origin(c->issuer);
    names = calloc(3, KMC_URI_MAX + 1);
    if (!token || !base || !names) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    if (!sc_is_https(base) || strchr(base, '?') || strchr(base, '#')) {
        rc = sc_fail(c, SEALCLIENT_E_ARG, "GMS %s: an https URL without query is required", base);
        goto out;
    }
    for (size_t k = strlen(base); k > 8 && base[k - 1] == '/'; k--)
        base[k - 1] = '\0';
    size_t ulen = strlen(base) + sizeof GMUU_ROOT + 160;
    if (!(url = malloc(ulen))) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = kmc_http_open(c, &http)))
        goto out;
    snprintf(url, ulen, "%s" GMUU_ROOT, base);
    sc_resp_t r;
    if ((rc = kmc_http(c, &http, "GET", url, NULL, NULL, 0, "application/json", token,
                       KMC_GMUU_MAX, &r)))
        goto out;
    if (r.status != 200) {
        rc = r.status == 401 || r.status == 403
                 ? sc_fail(c, SEALCLIENT_E_OAUTH, "GMS %s: HTTP %ld (%s)", GMUU_ROOT, r.status,
                           r.status == 401 ? "the access token was refused"
                                           : "not allowed: is the scope seal.gm granted?")
                 : sc_fail(c, SEALCLIENT_E_PROTOCOL, "GMS %s: unexpected HTTP %ld", GMUU_ROOT,
                           r.status);
        sc_resp_free(&r);
        goto out;
    }
    int prc = kmc_gmuu_parse(r.body, r.len, &msgs, &n, err, sizeof err);
    sc_resp_free(&r);
    if (prc) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "GMS %s: refused the answer: %s", GMUU_ROOT, err);
        goto out;
    }
    if (n_messages)
        *n_messages = n;
    char first[512] = "";
    for (size_t i = 0; i < n; i++) {
        sealclient_gmk_t g;
        char why[512];
        memset(&g, 0, sizeof g);
        memset(names, 0, 3 * (KMC_URI_MAX + 1));
        g.message_id = msgs[i].id;
        g.val_group_id = msgs[i].val_group_id;
        if (process(&x, msgs[i].data, msgs[i].len, &g, why, sizeof why, names)) {
            /* kept at the GMS: it may be for a period we fetch keys for
             * later, and a forged one is reported again, never hidden */
            if (!refused++)
                snprintf(first, sizeof first, "message %s: %.300s", msgs[i].id, why);
        } else if (!o->keep) {
            snprintf(url, ulen, "%s" GMUU_ROOT "/%s", base, msgs[i].id);
            sc_resp_t d;
            int drc = kmc_http(c, &http, "DELETE", url, NULL, NULL, 0, "application/json",
                               token, 64 * 1024, &d);
            if (drc == 0) {
                g.acknowledged = d.status == 200 || d.status == 204 || d.status == 404;
                sc_resp_free(&d);
            }
        }
        if (fn)
            fn(ctx, &g);
        explicit_bzero(&g, sizeof g);
    }
    if (refused)
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "%zu of %zu I_MESSAGEs refused; %s", refused, n,
                     first);
out:
    kmc_http_close(&http);
    kmc_gmuu_free(msgs, n);
    kmc_store_free(&store);
    sc_free_secret(token);
    free(base);
    free(url);
    free(names);
    return rc;
}
