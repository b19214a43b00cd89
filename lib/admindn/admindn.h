/* SPDX-License-Identifier: Apache-2.0 */
/* libadmindn: who may use an administration endpoint (im_uu's /admin/v1,
 * km_uu's /admin/v1/km): a verified client certificate whose subject DN is
 * listed in the plugin's "admin_dns". Internal library (never installed). */
#ifndef SEAL_ADMINDN_H
#define SEAL_ADMINDN_H

#include <seal/seal.h>

/* Reads "admin_dns" of conf (an array of non-empty subject DN strings;
 * absent: none) into *dns, NULL-terminated. Errors name the JSON path. */
seal_status_t seal_admindn_read(seal_plugin_t *self, const seal_conf_t *conf, char ***dns);

/* 1 when req's client certificate verified and its DN is in dns (then it
 * becomes the request's principal); else answers 403 ProblemDetails, logs
 * a listed-nowhere DN, and returns 0. */
int seal_admindn_check(seal_plugin_t *self, seal_request_t *req, char *const *dns);

void seal_admindn_free(char **dns);

#endif
