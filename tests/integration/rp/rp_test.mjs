// SPDX-License-Identifier: Apache-2.0
// Drives seald's OpenID provider (im + im_uu) with openid-client 5.x
// (panva; an OpenID Certified relying party that no one here wrote):
// discovery, login with the authorization code flow and PKCE S256 (the
// login form filled in the way a browser would), the ID token verified by
// openid-client against the JWKS, userinfo, refresh, the client_credentials
// grant of a confidential client, and the access tokens used at ss-gm (a
// VAL user's is refused there by the binding, a VAL server's served).
// Each assertion prints PASS or FAIL; the exit status is 1 if any failed.
//
// Environment (set by tests/integration/client_harness.py):
//   SEAL_ISSUER, RP_PUBLIC_CLIENT, RP_REDIRECT_URI, RP_USER, RP_PASSWORD,
//   RP_CONF_CLIENT, RP_CONF_SECRET, SEAL_BASE; NODE_EXTRA_CA_CERTS names the
//   test CA.
import { Issuer, generators, errors } from 'openid-client';

const env = (k) => {
  const v = process.env[k];
  if (!v) {
    console.log(`FAIL environment: ${k} is not set`);
    process.exit(1);
  }
  return v;
};
const ISSUER = env('SEAL_ISSUER');
const PUBLIC_CLIENT = env('RP_PUBLIC_CLIENT');
const REDIRECT = env('RP_REDIRECT_URI');
const USER = env('RP_USER');
const PASSWORD = env('RP_PASSWORD');
const CONF_CLIENT = env('RP_CONF_CLIENT');
const CONF_SECRET = env('RP_CONF_SECRET');
const BASE = env('SEAL_BASE');

let failures = 0;
let passes = 0;
function check(name, ok, detail) {
  if (ok) {
    passes++;
    console.log(`PASS ${name}`);
  } else {
    failures++;
    console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
  }
  return ok;
}
// Runs one step; an exception is a FAIL of that step (and of what follows,
// which the caller skips by checking the result).
async function step(name, fn) {
  try {
    const r = await fn();
    check(name, true);
    return r;
  } catch (e) {
    const extra = e instanceof errors.OPError ? ` (${e.error}: ${e.error_description})` : '';
    check(name, false, `${e.message}${extra}`);
    return undefined;
  }
}

// ---- the browser: fetch the login form, post it, read the redirect ----
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (m, e) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l.startsWith('#x')) return String.fromCodePoint(parseInt(l.slice(2), 16));
    return String.fromCodePoint(parseInt(l.slice(1), 10));
  });
}
function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i'));
  return m ? decodeEntities(m[2] ?? m[3] ?? m[4]) : undefined;
}
function parseForm(html) {
  const form = html.match(/<form\b[^>]*>([\s\S]*?)<\/form>/i);
  if (!form) throw new Error('the login page has no form');
  const open = form[0].match(/<form\b[^>]*>/i)[0];
  const fields = [];
  for (const m of form[1].matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(m[0], 'name');
    const type = (attr(m[0], 'type') || 'text').toLowerCase();
    if (!name || ['submit', 'button', 'reset', 'image', 'file'].includes(type)) continue;
    fields.push([name, attr(m[0], 'value') ?? '']);
  }
  return { action: attr(open, 'action'), method: (attr(open, 'method') || 'get').toLowerCase(), fields };
}
async function browserLogin(authUrl, user, password) {
  const page = await fetch(authUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`authorization endpoint answered ${page.status}`);
  const cookie = page.headers.get('set-cookie');
  const form = parseForm(await page.text());
  if (form.method !== 'post') throw new Error(`the login form uses ${form.method}`);
  const names = form.fields.map(([n]) => n);
  if (!names.includes('username') || !names.includes('password'))
    throw new Error('the login form has no username/password fields');
  const body = new URLSearchParams();
  for (const [n, v] of form.fields)
    body.append(n, n === 'username' ? user : n === 'password' ? password : v);
  const action = new URL(form.action || authUrl, authUrl);
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (cookie) headers.cookie = cookie.split(';')[0];
  const r = await fetch(action, { method: 'POST', body, headers, redirect: 'manual' });
  const location = r.headers.get('location');
  if (![302, 303].includes(r.status) || !location)
    throw new Error(`the login POST answered ${r.status} without a redirect`);
  return location;
}

// ---- the relying party ----
const issuer = await step('discovery (Issuer.discover)', () => Issuer.discover(ISSUER));
if (!issuer) process.exit(1);
check('discovery: issuer matches', issuer.issuer === ISSUER, issuer.issuer);
check('discovery: S256 offered',
  (issuer.code_challenge_methods_supported || []).includes('S256'));

const client = new issuer.Client({
  client_id: PUBLIC_CLIENT,
  token_endpoint_auth_method: 'none',           // a public native client (RFC 8252)
  redirect_uris: [REDIRECT],
  response_types: ['code'],
  id_token_signed_response_alg: 'ES256',
});
const codeVerifier = generators.codeVerifier();
const state = generators.state();
const nonce = generators.nonce();
const authUrl = client.authorizationUrl({
  scope: 'openid seal.gm',
  redirect_uri: REDIRECT,
  code_challenge: generators.codeChallenge(codeVerifier),
  code_challenge_method: 'S256',
  state,
  nonce,
});

