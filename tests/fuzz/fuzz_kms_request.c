/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the KMS request side of km_uu (TS 33.180 D.2), what a
 * KM-UU client controls:
 *   first octet even: the body, through kmx_request_parse (libxml2 with the
 *     binding's limits); a SignedKmsRequest is then verified with a fixed
 *     InK through xmlsec (the strict reference rules run on hostile XML);
 *   first octet odd: the path segments of keyprov/<uri>/<time> and
 *     certcache/<n>: the rest split at the first '/' into a URI (checked as
 *     an identity) and a time (NTP hex) / cache number. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kmx.h"

static const uint8_t INK[KMX_KEY_LEN] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                                          7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;   /* the harness's own one-time library set-up */
    if (!ready) {
        if (kmx_sec_init() != KMX_OK)
            abort();
        ready = 1;
    }
    if (size == 0)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    if ((data[0] & 1) == 0) {
        kmx_limits_t lim = { .max_bytes = 16384, .max_depth = 16 };
        kmx_request_t r;
        char why[160];
        if (kmx_request_parse(p, n, &lim, &r, why, sizeof why) == KMX_OK) {
            if (r.doc && !r.request)
                abort();   /* a parsed document always names its request */
            if (r.signature)
                (void)kmx_sec_verify_request(&r, INK);
            kmx_request_free(&r);
        } else if (r.doc) {
            abort();       /* a refused body leaves nothing behind */
        }
        return 0;
    }
    char *s = malloc(n + 1);
    if (!s)
        return 0;
    memcpy(s, p, n);
    s[n] = '\0';
    char *slash = strchr(s, '/');
    const char *tail = "";
    if (slash) {
        *slash = '\0';
        tail = slash + 1;
    }
    int64_t t;
    uint64_t num;
    (void)kmx_uri_ok(s);
    if (kmx_parse_ntp_hex(tail, &t) == 0 && strlen(tail) != 16)
        abort();
    (void)kmx_parse_cache_num(tail, &num);
    free(s);
    return 0;
}
