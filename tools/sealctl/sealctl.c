/* SPDX-License-Identifier: Apache-2.0 */
/* sealctl: the operator's command line for the SEAL identity management
 * server's administration endpoint (im_uu: /admin/v1/..., over HTTPS with
 * an operator's client certificate: seald.conf "principals", role
 * operator). Users and clients are
 * added, listed and disabled, and the signing key rotated, here; no one
 * edits the database. A user's password is read from standard input (with
 * the echo off on a terminal), never from the command line, where other
 * users could read it in the process list. See sealctl(8). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "sjson/sjson.h"

#define MAX_LIST 32
#define MAX_BODY (4u * 1024 * 1024)

typedef struct opts {
    const char *url, *cacert, *cert, *key;
    int json;
} opts_t;

typedef struct buf {
    char *s;
    size_t n;
    int toobig;
} buf_t;

static void usage(FILE *f)
{
    fputs("usage: sealctl [--url URL] [--cacert FILE] [--cert FILE] [--key FILE] [--json]\n"
          "               COMMAND ...\n"
          "commands:\n"
          "  user add USER_ID [--val-user-id ID]...   (password on standard input)\n"
          "  user list\n"
          "  user disable USER_ID\n"
          "  client add [CLIENT_ID] --type public|confidential [--redirect-uri URI]...\n"
          "             [--grant-type TYPE]... [--scope SCOPE]... [--name NAME]\n"
          "             (no --scope: the client gets no scope)\n"
          "  client list\n"
          "  client disable CLIENT_ID\n"
          "  key rotate\n"
          "  km revoke IDENTITY_URI | km restore IDENTITY_URI | km status IDENTITY_URI\n"
          "  km rollover [--status]\n"
          "Defaults come from SEALCTL_URL, SEALCTL_CACERT, SEALCTL_CERT, SEALCTL_KEY.\n"
          "See sealctl(8).\n", f);
}

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    buf_t *b = user;
    size_t n = size * nmemb;
    if (b->n + n > MAX_BODY) {
        b->toobig = 1;
        return 0;
    }
    char *s = realloc(b->s, b->n + n + 1);
    if (!s)
        return 0;
    memcpy(s + b->n, ptr, n);
    b->s = s;
    b->n += n;
    b->s[b->n] = '\0';
    return n;
}

/* One request; returns the HTTP status (0 on a transport error, reported). */
static long call(const opts_t *o, const char *method, const char *path, const char *body,
                 buf_t *out)
{
    CURL *c = curl_easy_init();
    if (!c) {
        fprintf(stderr, "sealctl: cannot initialise libcurl\n");
        return 0;
    }
    size_t ul = strlen(o->url);
    while (ul > 0 && o->url[ul - 1] == '/')
        ul--;
    char *url = malloc(ul + strlen(path) + 1);
    if (!url) {
        curl_easy_cleanup(c);
        return 0;
    }
    memcpy(url, o->url, ul);
    strcpy(url + ul, path);
    struct curl_slist *h = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (o->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
    if (o->cert)
        curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
    if (o->key)
        curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
    h = curl_slist_append(h, "Accept: application/json, application/problem+json");
    if (body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    long status = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "sealctl: %s: %s\n", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    return status;
}

/* Reports a refusal: the ProblemDetails' detail when there is one. */
static int refused(long status, const buf_t *b)
{
    struct json_object *o = b->s ? sjson_parse(b->s, b->n, 32, NULL) : NULL, *d;
    const char *detail = NULL;
    if (o && json_object_object_get_ex(o, "detail", &d))
        detail = json_object_get_string(d);
    fprintf(stderr, "sealctl: refused (HTTP %ld)%s%s\n", status, detail ? ": " : "",
            detail ? detail : "");
    if (status == 403 && !detail)
        fprintf(stderr, "sealctl: is --cert an operator's certificate (seald.conf "
                "\"principals\", role operator)?\n");
    json_object_put(o);
    return 1;
}

/* The server's answer, read strictly (lib/sjson: no duplicate names, UTF-8
 * only, nothing after the value). */
static struct json_object *parse_array_or_object(const buf_t *b)
{
    return b->s ? sjson_parse(b->s, b->n, 32, NULL) : NULL;
}

/* ---- password ---- */

/* Reads one line from stdin into buf; on a terminal, prompt with the echo
 * off. 0, or -1 (reported). */
static int read_line(const char *prompt, char *buf, size_t cap)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        } else {
            tty = 0;
        }
    }
    char *got = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got) {
        fprintf(stderr, "sealctl: no password on standard input\n");
        return -1;
    }
    size_t n = strlen(buf);
    if (n == cap - 1 && buf[n - 1] != '\n') {
        fprintf(stderr, "sealctl: password too long\n");
        wipe(buf, cap);
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return 0;
}

