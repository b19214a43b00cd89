/* SPDX-License-Identifier: Apache-2.0 */
/* core/conf-private.h: loading configuration documents (core/conf.c). */
#ifndef SEAL_CORE_CONF_PRIVATE_H
#define SEAL_CORE_CONF_PRIVATE_H

#include <seal/conf.h>

typedef struct seal_conf_doc seal_conf_doc_t;

/* Parses a JSON-with-comments file. When the root has a string "include"
 * (a glob), every matching file (sorted) is parsed too and its "plugins"
 * object merged into the root's "plugins"; an included file may hold only
 * "plugins". A plugin block present twice (in any two files) is an error.
 * On error returns NULL and writes one line into err:
 *   "<file>:<line>: <syntax error>"  or  "<file>: <$.json.path>: <reason>". */
seal_conf_doc_t *seal_conf_doc_load(const char *file, char *err, size_t errlen);
/* The same for a string; label stands for the file name. Includes allowed. */
seal_conf_doc_t *seal_conf_doc_parse(const char *text, const char *label,
                                     char *err, size_t errlen);
const seal_conf_t *seal_conf_doc_root(const seal_conf_doc_t *doc);
void seal_conf_doc_free(seal_conf_doc_t *doc);

/* Visits every key under node (recursively) that no getter has read, in file
 * order; fn gets the node of the unread key's value (its file and path say
 * where it is). Returns how many were found. */
size_t seal_conf_unread(const seal_conf_t *node,
                        void (*fn)(const seal_conf_t *unread, void *ctx), void *ctx);

/* Formats "<file>: <path>: <message>" for a node (no plugin prefix). */
void seal_conf_format_error(const seal_conf_t *node, char *buf, size_t len,
                            const char *fmt, ...) SEAL_PRINTF(4, 5);

#endif
