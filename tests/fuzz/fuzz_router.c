/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the request-target parsing of core/router.c: an input is
 * "METHOD /path?query". It is matched against a fixed route table, its query
 * is parsed, and it is also added as a template to a fresh router, where it
 * must then match itself. Invariants are checked with __builtin_trap so
 * both libFuzzer and the replay harness stop on a violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "http-private.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static const char *const table[][2] = {
    { "GET", "/" },
    { "GET", "/healthz" },
    { "GET", "/ss-gm/v1/group-documents" },
    { "POST", "/ss-gm/v1/group-documents" },
    { "GET", "/ss-gm/v1/group-documents/{groupDocId}" },
    { "PUT", "/ss-gm/v1/group-documents/{groupDocId}" },
    { "PATCH", "/ss-gm/v1/group-documents/{groupDocId}" },
    { "DELETE", "/ss-gm/v1/group-documents/{groupDocId}" },
    { "GET", "/ss-gm/v1/group-documents/special" },
    { "GET", "/a/{x}/b/{y}/c" },
    { "GET", "/a/lit/b/{y}/d" },
    { "GET", "/{p0}/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}" },
};

static seal_router_t *fixed_router(void)
{
    static seal_router_t *r;
    if (!r) {
        r = seal_router_new();
        for (size_t i = 0; i < sizeof table / sizeof *table; i++)
            CHECK(seal_router_add(r, table[i][0], table[i][1], (void *)table[i][1]) == SEAL_OK);
    }
    return r;
}

static void check_match(const seal_router_t *r, const char *method, const char *path)
{
    seal_path_params_t p;
    unsigned st = 0;
    char allow[64];
    void *t = seal_router_match(r, method, path, &p, &st, allow, sizeof allow);
    if (t) {
        CHECK(st == 200);
        CHECK(p.n <= SEAL_ROUTER_MAX_PARAMS);
        for (size_t i = 0; i < p.n; i++) {
            CHECK(p.value[i] && p.value[i][0] != '\0');
            CHECK(strchr(p.value[i], '/') == NULL);
        }
        seal_path_params_clear(&p);
    } else {
        CHECK(p.n == 0);
        CHECK(st == 400 || st == 404 || st == 405 || st == 500);
        CHECK(st != 405 || allow[0] != '\0');
        CHECK(strlen(allow) < sizeof allow);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';                           /* stops at an embedded NUL */

    const char *method = "GET";
    char *target = s;
    char *sp = strchr(s, ' ');
    if (sp) {
        *sp = '\0';
        method = s;
        target = sp + 1;
    }
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';

    check_match(fixed_router(), method, target);

    seal_query_t q;
    int qr = seal_query_parse(query, &q);
    CHECK(qr == 0 || qr == -1);
    if (qr == 0) {
        CHECK(q.n <= SEAL_QUERY_MAX_PARAMS);
        /* Decoding only shrinks. */
        size_t total = 0;
        for (size_t i = 0; i < q.n; i++) {
            total += strlen(q.name[i]) + strlen(q.value[i]);
            CHECK(seal_query_get(&q, q.name[i]) != NULL);
        }
        CHECK(total <= (query ? strlen(query) : 0));
    } else {
        CHECK(q.n == 0);
    }
    seal_query_clear(&q);

    /* The input as a template: if accepted, it must match itself (template
     * literals hold no '%', and a "{name}" segment binds to itself). */
    seal_router_t *r = seal_router_new();
    if (r && seal_router_add(r, method, target, r) == SEAL_OK) {
        CHECK(seal_router_add(r, method, target, r) == SEAL_E_EXISTS);
        seal_path_params_t p;
        unsigned st;
        CHECK(seal_router_match(r, method, target, &p, &st, NULL, 0) == r);
        seal_path_params_clear(&p);
        check_match(r, "GET", target);
    }
    seal_router_free(r);
    free(s);
    return 0;
}
