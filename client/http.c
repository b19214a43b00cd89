/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP exchanges with the IdM server over libcurl (GnuTLS flavour): https
 * only, the handle's trust anchors, no redirects followed (the login
 * redirect is read, not followed), bounded answers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "sjson/sjson.h"

#include "sc_int.h"

#define SC_MAX_BODY (1u << 20)   /* discovery, JWKS, tokens, login page: all small */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    sc_sink_t *s = arg;
    size_t n = size * nmemb;
    if (s->r->len + n > s->max) {
        s->toobig = 1;
        return 0;
    }
    if (s->r->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->r->len + n + 1)
            cap *= 2;
        /* tokens and key material: never leave a copy behind (no realloc) */
        char *p = malloc(cap);
        if (!p)
            return 0;
        if (s->r->body) {
            memcpy(p, s->r->body, s->r->len);
            explicit_bzero(s->r->body, s->r->len);
            free(s->r->body);
        }
        s->r->body = p;
        s->cap = cap;
    }
    memcpy(s->r->body + s->r->len, data, n);
    s->r->len += n;
    s->r->body[s->r->len] = '\0';
    return n;
}

/* Keeps the Location and Content-Type of the last answer. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    sc_sink_t *s = arg;
    size_t n = size * nmemb;
    char **slot = NULL;
    size_t skip = 0;
    if (n > 9 && strncasecmp(data, "location:", 9) == 0) {
        slot = &s->r->location;
        skip = 9;
    } else if (n > 13 && strncasecmp(data, "content-type:", 13) == 0) {
        slot = &s->r->content_type;
        skip = 13;
    } else if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* a new answer (after 100 Continue): forget the previous headers */
        free(s->r->location);
        free(s->r->content_type);
        s->r->location = s->r->content_type = NULL;
    }
    if (slot) {
        const char *v = data + skip, *e = data + n;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        free(*slot);
        *slot = sc_strndup(v, (size_t)(e - v));
    }
    return n;
}

void sc_curl_capture(CURL *h, sc_sink_t *sink)
{
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
}

int sc_is_https(const char *url)
{
    return url && strncasecmp(url, "https://", 8) == 0 && url[8] != '\0' && url[8] != '/';
}

void sc_curl_transport(const sealclient_t *c, CURL *h, const char *url)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->cacert) {
        /* The given CA alone: some libcurl builds add their CA directory. */
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
        curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    }
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libsealclient/" PACKAGE_VERSION);
}

void sc_resp_free(sc_resp_t *r)
{
    if (r->body) {
        explicit_bzero(r->body, r->len);   /* token answers hold secrets */
        free(r->body);
    }
    free(r->location);
    free(r->content_type);
    free(r->url);
    memset(r, 0, sizeof *r);
}

