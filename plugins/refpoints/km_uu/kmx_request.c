/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.2.2: KmsRequest and SignedKmsRequest bodies.
 *
 * The parser sees hostile input, so libxml2 runs with no network
 * (XML_PARSE_NONET), without entity substitution or DTD loading (neither
 * XML_PARSE_NOENT nor XML_PARSE_DTDLOAD/DTDATTR/DTDVALID), errors kept
 * quiet, and a document type declaration is refused outright: before
 * parsing (the bytes "<!DOCTYPE" anywhere, the body being parsed as UTF-8
 * whatever it declares) and after (an internal or external subset). Without
 * a DTD there are no entities but the five predefined ones. The body size
 * and the element depth are bounded by the caller's limits. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "kmx.h"

#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING \
                       | XML_PARSE_NOCDATA)

static void set_why(char *why, size_t n, const char *s)
{
    if (why && n)
        snprintf(why, n, "%s", s);
}

void kmx_request_free(kmx_request_t *r)
{
    if (!r)
        return;
    xmlFreeDoc(r->doc);
    char **s[] = { &r->id, &r->version, &r->user_uri, &r->kms_uri, &r->time, &r->client_id,
                   &r->device_id, &r->client_req_url, &r->trk_id, &r->signature_id,
                   &r->client_error_msg };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        free(*s[i]);
    memset(r, 0, sizeof *r);
}

static int blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

static int is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href
           && strcmp((const char *)n->ns->href, ns) == 0
           && strcmp((const char *)n->name, name) == 0;
}

static int in_kms_ns(const xmlNode *n)
{
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, KMX_NS) == 0;
}

/* The element at or after n, skipping comments, processing instructions
 * and whitespace; -1 (through *bad) at character data that is not blank. */
static xmlNodePtr elem_from(xmlNodePtr n, int *bad)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            return n;
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            && !blank(n->content)) {
            *bad = 1;
            return NULL;
        }
        if (n->type == XML_ENTITY_REF_NODE) {
            *bad = 1;
            return NULL;
        }
    }
    return NULL;
}

/* Depth of the deepest element (the root is 1), stopping past max. */
static unsigned depth_of(xmlNodePtr root, unsigned max)
{
    unsigned d = 1, worst = 1;
    xmlNodePtr n = root;
    while (n) {
        xmlNodePtr child = n->children;
        while (child && child->type != XML_ELEMENT_NODE)
            child = child->next;
        if (child) {
            n = child;
            if (++d > worst)
                worst = d;
            if (worst > max)
                return worst;
            continue;
        }
        while (n && n != root) {
            xmlNodePtr sib = n->next;
            while (sib && sib->type != XML_ELEMENT_NODE)
                sib = sib->next;
            if (sib) {
                n = sib;
                break;
            }
            n = n->parent;
            d--;
        }
        if (n == root)
            break;
    }
    return worst;
}

/* The trimmed text of a simple element (no element children), malloc'd;
 * NULL with *bad set when it has element children, is too long or holds
 * control characters. */
static char *text_of(xmlNodePtr e, int *bad)
{
    for (xmlNodePtr c = e->children; c; c = c->next)
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE
            && c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE) {
            *bad = 1;
            return NULL;
        }
    xmlChar *t = xmlNodeGetContent(e);
    if (!t) {
        /* an empty element */
        char *s = strdup("");
        if (!s)
            *bad = 2;
        return s;
    }
    const char *p = (const char *)t;
    size_t n = strlen(p);
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    while (n && isspace((unsigned char)*p)) {
        p++;
        n--;
    }
    char *s = NULL;
    int ok = n <= KMX_TEXT_MAX;
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            ok = 0;
    if (ok && !(s = strndup(p, n)))
        *bad = 2;
    else if (!ok)
        *bad = 1;
    xmlFree(t);
    return s;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* xsd:dateTime lexical form: -?YYYY+-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)? */
