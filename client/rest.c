/* SPDX-License-Identifier: Apache-2.0 */
/* HTTPS exchanges of the KM client (KM-UU, TS 33.180 Annex D: POST with
 * application/xml) and of the group key receiver (GM-UU: GET, DELETE), with
 * the Bearer token of the stored login (RFC 6750).  A curl handle of their
 * own (kept for keep-alive during one command) so that the login's handle
 * and its options stay untouched; https only, the handle's trust anchors,
 * no redirects, bounded answers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "kmc_int.h"

int kmc_http_open(sealclient_t *c, kmc_http_t *h)
{
    h->curl = curl_easy_init();
    if (!h->curl)
        return sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
    return SEALCLIENT_OK;
}

void kmc_http_close(kmc_http_t *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
}

static struct curl_slist *add(struct curl_slist *l, const char *line, int *failed)
{
    struct curl_slist *t = curl_slist_append(l, line);
    if (!t)
        *failed = 1;
    return t ? t : l;
}

int kmc_http(sealclient_t *c, kmc_http_t *hh, const char *method, const char *url,
             const char *ctype, const char *body, size_t body_len, const char *accept,
             const char *bearer, size_t max_body, sc_resp_t *r)
{
    memset(r, 0, sizeof *r);
    if (!sc_is_https(url))
        return sc_fail(c, SEALCLIENT_E_ARG, "%s: not an https URL", url);
    CURL *h = hh->curl;
    sc_sink_t sink = { r, 0, max_body, 0 };
    struct curl_slist *hdrs = NULL;
    char line[256], *auth = NULL;
    int failed = 0, rc = SEALCLIENT_OK;

    sc_curl_transport(c, h, url);
    sc_curl_capture(h, &sink);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? body_len : 0));
        if (ctype) {
            snprintf(line, sizeof line, "Content-Type: %s", ctype);
            hdrs = add(hdrs, line, &failed);
        }
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        if (strcmp(method, "GET") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    if (accept) {
        snprintf(line, sizeof line, "Accept: %s", accept);
        hdrs = add(hdrs, line, &failed);
    }
    /* no "Expect: 100-continue" round trip for small bodies */
    hdrs = add(hdrs, "Expect:", &failed);
    if (bearer) {
        size_t n = strlen(bearer) + 32;
        auth = malloc(n);
        if (!auth) {
            failed = 1;
        } else {
            snprintf(auth, n, "Authorization: Bearer %s", bearer);
            hdrs = add(hdrs, auth, &failed);
        }
    }
    if (failed) {
        rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        if (sink.toobig)
            rc = sc_fail(c, SEALCLIENT_E_PROTOCOL, "%s: answer larger than %zu bytes", url,
                         max_body);
        else
            rc = sc_fail(c, cc == CURLE_OPERATION_TIMEDOUT ? SEALCLIENT_E_TIMEOUT
                                                           : SEALCLIENT_E_HTTP,
                         "%s: %s", url, curl_easy_strerror(cc));
        sc_resp_free(r);
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        r->url = sc_strdup(url);
        if (!r->body)
            r->body = sc_strdup("");
        if (!r->body || !r->url) {
            sc_resp_free(r);
            rc = sc_fail(c, SEALCLIENT_E_NOMEM, "out of memory");
        }
    }
out:
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
    curl_slist_free_all(hdrs);
    sc_free_secret(auth);
    return rc;
}

char *kmc_origin(const char *url)
{
    if (!sc_is_https(url))
        return NULL;
    const char *host = url + 8, *end = host;
    while (*end && *end != '/' && *end != '?' && *end != '#')
        end++;
    return sc_strndup(url, (size_t)(end - url));
}
