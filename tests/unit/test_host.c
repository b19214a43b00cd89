/* SPDX-License-Identifier: Apache-2.0 */
/* The registry, hooks and events through an in-process host with builtin
 * plugins: what a plugin author relies on. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host.h"

#define CONF "{ \"plugin_dir\": \"/nonexistent\", \"http\": { \"listen\": [\"127.0.0.1:0\"] } }"

/* ---- a configurable builtin plugin ---- */
static int freed;                 /* user_free calls */
static seal_plugin_t *self_a, *self_b;
static seal_status_t (*init_a)(seal_plugin_t *);
static seal_status_t (*init_b)(seal_plugin_t *);

static void count_free(void *u) { (void)u; freed++; }
static seal_status_t ia(seal_plugin_t *s) { self_a = s; return init_a ? init_a(s) : SEAL_OK; }
static seal_status_t ib(seal_plugin_t *s) { self_b = s; return init_b ? init_b(s) : SEAL_OK; }

static const seal_plugin_desc_t desc_a = { SEAL_PLUGIN_DESC_INIT, .name = "a", .version = "1",
                                           .init = ia };
static const seal_plugin_desc_t desc_b = { SEAL_PLUGIN_DESC_INIT, .name = "b", .version = "1",
                                           .init = ib };

static seal_host_t *host;

static void setup(void)
{
    freed = 0;
    self_a = self_b = NULL;
    init_a = init_b = NULL;
    host = seal_host_new();
    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(seal_host_configure_string(host, CONF, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &desc_a, "a"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(host, &desc_b, "b"), SEAL_OK);
}

static void teardown(void)
{
    seal_host_free(host);
    host = NULL;
}

static seal_status_t nop_handler(seal_request_t *req, void *user)
{
    (void)user;
    return seal_response_send(req, 204, NULL, NULL, 0);
}

/* ---- handshake of builtins ---- */
START_TEST(builtin_handshake)
{
    seal_plugin_desc_t d = { SEAL_PLUGIN_DESC_INIT, .name = "c" };
    seal_host_t *h = seal_host_new();
    d.magic = 1;
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "c"), SEAL_E_ABI);
    d.magic = SEAL_PLUGIN_MAGIC; d.abi_major = SEAL_ABI_MAJOR + 1;
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "c"), SEAL_E_ABI);
    d.abi_major = SEAL_ABI_MAJOR; d.abi_minor = SEAL_ABI_MINOR + 1;
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "c"), SEAL_E_ABI);
    d.abi_minor = SEAL_ABI_MINOR; d.struct_size = 8;
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "c"), SEAL_E_ABI);
    d.struct_size = sizeof d;
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "/x/other.so"), SEAL_E_ABI);
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "/x/c.so"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &d, "c"), SEAL_E_EXISTS);
    seal_host_free(h);
}
END_TEST

/* ---- registry ---- */
static seal_status_t reg_routes(seal_plugin_t *s)
{
    seal_service_def_t svc = { sizeof svc, "gm", "group management", "seal.gm" };
    ck_assert_int_eq(seal_service_register(s, &svc), SEAL_OK);
    ck_assert_int_eq(seal_service_register(s, &svc), SEAL_E_EXISTS);
    seal_route_def_t r = { sizeof r, "GET", "/x/{id}", "gm", 0, nop_handler, NULL, count_free };
    ck_assert_int_eq(seal_route_register(s, &r), SEAL_OK);
    /* ownership passes on failure too: user_free runs for the refused one */
    ck_assert_int_eq(seal_route_register(s, &r), SEAL_E_EXISTS);
    ck_assert_int_eq(freed, 1);
    seal_route_def_t bad = { sizeof bad, "GET", "no-slash", "gm", 0, nop_handler, NULL, count_free };
    ck_assert_int_ne(seal_route_register(s, &bad), SEAL_OK);
    ck_assert_int_eq(freed, 2);
    static const int vtable = 42;
    ck_assert_int_eq(seal_iface_provide(s, "seal.test.v1", &vtable, NULL, count_free), SEAL_OK);
    ck_assert_int_eq(seal_iface_provide(s, "seal.test.v1", &vtable, NULL, count_free), SEAL_E_EXISTS);
    ck_assert_int_eq(freed, 3);
    return SEAL_OK;
}

static seal_status_t get_iface(seal_plugin_t *s)
{
    /* b is initialised after a: a's interface is visible already */
    const int *v = seal_iface_get(s, "seal.test.v1", NULL);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(*v, 42);
    ck_assert_ptr_null(seal_iface_get(s, "seal.none.v1", NULL));
    ck_assert(seal_plugin_loaded(s, "a"));
    ck_assert(!seal_plugin_loaded(s, "zz"));
    ck_assert(seal_service_exists(s, "gm"));
    return SEAL_OK;
}

