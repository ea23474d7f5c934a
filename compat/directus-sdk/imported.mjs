// After `gatehouse import directus`: the real @directus/sdk, holding the
// tokens a Directus server gave it, keeps working against Gatehouse without
// logging in again.
//
//   BASE_URL=… EMAIL=… node imported.mjs json      ACCESS_TOKEN, REFRESH_TOKEN: Directus's
//   BASE_URL=… EMAIL=… node imported.mjs session   SESSION_JWT: the directus_session_token cookie
//
// Exits non-zero with a message naming the failing step. Run by compat/import_test.go.
import { authentication, createDirectus, readMe, rest } from '@directus/sdk';

const { BASE_URL: baseURL, EMAIL: email } = process.env;
const mode = process.argv[2] ?? 'json';

function die(msg) {
  console.error(`imported [${mode}]: FAIL: ${msg}`);
  process.exit(1);
}

// A browser's cookie jar, starting with what Directus set.
const jar = new Map();
async function cookieFetch(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (jar.size > 0) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(input, { ...init, headers });
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (value === '' || attrs.some((a) => /^max-age=(0|-\d+)$/i.test(a))) jar.delete(name);
    else jar.set(name, value);
  }
  return res;
}

let client;
if (mode === 'json') {
  // The SDK's storage as the app left it, holding Directus's tokens.
  let data = {
    access_token: process.env.ACCESS_TOKEN, refresh_token: process.env.REFRESH_TOKEN,
    expires: 900000, expires_at: Date.now() + 900000,
  };
  const storage = { get: async () => data, set: async (v) => { data = v; } };
  client = createDirectus(baseURL).with(authentication('json', { storage, autoRefresh: false })).with(rest());
} else {
  jar.set('directus_session_token', process.env.SESSION_JWT);
  client = createDirectus(baseURL, { globals: { fetch: cookieFetch } })
    .with(authentication('session', { credentials: 'include', autoRefresh: false }))
    .with(rest({ credentials: 'include' }));
}

async function step(name, fn) {
  try {
    const out = await fn();
    console.log(`imported [${mode}]: ok   ${name}`);
    return out;
  } catch (err) {
    const detail = err && typeof err === 'object' && 'errors' in err
      ? `HTTP ${err.response?.status}: ${JSON.stringify(err.errors)}` : String(err?.stack ?? err);
    die(`${name}: ${detail}`);
  }
}

async function me(label) {
  const u = await step(label, () => client.request(readMe({ fields: ['id', 'email'] })));
  if (String(u?.email).toLowerCase() !== email.toLowerCase()) die(`${label}: unexpected user ${JSON.stringify(u)}`);
}

await me(mode === 'json' ? 'readMe with the Directus access token'
  : 'readMe (the SDK refreshes the Directus session cookie first)');
await step('refresh', () => client.refresh());
if (mode === 'session' && !String(jar.get('directus_session_token')).includes('.')) die('no new session cookie');
await me('readMe after the refresh');
await step('refresh again', () => client.refresh());
await me('readMe after the second refresh');
await step('logout', () => client.logout());
console.log(`imported [${mode}]: PASS (@directus/sdk against ${baseURL})`);
process.exit(0);
