// Corner Shop: a small web application with its own people, passwords and login page, which
// leaves its sessions to Sessionboard. It shows the five calls a host makes (README.md next to
// this file): sync the directory, sign in, validate, open "Active sessions", log out.
// Plain Node.js 20, no packages, so the integration is all there is to read.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');

const SESSIONBOARD_URL = (process.env.SESSIONBOARD_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const API_KEY = process.env.SESSIONBOARD_API_KEY;
const PORT = Number(process.env.PORT ?? 4000);
const TRUST_PROXY = process.env.TRUST_PROXY === '1';
const COOKIE = 'shop_session';

// The shop's own directory. The ids are the shop's (Sessionboard calls them external ids): the
// API takes them wherever it names a person or an account.
const ACCOUNT = { id: 'corner-shop', name: 'Corner Shop' };
const USERS = [
  { id: 'u1', name: 'Ada Lovelace', email: 'ada@shop.example', role: 'owner', jobLabel: 'Manager' },
  { id: 'u2', name: 'Bob Baker', email: 'bob@shop.example', role: 'employee', jobLabel: 'Bakery' },
];
// One demo password for both. The shop keeps (hashes of) its passwords itself: Sessionboard
// never sees them, and people synced from here have no Sessionboard password at all.
for (const user of USERS) user.password = hashPassword('shop-password');
// Checked against when the email is unknown (see logIn).
const NOBODY = { password: hashPassword('') };

// The one number of Sessionboard's the shop keeps: a validated session names its person by it.
const usersBySessionboardId = new Map();

function hashPassword(password, salt = crypto.randomBytes(16)) {
  return { salt, hash: crypto.scryptSync(password, salt, 32) };
}

function passwordMatches(user, password) {
  const { hash } = hashPassword(password, user.password.salt);
  return crypto.timingSafeEqual(hash, user.password.hash);
}

// ---- Sessionboard's API ----

/** Sessionboard answered, but not as hoped: worth reporting, not worth retrying. */
class Refused extends Error {}

async function sessionboard(method, path, { body, token } = {}) {
  const headers = { 'X-Api-Key': API_KEY };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${SESSIONBOARD_URL}/api/v1${path}`, {
    method,
    headers,
    body: body && JSON.stringify(body),
    // A page waits on this: better an error page after 5 s than a browser left hanging.
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** A problem document's words, for logs and error pages; never the request, which holds secrets. */
function refused(what, { status, body }) {
  return new Refused(`${what}: ${status} ${body?.detail ?? body?.title ?? ''}`.trim());
}

// ---- 1. Directory sync: Sessionboard learns the shop's account, people and roles ----

async function put(path, body) {
  const answer = await sessionboard('PUT', path, { body });
  if (answer.status !== 200 && answer.status !== 201) throw refused(`PUT ${path}`, answer);
  console.log(`Synced ${path}: ${answer.body.outcome}`);
  return answer.body;
}

async function syncDirectory() {
  await put(`/directory/accounts/${ACCOUNT.id}`, { name: ACCOUNT.name, status: 'active' });
  for (const user of USERS) {
    const { name, email, role, jobLabel } = user;
    const person = await put(`/directory/people/${user.id}`, { name, email, status: 'active' });
    usersBySessionboardId.set(person.id, user);
    await put(`/directory/accounts/${ACCOUNT.id}/members/${user.id}`, { role, job_label: jobLabel });
  }
}

/** Sessionboard may still be starting when the shop does: only silence is worth waiting out. */
async function syncWhenReachable(attempts = 10) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await syncDirectory();
    } catch (error) {
      if (error instanceof Refused || attempt === attempts) throw error;
      const reason = error.cause?.code ?? error.message;
      console.log(`Sessionboard at ${SESSIONBOARD_URL} does not answer yet (${reason}); retrying`);
      await sleep(1000);
    }
  }
}

// ---- The shop's pages ----

const ENDED = 'You were signed out: this session was ended.';
const ROUTES = {
  'GET /': home,
  'GET /login': (request, response, query) =>
    loginPage(response, { notice: query.has('ended') ? ENDED : '' }),
  'POST /login': logIn,
  'GET /active-sessions': activeSessions,
  'POST /logout': logOut,
};

async function handle(request, response) {
  const { pathname, searchParams } = new URL(request.url, 'http://shop');
  const route = ROUTES[`${request.method} ${pathname}`];
  if (route) return route(request, response, searchParams);
  send(response, 404, page('Not found', '<p>There is nothing here. <a href="/">Home</a></p>'));
}

function loginPage(response, { status = 200, notice = '', error = '', email = '' } = {}) {
  send(response, status, page('Sign in', `
    <h1>Sign in to Corner Shop</h1>
    ${notice && `<p role="status">${escapeHtml(notice)}</p>`}
    ${error && `<p role="alert">${escapeHtml(error)}</p>`}
    <form method="post" action="/login">
      <p><label>Email <input name="email" type="email" value="${escapeHtml(email)}" required></label></p>
      <p><label>Password <input name="password" type="password" required></label></p>
      <p><button>Sign in</button></p>
    </form>`));
}

// ---- 2. Sign-in: the shop checks the password, Sessionboard makes and keeps the session ----

async function logIn(request, response) {
  const form = await readForm(request);
  const email = form.get('email') ?? '';
  const user = USERS.find((candidate) => candidate.email === email.trim().toLowerCase());
  // Hash even for an unknown email, so the answer's timing does not tell which emails exist.
  const passwordOk = passwordMatches(user ?? NOBODY, form.get('password') ?? '');
  if (!user || !passwordOk) {
    return loginPage(response, { status: 401, error: 'Wrong email or password', email });
  }
  // The device's user agent and address, not the shop server's: the sessions page shows them.
  const device = { user_agent: request.headers['user-agent'] ?? '', ip: deviceIp(request) };
  const answer = await sessionboard('POST', '/sessions', {
    body: { external_id: user.id, account_external_id: ACCOUNT.id, ...device },
  });
  if (answer.status !== 201) throw refused('Signing in', answer);
  console.log(`${user.name} signed in (session ${answer.body.session_id})`);
  // No expiry on the cookie: Sessionboard decides when the session ends, and says so below.
  // Over https, add Secure.
  redirect(response, '/', `${COOKIE}=${answer.body.token}; Path=/; HttpOnly; SameSite=Lax`);
}

/**
 * Behind a proxy the socket's peer is the proxy. TRUST_PROXY=1 believes the first
 * X-Forwarded-For entry: only for a proxy that sets that header itself, or any client could
 * claim any address.
 */
function deviceIp(request) {
  const forwarded = request.headers['x-forwarded-for'];
  if (TRUST_PROXY && forwarded) return forwarded.split(',')[0].trim();
  return request.socket.remoteAddress.replace(/^::ffff:/, '');
}

// ---- 3. Validation: every signed-in page asks Sessionboard whether its session still lives ----

/** The signed-in user and their token, or null once the browser has been sent to sign in. */
async function signedIn(request, response) {
  const token = readCookie(request, COOKIE);
  if (!token) return signOut(response, '/login');
  const answer = await sessionboard('GET', '/session', { token });
  // Ended on the "Active sessions" page, by an admin, or expired: this device is signed out.
  if (answer.status === 401) return signOut(response, '/login?ended=1');
  // Anything else is not an answer: refuse the page (502) rather than guess either way.
  if (answer.status !== 200) throw refused('Validating the session', answer);
  const user = usersBySessionboardId.get(answer.body.user.id);
  // A live session of someone the shop no longer has (removed from USERS since the sync).
  if (!user) return signOut(response, '/login');
  return { user, token };
}

/** Forgets the token and sends the browser to sign in; null, for signedIn's callers. */
function signOut(response, location) {
  redirect(response, location, `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  return null;
}

async function home(request, response) {
  const session = await signedIn(request, response);
  if (!session) return;
  send(response, 200, page('Corner Shop', `
    <h1>Welcome, ${escapeHtml(session.user.name)}</h1>
    <nav>
      <a href="/active-sessions">Active sessions</a>
      <form method="post" action="/logout"><button>Sign out</button></form>
    </nav>
    <p>Today's specials are on the counter.</p>`));
}

// ---- 4. "Active sessions": a one-time link signs the browser in to Sessionboard's page ----

async function activeSessions(request, response) {
  const session = await signedIn(request, response);
  if (!session) return;
  // Made on the click, not when the home page is drawn: the link works once, for about a minute.
  const answer = await sessionboard('POST', '/sign-in-links', {
    body: { external_id: session.user.id, account_external_id: ACCOUNT.id, page: '/sessions' },
  });
  if (answer.status !== 201) throw refused('Making a sign-in link', answer);
  redirect(response, answer.body.url);
}

// ---- 5. Log out: the session ends in Sessionboard too, so it leaves the sessions page ----

async function logOut(request, response) {
  // SameSite=Lax keeps the cookie off other sites' posts, so they cannot sign anyone out.
  const token = readCookie(request, COOKIE);
  if (token) {
    const answer = await sessionboard('DELETE', '/session', { token });
    // 401: it had ended already, which is what logging out wants.
    if (answer.status !== 204 && answer.status !== 401) throw refused('Logging out', answer);
  }
  signOut(response, '/login');
}

// ---- HTTP plumbing ----

async function readForm(request) {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 10_000) throw new Error('the form is too large');
  }
  return new URLSearchParams(body);
}

