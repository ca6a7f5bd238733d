/**
 * Issue 3, "Tests": the identity-linking OAuth flow driven end to end with real HTTP clients
 * holding a cookie jar (and once with a real headless Chromium) against the daemon, with the Slack
 * simulator providing the authorize redirect and oauth.v2.access. Only the network is fake.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createKeyring, loadMasterKey, type Keyring } from '../../src/adapters/crypto/keyring.js';
import type { StoreData } from '../../src/adapters/store/lowdb-store.js';
import { CookieBrowser } from '../../src/cli/cookie-browser.js';
import { linkSharedEvent, type RecordedCall } from '../../src/simulators/slack/index.js';
import { deliver, startStack, TEAM, traceUrl, USER, waitFor, type Stack, type StackOptions } from '../helpers/stack.js';

const AUTH = '/integration/auth/slack';
const COOKIE = 'lsslack_link_session';
/** Debian's chromium (CI installs it); LSSLACK_TEST_CHROMIUM points elsewhere, e.g. to check the skip. */
const CHROMIUM = process.env.LSSLACK_TEST_CHROMIUM ?? '/usr/bin/chromium';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// ---------------------------------------------------------------------------------------------
// What every test saw, for the final sweep: no secret from any stack in any log line or page.
// ---------------------------------------------------------------------------------------------
const everyStack: Stack[] = [];
const everyPage: Array<{ url: string; body: string }> = [];
/** OAuth codes and state values seen in URLs (redirects and requests). */
const urlSecrets = new Set<string>();

function noteUrlSecrets(url: string | undefined): void {
  if (url === undefined || url === '') return;
  const params = new URL(url).searchParams;
  for (const name of ['code', 'state']) {
    const value = params.get(name);
    if (value !== null && value !== '') urlSecrets.add(value);
  }
}

/** A controllable daemon clock. */
function testClock(): { now: () => number; advance: (ms: number) => void; reset: () => void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms), reset: () => void (offset = 0) };
}

/**
 * startStack, linking the mapped users here rather than inside startStack: if linking fails (a
 * broken flow), the stack is stopped and the error reported, instead of leaving servers open and
 * the test process hanging.
 */
