/* SPDX-License-Identifier: Apache-2.0 */
/* A key-encryption key in a PKCS#11 token (p11kek.h). One read-write
 * session per KEK; PKCS#11 allows one operation at a time on a session,
 * so a mutex serialises the seal and unseal calls (each is one
 * C_EncryptInit/C_Encrypt pair inside the token). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <p11-kit/p11-kit.h>
#include "p11kek.h"

#define PIN_MAX 256

struct seal_p11kek {
    CK_FUNCTION_LIST *f;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE key;
    int logged_in;
    pthread_mutex_t mu;
};

static seal_status_t fail(seal_plugin_t *self, const char *what, const char *op, CK_RV rv)
{
    seal_log(self, SEAL_LOG_ERR, "%s: %s failed: %s (0x%lx)", what, op, p11_kit_strerror(rv),
             (unsigned long)rv);
    return rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE ? SEAL_E_PERM : SEAL_E_IO;
}

/* The PIN from a regular file that group and others cannot access, without
 * its trailing white space. */
static seal_status_t read_pin(seal_plugin_t *self, const char *what, const char *path,
                              char pin[PIN_MAX + 1], size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        seal_log(self, SEAL_LOG_ERR, "%s: pin_file %s: %s", what, path, strerror(errno));
        return SEAL_E_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077)) {
        close(fd);
        seal_log(self, SEAL_LOG_ERR, "%s: pin_file %s must be a regular file that group and "
                 "others cannot access (chmod 600)", what, path);
        return SEAL_E_PERM;
    }
    ssize_t n = read(fd, pin, PIN_MAX + 1);
    close(fd);
    if (n < 0 || n > PIN_MAX) {
        explicit_bzero(pin, PIN_MAX + 1);
        seal_log(self, SEAL_LOG_ERR, "%s: pin_file %s: unreadable or longer than %d octets",
                 what, path, PIN_MAX);
        return SEAL_E_IO;
    }
    while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r' || pin[n - 1] == ' '
                     || pin[n - 1] == '\t'))
        n--;
    pin[n] = '\0';
    *len = (size_t)n;
    return SEAL_OK;
}

/* The slot whose token has this label (CK_TOKEN_INFO pads it with spaces). */
static seal_status_t find_slot(seal_plugin_t *self, const char *what, CK_FUNCTION_LIST *f,
                               const char *label, CK_SLOT_ID *slot)
{
    CK_ULONG n = 0;
    CK_RV rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
    if (rv != CKR_OK)
        return fail(self, what, "C_GetSlotList", rv);
    CK_SLOT_ID *slots = calloc(n ? n : 1, sizeof *slots);
    if (!slots)
        return SEAL_E_NOMEM;
    if ((rv = f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
        free(slots);
        return fail(self, what, "C_GetSlotList", rv);
    }
    size_t ll = strlen(label);
    seal_status_t st = SEAL_E_NOTFOUND;
    for (CK_ULONG i = 0; i < n && st == SEAL_E_NOTFOUND; i++) {
        CK_TOKEN_INFO ti;
        if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || ll > sizeof ti.label
            || memcmp(ti.label, label, ll) != 0)
            continue;
        size_t j = ll;
        while (j < sizeof ti.label && ti.label[j] == ' ')
            j++;
        if (j == sizeof ti.label) {
            *slot = slots[i];
            st = SEAL_OK;
        }
    }
    free(slots);
    if (st == SEAL_E_NOTFOUND)
        seal_log(self, SEAL_LOG_ERR, "%s: no token labelled \"%s\" in the module", what, label);
    return st;
}

