/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers of the key management server: clock, hex, JSON. */
#include <string.h>
#include <time.h>
#include "km_int.h"

int64_t km_now(void)
{
    return (int64_t)time(NULL);
}

void km_hex(const uint8_t *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int km_unhex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

const char *km_jstr(struct json_object *o, const char *k)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int64_t km_jint(struct json_object *o, const char *k, int64_t def)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
        return def;
    return json_object_get_int64(v);
}

struct json_object *km_json_parse(const char *s, size_t len)
{
    struct json_tokener *t = json_tokener_new();
    if (!t)
        return NULL;
    struct json_object *o = json_tokener_parse_ex(t, s, (int)len);
    if (json_tokener_get_error(t) != json_tokener_success
        || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(t);
    return o;
}

/* Publishes ev (consumed); a full queue only costs the event (logged). */
void km_publish(km_ctx_t *c, const char *topic, struct json_object *ev)
{
    const char *text = ev ? json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN) : NULL;
    seal_status_t st = text ? seal_event_publish(c->self, topic, text, strlen(text))
                            : SEAL_E_NOMEM;
    if (st != SEAL_OK)
        seal_log(c->self, SEAL_LOG_WARN, "event %s lost: %s", topic, seal_strerror(st));
    json_object_put(ev);
}
