/* SPDX-License-Identifier: Apache-2.0 */
/* TS 29.549 clause 7.3 (SS_GroupManagement) data types, Rel-18
 * (TS29549_SS_GroupManagement.yaml 1.2.0-alpha.1): VALGroupDocument,
 * VALGroupDocumentPatch, with ValTargetUe (TS29549_SS_UserProfileRetrieval),
 * SupportedFeatures, PduSessionType (TS 29.571), Uri, ExternalGroupId,
 * LocationArea5G (TS 29.122) and LocationInfo (TS 29.122 MonitoringEvent).
 *
 * Depth: VALGroupDocument, ValTargetUe, LocationInfo and LocationArea5G are
 * checked member by member; the TS 29.571/29.572 types inside the location
 * attributes are kept as sent after these checks: GeographicArea member by
 * member (GAD shapes, coordinates, uncertainties); CivicAddress,
 * UserLocation, NetworkAreaInfo, VelocityEstimate... for their JSON type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ss_gm_validate.h"

/* ---- value checks ---- */

/* ExternalGroupId: "<local>@<domain>", neither part containing '@'
 * (TS 29.122, TS 23.682 4.6.2). */
static const char *check_ext_group_id(struct json_object *v)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    const char *at = memchr(s, '@', n);
    if (!at || at == s || at == s + n - 1 || memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
        return "must be <local identifier>@<domain identifier>";
    if (memchr(s, '\0', n))
        return "must not contain NUL";
    return NULL;
}

/* ---- generic pieces ---- */

static const ss_schema_t t_string = { .kind = SS_STRING };
static const ss_schema_t t_id = { .kind = SS_STRING, .check = ss_check_id };
static const ss_schema_t t_hex = { .kind = SS_STRING, .check = ss_check_hex };
static const ss_schema_t t_any_object = { .kind = SS_OBJECT, .keep_unknown = 1 };
static const ss_schema_t t_any_objects = { .kind = SS_ARRAY, .items = &t_any_object };
static const ss_schema_t t_duration_min = { .kind = SS_INTEGER, .min = 0, .max = INT32_MAX };
static const ss_schema_t t_ext_group_id = { .kind = SS_STRING, .check = check_ext_group_id };

/* ---- ValTargetUe: oneOf required valUserId / valUeId ---- */

static void one_target(struct json_object *v, const char *path, ss_errs_t *e)
{
    int u = json_object_object_get_ex(v, "valUserId", NULL);
    int ue = json_object_object_get_ex(v, "valUeId", NULL);
    if (u == ue)
        ss_errs_add(e, path, u ? "must have only one of valUserId and valUeId"
                               : "must have one of valUserId and valUeId");
}

static const ss_field_t val_target_ue_fields[] = {
    { "valUserId", &t_id, 0, NULL },
    { "valUeId", &t_id, 0, NULL },
};
static const ss_schema_t t_val_target_ue = {
    .kind = SS_OBJECT, .fields = val_target_ue_fields, .nfields = 2, .multi = one_target,
};

/* Duplicate members or services would make the group ambiguous. Items are
 * compared by a key (kind, bytes) after sorting, so a large list costs
 * n log n, not n^2. */
typedef struct item_key {
    int kind;
    const char *s;
    size_t len;
    size_t index;
} item_key_t;

static int key_cmp(const void *a, const void *b)
{
    const item_key_t *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void string_key(struct json_object *v, item_key_t *k)
{
    k->s = json_object_get_string(v);
    k->len = (size_t)json_object_get_string_len(v);
}

static void target_key(struct json_object *v, item_key_t *k)
{
    struct json_object *id;
    if (json_object_object_get_ex(v, "valUserId", &id))
        k->kind = 0;
    else if (json_object_object_get_ex(v, "valUeId", &id))
        k->kind = 1;
    else
        return;
    string_key(id, k);
}

/* Reports each later duplicate at its own index. Called only when every item
 * passed its own checks. */
static void unique_items(struct json_object *arr, const char *path, ss_errs_t *e,
                         void (*key)(struct json_object *, item_key_t *))
{
    size_t n = json_object_array_length(arr), plen = strlen(path), ndup = 0;
    if (n < 2 || plen >= SS_PTR_MAX)
        return;
    item_key_t *k = calloc(n, sizeof *k);
    size_t *dup = calloc(n, sizeof *dup);
    if (!k || !dup) {
        free(k);
        free(dup);
        e->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].index = i;
        k[i].s = "";
        key(json_object_array_get_idx(arr, i), &k[i]);
    }
    qsort(k, n, sizeof *k, key_cmp);
    for (size_t i = 1; i < n; i++)
        if (k[i].kind == k[i - 1].kind && k[i].len == k[i - 1].len
            && memcmp(k[i].s, k[i - 1].s, k[i].len) == 0)
            dup[ndup++] = k[i].index;
    qsort(dup, ndup, sizeof *dup, size_cmp);
    char p[SS_PTR_MAX];
    for (size_t i = 0; i < ndup; i++) {
        memcpy(p, path, plen + 1);
        ss_ptr_push_index(p, plen, dup[i]);
        ss_errs_add(e, p, "duplicates an earlier item");
    }
    free(k);
    free(dup);
}

