/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: what libsealclient reads from the IdM server and the
 * browser, untrusted: the login page (sc_html_find_form) and the redirect
 * query (sc_query_parse), plus the round trip query -> pairs -> form
 * encoding -> pairs, which must give the same pairs back.
 * Byte 0 selects: even = HTML page, odd = query string.
 * Build and fuzz: client/tests/fuzz_client_parse.sh fuzz [seconds];
 * `make check` replays the seed corpus (client/tests/corpus/client_parse). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const sc_pairs_t *p)
{
    sc_form_t f = { 0 };
    for (size_t i = 0; i < p->n; i++)
        sc_form_add(&f, p->name[i], p->value[i]);
    char *s = sc_form_take(&f);
    if (!s)
        return;         /* out of memory */
    sc_pairs_t q;
    if (sc_query_parse(s, strlen(s), &q) != 0) {
        fprintf(stderr, "our own encoding does not parse: %s\n", s);
        abort();
    }
    /* empty names are dropped by neither side: counts must agree */
    if (q.n != p->n)
        abort();
    for (size_t i = 0; i < q.n; i++)
        if (strcmp(q.name[i], p->name[i]) != 0 || strcmp(q.value[i], p->value[i]) != 0)
            abort();
    sc_pairs_free(&q);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if ((data[0] & 1) == 0) {
        sc_html_form_t f;
        if (sc_html_find_form(text, len, &f) == 0) {
            for (size_t i = 0; i < f.fields.n; i++)
                if (!f.fields.name[i][0])
                    abort();            /* unnamed inputs are never submitted */
            sc_html_form_free(&f);
        }
    } else {
        sc_pairs_t p;
        if (sc_query_parse(text, len, &p) == 0) {
            roundtrip(&p);
            sc_pairs_free(&p);
        }
    }
    return 0;
}