let tokens;
const location = await step('login form (GET authorize, POST username/password, 302)',
  () => browserLogin(authUrl, USER, PASSWORD));
if (location) {
  const params = client.callbackParams(location);
  check('redirect carries code and our state', !!params.code && params.state === state);
  // callback: the code exchange with the verifier, then openid-client
  // verifies the ID token (signature against jwks_uri, iss, aud, exp, iat,
  // nonce, azp)
  tokens = await step('code exchange + ID token verification (client.callback)',
    () => client.callback(REDIRECT, params, { code_verifier: codeVerifier, state, nonce }));
}
if (tokens) {
  const claims = tokens.claims();
  check('ID token: sub', typeof claims.sub === 'string' && claims.sub.length > 0, claims.sub);
  check('ID token: aud is the client', claims.aud === PUBLIC_CLIENT ||
        (Array.isArray(claims.aud) && claims.aud.includes(PUBLIC_CLIENT)));
  check('ID token: nonce', claims.nonce === nonce);
  check('ID token: auth_time', Number.isInteger(claims.auth_time));
  check('ID token: val_user_ids', Array.isArray(claims.val_user_ids) && claims.val_user_ids.length > 0,
        JSON.stringify(claims.val_user_ids));
  check('token response: Bearer, expires_in, refresh_token',
        tokens.token_type?.toLowerCase() === 'bearer' && tokens.expires_in > 0 && !!tokens.refresh_token);

  const info = await step('userinfo', () => client.userinfo(tokens.access_token));
  if (info) check('userinfo: same sub as the ID token', info.sub === claims.sub, info.sub);

  // A VAL user's token is accepted (a refused one gets 401): the binding
  // answers, and refuses a VAL user group management (doc/authorization.md).
  const gm = await step('access token accepted at ss-gm (a VAL user: 403 from the binding)',
    async () => {
      const r = await fetch(`${BASE}/ss-gm/v1/group-documents`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      const body = await r.text();
      if (r.status !== 403 || !body.includes('"cause":"OPERATION_PROHIBITED"'))
        throw new Error(`HTTP ${r.status}: ${body}`);
      return r;
    });
  void gm;
  const noToken = await fetch(`${BASE}/ss-gm/v1/group-documents`);
  check('ss-gm without a token: 401 with WWW-Authenticate Bearer', noToken.status === 401 &&
        /^Bearer/i.test(noToken.headers.get('www-authenticate') || ''),
        `${noToken.status} ${noToken.headers.get('www-authenticate')}`);

  const refreshed = await step('refresh (client.refresh, verifies the new ID token if any)',
    () => client.refresh(tokens.refresh_token));
  if (refreshed) {
    check('refresh: a new access token', !!refreshed.access_token &&
          refreshed.access_token !== tokens.access_token);
    check('refresh: the refresh token is rotated', !!refreshed.refresh_token &&
          refreshed.refresh_token !== tokens.refresh_token);
    const info2 = await step('userinfo with the refreshed token',
      () => client.userinfo(refreshed.access_token));
    if (info2) check('userinfo after refresh: same sub', info2.sub === claims.sub);
    // RFC 6819 5.2.2.3 / OAuth 2.0 Security BCP: replaying the spent refresh
    // token revokes the family, so the new one stops working too
    let replay;
    try {
      await client.refresh(tokens.refresh_token);
      replay = 'accepted';
    } catch (e) {
      replay = e instanceof errors.OPError ? e.error : e.message;
    }
    check('replayed refresh token: invalid_grant', replay === 'invalid_grant', replay);
    let after;
    try {
      await client.refresh(refreshed.refresh_token);
      after = 'accepted';
    } catch (e) {
      after = e instanceof errors.OPError ? e.error : e.message;
    }
    check('after the replay the family is revoked', after === 'invalid_grant', after);
  }
}

// ---- a confidential client (a VAL server): client_credentials ----
const conf = new issuer.Client({
  client_id: CONF_CLIENT,
  client_secret: CONF_SECRET,
  token_endpoint_auth_method: 'client_secret_basic',
});
const cc = await step('client_credentials grant (client_secret_basic)',
  () => conf.grant({ grant_type: 'client_credentials', scope: 'seal.gm' }));
if (cc) {
  check('client_credentials: Bearer access token without refresh or ID token',
        cc.token_type?.toLowerCase() === 'bearer' && !!cc.access_token && !cc.refresh_token &&
        !cc.id_token);
  const r = await fetch(`${BASE}/ss-gm/v1/group-documents`, {
    headers: { authorization: `Bearer ${cc.access_token}` },
  });
  check('client_credentials token accepted at ss-gm', r.status < 400, `HTTP ${r.status}`);
}
const bad = new issuer.Client({
  client_id: CONF_CLIENT,
  client_secret: 'not-the-secret',
  token_endpoint_auth_method: 'client_secret_basic',
});
let badErr;
try {
  await bad.grant({ grant_type: 'client_credentials', scope: 'seal.gm' });
  badErr = 'accepted';
} catch (e) {
  badErr = e instanceof errors.OPError ? e.error : e.message;
}
check('wrong client secret: invalid_client', badErr === 'invalid_client', badErr);

console.log(`${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