START_TEST(registry_rules)
{
    init_a = reg_routes;
    init_b = get_iface;
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    /* after freeze, registering is refused (and user data still freed once) */
    seal_service_def_t svc = { sizeof svc, "km", "key management", NULL };
    ck_assert_int_eq(seal_service_register(self_a, &svc), SEAL_E_STATE);
    seal_route_def_t r = { sizeof r, "GET", "/late", "gm", 0, nop_handler, NULL, count_free };
    ck_assert_int_eq(seal_route_register(self_a, &r), SEAL_E_STATE);
    ck_assert_int_eq(freed, 4);
    seal_host_shutdown(host);
    /* the two accepted user pointers (route, iface) are freed at shutdown */
    ck_assert_int_eq(freed, 6);
}
END_TEST

static seal_status_t route_unknown_service(seal_plugin_t *s)
{
    seal_route_def_t r = { sizeof r, "GET", "/y", "nosuch", 0, nop_handler, NULL, NULL };
    return seal_route_register(s, &r);
}

START_TEST(route_needs_registered_service)
{
    init_a = route_unknown_service;
    ck_assert_int_eq(seal_host_init(host), SEAL_E_CONFIG);
}
END_TEST

static seal_status_t fail_init(seal_plugin_t *s) { (void)s; return SEAL_E_GENERIC; }

START_TEST(init_failure_stops_startup)
{
    init_b = fail_init;
    ck_assert_int_ne(seal_host_init(host), SEAL_OK);
}
END_TEST

/* ---- hooks ---- */
static char trace[64];
static seal_status_t h_ok(void *args, void *user) { (void)args; strcat(trace, user); return SEAL_OK; }
static seal_status_t h_dec(void *args, void *user) { (void)args; strcat(trace, user); return SEAL_DECLINED; }
static seal_status_t h_veto(void *args, void *user) { (void)args; strcat(trace, user); return SEAL_E_PERM; }

