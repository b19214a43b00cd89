/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/http-conns.c: per-client caps (IPv6 by /64), the head
 * deadline counted from a connection's first byte, and who is closed to
 * make room when the server is full. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http-conns.h"

/* What the table asked the engine to close, in order. */
typedef struct killed {
    pthread_mutex_t mu;
    void *h[64];
    int n;
} killed_t;

static void kill_cb(void *handle, void *user)
{
    killed_t *k = user;
    pthread_mutex_lock(&k->mu);
    if (k->n < 64)
        k->h[k->n++] = handle;
    pthread_mutex_unlock(&k->mu);
}

static int nkilled(killed_t *k)
{
    pthread_mutex_lock(&k->mu);
    int n = k->n;
    pthread_mutex_unlock(&k->mu);
    return n;
}

static void key4(const char *a, uint8_t key[SEAL_CONN_KEY_LEN])
{
    struct sockaddr_in in = { .sin_family = AF_INET };
    inet_pton(AF_INET, a, &in.sin_addr);
    ck_assert_int_eq(seal_conns_key(&in, key), 0);
}

static void key6(const char *a, uint8_t key[SEAL_CONN_KEY_LEN])
{
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
    inet_pton(AF_INET6, a, &in6.sin6_addr);
    ck_assert_int_eq(seal_conns_key(&in6, key), 0);
}