static int datetime_ok(const char *s)
{
    if (*s == '-')
        s++;
    size_t y = 0;
    while (isdigit((unsigned char)s[y]))
        y++;
    if (y < 4 || (y > 4 && s[0] == '0'))
        return 0;
    s += y;
    if (!(s[0] == '-' && digits(s + 1, 2) && s[3] == '-' && digits(s + 4, 2) && s[6] == 'T'
          && digits(s + 7, 2) && s[9] == ':' && digits(s + 10, 2) && s[12] == ':'
          && digits(s + 13, 2)))
        return 0;
    int mo = (s[1] - '0') * 10 + s[2] - '0', d = (s[4] - '0') * 10 + s[5] - '0';
    int h = (s[7] - '0') * 10 + s[8] - '0', mi = (s[10] - '0') * 10 + s[11] - '0';
    int se = (s[13] - '0') * 10 + s[14] - '0';
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || se > 59)
        return 0;
    s += 15;
    if (*s == '.') {
        s++;
        size_t f = 0;
        while (isdigit((unsigned char)s[f]))
            f++;
        if (f == 0)
            return 0;
        s += f;
    }
    if (*s == 'Z')
        return s[1] == '\0';
    if (*s == '+' || *s == '-')
        return digits(s + 1, 2) && s[3] == ':' && digits(s + 4, 2) && s[6] == '\0'
               && (s[1] - '0') * 10 + s[2] - '0' <= 14;
    return *s == '\0';
}

static int integer_ok(const char *s, long long *v)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p || !digits(p, strlen(p)) || strlen(p) > 18)
        return 0;
    *v = strtoll(s, NULL, 10);
    return 1;
}

