/* SPDX-License-Identifier: Apache-2.0 */
/* seal/event.h: hooks (synchronous, ordered, may veto) and events
 * (asynchronous fan-out of JSON bytes).
 */
#ifndef SEAL_EVENT_H
#define SEAL_EVENT_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Hooks ----
 * A hook is a named point; callbacks run on the triggering thread in
 * ascending order (ties: registration order). A callback returns:
 *   SEAL_OK        approve and continue
 *   SEAL_DECLINED  no opinion, continue
 *   negative       veto: the run stops and returns that status
 * seal_hook_run returns SEAL_OK if at least one callback approved and none
 * vetoed, SEAL_DECLINED if none approved nor vetoed (or none registered),
 * else the veto. */

#define SEAL_HOOK_FIRST  (-100)
#define SEAL_HOOK_MIDDLE 0
#define SEAL_HOOK_LAST   100

typedef seal_status_t (*seal_hook_fn)(void *args, void *user);

/* Init phase only. */
seal_status_t seal_hook_register(seal_plugin_t *self, const char *hook, int order,
                                 seal_hook_fn fn, void *user, seal_user_free_fn user_free);

/* Any phase after freeze; args is the hook's documented argument. */
seal_status_t seal_hook_run(seal_plugin_t *self, const char *hook, void *args);

/* Host-defined hooks:
 * "seal.http.authorize" - args: seal_request_t *. Runs before the handler of
 *   every route without SEAL_ROUTE_F_PUBLIC. The request is served only if a
 *   callback approved and none vetoed; a veto's status picks the answer
 *   (SEAL_E_UNAUTH 401, SEAL_E_PERM 403, SEAL_E_AGAIN 503, others 500). A
 *   callback that approves may attach the caller's identity with
 *   seal_request_set_principal. */
#define SEAL_HOOK_HTTP_AUTHORIZE "seal.http.authorize"

/* ---- Events ----
 * Events are delivered on the host's event thread, in publish order, to
 * every subscriber whose topic prefix matches. Publishing never blocks:
 * when the bounded queue is full it returns SEAL_E_AGAIN and counts a drop. */

typedef void (*seal_event_fn)(const char *topic, const char *json, size_t len, void *user);

/* Init phase only. prefix "" subscribes to everything; "gm." to gm.* */
seal_status_t seal_event_subscribe(seal_plugin_t *self, const char *prefix,
                                   seal_event_fn fn, void *user, seal_user_free_fn user_free);

/* Any thread after freeze. The bytes are copied. */
seal_status_t seal_event_publish(seal_plugin_t *self, const char *topic,
                                 const char *json, size_t len);

/* Events dropped so far because the queue was full. */
uint64_t seal_event_dropped(const seal_plugin_t *self);

#ifdef __cplusplus
}
#endif
#endif
