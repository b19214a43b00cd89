/* SPDX-License-Identifier: Apache-2.0 */
/* The SEAL key management client (SKM-C, TS 33.434 5.3) over KM-UU, with
 * the MC KMS interface of TS 33.180 Annex D as its payload:
 *   POST <kms>/keymanagement/identity/v1/init       KMS Initialize (D.2.1):
 *        the home KMS certificate (5.3.1)
 *   POST .../keyprov[/<identity>[/<NTP time, hex>]] KMS KeyProvision (D.2.3):
 *        key sets for the current key period and the next one (F.2.1 P5)
 * with the access token of the stored login (Bearer, RFC 6750; scope
 * seal.km).  Key material is stored only after it has been validated:
 *   UserID == UID(UserUri, KmsUri, UserKeyPeriod, UserKeyOffset,
 *                 KeyPeriodNo)                       TS 33.180 F.2.1
 *   [SSK]G == [HS]PVT + KPAK                         RFC 6507 5.1.2
 *   <[UID]P + Z, RSK> == g                           RFC 6508 6.1.2
 * with lib/ibc and lib/mikey, the algorithms the servers use too. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibc/ibc.h"
#include "mikey/mikey.h"

#include "kmc_int.h"

#define KM_ROOT "/keymanagement/identity/v1"

typedef struct km_run {
    sealclient_t *c;
    kmc_seckeys_t sec;
    kmc_http_t http;
    char *token;
    char *base;          /* https://host[:port] of the KMS, no trailing slash */
    int64_t now;
} km_run_t;

/* One POST and its KmsResponse; a KmsError or a wrong message kind is an
 * error naming what the KMS said. */
static int km_post(km_run_t *k, const char *path, enum kmc_msg want, kmc_resp_t *out)
{
    sealclient_t *c = k->c;
    size_t n = strlen(k->base) + strlen(path) + 1;
    char *url = malloc(n), err[256];
    if (!url)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    snprintf(url, n, "%s%s", k->base, path);
    sc_resp_t r;
    /* Annex D allows an empty request body; the token says who asks */
    int rc = kmc_http(c, &k->http, "POST", url, "application/xml", "", 0, "application/xml",
                      k->token, KMC_XML_MAX, &r);
    if (rc) {
        free(url);
        return rc;
    }
    int parsed = kmc_xml_parse(r.body, r.len, k->sec.trk || k->sec.ink ? &k->sec : NULL, out,
                               err, sizeof err);
    if (parsed != 0 && r.status != 200 && (k->sec.trk || k->sec.ink))
        /* an error answer may come unsigned: read it for its reason only */
        parsed = kmc_xml_parse(r.body, r.len, NULL, out, err, sizeof err);
    if (r.status == 401 || r.status == 403) {
        rc = sc_fail(c, SEALCLIENT_E_OAUTH, "KMS %s: HTTP %ld: %s", path, r.status,
                     parsed == 0 && out->error_msg ? out->error_msg
                     : r.status == 401 ? "the access token was refused (log in again?)"
                     : "not allowed (is the key management scope seal.km granted?)");
    } else if (parsed == 0 && out->has_error) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS %s: error %ld%s%s (HTTP %ld)", path,
                     out->error_code, out->error_msg ? ": " : "",
                     out->error_msg ? out->error_msg : "", r.status);
    } else if (r.status != 200) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS %s: unexpected HTTP %ld", path, r.status);
    } else if (parsed != 0) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS %s: refused the response: %s", path, err);
    } else if (out->msg != want) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS %s: the response carries no %s", path,
                     want == KMC_MSG_INIT ? "KmsInit"
                     : want == KMC_MSG_KEYPROV ? "KmsKeyProv" : "KmsCertCache");
    }
    if (rc)
        kmc_resp_free(out);
    sc_resp_free(&r);
    free(url);
    return rc;
}

