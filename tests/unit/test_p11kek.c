/* SPDX-License-Identifier: Apache-2.0 */
/* lib/p11kek against a SoftHSM2 token in a temporary directory: the key is
 * made in the token and cannot be read out; seal/unseal round trips; an
 * altered blob or other additional data is refused; the key persists and
 * is not made anew without may_create; a wrong PIN is refused; concurrent
 * use from several threads. Skipped (77) without SoftHSM2. */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <p11-kit/p11-kit.h>
#include "p11kek/p11kek.h"

#define LABEL "seal-test"
#define PIN "1234-abcd"

static const char *const modules[] = {
    "/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
};
static const char *module;
static char dir[PATH_MAX], pin_file[PATH_MAX + 16];

/* Runs "<verb> '<dir>/<sub>'" (or cmd alone when sub is NULL). */
static void run(const char *verb, const char *sub)
{
    char cmd[PATH_MAX * 2];
    if (sub)
        snprintf(cmd, sizeof cmd, "%s '%s/%s'", verb, dir, sub);
    else
        snprintf(cmd, sizeof cmd, "%s", verb);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* A fresh, initialised token labelled LABEL. */
static void fresh_token(void)
{
    run("rm -rf", "tokens");
    run("mkdir", "tokens");
    run("softhsm2-util --init-token --free --label " LABEL " --pin " PIN
        " --so-pin so-" PIN " >/dev/null", NULL);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/seal-p11kek-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
                                                                          : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char conf[PATH_MAX + 32], text[PATH_MAX + 128];
    snprintf(conf, sizeof conf, "%s/softhsm2.conf", dir);
    snprintf(text, sizeof text, "directories.tokendir = %s/tokens\n"
             "objectstore.backend = file\nlog.level = ERROR\n", dir);
    write_file(conf, text, 0600);
    setenv("SOFTHSM2_CONF", conf, 1);
    fresh_token();
    snprintf(pin_file, sizeof pin_file, "%s/pin", dir);
    write_file(pin_file, PIN "\n", 0600);
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    run(cmd, NULL);
}

static seal_p11kek_t *open_kek(int may_create, seal_status_t want)
{
    seal_p11kek_conf_t c = { module, LABEL, pin_file, "kek" };
    seal_p11kek_t *k = NULL;
    ck_assert_int_eq(seal_p11kek_open(NULL, "test", &c, may_create, &k), want);
    ck_assert(want == SEAL_OK ? k != NULL : k == NULL);
    return k;
}

static const uint8_t iv[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const char secret[] = "KSAK and z: thirty-two octets...";

START_TEST(round_trip_and_refusals)
{
    seal_p11kek_t *k = open_kek(1, SEAL_OK);
    uint8_t ct[sizeof secret + 16], pt[sizeof secret];
    ck_assert_int_eq(seal_p11kek_seal(k, iv, 12, "rec-1", 5, secret, sizeof secret, ct),
                     SEAL_OK);
    ck_assert(memcmp(ct, secret, sizeof secret) != 0);
    ck_assert_int_eq(seal_p11kek_unseal(k, iv, 12, "rec-1", 5, ct, sizeof ct, pt), SEAL_OK);
    ck_assert_mem_eq(pt, secret, sizeof secret);
    /* Other additional data (the blob moved to another record). */
    ck_assert_int_eq(seal_p11kek_unseal(k, iv, 12, "rec-2", 5, ct, sizeof ct, pt),
                     SEAL_E_CRYPTO);
    static const uint8_t zero[sizeof secret];
    ck_assert_mem_eq(pt, zero, sizeof pt);
    /* Any altered octet, in the ciphertext or the tag. */
    for (size_t i = 0; i < sizeof ct; i += 7) {
        ct[i] ^= 0x40;
        ck_assert_int_eq(seal_p11kek_unseal(k, iv, 12, "rec-1", 5, ct, sizeof ct, pt),
                         SEAL_E_CRYPTO);
        ct[i] ^= 0x40;
    }
    ck_assert_int_eq(seal_p11kek_unseal(k, iv, 12, "rec-1", 5, ct, 15, pt), SEAL_E_CRYPTO);
    seal_p11kek_close(k);

    /* The key persists in the token: a new session unseals the blob. */
    k = open_kek(0, SEAL_OK);
    ck_assert_int_eq(seal_p11kek_unseal(k, iv, 12, "rec-1", 5, ct, sizeof ct, pt), SEAL_OK);
    ck_assert_mem_eq(pt, secret, sizeof secret);
    seal_p11kek_close(k);

    /* A fresh token has no key: without may_create it is not made. */
    fresh_token();
    open_kek(0, SEAL_E_NOTFOUND);
}
END_TEST

/* The key was made sensitive and not extractable: the token refuses to
 * give its value, to us or anyone. */
START_TEST(key_cannot_leave_the_token)
{
    seal_p11kek_close(open_kek(1, SEAL_OK));
    CK_FUNCTION_LIST *f = p11_kit_module_load(module, P11_KIT_MODULE_UNMANAGED);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(p11_kit_module_initialize(f), CKR_OK);
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    ck_assert_int_eq(f->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    ck_assert_uint_ge(n, 1);
    CK_SESSION_HANDLE s;
    ck_assert_int_eq(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
    ck_assert_int_eq(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)PIN, strlen(PIN)), CKR_OK);
    CK_ATTRIBUTE find = { CKA_LABEL, "kek", 3 };
    CK_OBJECT_HANDLE key;
    ck_assert_int_eq(f->C_FindObjectsInit(s, &find, 1), CKR_OK);
    ck_assert_int_eq(f->C_FindObjects(s, &key, 1, &n), CKR_OK);
    f->C_FindObjectsFinal(s);
    ck_assert_uint_eq(n, 1);
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, token = CK_FALSE;
    CK_ULONG len = 0;
    CK_ATTRIBUTE a[] = {
        { CKA_SENSITIVE, &sensitive, sizeof sensitive },
        { CKA_EXTRACTABLE, &extractable, sizeof extractable },
        { CKA_TOKEN, &token, sizeof token },
        { CKA_VALUE_LEN, &len, sizeof len },
    };
    ck_assert_int_eq(f->C_GetAttributeValue(s, key, a, 4), CKR_OK);
    ck_assert(sensitive == CK_TRUE && extractable == CK_FALSE && token == CK_TRUE);
    ck_assert_uint_eq(len, 32);
    uint8_t value[32];
    CK_ATTRIBUTE v = { CKA_VALUE, value, sizeof value };
    ck_assert_int_eq(f->C_GetAttributeValue(s, key, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
    f->C_Logout(s);
    f->C_CloseSession(s);
    p11_kit_module_finalize(f);
    p11_kit_module_release(f);
}
END_TEST

START_TEST(pin_is_checked)
{
    write_file(pin_file, "not-" PIN "\n", 0600);
    open_kek(1, SEAL_E_PERM);
    write_file(pin_file, PIN "\n", 0644);      /* others could read it */
    open_kek(1, SEAL_E_PERM);
}
END_TEST

static seal_p11kek_t *shared;

static void *worker(void *arg)
{
    char aad[16];
    snprintf(aad, sizeof aad, "t%d", (int)(intptr_t)arg);
    for (int i = 0; i < 200; i++) {
        uint8_t ct[sizeof secret + 16], pt[sizeof secret];
        if (seal_p11kek_seal(shared, iv, 12, aad, strlen(aad), secret, sizeof secret, ct)
            != SEAL_OK
            || seal_p11kek_unseal(shared, iv, 12, aad, strlen(aad), ct, sizeof ct, pt) != SEAL_OK
            || memcmp(pt, secret, sizeof secret) != 0)
            return (void *)1;
    }
    return NULL;
}

START_TEST(concurrent_use)
{
    shared = open_kek(1, SEAL_OK);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        ck_assert_ptr_null(rv);
    }
    seal_p11kek_close(shared);
}
END_TEST

int main(void)
{
    for (size_t i = 0; i < sizeof modules / sizeof modules[0] && !module; i++)
        if (access(modules[i], R_OK) == 0)
            module = modules[i];
    if (!module || system("command -v softhsm2-util >/dev/null") != 0) {
        printf("SKIP: SoftHSM2 is not installed (softhsm2)\n");
        return 77;
    }
    Suite *s = suite_create("p11kek");
    TCase *tc = tcase_create("softhsm2");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_trip_and_refusals);
    tcase_add_test(tc, key_cannot_leave_the_token);
    tcase_add_test(tc, pin_is_checked);
    tcase_add_test(tc, concurrent_use);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