function readCookie(request, name) {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [key, value] = pair.trim().split(/=(.*)/);
    if (key === name && value) return value;
  }
  return null;
}

function redirect(response, location, cookie) {
  // 303: after a form post the browser follows with a GET.
  const headers = { Location: location, 'Cache-Control': 'no-store' };
  if (cookie) headers['Set-Cookie'] = cookie;
  response.writeHead(303, headers);
  response.end();
}

function send(response, status, html) {
  // no-store: a back button must not show one person's page to the next.
  response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(html);
}

function page(title, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · Corner Shop</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto">${body}</body></html>`;
}

function escapeHtml(text) {
  const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(text).replace(/[&<>"']/g, (character) => entities[character]);
}

const server = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    // The message names what failed and Sessionboard's answer; no token, no key.
    console.error(`${request.method} ${request.url.split('?')[0]}: ${error.message}`);
    if (response.headersSent) return response.end();
    send(response, 502, page('Unavailable', `<h1>Corner Shop is unavailable</h1>
      <p>Sessionboard, which keeps its sessions, did not answer as expected. Try again in a moment.</p>`));
  });
});

if (!API_KEY) {
  console.error('Set SESSIONBOARD_API_KEY to a trusted directory key of the "Corner Shop" application.');
  process.exit(2);
}
syncWhenReachable()
  .then(() => server.listen(PORT, () => console.log(`Corner Shop is running on port ${PORT}`)))
  .catch((error) => {
    console.error(`Could not sync the directory with Sessionboard: ${error.message}`);
    process.exit(1);
  });
