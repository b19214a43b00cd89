/* SPDX-License-Identifier: Apache-2.0 */
/* The librhonabwy side of im_jws.c: Debian's GnuTLS-based JOSE library
 * parses the JWS (R_PARSE_NONE: no key from the token's header is used)
 * and must agree with our own reading on the algorithm and on the payload
 * octets. This file calls no jansson function: jansson and json-c export
 * functions of the same name (json_object_get), and the plugin binds them
 * to json-c. */
#include <string.h>
#include <rhonabwy.h>
#include "im_jwt.h"

int im_jwt_lib_agrees(const char *token, int es256, const unsigned char *payload, size_t len)
{
    jws_t *jws = NULL;
    const unsigned char *lib_pay;
    size_t lib_len = 0;
    if (r_jws_init(&jws) != RHN_OK)
        return 0;
    int ok = r_jws_advanced_parse(jws, token, R_PARSE_NONE, 0) == RHN_OK
             && r_jws_get_alg(jws) == (es256 ? R_JWA_ALG_ES256 : R_JWA_ALG_EDDSA)
             && (lib_pay = r_jws_get_payload(jws, &lib_len)) && lib_len == len
             && memcmp(lib_pay, payload, len) == 0;
    r_jws_free(jws);
    return ok;
}