static seal_status_t reg_hooks(seal_plugin_t *s)
{
    ck_assert_int_eq(seal_hook_register(s, "t.order", SEAL_HOOK_LAST, h_ok, "3", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.order", SEAL_HOOK_FIRST, h_dec, "1", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.order", SEAL_HOOK_MIDDLE, h_dec, "2", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.veto", 0, h_ok, "a", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.veto", 1, h_veto, "b", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.veto", 2, h_ok, "c", NULL), SEAL_OK);
    ck_assert_int_eq(seal_hook_register(s, "t.dec", 0, h_dec, "d", NULL), SEAL_OK);
    return SEAL_OK;
}

START_TEST(hooks_order_and_veto)
{
    init_a = reg_hooks;
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    trace[0] = '\0';
    ck_assert_int_eq(seal_hook_run(self_a, "t.order", NULL), SEAL_OK);
    ck_assert_str_eq(trace, "123");
    trace[0] = '\0';
    ck_assert_int_eq(seal_hook_run(self_a, "t.veto", NULL), SEAL_E_PERM);
    ck_assert_str_eq(trace, "ab");          /* the veto stops the run */
    ck_assert_int_eq(seal_hook_run(self_a, "t.dec", NULL), SEAL_DECLINED);
    ck_assert_int_eq(seal_hook_run(self_a, "t.none", NULL), SEAL_DECLINED);
    ck_assert_int_eq(seal_hook_register(self_a, "t.late", 0, h_ok, "x", NULL), SEAL_E_STATE);
}
END_TEST

/* ---- events ---- */
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static char ev_seen[4096];
static int ev_count;

static void on_event(const char *topic, const char *json, size_t len, void *user)
{
    pthread_mutex_lock(&ev_lock);
    strcat(ev_seen, (const char *)user);
    strcat(ev_seen, topic);
    strncat(ev_seen, json, len);
    strcat(ev_seen, ";");
    ev_count++;
    pthread_mutex_unlock(&ev_lock);
}

static void slow_event(const char *topic, const char *json, size_t len, void *user)
{
    (void)topic; (void)json; (void)len; (void)user;
    usleep(20000);
    pthread_mutex_lock(&ev_lock);
    ev_count++;
    pthread_mutex_unlock(&ev_lock);
}

static seal_status_t sub_events(seal_plugin_t *s)
{
    ck_assert_int_eq(seal_event_subscribe(s, "gm.", on_event, "A:", NULL), SEAL_OK);
    ck_assert_int_eq(seal_event_subscribe(s, "", on_event, "B:", NULL), SEAL_OK);
    return SEAL_OK;
}

START_TEST(events_fan_out_in_order)
{
    init_a = sub_events;
    ev_seen[0] = '\0';
    ev_count = 0;
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    ck_assert_int_eq(seal_host_start(host), SEAL_OK);
    ck_assert_int_eq(seal_event_publish(self_b, "gm.group.created", "{\"n\":1}", 7), SEAL_OK);
    ck_assert_int_eq(seal_event_publish(self_b, "km.key", "{}", 2), SEAL_OK);
    seal_host_shutdown(host);   /* delivers what is queued */
    ck_assert_int_eq(ev_count, 3);
    ck_assert_str_eq(ev_seen, "A:gm.group.created{\"n\":1};B:gm.group.created{\"n\":1};B:km.key{};");
}
END_TEST

static seal_status_t sub_slow(seal_plugin_t *s)
{
    return seal_event_subscribe(s, "", slow_event, NULL, NULL);
}

START_TEST(events_bounded_queue_drops)
{
    const char *conf = "{ \"plugin_dir\": \"/nonexistent\", \"events\": { \"queue_size\": 16 },"
                       " \"http\": { \"listen\": [\"127.0.0.1:0\"] } }";
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    init_a = sub_slow;
    ev_count = 0;
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    ck_assert_int_eq(seal_host_start(host), SEAL_OK);
    int ok = 0, again = 0;
    for (int i = 0; i < 100; i++) {
        seal_status_t st = seal_event_publish(self_b, "t", "{}", 2);
        if (st == SEAL_OK) ok++;
        else if (st == SEAL_E_AGAIN) again++;
    }
    ck_assert_int_gt(again, 0);                      /* never blocks: refuses */
    ck_assert_int_eq((int)seal_event_dropped(self_b), again);
    seal_host_shutdown(host);
    ck_assert_int_eq(ev_count, ok);                  /* all accepted ones delivered */
}
END_TEST

START_TEST(publish_before_freeze_refused)
{
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    ck_assert_int_eq(seal_event_subscribe(self_a, "", on_event, "x", NULL), SEAL_E_STATE);
}
END_TEST

/* ---- init order ---- */
static char order_trace[16];
static seal_status_t oa(seal_plugin_t *s) { (void)s; strcat(order_trace, "a"); return SEAL_OK; }
static seal_status_t ob(seal_plugin_t *s) { (void)s; strcat(order_trace, "b"); return SEAL_OK; }
static seal_status_t oc(seal_plugin_t *s) { (void)s; strcat(order_trace, "c"); return SEAL_OK; }

START_TEST(after_orders_init)
{
    /* configured a, b, c; a must follow c, and c follow an absent "zz" */
    static const char *const a_after[] = { "c", NULL };
    static const char *const c_after[] = { "zz", NULL };
    const seal_plugin_desc_t da = { SEAL_PLUGIN_DESC_INIT, .name = "oa", .init = oa, .after = a_after };
    const seal_plugin_desc_t db = { SEAL_PLUGIN_DESC_INIT, .name = "ob", .init = ob };
    const seal_plugin_desc_t dc = { SEAL_PLUGIN_DESC_INIT, .name = "c", .init = oc, .after = c_after };
    seal_host_t *h = seal_host_new();
    ck_assert_int_eq(seal_host_configure_string(h, CONF, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &da, "oa"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &db, "ob"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &dc, "c"), SEAL_OK);
    order_trace[0] = '\0';
    ck_assert_int_eq(seal_host_init(h), SEAL_OK);
    ck_assert_str_eq(order_trace, "bca");
    seal_host_free(h);
}
END_TEST

START_TEST(after_cycle_refused)
{
    static const char *const x_after[] = { "oy", NULL };
    static const char *const y_after[] = { "ox", NULL };
    const seal_plugin_desc_t dx = { SEAL_PLUGIN_DESC_INIT, .name = "ox", .init = oa, .after = x_after };
    const seal_plugin_desc_t dy = { SEAL_PLUGIN_DESC_INIT, .name = "oy", .init = ob, .after = y_after };
    seal_host_t *h = seal_host_new();
    ck_assert_int_eq(seal_host_configure_string(h, CONF, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &dx, "ox"), SEAL_OK);
    ck_assert_int_eq(seal_host_add_builtin(h, &dy, "oy"), SEAL_OK);
    order_trace[0] = '\0';
    ck_assert_int_eq(seal_host_init(h), SEAL_E_CONFIG);
    ck_assert_str_eq(order_trace, "");
    seal_host_free(h);
}
END_TEST

/* ---- unread config keys ---- */
START_TEST(unknown_plugin_key_refused)
{
    const char *conf = "{ \"plugin_dir\": \"/nonexistent\", \"http\": { \"listen\": [\"127.0.0.1:0\"] },"
                       " \"plugins\": { \"a\": { \"typo\": 1 } } }";
    ck_assert_int_eq(seal_host_configure_string(host, conf, "test.conf"), SEAL_OK);
    ck_assert_int_eq(seal_host_init(host), SEAL_E_CONFIG);
}
END_TEST

START_TEST(store_absent_is_unsupported)
{
    ck_assert_int_eq(seal_host_init(host), SEAL_OK);
    char *json;
    ck_assert_int_eq(seal_store_get(self_a, NULL, "ns", "k", &json, NULL, NULL), SEAL_E_UNSUPPORTED);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("host");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, builtin_handshake);
    tcase_add_test(tc, registry_rules);
    tcase_add_test(tc, route_needs_registered_service);
    tcase_add_test(tc, init_failure_stops_startup);
    tcase_add_test(tc, hooks_order_and_veto);
    tcase_add_test(tc, events_fan_out_in_order);
    tcase_add_test(tc, events_bounded_queue_drops);
    tcase_add_test(tc, publish_before_freeze_refused);
    tcase_add_test(tc, unknown_plugin_key_refused);
    tcase_add_test(tc, after_orders_init);
    tcase_add_test(tc, after_cycle_refused);
    tcase_add_test(tc, store_absent_is_unsupported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