async function stackFor(options: StackOptions): Promise<Stack> {
  const stack = await startStack({ ...options, linked: false });
  everyStack.push(stack);
  if (options.linked === false) return stack;
  try {
    const mappings = options.mappings ?? [{ projects: ['checkout'] }];
    for (const m of mappings) {
      const { callback } = await linkUser(stack, m.slackUserId, m.teamId);
      assert.equal(callback.status, 200, `setup: linking ${m.slackUserId ?? USER} failed: ${callback.body}`);
    }
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.unfurled >= mappings.length, 'setup: the unfurls that prompted the links');
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

// A safety net: whatever failed, every stack is stopped so the process exits (stop is idempotent).
after(async () => {
  for (const stack of everyStack) await stack.stop();
});

type Response = Awaited<ReturnType<CookieBrowser['get']>>;

/** CookieBrowser that also records the daemon's pages and every code/state it sees in a URL. */
class Browser extends CookieBrowser {
  readonly #slackOrigin: string;
  constructor(stack: Stack) {
    super();
    this.#slackOrigin = new URL(stack.slack.url).origin;
  }
  override async get(url: string): Promise<Response> {
    noteUrlSecrets(url);
    const res = await super.get(url);
    noteUrlSecrets(res.location);
    if (new URL(url).origin !== this.#slackOrigin) everyPage.push({ url, body: res.body });
    return res;
  }
  override async post(url: string, fields: Readonly<Record<string, string>>): Promise<Response> {
    const res = await super.post(url, fields);
    noteUrlSecrets(res.location);
    everyPage.push({ url, body: res.body });
    return res;
  }
  /** A second browser holding a copy of this one's cookies (a replay from the same browser). */
  clone(stack: Stack): Browser {
    const copy = new Browser(stack);
    for (const [k, v] of this.jar) copy.jar.set(k, v);
    return copy;
  }
}

let tsCounter = 0;
const nextTs = () => `1750000000.${String(++tsCounter).padStart(6, '0')}`;

interface Shared {
  readonly ts: string;
  readonly channel: string;
  /** Index into slack.calls before the share. */
  readonly from: number;
}

/** A user shares the sample trace link in a channel. */
async function share(stack: Stack, options: { user?: string; team?: string; channel?: string } = {}): Promise<Shared> {
  // Linking delivers *every* unfurl that prompted the user, earlier tests' included; let those
  // land first, so calls after `from` belong to this share.
  await settledQueue(stack);
  const ts = nextTs();
  const channel = options.channel ?? 'C0OAUTH';
  const from = stack.slack.calls.length;
  // deliver(): like Slack, redeliver if the socket is reconnecting at that moment.
  await deliver(stack.slack, linkSharedEvent({ teamId: options.team ?? TEAM, userId: options.user ?? USER, channel, messageTs: ts, urls: [traceUrl()] }));
  return { ts, channel, from };
}

/** Waits until the daemon's worker pool has nothing waiting or running. */
async function settledQueue(stack: Stack): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { queue } = await stack.daemon.status();
    if (queue.waiting === 0 && queue.running === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the worker pool did not settle within 30 s');
}

/** The first chat.unfurl call for this share matching `match` (waits for it). */
async function unfurlFor(stack: Stack, shared: Shared, match: (c: RecordedCall) => boolean, what: string): Promise<RecordedCall> {
  let found: RecordedCall | undefined;
  await waitFor(() => {
    found = stack.slack.calls.slice(shared.from).find((c) => c.method === 'chat.unfurl' && c.args.ts === shared.ts && match(c));
    return found !== undefined;
  }, what);
  return found!;
}

const isPrompt = (c: RecordedCall) => c.ok && c.args.user_auth_required === true;
const isPreview = (c: RecordedCall) => c.ok && c.args.unfurls !== undefined;

/** Share, wait for Slack's auth prompt, return its user_auth_url. */
async function promptFor(stack: Stack, options: { user?: string; team?: string; channel?: string } = {}): Promise<Shared & { authUrl: string; call: RecordedCall }> {
  const shared = await share(stack, options);
  const call = await unfurlFor(stack, shared, isPrompt, 'the auth prompt');
  return { ...shared, authUrl: String(call.args.user_auth_url), call };
}

/** Prompt → open the page in a fresh browser (200) → initiate (302): returns the authorize URL. */
async function startFlow(stack: Stack, user = USER, team = TEAM): Promise<Shared & { browser: Browser; authUrl: string; authorizeUrl: string }> {
  const prompt = await promptFor(stack, { user, team });
  const browser = new Browser(stack);
  const page = await browser.get(prompt.authUrl);
  assert.equal(page.status, 200, page.body);
  const initiate = await browser.submitFirstForm(prompt.authUrl, page.body);
  assert.equal(initiate.status, 303, initiate.body);
  return { ...prompt, browser, authorizeUrl: initiate.location ?? '' };
}

/** Slack's authorize page, answered by `as`: returns the callback URL it redirects to. */
async function authorize(stack: Stack, browser: Browser, authorizeUrl: string, as: { userId: string; teamId?: string } = { userId: USER }): Promise<string> {
  stack.slack.authorizeAs({ userId: as.userId, teamId: as.teamId ?? TEAM });
  const res = await browser.get(authorizeUrl);
  assert.equal(res.status, 302, res.body);
  return res.location ?? '';
}

/**
 * The whole flow for `user` (as linkThroughFlow in the helpers, but sharing through deliver() and
 * recording pages): share → prompt → page → initiate → authorize → callback. Returns the share
 * and the callback's answer.
 */
async function linkUser(stack: Stack, user = USER, team = TEAM): Promise<Shared & { callback: Response }> {
  const flow = await startFlow(stack, user, team);
  const callback = await flow.browser.get(await authorize(stack, flow.browser, flow.authorizeUrl, { userId: user, teamId: team }));
  return { ...flow, callback };
}

async function readStore(stack: Stack): Promise<StoreData> {
  return JSON.parse(await readFile(path.join(stack.dataDir, 'store.json'), 'utf8')) as StoreData;
}

async function keyringOf(stack: Stack): Promise<Keyring> {
  return createKeyring(await loadMasterKey(stack.dataDir));
}

const linkOf = (data: StoreData, user: string, team = TEAM) => data.links.find((l) => l.teamId === team && l.slackUserId === user);

const oauthCalls = (stack: Stack, from = 0) => stack.slack.calls.slice(from).filter((c) => c.method === 'oauth.v2.access');
const userTokenOf = (stack: Stack, user = USER, team = TEAM) => stack.slack.userTokens().filter((t) => t.userId === user && t.teamId === team).at(-1)?.token;

/** Nothing stored: no link for these users, and no preview was posted with a user token since `from`. */
async function assertNothingLinked(stack: Stack, from: number, users: string[], team = TEAM): Promise<void> {
  const data = await readStore(stack);
  for (const user of users) assert.equal(linkOf(data, user, team), undefined, `no link stored for ${user}`);
  const withUserToken = stack.slack.calls.slice(from).filter((c) => c.method === 'chat.unfurl' && c.token !== stack.slack.botToken);
  assert.deepEqual(withUserToken, [], 'nothing posted with a user token');
}

function visibleText(html: string): string {
  return html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A page a person can read: HTML, a title and matching heading, at least one whole sentence, no
 * stack trace, no error codes or status numbers, nothing external or scripted.
 */
function assertReadablePage(res: Response, status: number, mentions?: RegExp): void {
  assert.equal(res.status, status, res.body);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  const title = /<title>([^<]*)<\/title>/.exec(res.body)?.[1]?.replace(/ · lsslack$/, '').trim() ?? '';
  assert.ok(title.length >= 5, `a title: ${JSON.stringify(title)}`);
  const h1 = /<h1>([^<]*)<\/h1>/.exec(res.body)?.[1]?.trim();
  assert.equal(h1, title, 'the heading says what the title says');
  const text = visibleText(res.body);
  assert.match(text, /[A-Z][^.!?]{25,}[.!?]/, 'at least one human sentence');
  assert.doesNotMatch(text, /\b[a-z]+(?:_[a-z0-9]+)+\b/, 'no snake_case error codes');
  assert.doesNotMatch(text, /\b[1-5]\d\d\b/, 'no HTTP status numbers');
  assert.doesNotMatch(res.body, /\bat \S+ \(|node:internal|node_modules|\w*Error\b|\[object Object\]|\bundefined\b|\bnull\b|\bNaN\b/, 'no stack trace or internals');
  assert.doesNotMatch(res.body, /<script|<link\b|\bsrc=|url\(/i, 'self-contained: no scripts or external assets');
  if (mentions !== undefined) assert.match(text, mentions);
}

/** A rejection: a readable 4xx page and no session cookie handed out. */
function assertRejected(res: Response, status: number, mentions?: RegExp): void {
  assert.ok(status >= 400 && status < 500, 'rejections are 4xx');
  assertReadablePage(res, status, mentions);
  const session = res.headers.getSetCookie().filter((c) => c.startsWith(`${COOKIE}=`) && !/max-age=0/i.test(c));
  assert.deepEqual(session, [], 'no session started');
}

const run = promisify(execFile);

/** `lsslack users list --json` in a child process against the stack's data dir. */
async function usersList(stack: Stack): Promise<{ stdout: string; rows: Array<Record<string, unknown>> }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/run.ts'), 'users', 'list', '--json'], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LSSLACK_DATA_DIR: stack.dataDir },
    timeout: 30_000,
  });
  return { stdout, rows: JSON.parse(stdout) as Array<Record<string, unknown>> };
}

function tokenEvent(team: string, event: Record<string, unknown>): object {
  return {
    token: 'simVerificationToken0000',
    team_id: team,
    api_app_id: 'A0SIM',
    event: { ...event, event_ts: `${Date.now() / 1000}` },
    type: 'event_callback',
    event_id: `Ev0REV${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
  };
}

// =============================================================================================

describe('identity linking: the happy path', () => {
  let stack: Stack;
  before(async () => {
    stack = await stackFor({ linked: false });
  });
  after(async () => {
    await stack.stop();
  });

  it('prompt → page → initiate → authorize → callback → linked → the pending unfurl arrives with the user token', async () => {
    // Step 0: the share prompts, with the bot token, pointing at our listener.
    const prompt = await promptFor(stack, { channel: 'C0HAPPY' });
    assert.equal(prompt.call.token, stack.slack.botToken, 'the prompt is sent with the bot token');
    assert.equal(prompt.call.args.unfurls, undefined, 'no trace data in a prompt');
    assert.ok(prompt.authUrl.startsWith(`${stack.publicUrl}${AUTH}?t=`), prompt.authUrl);
    assert.ok((new URL(prompt.authUrl).searchParams.get('t') ?? '').length > 40, 'a signed token');

    // The page: who is linked to whom, an "Add to Slack" button (a form post), a private session cookie.
    const browser = new Browser(stack);
    const page = await browser.get(prompt.authUrl);
    assertReadablePage(page, 200);
    const text = visibleText(page.body);
    assert.match(text, /U0SIMUSER/, 'names the Slack user');
    assert.match(text, /ada@example\.com/, 'names the mapped Lightstep user');
    assert.match(page.body, new RegExp(`<form method="post" action="${AUTH}/initiate"><input type="hidden" name="csrf" value="[^"]+"><p><button class="button" type="submit">Add to Slack</button>`), 'an "Add to Slack" button posting to initiate');
    const [setCookie, ...more] = page.headers.getSetCookie();
    assert.equal(more.length, 0);
    assert.ok(setCookie?.startsWith(`${COOKIE}=`), setCookie);
    assert.match(setCookie!, /;\s*HttpOnly/i);
    assert.match(setCookie!, /;\s*SameSite=Lax/i);
    assert.doesNotMatch(setCookie!, /;\s*Secure/i, 'no Secure flag on a plain-http public URL');

    // Step 1: "Add to Slack" → Slack's authorize page with everything it needs; the link is spent.
    const initiate = await browser.submitFirstForm(prompt.authUrl, page.body);
    assert.equal(initiate.status, 303);
    const target = new URL(initiate.location ?? '');
    assert.equal(`${target.origin}${target.pathname}`, stack.slack.authorizeUrl);
    assert.equal(target.searchParams.get('client_id'), stack.slack.clientId);
    assert.equal(target.searchParams.get('user_scope'), 'links:read,links:write');
    assert.equal(target.searchParams.get('redirect_uri'), `${stack.publicUrl}${AUTH}/callback`);
    assert.equal(target.searchParams.get('team'), TEAM);
    const state = target.searchParams.get('state') ?? '';
    assert.match(state, /^[A-Za-z0-9_-]+$/);
    assert.ok(state.length * 6 >= 128, `state carries ≥ 128 bits (${state.length} base64url chars)`);
    assertRejected(await browser.submitFirstForm(prompt.authUrl, page.body), 410, /already used/);

    // Steps 2–4: Slack redirects back; the callback exchanges the code and links.
    const callbackUrl = await authorize(stack, browser, initiate.location ?? '');
    assert.ok(callbackUrl.startsWith(`${stack.publicUrl}${AUTH}/callback?`), callbackUrl);
    assert.equal(new URL(callbackUrl).searchParams.get('state'), state);
    const callback = await browser.get(callbackUrl);
    assertReadablePage(callback, 200, /U0SIMUSER.*ada@example\.com/);
    assert.equal(browser.jar.has(COOKIE), false, 'the session ends with the flow');
    const exchange = oauthCalls(stack);
    assert.equal(exchange.length, 1);
    assert.equal(exchange[0]!.args.redirect_uri, `${stack.publicUrl}${AUTH}/callback`);

    // Linked: the CLI and the store show it, with its scope — never the token.
    const token = userTokenOf(stack);
    assert.ok(token !== undefined, 'Slack issued a user token');
    const list = await usersList(stack);
    const row = list.rows.find((r) => r.slackUser === USER && r.team === TEAM);
    assert.equal(row?.linked, true);
    assert.equal(row?.scope, 'links:read,links:write');
    assert.ok(!Number.isNaN(Date.parse(String(row?.linkedAt))), 'linked at a time');
    assert.equal(list.stdout.includes(token), false, 'users list never shows the token');
    const link = linkOf(await readStore(stack), USER);
    assert.equal(link?.scope, 'links:read,links:write');
    assert.equal(link?.teamName, 'Simulated Workspace');
    assert.equal((await keyringOf(stack)).decrypt(link!.tokenCipher), token, 'the stored token is the issued one, encrypted');

    // Deliver after linking: the unfurl that prompted is posted with the user's own token.
    const preview = await unfurlFor(stack, prompt, isPreview, 'the pending unfurl');
    assert.equal(preview.token, token, 'posted with the user token, not the bot token');
    assert.equal(preview.args.channel, 'C0HAPPY');
    assert.ok(traceUrl() in (preview.args.unfurls as Record<string, unknown>));
    assert.equal((await readStore(stack)).pending.length, 0, 'nothing left pending');
  });
});

