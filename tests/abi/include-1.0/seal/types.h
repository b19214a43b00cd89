/* SPDX-License-Identifier: Apache-2.0 */
/* seal/types.h: status codes and opaque handles shared by the whole ABI. */
#ifndef SEAL_TYPES_H
#define SEAL_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An int, forever: 0 OK, 1 DECLINED (hooks), negative SEAL_E_*. */
typedef int seal_status_t;

/* Frozen values: never renumber, only append. */
#define SEAL_OK            0
#define SEAL_DECLINED      1
#define SEAL_E_GENERIC    (-1)
#define SEAL_E_NOMEM      (-2)
#define SEAL_E_INVAL      (-3)   /* bad argument or bad input */
#define SEAL_E_NOTFOUND   (-4)
#define SEAL_E_EXISTS     (-5)
#define SEAL_E_CONFLICT   (-6)   /* revision mismatch (compare-and-set) */
#define SEAL_E_AGAIN      (-7)   /* resource exhausted, try later */
#define SEAL_E_ABI        (-8)   /* plugin/host ABI mismatch */
#define SEAL_E_IO         (-9)
#define SEAL_E_PERM       (-10)  /* not allowed (authorization) */
#define SEAL_E_STATE      (-11)  /* not allowed in this phase */
#define SEAL_E_UNSUPPORTED (-12)
#define SEAL_E_CRYPTO     (-13)  /* verification or crypto failure */
#define SEAL_E_TIMEOUT    (-14)
#define SEAL_E_CONFIG     (-15)
#define SEAL_E_TOOBIG     (-16)
#define SEAL_E_UNAUTH     (-17)  /* no or bad credentials */

/* A static English text for a status code; never NULL. */
const char *seal_strerror(seal_status_t status);

/* Opaque handles. */
typedef struct seal_plugin  seal_plugin_t;   /* a loaded plugin: "self" */
typedef struct seal_request seal_request_t;  /* one inbound HTTP request */
typedef struct seal_conf    seal_conf_t;     /* a read-only config node */
typedef struct seal_store_txn seal_store_txn_t;

/* Frees memory that a seal_* function documented as "free with seal_free". */
void seal_free(void *ptr);

/* Releases plugin-owned data handed to the host (see "user" rules). */
typedef void (*seal_user_free_fn)(void *user);

#ifdef __cplusplus
}
#endif
#endif