static int read_password(char *pw, size_t cap)
{
    if (read_line("Password: ", pw, cap) != 0)
        return -1;
    if (isatty(STDIN_FILENO)) {
        char again[1100];
        int same = read_line("Password (again): ", again, sizeof again) == 0
                   && strcmp(pw, again) == 0;
        wipe(again, sizeof again);
        if (!same) {
            fprintf(stderr, "sealctl: the passwords differ\n");
            wipe(pw, cap);
            return -1;
        }
    }
    if (!*pw) {
        fprintf(stderr, "sealctl: empty password\n");
        return -1;
    }
    return 0;
}

/* ---- commands ---- */

static void print_list(struct json_object *a, const char *key, FILE *f)
{
    struct json_object *v;
    if (!json_object_object_get_ex(a, key, &v) || !json_object_is_type(v, json_type_array)) {
        fputs("-", f);
        return;
    }
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? "," : "", json_object_get_string(json_object_array_get_idx(v, i)));
    if (!n)
        fputs("-", f);
}

static const char *str(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int user_add(const opts_t *o, int argc, char **argv)
{
    static const struct option lo[] = { { "val-user-id", required_argument, NULL, 'v' },
                                        { NULL, 0, NULL, 0 } };
    const char *ids[MAX_LIST];
    size_t nids = 0;
    int ch;
    optind = 0;   /* glibc: 0 re-initialises the parser (after "+" mode) */
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch != 'v' || nids == MAX_LIST) {
            usage(stderr);
            return 2;
        }
        ids[nids++] = optarg;
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    char pw[1100];
    if (read_password(pw, sizeof pw) != 0)
        return 1;
    struct json_object *b = json_object_new_object(), *a = json_object_new_array();
    json_object_object_add(b, "user_id", json_object_new_string(argv[optind]));
    for (size_t i = 0; i < nids; i++)
        json_object_array_add(a, json_object_new_string(ids[i]));
    if (nids)
        json_object_object_add(b, "val_user_ids", a);
    else
        json_object_put(a);
    json_object_object_add(b, "password", json_object_new_string(pw));
    wipe(pw, sizeof pw);
    char *body = strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
    /* json-c's own copy of the password goes with the object. */
    struct json_object *p;
    if (json_object_object_get_ex(b, "password", &p))
        wipe((char *)json_object_get_string(p), (size_t)json_object_get_string_len(p));
    json_object_put(b);
    if (!body)
        return 1;
    buf_t r = {0};
    long st = call(o, "POST", "/admin/v1/users", body, &r);
    wipe(body, strlen(body));
    free(body);
    int rc = 0;
    if (st == 201) {
        struct json_object *u = parse_array_or_object(&r);
        if (o->json) {
            printf("%s\n", r.s);
        } else {
            printf("user %s added (VAL user ids: ", str(u, "user_id"));
            print_list(u, "val_user_ids", stdout);
            printf(")\n");
        }
        json_object_put(u);
    } else {
        rc = st ? refused(st, &r) : 1;
    }
    free(r.s);
    return rc;
}