describe('identity linking behind an https public URL', () => {
  let stack: Stack;
  before(async () => {
    stack = await stackFor({ linked: false, env: { LSSLACK_PUBLIC_URL: 'https://lsslack.example.com' } });
  });
  after(async () => {
    await stack.stop();
  });

  it('marks the session cookie Secure and sends Slack back to the public origin', async () => {
    const prompt = await promptFor(stack);
    assert.ok(prompt.authUrl.startsWith(`https://lsslack.example.com${AUTH}?t=`), prompt.authUrl);
    // The public origin is a reverse proxy in front of the listener: ask the listener directly.
    const onListener = (url: string) => {
      const u = new URL(url);
      return `${stack.httpUrl}${u.pathname}${u.search}`;
    };
    const browser = new Browser(stack);
    const page = await browser.get(onListener(prompt.authUrl));
    assertReadablePage(page, 200);
    const setCookie = page.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`)) ?? '';
    assert.match(setCookie, /;\s*Secure/i);
    assert.match(setCookie, /;\s*HttpOnly/i);
    assert.match(setCookie, /;\s*SameSite=Lax/i);
    const initiate = await browser.submitFirstForm(onListener(prompt.authUrl), page.body);
    assert.equal(initiate.status, 303);
    assert.equal(new URL(initiate.location ?? '').searchParams.get('redirect_uri'), `https://lsslack.example.com${AUTH}/callback`);
  });
});

