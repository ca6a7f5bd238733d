import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linkSharedEvent } from '../../src/simulators/slack/index.js';
import { deliver, PROJECT, settle, startStack, TEAM, traceUrl, USER, type Stack } from '../helpers/stack.js';

type Unfurls = Record<string, { blocks: Array<Record<string, unknown>> }>;
const blocksText = (blocks: unknown) => JSON.stringify(blocks);

describe('Socket Mode daemon against the simulators', () => {
  let stack: Stack;
  let n = 0;
  const ts = () => `1749992900.${String(++n).padStart(6, '0')}`;

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.stop();
  });

  it('unfurls a trace link with the analysed preview, keyed by the URL exactly as shared', async () => {
    const url = traceUrl({ fragment: '0c4e7a91d2' }).replace('&', '&amp;');
    const before = stack.slack.unfurls().length;
    const sent = await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C1', messageTs: ts(), urls: [url] }));
    assert.ok(sent.ackedAt > 0);
    const calls = await stack.slack.waitForCalls('chat.unfurl', before + 1);
    const call = calls[before]!;
    // Posted with the sharer's own user token, the one their link was made for.
    const issued = stack.slack.userTokens().find((t) => t.userId === USER && t.teamId === TEAM);
    assert.ok(issued !== undefined);
    assert.equal(call.token, issued.token);
    assert.equal(call.args.channel, 'C1');
    const unfurls = call.args.unfurls as Unfurls;
    assert.deepEqual(Object.keys(unfurls), [url]);
    const text = blocksText(unfurls[url]!.blocks);
    assert.match(text, /frontend: GET \/checkout/);
    assert.match(text, /15 spans/);
    assert.match(text, /6 services/);
    assert.match(text, /payment-service: charge card/, 'the selected span (abbreviated fragment) is shown');
    assert.match(text, /Critical path/);
    // The Lightstep API was asked for the seed span with the configured org and key.
    const req = stack.lightstep.requests.at(-1)!;
    assert.equal(req.path, `/public/v0.2/test-org/projects/${PROJECT}/stored-traces`);
    assert.equal(req.query['span-id'], '3f2a9c7d1e8b4a01');
    assert.equal(req.authorization, `Bearer ${stack.lightstep.apiKey}`);
  });

  it('unfurls once when Slack redelivers the same event (retry_attempt 1)', async () => {
    const body = linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C2', messageTs: ts(), urls: [traceUrl()] });
    const before = stack.slack.unfurls().length;
    await stack.slack.sendEvent(body);
    await stack.slack.sendEvent(body, { retryAttempt: 1, retryReason: 'timeout' });
    await stack.slack.sendEvent(body, { retryAttempt: 2, retryReason: 'timeout' });
    await stack.slack.waitForCalls('chat.unfurl', before + 1);
    await settle(300);
    assert.equal(stack.slack.unfurls().length, before + 1);
  });

  it('unfurls the same link in the same message once even under a new event_id', async () => {
    const messageTs = ts();
    const before = stack.slack.unfurls().length;
    await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C3', messageTs, urls: [traceUrl()] }));
    await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C3', messageTs, urls: [traceUrl()] }));
    await stack.slack.waitForCalls('chat.unfurl', before + 1);
    await settle(300);
    assert.equal(stack.slack.unfurls().length, before + 1);
  });

  it('answers composer links with unfurl_id + source', async () => {
    const before = stack.slack.unfurls().length;
    await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, source: 'composer', unfurlId: 'C123.456.789.abc', urls: [traceUrl({ span: 'a1b2c3d4e5f60718' })] }));
    const call = (await stack.slack.waitForCalls('chat.unfurl', before + 1))[before]!;
    assert.equal(call.args.unfurl_id, 'C123.456.789.abc');
    assert.equal(call.args.source, 'composer');
    assert.equal(call.args.channel, undefined);
  });

  it('ignores links that are not trace links, and acks them', async () => {
    const before = stack.slack.calls.length;
    const sent = await stack.slack.sendEvent(linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C4', messageTs: ts(), urls: ['https://app.lightstep.com/checkout/dashboard/abc', 'https://example.com/checkout/trace?span_guid=1'] }));
    assert.ok(sent.ackedAt > 0);
    await settle(300);
    assert.equal(stack.slack.calls.slice(before).filter((c) => c.method === 'chat.unfurl').length, 0);
  });

  it('loses nothing across a refresh_requested disconnect mid-stream', async () => {
    const before = stack.slack.unfurls().length;
    const first = Array.from({ length: 5 }, () => linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C5', messageTs: ts(), urls: [traceUrl()] }));
    const second = Array.from({ length: 5 }, () => linkSharedEvent({ teamId: TEAM, userId: USER, channel: 'C5', messageTs: ts(), urls: [traceUrl()] }));
    await Promise.all(first.map((b) => deliver(stack.slack, b)));
    const opens = stack.slack.calls.filter((c) => c.method === 'apps.connections.open').length;
    stack.slack.disconnect('refresh_requested');
    // Mid-stream: these are sent while the client reconnects; Slack redelivers what is not acked.
    const retries = await Promise.all(second.map((b) => deliver(stack.slack, b)));
    assert.ok(retries.some((r) => r > 0), 'some envelopes landed in the reconnect gap and were redelivered');
    await stack.slack.waitForCalls('chat.unfurl', before + 10, 15_000);
    assert.ok(stack.slack.calls.filter((c) => c.method === 'apps.connections.open').length > opens, 'reconnected with a fresh URL');
    await settle(200);
    assert.equal(stack.slack.unfurls().length, before + 10);
  });
});