/* What a KM client requires of its home KMS certificate. */
static int check_cert(sealclient_t *c, const kmc_resp_t *r, int64_t now)
{
    const kmc_cert_t *k = &r->cert;
    if (strcmp(k->kms_uri, r->kms_uri) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: its KmsUri %s is "
                       "not the responding KMS's %s", k->kms_uri, r->kms_uri);
    if (k->user_id_format != 2)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: UserIdFormat %u "
                       "(only 2, the 3GPP MCX hashed UID, is supported)", k->user_id_format);
    if (k->parameter_set != 1)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: ParameterSet %u "
                       "(only SAKKE parameter set 1 is supported)", k->parameter_set);
    if (k->period == 0 || k->offset >= k->period)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: UserKeyPeriod "
                       "%" PRIu64 " with UserKeyOffset %" PRIu64, k->period, k->offset);
    if (k->revoked)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: it is revoked");
    if ((k->valid_from && now < k->valid_from) || (k->valid_to && now >= k->valid_to))
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS certificate refused: not valid now "
                       "(ValidFrom/ValidTo)");
    return SEALCLIENT_OK;
}

static int same_cert(const kmc_cert_t *a, const kmc_cert_t *b)
{
    return strcmp(a->kms_uri, b->kms_uri) == 0 && a->period == b->period &&
           a->offset == b->offset && memcmp(a->z, b->z, sizeof a->z) == 0 &&
           memcmp(a->kpak, b->kpak, sizeof a->kpak) == 0;
}

static int cert_copy(kmc_cert_t *dst, const kmc_cert_t *s)
{
    *dst = *s;
    dst->id = sc_strdup(s->id);
    dst->cert_uri = sc_strdup(s->cert_uri);
    dst->kms_uri = sc_strdup(s->kms_uri);
    dst->issuer = sc_strdup(s->issuer);
    if ((s->id && !dst->id) || (s->cert_uri && !dst->cert_uri) || !dst->kms_uri ||
        (s->issuer && !dst->issuer)) {
        kmc_cert_free(dst);
        return -1;
    }
    return 0;
}

static void drop_previous(kmc_store_t *store)
{
    if (store->prev) {
        kmc_store_free(store->prev);
        free(store->prev);
        store->prev = NULL;
    }
}

/* The KMS certificate changed (a master-key rollover, TS 33.434 5.3): the
 * stored certificate and its key sets become the previous generation if
 * the KMS still lists that certificate in its cache (TS 33.180 D.3.5),
 * with the cache's ValidTo (the end of the overlap), so that messages made
 * under them before the rollover still open. Otherwise, or when the cache
 * cannot be read, they are dropped. Any older previous generation goes. */
static void retire_current(km_run_t *k, kmc_store_t *store)
{
    drop_previous(store);
    kmc_resp_t cc;
    memset(&cc, 0, sizeof cc);
    const kmc_cert_t *listed = NULL;
    if (km_post(k, KM_ROOT "/certcache", KMC_MSG_CERTCACHE, &cc) == SEALCLIENT_OK)
        for (size_t i = 0; i < cc.n_cache && !listed; i++)
            if (same_cert(&cc.cache[i], &store->cert) && !cc.cache[i].revoked &&
                cc.cache[i].valid_to > k->now)
                listed = &cc.cache[i];
    if (listed && (store->prev = calloc(1, sizeof *store->prev)) != NULL) {
        kmc_store_t *p = store->prev;
        p->has_cert = 1;
        p->cert = store->cert;
        p->cert.valid_to = listed->valid_to;
        p->sets = store->sets;
        p->n_sets = store->n_sets;
        memset(&store->cert, 0, sizeof store->cert);
        store->sets = NULL;
        store->n_sets = 0;
    } else {
        for (size_t i = 0; i < store->n_sets; i++)
            kmc_keyset_free(&store->sets[i]);
        store->n_sets = 0;
    }
    kmc_resp_free(&cc);
}