describe('identity linking: every rejection is a readable 4xx page and stores nothing', () => {
  let stack: Stack;
  const clock = testClock();
  before(async () => {
    stack = await stackFor({
      linked: false,
      now: clock.now,
      // Short enough for the "does not answer in time" test, long enough that the exchanges the
      // other tests need to succeed are not cut off by a loaded machine.
      oauthTimeoutMs: 5000,
      mappings: [{ projects: ['checkout'] }, { slackUserId: 'U0OTHER', projects: ['checkout'] }, { slackUserId: 'U0REPLAY', projects: ['checkout'] }],
    });
  });
  after(async () => {
    await stack.stop();
  });

  // --- the link token `t` ---

  it('rejects the page without a link token', async () => {
    const res = await new Browser(stack).get(`${stack.httpUrl}${AUTH}`);
    assertRejected(res, 400, /Share the trace link/);
    const empty = await new Browser(stack).get(`${stack.httpUrl}${AUTH}?t=`);
    assertRejected(empty, 400);
  });

  it('rejects a link token whose signature was changed', async () => {
    const { authUrl, from } = await promptFor(stack);
    const url = new URL(authUrl);
    const t = url.searchParams.get('t') ?? '';
    const at = t.indexOf('.') + 1; // the first signature character (its bits all count)
    url.searchParams.set('t', `${t.slice(0, at)}${t[at] === 'A' ? 'B' : 'A'}${t.slice(at + 1)}`);
    assertRejected(await new Browser(stack).get(url.toString()), 400, /not valid/);
    // The untouched link still works: only the forgery was refused.
    assert.equal((await new Browser(stack).get(authUrl)).status, 200);
    await assertNothingLinked(stack, from, [USER]);
  });

  it('rejects a link token whose claims were changed (another user) under the old signature', async () => {
    const { authUrl, from } = await promptFor(stack);
    const url = new URL(authUrl);
    const [body, sig] = (url.searchParams.get('t') ?? '').split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    url.searchParams.set('t', `${Buffer.from(JSON.stringify({ ...claims, user: 'U0OTHER' })).toString('base64url')}.${sig}`);
    assertRejected(await new Browser(stack).get(url.toString()), 400);
    await assertNothingLinked(stack, from, [USER, 'U0OTHER']);
  });

  it('rejects a link token signed with another key', async () => {
    const { authUrl, from } = await promptFor(stack);
    const url = new URL(authUrl);
    const claims = JSON.parse(Buffer.from((url.searchParams.get('t') ?? '').split('.')[0]!, 'base64url').toString('utf8')) as object;
    // The same claims, signed by another installation's key.
    url.searchParams.set('t', createKeyring(randomBytes(32)).sign(claims));
    assertRejected(await new Browser(stack).get(url.toString()), 400, /not valid/);
    await assertNothingLinked(stack, from, [USER]);
  });

  it('rejects an expired link token (31 minutes later)', async () => {
    const { authUrl, from } = await promptFor(stack);
    clock.advance(31 * MINUTE);
    try {
      assertRejected(await new Browser(stack).get(authUrl), 410, /expired/);
    } finally {
      clock.reset();
    }
    await assertNothingLinked(stack, from, [USER]);
  });

  it('a reload, or a link scanner prefetching the URL, does not use the link up: pressing the button does', async () => {
    const { authUrl, from } = await promptFor(stack);
    // A mail or chat security scanner fetches every link it sees, cookie-less.
    const scanner = await new Browser(stack).get(authUrl);
    assert.equal(scanner.status, 200);
    const browser = new Browser(stack);
    const first = await browser.get(authUrl);
    const reload = await browser.get(authUrl);
    assert.equal(first.status, 200);
    assert.equal(reload.status, 200, 'a reload shows the page again');
    // Another browser opened it too; only one of them can start linking with it.
    const other = new Browser(stack);
    const otherPage = await other.get(authUrl);
    assert.equal((await browser.submitFirstForm(authUrl, reload.body)).status, 303);
    assertRejected(await other.submitFirstForm(authUrl, otherPage.body), 410, /already used/);
    assertRejected(await new Browser(stack).get(authUrl), 410, /already used/);
    await assertNothingLinked(stack, from, [USER]);
  });

  it('shows an unmapped user the exact line to ask an admin for', async () => {
    const { authUrl, from } = await promptFor(stack, { user: 'U0STRANGER' });
    const res = await new Browser(stack).get(authUrl);
    assertRejected(res, 403, /admin/i);
    const command = visibleText(/<code>([\s\S]*?)<\/code>/.exec(res.body)?.[1] ?? '');
    assert.match(command, /^lsslack users map U0STRANGER <trace-user> --team T0SIM --allow \S+$/);
    assert.equal(res.body.includes('Add to Slack'), false, 'no flow that ends in nothing');
    await assertNothingLinked(stack, from, ['U0STRANGER']);
  });

  // --- the session ---

  it('rejects initiate without a session (and with a forged one), and by GET', async () => {
    const statesBefore = (await readStore(stack)).states.length;
    const none = await new Browser(stack).post(`${stack.httpUrl}${AUTH}/initiate`, { csrf: 'x' });
    assertRejected(none, 401, /session/i);
    assert.equal(none.location, undefined, 'not sent to Slack');
    const forged = new Browser(stack);
    forged.jar.set(COOKIE, createKeyring(randomBytes(32)).sign({ kind: 'session', sid: 'x', team: TEAM, user: USER, lsu: 'ada@example.com', jti: 'j', linkExp: Date.now() + HOUR, exp: Date.now() + HOUR }));
    assertRejected(await forged.post(`${stack.httpUrl}${AUTH}/initiate`, { csrf: 'x' }), 401);
    assertRejected(await new Browser(stack).get(`${stack.httpUrl}${AUTH}/initiate`), 405);
    assert.equal((await readStore(stack)).states.length, statesBefore, 'no state created');
  });

  it('rejects initiate without the page\'s CSRF token, or with another session\'s (a cross-site form)', async () => {
    const { authUrl, from } = await promptFor(stack);
    const victim = new Browser(stack);
    const page = await victim.get(authUrl);
    assert.equal(page.status, 200);
    const statesBefore = (await readStore(stack)).states.length;
    assertRejected(await victim.post(`${stack.httpUrl}${AUTH}/initiate`, {}), 403, /did not come from the lsslack page/);
    // An attacker's own page and token (another session) cannot start the victim's flow.
    const attacker = await promptFor(stack, { user: 'U0OTHER' });
    const attackerPage = await new Browser(stack).get(attacker.authUrl);
    const attackerCsrf = /name="csrf" value="([^"]+)"/.exec(attackerPage.body)?.[1] ?? '';
    assertRejected(await victim.post(`${stack.httpUrl}${AUTH}/initiate`, { csrf: attackerCsrf }), 403);
    assert.equal((await readStore(stack)).states.length, statesBefore, 'no state created');
    // Refusals do not spend the link: the real button still works.
    assert.equal((await victim.submitFirstForm(authUrl, page.body)).status, 303);
    await assertNothingLinked(stack, from, [USER]);
  });

  it('rejects the callback without a session', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl);
    const oauthBefore = oauthCalls(stack).length;
    const res = await new Browser(stack).get(callbackUrl);
    assertRejected(res, 401, /session/i);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'the code was not exchanged');
    await assertNothingLinked(stack, flow.from, [USER]);
  });

  // --- the state ---

  it('rejects the callback with an unknown state', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = new URL(await authorize(stack, flow.browser, flow.authorizeUrl));
    callbackUrl.searchParams.set('state', randomBytes(32).toString('base64url'));
    const oauthBefore = oauthCalls(stack).length;
    assertRejected(await flow.browser.get(callbackUrl.toString()), 400);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'the code was not exchanged');
    await assertNothingLinked(stack, flow.from, [USER]);
  });

  it('rejects the callback with an expired state (11 minutes after initiate)', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl);
    const oauthBefore = oauthCalls(stack).length;
    clock.advance(11 * MINUTE);
    try {
      assertRejected(await flow.browser.get(callbackUrl), 400, /expired/);
    } finally {
      clock.reset();
    }
    assert.equal(oauthCalls(stack).length, oauthBefore, 'the code was not exchanged');
    await assertNothingLinked(stack, flow.from, [USER]);
  });

  it('rejects a replayed callback (reused state) and leaves the link as it was', async () => {
    const flow = await startFlow(stack, 'U0REPLAY');
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl, { userId: 'U0REPLAY' });
    const replayer = flow.browser.clone(stack); // the same browser's cookie, kept for the replay
    assertReadablePage(await flow.browser.get(callbackUrl), 200);
    const linked = linkOf(await readStore(stack), 'U0REPLAY');
    assert.ok(linked !== undefined);
    const oauthBefore = oauthCalls(stack).length;
    assertRejected(await replayer.get(callbackUrl), 400);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'the code was not exchanged again');
    assert.deepEqual(linkOf(await readStore(stack), 'U0REPLAY'), linked, 'the link is unchanged');
  });

  it("rejects another session's state with 403 (browser A presents browser B's state)", async () => {
    const a = await startFlow(stack, USER);
    const b = await startFlow(stack, 'U0OTHER');
    await authorize(stack, a.browser, a.authorizeUrl); // A's own state is left unused
    const bCallback = await authorize(stack, b.browser, b.authorizeUrl, { userId: 'U0OTHER' });
    const oauthBefore = oauthCalls(stack).length;
    assertRejected(await a.browser.get(bCallback), 403, /browser/);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'the code was not exchanged');
    // The misused state is spent: B's own callback does not link either.
    assertRejected(await b.browser.get(bCallback), 400);
    await assertNothingLinked(stack, a.from, [USER, 'U0OTHER']);
  });

  // --- the identity Slack answers with ---

  it('rejects a callback where another Slack user signed in with 403, storing nothing', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl, { userId: 'U0MALLORY' });
    assertRejected(await flow.browser.get(callbackUrl), 403, /someone else|different person/);
    assert.equal(oauthCalls(stack).filter((c) => c.ok).length > 0, true);
    await assertNothingLinked(stack, flow.from, [USER, 'U0MALLORY']);
    const raw = await readFile(path.join(stack.dataDir, 'store.json'), 'utf8');
    assert.equal(raw.includes('U0MALLORY'), false, 'nothing about the other user is stored');
  });

  it('rejects a callback from another workspace with 403, storing nothing', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl, { userId: USER, teamId: 'T0ELSEWHERE' });
    assertRejected(await flow.browser.get(callbackUrl), 403, /someone else|workspace/);
    await assertNothingLinked(stack, flow.from, [USER]);
    await assertNothingLinked(stack, flow.from, [USER], 'T0ELSEWHERE');
  });

  // --- oauth.v2.access ---

  it('rejects when oauth.v2.access answers ok: false, and the spent state cannot be replayed', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl);
    const replayer = flow.browser.clone(stack);
    stack.slack.failNext('oauth.v2.access', 1, 'invalid_code');
    const res = await flow.browser.get(callbackUrl);
    assertRejected(res, 400, /Nothing was stored/);
    assert.equal(res.body.includes('invalid_code'), false);
    // State is consumed on first use, also on failure.
    const oauthBefore = oauthCalls(stack).length;
    assertRejected(await replayer.get(callbackUrl), 400);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'not exchanged a second time');
    await assertNothingLinked(stack, flow.from, [USER]);
  });

  it('rejects when oauth.v2.access does not answer in time', async () => {
    const flow = await startFlow(stack);
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl);
    stack.slack.stallNext('oauth.v2.access', 1);
    const res = await flow.browser.get(callbackUrl);
    assertRejected(res, 400, /Nothing was stored/);
    assert.equal(oauthCalls(stack).at(-1)?.error, 'stalled', 'the exchange was attempted and never answered');
    await assertNothingLinked(stack, flow.from, [USER]);
  });

  it('explains a denial in Slack (access_denied) on a readable page, linking nothing', async () => {
    const flow = await startFlow(stack);
    stack.slack.denyNextAuthorization();
    const callbackUrl = await authorize(stack, flow.browser, flow.authorizeUrl);
    assert.equal(new URL(callbackUrl).searchParams.get('error'), 'access_denied');
    const oauthBefore = oauthCalls(stack).length;
    const res = await flow.browser.get(callbackUrl);
    // Declining is the person's choice, not an error: a calm 200 page that says what happened.
    assertReadablePage(res, 200, /nothing was linked/i);
    assert.equal(res.body.includes('access_denied'), false);
    assert.equal(oauthCalls(stack).length, oauthBefore, 'nothing exchanged');
    await assertNothingLinked(stack, flow.from, [USER]);
  });
});

