/* SPDX-License-Identifier: Apache-2.0 */
/* seal/seal.h: the umbrella header for plugin authors. */
#ifndef SEAL_SEAL_H
#define SEAL_SEAL_H

#include <seal/version.h>
#include <seal/types.h>
#include <seal/log.h>
#include <seal/plugin.h>
#include <seal/conf.h>
#include <seal/registry.h>
#include <seal/event.h>
#include <seal/http.h>
#include <seal/store.h>
#include <seal/crypto.h>

#endif