static int list(const opts_t *o, const char *what)
{
    buf_t r = {0};
    char path[64];
    snprintf(path, sizeof path, "/admin/v1/%s", what);
    long st = call(o, "GET", path, NULL, &r);
    if (st != 200) {
        int rc = st ? refused(st, &r) : 1;
        free(r.s);
        return rc;
    }
    if (o->json) {
        printf("%s\n", r.s);
        free(r.s);
        return 0;
    }
    struct json_object *a = parse_array_or_object(&r);
    int users = strcmp(what, "users") == 0;
    if (users)
        printf("%-24s %-8s %s\n", "USER_ID", "ENABLED", "VAL_USER_IDS");
    else
        printf("%-24s %-13s %-8s %-30s %s\n", "CLIENT_ID", "TYPE", "ENABLED", "SCOPES",
               "REDIRECT_URIS");
    for (size_t i = 0; a && json_object_is_type(a, json_type_array)
                       && i < json_object_array_length(a); i++) {
        struct json_object *e = json_object_array_get_idx(a, i);
        if (users) {
            printf("%-24s %-8s ", str(e, "user_id"), str(e, "enabled"));
            print_list(e, "val_user_ids", stdout);
        } else {
            printf("%-24s %-13s %-8s ", str(e, "client_id"), str(e, "type"), str(e, "enabled"));
            print_list(e, "scopes", stdout);
            fputs(" ", stdout);
            print_list(e, "redirect_uris", stdout);
        }
        fputs("\n", stdout);
    }
    json_object_put(a);
    free(r.s);
    return 0;
}

/* "/admin/v1/<what>/<id><suffix>" with id percent-encoded (RFC 3986 2.1):
 * every octet but the unreserved ones, so that an id with sub-delims, ':'
 * or '@' (e.g. "alice+ops@example.org;x=1") reaches the server as one
 * path segment that decodes back to itself. The server judges the id
 * (lib/ident's grammar). malloc'd; NULL when out of memory. */
static char *admin_path(const char *what, const char *id, const char *suffix)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(id);
    char *p = malloc(sizeof "/admin/v1//" + strlen(what) + 3 * n + strlen(suffix));
    if (!p)
        return NULL;
    char *w = p + sprintf(p, "/admin/v1/%s/", what);
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
            || strchr("-._~", *c)) {
            *w++ = (char)*c;
        } else {
            *w++ = '%';
            *w++ = hex[*c >> 4];
            *w++ = hex[*c & 15];
        }
    }
    strcpy(w, suffix);
    return p;
}

static int disable(const opts_t *o, const char *what, const char *id)
{
    if (!*id) {
        fprintf(stderr, "sealctl: an empty id\n");
        return 2;
    }
    char *path = admin_path(what, id, "/disable");
    if (!path)
        return 1;
    buf_t r = {0};
    long st = call(o, "POST", path, NULL, &r);
    free(path);
    int rc = 0;
    if (st == 204)
        printf("%s %s disabled\n", strcmp(what, "users") == 0 ? "user" : "client", id);
    else
        rc = st ? refused(st, &r) : 1;
    free(r.s);
    return rc;
}