static char *attr(xmlNodePtr e, const char *name, int *bad)
{
    xmlChar *v = xmlGetNoNsProp(e, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = NULL;
    size_t n = strlen((const char *)v);
    int ok = n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        if (v[i] < 0x20 || v[i] == 0x7f)
            ok = 0;
    if (!ok)
        *bad = 1;
    else if (!(s = strdup((const char *)v)))
        *bad = 2;
    xmlFree(v);
    return s;
}

/* KmsRequestType: UserUri, KmsUri, Time, ClientId?, DeviceId?,
 * ClientReqUrl, KrrList?, ClientError?, then (Rel-17, placed here) TrK-ID?,
 * Signature-ID?, then elements of other namespaces (ignored). */
static int read_request(xmlNodePtr req, kmx_request_t *r, char *why, size_t wl)
{
    int bad = 0;
    r->id = attr(req, "Id", &bad);
    r->version = attr(req, "Version", &bad);
    if (bad) {
        set_why(why, wl, "malformed KmsRequest attribute");
        return bad == 2 ? KMX_E_NOMEM : KMX_E_SYNTAX;
    }
    static const struct { const char *name; int required; } order[] = {
        { "UserUri", 1 }, { "KmsUri", 1 }, { "Time", 1 }, { "ClientId", 0 },
        { "DeviceId", 0 }, { "ClientReqUrl", 1 }, { "KrrList", 0 }, { "ClientError", 0 },
        { "TrK-ID", 0 }, { "Signature-ID", 0 },
    };
    char **slot[] = { &r->user_uri, &r->kms_uri, &r->time, &r->client_id, &r->device_id,
                      &r->client_req_url, NULL, NULL, &r->trk_id, &r->signature_id };
    size_t k = 0;
    xmlNodePtr e = elem_from(req->children, &bad);
    for (; e && !bad; e = elem_from(e->next, &bad)) {
        if (!in_kms_ns(e))
            break;   /* xsd:any ##other: the rest must be foreign too */
        while (k < sizeof order / sizeof order[0]
               && strcmp((const char *)e->name, order[k].name) != 0) {
            if (order[k].required) {
                snprintf(why, wl, "KmsRequest: %s missing or out of order", order[k].name);
                return KMX_E_SYNTAX;
            }
            k++;
        }
        if (k == sizeof order / sizeof order[0]) {
            set_why(why, wl, "KmsRequest: unexpected or repeated element");
            return KMX_E_SYNTAX;
        }
        if (slot[k]) {
            *slot[k] = text_of(e, &bad);
            if (bad)
                break;
        } else if (strcmp(order[k].name, "ClientError") == 0) {
            int b2 = 0;
            xmlNodePtr c = elem_from(e->children, &b2);
            char *code = is(c, KMX_NS, "ErrorCode") ? text_of(c, &b2) : NULL;
            xmlNodePtr m = c && !b2 ? elem_from(c->next, &b2) : NULL;
            r->client_error_msg = is(m, KMX_NS, "ErrorMsg") && !b2 ? text_of(m, &b2) : NULL;
            int ok = code && r->client_error_msg && !b2
                     && integer_ok(code, &r->client_error_code);
            free(code);
            if (!ok) {
                set_why(why, wl, "KmsRequest: malformed ClientError");
                return b2 == 2 ? KMX_E_NOMEM : KMX_E_SYNTAX;
            }
            r->has_client_error = 1;
        }
        /* KrrList (redirects) is not served: its content is not read. */
        k++;
    }
    for (; e && !bad; e = elem_from(e->next, &bad))
        if (in_kms_ns(e) || !e->ns) {
            set_why(why, wl, "KmsRequest: unexpected element");
            return KMX_E_SYNTAX;
        }
    if (bad) {
        set_why(why, wl, "KmsRequest: malformed element content");
        return bad == 2 ? KMX_E_NOMEM : KMX_E_SYNTAX;
    }
    for (; k < sizeof order / sizeof order[0]; k++)
        if (order[k].required) {
            snprintf(why, wl, "KmsRequest: %s missing", order[k].name);
            return KMX_E_SYNTAX;
        }
    if (!datetime_ok(r->time)) {
        set_why(why, wl, "KmsRequest: Time is not an xsd:dateTime");
        return KMX_E_SYNTAX;
    }
    return KMX_OK;
}

int kmx_request_parse(const char *buf, size_t len, const kmx_limits_t *lim, kmx_request_t *r,
                      char *why, size_t why_len)
{
    memset(r, 0, sizeof *r);
    set_why(why, why_len, "");
    if (len > lim->max_bytes || len > INT32_MAX) {
        set_why(why, why_len, "request body too large");
        return KMX_E_TOOBIG;
    }
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i == len)
        return KMX_OK;   /* an empty POST: allowed (D.2.1) */
    if (memchr(buf, '\0', len) || memmem(buf, len, "<!DOCTYPE", 9)) {
        set_why(why, why_len, "not well-formed XML, or a DTD (not allowed)");
        return KMX_E_SYNTAX;
    }
    r->doc = xmlReadMemory(buf, (int)len, NULL, "UTF-8", PARSE_OPTIONS);
    if (!r->doc) {
        set_why(why, why_len, "not well-formed XML");
        return KMX_E_SYNTAX;
    }
    int rc = KMX_E_SYNTAX;
    xmlNodePtr root = xmlDocGetRootElement(r->doc);
    if (r->doc->intSubset || r->doc->extSubset) {
        set_why(why, why_len, "a DTD is not allowed");
    } else if (!root) {
        set_why(why, why_len, "no root element");
    } else if (depth_of(root, lim->max_depth) > lim->max_depth) {
        set_why(why, why_len, "elements nested too deep");
    } else if (is(root, KMX_NS, "KmsRequest")) {
        r->request = root;
        rc = read_request(root, r, why, why_len);
    } else if (is(root, KMX_NS, "SignedKmsRequest")) {
        int bad = 0;
        xmlNodePtr req = elem_from(root->children, &bad);
        xmlNodePtr sig = req && !bad ? elem_from(req->next, &bad) : NULL;
        xmlNodePtr more = sig && !bad ? elem_from(sig->next, &bad) : NULL;
        if (bad || !is(req, KMX_NS, "KmsRequest") || !is(sig, KMX_DS_NS, "Signature") || more) {
            set_why(why, why_len, "SignedKmsRequest: expected KmsRequest then ds:Signature");
        } else {
            r->request = req;
            r->signature = sig;
            rc = read_request(req, r, why, why_len);
        }
    } else {
        set_why(why, why_len, "the root is not a KmsRequest or SignedKmsRequest in "
                              "urn:3gpp:ns:mcsecKMSInterface:1.0");
    }
    if (rc != KMX_OK) {
        char keep[160];
        snprintf(keep, sizeof keep, "%s", why ? why : "");
        kmx_request_free(r);
        set_why(why, why_len, keep);
    }
    return rc;
}