static seal_status_t find_key(seal_plugin_t *self, const char *what, seal_p11kek_t *k,
                              const char *label)
{
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_CLASS, &cls, sizeof cls },
        { CKA_KEY_TYPE, &type, sizeof type },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    CK_RV rv = k->f->C_FindObjectsInit(k->session, tmpl, sizeof tmpl / sizeof tmpl[0]);
    if (rv != CKR_OK)
        return fail(self, what, "C_FindObjectsInit", rv);
    CK_OBJECT_HANDLE h[2];
    CK_ULONG n = 0;
    rv = k->f->C_FindObjects(k->session, h, 2, &n);
    k->f->C_FindObjectsFinal(k->session);
    if (rv != CKR_OK)
        return fail(self, what, "C_FindObjects", rv);
    if (n == 0)
        return SEAL_E_NOTFOUND;
    if (n > 1) {
        seal_log(self, SEAL_LOG_ERR, "%s: the token holds several AES keys labelled \"%s\"",
                 what, label);
        return SEAL_E_IO;
    }
    k->key = h[0];
    return SEAL_OK;
}

/* An AES-256 key made by the token, which never lets it out. */
static seal_status_t generate_key(seal_plugin_t *self, const char *what, seal_p11kek_t *k,
                                  const char *label)
{
    CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
    CK_ULONG len = 32;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE tmpl[] = {
        { CKA_VALUE_LEN, &len, sizeof len },
        { CKA_TOKEN, &yes, sizeof yes },
        { CKA_PRIVATE, &yes, sizeof yes },
        { CKA_SENSITIVE, &yes, sizeof yes },
        { CKA_EXTRACTABLE, &no, sizeof no },
        { CKA_ENCRYPT, &yes, sizeof yes },
        { CKA_DECRYPT, &yes, sizeof yes },
        { CKA_LABEL, (void *)label, strlen(label) },
    };
    CK_RV rv = k->f->C_GenerateKey(k->session, &mech, tmpl, sizeof tmpl / sizeof tmpl[0],
                                   &k->key);
    if (rv != CKR_OK)
        return fail(self, what, "C_GenerateKey (AES-256)", rv);
    seal_log(self, SEAL_LOG_NOTICE, "%s: created the key-encryption key \"%s\" in the token "
             "(AES-256, not extractable)", what, label);
    return SEAL_OK;
}

seal_status_t seal_p11kek_open(seal_plugin_t *self, const char *what,
                               const seal_p11kek_conf_t *conf, int may_create,
                               seal_p11kek_t **out)
{
    *out = NULL;
    seal_p11kek_t *k = calloc(1, sizeof *k);
    if (!k)
        return SEAL_E_NOMEM;
    pthread_mutex_init(&k->mu, NULL);
    k->session = CK_INVALID_HANDLE;
    seal_status_t st = SEAL_OK;
    char pin[PIN_MAX + 1];
    size_t pin_len = 0;
    CK_SLOT_ID slot = 0;
    CK_RV rv;
    if (!(k->f = p11_kit_module_load(conf->module, P11_KIT_MODULE_UNMANAGED))) {
        seal_log(self, SEAL_LOG_ERR, "%s: cannot load the PKCS#11 module %s: %s", what,
                 conf->module, p11_kit_message() ? p11_kit_message() : "unknown error");
        free(k);
        return SEAL_E_IO;
    }
    if ((rv = p11_kit_module_initialize(k->f)) != CKR_OK) {
        st = fail(self, what, "C_Initialize", rv);
        p11_kit_module_release(k->f);
        free(k);
        return st;
    }
    if ((st = find_slot(self, what, k->f, conf->token, &slot)) != SEAL_OK)
        goto out;
    if ((rv = k->f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                  &k->session)) != CKR_OK) {
        st = fail(self, what, "C_OpenSession", rv);
        goto out;
    }
    if ((st = read_pin(self, what, conf->pin_file, pin, &pin_len)) != SEAL_OK)
        goto out;
    rv = k->f->C_Login(k->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin_len);
    explicit_bzero(pin, sizeof pin);
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        st = fail(self, what, "C_Login", rv);
        goto out;
    }
    k->logged_in = 1;
    st = find_key(self, what, k, conf->key_label);
    if (st == SEAL_E_NOTFOUND && may_create)
        st = generate_key(self, what, k, conf->key_label);