/* The whole validation of one key set under cert; the reason in c. */
static int check_keyset(sealclient_t *c, const kmc_cert_t *cert, const kmc_keyset_t *ks,
                        const char *want_uri, uint64_t want_period)
{
    const char *who = ks->user_uri;
    if (strcmp(ks->kms_uri, cert->kms_uri) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: KmsUri %s is not "
                       "the certificate's %s", who, ks->kms_uri, cert->kms_uri);
    if (ks->cert_uri && cert->cert_uri && strcmp(ks->cert_uri, cert->cert_uri) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: issued under "
                       "certificate %s, not the current %s", who, ks->cert_uri, cert->cert_uri);
    if (want_uri && strcmp(who, want_uri) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set refused: it is for %s, %s was asked "
                       "for", who, want_uri);
    if (ks->period_no != want_period)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: key period %" PRIu64
                       ", %" PRIu64 " was asked for", who, ks->period_no, want_period);
    if (ks->revoked)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: marked revoked", who);
    struct mikey_kp kp = { cert->period, cert->offset };
    uint8_t uid[MIKEY_UID_LEN];
    if (mikey_uid((const uint8_t *)who, strlen(who), (const uint8_t *)cert->kms_uri,
                  strlen(cert->kms_uri), &kp, ks->period_no, uid) != MIKEY_OK)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: no UID can be made "
                       "for it", who);
    if (memcmp(uid, ks->uid, sizeof uid) != 0)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: its UserID is not "
                       "the TS 33.180 F.2.1 UID of that identity and key period", who);
    int rc = ibc_eccsi_validate(cert->kpak, sizeof cert->kpak, uid, sizeof uid, ks->ssk,
                                sizeof ks->ssk, ks->pvt, sizeof ks->pvt, NULL);
    if (rc != IBC_OK)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: SSK/PVT fail "
                       "validation against the KMS's KPAK (RFC 6507 5.1.2: %s)", who,
                       ibc_strerror(rc));
    rc = ibc_sakke_validate_rsk(cert->z, sizeof cert->z, uid, sizeof uid, ks->rsk,
                                sizeof ks->rsk);
    if (rc != IBC_OK)
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "key set of %s refused: RSK fails validation "
                       "against the KMS's Z (RFC 6508 6.1.2: %s)", who, ibc_strerror(rc));
    return SEALCLIENT_OK;
}

/* keyprov for one identity (or all, uri NULL) and one period (time NULL:
 * the current one); validated sets are added to pending. */
static int keyprov(km_run_t *k, const kmc_cert_t *cert, const char *uri, uint64_t period,
                   const struct mikey_kp_span *span, kmc_store_t *pending)
{
    sealclient_t *c = k->c;
    char path[3 * KMC_URI_MAX + 128];
    if (!uri) {
        snprintf(path, sizeof path, KM_ROOT "/keyprov");
    } else {
        char *enc = sc_urlencode(uri);
        if (!enc)
            return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        if (span)   /* any instant of the period: its start */
            snprintf(path, sizeof path, KM_ROOT "/keyprov/%s/%016" PRIX64, enc,
                     mikey_ntp64_from_seconds(span->start));
        else
            snprintf(path, sizeof path, KM_ROOT "/keyprov/%s", enc);
        free(enc);
    }
    kmc_resp_t r;
    int rc = km_post(k, path, KMC_MSG_KEYPROV, &r);
    if (rc)
        return rc;
    if (r.n_sets == 0)
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "KMS %s: no key set in the response%s", path,
                     uri ? "" : " (is the login entitled to any identity?)");
    for (size_t i = 0; !rc && i < r.n_sets; i++)
        rc = check_keyset(c, cert, &r.sets[i], uri, period);
    for (size_t i = 0; !rc && i < r.n_sets; i++)
        if (kmc_store_put(pending, &r.sets[i]))
            rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    kmc_resp_free(&r);
    return rc;
}

static int contains(const kmc_store_t *s, const char *uri, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(s->sets[i].user_uri, uri) == 0)
            return 1;
    return 0;
}