describe('identity linking: step 5, when Slack stops accepting a token', () => {
  let stack: Stack;
  before(async () => {
    // USER is linked through the real flow at start; T0SECOND's user is another workspace's.
    stack = await stackFor({ mappings: [{ projects: ['checkout'] }, { teamId: 'T0SECOND', slackUserId: 'U0SECOND', projects: ['checkout'] }] });
  });
  after(async () => {
    await stack.stop();
  });

  const ensureLinked = async (user = USER, team = TEAM) => {
    if (linkOf(await readStore(stack), user, team) !== undefined) return;
    const { callback } = await linkUser(stack, user, team);
    assert.equal(callback.status, 200, callback.body);
  };

  /** Slack refuses the user's token on chat.unfurl: the link is dropped and the sharer prompted. */
  const refusedTokenReprompts = async (refuse: (token: string) => void, error: string) => {
    await ensureLinked();
    const token = userTokenOf(stack)!;
    refuse(token);
    const shared = await share(stack);
    const refused = await unfurlFor(stack, shared, (c) => !c.ok, `chat.unfurl refused with ${error}`);
    assert.equal(refused.token, token);
    assert.equal(refused.error, error);
    const prompt = await unfurlFor(stack, shared, isPrompt, 'a new prompt');
    assert.equal(prompt.token, stack.slack.botToken);
    assert.equal(linkOf(await readStore(stack), USER), undefined, 'the link was dropped');
    // Linking again delivers the refused share with the new token.
    const { callback } = await linkUser(stack);
    assert.equal(callback.status, 200, callback.body);
    const fresh = userTokenOf(stack)!;
    assert.notEqual(fresh, token);
    const preview = await unfurlFor(stack, shared, isPreview, 'the refused share, delivered after relinking');
    assert.equal(preview.token, fresh);
  };

  it('drops the link and prompts again when chat.unfurl answers token_revoked', async () => {
    await refusedTokenReprompts((t) => stack.slack.revokeToken(t), 'token_revoked');
  });

  it('drops the link and prompts again when chat.unfurl answers token_expired', async () => {
    await refusedTokenReprompts((t) => stack.slack.expireToken(t), 'token_expired');
  });

  it('removes the link on a tokens_revoked event', async () => {
    await ensureLinked();
    await ensureLinked('U0SECOND', 'T0SECOND');
    await deliver(stack.slack, tokenEvent(TEAM, { type: 'tokens_revoked', tokens: { oauth: [USER], bot: [] } }));
    const data = await readStore(stack);
    assert.equal(linkOf(data, USER), undefined, 'the revoked user is unlinked');
    assert.notEqual(linkOf(data, 'U0SECOND', 'T0SECOND'), undefined, 'others keep their link');
    const shared = await share(stack);
    const prompt = await unfurlFor(stack, shared, (c) => c.ok, 'the next unfurl call');
    assert.equal(prompt.args.user_auth_required, true, 'the next share prompts again');
    assert.equal(prompt.token, stack.slack.botToken);
  });

  it("removes the workspace's links and pending unfurls on app_uninstalled", async () => {
    await ensureLinked();
    await ensureLinked('U0SECOND', 'T0SECOND');
    await promptFor(stack, { user: 'U0WAITING' }); // pending in this workspace (an unmapped user's)
    await promptFor(stack, { user: 'U0LATER', team: 'T0SECOND' }); // pending in the other one
    const before = await readStore(stack);
    assert.ok(before.pending.some((p) => p.teamId === TEAM));
    assert.ok(linkOf(before, USER) !== undefined);
    await deliver(stack.slack, tokenEvent(TEAM, { type: 'app_uninstalled' }));
    const afterwards = await readStore(stack);
    assert.deepEqual(afterwards.links.filter((l) => l.teamId === TEAM), [], 'no link left in the workspace');
    assert.deepEqual(afterwards.pending.filter((p) => p.teamId === TEAM), [], 'no pending unfurl left in the workspace');
    assert.notEqual(linkOf(afterwards, 'U0SECOND', 'T0SECOND'), undefined, 'another workspace keeps its link');
    assert.ok(afterwards.pending.some((p) => p.teamId === 'T0SECOND'), 'and its pending unfurl');
  });
});

