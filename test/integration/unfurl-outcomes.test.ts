import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { settle, startStack, waitFor, TEAM, traceUrl, USER, type Stack } from '../helpers/stack.js';

type Unfurls = Record<string, { blocks: Array<Record<string, unknown>> }>;

describe('unfurl outcomes', () => {
  let stack: Stack;
  let n = 0;
  const ts = () => `1749993000.${String(++n).padStart(6, '0')}`;
  const share = (options: { user?: string; url?: string; channel?: string } = {}) =>
    stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: options.user ?? USER, channel: options.channel ?? 'C9', messageTs: ts(), urls: [options.url ?? traceUrl()] }));
  const nextUnfurl = async () => {
    const count = stack.slack.unfurls().length;
    return async () => (await stack.slack.waitForCalls('chat.unfurl', count + 1, 30_000))[count]!;
  };

  before(async () => {
    stack = await startStack({ mappings: [{ projects: ['checkout'] }, { slackUserId: 'U0OTHER', projects: ['payments'] }] });
  });
  after(async () => {
    await stack.stop();
  });

  it('says the trace is no longer stored when Lightstep answers 404', async () => {
    const wait = await nextUnfurl();
    await share({ url: traceUrl({ span: '00000000deadbeef' }) });
    const call = await wait();
    const text = JSON.stringify(Object.values(call.args.unfurls as Unfurls)[0]!.blocks);
    assert.match(text, /no longer stored/i);
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.not_found === 1, 'the not_found outcome');
  });

  it('retries Lightstep 5xx answers and then unfurls', async () => {
    const before = stack.lightstep.storedTraceRequestCount();
    stack.lightstep.failNext(2, { status: 503 });
    const wait = await nextUnfurl();
    await share();
    const call = await wait();
    assert.match(JSON.stringify(call.args.unfurls), /frontend: GET \/checkout/);
    assert.equal(stack.lightstep.storedTraceRequestCount() - before, 3, 'two failures and one success');
  });

  it('honours a Lightstep 429 reset and then unfurls', async () => {
    stack.lightstep.failNext(1, { status: 429, headers: { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1' } });
    const wait = await nextUnfurl();
    const started = Date.now();
    await share();
    await wait();
    assert.ok(Date.now() - started >= 900, 'waited for the reset before retrying');
  });

  it('rides out a Lightstep outage: nothing is posted while it lasts, the preview comes once it is back', async () => {
    const unfurlsBefore = stack.slack.unfurls().length;
    const failedBefore = stack.daemon.jobs.snapshot().outcomes.failed;
    // Far more failures than the client's one quick retry: the job is deferred, not failed.
    stack.lightstep.failNext(6, { status: 500 });
    const fetchesBefore = stack.lightstep.storedTraceRequestCount();
    const wait = await nextUnfurl();
    await share();
    await waitFor(() => stack.lightstep.storedTraceRequestCount() > fetchesBefore, 'the first failures');
    assert.equal(stack.daemon.jobs.snapshot().outcomes.failed, failedBefore, 'deferred, not failed');
    const call = await wait();
    assert.match(JSON.stringify(call.args.unfurls), /frontend: GET \/checkout/);
    assert.equal(stack.slack.unfurls().length, unfurlsBefore + 1, 'posted once, after the outage');
    assert.equal(stack.daemon.jobs.snapshot().outcomes.failed, failedBefore, 'not failed');
  });

  it('still unfurls when Lightstep is slow', async () => {
    stack.lightstep.latencyMs = 400;
    try {
      const wait = await nextUnfurl();
      await share();
      await wait();
    } finally {
      stack.lightstep.latencyMs = 0;
    }
  });

  it("honours Slack's 429 Retry-After for that workspace, then posts once", async () => {
    stack.slack.rateLimitNext('chat.unfurl', 1, 1);
    const wait = await nextUnfurl();
    const started = Date.now();
    await share();
    await wait();
    assert.ok(Date.now() - started >= 900, 'waited Retry-After before posting again');
    assert.ok(stack.slack.calls.some((c) => c.method === 'chat.unfurl' && c.error === 'ratelimited'));
  });

  it('prompts an unmapped user with Slack’s user_auth_required and a link to lsslack', async () => {
    const wait = await nextUnfurl();
    await share({ user: 'U0STRANGER' });
    const call = await wait();
    assert.equal(call.args.user_auth_required, true);
    assert.equal(call.args.unfurls, undefined, 'no trace data in a prompt');
    assert.equal(call.token, stack.slack.botToken);
    const authUrl = String(call.args.user_auth_url);
    assert.ok(authUrl.startsWith(`${stack.publicUrl}/integration/auth/slack?t=`), authUrl);
  });

  it('posts nothing and fetches nothing for a mapped user without access to the project', async () => {
    const fetches = stack.lightstep.storedTraceRequestCount();
    const calls = stack.slack.calls.length;
    const deniedBefore = stack.daemon.jobs.snapshot().outcomes.not_authorized;
    await share({ user: 'U0OTHER' });
    await waitFor(() => stack.daemon.jobs.snapshot().outcomes.not_authorized !== deniedBefore, 'the denial');
    assert.equal(stack.daemon.jobs.snapshot().outcomes.not_authorized, deniedBefore + 1);
    assert.equal(stack.lightstep.storedTraceRequestCount(), fetches, 'no trace data fetched');
    assert.equal(stack.slack.calls.slice(calls).filter((c) => c.method === 'chat.unfurl').length, 0, 'nothing posted');
  });

  it('logs cannot_unfurl_url with its reason and does not retry it', async () => {
    stack.slack.failNext('chat.unfurl', 1, 'cannot_unfurl_url');
    const before = stack.slack.calls.filter((c) => c.method === 'chat.unfurl').length;
    const failedBefore = stack.daemon.jobs.snapshot().failedByCode.slack_api_error ?? 0;
    await share();
    await waitFor(() => (stack.daemon.jobs.snapshot().failedByCode.slack_api_error ?? 0) === failedBefore + 1, 'the failed outcome');
    await settle(200);
    assert.equal(stack.slack.calls.filter((c) => c.method === 'chat.unfurl').length, before + 1, 'one attempt only');
    assert.ok(stack.logs.text.includes('cannot_unfurl_url'));
  });

  it('never logs a token or the API key', () => {
    for (const secret of [stack.slack.botToken, stack.slack.appToken, stack.lightstep.apiKey, stack.slack.clientSecret]) {
      assert.equal(stack.logs.text.includes(secret), false, `a log line contains ${secret.slice(0, 5)}…`);
    }
  });
});

describe('an outage longer than the ride-out time', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ env: { LSSLACK_OUTAGE_RIDE_OUT: '2' } });
  });
  after(async () => {
    await stack.stop();
  });

  it('ends the job as backend_unavailable after LSSLACK_OUTAGE_RIDE_OUT, without posting', async () => {
    const unfurlsBefore = stack.slack.unfurls().length;
    stack.lightstep.failNext(1_000, { status: 503 });
    await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C9', messageTs: '1749993100.000001', urls: [traceUrl()] }));
    await waitFor(() => stack.daemon.jobs.snapshot().failedByCode.backend_unavailable === 1, 'the job to be given up', 20_000);
    assert.equal(stack.slack.unfurls().length, unfurlsBefore, 'nothing posted for an outage');
    assert.ok(stack.lightstep.storedTraceRequestCount() >= 4, 'tried again while the ride-out lasted');
    assert.match(stack.logs.text, /"code":"backend_unavailable"|"detail":"backend_unavailable"/);
  });
});
