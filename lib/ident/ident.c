/* SPDX-License-Identifier: Apache-2.0 */
/* The identifier grammar of ident.h (RFC 3986 3.3 pchar without
 * pct-encoded). */
#include <string.h>
#include "ident.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
           || c == '-' || c == '.' || c == '_' || c == '~';
}

/* sub-delims (RFC 3986 2.2), ':' and '@'. strchr would also match the
 * terminating NUL, so c is checked to be non-zero first. */
static int pchar(unsigned char c)
{
    return unreserved(c) || (c != '\0' && strchr("!$&'()*+,;=:@", c) != NULL);
}

static int all(const char *s, size_t max, int (*ok)(unsigned char))
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (; s[n]; n++)
        if (n == max || !ok((unsigned char)s[n]))
            return 0;
    return 1;
}

int ident_ok(const char *s, size_t max)
{
    return all(s, max, pchar);
}

int ident_unreserved_ok(const char *s, size_t max)
{
    return all(s, max, unreserved);
}