int sc_http(sealclient_t *c, sc_method_t m, const char *url, const char *body_form,
            int basic, const char *bearer, sc_resp_t *r)
{
    memset(r, 0, sizeof *r);
    if (!sc_is_https(url))
        return sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: not an https URL", url);
    CURL *h = c->curl;
    sc_sink_t sink = { r, 0, SC_MAX_BODY, 0 };
    struct curl_slist *hdrs = NULL, *tmp;
    char *auth = NULL;
    int rc = SEALCLIENT_OK;

    /* no curl_easy_reset (it would leak the cookie engine's file list):
     * every option a call may set is set or cleared here */
    sc_curl_transport(c, h, url);
    sc_curl_capture(h, &sink);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
    if (m == SC_GET) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body_form ? body_form : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body_form ? strlen(body_form) : 0));
        tmp = curl_slist_append(hdrs, "Content-Type: application/x-www-form-urlencoded");
        if (!tmp)
            goto nomem;
        hdrs = tmp;
    }
    if (basic && c->client_secret) {
        /* RFC 6749 2.3.1: both parts form-urlencoded before Basic encoding */
        char *id = sc_urlencode(c->client_id), *sec = sc_urlencode(c->client_secret);
        if (!id || !sec) {
            free(id);
            sc_free_secret(sec);
            goto nomem;
        }
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, id);
        curl_easy_setopt(h, CURLOPT_PASSWORD, sec);
        free(id);
        sc_free_secret(sec);
    }
    if (bearer) {
        size_t n = strlen(bearer) + 32;
        auth = malloc(n);
        if (!auth)
            goto nomem;
        snprintf(auth, n, "Authorization: Bearer %s", bearer);
        tmp = curl_slist_append(hdrs, auth);
        if (!tmp)
            goto nomem;
        hdrs = tmp;
    }
    tmp = curl_slist_append(hdrs, "Accept: application/json, text/html;q=0.5");
    if (!tmp)
        goto nomem;
    hdrs = tmp;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (sink.toobig)
            rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: answer larger than %u bytes", url, SC_MAX_BODY);
        else
            rc = sc_fail(c, cc == CURLE_OPERATION_TIMEDOUT ? SEALCLIENT_E_TIMEOUT : SEALCLIENT_E_HTTP,
                         "%s: %s", url, curl_easy_strerror(cc));
        sc_resp_free(r);
    } else {
        char *eff = NULL;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
        r->url = sc_strdup(eff ? eff : url);
        if (!r->body)
            r->body = sc_strdup("");
        if (!r->body || !r->url) {
            sc_resp_free(r);
            rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        }
    }
    goto out;
nomem:
    rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
out:
    /* the handle is reused: drop the secrets it was given */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);
    curl_slist_free_all(hdrs);
    sc_free_secret(auth);
    return rc;
}

char *sc_url_resolve(const char *base, const char *ref)
{
    CURLU *u = curl_url();
    char *out = NULL, *s = NULL;
    if (!u)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
        out = sc_strdup(s);
        curl_free(s);
    }
    curl_url_cleanup(u);
    return out;
}

json_object *sc_json_body(sealclient_t *c, const sc_resp_t *r, const char *what)
{
    /* lib/sjson: RFC 8259 exactly (no comments, no trailing data, UTF-8
     * only, no member name twice: a second access_token or issuer must not
     * replace the first unseen). */
    sjson_error_t e;
    char why[SJSON_PTR_MAX + 96];
    json_object *o = sjson_parse(r->body, r->len, 32, &e);
    if (!o && e.code == SJSON_E_NOMEM) {
        sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    } else if (!o && e.code != SJSON_OK) {
        sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: HTTP %ld with a body that is not JSON: %s", what,
                r->status, sjson_error_text(&e, why, sizeof why));
    } else if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
        sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: HTTP %ld with JSON that is not an object", what,
                r->status);
    }
    return o;
}

/* Control characters from the server never reach a terminal. */
static void clean(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < n; src++)
        dst[i++] = (unsigned char)*src < 0x20 || *src == 0x7f ? '?' : *src;
    dst[i] = '\0';
}

int sc_oauth_error(sealclient_t *c, const sc_resp_t *r, const char *what)
{
    json_object *o = NULL, *e = NULL, *d = NULL;
    if (r->len && r->body[0] == '{')
        o = sjson_parse(r->body, r->len, 8, NULL);
    if (o && json_object_object_get_ex(o, "error", &e) && json_object_is_type(e, json_type_string)) {
        char err[64], desc[256] = "";
        clean(err, sizeof err, json_object_get_string(e));
        if (json_object_object_get_ex(o, "error_description", &d) &&
            json_object_is_type(d, json_type_string))
            clean(desc, sizeof desc, json_object_get_string(d));
        json_object_put(o);
        return sc_fail(c, SEALCLIENT_E_OAUTH, "%s: %s%s%s (HTTP %ld)", what, err,
                       desc[0] ? ": " : "", desc, r->status);
    }
    json_object_put(o);
    return sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: unexpected HTTP %ld", what, r->status);
}
