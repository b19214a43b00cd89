/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the GM-UU inputs (doc/gm-uu.md) as gm_uu and gm see them: the
 * {msgId} of DELETE /gm-uu/v1/gmk-messages/{msgId} (gm_uu's shape check and
 * gm's strict id parser), the caller's identities from the token
 * (val_user_ids attribute, principal) and the query of GET
 * /gm-uu/v1/gmk-messages. Input: lines separated by '\n':
 *   message id / val_user_ids / principal / name=value query pairs...
 * (an empty val_user_ids or principal line means "absent"). Besides "no
 * crash, no leak" it checks what the routes rely on:
 *   - an id gm parses is one gm_uu lets through, and prints back the same;
 *   - identities are 1..255 printable characters without spaces, distinct;
 *   - an accepted query has a limit in 1..256 and a printable valUserId;
 *     a refused one names the parameter and the reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmuu_parse.h"
#include "gm_gmkid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "invariant failed: %s\n", #c); __builtin_trap(); } } while (0)
#define MAX_Q 16

static int printable_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > GMUU_URI_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f)
            return 0;
    return 1;
}

static void check_id(const char *id)
{
    char gid[GMK_GROUP_ID_MAX + 1], hash[GMK_ID_HASH + 1], again[GMK_MSG_ID_MAX + 2];
    uint64_t gen = 0;
    int ok = gmuu_msg_id_ok(id);
    if (gm_gmk_msg_id_parse(id, gid, &gen, hash) == 0) {
        CHECK(ok);
        CHECK(gen > 0 && strlen(gid) > 0 && strlen(hash) == GMK_ID_HASH);
        snprintf(again, sizeof again, "%s.%llu.%s", gid, (unsigned long long)gen, hash);
        CHECK(strcmp(again, id) == 0);
    }
    if (ok)
        CHECK(strlen(id) <= GMUU_MSG_ID_MAX && !strchr(id, '/') && !strchr(id, '%'));
}

static void check_ids(const char *vuids, const char *principal)
{
    gmuu_ids_t *ids = malloc(sizeof *ids);
    if (!ids)
        return;
    gmuu_identities(vuids, principal, ids);
    CHECK(ids->n <= GMUU_MAX_IDS);
    for (size_t i = 0; i < ids->n; i++) {
        CHECK(printable_id(ids->id[i]));
        CHECK(gmuu_has_id(ids, ids->id[i]));
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(ids->id[i], ids->id[j]) != 0);
    }
    if (!vuids && !principal)
        CHECK(ids->n == 0);
    free(ids);
}

static void check_query(char **lines, size_t n)
{
    const char *names[MAX_Q], *values[MAX_Q];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MAX_Q; i++, k++) {
        char *eq = strchr(lines[i], '=');
        names[k] = lines[i];
        values[k] = NULL;
        if (eq) {
            *eq = '\0';
            values[k] = eq + 1;
        }
    }
    gmuu_query_t q;
    const char *bad = NULL, *why = NULL;
    if (gmuu_query(names, values, k, &q, &bad, &why) == 0) {
        CHECK(q.limit >= 1 && q.limit <= GMUU_LIMIT_MAX);
        CHECK(!q.val_user_id || printable_id(q.val_user_id));
        CHECK(!q.val_group_id || (strlen(q.val_group_id) >= 1 &&
                                  strlen(q.val_group_id) <= GMUU_GROUP_MAX));
        CHECK(bad == NULL);
    } else {
        CHECK(bad != NULL && why != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *lines[3 + MAX_Q];
    size_t n = 0;
    /* A NUL inside ends the input, as in a C string from the host. */
    for (char *p = buf, *save = NULL; n < 3 + MAX_Q; p = NULL) {
        char *l = strtok_r(p, "\n", &save);
        if (!l)
            break;
        lines[n++] = l;
    }
    if (n > 0)
        check_id(lines[0]);
    check_ids(n > 1 ? lines[1] : NULL, n > 2 ? lines[2] : NULL);
    if (n > 3)
        check_query(lines + 3, n - 3);
    free(buf);
    return 0;
}