static void unique_targets(struct json_object *arr, const char *path, ss_errs_t *e)
{
    unique_items(arr, path, e, target_key);
}

static void unique_strings(struct json_object *arr, const char *path, ss_errs_t *e)
{
    unique_items(arr, path, e, string_key);
}

static const ss_schema_t t_members = {
    .kind = SS_ARRAY, .items = &t_val_target_ue, .min_items = 1, .multi = unique_targets,
};
static const ss_schema_t t_service_ids = {
    .kind = SS_ARRAY, .items = &t_id, .min_items = 1, .multi = unique_strings,
};

/* ---- location attributes ---- */

/* GeographicArea (TS 29.572): anyOf the GAD shapes, each allOf GADShape
 * {shape required} with its own required members. The member set is the
 * one of the shape "shape" names; an unlisted shape value (the enumeration
 * is extensible) is accepted when the object has the members of one of the
 * shapes, which is what anyOf asks. */
static const ss_schema_t t_lon = { .kind = SS_NUMBER, .nrange = 1, .nmin = -180, .nmax = 180 };
static const ss_schema_t t_lat = { .kind = SS_NUMBER, .nrange = 1, .nmin = -90, .nmax = 90 };
static const ss_field_t coord_fields[] = {
    { "lon", &t_lon, SS_F_REQUIRED, NULL },
    { "lat", &t_lat, SS_F_REQUIRED, NULL },
};
static const ss_schema_t t_coords = {
    .kind = SS_OBJECT, .fields = coord_fields, .nfields = 2, .keep_unknown = 1,
};
static const ss_schema_t t_point_list = {
    .kind = SS_ARRAY, .items = &t_coords, .min_items = 3, .max_items = 15,
};
static const ss_schema_t t_uncertainty = { .kind = SS_NUMBER, .nrange = 1, .nmin = 0,
                                           .nmax = 3.4e38 };
static const ss_schema_t t_orientation = { .kind = SS_INTEGER, .min = 0, .max = 180 };
static const ss_schema_t t_confidence = { .kind = SS_INTEGER, .min = 0, .max = 100 };
static const ss_schema_t t_altitude = { .kind = SS_NUMBER, .nrange = 1, .nmin = -32767,
                                        .nmax = 32767 };
static const ss_schema_t t_inner_radius = { .kind = SS_INTEGER, .min = 0, .max = 327675 };
static const ss_schema_t t_angle = { .kind = SS_INTEGER, .min = 0, .max = 360 };
static const ss_field_t ellipse_fields[] = {
    { "semiMajor", &t_uncertainty, SS_F_REQUIRED, NULL },
    { "semiMinor", &t_uncertainty, SS_F_REQUIRED, NULL },
    { "orientationMajor", &t_orientation, SS_F_REQUIRED, NULL },
};
static const ss_schema_t t_ellipse = {
    .kind = SS_OBJECT, .fields = ellipse_fields, .nfields = 3, .keep_unknown = 1,
};

#define R SS_F_REQUIRED
static const ss_field_t point_f[] = { { "point", &t_coords, R, NULL } };
static const ss_field_t circle_f[] = {
    { "point", &t_coords, R, NULL }, { "uncertainty", &t_uncertainty, R, NULL } };
static const ss_field_t ellipse_f[] = {
    { "point", &t_coords, R, NULL }, { "uncertaintyEllipse", &t_ellipse, R, NULL },
    { "confidence", &t_confidence, R, NULL } };
static const ss_field_t polygon_f[] = { { "pointList", &t_point_list, R, NULL } };
static const ss_field_t altitude_f[] = {
    { "point", &t_coords, R, NULL }, { "altitude", &t_altitude, R, NULL } };
