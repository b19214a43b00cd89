/* SPDX-License-Identifier: Apache-2.0 */
/* The gm service (TS 23.434 clause 10) through an in-process host with
 * store_sqlite: the "seal.gm.v1" contract as a binding sees it, and the
 * gm.group.* events a key management service relies on (membersAdded /
 * membersRemoved), the valGroupId uniqueness under concurrency, and the
 * service's own refusals. Owners: kept beside the document, valGroupId
 * unique per owner, queries by owner, a caller of the older (shorter)
 * seal_gm_query_t, and a database written in the layout from before
 * owners.
 *
 * Then SEAL-S SS_GroupManagement (seal_s with lib/access) over HTTP in the
 * same host, with a stand-in for the host's and authz_jwt's recognition of
 * callers (the request attributes lib/access reads, from a test header):
 * the matrix of doc/authorization.md, group_admin and group_manager
 * included, which the integration tests cannot reach until the host maps
 * principals. */
#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <seal/seal.h>
#include <seal/services/gm.h>
#include "host.h"
#include "unit/http_util.h"

/* ---- a consumer plugin: resolves the interface, records events ---- */

#define MAX_EVENTS 64

typedef struct probe {
    seal_plugin_t *self;
    const seal_gm_v1_t *gm;
    void *gm_user;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t n;
    char *topic[MAX_EVENTS];
    json_object *ev[MAX_EVENTS];
} probe_t;

static probe_t P;

static void on_event(const char *topic, const char *json, size_t len, void *user)
{
    probe_t *p = user;
    pthread_mutex_lock(&p->mu);
    if (p->n < MAX_EVENTS) {
        p->topic[p->n] = strdup(topic);
        p->ev[p->n] = json_tokener_parse(json);
        (void)len;
        p->n++;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* Stands in for the host (certificate principals) and authz_jwt (tokens):
 * X-Test-Caller "auth|principal|client_id|val_user_ids|roles|val_service_id"
 * becomes the principal and the request attributes lib/access reads (empty
 * fields are left unset). No header: no opinion (401). */
static seal_status_t stand_in_authorize(void *args, void *user)
{
    seal_request_t *req = args;
    static const char *const attr[] = { "auth", NULL, "client_id", "val_user_ids", "roles",
                                        "val_service_id" };
    const char *h = seal_request_header(req, "X-Test-Caller");
    char buf[512], *save = NULL;
    (void)user;
    if (!h)
        return SEAL_DECLINED;
    snprintf(buf, sizeof buf, "%s", h);
    char *f = buf;
    for (size_t i = 0; i < sizeof attr / sizeof *attr; i++) {
        char *bar = strchr(f, '|');
        if (bar)
            *bar = '\0';
        if (*f && i == 1)
            seal_request_set_principal(req, f);
        else if (*f)
            seal_request_set_attr(req, attr[i], f);
        f = bar ? bar + 1 : f + strlen(f);
    }
    (void)save;
    seal_request_set_attr(req, "scope", "seal.gm");
    return SEAL_OK;
}

static seal_status_t t_init(seal_plugin_t *self)
{
    P.self = self;
    seal_status_t st = seal_hook_register(self, SEAL_HOOK_HTTP_AUTHORIZE, SEAL_HOOK_FIRST,
                                          stand_in_authorize, NULL, NULL);
    return st == SEAL_OK ? seal_event_subscribe(self, "gm.", on_event, &P, NULL) : st;
}

static seal_status_t t_start(seal_plugin_t *self)
{
    P.gm = seal_iface_get(self, SEAL_GM_IFACE_V1, &P.gm_user);
    return P.gm ? SEAL_OK : SEAL_E_NOTFOUND;
}

static const seal_plugin_desc_t t_desc = {
    SEAL_PLUGIN_DESC_INIT,
    .flags = SEAL_PLUGIN_F_THREAD_SAFE,
    .name = "gmtest",
    .version = "0",
    .description = "gm test consumer",
    .init = t_init,
    .start = t_start,
};

/* Waits (bounded) for the i-th event and returns it. */
static json_object *event_at(size_t i, const char **topic)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&P.mu);
    while (P.n <= i && pthread_cond_timedwait(&P.cv, &P.mu, &until) == 0)
        ;
    json_object *ev = i < P.n ? P.ev[i] : NULL;
    if (topic)
        *topic = i < P.n ? P.topic[i] : NULL;
    pthread_mutex_unlock(&P.mu);
    ck_assert_msg(ev != NULL, "event %zu did not arrive", i);
    return ev;
}

static size_t event_count(void)
{
    pthread_mutex_lock(&P.mu);
    size_t n = P.n;
    pthread_mutex_unlock(&P.mu);
    return n;
}

/* ---- host ---- */

static char tmpdir[64];
static seal_host_t *host;

static const char *builddir(void)
{
    const char *b = getenv("top_builddir");
    return b && *b ? b : ".";
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

/* The gm plugin's block of the next setup ("{}" but for the limits tests). */
static const char *gm_conf = "{}";

/* Starts the host on the database in tmpdir. */
static void host_up(void)
{
    char conf[2048];
    snprintf(conf, sizeof conf,
             "{\"plugin_dir\": [\"%s/plugins/stores/store_sqlite/.libs\","
             " \"%s/plugins/services/gm/.libs\"],"
             " \"plugins\": {\"store_sqlite\": {\"path\": \"%s/t.db\", \"synchronous\": \"normal\"},"
             " \"gm\": %s},"
             " \"http\": {\"listen\": [\"127.0.0.1:0\"]}}",
             builddir(), builddir(), tmpdir, gm_conf);
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &t_desc, "gmtest"), SEAL_OK);
    ck_assert_int_eq(seal_host_load(host), SEAL_OK);
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    ck_assert_int_eq(seal_host_start(host), SEAL_OK);
    ck_assert_ptr_nonnull(P.gm);
}

static void host_down(void)
{
    seal_host_shutdown(host);
    seal_host_free(host);
    host = NULL;
}