describe('identity linking with token rotation', () => {
  let stack: Stack;
  const clock = testClock();
  before(async () => {
    stack = await stackFor({ now: clock.now, slack: { tokenRotation: true } });
  });
  after(async () => {
    await stack.stop();
  });

  it('stores the refresh token and expiry, refreshes within 2 h of expiry and posts with the new token', async () => {
    const keyring = await keyringOf(stack);
    const link = linkOf(await readStore(stack), USER);
    assert.ok(link?.refreshTokenCipher !== undefined, 'a refresh token is stored');
    assert.ok(link.expiresAt !== undefined && link.expiresAt > clock.now() + 11 * HOUR && link.expiresAt <= clock.now() + 12 * HOUR, 'expiry ≈ 12 h ahead');
    const first = userTokenOf(stack)!;
    assert.match(first, /^xoxe\.xoxp-/);
    const refreshToken = keyring.decrypt(link.refreshTokenCipher);
    assert.match(refreshToken, /^xoxe-1-/);
    const refreshes = () => oauthCalls(stack).filter((c) => c.args.grant_type === 'refresh_token');
    // Far from expiry: the token is used as it is.
    const early = await share(stack);
    assert.equal((await unfurlFor(stack, early, isPreview, 'a preview')).token, first);
    assert.equal(refreshes().length, 0, 'no refresh while the token is fresh');

    clock.advance(10.5 * HOUR); // 1.5 h before expiry
    const late = await share(stack);
    const preview = await unfurlFor(stack, late, isPreview, 'the preview after the refresh');
    assert.equal(refreshes().length, 1, 'one refresh');
    assert.equal(refreshes()[0]!.args.refresh_token, refreshToken, 'with the stored refresh token');
    const fresh = userTokenOf(stack)!;
    assert.notEqual(fresh, first);
    assert.equal(preview.token, fresh, 'posted with the NEW token');
    const updated = linkOf(await readStore(stack), USER)!;
    assert.equal(keyring.decrypt(updated.tokenCipher), fresh);
    assert.notEqual(keyring.decrypt(updated.refreshTokenCipher!), refreshToken, 'the single-use refresh token was replaced');
    assert.ok(updated.expiresAt! > clock.now() + 11 * HOUR, 'the new expiry is stored');

    const next = await share(stack);
    assert.equal((await unfurlFor(stack, next, isPreview, 'another preview')).token, fresh);
    assert.equal(refreshes().length, 1, 'the fresh token is not refreshed again');
  });
});

