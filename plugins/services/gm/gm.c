/* SPDX-License-Identifier: Apache-2.0 */
/* The group management service (TS 23.434 clause 10): VAL group documents
 * kept in the store, served to bindings through "seal.gm.v1"
 * (seal/services/gm.h). Knows nothing of HTTP. With its "gmk" block it is
 * also the GMS of TS 33.180 5.7: every change of a group's VAL users makes
 * a new group master key in the change's own transaction (gm_gmk.c), and
 * worker threads distribute it (gm_dist.c).
 *
 * Store layout:
 *   "gm.groups"      key groupDocId, the VALGroupDocument as stored (the
 *                    document and nothing else: seal_s serves the text as
 *                    is); terms valGroupId=<id>, member=<valUserId|valUeId>,
 *                    valServiceId=<each>, owner=<owner> (when it has one).
 *   "gm.owners"      key groupDocId, {"owner": ...}: the owner of a
 *                    document made by create_owned, written and deleted in
 *                    the document's own transactions, never changed.
 *   "gm.valgroupids" key <owner> US <valGroupId> (US = 0x1f), or the bare
 *                    valGroupId for a document without owner, value
 *                    {"groupDocId": ...}: the claim that makes valGroupId
 *                    unique within its owner's space. It is written in the
 *                    same transaction as the document, and created with
 *                    SEAL_REV_ABSENT, so two concurrent creates of one VAL
 *                    group cannot both succeed whatever the store's isolation.
 *   "gm.ownercounts" key owner, {"groups": n}: how many documents the owner
 *                    has, written in the same transaction as each create
 *                    and delete of its documents (compare and set on the
 *                    revision read), so that max_groups_per_owner is checked
 *                    in O(1) and two concurrent creates cannot both take the
 *                    last place. No record: none. Documents without owner
 *                    are not counted.
 *   "gm.meta"        key "ownercounts": present once the counts are kept;
 *                    a database from before them has its counts made from
 *                    "gm.owners" at the first start (one transaction).
 * Databases from before owners: their documents have no "gm.owners" record
 * and their claims are keyed by the bare valGroupId, which is exactly the
 * space of the documents without owner, so they are used as they are (no
 * migration). A key with an owner holds a control character, which no
 * valGroupId does (gm_id_ok), so the two kinds of keys never meet.
 * Updates read the current document, compute the new one, then write it with
 * compare-and-set on the revision read; a lost race is retried when the
 * caller gave no revision, else reported as SEAL_E_CONFLICT.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include "gm_doc.h"
#include "gm_merge.h"
#include "gm_gmk.h"

#define NS_GROUPS "gm.groups"
#define NS_CLAIMS "gm.valgroupids"
#define NS_OWNERS "gm.owners"
#define NS_COUNTS "gm.ownercounts"
#define NS_META "gm.meta"
#define META_COUNTS "ownercounts"
/* Between owner and valGroupId in a claim key: a control character, which
 * neither may hold (gm_owner_ok, gm_id_ok). */
#define CLAIM_SEP "\x1f"
#define MAX_RETRIES 16

/* ---- helpers ---- */

/* Before retrying an unconditional update that lost a race: a random pause
 * of up to 50 us << attempt (at most 6.4 ms), so that one writer cannot
 * keep losing to the same others until its retries run out. The jitter
 * needs no secrecy: the clock's nanoseconds serve. */
static void lost_race_pause(int attempt)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long cap_us = 50L << (attempt < 7 ? attempt : 7);
    struct timespec ts = { 0, (now.tv_nsec % cap_us) * 1000 };
    nanosleep(&ts, NULL);
}