static void setup(void)
{
    memset(&P, 0, sizeof P);
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    strcpy(tmpdir, "/tmp/seal-gm-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    host_up();
}

/* Small limits: 3 members per group, 2 groups per owner. */
#define LIMITS_CONF "{\"max_members\": 3, \"max_groups_per_owner\": 2}"

static void limits_setup(void)
{
    gm_conf = LIMITS_CONF;
    setup();
    gm_conf = "{}";
}

static void teardown(void)
{
    if (host)
        host_down();
    for (size_t i = 0; i < P.n; i++) {
        free(P.topic[i]);
        json_object_put(P.ev[i]);
    }
    nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- helpers ---- */

static char *create(const char *json, seal_status_t want)
{
    char *id = NULL, *doc = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    seal_status_t st = P.gm->create(P.gm_user, json, strlen(json), &id, &doc, &len, &rev);
    ck_assert_msg(st == want, "create %s: %s", json, seal_strerror(st));
    if (st == SEAL_OK) {
        ck_assert_uint_eq(rev, 1);
        ck_assert_uint_eq(strlen(id), 22);
        ck_assert_uint_eq(strlen(doc), len);
    }
    seal_free(doc);
    return id;
}

static char *create_as(const char *owner, const char *json, seal_status_t want)
{
    char *id = NULL, *doc = NULL;
    size_t len = 0;
    uint64_t rev = 0;
    seal_status_t st = P.gm->create_owned(P.gm_user, owner, json, strlen(json), &id, &doc, &len,
                                          &rev);
    ck_assert_msg(st == want, "create %s as %s: %s", json, owner ? owner : "(null)",
                  seal_strerror(st));
    if (st == SEAL_OK) {
        ck_assert_uint_eq(rev, 1);
        /* The stored document is the document: the owner is kept beside it. */
        ck_assert_str_eq(doc, json);
        ck_assert_uint_eq(len, strlen(json));
    } else {
        ck_assert_ptr_null(id);
    }
    seal_free(doc);
    return id;
}

/* The owner of id as the service tells it: "-" for none. */
static const char *owner_of(const char *id, char *buf, size_t cap)
{
    char *o = NULL;
    ck_assert_int_eq(P.gm->owner(P.gm_user, id, &o), SEAL_OK);
    snprintf(buf, cap, "%s", o ? o : "-");
    seal_free(o);
    return buf;
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The event's member list as "u:id"/"e:id" joined by spaces, in order. */
static const char *members(json_object *ev, const char *key, char *buf, size_t cap)
{
    json_object *arr, *v;
    buf[0] = '\0';
    ck_assert(json_object_object_get_ex(ev, key, &arr));
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *m = json_object_array_get_idx(arr, i);
        int ue = json_object_object_get_ex(m, "valUeId", &v);
        if (!ue)
            ck_assert(json_object_object_get_ex(m, "valUserId", &v));
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, "%s%s:%s", l ? " " : "", ue ? "e" : "u",
                 json_object_get_string(v));
    }
    return buf;
}

/* ---- tests ---- */

START_TEST(events_follow_membership)
{
    char a[256], r[256];
    const char *topic;
    char *id = create("{\"valGroupId\":\"g1\",\"members\":[{\"valUserId\":\"bob\"},"
                      "{\"valUserId\":\"alice\"},{\"valUeId\":\"ue1\"}]}", SEAL_OK);
    json_object *ev = event_at(0, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_CREATED);
    ck_assert_str_eq(str(ev, "groupDocId"), id);
    ck_assert_str_eq(str(ev, "valGroupId"), "g1");
    ck_assert_str_eq(str(ev, "rev"), "1");
    ck_assert_str_eq(members(ev, "membersAdded", a, sizeof a), "u:alice u:bob e:ue1");
    ck_assert_str_eq(members(ev, "membersRemoved", r, sizeof r), "");
    json_object *doc;
    ck_assert(json_object_object_get_ex(ev, "document", &doc));
    ck_assert_str_eq(str(doc, "valGroupId"), "g1");

    /* Replace: bob stays, alice leaves, carol joins, ue1 becomes a user id. */
    const char *put = "{\"valGroupId\":\"g1\",\"members\":[{\"valUserId\":\"bob\"},"
                      "{\"valUserId\":\"carol\"},{\"valUserId\":\"ue1\"}]}";
    uint64_t rev = 0;
    ck_assert_int_eq(P.gm->replace(P.gm_user, id, put, strlen(put), 1, NULL, NULL, &rev),
                     SEAL_OK);
    ck_assert_uint_eq(rev, 2);
    ev = event_at(1, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_UPDATED);
    ck_assert_str_eq(members(ev, "membersAdded", a, sizeof a), "u:carol u:ue1");
    ck_assert_str_eq(members(ev, "membersRemoved", r, sizeof r), "u:alice e:ue1");
    ck_assert_ptr_null(str(ev, "previousValGroupId"));

    /* Patch: rename the group, drop every member. */
    const char *patch = "{\"valGroupId\":\"g1-renamed\",\"members\":null}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, &rev), SEAL_OK);
    ck_assert_uint_eq(rev, 3);
    ev = event_at(2, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_UPDATED);
    ck_assert_str_eq(str(ev, "valGroupId"), "g1-renamed");
    ck_assert_str_eq(str(ev, "previousValGroupId"), "g1");
    ck_assert_str_eq(members(ev, "membersAdded", a, sizeof a), "");
    ck_assert_str_eq(members(ev, "membersRemoved", r, sizeof r), "u:bob u:carol u:ue1");

    const char *back = "{\"members\":[{\"valUeId\":\"z\"}]}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, back, strlen(back), 3, NULL, NULL, NULL, NULL,
                                 NULL), SEAL_OK);
    ck_assert_int_eq(P.gm->remove(P.gm_user, id, 4), SEAL_OK);
    event_at(3, NULL);
    ev = event_at(4, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_DELETED);
    ck_assert_str_eq(str(ev, "valGroupId"), "g1-renamed");
    ck_assert_str_eq(members(ev, "membersAdded", a, sizeof a), "");
    ck_assert_str_eq(members(ev, "membersRemoved", r, sizeof r), "e:z");
    ck_assert_int_eq(P.gm->get(P.gm_user, id, NULL, NULL, NULL), SEAL_E_NOTFOUND);
    free(id);
}
END_TEST

START_TEST(refusals_store_nothing)
{
    static const char *const bad[] = {
        "not json", "[1]", "{}", "{\"valGroupId\":\"\"}", "{\"valGroupId\":7}",
        "{\"valGroupId\":\"a\\u0001\"}",
        "{\"valGroupId\":\"g\",\"members\":[]}",
        "{\"valGroupId\":\"g\",\"members\":[{}]}",
        "{\"valGroupId\":\"g\",\"members\":[{\"valUserId\":\"a\",\"valUeId\":\"b\"}]}",
        "{\"valGroupId\":\"g\",\"members\":[{\"valUserId\":\"a\"},{\"valUserId\":\"a\"}]}",
        "{\"valGroupId\":\"g\",\"valServiceIds\":[\"s\",\"s\"]}",
        "{\"valGroupId\":\"g\",\"valServiceIds\":[1]}",
        "{\"valGroupId\":\"g\"} x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        free(create(bad[i], SEAL_E_INVAL));
    ck_assert_uint_eq(event_count(), 0);
    /* and none took the valGroupId */
    free(create("{\"valGroupId\":\"g\"}", SEAL_OK));
}
END_TEST

static seal_status_t refuse_all(const char *json, size_t len, void *ctx)
{
    (void)json; (void)len;
    ++*(int *)ctx;
    return SEAL_E_INVAL;
}

START_TEST(conflicts_and_checks)
{
    char *id = create("{\"valGroupId\":\"a\",\"grpDesc\":\"d\"}", SEAL_OK);
    char *id2 = create("{\"valGroupId\":\"b\"}", SEAL_OK);
    free(create("{\"valGroupId\":\"a\"}", SEAL_E_EXISTS));
    const char *put = "{\"valGroupId\":\"a\",\"grpDesc\":\"x\"}";
    ck_assert_int_eq(P.gm->replace(P.gm_user, id, put, strlen(put), 2, NULL, NULL, NULL),
                     SEAL_E_CONFLICT);
    ck_assert_int_eq(P.gm->replace(P.gm_user, "nope", put, strlen(put), SEAL_REV_ANY, NULL,
                                   NULL, NULL), SEAL_E_NOTFOUND);
    ck_assert_int_eq(P.gm->replace(P.gm_user, id2, put, strlen(put), SEAL_REV_ANY, NULL, NULL,
                                   NULL), SEAL_E_EXISTS);
    ck_assert_int_eq(P.gm->remove(P.gm_user, id, 5), SEAL_E_CONFLICT);
    ck_assert_int_eq(P.gm->remove(P.gm_user, "nope", SEAL_REV_ANY), SEAL_E_NOTFOUND);

    /* A patch the check refuses changes nothing. */
    int calls = 0;
    const char *patch = "{\"grpDesc\":\"changed\"}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, patch, strlen(patch), SEAL_REV_ANY, refuse_all,
                                 &calls, NULL, NULL, NULL), SEAL_E_INVAL);
    ck_assert_int_eq(calls, 1);
    const char *unset = "{\"valGroupId\":null}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, unset, strlen(unset), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, NULL), SEAL_E_INVAL);
    char *doc = NULL;
    uint64_t rev = 0;
    ck_assert_int_eq(P.gm->get(P.gm_user, id, &doc, NULL, &rev), SEAL_OK);
    ck_assert_uint_eq(rev, 1);
    ck_assert_str_eq(doc, "{\"valGroupId\":\"a\",\"grpDesc\":\"d\"}");
    seal_free(doc);
    /* only the two creates were announced */
    event_at(1, NULL);
    usleep(100 * 1000);
    ck_assert_uint_eq(event_count(), 2);
    free(id);
    free(id2);
}
END_TEST

typedef struct qres { char ids[8][32]; size_t n; int stop_after; } qres_t;

static int collect(const char *id, const char *json, size_t len, uint64_t rev, void *ctx)
{
    qres_t *q = ctx;
    (void)len; (void)rev;
    json_object *o = json_tokener_parse(json);
    ck_assert_ptr_nonnull(o);
    if (q->n < 8)
        snprintf(q->ids[q->n++], sizeof q->ids[0], "%s", str(o, "valGroupId"));
    json_object_put(o);
    (void)id;
    return q->stop_after && (int)q->n >= q->stop_after;
}