static seal_conns_t *table(killed_t *k, unsigned max, unsigned per, uint64_t head_ms)
{
    memset(k, 0, sizeof *k);
    pthread_mutex_init(&k->mu, NULL);
    seal_conns_conf_t c = { .max_total = max, .max_per_client = per,
                            .head_timeout_ns = head_ms * 1000000u, .kill = kill_cb, .user = k };
    seal_conns_t *t = seal_conns_new(&c);
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(per_client_cap_ipv6_by_64)
{
    killed_t k;
    seal_conns_t *t = table(&k, 100, 2, 0);
    uint8_t a[SEAL_CONN_KEY_LEN], b[SEAL_CONN_KEY_LEN], other[SEAL_CONN_KEY_LEN];
    key6("2001:db8:1:2::1", a);
    key6("2001:db8:1:2:ffff::9", b);      /* the same /64 */
    key6("2001:db8:1:3::1", other);       /* the next /64 */
    seal_conn_t *c[5];
    ck_assert_int_eq(seal_conns_open(t, a, (void *)1, &c[0]), SEAL_CONN_ADMIT);
    ck_assert_int_eq(seal_conns_open(t, b, (void *)2, &c[1]), SEAL_CONN_ADMIT);
    ck_assert_int_eq(seal_conns_open(t, a, (void *)3, &c[2]), SEAL_CONN_REFUSE_CLIENT);
    ck_assert_int_eq(seal_conns_open(t, other, (void *)4, &c[3]), SEAL_CONN_ADMIT);
    /* A refused connection does not count once it is closed... */
    seal_conns_close(t, c[2]);
    ck_assert_int_eq(seal_conns_open(t, b, (void *)5, &c[2]), SEAL_CONN_REFUSE_CLIENT);
    seal_conns_close(t, c[2]);
    /* ...nor does a served one. */
    seal_conns_close(t, c[0]);
    ck_assert_int_eq(seal_conns_open(t, a, (void *)6, &c[4]), SEAL_CONN_ADMIT);
    seal_conns_stats_t s;
    seal_conns_stats(t, &s);
    ck_assert_uint_eq(s.open, 3);
    ck_assert_uint_eq(s.refused_client, 2);
    ck_assert_int_eq(k.n, 0);
    seal_conns_close(t, c[1]);
    seal_conns_close(t, c[3]);
    seal_conns_close(t, c[4]);
    seal_conns_free(t);
}
END_TEST

START_TEST(ipv4_mapped_is_the_ipv4_client)
{
    uint8_t a[SEAL_CONN_KEY_LEN], b[SEAL_CONN_KEY_LEN];
    key4("192.0.2.7", a);
    key6("::ffff:192.0.2.7", b);
    ck_assert_int_eq(memcmp(a, b, SEAL_CONN_KEY_LEN), 0);
    key4("192.0.2.8", b);
    ck_assert_int_ne(memcmp(a, b, SEAL_CONN_KEY_LEN), 0);
}
END_TEST

START_TEST(full_evicts_idle_then_incomplete_never_busy)
{
    killed_t k;
    seal_conns_t *t = table(&k, 3, 0, 0);
    uint8_t key[SEAL_CONN_KEY_LEN];
    key4("127.0.0.1", key);
    seal_conn_t *busy, *head, *idle, *n1, *n2, *n3;
    ck_assert_int_eq(seal_conns_open(t, key, (void *)1, &busy), SEAL_CONN_ADMIT);
    ck_assert_int_eq(seal_conns_open(t, key, (void *)2, &head), SEAL_CONN_ADMIT);
    ck_assert_int_eq(seal_conns_open(t, key, (void *)3, &idle), SEAL_CONN_ADMIT);
    seal_conns_busy(t, busy);
    seal_conns_busy(t, idle);
    seal_conns_idle(t, idle);
    /* Full: the idle one goes first, though the incomplete one is older. */
    ck_assert_int_eq(seal_conns_open(t, key, (void *)4, &n1), SEAL_CONN_ADMIT);
    ck_assert_int_eq(k.n, 1);
    ck_assert_ptr_eq(k.h[0], (void *)3);
    /* Then the oldest incomplete one. */
    ck_assert_int_eq(seal_conns_open(t, key, (void *)5, &n2), SEAL_CONN_ADMIT);
    ck_assert_int_eq(k.n, 2);
    ck_assert_ptr_eq(k.h[1], (void *)2);
    /* Both new ones still wait for their heads: the older of them goes. */
    ck_assert_int_eq(seal_conns_open(t, key, (void *)6, &n3), SEAL_CONN_ADMIT);
    ck_assert_ptr_eq(k.h[2], (void *)4);
    /* Every live one busy: a new client is refused, and nobody is closed. */
    seal_conns_busy(t, n2);
    seal_conns_busy(t, n3);
    seal_conn_t *n4;
    ck_assert_int_eq(seal_conns_open(t, key, (void *)7, &n4), SEAL_CONN_FULL);
    ck_assert_int_eq(k.n, 3);
    /* The engine reports every one closed, the killed ones too. */
    seal_conn_t *all[] = { busy, head, idle, n1, n2, n3, n4 };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        seal_conns_close(t, all[i]);
    seal_conns_stats_t s;
    seal_conns_stats(t, &s);
    ck_assert_uint_eq(s.open, 0);
    ck_assert_uint_eq(s.evicted, 3);
    ck_assert_uint_eq(s.full, 1);
    seal_conns_free(t);
}
END_TEST

START_TEST(head_deadline_from_the_first_byte)
{
    killed_t k;
    seal_conns_t *t = table(&k, 10, 0, 200);
    uint8_t key[SEAL_CONN_KEY_LEN];
    key4("127.0.0.1", key);
    seal_conn_t *slow, *served;
    ck_assert_int_eq(seal_conns_open(t, key, (void *)1, &slow), SEAL_CONN_ADMIT);
    ck_assert_int_eq(seal_conns_open(t, key, (void *)2, &served), SEAL_CONN_ADMIT);
    seal_conns_busy(t, served);
    /* Trickling bytes report nothing to the table: the deadline holds. */
    for (int i = 0; i < 200 && nkilled(&k) == 0; i++)
        usleep(10000);
    ck_assert_int_eq(nkilled(&k), 1);
    ck_assert_ptr_eq(k.h[0], (void *)1);
    /* An idle keep-alive connection has no head deadline... */
    seal_conns_idle(t, served);
    usleep(400000);
    ck_assert_int_eq(nkilled(&k), 1);
    /* ...until its next request starts. */
    seal_conns_head(t, served);
    for (int i = 0; i < 200 && nkilled(&k) == 1; i++)
        usleep(10000);
    ck_assert_int_eq(nkilled(&k), 2);
    seal_conns_stats_t s;
    seal_conns_stats(t, &s);
    ck_assert_uint_eq(s.expired, 2);
    ck_assert_uint_eq(s.open, 0);
    seal_conns_close(t, slow);
    seal_conns_close(t, served);
    seal_conns_free(t);
}
END_TEST

/* Many threads opening, moving and closing at once, with the sweeper
 * killing: counts come back to zero (ASan/TSan catch the rest). */
static seal_conns_t *shared;

static void *churn(void *p)
{
    uint8_t key[SEAL_CONN_KEY_LEN] = { 4, 127, 0, 0, (uint8_t)(uintptr_t)p };
    for (int i = 0; i < 2000; i++) {
        seal_conn_t *c;
        if (seal_conns_open(shared, key, p, &c) == SEAL_CONN_ADMIT) {
            seal_conns_busy(shared, c);
            seal_conns_idle(shared, c);
            seal_conns_head(shared, c);
        }
        seal_conns_close(shared, c);
    }
    return NULL;
}

START_TEST(concurrent_churn)
{
    killed_t k;
    shared = table(&k, 8, 4, 1);
    pthread_t th[6];
    for (uintptr_t i = 0; i < 6; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, churn, (void *)(i + 1)), 0);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    seal_conns_stats_t s;
    seal_conns_stats(shared, &s);
    ck_assert_uint_eq(s.open, 0);
    ck_assert_uint_eq(s.head, 0);
    ck_assert_uint_eq(s.idle, 0);
    seal_conns_free(shared);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http-conns");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, per_client_cap_ipv6_by_64);
    tcase_add_test(tc, ipv4_mapped_is_the_ipv4_client);
    tcase_add_test(tc, full_evicts_idle_then_incomplete_never_busy);
    tcase_add_test(tc, head_deadline_from_the_first_byte);
    tcase_add_test(tc, concurrent_churn);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
