/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the SS_GroupManagement body parser and validator (TS 29.549
 * VALGroupDocument / VALGroupDocumentPatch), the group service's document
 * reader and merge patch, and the SEAL-S header parsers. Besides "no crash,
 * no leak" it checks invariants that the server relies on:
 *   - a document the binding accepts, the service accepts (gm_facts_get);
 *   - validation is idempotent: validating the normalized output again
 *     accepts it unchanged;
 *   - a valid patch merged into a valid document gives a valid document.
 * The first input byte picks the mode; the rest is the payload (mode 2:
 * document NUL patch). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gm_doc.h"
#include "gm_merge.h"
#include "ss_gm_validate.h"
#include "ss_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); __builtin_trap(); } } while (0)

typedef struct json_object *(*parse_fn)(const char *, size_t, ss_errs_t *, char *, size_t);

/* Parses and validates; checks the failure is explained and the success is
 * a fixed point. Returns the normalized value or NULL. */
static struct json_object *parse_checked(parse_fn parse, const char *buf, size_t len, int is_doc)
{
    ss_errs_t e = {0};
    char why[128] = "";
    struct json_object *v = parse(buf, len, &e, why, sizeof why);
    if (!v) {
        CHECK(e.total > 0 || e.oom || why[0]);
        CHECK(e.n <= SS_MAX_ERRS && e.n <= e.total);
        for (size_t i = 0; i < e.n; i++)
            CHECK(e.param[i] && e.reason[i] && (e.param[i][0] == '\0' || e.param[i][0] == '/'));
        ss_errs_free(&e);
        return NULL;
    }
    CHECK(e.total == 0);
    size_t tlen = 0;
    char *text = ss_text(v, &tlen);
    CHECK(text);
    ss_errs_t e2 = {0};
    struct json_object *again = parse(text, tlen, &e2, why, sizeof why);
    CHECK(again && json_object_equal(v, again));
    json_object_put(again);
    ss_errs_free(&e2);
    if (is_doc) {
        /* The service must index whatever the binding accepts. */
        struct json_object *d = gm_doc_parse(text, tlen);
        gm_facts_t f;
        const char *reason = NULL;
        CHECK(d);
        int rc = gm_facts_get(d, &f, &reason);
        if (rc != 0)
            fprintf(stderr, "service refused: %s\n", reason ? reason : "(oom)");
        CHECK(rc == 0);
        struct json_object *none = gm_members_minus(&f, &f);
        CHECK(none && json_object_array_length(none) == 0);
        json_object_put(none);
        gm_facts_clear(&f);
        json_object_put(d);
    }
    free(text);
    return v;
}

static void fuzz_headers(const char *s)
{
    uint64_t revs[4];
    size_t n;
    int star;
    if (ss_if_match(s, &star, revs, 4, &n) == 0)
        CHECK(star ? n == 0 : n <= 4);
    (void)ss_media_type_is(s, "application/json");
    (void)ss_media_type_is(s, "application/merge-patch+json");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20)
        return 0;
    int mode = data[0] & 3;
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    switch (mode) {
    case 0:
        json_object_put(parse_checked(ss_gm_parse_doc, buf, len, 1));
        break;
    case 1:
        json_object_put(parse_checked(ss_gm_parse_patch, buf, len, 0));
        break;
    case 2: {
        const char *nul = memchr(buf, '\0', len);
        if (!nul)
            break;
        size_t dlen = (size_t)(nul - buf);
        struct json_object *doc = parse_checked(ss_gm_parse_doc, buf, dlen, 1);
        struct json_object *patch = doc ? parse_checked(ss_gm_parse_patch, nul + 1,
                                                        len - dlen - 1, 0) : NULL;
        if (doc && patch) {
            int ok;
            struct json_object *merged = gm_merge_patch(doc, patch, &ok);
            CHECK(ok && json_object_is_type(merged, json_type_object));
            size_t mlen = 0;
            char *mtext = ss_text(merged, &mlen);
            CHECK(mtext);
            json_object_put(parse_checked(ss_gm_parse_doc, mtext, mlen, 1) /* must pass */);
            ss_errs_t e = {0};
            char why[64];
            struct json_object *chk = ss_gm_parse_doc(mtext, mlen, &e, why, sizeof why);
            CHECK(chk);
            json_object_put(chk);
            free(mtext);
            json_object_put(merged);
        }
        json_object_put(doc);
        json_object_put(patch);
        break;
    }
    default: {
        char *s = malloc(len + 1);
        if (!s)
            return 0;
        memcpy(s, buf, len);
        s[len] = '\0';
        fuzz_headers(s);
        free(s);
        break;
    }
    }
    return 0;
}