static size_t query(const char *g, const char *s, const char *m, int stop_after, qres_t *q)
{
    seal_gm_query_t qq = { .struct_size = sizeof qq, .val_group_id = g, .val_service_id = s,
                           .member = m };
    memset(q, 0, sizeof *q);
    q->stop_after = stop_after;
    ck_assert_int_eq(P.gm->query(P.gm_user, &qq, collect, q), SEAL_OK);
    return q->n;
}

START_TEST(queries)
{
    free(create("{\"valGroupId\":\"q1\",\"valServiceIds\":[\"s1\"],"
                "\"members\":[{\"valUserId\":\"x\"}]}", SEAL_OK));
    free(create("{\"valGroupId\":\"q2\",\"valServiceIds\":[\"s1\",\"s2\"],"
                "\"members\":[{\"valUeId\":\"x\"},{\"valUserId\":\"y\"}]}", SEAL_OK));
    free(create("{\"valGroupId\":\"q3\"}", SEAL_OK));
    /* a user and a UE with one id string: one index term, one hit */
    free(create("{\"valGroupId\":\"q4\",\"members\":[{\"valUeId\":\"same\"},"
                "{\"valUserId\":\"a\"},{\"valUserId\":\"same\"}]}", SEAL_OK));
    qres_t q;
    ck_assert_uint_eq(query(NULL, NULL, "same", 0, &q), 1);
    ck_assert_uint_eq(query(NULL, NULL, "a", 0, &q), 1);
    ck_assert_uint_eq(query(NULL, NULL, NULL, 0, &q), 4);
    ck_assert_uint_eq(query("q2", NULL, NULL, 0, &q), 1);
    ck_assert_str_eq(q.ids[0], "q2");
    ck_assert_uint_eq(query(NULL, "s1", NULL, 0, &q), 2);
    ck_assert_uint_eq(query(NULL, "s2", "y", 0, &q), 1);
    ck_assert_uint_eq(query(NULL, NULL, "x", 0, &q), 2);   /* user or UE id */
    ck_assert_uint_eq(query("q1", "s2", NULL, 0, &q), 0);
    ck_assert_uint_eq(query(NULL, NULL, NULL, 1, &q), 1);  /* the visitor stops it */
}
END_TEST

static size_t query_owned(const char *owner, const char *g, const char *s, const char *m,
                          qres_t *q)
{
    seal_gm_query_t qq = { .struct_size = sizeof qq, .val_group_id = g, .val_service_id = s,
                           .member = m, .owner = owner };
    memset(q, 0, sizeof *q);
    ck_assert_int_eq(P.gm->query(P.gm_user, &qq, collect, q), SEAL_OK);
    return q->n;
}

/* seal_gm_query_t as a binding built before owners has it. */
typedef struct query_v1 {
    uint32_t struct_size;
    const char *val_group_id, *val_service_id, *member;
} query_v1_t;

START_TEST(queries_by_owner)
{
    free(create_as("server:vs1", "{\"valGroupId\":\"a\",\"valServiceIds\":[\"s1\"],"
                   "\"members\":[{\"valUserId\":\"x\"}]}", SEAL_OK));
    free(create_as("server:vs1", "{\"valGroupId\":\"b\",\"members\":[{\"valUserId\":\"y\"}]}",
                   SEAL_OK));
    free(create_as("server:vs2", "{\"valGroupId\":\"a\",\"valServiceIds\":[\"s1\"],"
                   "\"members\":[{\"valUserId\":\"x\"}]}", SEAL_OK));
    free(create("{\"valGroupId\":\"a\",\"members\":[{\"valUserId\":\"x\"}]}", SEAL_OK));
    qres_t q;
    ck_assert_uint_eq(query_owned("server:vs1", NULL, NULL, NULL, &q), 2);
    ck_assert(strcmp(q.ids[0], q.ids[1]) != 0);   /* its a and b, in groupDocId order */
    ck_assert_uint_eq(query_owned("server:vs2", NULL, NULL, NULL, &q), 1);
    ck_assert_uint_eq(query_owned("server:vs", NULL, NULL, NULL, &q), 0);
    ck_assert_uint_eq(query_owned("server:nobody", NULL, NULL, NULL, &q), 0);
    /* with the other filters (the valGroupId one through the owner's claim) */
    ck_assert_uint_eq(query_owned("server:vs1", "a", NULL, NULL, &q), 1);
    ck_assert_uint_eq(query_owned("server:vs1", "b", NULL, NULL, &q), 1);
    ck_assert_str_eq(q.ids[0], "b");
    ck_assert_uint_eq(query_owned("server:vs1", "c", NULL, NULL, &q), 0);
    ck_assert_uint_eq(query_owned("server:vs1", "a", "s1", "x", &q), 1);
    ck_assert_uint_eq(query_owned("server:vs1", "b", "s1", NULL, &q), 0);
    ck_assert_uint_eq(query_owned("server:vs1", "a", NULL, "y", &q), 0);
    ck_assert_uint_eq(query_owned("server:vs1", NULL, NULL, "x", &q), 1);
    ck_assert_uint_eq(query_owned("server:vs1", NULL, "s1", NULL, &q), 1);
    ck_assert_uint_eq(query_owned("server:vs2", NULL, NULL, "y", &q), 0);
    memset(&q, 0, sizeof q);
    q.stop_after = 1;
    seal_gm_query_t stop = { .struct_size = sizeof stop, .owner = "server:vs1" };
    ck_assert_int_eq(P.gm->query(P.gm_user, &stop, collect, &q), SEAL_OK);
    ck_assert_uint_eq(q.n, 1);          /* the visitor stops it */
    /* no owner filter: everybody's, those without owner included */
    ck_assert_uint_eq(query_owned(NULL, NULL, NULL, NULL, &q), 4);
    ck_assert_uint_eq(query_owned(NULL, "a", NULL, "x", &q), 3);

    /* A caller of the older, shorter struct (exactly its size, on the heap,
     * so that reading past it would be caught by ASan) gets what it always
     * did: every owner's documents. */
    query_v1_t *old = malloc(sizeof *old);
    ck_assert_ptr_nonnull(old);
    *old = (query_v1_t){ sizeof *old, "a", NULL, NULL };
    memset(&q, 0, sizeof q);
    ck_assert_int_eq(P.gm->query(P.gm_user, (const seal_gm_query_t *)(void *)old, collect, &q),
                     SEAL_OK);
    ck_assert_uint_eq(q.n, 3);
    old->struct_size = sizeof(uint32_t);   /* shorter than any version */
    ck_assert_int_eq(P.gm->query(P.gm_user, (const seal_gm_query_t *)(void *)old, collect, &q),
                     SEAL_E_INVAL);
    free(old);
    /* An owner the service could not have stored is refused, not widened. */
    seal_gm_query_t bad = { .struct_size = sizeof bad, .owner = "" };
    ck_assert_int_eq(P.gm->query(P.gm_user, &bad, collect, &q), SEAL_E_INVAL);
    bad.owner = "a\x1f" "b";
    ck_assert_int_eq(P.gm->query(P.gm_user, &bad, collect, &q), SEAL_E_INVAL);
}
END_TEST

/* ---- a database from before owners ---- */

/* Writes a VAL group document exactly as gm did before owners (one
 * transaction: the document with its terms, the claim keyed by the bare
 * valGroupId, no owner record). */
