/* SPDX-License-Identifier: Apache-2.0 */
/* seal/conf.h: read-only configuration nodes with typed getters.
 *
 * A plugin reads its block in init. Every key of a plugin's block must be
 * read by the plugin (through any getter below); after init the host refuses
 * a block with keys nobody read, naming the file and the JSON path, so typos
 * never pass silently. Nodes stay valid until the plugin's fini.
 */
#ifndef SEAL_CONF_H
#define SEAL_CONF_H

#include <stdbool.h>
#include <seal/types.h>
#include <seal/log.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum seal_conf_type {
    SEAL_CONF_NULL = 0,
    SEAL_CONF_BOOL,
    SEAL_CONF_INT,
    SEAL_CONF_DOUBLE,
    SEAL_CONF_STRING,
    SEAL_CONF_ARRAY,
    SEAL_CONF_OBJECT
} seal_conf_type_t;

seal_conf_type_t seal_conf_type(const seal_conf_t *node);

/* Child of an object by key, or NULL when absent (marks the key as read). */
const seal_conf_t *seal_conf_get(const seal_conf_t *node, const char *key);

/* Typed getters for a child of an object. Absent: *out = def, SEAL_OK.
 * Present with the wrong type or out of range: logs
 * "<file>: <json path>: <reason>" and returns SEAL_E_CONFIG. */
seal_status_t seal_conf_string(const seal_conf_t *node, const char *key,
                               const char *def, const char **out);
seal_status_t seal_conf_int(const seal_conf_t *node, const char *key,
                            int64_t def, int64_t min, int64_t max, int64_t *out);
seal_status_t seal_conf_bool(const seal_conf_t *node, const char *key,
                             bool def, bool *out);
seal_status_t seal_conf_double(const seal_conf_t *node, const char *key,
                               double def, double *out);

/* Arrays. */
size_t seal_conf_array_len(const seal_conf_t *node);
const seal_conf_t *seal_conf_array_at(const seal_conf_t *node, size_t i);
/* The value of a string node (NULL if not a string). */
const char *seal_conf_as_string(const seal_conf_t *node);

/* Iterates over the keys of an object node, in file order (marks each read).
 * Returns the key at index i, or NULL past the end. */
const char *seal_conf_key_at(const seal_conf_t *node, size_t i, const seal_conf_t **value);

/* Where a node comes from: the file and its JSON path, e.g. "$.plugins.gm.ttl". */
const char *seal_conf_file(const seal_conf_t *node);
const char *seal_conf_path(const seal_conf_t *node);

/* Reports a semantic error on a node: "<file>: <path>: <message>".
 * Returns SEAL_E_CONFIG so a plugin can `return seal_conf_error(...)`. */
seal_status_t seal_conf_error(seal_plugin_t *self, const seal_conf_t *node,
                              const char *fmt, ...) SEAL_PRINTF(3, 4);

#ifdef __cplusplus
}
#endif
#endif