static const ss_field_t altitude_unc_f[] = {
    { "point", &t_coords, R, NULL }, { "altitude", &t_altitude, R, NULL },
    { "uncertaintyEllipse", &t_ellipse, R, NULL }, { "uncertaintyAltitude", &t_uncertainty, R, NULL },
    { "confidence", &t_confidence, R, NULL } };
static const ss_field_t arc_f[] = {
    { "point", &t_coords, R, NULL }, { "innerRadius", &t_inner_radius, R, NULL },
    { "uncertaintyRadius", &t_uncertainty, R, NULL }, { "offsetAngle", &t_angle, R, NULL },
    { "includedAngle", &t_angle, R, NULL }, { "confidence", &t_confidence, R, NULL } };
#undef R

#define SHAPE(name, f) { name, { .kind = SS_OBJECT, .fields = f, \
                                 .nfields = sizeof f / sizeof f[0], .keep_unknown = 1 } }
static const struct { const char *name; ss_schema_t schema; } gad_shapes[] = {
    SHAPE("POINT", point_f),
    SHAPE("POINT_UNCERTAINTY_CIRCLE", circle_f),
    SHAPE("POINT_UNCERTAINTY_ELLIPSE", ellipse_f),
    SHAPE("POLYGON", polygon_f),
    SHAPE("POINT_ALTITUDE", altitude_f),
    SHAPE("POINT_ALTITUDE_UNCERTAINTY", altitude_unc_f),
    SHAPE("ELLIPSOID_ARC", arc_f),
};
#undef SHAPE
#define NSHAPES (sizeof gad_shapes / sizeof gad_shapes[0])

static void gad_check(struct json_object *v, const char *path, ss_errs_t *e)
{
    struct json_object *shape = NULL, *out;
    json_object_object_get_ex(v, "shape", &shape);
    const char *name = json_object_get_string(shape);
    for (size_t i = 0; i < NSHAPES; i++)
        if (strcmp(name, gad_shapes[i].name) == 0) {
            json_object_put(ss_validate_at(&gad_shapes[i].schema, v, path, e));
            return;
        }
    for (size_t i = 0; i < NSHAPES; i++) {
        ss_errs_t scratch = {0};
        out = ss_validate_at(&gad_shapes[i].schema, v, path, &scratch);
        int oom = scratch.oom;
        ss_errs_free(&scratch);
        if (out || oom) {
            json_object_put(out);
            e->oom |= oom;
            return;
        }
    }
    char p[SS_PTR_MAX];
    snprintf(p, sizeof p, "%s", path);
    ss_ptr_push(p, strlen(p), "shape");
    ss_errs_add(e, p, "names no GAD shape and the object has the members of none");
}

static const ss_field_t gad_fields[] = {
    { "shape", &t_string, SS_F_REQUIRED, NULL },
};
static const ss_schema_t t_geographic_area = {
    .kind = SS_OBJECT, .fields = gad_fields, .nfields = 1, .keep_unknown = 1,
    .multi = gad_check,
};
static const ss_schema_t t_geographic_areas = { .kind = SS_ARRAY, .items = &t_geographic_area };

static const ss_field_t location_info_fields[] = {
    { "ageOfLocationInfo", &t_duration_min, 0, NULL },
    { "cellId", &t_string, 0, NULL },
    { "enodeBId", &t_string, 0, NULL },
    { "routingAreaId", &t_string, 0, NULL },
    { "trackingAreaId", &t_string, 0, NULL },
    { "plmnId", &t_string, 0, NULL },
    { "twanId", &t_string, 0, NULL },
    { "userLocation", &t_any_object, 0, NULL },
    { "geographicArea", &t_geographic_area, 0, NULL },
    { "civicAddress", &t_any_object, 0, NULL },
    { "positionMethod", &t_string, 0, NULL },
    { "qosFulfilInd", &t_string, 0, NULL },
    { "ueVelocity", &t_any_object, 0, NULL },
    { "ldrType", &t_string, 0, NULL },
    { "achievedQos", &t_any_object, 0, NULL },
    { "relatedApplicationlayerId", &t_string, 0, NULL },
    { "rangeDirection", &t_any_object, 0, NULL },
    { "twodrelativeLocation", &t_any_object, 0, NULL },
    { "threedrelativeLocation", &t_any_object, 0, NULL },
    { "relativeVelocity", &t_any_object, 0, NULL },
    { "upCumEvtRep", &t_any_object, 0, NULL },
};
static const ss_schema_t t_location_info = {
    .kind = SS_OBJECT, .fields = location_info_fields,
    .nfields = sizeof location_info_fields / sizeof location_info_fields[0], .keep_unknown = 1,
};

