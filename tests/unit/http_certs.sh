#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes the test PKI for tests/unit/test_http in directory $1 (certtool from
# gnutls-bin): an ECDSA P-256 CA, a server certificate for 127.0.0.1 and
# localhost, a client certificate from that CA, and a self-signed client
# certificate no CA vouches for. For the certificate principals: two more
# client certificates from the CA (narrow, stranger), a second CA (ca2)
# that issues "other" with client's very subject, and cas.pem trusting both.
set -eu
dir=$1
command -v certtool >/dev/null 2>&1 || { echo "certtool not found (gnutls-bin)" >&2; exit 77; }
mkdir -p "$dir"
cd "$dir"
gen() { certtool --generate-privkey --ecc --curve secp256r1 --outfile "$1" >/dev/null 2>&1; }

gen ca.key
cat > ca.tmpl <<T
cn = "seal test CA"
ca
cert_signing_key
expiration_days = 2
T
certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem >/dev/null 2>&1

gen server.key
cat > server.tmpl <<T
cn = "localhost"
dns_name = "localhost"
ip_address = "127.0.0.1"
tls_www_server
signing_key
expiration_days = 2
T
certtool --generate-certificate --load-privkey server.key --load-ca-certificate ca.pem \
    --load-ca-privkey ca.key --template server.tmpl --outfile server.pem >/dev/null 2>&1

gen client.key
cat > client.tmpl <<T
cn = "client-one"
organization = "seal tests"
tls_www_client
signing_key
expiration_days = 2
T
certtool --generate-certificate --load-privkey client.key --load-ca-certificate ca.pem \
    --load-ca-privkey ca.key --template client.tmpl --outfile client.pem >/dev/null 2>&1

gen rogue.key
cat > rogue.tmpl <<T
cn = "client-one"
organization = "seal tests"
tls_www_client
signing_key
expiration_days = 2
T
certtool --generate-self-signed --load-privkey rogue.key --template rogue.tmpl \
    --outfile rogue.pem >/dev/null 2>&1

# client NAME CN CA: NAME.pem, a client certificate for CN (O=seal tests) from CA.
client() {
    gen "$1.key"
    printf 'cn = "%s"\norganization = "seal tests"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' \
        "$2" > "$1.tmpl"
    certtool --generate-certificate --load-privkey "$1.key" --load-ca-certificate "$3.pem" \
        --load-ca-privkey "$3.key" --template "$1.tmpl" --outfile "$1.pem" >/dev/null 2>&1
}
client narrow client-narrow ca
client stranger client-two ca

gen ca2.key
cat > ca2.tmpl <<T
cn = "seal test CA 2"
ca
cert_signing_key
expiration_days = 2
T
certtool --generate-self-signed --load-privkey ca2.key --template ca2.tmpl --outfile ca2.pem >/dev/null 2>&1
client other client-one ca2
cat ca.pem ca2.pem > cas.pem
