/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the inputs of the OpenID Connect endpoints (im_uu's
 * uu_form.c): application/x-www-form-urlencoded bodies of the token,
 * authorize, revoke and introspect endpoints, query parameters added one
 * by one, HTTP Basic client credentials and Bearer headers, and the escaping
 * of what is echoed back (HTML hidden fields, redirect query strings).
 * Besides memory errors (ASan/UBSan), it checks what callers rely on: no
 * empty or repeated name, no empty value, no NUL inside a value, escaped
 * HTML free of markup characters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "uu_form.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

static void check_form(const uu_form_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        CHECK(f->p[i].name[0] != '\0');
        CHECK(f->p[i].value[0] != '\0');
        for (size_t j = i + 1; j < f->n; j++)
            CHECK(strcmp(f->p[i].name, f->p[j].name) != 0);
        char *e = uu_html_escape(f->p[i].value);
        if (e) {
            CHECK(!strpbrk(e, "<>\"'"));
            free(e);
        }
        char *q = NULL;
        size_t len = 0;
        if (uu_query_append(&q, &len, f->p[i].name, f->p[i].value) == 0) {
            CHECK(strlen(q) == len);
            /* only unreserved characters, '%', '=' */
            for (size_t k = 0; k < len; k++)
                CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                             "0123456789-._~%=", q[k]));
            /* and it parses back to the same pair */
            uu_form_t back;
            CHECK(uu_form_parse(q, len, &back, NULL) == UU_FORM_OK);
            CHECK(back.n == 1 && strcmp(back.p[0].name, f->p[i].name) == 0
                  && strcmp(back.p[0].value, f->p[i].value) == 0);
            uu_form_free(&back);
        }
        free(q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uu_form_t f;
    const char *bad = NULL;
    int rc = uu_form_parse((const char *)data, size, &f, &bad);
    CHECK(rc == UU_FORM_OK || rc == UU_FORM_BAD || rc == UU_FORM_DUP || rc == UU_FORM_TOOBIG
          || rc == UU_FORM_NOMEM);
    if (rc == UU_FORM_DUP)
        CHECK(bad && uu_form_get(&f, bad));
    if (rc == UU_FORM_OK)
        check_form(&f);
    /* the same pairs through uu_form_add (the query path) */
    if (rc == UU_FORM_OK) {
        uu_form_t g;
        memset(&g, 0, sizeof g);
        for (size_t i = 0; i < f.n; i++)
            CHECK(uu_form_add(&g, f.p[i].name, f.p[i].value, NULL) == UU_FORM_OK);
        CHECK(g.n == f.n);
        check_form(&g);
        uu_form_free(&g);
    }
    uu_form_free(&f);

    /* the input as a header value */
    char *h = malloc(size + 1);
    if (!h)
        return 0;
    memcpy(h, data, size);
    h[size] = '\0';
    char *id = NULL, *secret = NULL;
    rc = uu_basic_parse(h, &id, &secret);
    CHECK(rc == 0 || rc == 1 || rc == -1);
    if (rc == 0)
        CHECK(id && secret && id[0]);
    else
        CHECK(!id && !secret);
    free(id);
    free(secret);
    size_t n = 0;
    const char *t = uu_bearer_token(h, &n);
    if (t)
        CHECK(n > 0 && t >= h && t + n <= h + strlen(h));
    free(h);
    return 0;
}