static const ss_field_t location_area_5g_fields[] = {
    { "geographicAreas", &t_geographic_areas, 0, NULL },
    { "civicAddresses", &t_any_objects, 0, NULL },
    { "nwAreaInfo", &t_any_object, 0, NULL },
};
static const ss_schema_t t_location_area_5g = {
    .kind = SS_OBJECT, .fields = location_area_5g_fields, .nfields = 3, .keep_unknown = 1,
};

/* ---- VALGroupDocument ---- */

/* resUri is server-owned: checked for type, then dropped by the binding. */
static const ss_field_t doc_fields[] = {
    { "valGroupId", &t_id, SS_F_REQUIRED, NULL },
    { "grpDesc", &t_string, 0, NULL },
    { "members", &t_members, 0, NULL },
    { "valGrpConf", &t_string, 0, NULL },
    { "valServiceIds", &t_service_ids, 0, NULL },
    { "valSvcInf", &t_string, 0, NULL },
    { "suppFeat", &t_hex, 0, NULL },
    { "resUri", &t_string, 0, NULL },
    { "locInfo", &t_location_info, 0, NULL },
    { "addLocInfo", &t_location_area_5g, 0, NULL },
    { "valSvcAreaId", &t_string, 0, NULL },
    { "extGrpId", &t_ext_group_id, 0, NULL },
    { "com5GLanType", &t_string, 0, NULL },
};
static const ss_schema_t t_doc = {
    .kind = SS_OBJECT, .fields = doc_fields, .nfields = sizeof doc_fields / sizeof doc_fields[0],
};

/* ---- VALGroupDocumentPatch ---- */

#define NOT_PATCHABLE "is not in VALGroupDocumentPatch: replace the document with PUT"
static const ss_field_t patch_fields[] = {
    { "grpDesc", &t_string, SS_F_NULLABLE, NULL },
    { "members", &t_members, SS_F_NULLABLE, NULL },
    { "valGrpConf", &t_string, SS_F_NULLABLE, NULL },
    { "valServiceIds", &t_service_ids, SS_F_NULLABLE, NULL },
    { "locInfo", &t_location_info, SS_F_NULLABLE, NULL },
    { "addLocInfo", &t_location_area_5g, SS_F_NULLABLE, NULL },
    { "valSvcAreaId", &t_string, SS_F_NULLABLE, NULL },
    { "extGrpId", &t_ext_group_id, SS_F_NULLABLE, NULL },
    { "com5GLanType", &t_string, SS_F_NULLABLE, NULL },
    { "valGroupId", NULL, SS_F_REFUSED, NOT_PATCHABLE },
    { "valSvcInf", NULL, SS_F_REFUSED, NOT_PATCHABLE },
    { "suppFeat", NULL, SS_F_REFUSED, NOT_PATCHABLE },
    { "resUri", NULL, SS_F_REFUSED, "is set by the server" },
};
static const ss_schema_t t_patch = {
    .kind = SS_OBJECT, .fields = patch_fields,
    .nfields = sizeof patch_fields / sizeof patch_fields[0],
};

struct json_object *ss_gm_validate_doc(struct json_object *in, ss_errs_t *e)
{
    struct json_object *out = ss_validate(&t_doc, in, e);
    if (out)
        json_object_object_del(out, "resUri");
    return out;
}

struct json_object *ss_gm_validate_patch(struct json_object *in, ss_errs_t *e)
{
    return ss_validate(&t_patch, in, e);
}

static struct json_object *parse_then(struct json_object *(*validate)(struct json_object *,
                                                                     ss_errs_t *),
                                      const char *buf, size_t len, ss_errs_t *e,
                                      char *why, size_t why_len)
{
    struct json_object *in = ss_parse_body(buf, len, SS_GM_MAX_DEPTH, e, why, why_len);
    if (!in)
        return NULL;
    struct json_object *out = validate(in, e);
    json_object_put(in);
    return out;
}

struct json_object *ss_gm_parse_doc(const char *buf, size_t len, ss_errs_t *e,
                                    char *why, size_t why_len)
{
    return parse_then(ss_gm_validate_doc, buf, len, e, why, why_len);
}

struct json_object *ss_gm_parse_patch(const char *buf, size_t len, ss_errs_t *e,
                                      char *why, size_t why_len)
{
    return parse_then(ss_gm_validate_patch, buf, len, e, why, why_len);
}
