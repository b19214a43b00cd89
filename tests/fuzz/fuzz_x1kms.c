/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the KmsResponse parser of SEAL-X1's remote mode
 * (plugins/refpoints/seal_x1/x1_xml.c, TS 33.180 Annex D.3): what a remote
 * KMS answers to the GMS's init and keyprov. Besides "no crash, no leak":
 *   - an accepted response is exactly one kind, with its values in range
 *     (UserKeyPeriod > 0, UserKeyOffset < UserKeyPeriod, 1..4 key sets,
 *     printable URIs);
 *   - a refused one says why, and leaves no key material behind. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include "x1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); __builtin_trap(); } } while (0)

static int uri_ok(const char *s)
{
    size_t n = strnlen(s, SEAL_X1_URI_MAX + 1);
    if (n == 0 || n > SEAL_X1_URI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return 0;
    return 1;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int inited;
    if (!inited) {
        xmlInitParser();
        inited = 1;
    }
    static x1_response_t r;
    char err[160];
    seal_status_t st = x1_xml_parse((const char *)data, size, &r, err, sizeof err);
    if (st == SEAL_OK) {
        CHECK(err[0] == '\0');
        switch (r.kind) {
        case X1_KIND_INIT:
            CHECK(uri_ok(r.cert.kms_uri));
            CHECK(r.cert.period > 0 && r.cert.offset < r.cert.period);
            break;
        case X1_KIND_KEYPROV:
            CHECK(r.n_keysets >= 1 && r.n_keysets <= X1_MAX_KEYSETS);
            for (size_t i = 0; i < r.n_keysets; i++)
                CHECK(uri_ok(r.keysets[i].kms_uri) && uri_ok(r.keysets[i].user_uri));
            break;
        case X1_KIND_ERROR:
            CHECK(strlen(r.error_msg) < sizeof r.error_msg);
            break;
        default:
            CHECK(0);
        }
    } else {
        CHECK(err[0] != '\0');
        CHECK(all_zero(&r, sizeof r));
    }
    x1_response_wipe(&r);
    return 0;
}
