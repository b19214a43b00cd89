/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 Annex D.3: the KMS's answers as a KM client reads them:
 * KmsResponse (D.3.1) or SignedKmsResponse, carrying KmsInit (D.3.2) with a
 * KmsCertificate (D.3.4), KmsKeyProv (D.3.3) with KmsKeySets (D.3.6), or a
 * KmsError; and the KmsRequest body (D.2.2) the client sends.
 *
 * The response comes from the network: libxml2 parses it without network
 * access, without loading or substituting entities, and a document with a
 * DTD is refused outright.  Elements of the KMS namespace must be the ones
 * the schema allows where they appear, once each; elements of other
 * namespaces (xsd:any, the transport keys of KmsInitTkIkType and
 * KmsKeyProvTkIkType) are skipped.  Key material must be hexBinary of its
 * exact size, or, when the client holds the TrK, EncKeyContentType that
 * decrypts to that size; a client holding a TrK or an InK accepts only a
 * SignedKmsResponse whose signature verifies (kms_sec.c, TS 33.180 D.1). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kmc_int.h"
#include "kms_sec.h"

#define KMS_NS "urn:3gpp:ns:mcsecKMSInterface:1.0"

typedef struct px {
    char *err;
    size_t errlen;
    int failed;
    const kmc_seckeys_t *keys;
} px_t;

__attribute__((format(printf, 2, 3)))
static int bad(px_t *p, const char *fmt, ...)
{
    if (!p->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
        p->failed = 1;
    }
    return -1;
}

static int in_ns(const xmlNode *n)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, KMS_NS) == 0;
}

static int is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && in_ns(n) && strcmp((const char *)n->name, name) == 0;
}

/* The element's text, trimmed of XML white space (xsd "collapse" for the
 * simple types used here); NULL with an error when the element holds
 * elements.  malloc'd. */
static char *text(px_t *p, const xmlNode *n)
{
    size_t cap = 0, len = 0;
    char *s = NULL;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type == XML_ELEMENT_NODE) {
            bad(p, "<%s> must hold text only", (const char *)n->name);
            free(s);
            return NULL;
        }
        if (ch->type != XML_TEXT_NODE && ch->type != XML_CDATA_SECTION_NODE)
            continue;          /* comments, processing instructions */
        size_t k = ch->content ? strlen((const char *)ch->content) : 0;
        if (len + k + 1 > cap) {
            size_t nc = (len + k + 1) * 2;
            char *t = realloc(s, nc);
            if (!t) {
                free(s);
                bad(p, "out of memory");
                return NULL;
            }
            s = t;
            cap = nc;
        }
        memcpy(s + len, ch->content, k);
        len += k;
    }
    if (!s && !(s = strdup(""))) {
        bad(p, "out of memory");
        return NULL;
    }
    s[len] = '\0';
    size_t a = 0;
    while (a < len && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n' || s[a] == '\r'))
        a++;
    while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
                       s[len - 1] == '\r'))
        len--;
    memmove(s, s + a, len - a);
    s[len - a] = '\0';
    return s;
}

/* A URI-like value: 1..KMC_URI_MAX printable characters (0.. with
 * may_be_empty). */
static int take_uri_ex(px_t *p, const xmlNode *n, char **dst, int may_be_empty)
{
    if (*dst)
        return bad(p, "<%s> appears twice", (const char *)n->name);
    char *s = text(p, n);
    if (!s)
        return -1;
    size_t len = strlen(s);
    if ((len == 0 && !may_be_empty) || len > KMC_URI_MAX) {
        free(s);
        return bad(p, "<%s> is empty or longer than %u octets", (const char *)n->name,
                   KMC_URI_MAX);
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            free(s);
            return bad(p, "<%s> holds a control character", (const char *)n->name);
        }
    }
    *dst = s;
    return 0;
}

static int take_uri(px_t *p, const xmlNode *n, char **dst)
{
    return take_uri_ex(p, n, dst, 0);
}

