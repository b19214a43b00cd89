#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# seal-client against the real seald (im, im_uu, authz_jwt, gm, seal_s):
# login (without a browser, and with a "browser" following the printed
# address to the loopback listener), the tokens file's mode, the token at
# ss-gm, refresh before expiry, concurrent refreshes that never replay a
# refresh token, a wrong password, logout with revocation.
# Re-runs itself under tests/integration/client_harness.py, which starts
# seald and registers the user and clients.
set -eu
: "${top_srcdir:?run through make check}" "${top_builddir:?run through make check}"
PYTHON3=${PYTHON3:-python3}
if [ -z "${SEAL_BASE:-}" ]; then
    command -v curl >/dev/null 2>&1 || { echo "SKIP: curl is needed"; exit 77; }
    exec "$PYTHON3" "$top_srcdir/tests/integration/client_harness.py" -- sh "$0"
fi

sc=$top_builddir/client/seal-client
# SEAL_CLIENT_WRAPPER runs seal-client under a tool, e.g.
# "$top_builddir/libtool --mode=execute valgrind -q --error-exitcode=99 --leak-check=full"
if [ -n "${SEAL_CLIENT_WRAPPER:-}" ]; then
    wrapped() { $SEAL_CLIENT_WRAPPER "$top_builddir/client/seal-client" "$@"; }
    sc=wrapped
fi
export XDG_CONFIG_HOME="$SEAL_TMP/config"
# seal-client reads SEAL_ISSUER and SEAL_CACERT (set by the harness) and:
export SEAL_CLIENT_ID="$RP_PUBLIC_CLIENT"
tokens=$XDG_CONFIG_HOME/seal/tokens.json
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
gm() {  # gm <token or ""> -> HTTP status of GET /ss-gm/v1/group-documents
    # A VAL user's token accepted by authz_jwt reaches the binding, which
    # refuses a VAL user group management (doc/authorization.md): "403 user".
    if [ -n "$1" ]; then
        curl -s -o "$SEAL_TMP/gm.body" -w '%{http_code}' --cacert "$SEAL_CACERT" \
            -H "Authorization: Bearer $1" "$SEAL_BASE/ss-gm/v1/group-documents"
        grep -q '"cause":"OPERATION_PROHIBITED"' "$SEAL_TMP/gm.body" && printf ' user'
    else
        curl -s -o /dev/null -w '%{http_code}' --cacert "$SEAL_CACERT" \
            "$SEAL_BASE/ss-gm/v1/group-documents"
    fi
}
mode() { stat -c %a "$1"; }

# ---- login without a browser ----
rc=0
"$sc" --cacert "$SEAL_CACERT" -i "$SEAL_ISSUER" -c "$RP_PUBLIC_CLIENT" -s "openid seal.gm" \
    -u "$RP_USER" --password-file "$RP_PASSWORD_FILE" login || rc=$?
check "login --username/--password-file" [ "$rc" = 0 ]
check "tokens file mode 0600" [ "$(mode "$tokens")" = 600 ]
check "tokens directory mode 0700" [ "$(mode "$(dirname "$tokens")")" = 700 ]
st=$("$sc" status)
check "status names the user" sh -c 'echo "$1" | grep -q "^subject: *$2\$"' - "$st" "$RP_USER"
check "status shows the granted scope" sh -c 'echo "$1" | grep -q "^scope: .*seal.gm"' - "$st"

# ---- the token at a SEAL server ----
t1=$("$sc" token)
check "token is a JWS" sh -c 'echo "$1" | grep -Eq "^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"' - "$t1"
check "ss-gm accepts the token (a VAL user's: 403 from the binding)" [ "$(gm "$t1")" = "403 user" ]
check "ss-gm refuses no token" [ "$(gm "")" = 401 ]
t1b=$("$sc" token)
check "token again: the same one while it is fresh" [ "$t1" = "$t1b" ]

# ---- refresh before expiry ----
t2=$("$sc" token --min-valid 100000)
check "token --min-valid beyond the lifetime refreshes" [ -n "$t2" -a "$t2" != "$t1" ]
check "ss-gm accepts the refreshed token" [ "$(gm "$t2")" = "403 user" ]
check "tokens file still 0600 after the rewrite" [ "$(mode "$tokens")" = 600 ]
cp "$tokens" "$SEAL_TMP/before-parallel.json"

# ---- concurrent refreshes: the lock file serialises them ----
i=0; pids=""
while [ $i -lt 6 ]; do
    "$sc" token --min-valid 100000 >"$SEAL_TMP/par.$i" 2>&1 &
    pids="$pids $!"
    i=$((i + 1))
done
ok=1
for p in $pids; do wait "$p" || ok=0; done
check "6 concurrent refreshes all succeed" [ $ok = 1 ]
rc=0; "$sc" refresh || rc=$?
check "the session survives them (no refresh token was replayed)" [ "$rc" = 0 ]

