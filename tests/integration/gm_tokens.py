# SPDX-License-Identifier: Apache-2.0
"""seald with gm and seal_s behind the IdM (im + im_uu) and authz_jwt, for
the SS_GroupManagement tests that act as VAL servers and VAL users with
real access tokens (doc/authorization.md): a client credentials token is a
VAL server (owner "server:<client_id>"), a token of the code flow is a VAL
user. Used by gm_api.py and gm_owner.py."""
import os
import sys
import time

import gm_harness as h

GM = "/ss-gm/v1/group-documents"
RU = "http://127.0.0.1:4711/cb"
PW = "correct horse battery staple"


class GmSeald(h.ImSeald):
    """ImSeald with authz_jwt, gm and seal_s (seal_s_conf as its block);
    skips when one of them is not built."""

    def __init__(self, seal_s_conf=None, **kw):
        super().__init__(authz=True, **kw)
        top = os.environ["top_builddir"]
        if not h.im_have_authz_jwt(self.plugin_dirs):
            print("SKIP: authz_jwt not built")
            sys.exit(h.SKIP)
        for d, so in (("plugins/services/gm", "gm"), ("plugins/refpoints/seal_s", "seal_s")):
            path = os.path.join(top, d, ".libs")
            if not os.path.exists(os.path.join(path, so + ".so")):
                print("SKIP: %s not built" % so)
                sys.exit(h.SKIP)
            self.plugin_dirs.append(path)
        self.seal_s_conf = seal_s_conf or {}

    def config(self, port):
        c = super().config(port)
        c["plugins"]["gm"] = {}
        c["plugins"]["seal_s"] = self.seal_s_conf
        return c

    def _token(self, form, headers=None):
        c = self.connection()
        try:
            r = h.form_request(c, "POST", "/oidc/v1/token", form, headers)
        finally:
            c.close()
        assert r.status == 200, r
        return r.json()["access_token"]

    def val_server_token(self, client_id, scope="seal.gm"):
        """Registers a confidential client (a VAL server) and returns its
        client credentials token."""
        secret = self.add_client(client_id=client_id, type="confidential",
                                 scopes=[scope])["client_secret"]
        tok = self._token({"grant_type": "client_credentials", "scope": scope},
                          {"Authorization": h.basic_auth(client_id, secret)})
        self.wait_authz(tok)
        return tok

    def val_user_token(self, user_id, val_user_ids, scope="openid seal.gm"):
        """Registers a user (and the public client "app" once) and returns
        the user's token from the code flow with PKCE."""
        if not getattr(self, "_app", False):
            self.add_client(client_id="app", type="public", redirect_uris=[RU],
                            scopes=["openid", "seal.gm"])
            self._app = True
        self.add_user(user_id, PW, val_user_ids)
        c = self.connection()
        try:
            verifier, challenge = h.pkce_pair()
            r = h.im_authorize(self, c, "app", RU, user_id, PW, scope=scope, challenge=challenge)
            assert r.status == 302, r
            _, q = h.redirect_params(r)
        finally:
            c.close()
        tok = self._token({"grant_type": "authorization_code", "code": q["code"],
                           "redirect_uri": RU, "client_id": "app", "code_verifier": verifier})
        self.wait_authz(tok)
        return tok

    def wait_authz(self, token, timeout=30.0):
        """Until authz_jwt has this seald's own key set (it fetches it from
        this very seald, which listens only after start): a token is then
        judged, not answered 401."""
        end = time.time() + timeout
        while True:
            c = self.connection()
            try:
                r = h.request(c, "GET", GM, headers={"Authorization": "Bearer " + token})
            finally:
                c.close()
            if r.status != 401 or time.time() > end:
                return r
            time.sleep(0.05)