static int take_u64(px_t *p, const xmlNode *n, uint64_t *v, int *seen)
{
    if (*seen)
        return bad(p, "<%s> appears twice", (const char *)n->name);
    *seen = 1;
    char *s = text(p, n);
    if (!s)
        return -1;
    const char *q = s[0] == '+' ? s + 1 : s;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(q, &end, 10);
    int ok = q[0] >= '0' && q[0] <= '9' && !*end && errno == 0;
    free(s);
    if (!ok)
        return bad(p, "<%s> is not a non-negative integer", (const char *)n->name);
    *v = (uint64_t)x;
    return 0;
}

static int take_bool(px_t *p, const xmlNode *n, int *v, int *seen)
{
    if (*seen)
        return bad(p, "<%s> appears twice", (const char *)n->name);
    *seen = 1;
    char *s = text(p, n);
    if (!s)
        return -1;
    int r = 0;
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
        *v = 1;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
        *v = 0;
    else
        r = bad(p, "<%s> is not a boolean", (const char *)n->name);
    free(s);
    return r;
}

static int take_time(px_t *p, const xmlNode *n, int64_t *v, int *seen)
{
    if (*seen)
        return bad(p, "<%s> appears twice", (const char *)n->name);
    *seen = 1;
    char *s = text(p, n);
    if (!s)
        return -1;
    int64_t t = kmc_parse_datetime(s);
    free(s);
    if (t < 0)
        return bad(p, "<%s> is not an xsd:dateTime", (const char *)n->name);
    *v = t;
    return 0;
}

/* Key material: hexBinary of exactly len octets. */
static int take_key(px_t *p, const xmlNode *n, uint8_t *out, size_t len, int *seen)
{
    if (*seen)
        return bad(p, "<%s> appears twice", (const char *)n->name);
    *seen = 1;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        if (!p->keys || !p->keys->trk)
            return bad(p, "<%s> is encrypted under a transport key (TrK), which this "
                       "client does not hold", (const char *)n->name);
        char why[200];
        if (kmc_sec_decrypt(n, p->keys->trk, out, len, why, sizeof why))
            return bad(p, "%s", why);
        return 0;
    }
    char *s = text(p, n);
    if (!s)
        return -1;
    size_t slen = strlen(s);
    int rc = kmc_unhex(s, slen, out, len);
    explicit_bzero(s, slen);
    free(s);
    if (rc)
        return bad(p, "<%s> is not %zu octets of hexBinary", (const char *)n->name, len);
    return 0;
}

static int unexpected(px_t *p, const xmlNode *n, const char *parent)
{
    return bad(p, "unexpected <%s> in <%s>", (const char *)n->name, parent);
}

static void clear_str(char **s)
{
    free(*s);
    *s = NULL;
}

void kmc_cert_free(kmc_cert_t *c)
{
    clear_str(&c->id);
    clear_str(&c->cert_uri);
    clear_str(&c->kms_uri);
    clear_str(&c->issuer);
    memset(c, 0, sizeof *c);
}

void kmc_keyset_free(kmc_keyset_t *k)
{
    clear_str(&k->kms_uri);
    clear_str(&k->cert_uri);
    clear_str(&k->user_uri);
    explicit_bzero(k, sizeof *k);
}

void kmc_resp_free(kmc_resp_t *r)
{
    clear_str(&r->user_uri);
    clear_str(&r->kms_uri);
    clear_str(&r->client_req_url);
    clear_str(&r->error_msg);
    kmc_cert_free(&r->cert);
    for (size_t i = 0; i < r->n_sets; i++)
        kmc_keyset_free(&r->sets[i]);
    free(r->sets);
    for (size_t i = 0; i < r->n_cache; i++)
        kmc_cert_free(&r->cache[i]);
    free(r->cache);
    memset(r, 0, sizeof *r);
}

