/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_jwt: authz_jwt's token reading and checks (jwt_check.c: strict
 * base64url, the header and its algorithm allow-list, librhonabwy's JWS
 * reading and signature verification, the claims at a fixed clock) with a
 * fixed JWK Set, the JWK Set reader itself, and the revocation list
 * reader (revset.c: what a remote IdM says is revoked), on arbitrary
 * bytes. The seeds in corpus/jwt/ are tokens signed with this set's keys
 * (valid ones included), forged ones, the set and revocation lists. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jwks.h"
#include "jwt_check.h"
#include "revset.h"

#define NOW INT64_C(1800000100)

static const char fixed_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"x\":\"HhdT_JRkCqpzF74RT9vCVznlUYUSqLzjBY0GEh9yLaI\","
    "\"y\":\"BPqWYLTLKarMvegc_vSOkhZxmfJwVa9-XMNE1m36-JA\",\"crv\":\"P-256\",\"kid\":\"fz-ec\"},"
    "{\"kty\":\"OKP\",\"x\":\"VNR8--OmizD_v8je62KmJDVSVfjITfLqFGJcvH-cUz8\",\"crv\":\"Ed25519\","
    "\"kid\":\"fz-ed\"}]}";

static const char *const typ[] = { "at+jwt", "application/at+jwt" };
static const jwt_policy_t pol = { .audience = "seal", .leeway_s = 30, .typ = typ, .n_typ = 2,
                                  .max_len = 8192 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static jwks_set_t keys;
    static int ready;
    if (!ready) {
        if (jwks_parse(fixed_jwks, sizeof fixed_jwks - 1, &keys, NULL, NULL, 0) != 0)
            abort();                         /* the fixed set must read */
        ready = 1;
    }
    /* The bytes as a token. */
    jwt_token_t *t = NULL;
    if (jwt_token_parse((const char *)data, size, &pol, &t) == JWT_OK) {
        const jwks_key_t *k = jwks_find(&keys, jwt_token_kid(t));
        jwt_status_t vs = k ? jwt_token_verify(t, k->alg, k->jwk) : JWT_E_KID;
        /* The claims are checked whatever the signature said, so mutated
         * payloads reach them too. */
        jwt_claims_t cl;
        if (jwt_token_claims(t, &pol, NOW, &cl) == JWT_OK) {
            if (!cl.sub || strlen(cl.sub) == 0 || strlen(cl.sub) > 255)
                abort();
            (void)jwt_scope_has(cl.scope, "seal.gm");
        }
        (void)jwt_status_text(vs);
        jwt_token_free(t);
    } else if (t) {
        abort();                             /* a refusal leaves nothing */
    }
    /* The bytes as a JWK Set. */
    jwks_set_t set = { 0 };
    size_t skipped = 0;
    char why[160];
    if (jwks_parse((const char *)data, size, &set, &skipped, why, sizeof why) == 0) {
        if (set.n == 0)
            abort();                         /* success means a usable key */
        for (size_t i = 0; i < set.n; i++)
            if (jwks_find(&set, set.keys[i].kid) != &set.keys[i])
                abort();                     /* kids are unique */
        (void)jwks_lost_keys(&keys, &set);
        jwks_clear(&set);
    }
    /* The bytes as a revocation list of issuer "https://idm.example". */
    revset_t *rs = NULL;
    if (revset_parse((const char *)data, size, "https://idm.example", NOW, 30, 30, &rs, why,
                     sizeof why) == 0) {
        if (!rs)
            abort();                         /* success means a set */
        (void)revset_revoked(rs, "j1", "alice", "vs1");
        revset_free(rs);
    } else if (rs) {
        abort();                             /* a refusal leaves nothing */
    }
    return 0;
}