/* 16 random bytes in base64url without padding: 22 URL-safe characters. */
static seal_status_t new_doc_id(char out[23])
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char r[17] = {0};
    size_t got = 0;
    while (got < 16) {
        ssize_t n = getrandom(r + got, 16 - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return SEAL_E_IO;
        }
        got += (size_t)n;
    }
    size_t o = 0;
    for (size_t i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | (i + 2 < 16 ? r[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        if (o < 22) out[o++] = b64[v >> 6 & 63];
        if (o < 22) out[o++] = b64[v & 63];
    }
    out[22] = '\0';
    return SEAL_OK;
}

/* Index terms for a document: valGroupId, each distinct member id, each
 * service, its owner if any. The strings are borrowed from f and owner. */
static seal_store_term_t *make_terms(const gm_facts_t *f, const char *owner, size_t *n)
{
    seal_store_term_t *t = calloc(2 + f->nmembers + f->nservices, sizeof *t);
    if (!t)
        return NULL;
    size_t k = 0;
    t[k++] = (seal_store_term_t){ "valGroupId", f->val_group_id };
    if (owner)
        t[k++] = (seal_store_term_t){ "owner", owner };
    /* Members are sorted by (is_ue, id): the users, then the UEs, each run
     * sorted and without repeats. A user and a UE may share an id string;
     * merging the two runs gives one "member" term per distinct string. */
    size_t users = 0;
    while (users < f->nmembers && !f->members[users].is_ue)
        users++;
    size_t i = 0, j = users;
    while (i < users || j < f->nmembers) {
        int c = i == users ? 1 : j == f->nmembers ? -1
                : strcmp(f->members[i].id, f->members[j].id);
        const char *id = c <= 0 ? f->members[i].id : f->members[j].id;
        if (c <= 0)
            i++;
        if (c >= 0)
            j++;
        t[k++] = (seal_store_term_t){ "member", id };
    }
    for (size_t s = 0; s < f->nservices; s++)
        t[k++] = (seal_store_term_t){ "valServiceId", f->services[s] };
    *n = k;
    return t;
}

/* The claim key of valGroupId vgid in owner's space (NULL: the documents
 * without owner); a new string or NULL. */
static char *claim_key(const char *owner, const char *vgid)
{
    size_t o = owner ? strlen(owner) + 1 : 0, v = strlen(vgid);
    char *k = malloc(o + v + 1);
    if (!k)
        return NULL;
    if (owner) {
        memcpy(k, owner, o - 1);
        k[o - 1] = CLAIM_SEP[0];
    }
    memcpy(k + o, vgid, v + 1);
    return k;
}

static char *owner_json(const char *owner, size_t *len)
{
    struct json_object *o = json_object_new_object();
    char *s = NULL;
    if (o && gm_json_add_str(o, "owner", owner) == 0)
        s = gm_doc_text(o, len);
    json_object_put(o);
    return s;
}

/* Reads the owner record of document id: SEAL_OK with *owner malloc'd,
 * SEAL_E_NOTFOUND when there is none, SEAL_E_IO when it is unreadable. */
static seal_status_t owner_read(seal_plugin_t *self, seal_store_txn_t *txn, const char *id,
                                char **owner)
{
    char *rec = NULL;
    size_t len = 0;
    *owner = NULL;
    seal_status_t st = seal_store_get(self, txn, NS_OWNERS, id, &rec, &len, NULL);
    if (st != SEAL_OK)
        return st;
    struct json_object *o = gm_doc_parse(rec, len), *v;
    if (o && json_object_object_get_ex(o, "owner", &v)
        && json_object_is_type(v, json_type_string))
        st = (*owner = strdup(json_object_get_string(v))) ? SEAL_OK : SEAL_E_NOMEM;
    else
        st = SEAL_E_IO;
    if (st == SEAL_E_IO)
        seal_log(self, SEAL_LOG_ERR, "owner record of group document %s is unreadable", id);
    json_object_put(o);
    seal_free(rec);
    return st;
}

static char *claim_json(const char *doc_id, size_t *len)
{
    struct json_object *o = json_object_new_object();
    char *s = NULL;
    if (o && json_object_object_add(o, "groupDocId", json_object_new_string(doc_id)) == 0)
        s = gm_doc_text(o, len);
    json_object_put(o);
    return s;
}

/* True if the claim document names groupDocId id. */
static int claim_is(const char *claim, size_t len, const char *id)
{
    struct json_object *o = gm_doc_parse(claim, len), *v;
    int is = o && json_object_object_get_ex(o, "groupDocId", &v)
             && json_object_is_type(v, json_type_string)
             && strcmp(json_object_get_string(v), id) == 0;
    json_object_put(o);
    return is;
}

/* ---- documents per owner (max_groups_per_owner) ---- */

/* The count of owner's documents in txn: *n (0 without a record) and the
 * record's revision (SEAL_REV_ABSENT without one). */
static seal_status_t count_read(seal_plugin_t *self, seal_store_txn_t *txn, const char *owner,
                                uint64_t *n, uint64_t *rev)
{
    char *rec = NULL;
    size_t len = 0;
    *n = 0;
    *rev = SEAL_REV_ABSENT;
    seal_status_t st = seal_store_get(self, txn, NS_COUNTS, owner, &rec, &len, rev);
    if (st == SEAL_E_NOTFOUND) {
        *rev = SEAL_REV_ABSENT;
        return SEAL_OK;
    }
    if (st != SEAL_OK)
        return st;
    struct json_object *o = gm_doc_parse(rec, len), *v;
    if (o && json_object_object_get_ex(o, "groups", &v) && json_object_is_type(v, json_type_int)
        && json_object_get_int64(v) >= 0) {
        *n = (uint64_t)json_object_get_int64(v);
    } else {
        seal_log(self, SEAL_LOG_ERR, "the group count of an owner is unreadable");
        st = SEAL_E_IO;
    }
    json_object_put(o);
    seal_free(rec);
    return st;
}

/* Writes owner's count n over the record read at rev (compare and set); a
 * count of 0 is no record, so owners without documents cost nothing. */
static seal_status_t count_write(seal_plugin_t *self, seal_store_txn_t *txn, const char *owner,
                                 uint64_t n, uint64_t rev)
{
    if (n == 0)
        return rev == SEAL_REV_ABSENT ? SEAL_OK
                                      : seal_store_delete(self, txn, NS_COUNTS, owner, rev);
    struct json_object *o = json_object_new_object();
    size_t len = 0;
    char *text = o && gm_json_add_int(o, "groups", (int64_t)n) == 0 ? gm_doc_text(o, &len)
                                                                    : NULL;
    json_object_put(o);
    if (!text)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_put(self, txn, NS_COUNTS, owner, text, len, rev, NULL, 0,
                                      NULL);
    free(text);
    return st;
}

/* Adds delta (+1 or -1) to owner's count in txn. With check, refuses
 * (SEAL_E_TOOBIG) an increment past max_groups_per_owner. */
static seal_status_t count_add(seal_plugin_t *self, seal_store_txn_t *txn, const char *owner,
                               int delta, int check)
{
    const gmk_ctx_t *g = seal_plugin_data(self);
    uint64_t n = 0, rev = SEAL_REV_ABSENT;
    seal_status_t st = count_read(self, txn, owner, &n, &rev);
    if (st != SEAL_OK)
        return st;
    if (delta > 0 && check && g->max_groups_per_owner > 0
        && n >= (uint64_t)g->max_groups_per_owner)
        return SEAL_E_TOOBIG;
    if (delta < 0 && n == 0) {
        seal_log(self, SEAL_LOG_WARN, "an owner's group count was already 0");
        return SEAL_OK;
    }
    return count_write(self, txn, owner, delta > 0 ? n + 1 : n - 1, rev);
}

typedef struct owner_list {
    char **o;
    size_t n, cap;
    int failed;
} owner_list_t;

static int collect_owner(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    owner_list_t *l = p;
    struct json_object *o = gm_doc_parse(json, len), *v;
    (void)key; (void)rev;
    if (o && json_object_object_get_ex(o, "owner", &v) && json_object_is_type(v, json_type_string)) {
        if (l->n == l->cap) {
            size_t cap = l->cap ? 2 * l->cap : 64;
            char **a = realloc(l->o, cap * sizeof *a);
            if (!a)
                l->failed = 1;
            else {
                l->o = a;
                l->cap = cap;
            }
        }
        if (!l->failed && !(l->o[l->n] = strdup(json_object_get_string(v))))
            l->failed = 1;
        else if (!l->failed)
            l->n++;
    } else {
        l->failed = 1;   /* an unreadable owner record: do not guess the counts */
    }
    json_object_put(o);
    return l->failed;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A database from before the counts (owners without "gm.ownercounts"
 * records) gets them from its owner records, once, in one transaction with
 * the marker that says they are kept. */
static seal_status_t counts_init(seal_plugin_t *self)
{
    seal_store_txn_t *txn = NULL;
    owner_list_t l = {0};
    size_t owners = 0;
    seal_status_t st = seal_store_txn_begin(self, &txn);
    if (st != SEAL_OK)
        return st;
    st = seal_store_get(self, txn, NS_META, META_COUNTS, NULL, NULL, NULL);
    if (st == SEAL_OK) {
        seal_store_txn_abort(txn);
        return SEAL_OK;
    }
    if (st == SEAL_E_NOTFOUND)
        st = seal_store_scan(self, txn, NS_OWNERS, "", collect_owner, &l);
    if (st == SEAL_OK && l.failed)
        st = SEAL_E_IO;
    if (st == SEAL_OK && l.n)
        qsort(l.o, l.n, sizeof *l.o, cmp_str);
    for (size_t i = 0; st == SEAL_OK && i < l.n;) {
        size_t j = i;
        while (j < l.n && strcmp(l.o[j], l.o[i]) == 0)
            j++;
        uint64_t n = 0, rev = SEAL_REV_ABSENT;
        st = count_read(self, txn, l.o[i], &n, &rev);
        if (st == SEAL_OK)
            st = count_write(self, txn, l.o[i], j - i, rev);
        owners++;
        i = j;
    }
    if (st == SEAL_OK)
        st = seal_store_put(self, txn, NS_META, META_COUNTS, "{}", 2, SEAL_REV_ANY, NULL, 0,
                            NULL);
    if (st == SEAL_OK)
        st = seal_store_txn_commit(txn);
    else
        seal_store_txn_abort(txn);
    if (st == SEAL_OK && owners)
        seal_log(self, SEAL_LOG_INFO, "counted the groups of %zu owner(s) (max_groups_per_owner)",
                 owners);
    else if (st != SEAL_OK)
        seal_log(self, SEAL_LOG_ERR, "cannot count the groups of each owner: %s",
                 seal_strerror(st));
    for (size_t i = 0; i < l.n; i++)
        free(l.o[i]);
    free(l.o);
    return st;
}

/* SEAL_E_TOOBIG when f has more members than max_members. */
static seal_status_t members_ok(seal_plugin_t *self, const gm_facts_t *f)
{
    const gmk_ctx_t *g = seal_plugin_data(self);
    if (f->nmembers <= (size_t)g->max_members)
        return SEAL_OK;
    seal_log(self, SEAL_LOG_DEBUG, "document refused: %zu members, max_members is %lld",
             f->nmembers, (long long)g->max_members);
    return SEAL_E_TOOBIG;
}

/* Publishes a membership event; a full queue only costs the event (logged). */
static void publish(seal_plugin_t *self, const char *topic, const char *doc_id,
                    const char *owner, const gm_facts_t *now, const gm_facts_t *before,
                    uint64_t rev, struct json_object *doc)
{
    static const gm_facts_t none = {0};
    const gm_facts_t *a = before ? before : &none, *b = now ? now : &none;
    struct json_object *ev = json_object_new_object();
    struct json_object *added = gm_members_minus(b, a);
    struct json_object *removed = gm_members_minus(a, b);
    const char *vgid = now ? now->val_group_id : before->val_group_id;
    int bad = !ev || !added || !removed || gm_json_add_str(ev, "groupDocId", doc_id)
              || gm_json_add_str(ev, "valGroupId", vgid)
              || (owner ? gm_json_add_str(ev, "owner", owner)
                        : json_object_object_add(ev, "owner", NULL))
              || json_object_object_add(ev, "rev", json_object_new_uint64(rev));
    if (!bad && now && before && strcmp(now->val_group_id, before->val_group_id) != 0)
        bad = gm_json_add_str(ev, "previousValGroupId", before->val_group_id);
    if (!bad && doc) {
        struct json_object *copy = NULL;
        bad = json_object_deep_copy(doc, &copy, NULL) != 0
              || json_object_object_add(ev, "document", copy) != 0;
    }
    if (!bad) {
        bad = json_object_object_add(ev, "membersAdded", added) != 0;
        added = NULL;
    }
    if (!bad) {
        bad = json_object_object_add(ev, "membersRemoved", removed) != 0;
        removed = NULL;
    }
    size_t len = 0;
    char *text = bad ? NULL : gm_doc_text(ev, &len);
    seal_status_t st = text ? seal_event_publish(self, topic, text, len) : SEAL_E_NOMEM;
    if (st != SEAL_OK)
        seal_log(self, SEAL_LOG_WARN, "event %s for %s lost: %s", topic, doc_id,
                 seal_strerror(st));
    free(text);
    json_object_put(added);
    json_object_put(removed);
    json_object_put(ev);
}

static seal_status_t facts_status(int rc, seal_plugin_t *self, const char *why)
{
    if (rc == -2)
        return SEAL_E_NOMEM;
    seal_log(self, SEAL_LOG_DEBUG, "document refused: %s", why);
    return SEAL_E_INVAL;
}

static seal_status_t give_doc(const char *text, size_t len, char **doc, size_t *doc_len)
{
    if (doc) {
        *doc = malloc(len + 1);
        if (!*doc)
            return SEAL_E_NOMEM;
        memcpy(*doc, text, len + 1);
    }
    if (doc_len)
        *doc_len = len;
    return SEAL_OK;
}

/* ---- create ---- */

/* Create_Group for owner (NULL: a document without owner). */
static seal_status_t create_doc(seal_plugin_t *self, const char *owner, const char *json,
                                size_t len, char **group_doc_id, char **doc, size_t *doc_len,
                                uint64_t *rev)
{
    if (group_doc_id) *group_doc_id = NULL;
    if (doc) *doc = NULL;
    if (owner && !gm_owner_ok(owner, SEAL_GM_OWNER_MAX))
        return SEAL_E_INVAL;
    struct json_object *obj = gm_doc_parse(json, len);
    if (!obj)
        return SEAL_E_INVAL;
    gm_facts_t f;
    const char *why;
    int rc = gm_facts_get(obj, &f, &why);
    if (rc != 0) {
        json_object_put(obj);
        return facts_status(rc, self, why);
    }
    seal_status_t st = members_ok(self, &f);
    if (st != SEAL_OK) {
        gm_facts_clear(&f);
        json_object_put(obj);
        return st;
    }
    size_t tlen = 0, nterms = 0, clen = 0, olen = 0;
    char *text = gm_doc_text(obj, &tlen);
    seal_store_term_t *terms = make_terms(&f, owner, &nterms);
    char *key = claim_key(owner, f.val_group_id);
    char *orec = owner ? owner_json(owner, &olen) : NULL;
    char id[23], *claim = NULL;
    uint64_t new_rev = 0;
    int kick = 0;
    st = text && terms && key && (orec || !owner) ? SEAL_OK : SEAL_E_NOMEM;

    /* Retries only a groupDocId collision, a busy store, or a count that
     * changed under us (a backend without serialized writers). */
    for (int attempt = 0, again = 1; st == SEAL_OK && again; attempt++) {
        seal_store_txn_t *txn = NULL;
        again = 0;
        free(claim);
        claim = NULL;
        if ((st = new_doc_id(id)) != SEAL_OK)
            break;
        if (!(claim = claim_json(id, &clen))) {
            st = SEAL_E_NOMEM;
            break;
        }
        if ((st = seal_store_txn_begin(self, &txn)) != SEAL_OK)
            break;
        /* The owner's count, in the create's transaction: at
         * max_groups_per_owner this is SEAL_E_TOOBIG; a count written
         * meanwhile fails the compare and set and the create is tried again. */
        if (owner) {
            st = count_add(self, txn, owner, +1, 1);
            if (st == SEAL_E_CONFLICT || st == SEAL_E_EXISTS) {
                st = SEAL_E_AGAIN;   /* what is left when the retries run out */
                again = 1;
            }
        }
        /* SEAL_E_EXISTS here: the owner's VAL group already has a document. */
        if (st == SEAL_OK)
            st = seal_store_put(self, txn, NS_CLAIMS, key, claim, clen, SEAL_REV_ABSENT, NULL,
                                0, NULL);
        if (st == SEAL_OK) {
            st = seal_store_put(self, txn, NS_GROUPS, id, text, tlen, SEAL_REV_ABSENT,
                                terms, nterms, &new_rev);
            /* The owner record goes with the document: whoever reads one
             * reads the other as committed together. */
            if (st == SEAL_OK && owner)
                st = seal_store_put(self, txn, NS_OWNERS, id, orec, olen, SEAL_REV_ABSENT,
                                    NULL, 0, NULL);
            if (st == SEAL_E_EXISTS)   /* groupDocId collision: draw again */
                again = 1;
        }
        if (st == SEAL_OK)   /* the group's first GMK, in the same transaction */
            st = gm_gmk_on_change(seal_plugin_data(self), txn, id, NULL, &f, &kick);
        if (st != SEAL_OK) {
            seal_store_txn_abort(txn);
        } else {
            st = seal_store_txn_commit(txn);
            again = st == SEAL_E_CONFLICT || st == SEAL_E_AGAIN;
        }
        if (again && attempt + 1 < MAX_RETRIES)
            st = SEAL_OK;
        else
            again = 0;
    }
    if (st == SEAL_OK) {
        if (kick)
            gm_gmk_kick(seal_plugin_data(self));
        publish(self, SEAL_GM_EVENT_CREATED, id, owner, &f, NULL, new_rev, obj);
        if (group_doc_id && !(*group_doc_id = strdup(id)))
            st = SEAL_E_NOMEM;
        if (st == SEAL_OK)
            st = give_doc(text, tlen, doc, doc_len);
        if (rev)
            *rev = new_rev;
        if (st != SEAL_OK && group_doc_id) {
            free(*group_doc_id);
            *group_doc_id = NULL;
        }
    }
    free(claim);
    free(key);
    free(orec);
    free(terms);
    free(text);
    gm_facts_clear(&f);
    json_object_put(obj);
    return st;
}

static seal_status_t gm_create(void *user, const char *json, size_t len,
                               char **group_doc_id, char **doc, size_t *doc_len, uint64_t *rev)
{
    return create_doc(user, NULL, json, len, group_doc_id, doc, doc_len, rev);
}

static seal_status_t gm_create_owned(void *user, const char *owner, const char *json,
                                     size_t len, char **group_doc_id, char **doc,
                                     size_t *doc_len, uint64_t *rev)
{
    if (group_doc_id) *group_doc_id = NULL;
    if (doc) *doc = NULL;
    if (!owner)
        return SEAL_E_INVAL;
    return create_doc(user, owner, json, len, group_doc_id, doc, doc_len, rev);
}

/* ---- get ---- */

static seal_status_t gm_get(void *user, const char *group_doc_id,
                            char **doc, size_t *doc_len, uint64_t *rev)
{
    seal_plugin_t *self = user;
    char *json = NULL;
    size_t len = 0;
    uint64_t r = 0;
    if (doc) *doc = NULL;
    if (!group_doc_id)
        return SEAL_E_INVAL;
    seal_status_t st = seal_store_get(self, NULL, NS_GROUPS, group_doc_id, &json, &len, &r);
    if (st != SEAL_OK)
        return st;
    if (doc)
        *doc = json;
    else
        seal_free(json);
    if (doc_len) *doc_len = len;
    if (rev) *rev = r;
    return SEAL_OK;
}

static seal_status_t gm_owner(void *user, const char *group_doc_id, char **owner)
{
    seal_plugin_t *self = user;
    if (!owner)
        return SEAL_E_INVAL;
    *owner = NULL;
    if (!group_doc_id)
        return SEAL_E_INVAL;
    seal_status_t st = owner_read(self, NULL, group_doc_id, owner);
    if (st != SEAL_E_NOTFOUND)
        return st;
    /* No record: a document without owner, or none. The record and the
     * document are committed together, so once the document is seen the
     * record is too if it has one; read it again in case both were created
     * between the two reads. */
    st = seal_store_get(self, NULL, NS_GROUPS, group_doc_id, NULL, NULL, NULL);
    if (st != SEAL_OK)
        return st;
    st = owner_read(self, NULL, group_doc_id, owner);
    return st == SEAL_E_NOTFOUND ? SEAL_OK : st;
}

/* ---- update (replace, patch) ---- */

/* Builds the new document from the current one. */
typedef struct update_src {
    struct json_object *replacement;   /* PUT: the new document */
    struct json_object *patch;         /* PATCH: the merge patch */
    seal_gm_check_fn check;
    void *check_ctx;
} update_src_t;

/* Writes new_text over the document read at cur_rev, moving the valGroupId
 * claim (within owner's space) when it changed, in one transaction. */
static seal_status_t commit_update(seal_plugin_t *self, const char *id, const char *owner,
                                   const gm_facts_t *old, const gm_facts_t *now,
                                   const char *text, size_t tlen, uint64_t cur_rev,
                                   uint64_t *new_rev)
{
    int kick = 0;
    size_t nterms = 0, clen = 0;
    seal_store_term_t *terms = make_terms(now, owner, &nterms);
    char *claim = claim_json(id, &clen);
    char *new_key = claim_key(owner, now->val_group_id);
    char *old_key = old ? claim_key(owner, old->val_group_id) : NULL;
    seal_store_txn_t *txn = NULL;
    seal_status_t st = terms && claim && new_key && (old_key || !old)
                       ? seal_store_txn_begin(self, &txn) : SEAL_E_NOMEM;
    if (st == SEAL_OK && old && strcmp(old->val_group_id, now->val_group_id) != 0) {
        st = seal_store_put(self, txn, NS_CLAIMS, new_key, claim, clen, SEAL_REV_ABSENT,
                            NULL, 0, NULL);
        if (st == SEAL_OK) {
            st = seal_store_delete(self, txn, NS_CLAIMS, old_key, SEAL_REV_ANY);
            if (st == SEAL_E_NOTFOUND)
                st = SEAL_OK;
        }
    }
    if (st == SEAL_OK)
        st = seal_store_put(self, txn, NS_GROUPS, id, text, tlen, cur_rev, terms, nterms,
                            new_rev);
    if (st == SEAL_E_NOTFOUND)   /* deleted since we read it: it changed */
        st = SEAL_E_CONFLICT;
    if (st == SEAL_OK)   /* a change of the VAL users rekeys, in this transaction */
        st = gm_gmk_on_change(seal_plugin_data(self), txn, id, old, now, &kick);
    if (txn) {
        if (st == SEAL_OK)
            st = seal_store_txn_commit(txn);
        else
            seal_store_txn_abort(txn);
    }
    if (st == SEAL_OK && kick)
        gm_gmk_kick(seal_plugin_data(self));
    free(terms);
    free(claim);
    free(new_key);
    free(old_key);
    return st;
}

/* One read-compute-write attempt. */
static seal_status_t update_once(seal_plugin_t *self, const char *id, const update_src_t *src,
                                 uint64_t expect_rev, char **doc, size_t *doc_len,
                                 uint64_t *rev)
{
    char *cur = NULL, *text = NULL, *owner = NULL;
    size_t cur_len = 0, tlen = 0;
    uint64_t cur_rev = 0, new_rev = 0;
    struct json_object *old_obj = NULL, *new_obj = NULL;
    gm_facts_t oldf = {0}, newf = {0};
    int have_old = 0, rc;
    const char *why = NULL;

    seal_status_t st = seal_store_get(self, NULL, NS_GROUPS, id, &cur, &cur_len, &cur_rev);
    if (st != SEAL_OK)
        return st;
    if (expect_rev != SEAL_REV_ANY && expect_rev != cur_rev) {
        st = SEAL_E_CONFLICT;
        goto out;
    }
    /* Read after the document: an owner never changes, and if the document
     * went away meanwhile the write below fails its compare-and-set. */
    st = owner_read(self, NULL, id, &owner);
    if (st == SEAL_E_NOTFOUND)
        st = SEAL_OK;
    if (st != SEAL_OK)
        goto out;
    old_obj = gm_doc_parse(cur, cur_len);
    /* A stored document the service cannot read is logged and replaced as
     * if its facts were empty: it must never block its own repair. */
    have_old = old_obj && gm_facts_get(old_obj, &oldf, &why) == 0;
    if (!have_old)
        seal_log(self, SEAL_LOG_ERR, "stored group document %s is unreadable", id);

    if (src->replacement) {
        if (json_object_deep_copy(src->replacement, &new_obj, NULL) != 0)
            new_obj = NULL;
    } else {
        int ok;
        new_obj = gm_merge_patch(old_obj, src->patch, &ok);
        if (!ok) {
            json_object_put(new_obj);
            new_obj = NULL;
        }
    }
    if (!new_obj) {
        st = SEAL_E_NOMEM;
        goto out;
    }
    if ((rc = gm_facts_get(new_obj, &newf, &why)) != 0) {
        st = facts_status(rc, self, why);
        goto out;
    }
    if ((st = members_ok(self, &newf)) != SEAL_OK)
        goto out;
    if (!(text = gm_doc_text(new_obj, &tlen))) {
        st = SEAL_E_NOMEM;
        goto out;
    }
    if (src->check && src->check(text, tlen, src->check_ctx) != SEAL_OK) {
        st = SEAL_E_INVAL;
        goto out;
    }
    st = commit_update(self, id, owner, have_old ? &oldf : NULL, &newf, text, tlen, cur_rev,
                       &new_rev);
    if (st == SEAL_OK) {
        publish(self, SEAL_GM_EVENT_UPDATED, id, owner, &newf, have_old ? &oldf : NULL,
                new_rev, new_obj);
        st = give_doc(text, tlen, doc, doc_len);
        if (rev)
            *rev = new_rev;
    }
out:
    free(text);
    free(owner);
    gm_facts_clear(&oldf);
    gm_facts_clear(&newf);
    json_object_put(old_obj);
    json_object_put(new_obj);
    seal_free(cur);
    return st;
}

static seal_status_t gm_update(seal_plugin_t *self, const char *id, const update_src_t *src,
                               uint64_t expect_rev, char **doc, size_t *doc_len, uint64_t *rev)
{
    if (doc) *doc = NULL;
    if (!id)
        return SEAL_E_INVAL;
    seal_status_t st = SEAL_E_CONFLICT;
    /* A lost race is retried only when the caller named no revision. */
    for (int attempt = 0; attempt < MAX_RETRIES; attempt++) {
        if (attempt > 0)
            lost_race_pause(attempt);
        st = update_once(self, id, src, expect_rev, doc, doc_len, rev);
        if (st != SEAL_E_CONFLICT || expect_rev != SEAL_REV_ANY)
            break;
    }
    return st;
}

static seal_status_t gm_replace(void *user, const char *group_doc_id,
                                const char *json, size_t len, uint64_t expect_rev,
                                char **doc, size_t *doc_len, uint64_t *rev)
{
    update_src_t src = {0};
    if (doc) *doc = NULL;
    if (!(src.replacement = gm_doc_parse(json, len)))
        return SEAL_E_INVAL;
    seal_status_t st = gm_update(user, group_doc_id, &src, expect_rev, doc, doc_len, rev);
    json_object_put(src.replacement);
    return st;
}

static seal_status_t gm_patch(void *user, const char *group_doc_id,
                              const char *patch, size_t len, uint64_t expect_rev,
                              seal_gm_check_fn check, void *check_ctx,
                              char **doc, size_t *doc_len, uint64_t *rev)
{
    update_src_t src = { .check = check, .check_ctx = check_ctx };
    if (doc) *doc = NULL;
    if (!(src.patch = gm_doc_parse(patch, len)))
        return SEAL_E_INVAL;
    seal_status_t st = gm_update(user, group_doc_id, &src, expect_rev, doc, doc_len, rev);
    json_object_put(src.patch);
    return st;
}

/* ---- delete ---- */

static seal_status_t gm_remove(void *user, const char *id, uint64_t expect_rev)
{
    seal_plugin_t *self = user;
    if (!id)
        return SEAL_E_INVAL;
    seal_status_t st = SEAL_E_CONFLICT;
    for (int attempt = 0; attempt < MAX_RETRIES && st == SEAL_E_CONFLICT; attempt++) {
        char *cur = NULL;
        size_t cur_len = 0;
        uint64_t cur_rev = 0;
        st = seal_store_get(self, NULL, NS_GROUPS, id, &cur, &cur_len, &cur_rev);
        if (st != SEAL_OK)
            return st;
        if (expect_rev != SEAL_REV_ANY && expect_rev != cur_rev) {
            seal_free(cur);
            return SEAL_E_CONFLICT;
        }
        struct json_object *obj = gm_doc_parse(cur, cur_len);
        gm_facts_t f = {0};
        const char *why;
        int have = obj && gm_facts_get(obj, &f, &why) == 0;
        seal_store_txn_t *txn = NULL;
        char *owner = NULL;
        st = seal_store_txn_begin(self, &txn);
        if (st == SEAL_OK)
            st = seal_store_delete(self, txn, NS_GROUPS, id, cur_rev);
        if (st == SEAL_E_NOTFOUND)
            st = SEAL_E_CONFLICT;   /* gone since we read it: look again */
        if (st == SEAL_OK) {   /* the owner record goes with the document */
            st = owner_read(self, txn, id, &owner);
            if (st == SEAL_OK)
                st = seal_store_delete(self, txn, NS_OWNERS, id, SEAL_REV_ANY);
            if (st == SEAL_OK)   /* and it frees its place in the owner's count */
                st = count_add(self, txn, owner, -1, 0);
            if (st == SEAL_E_NOTFOUND)
                st = SEAL_OK;
        }
        if (st == SEAL_OK && have) {
            /* Only drop the claim if it is ours. */
            char *claim = NULL, *key = claim_key(owner, f.val_group_id);
            size_t clen;
            uint64_t crev;
            seal_status_t cs = key ? seal_store_get(self, txn, NS_CLAIMS, key, &claim, &clen,
                                                    &crev)
                                   : SEAL_E_NOMEM;
            if (cs == SEAL_OK && claim_is(claim, clen, id))
                st = seal_store_delete(self, txn, NS_CLAIMS, key, crev);
            else if (cs != SEAL_OK && cs != SEAL_E_NOTFOUND)
                st = cs;
            seal_free(claim);
            free(key);
        }
        int kick = 0;   /* a deleted group's GMK and pending messages go with it */
        if (st == SEAL_OK)
            st = gm_gmk_on_change(seal_plugin_data(self), txn, id, have ? &f : NULL, NULL,
                                  &kick);
        if (txn) {
            if (st == SEAL_OK)
                st = seal_store_txn_commit(txn);
            else
                seal_store_txn_abort(txn);
        }
        if (st == SEAL_OK && have)
            publish(self, SEAL_GM_EVENT_DELETED, id, owner, NULL, &f, cur_rev, NULL);
        free(owner);
        gm_facts_clear(&f);
        json_object_put(obj);
        seal_free(cur);
        if (st == SEAL_E_CONFLICT && expect_rev != SEAL_REV_ANY)
            break;
    }
    return st;
}

/* ---- query ---- */

typedef struct query_ctx {
    const seal_gm_query_t *q;   /* the filters the visitor checks; NULL: none */
    seal_gm_visit_fn fn;
    void *ctx;
    int stopped;
} query_ctx_t;

static int query_visit(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    query_ctx_t *qc = p;
    const seal_gm_query_t *q = qc->q;
    if (q) {
        struct json_object *obj = gm_doc_parse(json, len);
        gm_facts_t f;
        const char *why;
        int keep = obj && gm_facts_get(obj, &f, &why) == 0;
        if (keep) {
            if (q->val_group_id && strcmp(q->val_group_id, f.val_group_id) != 0)
                keep = 0;
            if (q->val_service_id && !gm_facts_has_service(&f, q->val_service_id))
                keep = 0;
            if (q->member && !gm_facts_has_member(&f, q->member))
                keep = 0;
            gm_facts_clear(&f);
        }
        json_object_put(obj);
        if (!keep)
            return 0;
    }
    if (qc->fn(key, json, len, rev, qc->ctx) != 0) {
        qc->stopped = 1;
        return 1;
    }
    return 0;
}

/* An owner's document of one valGroupId: found through its claim (at most
 * one), then checked by the visitor like any other. */
static seal_status_t query_claim(seal_plugin_t *self, const char *owner, query_ctx_t *qc)
{
    char *key = claim_key(owner, qc->q->val_group_id), *claim = NULL, *json = NULL;
    size_t clen = 0, len = 0;
    uint64_t rev = 0;
    if (!key)
        return SEAL_E_NOMEM;
    seal_status_t st = seal_store_get(self, NULL, NS_CLAIMS, key, &claim, &clen, NULL);
    free(key);
    struct json_object *o = st == SEAL_OK ? gm_doc_parse(claim, clen) : NULL, *v;
    if (o && json_object_object_get_ex(o, "groupDocId", &v)
        && json_object_is_type(v, json_type_string)) {
        const char *id = json_object_get_string(v);
        /* The claim and the document are written together: a claim read
         * before the document was deleted or renamed finds it gone, or the
         * visitor finds another valGroupId. */
        st = seal_store_get(self, NULL, NS_GROUPS, id, &json, &len, &rev);
        if (st == SEAL_OK)
            query_visit(id, json, len, rev, qc);
    } else if (st == SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "a valGroupId claim is unreadable");
        st = SEAL_E_IO;
    }
    json_object_put(o);
    seal_free(claim);
    seal_free(json);
    return st == SEAL_E_NOTFOUND ? SEAL_OK : st;
}

static seal_status_t gm_query(void *user, const seal_gm_query_t *q,
                              seal_gm_visit_fn fn, void *ctx)
{
    seal_plugin_t *self = user;
    /* A caller's struct may be older (shorter) than ours: read what its
     * size covers, the rest stays "any". */
    seal_gm_query_t f = { .struct_size = sizeof f };
    if (!fn)
        return SEAL_E_INVAL;
    if (q) {
        if (q->struct_size < offsetof(seal_gm_query_t, owner))
            return SEAL_E_INVAL;
        memcpy(&f, q, q->struct_size < sizeof f ? q->struct_size : sizeof f);
        f.struct_size = sizeof f;
    }
    if (f.owner && !gm_owner_ok(f.owner, SEAL_GM_OWNER_MAX))
        return SEAL_E_INVAL;
    query_ctx_t qc = { .fn = fn, .ctx = ctx };
    if (f.val_group_id || f.val_service_id || f.member)
        qc.q = &f;
    /* One term narrows the visit; the visitor checks the others. An owner's
     * valGroupId is its claim; an owner's documents carry its term. */
    if (f.owner && f.val_group_id)
        return query_claim(self, f.owner, &qc);
    if (f.owner)
        return seal_store_lookup(self, NULL, NS_GROUPS, "owner", f.owner, query_visit, &qc);
    if (f.val_group_id)
        return seal_store_lookup(self, NULL, NS_GROUPS, "valGroupId", f.val_group_id,
                                 query_visit, &qc);
    if (f.member)
        return seal_store_lookup(self, NULL, NS_GROUPS, "member", f.member, query_visit, &qc);
    if (f.val_service_id)
        return seal_store_lookup(self, NULL, NS_GROUPS, "valServiceId", f.val_service_id,
                                 query_visit, &qc);
    return seal_store_scan(self, NULL, NS_GROUPS, "", query_visit, &qc);
}

/* ---- limits ---- */

/* A caller's struct may be older (shorter) than ours: fills what its size
 * covers. */
#define COVERS(p, field) ((p)->struct_size >= offsetof(seal_gm_limits_t, field) \
                                              + sizeof(p)->field)