/* D.3.4 KmsCertificate */
static int parse_cert(px_t *p, const xmlNode *n, kmc_cert_t *c)
{
    xmlChar *role = xmlGetNoNsProp(n, (const xmlChar *)"Role");
    int role_ok = !role || strcmp((const char *)role, "Root") == 0;
    xmlFree(role);
    if (!role_ok)
        return bad(p, "the KMS certificate's Role is not Root");
    xmlChar *id = xmlGetNoNsProp(n, (const xmlChar *)"Id");
    if (id) {
        c->id = strdup((const char *)id);
        xmlFree(id);
        if (!c->id)
            return bad(p, "out of memory");
    }
    int s_from = 0, s_to = 0, s_rev = 0, s_fmt = 0, s_per = 0, s_off = 0, s_z = 0, s_kpak = 0,
        s_ps = 0;
    uint64_t fmt = 0, ps = 1;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        int rc;
        if (is(ch, "CertUri"))
            rc = take_uri(p, ch, &c->cert_uri);
        else if (is(ch, "KmsUri"))
            rc = take_uri(p, ch, &c->kms_uri);
        else if (is(ch, "Issuer"))
            rc = take_uri(p, ch, &c->issuer);
        else if (is(ch, "ValidFrom"))
            rc = take_time(p, ch, &c->valid_from, &s_from);
        else if (is(ch, "ValidTo"))
            rc = take_time(p, ch, &c->valid_to, &s_to);
        else if (is(ch, "Revoked"))
            rc = take_bool(p, ch, &c->revoked, &s_rev);
        else if (is(ch, "UserIdFormat"))
            rc = take_u64(p, ch, &fmt, &s_fmt);
        else if (is(ch, "UserKeyPeriod"))
            rc = take_u64(p, ch, &c->period, &s_per);
        else if (is(ch, "UserKeyOffset"))
            rc = take_u64(p, ch, &c->offset, &s_off);
        else if (is(ch, "PubEncKey"))
            rc = take_key(p, ch, c->z, sizeof c->z, &s_z);
        else if (is(ch, "PubAuthKey"))
            rc = take_key(p, ch, c->kpak, sizeof c->kpak, &s_kpak);
        else if (is(ch, "ParameterSet"))
            rc = take_u64(p, ch, &ps, &s_ps);
        else if (is(ch, "KmsDomainList"))
            rc = 0;
        else
            rc = unexpected(p, ch, "KmsCertificate");
        if (rc)
            return -1;
    }
    if (!c->kms_uri || !s_fmt || !s_per || !s_off || !s_z || !s_kpak)
        return bad(p, "the KMS certificate lacks KmsUri, UserIdFormat, UserKeyPeriod, "
                   "UserKeyOffset, PubEncKey or PubAuthKey");
    if (fmt > 255 || ps > 255)
        return bad(p, "the KMS certificate's UserIdFormat or ParameterSet is out of range");
    c->user_id_format = (unsigned)fmt;
    c->parameter_set = (unsigned)ps;
    return 0;
}

/* D.3.6 KmsKeySet */
static int parse_keyset(px_t *p, const xmlNode *n, kmc_keyset_t *k)
{
    int s_uid = 0, s_from = 0, s_to = 0, s_no = 0, s_rev = 0, s_rsk = 0, s_ssk = 0, s_pvt = 0;
    char *issuer = NULL;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        int rc;
        if (is(ch, "KmsUri"))
            rc = take_uri(p, ch, &k->kms_uri);
        else if (is(ch, "CertUri"))
            rc = take_uri(p, ch, &k->cert_uri);
        else if (is(ch, "Issuer"))
            rc = take_uri(p, ch, &issuer);
        else if (is(ch, "UserUri"))
            rc = take_uri(p, ch, &k->user_uri);
        else if (is(ch, "UserID"))
            rc = take_key(p, ch, k->uid, sizeof k->uid, &s_uid);
        else if (is(ch, "ValidFrom"))
            rc = take_time(p, ch, &k->valid_from, &s_from);
        else if (is(ch, "ValidTo"))
            rc = take_time(p, ch, &k->valid_to, &s_to);
        else if (is(ch, "KeyPeriodNo"))
            rc = take_u64(p, ch, &k->period_no, &s_no);
        else if (is(ch, "Revoked"))
            rc = take_bool(p, ch, &k->revoked, &s_rev);
        else if (is(ch, "UserDecryptKey"))
            rc = take_key(p, ch, k->rsk, sizeof k->rsk, &s_rsk);
        else if (is(ch, "UserSigningKeySSK"))
            rc = take_key(p, ch, k->ssk, sizeof k->ssk, &s_ssk);
        else if (is(ch, "UserPubTokenPVT"))
            rc = take_key(p, ch, k->pvt, sizeof k->pvt, &s_pvt);
        else
            rc = unexpected(p, ch, "KmsKeySet");
        if (rc) {
            free(issuer);
            return -1;
        }
    }
    free(issuer);
    if (!k->kms_uri || !k->user_uri || !s_uid || !s_no || !s_rsk || !s_ssk || !s_pvt)
        return bad(p, "a KmsKeySet lacks KmsUri, UserUri, UserID, KeyPeriodNo, "
                   "UserDecryptKey, UserSigningKeySSK or UserPubTokenPVT");
    return 0;
}