describe('identity linking keeps secrets secret', () => {
  let stack: Stack;
  const clock = testClock();
  before(async () => {
    stack = await stackFor({ linked: false, now: clock.now, slack: { tokenRotation: true }, mappings: [{ projects: ['checkout'] }, { slackUserId: 'U0OTHER', projects: ['checkout'] }] });
  });
  after(async () => {
    await stack.stop();
  });

  it('never puts a token, refresh token, secret, code or state in logs, pages or the store file (which is 0600)', async () => {
    const pagesFrom = everyPage.length;
    // A successful link, a refresh, a failed exchange, a mismatch, a denial, a revocation, a relink.
    const link = async (user: string) => {
      const flow = await linkUser(stack, user);
      assertReadablePage(flow.callback, 200);
      await unfurlFor(stack, flow, isPreview, 'the pending unfurl');
    };
    await link(USER);
    await link('U0OTHER');
    clock.advance(11 * HOUR);
    await unfurlFor(stack, await share(stack), isPreview, 'a preview after a refresh');
    assert.ok(oauthCalls(stack).some((c) => c.args.grant_type === 'refresh_token' && c.ok), 'a refresh happened');
    stack.slack.revokeToken(userTokenOf(stack)!);
    await unfurlFor(stack, await share(stack), isPrompt, 'a prompt after the revocation');
    {
      const flow = await startFlow(stack);
      stack.slack.failNext('oauth.v2.access', 1, 'invalid_code');
      assertRejected(await flow.browser.get(await authorize(stack, flow.browser, flow.authorizeUrl)), 400);
    }
    {
      const flow = await startFlow(stack);
      assertRejected(await flow.browser.get(await authorize(stack, flow.browser, flow.authorizeUrl, { userId: 'U0MALLORY' })), 403);
    }
    {
      const flow = await startFlow(stack);
      stack.slack.denyNextAuthorization();
      assertReadablePage(await flow.browser.get(await authorize(stack, flow.browser, flow.authorizeUrl)), 200);
    }
    await link(USER);

    // Every secret value this stack produced.
    const keyring = await keyringOf(stack);
    const data = await readStore(stack);
    const secrets = new Map<string, string>();
    for (const t of stack.slack.userTokens()) secrets.set(t.token, `user token of ${t.userId}`);
    for (const c of oauthCalls(stack)) {
      if (typeof c.args.refresh_token === 'string') secrets.set(c.args.refresh_token, 'a used refresh token');
      if (typeof c.args.code === 'string') secrets.set(c.args.code, 'an OAuth code');
    }
    for (const l of data.links) if (l.refreshTokenCipher !== undefined) secrets.set(keyring.decrypt(l.refreshTokenCipher), 'a stored refresh token');
    for (const s of urlSecrets) secrets.set(s, 'a code or state from a URL');
    secrets.set(stack.slack.botToken, 'the bot token');
    secrets.set(stack.slack.appToken, 'the app token');
    secrets.set(stack.slack.clientSecret, 'the client secret');
    assert.ok(stack.slack.userTokens().length >= 5, 'tokens were issued (the check is not vacuous)');
    assert.ok([...secrets.values()].filter((w) => w === 'a code or state from a URL').length >= 10);

    const logs = stack.logs.text;
    assert.match(logs, /user linked/, 'logs were captured');
    assert.match(logs, /user token refreshed/);
    assert.match(logs, /oauth identity mismatch/);
    const raw = await readFile(path.join(stack.dataDir, 'store.json'), 'utf8');
    const pages = everyPage.slice(pagesFrom);
    assert.ok(pages.length >= 15, 'pages were captured');
    for (const [secret, what] of secrets) {
      assert.equal(logs.includes(secret), false, `${what} appears in the logs`);
      assert.equal(raw.includes(secret), false, `${what} appears in the store file`);
      for (const page of pages) assert.equal(page.body.includes(secret), false, `${what} appears on the page ${new URL(page.url).pathname}`);
    }
    // The store does hold the token — encrypted.
    const current = linkOf(data, USER)!;
    assert.equal(keyring.decrypt(current.tokenCipher), userTokenOf(stack));
    assert.equal((await stat(path.join(stack.dataDir, 'store.json'))).mode & 0o777, 0o600, 'store.json is 0600');
    assert.equal((await stat(path.join(stack.dataDir, 'secret.key'))).mode & 0o777, 0o600, 'secret.key is 0600');
  });
});

