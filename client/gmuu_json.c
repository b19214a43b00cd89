/* SPDX-License-Identifier: Apache-2.0 */
/* GM-UU (doc/gm-uu.md): the list of pending group key messages of
 * GET /gm-uu/v1/gmk-messages, as the member reads it: an array of message
 * objects, or an object holding it as "messages":
 *   {"id": "<id>", "iMessage": "<base64 RFC 6509 I_MESSAGE>",
 *    "valGroupId": "<group>", ...}
 * Strict JSON; every entry needs a non-empty id of URL-safe characters (it
 * goes back into the DELETE path) and a base64 message of at most
 * KMC_IMSG_MAX octets; valGroupId is kept when it is a string (for display:
 * it is not covered by the message's signature); other members are
 * ignored.  The messages themselves are verified by gmk.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sjson/sjson.h"

#include "kmc_int.h"

#define ID_MAX 128

__attribute__((format(printf, 3, 4)))
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void kmc_gmuu_free(kmc_gmk_msg_t *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].id);
        free(m[i].val_group_id);
        if (m[i].data) {
            explicit_bzero(m[i].data, m[i].len);
            free(m[i].data);
        }
    }
    free(m);
}

static int id_ok(const char *s, size_t len)
{
    if (len == 0 || len > ID_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == '~'))
            return 0;
    }
    return 1;
}

int kmc_gmuu_parse(const char *buf, size_t len, kmc_gmk_msg_t **out, size_t *n,
                   char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!buf || len == 0)
        return bad(err, errlen, "empty answer");
    if (len > KMC_GMUU_MAX)
        return bad(err, errlen, "answer larger than %u octets", KMC_GMUU_MAX);
    sjson_error_t je;
    char why[SJSON_PTR_MAX + 96];
    json_object *o = sjson_parse(buf, len, 32, &je);
    json_object *arr;
    kmc_gmk_msg_t *m = NULL;
    size_t total = 0;
    int rc = -1;
    if (!o) {
        bad(err, errlen, "not JSON: %s", sjson_error_text(&je, why, sizeof why));
        goto out;
    }
    arr = o;
    if (json_object_is_type(o, json_type_object) &&
        !json_object_object_get_ex(o, "messages", &arr))
        arr = NULL;
    if (!arr || !json_object_is_type(arr, json_type_array)) {
        bad(err, errlen, "not an array of messages, nor an object with a \"messages\" array");
        goto out;
    }
    total = json_object_array_length(arr);
    if (total > KMC_MAX_MESSAGES) {
        bad(err, errlen, "more than %d messages", KMC_MAX_MESSAGES);
        goto out;
    }
    m = calloc(total ? total : 1, sizeof *m);
    if (!m) {
        bad(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < total; i++) {
        json_object *e = json_object_array_get_idx(arr, i), *id, *msg, *grp;
        if (!json_object_is_type(e, json_type_object) ||
            !json_object_object_get_ex(e, "id", &id) || !json_object_is_type(id, json_type_string) ||
            !json_object_object_get_ex(e, "iMessage", &msg) ||
            !json_object_is_type(msg, json_type_string)) {
            bad(err, errlen, "message %zu: not an object with string \"id\" and \"iMessage\"",
                i);
            goto out;
        }
        if (json_object_object_get_ex(e, "valGroupId", &grp) &&
            json_object_is_type(grp, json_type_string) && json_object_get_string_len(grp) > 0 &&
            json_object_get_string_len(grp) <= KMC_URI_MAX) {
            size_t gl = (size_t)json_object_get_string_len(grp);
            if (!(m[i].val_group_id = malloc(gl + 1))) {
                bad(err, errlen, "out of memory");
                goto out;
            }
            kmc_clean(m[i].val_group_id, gl + 1, json_object_get_string(grp));
        }
        const char *ids = json_object_get_string(id);
        size_t idlen = (size_t)json_object_get_string_len(id);
        if (!id_ok(ids, idlen) || strlen(ids) != idlen) {
            bad(err, errlen, "message %zu: its id is empty, too long or not URL-safe", i);
            goto out;
        }
        size_t mlen = (size_t)json_object_get_string_len(msg);
        if (mlen > 2 * KMC_IMSG_MAX) {
            bad(err, errlen, "message %zu: longer than %u octets", i, KMC_IMSG_MAX);
            goto out;
        }
        m[i].id = strndup(ids, idlen);
        m[i].data = kmc_unbase64(json_object_get_string(msg), mlen, &m[i].len);
        if (!m[i].id || !m[i].data) {
            bad(err, errlen, "message %zu: %s", i, m[i].id ? "not base64" : "out of memory");
            goto out;
        }
        if (m[i].len == 0 || m[i].len > KMC_IMSG_MAX) {
            bad(err, errlen, "message %zu: empty or longer than %u octets", i, KMC_IMSG_MAX);
            goto out;
        }
    }
    *out = m;
    *n = total;
    m = NULL;
    rc = 0;
out:
    kmc_gmuu_free(m, total);   /* calloc'd: entries not reached are empty */
    json_object_put(o);
    return rc;
}
