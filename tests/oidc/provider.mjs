// A real OpenID Provider for the portal's sign-in test (npm oidc-provider, certified by the OpenID Foundation).
// Never deployed. Started by tests/browser/test_oidc_sign_in.py with:
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_URI, AUDIENCE, USERS (JSON: login → claims)
// Users sign in on the provider's development login page (any password); the access token is an RS256 JWT
// for AUDIENCE carrying the claims the services read (roles, relations, territories…), like production's: `roles`
// lists every role of the person (decision record 0027); `role`, the single role of earlier tokens, still passes.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
const issuer = `http://127.0.0.1:${env.PORT}`;
const users = JSON.parse(env.USERS);
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-key' };
const CLAIMS = ['name', 'given_name', 'email', 'roles', 'role', 'relations', 'territories', 'directorates'];

function claimsOf(id) {
  const user = users[id];
  if (!user) return undefined;
  return Object.fromEntries(Object.entries(user).filter(([k]) => CLAIMS.includes(k)));
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: [env.REDIRECT_URI],
    post_logout_redirect_uris: [env.POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'roles', 'role', 'relations', 'territories', 'directorates'],
    email: ['email'],
  },
  conformIdTokenClaims: false,
  findAccount: async (ctx, id) => (users[id]
    ? { accountId: id, claims: async () => ({ sub: id, ...claimsOf(id) }) }
    : undefined),
  extraTokenClaims: async (ctx, token) => (token.kind === 'AccessToken' ? claimsOf(token.accountId) : undefined),
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => env.AUDIENCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'api',
        audience: env.AUDIENCE,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 3600, IdToken: 3600, AuthorizationCode: 60 },
});
provider.listen(Number(env.PORT), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
