// Smoke test: the real @directus/sdk against a running Gatehouse.
//
//   BASE_URL=http://127.0.0.1:8055 EMAIL=admin@example.com PASSWORD=... \
//     node smoke.mjs [json|session]      (MODE=json|session works too; default json)
//
// Runs login → readMe → refresh → readMe → passwordRequest → logout through
// the SDK's own authentication() and rest() composables and exits non-zero
// with a message naming the failing step. Run by compat/sdk_test.go.
import {
  authentication,
  createDirectus,
  passwordRequest,
  readMe,
  rest,
} from '@directus/sdk';

const baseURL = process.env.BASE_URL;
const email = process.env.EMAIL;
const password = process.env.PASSWORD;
const mode = process.argv[2] ?? process.env.MODE ?? 'json';

function die(msg) {
  console.error(`smoke [${mode}]: FAIL: ${msg}`);
  process.exit(1);
}

if (!baseURL || !email || !password) die('BASE_URL, EMAIL and PASSWORD must be set');
if (mode !== 'json' && mode !== 'session') die(`unknown mode ${JSON.stringify(mode)} (want json or session)`);

// Node's fetch keeps no cookies. A browser would, so for session mode wrap
// fetch with a minimal jar: remember every Set-Cookie (dropping cleared ones)
// and send them back as Cookie on the next request to the same server.
const jar = new Map();
const trace = [];
async function cookieFetch(input, init = {}) {
  const headers = new Headers(init.headers ?? {});
  if (jar.size > 0) {
    headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  }
  const res = await fetch(input, { ...init, headers });
  const set = res.headers.getSetCookie();
  for (const line of set) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const cleared = value === '' || attrs.some((a) => /^max-age=(0|-\d+)$/i.test(a)) ||
      attrs.some((a) => /^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now());
    if (cleared) jar.delete(name);
    else jar.set(name, value);
  }
  trace.push(`${init.method ?? 'GET'} ${new URL(input).pathname} → ${res.status}` +
    (set.length ? ` set-cookie: ${set.map((c) => c.split('=')[0]).join(', ')}` : ''));
  return res;
}

const client = mode === 'json'
  ? createDirectus(baseURL).with(authentication('json')).with(rest())
  : createDirectus(baseURL, { globals: { fetch: cookieFetch } })
    .with(authentication('session', { credentials: 'include' }))
    .with(rest({ credentials: 'include' }));

function describe(err) {
  if (err && typeof err === 'object' && 'errors' in err) {
    const status = err.response?.status ?? '?';
    return `HTTP ${status}: ${JSON.stringify(err.errors)}`;
  }
  return err instanceof Error ? err.stack ?? err.message : JSON.stringify(err);
}

async function step(name, fn) {
  try {
    const out = await fn();
    console.log(`smoke [${mode}]: ok   ${name}`);
    return out;
  } catch (err) {
    if (trace.length) console.error(`requests so far:\n  ${trace.join('\n  ')}`);
    die(`${name}: ${describe(err)}`);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function me(label) {
  const user = await step(label, () => client.request(readMe({ fields: ['id', 'email'] })));
  if (!user || typeof user !== 'object' || typeof user.id !== 'string' ||
      String(user.email).toLowerCase() !== email.toLowerCase()) {
    die(`${label}: unexpected user ${JSON.stringify(user)}`);
  }
  return user;
}

const login = await step('login', async () => {
  const r = await client.login(email, password);
  check(r && typeof r.expires === 'number' && r.expires > 0, `login result has no expires: ${JSON.stringify(r)}`);
  if (mode === 'json') {
    check(typeof r.access_token === 'string' && typeof r.refresh_token === 'string',
      `json login must return access_token and refresh_token: ${JSON.stringify(r)}`);
  } else {
    check(!r.access_token && !r.refresh_token, `session login must not return tokens in the body: ${JSON.stringify(r)}`);
    check(jar.size > 0, 'session login set no cookie');
  }
  return r;
});

const first = await me('readMe');

await step('refresh', async () => {
  const r = await client.refresh();
  check(r && typeof r.expires === 'number', `refresh result has no expires: ${JSON.stringify(r)}`);
  if (mode === 'json') {
    check(typeof r.access_token === 'string' && r.refresh_token !== login.refresh_token,
      'json refresh must return a new refresh_token');
  }
  return r;
});

const second = await me('readMe after refresh');
if (second.id !== first.id) die(`readMe after refresh returned another user: ${second.id} != ${first.id}`);

await step('passwordRequest', () => client.request(passwordRequest(email)));

await step('logout', () => client.logout());

if (mode === 'session') {
  // After logout the session cookie is gone (or at least refused).
  const after = await client.request(readMe({ fields: ['id'] })).then(
    (u) => u,
    (err) => ({ error: err }),
  );
  if (after && !after.error && after.id) die(`readMe after logout still returned the user ${after.id}`);
  console.log(`smoke [${mode}]: ok   readMe after logout is refused`);
}

console.log(`smoke [${mode}]: PASS (@directus/sdk against ${baseURL})`);
process.exit(0); // the SDK's auto-refresh timer must not keep node alive