/* The KmsCertificate of ch: ch itself, or the one inside a
 * SignedKmsCertificate (its ds:Signature is made with the InK/TrK this
 * client does not hold; the certificate inside is read like a plain one).
 * 1 with *cert set, 0 when ch is neither, -1 on a malformed one. */
static int cert_element(px_t *p, const xmlNode *ch, const xmlNode **cert)
{
    *cert = NULL;
    if (is(ch, "KmsCertificate")) {
        *cert = ch;
        return 1;
    }
    if (!is(ch, "SignedKmsCertificate"))
        return 0;
    for (const xmlNode *c2 = ch->children; c2; c2 = c2->next) {
        if (c2->type != XML_ELEMENT_NODE || !in_ns(c2))
            continue;
        if (!is(c2, "KmsCertificate") || *cert)
            return unexpected(p, c2, "SignedKmsCertificate");
        *cert = c2;
    }
    if (!*cert)
        return bad(p, "<SignedKmsCertificate> holds no <KmsCertificate>");
    return 1;
}

static int parse_init(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    int seen = 0;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        const xmlNode *cert = NULL;
        int rc = cert_element(p, ch, &cert);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (is(ch, "NewTransportKey") || is(ch, "NewIntegrityKey"))
                continue;      /* KmsInitTkIkType: keys for a TrK holder */
            return unexpected(p, ch, "KmsInit");
        }
        if (seen++)
            return bad(p, "<KmsInit> holds more than one certificate");
        if (parse_cert(p, cert, &r->cert))
            return -1;
    }
    if (!seen)
        return bad(p, "<KmsInit> holds no KMS certificate");
    return 0;
}

static int parse_keyprov(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        if (is(ch, "NewTransportKey") || is(ch, "NewIntegrityKey"))
            continue;
        if (!is(ch, "KmsKeySet"))
            return unexpected(p, ch, "KmsKeyProv");
        if (r->n_sets >= KMC_MAX_KEYSETS)
            return bad(p, "more than %d key sets", KMC_MAX_KEYSETS);
        kmc_keyset_t *t = realloc(r->sets, (r->n_sets + 1) * sizeof *t);
        if (!t)
            return bad(p, "out of memory");
        r->sets = t;
        memset(&r->sets[r->n_sets], 0, sizeof *t);
        r->n_sets++;
        if (parse_keyset(p, ch, &r->sets[r->n_sets - 1]))
            return -1;
    }
    return 0;
}

/* D.3.5 KmsCertCache: the certificates the KMS tells its clients to trust
 * besides its current one (here: its previous one during a master-key
 * rollover overlap). */
static int parse_certcache(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        const xmlNode *cert = NULL;
        int rc = cert_element(p, ch, &cert);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return unexpected(p, ch, "KmsCertCache");
        if (r->n_cache >= KMC_MAX_CACHE)
            return bad(p, "more than %d certificates in <KmsCertCache>", KMC_MAX_CACHE);
        kmc_cert_t *t = realloc(r->cache, (r->n_cache + 1) * sizeof *t);
        if (!t)
            return bad(p, "out of memory");
        r->cache = t;
        memset(&r->cache[r->n_cache], 0, sizeof *t);
        r->n_cache++;
        if (parse_cert(p, cert, &r->cache[r->n_cache - 1]))
            return -1;
    }
    return 0;
}