describe('identity linking in a real headless browser', () => {
  it('opens the prompt link, clicks "Add to Slack", lands on the success page, and the pending unfurl arrives', async (t) => {
    if (!existsSync(CHROMIUM)) {
      process.stderr.write(`SKIPPED: the headless-browser OAuth test needs Chromium at ${CHROMIUM}; install chromium (apt-get install chromium) to run the browser test\n`);
      t.skip(`no Chromium at ${CHROMIUM} — visible notice: install chromium (apt-get install chromium) to run the browser test`);
      return;
    }
    const { chromium } = await import('playwright-core');
    const stack = await stackFor({ linked: false });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const origins = new Set<string>();
      const consoleErrors: string[] = [];
      page.on('request', (r) => origins.add(new URL(r.url()).origin));
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      const prompt = await promptFor(stack, { channel: 'C0BROWSER' });
      const opened = await page.goto(prompt.authUrl);
      assert.equal(opened?.status(), 200);
      await page.screenshot({ path: '/tmp/lsslack-link-page.png', fullPage: true });
      everyPage.push({ url: page.url(), body: await page.content() });
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Connect Slack to lsslack');

      await page.getByRole('button', { name: 'Add to Slack' }).click();
      await page.waitForURL((u) => u.pathname === `${AUTH}/callback`);
      await page.getByRole('heading', { name: 'You are connected' }).waitFor();
      assert.match(await page.locator('main').innerText(), /ada@example\.com/);
      await page.screenshot({ path: '/tmp/lsslack-linked-page.png', fullPage: true });
      everyPage.push({ url: page.url(), body: await page.content() });

      const preview = await unfurlFor(stack, prompt, isPreview, 'the pending unfurl after linking in the browser');
      assert.equal(preview.token, userTokenOf(stack), 'posted with the user token');
      assert.deepEqual([...origins].sort(), [new URL(stack.httpUrl).origin, new URL(stack.slack.url).origin].sort(), 'only our listener and Slack were contacted');
      assert.deepEqual(consoleErrors, [], 'no console errors (e.g. CSP violations)');
      await context.close();
    } finally {
      await browser.close();
      await stack.stop();
    }
  });
});

describe('no secret leaked anywhere in this file', () => {
  it('no token, secret, code or state from any stack appears in any captured log or page', () => {
    const secrets = new Set<string>(urlSecrets);
    for (const stack of everyStack) {
      for (const t of stack.slack.userTokens()) secrets.add(t.token);
      for (const c of oauthCalls(stack)) {
        if (typeof c.args.refresh_token === 'string') secrets.add(c.args.refresh_token);
        if (typeof c.args.code === 'string') secrets.add(c.args.code);
      }
      secrets.add(stack.slack.botToken);
      secrets.add(stack.slack.appToken);
      secrets.add(stack.slack.clientSecret);
    }
    assert.ok(everyStack.length > 0 && everyPage.length > 0);
    for (const secret of secrets) {
      for (const stack of everyStack) assert.equal(stack.logs.text.includes(secret), false, `a secret (${secret.slice(0, 6)}…) is in the logs`);
      for (const page of everyPage) assert.equal(page.body.includes(secret), false, `a secret (${secret.slice(0, 6)}…) is on ${new URL(page.url).pathname}`);
    }
  });
});
