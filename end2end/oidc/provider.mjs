// A real OpenID Connect provider for tests: panva's oidc-provider with its
// built-in development login and consent pages (devInteractions).
//
//   node end2end/oidc/provider.mjs --port 9400 --client-id switchboard \
//     --client-secret s3cret --redirect-uri http://127.0.0.1:3000/auth/oidc/callback
//
// Prints "ready <issuer>" on stdout once it listens. Sign in with any of the
// users below; the password field accepts anything (a development page).
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
  },
});
for (const required of ['port', 'client-id', 'client-secret', 'redirect-uri']) {
  if (!args[required]) {
    console.error(`missing --${required}`);
    process.exit(2);
  }
}

// Users and their group claims. `groups` is the claim Switchboard maps to
// teams and roles (`[oidc] groups_claim`).
export const USERS = {
  'alice': {
    name: 'Alice Admin',
    email: 'alice@example.com',
    groups: ['sb-admins', 'sb-team-crm'],
  },
  'bob': {
    name: 'Bob Builder',
    email: 'bob@example.com',
    groups: ['sb-team-crm', 'sb-team-billing'],
  },
  'dora': {
    name: 'Dora Protect',
    email: 'dora@example.com',
    groups: ['sb-privacy'],
  },
  'erin': {
    name: 'Erin Example',
    email: 'erin@example.com',
    groups: ['sb-team-crm'],
  },
  // No preferred_username: Switchboard falls back to the email address.
  'carol-sub': {
    name: 'Carol Contractor',
    email: 'carol@example.com',
    groups: [],
    noUsername: true,
  },
  // Another person whose preferred_username is "alice" (another subject).
  'alice-2': {
    name: 'Alice Impostor',
    email: 'alice.impostor@example.com',
    groups: [],
    username: 'alice',
  },
  // No preferred_username and no email_verified claim: the email is not trusted.
  'uma-sub': {
    name: 'Uma Unverified',
    email: 'uma@example.com',
    groups: [],
    noUsername: true,
    emailVerified: null,
  },
};

const port = Number(args.port);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Refuse any authorization request without a PKCE challenge, so tests prove
  // that Switchboard sends one.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  features: {
    devInteractions: { enabled: true },
  },
  // Lifetimes set explicitly (the defaults print notices).
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
  },
  // Test keys for the provider's own cookies (not secrets of anything real).
  cookies: { keys: ['switchboard-test-provider-cookie-key'] },
  async findAccount(ctx, sub) {
    const user = USERS[sub];
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        const claims = {
          sub,
          name: user.name,
          email: user.email,
          groups: user.groups,
        };
        if (user.emailVerified !== null) claims.email_verified = user.emailVerified ?? true;
        if (!user.noUsername) claims.preferred_username = user.username ?? sub;
        return claims;
      },
    };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