static int client_add(const opts_t *o, int argc, char **argv)
{
    static const struct option lo[] = {
        { "type", required_argument, NULL, 't' },
        { "redirect-uri", required_argument, NULL, 'r' },
        { "grant-type", required_argument, NULL, 'g' },
        { "scope", required_argument, NULL, 's' },
        { "name", required_argument, NULL, 'n' },
        { NULL, 0, NULL, 0 } };
    const char *type = NULL, *name = NULL, *uris[MAX_LIST], *grants[MAX_LIST], *scopes[MAX_LIST];
    size_t nu = 0, ng = 0, ns = 0;
    int ch;
    optind = 0;   /* glibc: 0 re-initialises the parser (after "+" mode) */
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch == 't') type = optarg;
        else if (ch == 'n') name = optarg;
        else if (ch == 'r' && nu < MAX_LIST) uris[nu++] = optarg;
        else if (ch == 'g' && ng < MAX_LIST) grants[ng++] = optarg;
        else if (ch == 's' && ns < MAX_LIST) scopes[ns++] = optarg;
        else {
            usage(stderr);
            return 2;
        }
    }
    if (!type || optind < argc - 1) {
        fprintf(stderr, "sealctl: client add needs --type public|confidential\n");
        return 2;
    }
    struct json_object *b = json_object_new_object();
    if (optind == argc - 1)
        json_object_object_add(b, "client_id", json_object_new_string(argv[optind]));
    json_object_object_add(b, "type", json_object_new_string(type));
    if (name)
        json_object_object_add(b, "name", json_object_new_string(name));
    struct { const char *key; const char **v; size_t n; } arrays[] = {
        { "redirect_uris", uris, nu }, { "grant_types", grants, ng }, { "scopes", scopes, ns } };
    for (size_t k = 0; k < 3; k++) {
        if (!arrays[k].n)
            continue;
        struct json_object *a = json_object_new_array();
        for (size_t i = 0; i < arrays[k].n; i++)
            json_object_array_add(a, json_object_new_string(arrays[k].v[i]));
        json_object_object_add(b, arrays[k].key, a);
    }
    buf_t r = {0};
    long st = call(o, "POST", "/admin/v1/clients",
                   json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN), &r);
    json_object_put(b);
    int rc = 0;
    if (st == 201) {
        struct json_object *cl = parse_array_or_object(&r), *sec;
        if (o->json) {
            printf("%s\n", r.s);
        } else {
            /* The scopes the server granted: exactly those registered, none
             * by default ("-"). */
            printf("client_id: %s\ntype: %s\nscopes: ", str(cl, "client_id"), str(cl, "type"));
            print_list(cl, "scopes", stdout);
            printf("\ngrant_types: ");
            print_list(cl, "grant_types", stdout);
            printf("\nredirect_uris: ");
            print_list(cl, "redirect_uris", stdout);
            printf("\n");
            if (json_object_object_get_ex(cl, "client_secret", &sec))
                printf("client_secret: %s\n"
                       "(the secret is shown only this once: store it now)\n",
                       json_object_get_string(sec));
        }
        if (cl && json_object_object_get_ex(cl, "client_secret", &sec))
            wipe((char *)json_object_get_string(sec), (size_t)json_object_get_string_len(sec));
        json_object_put(cl);
        fflush(stdout);
    } else {
        rc = st ? refused(st, &r) : 1;
    }
    if (r.s) {
        wipe(r.s, r.n);
        free(r.s);
    }
    return rc;
}

static int key_rotate(const opts_t *o)
{
    buf_t r = {0};
    long st = call(o, "POST", "/admin/v1/keys/rotate", NULL, &r);
    int rc = 0;
    if (st == 200) {
        struct json_object *k = parse_array_or_object(&r);
        if (o->json)
            printf("%s\n", r.s);
        else
            printf("signing key %s is current (previous: %s, published until its tokens "
                   "expire)\n", str(k, "kid"), str(k, "previous_kid"));
        json_object_put(k);
    } else {
        rc = st ? refused(st, &r) : 1;
    }
    free(r.s);
    return rc;
}

/* ---- key management (km_uu's /admin/v1/km) ---- */

/* km revoke|restore|status IDENTITY_URI */
static int km_identity(const opts_t *o, const char *verb, const char *identity)
{
    if (!*identity) {
        fprintf(stderr, "sealctl: an empty identity URI\n");
        return 2;
    }
    char *path = admin_path("km/revocations", identity, "");
    if (!path)
        return 1;
    const char *method = !strcmp(verb, "revoke") ? "PUT" : !strcmp(verb, "restore") ? "DELETE"
                                                                                    : "GET";
    buf_t r = {0};
    long st = call(o, method, path, NULL, &r);
    free(path);
    int rc = 0;
    if (st == 204) {
        printf("%s %s\n", identity, !strcmp(verb, "revoke") ? "revoked: nothing more is issued "
               "or served for it" : "restored");
    } else if (st == 200) {
        struct json_object *k = parse_array_or_object(&r), *v;
        int revoked = k && json_object_object_get_ex(k, "revoked", &v) &&
                      json_object_get_boolean(v);
        if (o->json)
            printf("%s\n", r.s);
        else
            printf("%s: %s\n", identity, revoked ? "revoked" : "not revoked");
        json_object_put(k);
    } else {
        rc = st ? refused(st, &r) : 1;
    }
    free(r.s);
    return rc;
}