# ---- a replayed refresh token is refused and ends the session ----
cp "$tokens" "$SEAL_TMP/current.json"
cp "$SEAL_TMP/before-parallel.json" "$tokens"; chmod 600 "$tokens"
rc=0; "$sc" refresh 2>"$SEAL_TMP/replay.err" || rc=$?
check "an old (rotated) refresh token is refused: exit 3" [ "$rc" = 3 ]
check "  with invalid_grant" grep -q invalid_grant "$SEAL_TMP/replay.err"
cp "$SEAL_TMP/current.json" "$tokens"; chmod 600 "$tokens"
rc=0; "$sc" refresh 2>/dev/null || rc=$?
check "the replay revoked the current refresh token too" [ "$rc" = 3 ]

# ---- wrong password ----
printf 'not the password\n' >"$SEAL_TMP/bad"
rc=0; "$sc" -u "$RP_USER" --password-file "$SEAL_TMP/bad" login 2>"$SEAL_TMP/bad.err" || rc=$?
check "wrong password: exit 4" [ "$rc" = 4 ]

# ---- the interactive login: a "browser" follows the printed address ----
rm -f "$tokens"
"$sc" -s "openid seal.gm" --timeout 60 login >"$SEAL_TMP/url" 2>"$SEAL_TMP/login.err" &
lpid=$!
i=0
until [ -s "$SEAL_TMP/url" ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
brc=0
"$PYTHON3" - "$(head -n 1 "$SEAL_TMP/url")" <<'EOF' || brc=$?
# A browser: GET the authorization address, fill in the form, POST it, and
# follow the redirect to seal-client's loopback listener.
import html.parser, os, ssl, sys, urllib.error, urllib.parse, urllib.request
url = sys.argv[1]
ctx = ssl.create_default_context(cafile=os.environ["SEAL_CACERT"])
class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.action = None; self.fields = []; self.inform = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action") or url; self.inform = True
        elif tag == "input" and self.inform and a.get("name") and a.get("type") not in ("submit", "button"):
            self.fields.append((a["name"], a.get("value") or ""))
    def handle_endtag(self, tag):
        if tag == "form": self.inform = False
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a): return None
op = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))
f = Form(); f.feed(op.open(url, timeout=30).read().decode())
fields = [(n, os.environ["RP_USER"] if n == "username" else os.environ["RP_PASSWORD"] if n == "password" else v)
          for n, v in f.fields]
try:
    op.open(urllib.parse.urljoin(url, f.action), data=urllib.parse.urlencode(fields).encode(), timeout=30)
    sys.exit("the login POST did not redirect")
except urllib.error.HTTPError as e:
    if e.code not in (302, 303):
        sys.exit("the login POST answered %d" % e.code)
    loc = e.headers["Location"]
assert loc.startswith("http://127.0.0.1:"), loc
with urllib.request.urlopen(loc, timeout=30) as r:   # the loopback listener
    assert r.status == 200
EOF
lrc=0; wait "$lpid" || lrc=$?
check "interactive login: the browser reached the loopback listener" [ "$brc" = 0 ]
check "interactive login: seal-client finished (exit 0)" [ "$lrc" = 0 ]
check "interactive login: tokens stored with mode 0600" [ "$(mode "$tokens")" = 600 ]
check "interactive login: ss-gm accepts the token" [ "$(gm "$("$sc" token)")" = "403 user" ]

# ---- logout ----
cp "$tokens" "$SEAL_TMP/before-logout.json"
rc=0; "$sc" logout || rc=$?
check "logout" [ "$rc" = 0 ]
check "logout deleted the tokens file" [ ! -e "$tokens" ]
rc=0; "$sc" token >/dev/null 2>&1 || rc=$?
check "token after logout: not logged in (exit 3)" [ "$rc" = 3 ]
cp "$SEAL_TMP/before-logout.json" "$tokens"; chmod 600 "$tokens"
rc=0; "$sc" refresh 2>/dev/null || rc=$?
check "the revoked refresh token is refused" [ "$rc" = 3 ]
rm -f "$tokens"

# ---- a tokens file others can read is refused ----
"$sc" -s "openid seal.gm" -u "$RP_USER" --password-file "$RP_PASSWORD_FILE" login 2>/dev/null || true
chmod 644 "$tokens"
rc=0; "$sc" token >/dev/null 2>"$SEAL_TMP/mode.err" || rc=$?
check "a tokens file readable by others is refused" [ "$rc" != 0 ]
check "  saying how to fix it" grep -q 'chmod 600' "$SEAL_TMP/mode.err"

# ---- nothing secret in seald's log ----
for secret in "$RP_PASSWORD" "$t1" "$t2"; do
    if grep -qF -- "$secret" "$SEALD_LOG" "$SEALD_ACCESS_LOG" 2>/dev/null; then
        fail "a password or token appears in seald's logs"
    fi
done

echo "$fails failed"
[ "$fails" = 0 ]
