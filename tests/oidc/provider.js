// A real OpenID provider for the tests and the demo: panva's oidc-provider, pinned in
// package.json, with a sign-in page of its own (any login, no password: it is a test provider).
//
//   node provider.js CONFIG.json
//
// CONFIG: {"issuer": "http://127.0.0.1:9090", "port": 9090, "host": "127.0.0.1",
//          "clients": [{"client_id", "client_secret", "redirect_uris", "post_logout_redirect_uris"}],
//          "groups": {"login": ["group", ...]}, "quick_clients": ["client_id", ...]}
// A client named in quick_clients gets ID tokens that live one second.
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const quick = new Set(config.quick_clients || []);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)}</title></head><body><h1>${escape(title)}</h1>${body}</body></html>`;

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', ...client,
  })),
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  conformIdTokenClaims: false, // the ID token carries the e-mail and the groups
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`);
      },
    },
  },
  ttl: {
    IdToken: (ctx, token, client) => (quick.has(client.clientId) ? 1 : 3600),
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const email = id.includes('@') ? id : `${id}@idp.test`;
        return { sub: id, email, email_verified: true, name: id, groups: (config.groups || {})[id] || [] };
      },
    };
  },
  async loadExistingGrant(ctx) { // no consent screen: the network's own provider
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<pre>${escape(JSON.stringify(out))}</pre>`);
  },
});

async function interaction(req, res) {
  const uid = req.url.split('/')[2];
  if (req.method === 'GET') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(page('Test identity provider', `<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login</label> <input id="login" name="login" required autofocus>
<button type="submit">Sign in</button></form>`));
    return;
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const login = new URLSearchParams(body).get('login');
  await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => { res.statusCode = 400; res.end(String(error)); });
  } else {
    callback(req, res);
  }
}).listen(config.port, config.host || '127.0.0.1', () => {
  console.log(`oidc-provider listening at ${config.issuer}`);
});