static int parse_message(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        if (r->msg != KMC_MSG_NONE)
            return bad(p, "<KmsMessage> holds more than one message");
        if (is(ch, "KmsInit")) {
            r->msg = KMC_MSG_INIT;
            if (parse_init(p, ch, r))
                return -1;
        } else if (is(ch, "KmsKeyProv")) {
            r->msg = KMC_MSG_KEYPROV;
            if (parse_keyprov(p, ch, r))
                return -1;
        } else if (is(ch, "KmsCertCache")) {
            r->msg = KMC_MSG_CERTCACHE;
            if (parse_certcache(p, ch, r))
                return -1;
        } else {
            return unexpected(p, ch, "KmsMessage");
        }
    }
    return 0;
}

static int parse_error(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    int s_code = 0;
    uint64_t code = 0;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        if (is(ch, "ErrorCode")) {
            if (take_u64(p, ch, &code, &s_code))
                return -1;
        } else if (is(ch, "ErrorMsg")) {
            if (r->error_msg)
                return bad(p, "<ErrorMsg> appears twice");
            char *s = text(p, ch);
            if (!s)
                return -1;
            size_t n2 = strlen(s) + 1;
            if (n2 > 512)
                n2 = 512;
            r->error_msg = malloc(n2);
            if (!r->error_msg) {
                free(s);
                return bad(p, "out of memory");
            }
            kmc_clean(r->error_msg, n2, s);
            free(s);
        } else {
            return unexpected(p, ch, "KmsError");
        }
    }
    r->has_error = 1;
    r->error_code = code > 1000000 ? -1 : (long)code;
    return 0;
}

static int parse_response(px_t *p, const xmlNode *n, kmc_resp_t *r)
{
    int s_time = 0, s_msg = 0, s_err = 0;
    int64_t t = 0;
    char *kms_id = NULL;
    for (const xmlNode *ch = n->children; ch; ch = ch->next) {
        if (ch->type != XML_ELEMENT_NODE || !in_ns(ch))
            continue;
        int rc = 0;
        if (is(ch, "UserUri"))      /* empty in an answer to init */
            rc = take_uri_ex(p, ch, &r->user_uri, 1);
        else if (is(ch, "KmsUri"))
            rc = take_uri(p, ch, &r->kms_uri);
        else if (is(ch, "Time"))
            rc = take_time(p, ch, &t, &s_time);
        else if (is(ch, "KmsId"))
            rc = take_uri(p, ch, &kms_id);
        else if (is(ch, "ClientReqUrl"))
            rc = take_uri_ex(p, ch, &r->client_req_url, 1);
        else if (is(ch, "TrK-ID") || is(ch, "Signature-ID"))
            rc = 0;
        else if (is(ch, "KmsMessage"))
            rc = s_msg++ ? bad(p, "<KmsMessage> appears twice") : parse_message(p, ch, r);
        else if (is(ch, "KmsError"))
            rc = s_err++ ? bad(p, "<KmsError> appears twice") : parse_error(p, ch, r);
        else
            rc = unexpected(p, ch, "KmsResponse");
        if (rc) {
            free(kms_id);
            return -1;
        }
    }
    free(kms_id);
    if (!r->kms_uri)
        return bad(p, "<KmsResponse> lacks <KmsUri>");
    if (!s_msg && !s_err)
        return bad(p, "<KmsResponse> holds neither <KmsMessage> nor <KmsError>");
    return 0;
}

