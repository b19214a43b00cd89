#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's two commands, for a fresh Debian 12 machine, as root:
#   sh tools/dev.sh run    install what is missing, build, install, start seald
#                          with the sample config and the embedded store
#   sh tools/dev.sh test   install what is missing, build and run every test:
#                          make check (-Werror), the ASan+UBSan build's make
#                          check, the integration tests with seald under
#                          valgrind, and make distcheck
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

# Build and test dependencies (Debian 12 package names; README lists them).
DEPS="build-essential autoconf automake libtool libltdl-dev pkg-config
 libmicrohttpd-dev libjson-c-dev libgnutls28-dev nettle-dev libgmp-dev
 libcurl4-gnutls-dev libsqlite3-dev check libsubunit-dev librhonabwy-dev libargon2-dev
 libxml2-dev libxml2-utils libxmlsec1-dev libxmlsec1-gnutls libp11-kit-dev softhsm2
 gnutls-bin curl python3 python3-yaml python3-jsonschema python3-cryptography abigail-tools
 valgrind systemd"

install_deps() {
    missing=""
    for p in $DEPS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing="$missing $p"
    done
    # Node.js and npm (the certified OpenID RP test) may come from elsewhere
    # than Debian (nodesource bundles npm): only the commands matter.
    command -v node >/dev/null 2>&1 || missing="$missing nodejs"
    command -v npm >/dev/null 2>&1 || missing="$missing npm"
    if [ -n "$missing" ]; then
        echo "installing:$missing"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    fi
}

bootstrap() {
    [ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi
}

# build <dir> <configure args...>
build() {
    dir=$1; shift
    mkdir -p "$dir"
    (cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } && make -j2)
}

# Integration tests that fail when seald does not exit 0 (run under valgrind).
VALGRIND_TESTS="tests/integration/gm_api.py tests/integration/im_flow.py"
VALGRIND_TESTS="$VALGRIND_TESTS tests/integration/km_api.py tests/integration/e2e_gmk.py"

summary=""
# check <dir>: make check there and collect the automake counts.
check() {
    rc=0
    rm -f "$1/test-suite.log"
    (cd "$1" && make -j2 check) || rc=$?
    if [ -f "$1/test-suite.log" ]; then
        summary="$summary $(awk '/^# (PASS|FAIL|ERROR|XPASS):/ {print $2 $3}' "$1/test-suite.log" | tr '\n' ' ')"
    else
        summary="$summary FAIL:1"
    fi
    [ $rc -eq 0 ] || show_failures "$1"
    return $rc
}

# show_failures <dir>: the end of each failed test's log, so that a CI
# transcript says why without the build tree.
show_failures() {
    for t in $(find "$1" -name '*.trs' -exec grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' {} +); do
        echo "===== ${t%.trs}.log (last 60 lines)"
        tail -n 60 "${t%.trs}.log"
    done
}

print_summary() {
    echo "$summary" | tr ' ' '\n' | awk -F: '
        $1 == "PASS" { p += $2 } $1 == "FAIL" || $1 == "ERROR" || $1 == "XPASS" { f += $2 }
        END { printf "%d passed, %d failed\n", p, f }'
}

make_certs() {   # dir: a development CA, an ECDSA P-256 server and client certificate
    d=$1
    [ -f "$d/server.pem" ] && return 0
    mkdir -p "$d"
    umask 077
    certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$d/ca.key" 2>/dev/null
    printf 'cn = "seald development CA"\nca\ncert_signing_key\nexpiration_days = 365\n' > "$d/ca.tmpl"
    certtool --generate-self-signed --load-privkey "$d/ca.key" --template "$d/ca.tmpl" --outfile "$d/ca.pem" 2>/dev/null
    for who in server client; do
        certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$d/$who.key" 2>/dev/null
        if [ "$who" = server ]; then
            printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nexpiration_days = 365\n' > "$d/$who.tmpl"
        else
            printf 'cn = "seald operator"\ntls_www_client\nexpiration_days = 365\n' > "$d/$who.tmpl"
        fi
        certtool --generate-certificate --load-privkey "$d/$who.key" --load-ca-certificate "$d/ca.pem" \
            --load-ca-privkey "$d/ca.key" --template "$d/$who.tmpl" --outfile "$d/$who.pem" 2>/dev/null
    done
    rm -f "$d"/*.tmpl
    echo "development certificates in $d (client: client.pem/client.key)"
}

# The official 3GPP OpenAPI files live beside the clone (not redistributed
# here); the response-validation tests use them when present.
if [ -z "${SEAL_OPENAPI_DIR:-}" ] && [ -d "$top/../shared/specs/openapi/Rel-18" ]; then
    SEAL_OPENAPI_DIR=$(cd "$top/../shared/specs/openapi/Rel-18" && pwd)
    export SEAL_OPENAPI_DIR
fi

case "${1:-}" in
run)
    install_deps
    bootstrap
    build _build/run --prefix=/usr/local --sysconfdir=/etc --localstatedir=/var
    (cd _build/run && make install >/dev/null)
    ldconfig
    make_certs /etc/seal/tls
    /usr/local/sbin/seald --check-config -c /etc/seal/seald.conf
    echo "seald on https://localhost:8443 (try: curl --cacert /etc/seal/tls/ca.pem" \
         "--cert /etc/seal/tls/client.pem --key /etc/seal/tls/client.key" \
         "https://localhost:8443/ss-gm/v1/group-documents)"
    exec /usr/local/sbin/seald -c /etc/seal/seald.conf
    ;;
test)
    install_deps
    bootstrap
    rc=0
    build _build/check --enable-werror
    check _build/check || rc=1
    build _build/asan --enable-werror --enable-sanitizers
    check _build/asan || rc=1
    # valgrind: the real seald under memcheck through the integration tests
    # that require a clean exit (exit 99 on any error or definite leak).
    vg="$top/_build/check/libtool --mode=execute valgrind --error-exitcode=99"
    vg="$vg --leak-check=full --errors-for-leak-kinds=definite --quiet"
    rm -f _build/check/test-suite.log
    if (cd _build/check && SEAL_TEST_WRAPPER="$vg" make -j2 check TESTS="$VALGRIND_TESTS"); then
        summary="$summary $(awk '/^# (PASS|FAIL|ERROR|XPASS):/ {print $2 $3}' _build/check/test-suite.log | tr '\n' ' ')"
    else summary="$summary FAIL:1"; rc=1; show_failures _build/check; fi
    # distcheck: the tarball builds, passes its checks, installs, and the
    # hello example builds against the installed headers and runs.
    if (cd _build/check && make -j2 distcheck); then summary="$summary PASS:1"
    else summary="$summary FAIL:1"; rc=1; fi
    print_summary
    exit $rc
    ;;
*)
    echo "usage: sh tools/dev.sh run|test" >&2
    exit 2
    ;;
esac
