/* SPDX-License-Identifier: Apache-2.0 */
/* Who may administer (admindn.h). */
#include <stdlib.h>
#include <string.h>
#include "admindn.h"

seal_status_t seal_admindn_read(seal_plugin_t *self, const seal_conf_t *conf, char ***dns)
{
    const seal_conf_t *arr = seal_conf_get(conf, "admin_dns");
    size_t n = 0;
    *dns = NULL;
    if (arr) {
        if (seal_conf_type(arr) != SEAL_CONF_ARRAY)
            return seal_conf_error(self, arr, "expected an array of subject DNs, e.g. "
                                   "[\"CN=admin,O=Example\"]");
        n = seal_conf_array_len(arr);
    }
    char **d = calloc(n + 1, sizeof *d);
    if (!d)
        return SEAL_E_NOMEM;
    *dns = d;
    for (size_t i = 0; i < n; i++) {
        const char *dn = seal_conf_as_string(seal_conf_array_at(arr, i));
        if (!dn || !*dn)
            return seal_conf_error(self, seal_conf_array_at(arr, i),
                                   "expected a non-empty subject DN string");
        if (!(d[i] = strdup(dn)))
            return SEAL_E_NOMEM;
    }
    return SEAL_OK;
}

int seal_admindn_check(seal_plugin_t *self, seal_request_t *req, char *const *dns)
{
    const char *dn = seal_request_client_cert_dn(req);
    if (dn)
        for (size_t i = 0; dns && dns[i]; i++)
            if (strcmp(dns[i], dn) == 0) {
                seal_request_set_principal(req, dn);
                return 1;
            }
    seal_response_problem(req, 403, NULL, dn ? "this client certificate is not an administrator"
                                             : "administration needs a client certificate "
                                               "listed in admin_dns", NULL, 0);
    if (dn)
        seal_log(self, SEAL_LOG_NOTICE, "admin request refused for %s", dn);
    return 0;
}

void seal_admindn_free(char **dns)
{
    for (size_t i = 0; dns && dns[i]; i++)
        free(dns[i]);
    free(dns);
}
