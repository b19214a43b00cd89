/* SPDX-License-Identifier: Apache-2.0 */
/* TS 33.180 D.1 on the client side (kms_sec.c): TrK decryption of key
 * material and the InK/TrK signature of a SignedKmsResponse.  Internal. */
#ifndef KMS_SEC_H
#define KMS_SEC_H

#include <libxml/tree.h>

#include "kmc_int.h"

/* Decrypts the xenc:EncryptedKey under key_elem into out (exactly len
 * octets).  0, or -1 with a reason in err. */
int kmc_sec_decrypt(const xmlNode *key_elem, const uint8_t trk[KMC_SEC_KEY_LEN], uint8_t *out,
                    size_t len, char *err, size_t errlen);
/* Verifies sig (ds:Signature, sibling of resp in a SignedKmsResponse) over
 * resp with key.  0, or -1 with a reason in err. */
int kmc_sec_verify(xmlDocPtr doc, const xmlNode *resp, const xmlNode *sig,
                   const uint8_t key[KMC_SEC_KEY_LEN], char *err, size_t errlen);

#endif
