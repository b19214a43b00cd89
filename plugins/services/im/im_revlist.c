/* SPDX-License-Identifier: Apache-2.0 */
/* The revocation list (README "Revocation list"; seal_im_v1_t.revocations).
 * Access tokens are JWTs that resource servers check locally (RFC 9068);
 * nothing in OAuth tells those servers that a token was revoked (RFC 7009
 * 2: "the authorization server ... may not be able to" for self-contained
 * tokens) or that its user or client was disabled. This server publishes
 * what they must refuse until the tokens expire: the revoked access
 * tokens' jtis, and the users and clients disabled while some of their
 * access tokens may still be alive -- as SHA-256 hashes, since the list is
 * public and a jti names nobody but a user id does.
 *
 *   im.revoked   key jti: {exp}                          (im_family.c)
 *   im.disabled  key "sub:<hash>" / "client:<hash>": {exp: until}
 *
 * Every new entry runs the hook SEAL_IM_HOOK_REVOKED at once, so that a
 * resource server in this seald applies it before the revoking call
 * returns; remote ones poll the list (authz_jwt revocation_uri). The JSON
 * text is kept and made again from the store only after a revocation or
 * when it is a second old, so polls cost a copy. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "im_int.h"

/* How long the kept text may serve without a revocation in between: it
 * only drops the expired entries and brings "generated" forward. */
#define REMAKE_MS 1000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void im_revlist_init(im_ctx_t *c)
{
    pthread_mutex_init(&c->rl_mu, NULL);
}

void im_revlist_free(im_ctx_t *c)
{
    free(c->rl_text);
    c->rl_text = NULL;
    pthread_mutex_destroy(&c->rl_mu);
}

void im_revlist_notify(im_ctx_t *c, int kind, const char *value, int64_t until)
{
    atomic_fetch_add(&c->rl_gen, 1);
    seal_im_revoked_t r = { .struct_size = sizeof r, .issuer = c->issuer, .kind = kind,
                            .value = value, .until = until };
    seal_hook_run(c->self, SEAL_IM_HOOK_REVOKED, &r);
}

seal_status_t im_revlist_disabled(im_ctx_t *c, int kind, const char *id)
{
    char hash[IM_TOKEN_CHARS + 1], key[IM_TOKEN_CHARS + 8];
    seal_status_t st = im_token_key(c, id, hash);   /* base64url(SHA-256(id)) */
    if (st != SEAL_OK)
        return st;
    strcpy(key, kind == SEAL_IM_REVOKED_SUBJECT ? "sub:" : "client:");
    strcat(key, hash);
    /* Every access token issued before now has expired at now + at_ttl;
     * resource servers accept one up to leeway (<= 30 s) longer. A
     * disabled user or client gets no new token, and none is enabled
     * again, so the entry can go then. */
    int64_t until = im_now() + c->at_ttl + IM_LEEWAY;
    /* In this process first: a store failure must not leave its resource
     * servers open. */
    im_revlist_notify(c, kind, hash, until);
    struct json_object *o = json_object_new_object();
    st = o && !im_jadd_int(o, "exp", until)
         ? im_store_put(c, NULL, IM_NS_DISABLED, key, o, SEAL_REV_ANY, NULL, 0)
         : SEAL_E_NOMEM;
    json_object_put(o);
    atomic_fetch_add(&c->rl_gen, 1);   /* the list is made again with it */
    return st;
}

/* ---- the list ---- */

typedef struct make_ctx {
    int64_t now;
    struct json_object *jtis, *subjects, *clients;
    int oom;
} make_ctx_t;

static int add_entry(struct json_object *arr, const char *id_key, const char *id,
                     const char *t_key, int64_t t)
{
    struct json_object *e = json_object_new_object();
    if (!e || im_jadd_str(e, id_key, id) || im_jadd_int(e, t_key, t)) {
        json_object_put(e);
        return -1;
    }
    return json_object_array_add(arr, e) ? -1 : 0;
}