static void gm_limits(void *user, seal_gm_limits_t *out)
{
    const gmk_ctx_t *g = seal_plugin_data(user);
    if (!out)
        return;
    if (COVERS(out, max_members))
        out->max_members = (uint64_t)g->max_members;
    if (COVERS(out, max_groups_per_owner))
        out->max_groups_per_owner = (uint64_t)g->max_groups_per_owner;
}

/* ---- plugin ---- */

static const seal_gm_v1_t gm_iface = {
    .struct_size = sizeof(seal_gm_v1_t),
    .create = gm_create,
    .get = gm_get,
    .replace = gm_replace,
    .patch = gm_patch,
    .remove = gm_remove,
    .query = gm_query,
    .gmk_messages = gm_gmk_messages,
    .gmk_ack = gm_gmk_ack,
    .gmk_state = gm_gmk_state,
    .create_owned = gm_create_owned,
    .owner = gm_owner,
    .limits = gm_limits,
};

static seal_status_t gm_init(seal_plugin_t *self)
{
    static const seal_service_def_t svc = {
        .struct_size = sizeof(seal_service_def_t),
        .name = "gm",
        .title = "SEAL group management server",
        .scope = "seal.gm",
    };
    gmk_ctx_t *gmk = NULL;
    seal_status_t st = gm_gmk_init(self, &gmk);
    seal_plugin_set_data(self, gmk);
    if (st != SEAL_OK)
        return st;
    /* Sizes a single caller could otherwise make unbounded (issue 9): a
     * document's members cost their keying on every rekey, an owner's
     * documents the store and the list. */
    const seal_conf_t *conf = seal_plugin_conf(self);
    if ((st = seal_conf_int(conf, "max_members", 5000, 1, 1000000, &gmk->max_members)) ||
        (st = seal_conf_int(conf, "max_groups_per_owner", 1000, 0, INT64_C(1000000000),
                            &gmk->max_groups_per_owner)))
        return st;
    st = seal_service_register(self, &svc);
    if (st != SEAL_OK) {
        seal_log(self, SEAL_LOG_ERR, "cannot register service gm: %s", seal_strerror(st));
        return st;
    }
    /* The interface's user data is the plugin handle: the operations need
     * nothing else, so there is nothing to free. */
    st = seal_iface_provide(self, SEAL_GM_IFACE_V1, &gm_iface, self, NULL);
    if (st != SEAL_OK)
        seal_log(self, SEAL_LOG_ERR, "cannot provide %s: %s", SEAL_GM_IFACE_V1,
                 seal_strerror(st));
    return st;
}

static seal_status_t gm_start(seal_plugin_t *self)
{
    seal_status_t st = counts_init(self);
    return st == SEAL_OK ? gm_gmk_start(seal_plugin_data(self)) : st;
}

static void gm_stop(seal_plugin_t *self)
{
    gm_gmk_stop(seal_plugin_data(self));
}

static void gm_fini(seal_plugin_t *self)
{
    gm_gmk_free(seal_plugin_data(self));
    seal_plugin_set_data(self, NULL);
}

/* Initialised after these when they are loaded: the GMS signs group keys with key material from SEAL-X1. */
static const char *const plugin_after[] = { "seal_x1", NULL };

static const seal_plugin_desc_t gm_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "gm",
    .version = "0.1.0",
    .description = "SEAL group management server (TS 23.434 clause 10)",
    .init = gm_init,
    .start = gm_start,
    .stop = gm_stop,
    .fini = gm_fini,
    .after = plugin_after,
};

SEAL_PLUGIN_EXPORT(gm_desc)
