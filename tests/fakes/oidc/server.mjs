// A real, independent OpenID Connect provider for catlens integration tests: the npm package oidc-provider, on
// loopback, with a client for catlens (code flow, PKCE required, client_secret_basic). Only two things are added
// around it, both for tests:
//   - sign-in without a login page: POST /test/control {"user": "ana"} chooses who the next sign-in is;
//   - misbehaviour on demand, to prove catlens refuses it: {"mode": "tamper" | "wrong_aud" | "expired" |
//     "bad_nonce" | "rotate" | "normal"} changes the ID token the token endpoint returns ("rotate" signs with a
//     new key, published in the JWK Set from then on, as a real key rotation does).
// Usage: node server.mjs --port-file FILE --client-id ID --redirect-uri URI   (secret: FAKE_OIDC_CLIENT_SECRET)
import http from 'node:http';
import fs from 'node:fs';
import Provider from 'oidc-provider';
import { CompactSign, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const clientId = args['client-id'] || 'catlens';
const redirectUri = args['redirect-uri'];
const secret = process.env.FAKE_OIDC_CLIENT_SECRET || 'test-secret';

const ACCOUNTS = {
  ana: { name: 'Ana Lead', email: 'ana@example.com', groups: ['staff', 'catlens-leadership'], department: 'exec' },
  carl: { name: 'Carl Category', email: 'carl@example.com', groups: ['staff', 'catlens-cm-electronics'] },
  rita: { name: 'Rita Region', email: 'rita@example.com', groups: ['catlens-rm-north_america'] },
  nobody: { name: 'No Body', email: 'nobody@example.com', groups: ['staff'] },
};

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

const key1 = await signingKey('k1');
const key2 = await signingKey('k2');
const publicOf = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

let current = { user: 'ana', mode: 'normal' };
let rotated = false;

const server = http.createServer();
server.listen(0, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: secret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    jwks: { keys: [key1] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: { openid: ['sub'], profile: ['name', 'department'], email: ['email'], groups: ['groups'] },
    conformIdTokenClaims: false,
    findAccount: async (ctx, id) => (ACCOUNTS[id] ? { accountId: id, claims: async () => ({ sub: id, ...ACCOUNTS[id] }) } : undefined),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['fake-oidc-cookie-key'] },
  });

  async function resign(token, change, key) {
    const claims = { ...decodeJwt(token), ...change };
    const k = key || key1;
    const header = { ...decodeProtectedHeader(token), kid: k.kid };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader(header)
      .sign(await importJWK(k, 'RS256'));
  }

  async function misbehave(token) {
    const now = Math.floor(Date.now() / 1000);
    switch (current.mode) {
      case 'tamper': { // claims changed after signing: the signature no longer matches
        const [h, , s] = token.split('.');
        const body = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'ana', groups: ['catlens-leadership'] })).toString('base64url');
        return `${h}.${body}.${s}`;
      }
      case 'wrong_aud': return resign(token, { aud: 'another-client' });
      case 'expired': return resign(token, { iat: now - 7200, exp: now - 3600 });
      case 'bad_nonce': return resign(token, { nonce: 'not-the-one-catlens-sent' });
      case 'rotate': rotated = true; return resign(token, {}, key2);
      default: return token;
    }
  }

  async function interaction(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = { login: { accountId: current.user } };
    } else {
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const d = details.prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      result = { consent: { grantId: await grant.save() } };
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  }

  provider.use(async (ctx, next) => {
    if (ctx.path === '/test/control' && ctx.method === 'POST') {
      const chunks = [];
      for await (const c of ctx.req) chunks.push(c);
      current = { ...current, ...JSON.parse(Buffer.concat(chunks).toString() || '{}') };
      ctx.body = { ok: true, current, rotated };
      return;
    }
    if (ctx.path.startsWith('/interaction/')) {
      await interaction(ctx);
      return;
    }
    await next();
    if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: await misbehave(ctx.body.id_token) };
    }
    if (ctx.path === '/jwks' && rotated && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: [...ctx.body.keys, publicOf(key2)] };
    }
  });

  server.on('request', provider.callback());
  if (args['port-file']) {
    fs.writeFileSync(`${args['port-file']}.tmp`, String(server.address().port));
    fs.renameSync(`${args['port-file']}.tmp`, args['port-file']);
  }
  console.log(`fake oidc provider at ${issuer}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