static void write_pre_owner(const char *id, const char *vgid, const char *member)
{
    char doc[256], claim[96];
    snprintf(doc, sizeof doc, "{\"valGroupId\":\"%s\",\"members\":[{\"valUserId\":\"%s\"}]}",
             vgid, member);
    snprintf(claim, sizeof claim, "{\"groupDocId\":\"%s\"}", id);
    seal_store_term_t t[] = { { "valGroupId", vgid }, { "member", member } };
    seal_store_txn_t *txn = NULL;
    ck_assert_int_eq(seal_store_txn_begin(P.self, &txn), SEAL_OK);
    ck_assert_int_eq(seal_store_put(P.self, txn, "gm.valgroupids", vgid, claim, strlen(claim),
                                    SEAL_REV_ABSENT, NULL, 0, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_put(P.self, txn, "gm.groups", id, doc, strlen(doc),
                                    SEAL_REV_ABSENT, t, 2, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_txn_commit(txn), SEAL_OK);
}

START_TEST(pre_owner_documents_keep_working)
{
    char b[320];
    const char *old1 = "oldOLDoldOLDoldOLD0001", *old2 = "oldOLDoldOLDoldOLD0002";
    write_pre_owner(old1, "legacy", "alice");
    write_pre_owner(old2, "legacy-2", "bob");

    /* Readable, without owner, listed only when no owner is asked for. */
    char *doc = NULL;
    ck_assert_int_eq(P.gm->get(P.gm_user, old1, &doc, NULL, NULL), SEAL_OK);
    ck_assert_str_eq(doc, "{\"valGroupId\":\"legacy\",\"members\":[{\"valUserId\":\"alice\"}]}");
    seal_free(doc);
    ck_assert_str_eq(owner_of(old1, b, sizeof b), "-");
    qres_t q;
    ck_assert_uint_eq(query_owned(NULL, "legacy", NULL, NULL, &q), 1);
    ck_assert_uint_eq(query_owned(NULL, NULL, NULL, "alice", &q), 1);
    ck_assert_uint_eq(query_owned("server:vs1", NULL, NULL, NULL, &q), 0);
    ck_assert_uint_eq(query_owned("server:vs1", "legacy", NULL, NULL, &q), 0);

    /* Their claims still hold in the space without owner... */
    free(create("{\"valGroupId\":\"legacy\"}", SEAL_E_EXISTS));
    const char *onto = "{\"valGroupId\":\"legacy\"}";
    ck_assert_int_eq(P.gm->replace(P.gm_user, old2, onto, strlen(onto), SEAL_REV_ANY, NULL,
                                   NULL, NULL), SEAL_E_EXISTS);
    /* ...and take nothing from an owner. */
    char *mine = create_as("server:vs1", "{\"valGroupId\":\"legacy\"}", SEAL_OK);
    ck_assert_uint_eq(query_owned("server:vs1", "legacy", NULL, NULL, &q), 1);
    ck_assert_uint_eq(query_owned(NULL, "legacy", NULL, NULL, &q), 2);

    /* A rename moves the old claim; the event says there is no owner. */
    const char *ren = "{\"valGroupId\":\"legacy-3\"}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, old1, ren, strlen(ren), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, NULL), SEAL_OK);
    json_object *ev = NULL, *v = NULL;
    const char *topic;
    for (size_t i = 0; !ev; i++) {
        json_object *e = event_at(i, &topic);
        if (strcmp(topic, SEAL_GM_EVENT_UPDATED) == 0)
            ev = e;
    }
    ck_assert_str_eq(str(ev, "previousValGroupId"), "legacy");
    ck_assert(json_object_object_get_ex(ev, "owner", &v) && v == NULL);
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.valgroupids", "legacy", NULL, NULL,
                                    NULL), SEAL_E_NOTFOUND);
    char *again = create("{\"valGroupId\":\"legacy\"}", SEAL_OK);
    free(create("{\"valGroupId\":\"legacy-3\"}", SEAL_E_EXISTS));
    /* A delete drops the old claim (and only its own). */
    ck_assert_int_eq(P.gm->remove(P.gm_user, old2, SEAL_REV_ANY), SEAL_OK);
    free(create("{\"valGroupId\":\"legacy-2\"}", SEAL_OK));
    ck_assert_int_eq(P.gm->remove(P.gm_user, old1, SEAL_REV_ANY), SEAL_OK);
    free(create("{\"valGroupId\":\"legacy-3\"}", SEAL_OK));
    ck_assert_uint_eq(query_owned("server:vs1", NULL, NULL, NULL, &q), 1);
    free(mine);
    free(again);
}
END_TEST

/* ---- concurrency ---- */

#define THREADS 8

static void *racer_create(void *arg)
{
    (void)arg;
    char *id = NULL;
    const char *doc = "{\"valGroupId\":\"contested\"}";
    seal_status_t st = P.gm->create(P.gm_user, doc, strlen(doc), &id, NULL, NULL, NULL);
    seal_free(id);
    return (void *)(intptr_t)st;
}

START_TEST(one_document_per_group_under_races)
{
    pthread_t t[THREADS];
    int ok = 0, exists = 0;
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, racer_create, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        seal_status_t st = (seal_status_t)(intptr_t)rv;
        ok += st == SEAL_OK;
        exists += st == SEAL_E_EXISTS;
    }
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(exists, THREADS - 1);
    qres_t q;
    ck_assert_uint_eq(query("contested", NULL, NULL, 0, &q), 1);
}
END_TEST

static const char *shared_id;

static void *racer_update(void *arg)
{
    int n = (int)(intptr_t)arg;
    for (int i = 0; i < 10; i++) {
        char patch[96];
        snprintf(patch, sizeof patch, "{\"grpDesc\":\"t%d-%d\"}", n, i);
        seal_status_t st = P.gm->patch(P.gm_user, shared_id, patch, strlen(patch), SEAL_REV_ANY,
                                       NULL, NULL, NULL, NULL, NULL);
        if (st != SEAL_OK)
            return (void *)(intptr_t)st;
    }
    return NULL;
}

START_TEST(unconditional_updates_all_land)
{
    char *id = create("{\"valGroupId\":\"busy\"}", SEAL_OK);
    shared_id = id;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, racer_update, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        ck_assert_msg(rv == NULL, "an update failed: %s", seal_strerror((int)(intptr_t)rv));
    }
    uint64_t rev = 0;
    ck_assert_int_eq(P.gm->get(P.gm_user, id, NULL, NULL, &rev), SEAL_OK);
    ck_assert_uint_eq(rev, 1 + THREADS * 10);
    free(id);
}
END_TEST

/* ---- owners ---- */

START_TEST(owner_is_kept_beside_the_document)
{
    char b[320];
    const char *topic;
    const char *doc = "{\"valGroupId\":\"g1\",\"members\":[{\"valUserId\":\"bob\"}]}";
    char *id = create_as("server:vs1", doc, SEAL_OK);
    ck_assert_str_eq(owner_of(id, b, sizeof b), "server:vs1");
    char *text = NULL;
    ck_assert_int_eq(P.gm->get(P.gm_user, id, &text, NULL, NULL), SEAL_OK);
    ck_assert_str_eq(text, doc);
    seal_free(text);
    json_object *ev = event_at(0, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_CREATED);
    ck_assert_str_eq(str(ev, "owner"), "server:vs1");

    /* Updates keep the owner (and say so); the document stays the document. */
    const char *put = "{\"valGroupId\":\"g1-new\",\"grpDesc\":\"d\"}";
    ck_assert_int_eq(P.gm->replace(P.gm_user, id, put, strlen(put), SEAL_REV_ANY, &text, NULL,
                                   NULL), SEAL_OK);
    ck_assert_str_eq(text, put);
    seal_free(text);
    const char *patch = "{\"grpDesc\":\"e\"}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, patch, strlen(patch), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, NULL), SEAL_OK);
    ck_assert_str_eq(owner_of(id, b, sizeof b), "server:vs1");
    ck_assert_str_eq(str(event_at(1, NULL), "owner"), "server:vs1");
    ck_assert_str_eq(str(event_at(2, NULL), "owner"), "server:vs1");
    ck_assert_int_eq(P.gm->remove(P.gm_user, id, SEAL_REV_ANY), SEAL_OK);
    ev = event_at(3, &topic);
    ck_assert_str_eq(topic, SEAL_GM_EVENT_DELETED);
    ck_assert_str_eq(str(ev, "owner"), "server:vs1");
    char *o = NULL;
    ck_assert_int_eq(P.gm->owner(P.gm_user, id, &o), SEAL_E_NOTFOUND);
    ck_assert_ptr_null(o);
    /* and the owner record went with the document */
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.owners", id, NULL, NULL, NULL),
                     SEAL_E_NOTFOUND);
    ck_assert_int_eq(P.gm->owner(P.gm_user, "nope", &o), SEAL_E_NOTFOUND);
    free(id);

    /* create (seal.gm.v1 before owners) makes a document without owner:
     * null in its events. */
    id = create("{\"valGroupId\":\"g1\"}", SEAL_OK);
    ck_assert_str_eq(owner_of(id, b, sizeof b), "-");
    json_object *v = NULL;
    ev = event_at(4, NULL);
    ck_assert(json_object_object_get_ex(ev, "owner", &v));
    ck_assert_ptr_null(v);
    free(id);

    /* Owners the service refuses: empty, too long, control characters,
     * not UTF-8; the longest accepted is SEAL_GM_OWNER_MAX bytes. */
    char longest[SEAL_GM_OWNER_MAX + 2];
    memset(longest, 'o', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    static const char *const bad[] = { "", "server:a\x1f" "b", "user:\n", "user:\xff",
                                       "user:\xc0\xaf", "user:\xed\xa0\x80", NULL };
    for (size_t i = 0; bad[i]; i++)
        free(create_as(bad[i], "{\"valGroupId\":\"x\"}", SEAL_E_INVAL));
    free(create_as(longest, "{\"valGroupId\":\"x\"}", SEAL_E_INVAL));
    free(create_as(NULL, "{\"valGroupId\":\"x\"}", SEAL_E_INVAL));
    longest[SEAL_GM_OWNER_MAX] = '\0';
    id = create_as(longest, "{\"valGroupId\":\"x\"}", SEAL_OK);
    ck_assert_str_eq(owner_of(id, b, sizeof b), longest);
    free(id);
    free(create_as("user:\xc3\xa9l\xc3\xa8ve", "{\"valGroupId\":\"x\"}", SEAL_OK));
}
END_TEST

