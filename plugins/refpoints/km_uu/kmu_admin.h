/* SPDX-License-Identifier: Apache-2.0 */
/* km_uu's administration endpoint (kmu_admin.c): revocation and rollover
 * for sealctl, for operators only (lib/access access_operator). */
#ifndef KMU_ADMIN_H
#define KMU_ADMIN_H

#include <seal/seal.h>
#include <seal/services/km.h>

typedef struct kmu_admin {
    seal_plugin_t *self;
    const seal_km_v1_t *km;     /* set at start */
    void *km_user;
} kmu_admin_t;

/* Refuses the retired "admin_dns" (operators are seald.conf "principals"
 * with role operator now). */
seal_status_t kmu_admin_conf(kmu_admin_t *a, seal_plugin_t *self, const seal_conf_t *conf);
seal_status_t kmu_admin_routes(kmu_admin_t *a);

#endif
