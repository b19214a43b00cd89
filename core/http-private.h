/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SEAL_CORE_HTTP_PRIVATE_H
#define SEAL_CORE_HTTP_PRIVATE_H
#endif