int sealclient_keys_provision(sealclient_t *c, const sealclient_km_options_t *o,
                              sealclient_keyset_fn fn, void *ctx)
{
    if (!c)
        return SEALCLIENT_E_ARG;
    if (!o || o->struct_size < sizeof *o || (o->n_user_uris && !o->user_uris))
        return sc_fail(c, SEALCLIENT_E_ARG, "bad key management options");
    for (size_t i = 0; i < o->n_user_uris; i++) {
        size_t len = o->user_uris[i] ? strlen(o->user_uris[i]) : 0;
        if (len == 0 || len > KMC_URI_MAX)
            return sc_fail(c, SEALCLIENT_E_ARG, "bad identity (empty or longer than %u)",
                           KMC_URI_MAX);
    }
    km_run_t k = { .c = c, .now = o->now ? o->now : sc_now(), .sec = { o->trk, o->ink } };
    kmc_store_t store, pending;
    kmc_resp_t init;
    char *keys_path = NULL;
    const char *tok;
    memset(&store, 0, sizeof store);
    memset(&pending, 0, sizeof pending);
    memset(&init, 0, sizeof init);

    int rc = sealclient_access_token(c, 30, &tok);
    if (rc)
        return rc;
    if (!(k.token = sc_strdup(tok)))
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    k.base = o->kms_url ? sc_strdup(o->kms_url) : kmc_origin(c->issuer);
    keys_path = o->keys_path ? sc_strdup(o->keys_path) : kmc_default_keys_path(c->tokens_path);
    if (!k.base || !keys_path) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    if (!sc_is_https(k.base) || strchr(k.base, '?') || strchr(k.base, '#')) {
        rc = sc_fail(c, SEALCLIENT_E_ARG, "KMS %s: an https URL without query is required",
                     k.base);
        goto out;
    }
    for (size_t n = strlen(k.base); n > 8 && k.base[n - 1] == '/'; n--)
        k.base[n - 1] = '\0';
    if ((rc = kmc_store_load(c, keys_path, &store)) || (rc = kmc_http_open(c, &k.http)))
        goto out;

    /* 1. KMS Initialize: the certificate everything below is checked with */
    if ((rc = km_post(&k, KM_ROOT "/init", KMC_MSG_INIT, &init)) ||
        (rc = check_cert(c, &init, k.now)))
        goto out;
    const kmc_cert_t *cert = &init.cert;
    struct mikey_kp kp = { cert->period, cert->offset };
    struct mikey_kp_span cur, next;
    uint64_t ntp = (uint64_t)k.now + MIKEY_NTP_UNIX_OFFSET;
    if (k.now < 0 || mikey_kp_current(&kp, ntp, &cur) != MIKEY_OK ||
        mikey_kp_next(&kp, ntp, &next) != MIKEY_OK) {
        rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "no key period for the current time under the "
                     "KMS certificate");
        goto out;
    }

    /* 2. KMS KeyProvision, current period then the next one */
    if (o->n_user_uris) {
        for (size_t i = 0; !rc && i < o->n_user_uris; i++)
            rc = keyprov(&k, cert, o->user_uris[i], cur.no, NULL, &pending);
    } else {
        rc = keyprov(&k, cert, NULL, cur.no, NULL, &pending);
    }
    size_t n_cur = pending.n_sets;
    for (size_t i = 0; !rc && i < n_cur; i++)
        if (!contains(&pending, pending.sets[i].user_uri, i))
            rc = keyprov(&k, cert, pending.sets[i].user_uri, next.no, &next, &pending);
    if (rc)
        goto out;

    /* 3. All validated: store.  Sets validated under another certificate
     * (a new KMS, a master-key rollover) go with it, or are kept as the
     * previous generation while the KMS still serves that certificate. */
    if (store.has_cert && !same_cert(&store.cert, cert))
        retire_current(&k, &store);
    else if (store.prev && store.prev->cert.valid_to <= k.now)
        drop_previous(&store);
    kmc_cert_free(&store.cert);
    free(store.kms_url);
    store.kms_url = sc_strdup(k.base);
    if (!store.kms_url || cert_copy(&store.cert, cert)) {
        store.has_cert = 0;
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    store.has_cert = 1;
    for (size_t i = 0; i < pending.n_sets; i++) {
        kmc_keyset_t *ks = &pending.sets[i];
        struct mikey_kp_span sp;
        if (mikey_kp_span_of(&kp, ks->period_no, &sp) == MIKEY_OK) {
            /* the period itself, whatever the KMS wrote */
            ks->valid_from = (int64_t)(sp.start - MIKEY_NTP_UNIX_OFFSET);
            ks->valid_to = (int64_t)(sp.end - MIKEY_NTP_UNIX_OFFSET);
        }
        if (kmc_store_put(&store, ks)) {
            rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
            goto out;
        }
    }
    /* the previous period stays for messages stamped just before its end */
    kmc_store_prune(&store, cur.no ? cur.no - 1 : 0);
    if ((rc = kmc_store_save(c, keys_path, &store)))
        goto out;
    for (size_t i = 0; fn && i < pending.n_sets; i++) {
        const kmc_keyset_t *ks = &pending.sets[i];
        sealclient_keyset_info_t info = { ks->user_uri, ks->kms_uri, ks->period_no,
                                          ks->valid_from, ks->valid_to };
        fn(ctx, &info);
    }
out:
    kmc_http_close(&k.http);
    kmc_resp_free(&init);
    kmc_store_free(&pending);
    kmc_store_free(&store);
    sc_free_secret(k.token);
    free(k.base);
    free(keys_path);
    return rc;
}
