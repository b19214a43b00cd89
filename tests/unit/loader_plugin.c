/* SPDX-License-Identifier: Apache-2.0 */
/* One source for the plugins test_loader.sh builds, each broken in one way
 * chosen by a macro: -DNAME, -DMAGIC, -DMAJOR, -DMINOR, -DINIT_FAIL,
 * -DCALL_MISSING (an unresolved symbol), -DCALL_FUTURE (a libseal symbol
 * version this host lacks). */
#include <seal/seal.h>

#ifndef MAGIC
#define MAGIC SEAL_PLUGIN_MAGIC
#endif
#ifndef MAJOR
#define MAJOR SEAL_ABI_MAJOR
#endif
#ifndef MINOR
#define MINOR SEAL_ABI_MINOR
#endif

#ifdef CALL_MISSING
void seal_no_such_function(void);
#endif
#ifdef CALL_FUTURE
void seal_future_api(void);   /* resolved from the stub at link time only */
#endif

static seal_status_t init(seal_plugin_t *self)
{
    (void)self;
#ifdef CALL_MISSING
    seal_no_such_function();
#endif
#ifdef CALL_FUTURE
    seal_future_api();
#endif
#ifdef INIT_FAIL
    return SEAL_E_GENERIC;
#else
    return SEAL_OK;
#endif
}

static const seal_plugin_desc_t desc = {
    .magic = MAGIC,
    .abi_major = MAJOR,
    .abi_minor = MINOR,
    .struct_size = sizeof(seal_plugin_desc_t),
    .name = NAME,
    .version = "0.0.1",
    .description = "loader test plugin",
    .init = init,
};

SEAL_PLUGIN_EXPORT(desc)
