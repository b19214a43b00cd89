/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP header details shared by the SEAL-S APIs (TS 29.549 clause 6,
 * TS 29.122 clause 5.2): media types, entity tags, conditional requests.
 * Host-free. */
#ifndef SEAL_SS_HTTP_H
#define SEAL_SS_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* True if the Content-Type value names media type want (type/subtype,
 * case-insensitive; parameters such as charset are ignored). */
int ss_media_type_is(const char *content_type, const char *want);

/* A strong entity tag for a store revision: "\"<rev>\"". */
#define SS_ETAG_MAX 24
void ss_etag(uint64_t rev, char out[SS_ETAG_MAX]);

/* If-Match (RFC 9110 13.1.1): "*" or a list of entity tags. Strong
 * comparison: weak tags and tags that are not one of our revisions never
 * match and are skipped. Fills at most max revisions. Returns 0 (with *star
 * or *n set), -1 when the header is malformed. */
int ss_if_match(const char *value, int *star, uint64_t *revs, size_t max, size_t *n);

#endif