START_TEST(val_group_id_is_unique_per_owner)
{
    char *a1 = create_as("server:vs1", "{\"valGroupId\":\"g1\"}", SEAL_OK);
    char *b1 = create_as("server:vs2", "{\"valGroupId\":\"g1\"}", SEAL_OK);
    char *s1 = create_as("service:V2X", "{\"valGroupId\":\"g1\"}", SEAL_OK);
    char *n1 = create("{\"valGroupId\":\"g1\"}", SEAL_OK);   /* the space without owner */
    free(create_as("server:vs1", "{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    free(create_as("server:vs2", "{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    free(create("{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    /* An owner prefix is not an owner: "server:vs" + "1" must not meet "server:vs1". */
    char *p1 = create_as("server:vs", "{\"valGroupId\":\"1g1\"}", SEAL_OK);

    /* Renames stay inside the owner's space. */
    char *a2 = create_as("server:vs1", "{\"valGroupId\":\"g2\"}", SEAL_OK);
    const char *to_g1 = "{\"valGroupId\":\"g1\"}";
    ck_assert_int_eq(P.gm->replace(P.gm_user, a2, to_g1, strlen(to_g1), SEAL_REV_ANY, NULL, NULL,
                                   NULL), SEAL_E_EXISTS);
    const char *to_g3 = "{\"valGroupId\":\"g3\"}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, b1, to_g3, strlen(to_g3), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, NULL), SEAL_OK);
    /* vs2's g1 is free again, for vs2 only. */
    char *b2 = create_as("server:vs2", "{\"valGroupId\":\"g1\"}", SEAL_OK);
    free(create_as("server:vs1", "{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    /* A deleted document frees its owner's valGroupId, and nobody else's. */
    ck_assert_int_eq(P.gm->remove(P.gm_user, a1, SEAL_REV_ANY), SEAL_OK);
    free(create_as("server:vs2", "{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    free(create("{\"valGroupId\":\"g1\"}", SEAL_E_EXISTS));
    char *a3 = create_as("server:vs1", "{\"valGroupId\":\"g1\"}", SEAL_OK);

    /* The claims are where the store layout says (gm/README). */
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.valgroupids", "server:vs1\x1fg1", NULL,
                                    NULL, NULL), SEAL_OK);
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.valgroupids", "g1", NULL, NULL, NULL),
                     SEAL_OK);
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.valgroupids", "server:vs2\x1fg3", NULL,
                                    NULL, NULL), SEAL_OK);
    free(a1); free(b1); free(s1); free(n1); free(p1); free(a2); free(b2); free(a3);
}
END_TEST

static void *racer_create_owned(void *arg)
{
    char *id = NULL;
    const char *doc = "{\"valGroupId\":\"contested\"}";
    seal_status_t st = P.gm->create_owned(P.gm_user, arg, doc, strlen(doc), &id, NULL, NULL,
                                          NULL);
    seal_free(id);
    return (void *)(intptr_t)st;
}

START_TEST(one_document_per_owner_and_group_under_races)
{
    /* Half the threads for one owner, half for another: one each wins. */
    pthread_t t[8];
    int ok = 0, exists = 0;
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, racer_create_owned,
                                        (void *)(i % 2 ? "server:vs1" : "server:vs2")), 0);
    for (int i = 0; i < 8; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        ok += (seal_status_t)(intptr_t)rv == SEAL_OK;
        exists += (seal_status_t)(intptr_t)rv == SEAL_E_EXISTS;
    }
    ck_assert_int_eq(ok, 2);
    ck_assert_int_eq(exists, 6);
}
END_TEST

/* ---- limits (max_members, max_groups_per_owner; issue 9) ---- */

/* The groups owner has, as its count record says (0: no record). */
static long owner_count(const char *owner)
{
    char *rec = NULL;
    seal_status_t st = seal_store_get(P.self, NULL, "gm.ownercounts", owner, &rec, NULL, NULL);
    if (st == SEAL_E_NOTFOUND)
        return 0;
    ck_assert_int_eq(st, SEAL_OK);
    json_object *o = json_tokener_parse(rec), *v;
    seal_free(rec);
    ck_assert(json_object_object_get_ex(o, "groups", &v));
    long n = (long)json_object_get_int64(v);
    json_object_put(o);
    ck_assert_int_gt(n, 0);   /* no documents: no record */
    return n;
}

START_TEST(limits_are_told)
{
    seal_gm_limits_t l = { .struct_size = sizeof l };
    ck_assert_uint_ge(P.gm->struct_size, offsetof(seal_gm_v1_t, limits) + sizeof P.gm->limits);
    P.gm->limits(P.gm_user, &l);
    ck_assert_uint_eq(l.max_members, 3);
    ck_assert_uint_eq(l.max_groups_per_owner, 2);
    /* A caller's older, shorter struct gets what it covers and no more. */
    struct { seal_gm_limits_t l; uint64_t canary; } older;
    memset(&older, 0xaa, sizeof older);
    older.l.struct_size = offsetof(seal_gm_limits_t, max_groups_per_owner);
    P.gm->limits(P.gm_user, &older.l);
    ck_assert_uint_eq(older.l.max_members, 3);
    ck_assert_uint_eq(older.l.max_groups_per_owner, 0xaaaaaaaaaaaaaaaaull);
}
END_TEST

START_TEST(too_many_members_are_refused)
{
    const char *three = "{\"valGroupId\":\"g\",\"members\":[{\"valUserId\":\"a\"},"
                        "{\"valUserId\":\"b\"},{\"valUeId\":\"c\"}]}";
    const char *four = "{\"valGroupId\":\"g4\",\"members\":[{\"valUserId\":\"a\"},"
                       "{\"valUserId\":\"b\"},{\"valUeId\":\"c\"},{\"valUeId\":\"d\"}]}";
    free(create(four, SEAL_E_TOOBIG));
    free(create_as("server:vs1", four, SEAL_E_TOOBIG));
    ck_assert_int_eq(owner_count("server:vs1"), 0);   /* a refusal takes no place */
    char *id = create(three, SEAL_OK);
    /* replace and the result of a patch: the same limit */
    ck_assert_int_eq(P.gm->replace(P.gm_user, id, four, strlen(four), SEAL_REV_ANY, NULL, NULL,
                                   NULL), SEAL_E_TOOBIG);
    const char *add = "{\"members\":[{\"valUserId\":\"a\"},{\"valUserId\":\"b\"},"
                      "{\"valUeId\":\"c\"},{\"valUserId\":\"e\"}]}";
    ck_assert_int_eq(P.gm->patch(P.gm_user, id, add, strlen(add), SEAL_REV_ANY, NULL, NULL,
                                 NULL, NULL, NULL), SEAL_E_TOOBIG);
    uint64_t rev = 0;
    char *doc = NULL;
    ck_assert_int_eq(P.gm->get(P.gm_user, id, &doc, NULL, &rev), SEAL_OK);
    ck_assert_uint_eq(rev, 1);
    ck_assert_str_eq(doc, three);
    seal_free(doc);
    qres_t q;
    ck_assert_uint_eq(query(NULL, NULL, NULL, 0, &q), 1);
    /* only the created document made an event */
    event_at(0, NULL);
    ck_assert_uint_eq(event_count(), 1);
    free(id);
}
END_TEST

START_TEST(groups_per_owner_are_counted)
{
    char *a = create_as("server:vs1", "{\"valGroupId\":\"a\"}", SEAL_OK);
    ck_assert_int_eq(owner_count("server:vs1"), 1);
    char *b = create_as("server:vs1", "{\"valGroupId\":\"b\"}", SEAL_OK);
    ck_assert_int_eq(owner_count("server:vs1"), 2);
    free(create_as("server:vs1", "{\"valGroupId\":\"c\"}", SEAL_E_TOOBIG));
    ck_assert_int_eq(owner_count("server:vs1"), 2);
    /* Another owner has its own places; documents without owner are not
     * counted (nor limited: max_groups_per_owner is per owner). */
    char *x = create_as("server:vs2", "{\"valGroupId\":\"a\"}", SEAL_OK);
    for (int i = 0; i < 4; i++) {
        char doc[64];
        snprintf(doc, sizeof doc, "{\"valGroupId\":\"n%d\"}", i);
        free(create(doc, SEAL_OK));
    }
    ck_assert_int_eq(owner_count("server:vs2"), 1);
    /* A refused create (its valGroupId taken) takes no place. */
    free(create_as("server:vs2", "{\"valGroupId\":\"a\"}", SEAL_E_EXISTS));
    ck_assert_int_eq(owner_count("server:vs2"), 1);
    /* A delete frees a place, in its own transaction; updates keep it. */
    const char *put = "{\"valGroupId\":\"a2\"}";
    ck_assert_int_eq(P.gm->replace(P.gm_user, a, put, strlen(put), SEAL_REV_ANY, NULL, NULL,
                                   NULL), SEAL_OK);
    ck_assert_int_eq(owner_count("server:vs1"), 2);
    ck_assert_int_eq(P.gm->remove(P.gm_user, a, SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(owner_count("server:vs1"), 1);
    char *c = create_as("server:vs1", "{\"valGroupId\":\"c\"}", SEAL_OK);
    free(create_as("server:vs1", "{\"valGroupId\":\"d\"}", SEAL_E_TOOBIG));
    /* An owner without documents has no record. */
    ck_assert_int_eq(P.gm->remove(P.gm_user, b, SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(P.gm->remove(P.gm_user, c, SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(seal_store_get(P.self, NULL, "gm.ownercounts", "server:vs1", NULL, NULL,
                                    NULL), SEAL_E_NOTFOUND);
    free(create_as("server:vs1", "{\"valGroupId\":\"a\"}", SEAL_OK));
    free(create_as("server:vs1", "{\"valGroupId\":\"b\"}", SEAL_OK));
    free(create_as("server:vs1", "{\"valGroupId\":\"c\"}", SEAL_E_TOOBIG));
    free(a); free(b); free(c); free(x);
}
END_TEST

static void *racer_create_many(void *arg)
{
    char *id = NULL, doc[64];
    snprintf(doc, sizeof doc, "{\"valGroupId\":\"r%d\"}", (int)(intptr_t)arg);
    seal_status_t st = P.gm->create_owned(P.gm_user, "server:racer", doc, strlen(doc), &id,
                                          NULL, NULL, NULL);
    seal_free(id);
    return (void *)(intptr_t)st;
}

START_TEST(concurrent_creates_never_pass_the_limit)
{
    pthread_t t[THREADS];
    int ok = 0, full = 0;
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, racer_create_many, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        ok += (seal_status_t)(intptr_t)rv == SEAL_OK;
        full += (seal_status_t)(intptr_t)rv == SEAL_E_TOOBIG;
    }
    ck_assert_int_eq(ok, 2);
    ck_assert_int_eq(full, THREADS - 2);
    qres_t q;
    ck_assert_uint_eq(query_owned("server:racer", NULL, NULL, NULL, &q), 2);
    ck_assert_int_eq(owner_count("server:racer"), 2);
}
END_TEST

START_TEST(counts_are_made_for_an_older_database)
{
    /* Two groups of vs1 and one of vs2, then the counts taken away as in a
     * database written before they existed. */
    free(create_as("server:vs1", "{\"valGroupId\":\"a\"}", SEAL_OK));
    free(create_as("server:vs1", "{\"valGroupId\":\"b\"}", SEAL_OK));
    free(create_as("server:vs2", "{\"valGroupId\":\"a\"}", SEAL_OK));
    free(create("{\"valGroupId\":\"none\"}", SEAL_OK));
    ck_assert_int_eq(seal_store_delete(P.self, NULL, "gm.ownercounts", "server:vs1",
                                       SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(seal_store_delete(P.self, NULL, "gm.ownercounts", "server:vs2",
                                       SEAL_REV_ANY), SEAL_OK);
    ck_assert_int_eq(seal_store_delete(P.self, NULL, "gm.meta", "ownercounts", SEAL_REV_ANY),
                     SEAL_OK);
    host_down();
    gm_conf = LIMITS_CONF;
    host_up();
    gm_conf = "{}";
    ck_assert_int_eq(owner_count("server:vs1"), 2);
    ck_assert_int_eq(owner_count("server:vs2"), 1);
    free(create_as("server:vs1", "{\"valGroupId\":\"c\"}", SEAL_E_TOOBIG));
    free(create_as("server:vs2", "{\"valGroupId\":\"b\"}", SEAL_OK));
    free(create_as("server:vs2", "{\"valGroupId\":\"c\"}", SEAL_E_TOOBIG));
}
END_TEST

/* ---- SEAL-S SS_GroupManagement with owners (seal_s, lib/access) ---- */

static unsigned ss_port;
static const char *ss_conf = "{}";   /* seal_s's block of the next ss_setup */

static unsigned free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static void ss_setup(void)
{
    memset(&P, 0, sizeof P);
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    strcpy(tmpdir, "/tmp/seal-gm-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    for (int attempt = 0; attempt < 5; attempt++) {
        char conf[2048];
        ss_port = free_port();
        snprintf(conf, sizeof conf,
                 "{\"plugin_dir\": [\"%s/plugins/stores/store_sqlite/.libs\","
                 " \"%s/plugins/services/gm/.libs\", \"%s/plugins/refpoints/seal_s/.libs\"],"
                 " \"plugins\": {\"store_sqlite\": {\"path\": \"%s/t.db\","
                 " \"synchronous\": \"normal\"}, \"gm\": %s, \"seal_s\": %s},"
                 " \"http\": {\"listen\": [\"127.0.0.1:%u\"]}}",
                 builddir(), builddir(), builddir(), tmpdir, gm_conf, ss_conf, ss_port);
        host = seal_host_new();
        ck_assert_ptr_nonnull(host);
        ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
        ck_assert_int_eq(seal_host_add_builtin(host, &t_desc, "gmtest"), SEAL_OK);
        ck_assert_int_eq(seal_host_load(host), SEAL_OK);
        ck_assert_int_eq(seal_host_init(host), SEAL_OK);
        if (seal_host_start(host) == SEAL_OK)
            return;
        seal_host_free(host);   /* the port was taken meanwhile */
        host = NULL;
    }
    ck_abort_msg("the host did not start");
}

/* Callers (see stand_in_authorize). */
#define VS1      "token|vs1|vs1|||"                     /* client_credentials token */
#define VS2      "token|vs2|vs2|||"
#define VS_CERT  "certificate|vsc|||val_server|"        /* a val_server certificate */
#define SVC_A    "token|vsa|vsa|||V2X"                  /* two VAL servers of one service */
#define SVC_B    "token|vsb|vsb|||V2X"
#define USER     "token|alice|app|alice@val.example||"  /* a VAL user */
#define MANAGER  "token|carol|app|carol@val.example|group_manager|"
#define ADMIN    "token|vs3|vs3||group_admin|"          /* a VAL server with group_admin */
#define ADMIN_U  "token|dave|app|dave@val.example|group_admin|"
#define OPERATOR "certificate|ops|||operator|"
#define UNMAPPED "certificate|CN=x|||"                  /* no role: anonymous to lib/access */

#define GM_PATH "/ss-gm/v1/group-documents"

typedef struct ss_resp {
    long status;
    char body[4096];
    json_object *json;   /* parsed body, or NULL */
} ss_resp_t;

static long ss(const char *caller, const char *method, const char *path, const char *body,
               ss_resp_t *out)
{
    char url[512], who[600];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", ss_port, path);
    snprintf(who, sizeof who, "X-Test-Caller: %s", caller);
    const char *ct = method && strcmp(method, "PATCH") == 0
                     ? "Content-Type: application/merge-patch+json"
                     : "Content-Type: application/json";
    const char *headers[] = { who, ct, NULL };
    http_req_t rq = { .method = method, .url = url, .headers = caller ? headers : headers + 1,
                      .body = body, .body_len = body ? strlen(body) : 0 };
    http_resp_t r;
    http_do(NULL, &rq, &r);
    ck_assert_msg(r.rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(r.rc));
    json_object_put(out->json);
    out->status = r.status;
    snprintf(out->body, sizeof out->body, "%s", r.body);
    out->json = json_tokener_parse(r.body);
    http_resp_free(&r);
    return out->status;
}

/* POST as caller; returns the new groupDocId (static buffer per call site). */
static void ss_create(const char *caller, const char *vgid, char id[23])
{
    ss_resp_t r = {0};
    char body[128];
    snprintf(body, sizeof body, "{\"valGroupId\":\"%s\"}", vgid);
    ck_assert_int_eq(ss(caller, "POST", GM_PATH, body, &r), 201);
    const char *uri = str(r.json, "resUri");
    ck_assert_ptr_nonnull(uri);
    snprintf(id, 23, "%s", strrchr(uri, '/') + 1);
    json_object_put(r.json);
}

/* The valGroupIds a caller's GET /group-documents[?query] lists, sorted,
 * space-separated. */
static const char *ss_list(const char *caller, const char *query, char *buf, size_t cap)
{
    char path[256];
    ss_resp_t r = {0};
    snprintf(path, sizeof path, "%s%s", GM_PATH, query ? query : "");
    ck_assert_int_eq(ss(caller, "GET", path, NULL, &r), 200);
    ck_assert(json_object_is_type(r.json, json_type_array));
    size_t n = json_object_array_length(r.json);
    const char *v[16];
    ck_assert_uint_le(n, 16);
    for (size_t i = 0; i < n; i++)
        v[i] = str(json_object_array_get_idx(r.json, i), "valGroupId");
    for (size_t i = 1; i < n; i++)   /* insertion sort: the list is short */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            const char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, "%s%s", i ? " " : "", v[i]);
    }
    json_object_put(r.json);
    return buf;
}

/* Every route on document id by caller answers want; with want 404 the
 * answer must be byte for byte the one for a document that does not exist,
 * and with 403 a ProblemDetails saying why. */
static void ss_every_route(const char *caller, const char *id, long want)
{
    static const struct { const char *method, *body, *query; } routes[] = {
        { "GET", NULL, "" }, { "GET", NULL, "?group-members=true" },
        { "PUT", "{\"valGroupId\":\"taken-over\"}", "" },
        { "PATCH", "{\"grpDesc\":\"taken over\"}", "" }, { "DELETE", NULL, "" },
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        char path[256], none[256];
        ss_resp_t r = {0}, m = {0};
        snprintf(path, sizeof path, "%s/%s%s", GM_PATH, id, routes[i].query);
        snprintf(none, sizeof none, "%s/AAAAAAAAAAAAAAAAAAAAAA%s", GM_PATH, routes[i].query);
        ck_assert_msg(ss(caller, routes[i].method, path, routes[i].body, &r) == want,
                      "%s %s as %s: %ld %s", routes[i].method, path, caller, r.status, r.body);
        if (want == 404) {
            /* The same answer, but for the id in "instance" (both 22 characters). */
            ck_assert_int_eq(ss(caller, routes[i].method, none, routes[i].body, &m), 404);
            char *at = strstr(m.body, "AAAAAAAAAAAAAAAAAAAAAA");
            ck_assert_uint_eq(strlen(id), 22);
            if (at)
                memcpy(at, id, 22);
            ck_assert_str_eq(r.body, m.body);
        } else if (want == 403) {
            ck_assert_str_eq(str(r.json, "cause"), "OPERATION_PROHIBITED");
            ck_assert_ptr_nonnull(str(r.json, "detail"));
        }
        json_object_put(r.json);
        json_object_put(m.json);
    }
}

START_TEST(ss_val_servers_own_their_groups)
{
    char a[23], b[23], c[23], l[256];
    ss_resp_t r = {0};
    ss_create(VS1, "g1", a);
    ss_create(VS2, "g1", b);             /* the same valGroupId, another owner */
    ss_create(VS_CERT, "g1", c);         /* a VAL server by certificate too */
    ck_assert_int_eq(ss(VS1, "POST", GM_PATH, "{\"valGroupId\":\"g1\"}", &r), 409);
    ck_assert_str_eq(str(r.json, "cause"), "RESOURCE_EXISTS");
    char a2[23];
    ss_create(VS1, "g2", a2);

    /* Each lists its own groups only, with or without filters. */
    ck_assert_str_eq(ss_list(VS1, NULL, l, sizeof l), "g1 g2");
    ck_assert_str_eq(ss_list(VS2, NULL, l, sizeof l), "g1");
    ck_assert_str_eq(ss_list(VS_CERT, NULL, l, sizeof l), "g1");
    ck_assert_str_eq(ss_list(VS1, "?val-group-id=g1", l, sizeof l), "g1");
    ck_assert_str_eq(ss_list(VS2, "?val-group-id=g2", l, sizeof l), "");

    /* Another's group is a group that does not exist: for every route. */
    ss_every_route(VS2, a, 404);
    ss_every_route(VS_CERT, a, 404);
    /* and nothing changed */
    ck_assert_int_eq(ss(VS1, "GET", GM_PATH "/" "AAAAAAAAAAAAAAAAAAAAAA", NULL, &r), 404);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", GM_PATH, a);
    ck_assert_int_eq(ss(VS1, "GET", path, NULL, &r), 200);
    ck_assert_str_eq(str(r.json, "valGroupId"), "g1");
    ck_assert_ptr_null(str(r.json, "grpDesc"));
    /* The owner's own writes go through. */
    ck_assert_int_eq(ss(VS1, "PATCH", path, "{\"grpDesc\":\"mine\"}", &r), 200);
    ck_assert_int_eq(ss(VS1, "PUT", path, "{\"valGroupId\":\"g2\"}", &r), 409);
    ck_assert_int_eq(ss(VS1, "DELETE", path, NULL, &r), 204);
    ck_assert_str_eq(ss_list(VS2, NULL, l, sizeof l), "g1");

    /* Two VAL servers acting for one VAL service share its groups. */
    char s[23];
    ss_create(SVC_A, "v2x-1", s);
    ck_assert_str_eq(ss_list(SVC_B, NULL, l, sizeof l), "v2x-1");
    snprintf(path, sizeof path, "%s/%s", GM_PATH, s);
    ck_assert_int_eq(ss(SVC_B, "PATCH", path, "{\"grpDesc\":\"shared\"}", &r), 200);
    ss_every_route(VS1, s, 404);
    json_object_put(r.json);
}
END_TEST

START_TEST(ss_users_operators_and_strangers_are_refused)
{
    char a[23], l[256];
    ss_resp_t r = {0};
    ss_create(VS1, "g1", a);
    static const char *const refused[] = { USER, OPERATOR, UNMAPPED };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        ck_assert_int_eq(ss(refused[i], "POST", GM_PATH, "{\"valGroupId\":\"u\"}", &r), 403);
        ck_assert_str_eq(str(r.json, "cause"), "OPERATION_PROHIBITED");
        ck_assert_int_eq(ss(refused[i], "GET", GM_PATH, NULL, &r), 403);
        ck_assert_int_eq(ss(refused[i], "GET", GM_PATH "?val-group-id=g1", NULL, &r), 403);
        ss_every_route(refused[i], a, 403);
        ss_every_route(refused[i], "AAAAAAAAAAAAAAAAAAAAAA", 403);
    }
    ck_assert_int_eq(ss(USER, "GET", GM_PATH, NULL, &r), 403);
    ck_assert_ptr_nonnull(strstr(str(r.json, "detail"), "group_manager"));
    /* No credential at all: the host's 401. */
    ck_assert_int_eq(ss(NULL, "GET", GM_PATH, NULL, &r), 401);
    /* A VAL user with group_manager creates and manages their own. */
    char m[23];
    ss_create(MANAGER, "g1", m);
    ck_assert_str_eq(ss_list(MANAGER, NULL, l, sizeof l), "g1");
    ss_every_route(MANAGER, a, 404);
    ss_every_route(VS1, m, 404);
    ck_assert_str_eq(ss_list(VS1, NULL, l, sizeof l), "g1");
    json_object_put(r.json);
}
END_TEST

START_TEST(ss_group_admin_sees_every_group)
{
    char a[23], b[23], l[256], path[128];
    ss_resp_t r = {0};
    ss_create(VS1, "g1", a);
    ss_create(VS2, "g2", b);
    write_pre_owner("oldOLDoldOLDoldOLD0001", "legacy", "alice");
    /* Before owners existed: nobody's, so only a group_admin's. */
    ck_assert_str_eq(ss_list(VS1, NULL, l, sizeof l), "g1");
    ss_every_route(VS1, "oldOLDoldOLDoldOLD0001", 404);
    ss_every_route(MANAGER, "oldOLDoldOLDoldOLD0001", 404);

    ck_assert_str_eq(ss_list(ADMIN, NULL, l, sizeof l), "g1 g2 legacy");
    ck_assert_str_eq(ss_list(ADMIN_U, NULL, l, sizeof l), "g1 g2 legacy");
    ck_assert_str_eq(ss_list(ADMIN, "?val-group-id=g2", l, sizeof l), "g2");
    ck_assert_str_eq(ss_list(ADMIN, "?member=alice", l, sizeof l), "legacy");
    snprintf(path, sizeof path, "%s/%s", GM_PATH, b);
    ck_assert_int_eq(ss(ADMIN, "GET", path, NULL, &r), 200);
    ck_assert_int_eq(ss(ADMIN_U, "PATCH", path, "{\"grpDesc\":\"by admin\"}", &r), 200);
    /* ... and still only VS2 owns it */
    ck_assert_int_eq(ss(VS2, "GET", path, NULL, &r), 200);
    ck_assert_str_eq(str(r.json, "grpDesc"), "by admin");
    ss_every_route(VS1, b, 404);
    ck_assert_int_eq(ss(ADMIN, "GET", GM_PATH "/oldOLDoldOLDoldOLD0001", NULL, &r), 200);
    ck_assert_int_eq(ss(ADMIN, "DELETE", GM_PATH "/oldOLDoldOLDoldOLD0001", NULL, &r), 204);
    /* A group_admin VAL server creates as itself; a group_admin VAL user
     * without group_manager creates nothing. */
    char c[23];
    ss_create(ADMIN, "g1", c);
    ck_assert_str_eq(ss_list(VS1, NULL, l, sizeof l), "g1");
    ck_assert_int_eq(ss(ADMIN_U, "POST", GM_PATH, "{\"valGroupId\":\"x\"}", &r), 403);
    ck_assert_str_eq(ss_list(ADMIN, NULL, l, sizeof l), "g1 g1 g2");
    json_object_put(r.json);
}
END_TEST

/* Small limits (LIMITS_CONF) and a list of at most 3. */
static void ss_limits_setup(void)
{
    gm_conf = LIMITS_CONF;
    ss_conf = "{\"max_list\": 3}";
    ss_setup();
    gm_conf = ss_conf = "{}";
}

START_TEST(ss_sizes_are_answered)
{
    char a[23], l[256];
    ss_resp_t r = {0};
    const char *four = "{\"valGroupId\":\"big\",\"members\":[{\"valUserId\":\"a\"},"
                       "{\"valUserId\":\"b\"},{\"valUserId\":\"c\"},{\"valUserId\":\"d\"}]}";
    ck_assert_int_eq(ss(VS1, "POST", GM_PATH, four, &r), 400);
    ck_assert_str_eq(str(r.json, "cause"), "INVALID_MSG_FORMAT");
    json_object *ip = NULL;
    ck_assert(json_object_object_get_ex(r.json, "invalidParams", &ip));
    ck_assert_uint_eq(json_object_array_length(ip), 1);
    ck_assert_str_eq(str(json_object_array_get_idx(ip, 0), "param"), "/members");
    ck_assert_str_eq(str(json_object_array_get_idx(ip, 0), "reason"), "at most 3 members");

    ss_create(VS1, "g1", a);
    ss_create(VS1, "g2", a);
    ck_assert_int_eq(ss(VS1, "POST", GM_PATH, "{\"valGroupId\":\"g3\"}", &r), 403);
    ck_assert_str_eq(str(r.json, "cause"), "GROUP_LIMIT_REACHED");
    ck_assert_ptr_nonnull(strstr(str(r.json, "detail"), "2 VAL group documents"));
    /* at its quota, a document with too many members is still that */
    ck_assert_int_eq(ss(VS1, "POST", GM_PATH, four, &r), 400);
    char path[128];
    snprintf(path, sizeof path, "%s/%s", GM_PATH, a);
    ck_assert_int_eq(ss(VS1, "PATCH", path, "{\"members\":[{\"valUserId\":\"a\"},"
                        "{\"valUserId\":\"b\"},{\"valUserId\":\"c\"},{\"valUserId\":\"d\"}]}",
                        &r), 400);
    ck_assert_ptr_nonnull(strstr(r.body, "at most 3 members"));

    /* Four documents in all: a group_admin's unfiltered list is refused,
     * a filtered one and an owner's own (2) answer. */
    char b[23];
    ss_create(VS2, "g1", b);
    ss_create(VS2, "g2", b);
    ck_assert_int_eq(ss(ADMIN, "GET", GM_PATH, NULL, &r), 403);
    ck_assert_str_eq(str(r.json, "cause"), "TOO_MANY_RESULTS");
    ck_assert_ptr_nonnull(strstr(str(r.json, "detail"), "more than 3"));
    ck_assert_str_eq(ss_list(ADMIN, "?val-group-id=g1", l, sizeof l), "g1 g1");
    ck_assert_str_eq(ss_list(VS1, NULL, l, sizeof l), "g1 g2");
    /* Exactly max_list is an answer. */
    snprintf(path, sizeof path, "%s/%s", GM_PATH, b);
    ck_assert_int_eq(ss(VS2, "DELETE", path, NULL, &r), 204);
    ck_assert_str_eq(ss_list(ADMIN, NULL, l, sizeof l), "g1 g1 g2");
    json_object_put(r.json);
}
END_TEST

static Suite *gm_suite(void)
{
    Suite *s = suite_create("gm");
    TCase *tc = tcase_create("service");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, events_follow_membership);
    tcase_add_test(tc, refusals_store_nothing);
    tcase_add_test(tc, conflicts_and_checks);
    tcase_add_test(tc, queries);
    tcase_add_test(tc, one_document_per_group_under_races);
    tcase_add_test(tc, unconditional_updates_all_land);
    tcase_add_test(tc, owner_is_kept_beside_the_document);
    tcase_add_test(tc, val_group_id_is_unique_per_owner);
    tcase_add_test(tc, one_document_per_owner_and_group_under_races);
    tcase_add_test(tc, queries_by_owner);
    tcase_add_test(tc, pre_owner_documents_keep_working);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("limits");
    tcase_add_checked_fixture(tl, limits_setup, teardown);
    tcase_set_timeout(tl, 60);
    tcase_add_test(tl, limits_are_told);
    tcase_add_test(tl, too_many_members_are_refused);
    tcase_add_test(tl, groups_per_owner_are_counted);
    tcase_add_test(tl, concurrent_creates_never_pass_the_limit);
    tcase_add_test(tl, counts_are_made_for_an_older_database);
    suite_add_tcase(s, tl);
    /* SEAL-S over HTTP, when seal_s is built. */
    char so[512];
    snprintf(so, sizeof so, "%s/plugins/refpoints/seal_s/.libs/seal_s.so", builddir());
    if (access(so, R_OK) == 0) {
        TCase *ts = tcase_create("seal_s");
        tcase_add_checked_fixture(ts, ss_setup, teardown);
        tcase_set_timeout(ts, 60);
        tcase_add_test(ts, ss_val_servers_own_their_groups);
        tcase_add_test(ts, ss_users_operators_and_strangers_are_refused);
        tcase_add_test(ts, ss_group_admin_sees_every_group);
        suite_add_tcase(s, ts);
        TCase *tz = tcase_create("seal_s sizes");
        tcase_add_checked_fixture(tz, ss_limits_setup, teardown);
        tcase_set_timeout(tz, 60);
        tcase_add_test(tz, ss_sizes_are_answered);
        suite_add_tcase(s, tz);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