out:
    if (st != SEAL_OK) {
        seal_p11kek_close(k);
        return st;
    }
    *out = k;
    return SEAL_OK;
}

/* One AES-GCM operation in the token: encrypt (seal) or decrypt. */
static CK_RV gcm(seal_p11kek_t *k, int encrypt, const uint8_t *iv, size_t iv_len,
                 const void *aad, size_t aad_len, const void *in, size_t in_len,
                 uint8_t *out, CK_ULONG out_size, CK_ULONG *out_len)
{
    CK_GCM_PARAMS p = {
        .pIv = (CK_BYTE_PTR)iv, .ulIvLen = iv_len, .ulIvBits = 8 * iv_len,
        .pAAD = (CK_BYTE_PTR)aad, .ulAADLen = aad_len, .ulTagBits = 128,
    };
    CK_MECHANISM mech = { CKM_AES_GCM, &p, sizeof p };
    *out_len = out_size;
    pthread_mutex_lock(&k->mu);
    CK_RV rv = encrypt ? k->f->C_EncryptInit(k->session, &mech, k->key)
                       : k->f->C_DecryptInit(k->session, &mech, k->key);
    if (rv == CKR_OK)
        rv = encrypt ? k->f->C_Encrypt(k->session, (CK_BYTE_PTR)in, in_len, out, out_len)
                     : k->f->C_Decrypt(k->session, (CK_BYTE_PTR)in, in_len, out, out_len);
    pthread_mutex_unlock(&k->mu);
    return rv;
}

seal_status_t seal_p11kek_seal(seal_p11kek_t *k, const uint8_t *iv, size_t iv_len,
                               const void *aad, size_t aad_len, const void *pt, size_t pt_len,
                               uint8_t *out)
{
    CK_ULONG n = 0;
    CK_RV rv = gcm(k, 1, iv, iv_len, aad, aad_len, pt, pt_len, out, pt_len + 16, &n);
    if (rv != CKR_OK || n != pt_len + 16) {
        explicit_bzero(out, pt_len + 16);
        return SEAL_E_IO;
    }
    return SEAL_OK;
}

seal_status_t seal_p11kek_unseal(seal_p11kek_t *k, const uint8_t *iv, size_t iv_len,
                                 const void *aad, size_t aad_len, const void *ct, size_t ct_len,
                                 uint8_t *out)
{
    if (ct_len < 16)
        return SEAL_E_CRYPTO;
    /* Modules may want room for the whole input before they have checked
     * the tag (SoftHSM2 does): decrypt into a buffer of ct_len. */
    uint8_t *buf = malloc(ct_len);
    if (!buf)
        return SEAL_E_NOMEM;
    CK_ULONG n = 0;
    CK_RV rv = gcm(k, 0, iv, iv_len, aad, aad_len, ct, ct_len, buf, ct_len, &n);
    if (rv == CKR_OK && n == ct_len - 16)
        memcpy(out, buf, n);
    explicit_bzero(buf, ct_len);
    free(buf);
    if (rv != CKR_OK || n != ct_len - 16) {
        explicit_bzero(out, ct_len - 16);
        /* A tag that does not verify is CKR_ENCRYPTED_DATA_INVALID in
         * PKCS#11 2.40; modules also say CKR_FUNCTION_FAILED, and SoftHSM2
         * CKR_GENERAL_ERROR. */
        return rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_FUNCTION_FAILED
                       || rv == CKR_GENERAL_ERROR || rv == CKR_OK ? SEAL_E_CRYPTO : SEAL_E_IO;
    }
    return SEAL_OK;
}

void seal_p11kek_close(seal_p11kek_t *k)
{
    if (!k)
        return;
    if (k->session != CK_INVALID_HANDLE) {
        if (k->logged_in)
            k->f->C_Logout(k->session);
        k->f->C_CloseSession(k->session);
    }
    p11_kit_module_finalize(k->f);
    p11_kit_module_release(k->f);
    pthread_mutex_destroy(&k->mu);
    free(k);
}