static int visit_jti(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    make_ctx_t *m = p;
    struct json_object *o = im_json_parse(json, len);
    int64_t exp = im_jint(o, "exp", 0);
    json_object_put(o);
    (void)rev;
    /* Until exp + leeway: resource servers accept a token that long. */
    if (exp + IM_LEEWAY >= m->now && add_entry(m->jtis, "jti", key, "exp", exp))
        m->oom = 1;
    return m->oom;
}

static int visit_disabled(const char *key, const char *json, size_t len, uint64_t rev, void *p)
{
    make_ctx_t *m = p;
    struct json_object *o = im_json_parse(json, len);
    int64_t until = im_jint(o, "exp", 0);
    json_object_put(o);
    (void)rev;
    const char *colon = strchr(key, ':');
    if (!colon || until < m->now)
        return 0;
    struct json_object *arr = strncmp(key, "sub:", 4) == 0 ? m->subjects : m->clients;
    if (add_entry(arr, "sha256", colon + 1, "until", until))
        m->oom = 1;
    return m->oom;
}

/* The list from the store (malloc'd text), or NULL with *st. */
static char *make(im_ctx_t *c, size_t *len, seal_status_t *st)
{
    make_ctx_t m = { .now = im_now(), .jtis = json_object_new_array(),
                     .subjects = json_object_new_array(), .clients = json_object_new_array() };
    struct json_object *o = json_object_new_object();
    char *text = NULL;
    *st = SEAL_E_NOMEM;
    if (!o || !m.jtis || !m.subjects || !m.clients)
        goto out;
    if ((*st = seal_store_scan(c->self, NULL, IM_NS_REVOKED, "", visit_jti, &m)) != SEAL_OK
        || (*st = seal_store_scan(c->self, NULL, IM_NS_DISABLED, "", visit_disabled, &m))
               != SEAL_OK)
        goto out;
    *st = SEAL_E_NOMEM;
    if (m.oom || im_jadd_str(o, "issuer", c->issuer) || im_jadd_int(o, "generated", m.now))
        goto out;
    json_object_object_add(o, "jtis", m.jtis);
    json_object_object_add(o, "subjects", m.subjects);
    json_object_object_add(o, "clients", m.clients);
    m.jtis = m.subjects = m.clients = NULL;
    if ((text = im_json_text(o, len)))
        *st = SEAL_OK;
out:
    json_object_put(m.jtis);
    json_object_put(m.subjects);
    json_object_put(m.clients);
    json_object_put(o);
    return text;
}

seal_status_t im_revocations(void *user, char **json, size_t *len)
{
    im_ctx_t *c = user;
    seal_status_t st = SEAL_OK;
    *json = NULL;
    /* One caller makes the list; the others wait for it and copy it. */
    pthread_mutex_lock(&c->rl_mu);
    uint64_t gen = atomic_load(&c->rl_gen);
    int64_t now = mono_ms();
    if (!c->rl_text || c->rl_made_gen != gen || now - c->rl_made_ms >= REMAKE_MS) {
        size_t n = 0;
        char *text = make(c, &n, &st);
        if (text) {
            free(c->rl_text);
            c->rl_text = text;
            c->rl_len = n;
            c->rl_made_ms = now;
            /* A revocation while it was made bumped rl_gen past gen: the
             * next call makes it again. */
            c->rl_made_gen = gen;
        }
    }
    if (st == SEAL_OK && !(*json = malloc(c->rl_len + 1)))
        st = SEAL_E_NOMEM;
    if (st == SEAL_OK) {
        memcpy(*json, c->rl_text, c->rl_len + 1);
        *len = c->rl_len;
    }
    pthread_mutex_unlock(&c->rl_mu);
    if (st != SEAL_OK)
        seal_log(c->self, SEAL_LOG_ERR, "the revocation list cannot be made: %s",
                 seal_strerror(st));
    return st;
}