/* km rollover [--status] */
static int km_rollover(const opts_t *o, int start)
{
    buf_t r = {0};
    long st = call(o, start ? "POST" : "GET", "/admin/v1/km/rollover", NULL, &r);
    int rc = 0;
    if (st == 200) {
        struct json_object *k = parse_array_or_object(&r);
        if (o->json)
            printf("%s\n", r.s);
        else
            printf("master keys: generation %s; previous generation %s served until %s "
                   "(Unix time, 0: none); next automatic rollover %s (0: none)\n",
                   str(k, "generation"), str(k, "previousGeneration"), str(k, "overlapUntil"),
                   str(k, "nextRollover"));
        json_object_put(k);
    } else {
        rc = st ? refused(st, &r) : 1;
    }
    free(r.s);
    return rc;
}

int main(int argc, char **argv)
{
    opts_t o = { getenv("SEALCTL_URL"), getenv("SEALCTL_CACERT"), getenv("SEALCTL_CERT"),
                 getenv("SEALCTL_KEY"), 0 };
    static const struct option lo[] = {
        { "url", required_argument, NULL, 'u' }, { "cacert", required_argument, NULL, 'a' },
        { "cert", required_argument, NULL, 'c' }, { "key", required_argument, NULL, 'k' },
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    int ch;
    /* "+": stop at the first command word; its options are its own. */
    while ((ch = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (ch) {
        case 'u': o.url = optarg; break;
        case 'a': o.cacert = optarg; break;
        case 'c': o.cert = optarg; break;
        case 'k': o.key = optarg; break;
        case 'j': o.json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.url)
        o.url = "https://127.0.0.1:8443";
    if (strncmp(o.url, "https://", 8) != 0) {
        fprintf(stderr, "sealctl: --url must be https:// (the endpoint needs a client "
                "certificate)\n");
        return 2;
    }
    if (!o.cert || !o.key) {
        fprintf(stderr, "sealctl: --cert and --key (an administrator's certificate) are "
                "required\n");
        return 2;
    }
    int n = argc - optind;
    char **a = argv + optind;
    if (n < 2) {
        usage(stderr);
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "sealctl: cannot initialise libcurl\n");
        return 1;
    }
    int rc = 2;
    /* Subcommand argv: a[1] is the verb, options and operands follow. */
    if (!strcmp(a[0], "user") && !strcmp(a[1], "add"))
        rc = user_add(&o, n - 1, a + 1);
    else if (!strcmp(a[0], "user") && !strcmp(a[1], "list") && n == 2)
        rc = list(&o, "users");
    else if (!strcmp(a[0], "user") && !strcmp(a[1], "disable") && n == 3)
        rc = disable(&o, "users", a[2]);
    else if (!strcmp(a[0], "client") && !strcmp(a[1], "add"))
        rc = client_add(&o, n - 1, a + 1);
    else if (!strcmp(a[0], "client") && !strcmp(a[1], "list") && n == 2)
        rc = list(&o, "clients");
    else if (!strcmp(a[0], "client") && !strcmp(a[1], "disable") && n == 3)
        rc = disable(&o, "clients", a[2]);
    else if (!strcmp(a[0], "key") && !strcmp(a[1], "rotate") && n == 2)
        rc = key_rotate(&o);
    else if (!strcmp(a[0], "km") && n == 3 &&
             (!strcmp(a[1], "revoke") || !strcmp(a[1], "restore") || !strcmp(a[1], "status")))
        rc = km_identity(&o, a[1], a[2]);
    else if (!strcmp(a[0], "km") && !strcmp(a[1], "rollover") &&
             (n == 2 || (n == 3 && !strcmp(a[2], "--status"))))
        rc = km_rollover(&o, n == 2);
    else
        usage(stderr);
    curl_global_cleanup();
    return rc;
}