/* libxml2 reports some errors (encoding conversion, I/O) through its
 * generic handler whatever the parser options say: silenced during a parse
 * (the handler is per thread), the reason is taken from the context. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int kmc_xml_parse(const char *buf, size_t len, const kmc_seckeys_t *keys, kmc_resp_t *out,
                  char *err, size_t errlen)
{
    px_t p = { err, errlen, 0, keys };
    const uint8_t *sig_key = keys ? (keys->ink ? keys->ink : keys->trk) : NULL;
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = '\0';
    if (!buf || len == 0)
        return bad(&p, "empty response");
    if (len > KMC_XML_MAX)
        return bad(&p, "response larger than %u octets", KMC_XML_MAX);
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx)
        return bad(&p, "out of memory");
    xmlGenericErrorFunc old_fn = xmlGenericError;
    void *old_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    /* UTF-8 whatever the document declares (Annex D is UTF-8); no
     * XML_PARSE_NOENT (entities stay unsubstituted), no DTD loading or
     * validation, no network, no messages on stderr, no "huge" documents */
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, buf, (int)len, "kms-response.xml", "UTF-8",
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    xmlSetGenericErrorFunc(old_ctx, old_fn);
    int rc = -1;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctx);
        char msg[160];
        kmc_clean(msg, sizeof msg, e && e->message ? e->message : "unknown error");
        size_t k = strlen(msg);
        while (k && (msg[k - 1] == '?' || msg[k - 1] == ' '))
            msg[--k] = '\0';    /* libxml2 ends its messages with a newline */
        bad(&p, "not well-formed XML (line %d: %s)", e ? e->line : 0, msg);
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        bad(&p, "a DTD in the response (refused)");
        goto out;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!root) {
        bad(&p, "no root element");
        goto out;
    }
    if (is(root, "SignedKmsResponse")) {
        /* without the InK (or TrK) the signature cannot be checked: the key
         * material is still checked against the KMS certificate (keys.c) */
        const xmlNode *inner = NULL, *sig = NULL;
        for (const xmlNode *ch = root->children; ch; ch = ch->next) {
            if (ch->type != XML_ELEMENT_NODE)
                continue;
            if (ch->ns && ch->ns->href &&
                strcmp((const char *)ch->ns->href, "http://www.w3.org/2000/09/xmldsig#") == 0 &&
                strcmp((const char *)ch->name, "Signature") == 0 && !sig) {
                sig = ch;
                continue;
            }
            if (!in_ns(ch))
                continue;
            if (!is(ch, "KmsResponse") || inner) {
                unexpected(&p, ch, "SignedKmsResponse");
                goto out;
            }
            inner = ch;
        }
        if (!inner) {
            bad(&p, "<SignedKmsResponse> holds no <KmsResponse>");
            goto out;
        }
        if (sig_key) {
            char why[256];
            if (!sig) {
                bad(&p, "<SignedKmsResponse> holds no ds:Signature");
                goto out;
            }
            if (kmc_sec_verify(doc, inner, sig, sig_key, why, sizeof why)) {
                bad(&p, "%s", why);
                goto out;
            }
        }
        root = inner;
    } else if (!is(root, "KmsResponse")) {
        bad(&p, "the root element is not a KmsResponse of namespace " KMS_NS);
        goto out;
    } else if (sig_key) {
        bad(&p, "the response is not signed, but this client holds an %s: an unsigned "
            "response is refused", keys->ink ? "InK" : "TrK");
        goto out;
    }
    rc = parse_response(&p, root, out);
out:
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctx);
    if (rc)
        kmc_resp_free(out);
    return rc;
}

char *kmc_xml_request(const char *user_uri, const char *kms_uri, const char *url, int64_t now)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = doc ? xmlNewNode(NULL, (const xmlChar *)"KmsRequest") : NULL;
    xmlNsPtr ns = root ? xmlNewNs(root, (const xmlChar *)KMS_NS, NULL) : NULL;
    char *out = NULL;
    if (!ns)
        goto done;
    xmlSetNs(root, ns);
    xmlDocSetRootElement(doc, root);
    char ts[32];
    time_t t = (time_t)now;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
        goto done;
    /* xmlNewTextChild escapes the values */
    if (!xmlSetProp(root, (const xmlChar *)"Id", (const xmlChar *)"kmsreq") ||
        !xmlSetProp(root, (const xmlChar *)"Version", (const xmlChar *)"1.1.0") ||
        !xmlNewTextChild(root, ns, (const xmlChar *)"UserUri",
                         (const xmlChar *)(user_uri ? user_uri : "")) ||
        !xmlNewTextChild(root, ns, (const xmlChar *)"KmsUri",
                         (const xmlChar *)(kms_uri ? kms_uri : "")) ||
        !xmlNewTextChild(root, ns, (const xmlChar *)"Time", (const xmlChar *)ts) ||
        !xmlNewTextChild(root, ns, (const xmlChar *)"ClientReqUrl", (const xmlChar *)url))
        goto done;
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (mem && size > 0)
        out = strndup((const char *)mem, (size_t)size);
    xmlFree(mem);
done:
    if (doc)
        xmlFreeDoc(doc);
    else if (root)
        xmlFreeNode(root);
    return out;
}
