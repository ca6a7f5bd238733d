import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { grafanaLink, jaegerLink } from '../../src/cli/simulator-env.js';
import { startJaegerSimulator } from '../../src/simulators/jaeger/index.js';
import { SAMPLE_TRACE_ID, sampleCheckoutTrace } from '../../src/simulators/lightstep/index.js';
import { startTempoSimulator } from '../../src/simulators/tempo/index.js';
import { linkSharedEvent, signSlackRequest } from '../../src/simulators/slack/index.js';
import { deliver, linkThroughFlow, settle, startStack, TEAM, traceUrl, USER, waitFor, type Stack } from '../helpers/stack.js';

/**
 * Every secret lsslack holds, sent through every path that writes log lines — both transports,
 * the OAuth flow, the preview workers, refused requests, failing backends and Slack errors — at
 * debug level. None may appear in any line; the error codes that say what went wrong must.
 */
describe('no secret in any log line, in either mode, while error codes stay readable', () => {
  const secrets = {
    adminToken: `admin-${randomBytes(12).toString('hex')}`,
    secretKey: randomBytes(32).toString('hex'),
    signingSecret: `signing-${randomBytes(12).toString('hex')}`,
    jaegerToken: `jaeger-bearer-${randomBytes(12).toString('hex')}`,
    tempoBasic: `tempo-user:tempo-pass-${randomBytes(12).toString('hex')}`,
  };
  let configDir: string;
  let configFile: string;
  const stacks: Stack[] = [];
  const seen: string[] = [];

  before(async () => {
    configDir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-secrets-'));
    configFile = path.join(configDir, 'config.json');
  });
  after(async () => {
    for (const s of stacks) await s.stop();
    await rm(configDir, { recursive: true, force: true });
  });

  const secretsOf = (stack: Stack): string[] => [
    ...Object.values(secrets),
    Buffer.from(secrets.tempoBasic).toString('base64'),
    stack.slack.botToken,
    stack.slack.appToken,
    stack.slack.clientSecret,
    stack.lightstep.apiKey,
    ...stack.slack.userTokens().map((t) => t.token),
  ];

  for (const mode of ['socket', 'http'] as const) {
    it(`${mode} mode: OAuth, previews, refused requests, failing backends and Slack errors`, { timeout: 120_000 }, async () => {
      const stack = await startWithBackends(mode);
      const extra: string[] = [];

      // OAuth: two people link (their codes, states and tokens all pass through the daemon).
      for (const userId of [USER, 'U0SECOND']) {
        const flow = await linkThroughFlow(stack, { userId, channel: 'C0SECRET' });
        assert.equal(flow.callbackStatus, 200, flow.callbackBody);
        extra.push(...oauthValues(flow.callbackUrl), linkToken(flow.authUrl));
      }
      // Previews from every configured backend, through the preview workers.
      const share = (url: string, channel = 'C0S') => deliverEvent(stack, mode, linkSharedEvent({ teamId: TEAM, userId: USER, channel, urls: [url] }));
      await share(traceUrl({ fragment: 'abc123' }));
      await share(jaegerLink(SAMPLE_TRACE_ID));
      await share(grafanaLink(SAMPLE_TRACE_ID));
      await waitFor(() => stack.daemon.jobs.snapshot().outcomes.unfurled >= 4, 'the previews');
      // A backend refusing its credentials, Slack refusing a post, a worker dying.
      stack.jaeger.failNext(1, { status: 401 });
      await share(`${jaegerLink(SAMPLE_TRACE_ID)}?denied=1`);
      stack.slack.failNext('chat.unfurl', 1, 'cannot_unfurl_url');
      await share(traceUrl({ fragment: 'def456' }));
      await waitFor(() => (stack.daemon.jobs.snapshot().failedByCode.backend_unauthorized ?? 0) >= 1 && (stack.daemon.jobs.snapshot().failedByCode.slack_api_error ?? 0) >= 1, 'the failures');
      for (const pid of stack.daemon.workerPids()) process.kill(pid, 'SIGKILL');
      await waitFor(() => stack.daemon.counters.get('worker_restarts') >= 1, 'the worker restart');
      // The admin endpoints, with the right and a wrong token.
      assert.equal((await fetch(`${stack.httpUrl}/status`, { headers: { authorization: `Bearer ${secrets.adminToken}` } })).status, 200);
      await fetch(`${stack.httpUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } }).then((r) => r.text());
      if (mode === 'http') {
        // A request signed with the wrong secret, and a stale one.
        const body = JSON.stringify(linkSharedEvent({ urls: [traceUrl()] }));
        const ts = Math.floor(Date.now() / 1000);
        for (const [secret, at] of [[`${secrets.signingSecret}x`, ts], [secrets.signingSecret, ts - 3600]] as const) {
          const res = await fetch(`${stack.httpUrl}/slack/events`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': signSlackRequest(secret, at, body) } });
          assert.equal(res.status, 401);
        }
      } else {
        // A malformed frame and a dropped connection.
        stack.slack.sendRaw('{"type":"events_api","envelope_id":"e1"}');
        stack.slack.dropConnections();
        await stack.slack.waitForSocketConnections(1, 10_000);
      }
      await settle(300);

      const text = stack.logs.text;
      for (const secret of [...secretsOf(stack), ...extra]) {
        assert.ok(secret.length >= 8, 'a real secret');
        assert.equal(text.includes(secret), false, `a log line contains a secret (${secret.slice(0, 6)}…)`);
      }
      // What went wrong is still said, by code.
      const records = stack.logs.records();
      const codes = new Set(records.flatMap((r) => [r.code, r.detail]).filter((c): c is string => typeof c === 'string'));
      assert.ok(codes.has('backend_unauthorized'), [...codes].join(', '));
      assert.ok(codes.has('slack_api_error'));
      if (mode === 'http') assert.ok(codes.has('signature_invalid') && codes.has('request_stale'), [...codes].join(', '));
      assert.ok(records.some((r) => r.msg === 'preview worker exited; starting another' && r.signal === 'SIGKILL'), 'a worker death names its signal');
      seen.push(mode);
    });
  }

  it('covered both transports', () => {
    assert.deepEqual(seen, ['socket', 'http']);
  });

  /** A stack whose config file lists a Jaeger and a Grafana/Tempo that want credentials, by env var name. */
  async function startWithBackends(mode: 'socket' | 'http'): Promise<Stack> {
    // Their ports are known only once they listen: start them, then name them in the file.
    const [jaeger, tempo] = await Promise.all([startJaegerSimulator({ auth: { bearer: secrets.jaegerToken } }), startTempoSimulator({ auth: { basic: secrets.tempoBasic } })]);
    jaeger.addTrace(sampleCheckoutTrace());
    tempo.addTrace(sampleCheckoutTrace());
    await writeFile(
      configFile,
      JSON.stringify({
        mode,
        // Listed ids win over the shorthands the test environment also sets (LSSLACK_JAEGER_URL…).
        backends: [
          { id: 'jaeger', kind: 'jaeger', uiUrl: 'https://jaeger.example.com', apiUrl: jaeger.queryUrl, tokenEnv: 'JAEGER_TOKEN' },
          { id: 'grafana', kind: 'grafana', url: 'https://grafana.example.com', datasources: { 'tempo-prod': { kind: 'tempo', apiUrl: tempo.apiUrl, basicAuthEnv: 'TEMPO_AUTH' } } },
        ],
      }),
      { mode: 0o600 },
    );
    await chmod(configFile, 0o600);
    const stack = await startStack({
      env: {
        LSSLACK_MODE: mode,
        LSSLACK_ADMIN_TOKEN: secrets.adminToken,
        LSSLACK_SECRET_KEY: secrets.secretKey,
        SLACK_SIGNING_SECRET: secrets.signingSecret,
        JAEGER_TOKEN: secrets.jaegerToken,
        TEMPO_AUTH: secrets.tempoBasic,
      },
      mappings: [{ grants: ['lightstep/checkout', 'jaeger', 'grafana/tempo-prod'] }, { slackUserId: 'U0SECOND', grants: ['jaeger'] }],
      linked: false,
      configFile,
    });
    // The test talks to the two simulators the daemon was configured with.
    const wrapped: Stack = {
      ...stack,
      jaeger,
      tempo,
      stop: async () => {
        await stack.stop();
        await Promise.all([jaeger.stop(), tempo.stop()]);
      },
    };
    stacks.push(wrapped);
    return wrapped;
  }
});

/** Deliver an event by the transport under test. */
async function deliverEvent(stack: Stack, mode: 'socket' | 'http', body: object): Promise<void> {
  if (mode === 'socket') {
    await deliver(stack.slack, body);
    return;
  }
  const res = await stack.slack.postEvent(`${stack.httpUrl}/slack/events`, body, { signingSecret: stack.config.slack.signingSecret! });
  assert.equal(res.status, 200, res.body);
}

/** The OAuth `code` and `state` of a callback URL. */
function oauthValues(callbackUrl: string): string[] {
  const url = new URL(callbackUrl);
  return [url.searchParams.get('code') ?? '', url.searchParams.get('state') ?? ''].filter((v) => v !== '');
}

/** The signed single-use token of a prompt link. */
function linkToken(authUrl: string): string {
  return new URL(authUrl).searchParams.get('t') ?? '';
}
