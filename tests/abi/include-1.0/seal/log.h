/* SPDX-License-Identifier: Apache-2.0 */
/* seal/log.h: logging with plugin attribution. Never log secrets. */
#ifndef SEAL_LOG_H
#define SEAL_LOG_H

#include <seal/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* syslog(3) severities. */
#define SEAL_LOG_ERR    3
#define SEAL_LOG_WARN   4
#define SEAL_LOG_NOTICE 5
#define SEAL_LOG_INFO   6
#define SEAL_LOG_DEBUG  7

#if defined(__GNUC__)
#define SEAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SEAL_PRINTF(f, a)
#endif

/* One line, prefixed with the plugin's name ("core" for self == NULL).
 * Thread-safe. */
void seal_log(seal_plugin_t *self, int level, const char *fmt, ...) SEAL_PRINTF(3, 4);

/* True when a message of this level would be written (skip costly formatting). */
int seal_log_enabled(int level);

#ifdef __cplusplus
}
#endif
#endif
