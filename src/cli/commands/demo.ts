import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { Command } from 'commander';
import { openLowdbStore } from '../../adapters/store/lowdb-store.js';
import { createDaemon, type Daemon } from '../../app/daemon.js';
import { loadConfig } from '../../config/load-config.js';
import { LsslackError } from '../../domain/errors.js';
import type { Block } from '../../domain/types.js';
import { startJaegerSimulator } from '../../simulators/jaeger/index.js';
import { generateTrace, sampleCheckoutTrace, SAMPLE_TRACE_ID, SAMPLE_TRACE_SEED_SPAN, SAMPLE_TRACE_SELECTED_SPAN, startLightstepSimulator } from '../../simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator } from '../../simulators/slack/index.js';
import type { SlackSimulator } from '../../simulators/slack/index.js';
import { startTempoSimulator } from '../../simulators/tempo/index.js';
import { startZipkinSimulator } from '../../simulators/zipkin/index.js';
import { CookieBrowser } from '../cookie-browser.js';
import { packageInfo } from '../package-info.js';
import { renderBlocksAsText, renderCardAsText } from '../render-blocks-as-text.js';
import { grafanaLink, jaegerLink, simulatorEnv, zipkinLink } from '../simulator-env.js';
import { REDACTED_PATHS } from '../create-logger.js';

const DEMO_TEAM = 'T0SIM';
const DEMO_USER = 'U0SIMUSER';
/** A second person, mapped but not linked: their prompt link is the one `--keep` prints to open. */
const DEMO_GUEST = 'U0SIMGUEST';
const DEMO_PROJECT = 'checkout';
const DEMO_GRANTS = [`lightstep/${DEMO_PROJECT}`, 'jaeger', 'zipkin', 'grafana/tempo-prod'];

export interface DemoOptions {
  /** Stay up afterwards, to explore (dashboard, typed links, generated load). */
  readonly keep: boolean;
  /** Keep the data dir (store, journal, log) when the demo ends. */
  readonly keepData: boolean;
  /** With keep: generated link_shared events per second (0 = none). */
  readonly rate: number;
  readonly out: (line: string) => void;
  /** Where typed trace links come from (keep only); default stdin. */
  readonly input?: NodeJS.ReadableStream;
  /** Resolves when the demo should end (keep only); default the first SIGINT or SIGTERM. */
  readonly until?: Promise<void>;
}

/** `lsslack demo`: the whole design on loopback, against simulated Slack and trace backends. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run lsslack against built-in Slack and trace-backend simulators and show trace links unfurl')
    .option('--keep', 'stay up afterwards to explore: prints the dashboard command and an openable prompt link, unfurls the trace links you type, Ctrl-C ends it')
    .option('--rate <n>', 'with --keep: share this many generated trace links per second, so the dashboard has something to show', '0')
    .option('--keep-data', 'keep the data dir (store, journal and daemon log) when the demo ends')
    .action(async (opts: { keep?: boolean; rate: string; keepData?: boolean }) => {
      const rate = Number(opts.rate);
      if (!Number.isFinite(rate) || rate < 0 || rate > 1000) throw new LsslackError('usage', `--rate must be a number of events per second from 0 to 1000, got "${opts.rate}".`);
      if (rate > 0 && opts.keep !== true) throw new LsslackError('usage', '--rate only makes sense with --keep (the demo otherwise ends after its walk-through).');
      await runDemo({ keep: opts.keep === true, keepData: opts.keepData === true, rate, out: (line) => process.stdout.write(`${line}\n`) });
    });
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { out } = options;
  out('lsslack demo — this runs against SIMULATED Slack, Lightstep, Jaeger, Zipkin and Tempo servers on 127.0.0.1, not the real services.');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-demo-'));
  const logFile = path.join(dataDir, 'lsslack.log');
  const log = pino({ level: 'info', redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' } }, pino.destination({ dest: logFile, sync: true, mode: 0o600 }));
  const [slack, lightstep, jaeger, zipkin, tempo] = await Promise.all([
    startSlackSimulator(),
    startLightstepSimulator({ org: 'demo-org', projects: [DEMO_PROJECT] }),
    startJaegerSimulator(),
    startZipkinSimulator(),
    startTempoSimulator(),
  ]);
  lightstep.addTrace(DEMO_PROJECT, sampleCheckoutTrace());
  for (const sim of [jaeger, zipkin, tempo]) sim.addTrace(sampleCheckoutTrace());
  out(`  Slack simulator:    ${slack.url}`);
  out(`  trace backends:     Lightstep ${lightstep.url} · Jaeger ${jaeger.queryUrl} · Zipkin ${zipkin.apiUrl} · Tempo ${tempo.apiUrl}`);
  out(`  data dir:           ${dataDir} (daemon log lsslack.log; ${options.keepData ? 'kept afterwards' : 'removed when the demo ends, unless --keep-data'})`);

  // Work Object cards on: the simulated Slack has Work Object Previews switched on.
  const config = loadConfig({ env: { ...simulatorEnv({ slack, lightstep, jaeger, zipkin, tempo }, dataDir), LSSLACK_PREVIEW: 'work-object' }, require: 'start' });
  const store = await openLowdbStore({ dataDir });
  for (const user of [DEMO_USER, DEMO_GUEST]) {
    await store.putMapping({ teamId: DEMO_TEAM, slackUserId: user, traceUser: user === DEMO_USER ? 'ada@example.com' : 'guest@example.com', grants: DEMO_GRANTS, mappedAt: new Date().toISOString() });
  }
  await store.close();
  out(`1. mapped Slack user ${DEMO_USER} (team ${DEMO_TEAM}) to ada@example.com with grants ${DEMO_GRANTS.join(', ')}`);

  const daemon = createDaemon({ config, log, version: packageInfo().version });
  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await daemon.stop();
    await Promise.all([slack.stop(), lightstep.stop(), jaeger.stop(), zipkin.stop(), tempo.stop()]);
    log.flush();
    if (options.keepData) {
      out(`Kept the data dir ${dataDir} (store.json, journal.log, lsslack.log).`);
    } else {
      await rm(dataDir, { recursive: true, force: true });
      if (options.keep) out(`Removed ${dataDir} (the demo's store, journal and log; --keep-data keeps them).`);
    }
  };
  try {
    const { httpUrl } = await daemon.start();
    await slack.waitForSocketConnections(1, 10_000);
    out(`2. daemon started in Socket Mode (listener ${httpUrl}) and connected to the Slack simulator`);

    const url = `https://app.lightstep.com/${DEMO_PROJECT}/trace?span_guid=${SAMPLE_TRACE_SEED_SPAN}&at_micros=1749992800123000#span-${SAMPLE_TRACE_SELECTED_SPAN.slice(0, 10)}`;
    const sent = Date.now();
    await slack.sendEvent(linkSharedEvent({ teamId: DEMO_TEAM, userId: DEMO_USER, channel: 'C0DEMO', messageTs: '1749992900.000100', urls: [url] }));
    out(`3. ${DEMO_USER} shared ${url}`);
    const [prompt] = await slack.waitForCalls('chat.unfurl', 1, 60_000);
    const authUrl = String(prompt?.args.user_auth_url ?? '');
    out(`4. not linked yet, so lsslack answered with Slack's own prompt (chat.unfurl user_auth_required=true):`);
    out(`     user_auth_url = ${authUrl.replace(/t=[^&]+/, 't=…')}`);
    await walkLinkingFlow(authUrl, slack, out);
    const [, call] = await slack.waitForCalls('chat.unfurl', 2, 60_000);
    const preview = (call?.args.unfurls as Record<string, { blocks: Block[] }> | undefined)?.[url];
    if (preview === undefined) throw new Error('the daemon did not deliver the pending preview after linking');
    const issued = slack.userTokens().find((t) => t.userId === DEMO_USER);
    out(`9. the unfurl that triggered the prompt was delivered ${Date.now() - sent} ms after the share, posted with ${call?.token === issued?.token ? "the user's own token" : 'an unexpected token'}; it reads:`);
    out('');
    out(renderBlocksAsText(preview.blocks));
    out('');
    out('10. the same trace, shared from the other backends lsslack reads:');
    let step = 0;
    for (const [label, link] of [
      ['Jaeger', jaegerLink(SAMPLE_TRACE_ID, SAMPLE_TRACE_SELECTED_SPAN)],
      ['Zipkin', zipkinLink(SAMPLE_TRACE_ID)],
      ['Grafana Explore → Tempo', grafanaLink(SAMPLE_TRACE_ID, SAMPLE_TRACE_SELECTED_SPAN)],
    ] as const) {
      const blocks = await shareAndWait(slack, link, `1749992900.00020${step++}`);
      out(`    ${label}: ${link.length > 110 ? `${link.slice(0, 107)}…` : link}`);
      out(renderBlocksAsText(blocks).split('\n').slice(0, 3).map((l) => `    ${l}`).join('\n'));
      out('');
    }
    await showWhoSeesWhat(slack, out);
    out('Demo finished: those previews were posted by lsslack to the SIMULATED Slack. See the README to run it for real.');
    if (options.keep) await explore(daemon, slack, httpUrl, options, (trace) => [jaeger, zipkin, tempo].forEach((sim) => sim.addTrace(trace)));
  } finally {
    await stopAll();
  }
}

/** Shares a link as the demo user and waits for its preview (blocks and Work Object card). */
async function shareAndWait(slack: SlackSimulator, url: string, ts: string, channel = 'C0DEMO'): Promise<Block[]> {
  return (await shareAndWaitFor(slack, url, ts, channel)).blocks;
}

async function shareAndWaitFor(slack: SlackSimulator, url: string, ts: string, channel: string): Promise<{ blocks: Block[]; card?: Card }> {
  await slack.sendEvent(linkSharedEvent({ teamId: DEMO_TEAM, userId: DEMO_USER, channel, messageTs: ts, urls: [url] }));
  await waitUntil(() => slack.unfurls().some((c) => c.args.ts === ts), 60_000);
  const call = slack.unfurls().find((c) => c.args.ts === ts);
  const unfurl = (call?.args.unfurls as Record<string, { blocks: Block[] }> | undefined)?.[url];
  const card = (call?.args.metadata as { entities?: Card[] } | undefined)?.entities?.[0];
  return { blocks: unfurl?.blocks ?? [], ...(card === undefined ? {} : { card }) };
}

interface Card {
  readonly app_unfurl_url: string;
  readonly external_ref: { id: string; type?: string };
}

/**
 * Steps 11–12: one link in an internal channel and in one shared with another company (Slack
 * Connect), and the card's flexpane opened by an entitled and by an unlinked viewer.
 */
async function showWhoSeesWhat(slack: SlackSimulator, out: (line: string) => void): Promise<void> {
  slack.setConversation('C0PARTNER', { name: 'ext-acme-partner', isExtShared: true });
  const link = jaegerLink(SAMPLE_TRACE_ID);
  out('11. who sees what: the same link in #checkout-team (internal) and in #ext-acme-partner (shared with another company):');
  const inside = await shareAndWaitFor(slack, link, '1749992900.000400', 'C0DEMO');
  const outside = await shareAndWaitFor(slack, link, '1749992900.000401', 'C0PARTNER');
  out('    internal — the Work Object card everyone in the channel sees:');
  out(indent(renderCardAsText(inside.card)));
  out('    externally shared — summary only: no service, operation or project names, in the card or the blocks:');
  out(indent(renderCardAsText(outside.card)));
  out(indent(renderBlocksAsText(outside.blocks)));
  if (inside.card === undefined) throw new Error('the daemon posted no Work Object card');
  out('12. the card\'s flexpane is answered per viewer (entity_details_requested → entity.presentDetails):');
  for (const [who, user] of [[`${DEMO_USER} (linked, granted jaeger)`, DEMO_USER], [`${DEMO_GUEST} (not linked yet)`, DEMO_GUEST]] as const) {
    const request = slack.detailsRequest({ teamId: DEMO_TEAM, user, url: inside.card.app_unfurl_url, externalRef: inside.card.external_ref, channel: 'C0PARTNER' });
    await slack.sendEvent(request.body);
    await waitUntil(() => slack.flexpaneAnswers().some((a) => a.triggerId === request.triggerId), 60_000);
    const answer = slack.flexpaneAnswers().find((a) => a.triggerId === request.triggerId)!;
    out(`    ${who} opens it:`);
    if (answer.kind === 'details') out(indent(renderCardAsText(answer.metadata)));
    else if (answer.kind === 'auth_required') out(`      Slack's sign-in prompt, to ${String(answer.userAuthUrl).replace(/t=[^&]+/, 't=…')} (after linking, opening the card again shows the details)`);
    else out(`      error: ${answer.errorStatus ?? '?'}`);
  }
  out('');
}

const indent = (text: string) => text.split('\n').map((l) => `      ${l}`).join('\n');

/** Steps 5–8: the person opens the prompt link, clicks "Add to Slack", allows, and comes back. */
async function walkLinkingFlow(authUrl: string, slack: SlackSimulator, out: (line: string) => void): Promise<void> {
  const browser = new CookieBrowser();
  const page = await browser.get(authUrl);
  const title = /<h1>([^<]*)<\/h1>/.exec(page.body)?.[1] ?? '?';
  out(`5. the browser opens it: HTTP ${page.status}, page "${title}", session cookie set`);
  const initiate = await browser.submitFirstForm(authUrl, page.body);
  out(`6. "Add to Slack" (a form post; the prompt link is spent now) → HTTP ${initiate.status} to Slack's authorize page (${(initiate.location ?? '').split('?')[0]}) with a single-use state`);
  slack.authorizeAs({ userId: DEMO_USER, teamId: DEMO_TEAM });
  const authorize = await browser.get(initiate.location ?? '');
  out(`7. ${DEMO_USER} clicks Allow in (simulated) Slack → HTTP ${authorize.status} back to ${(authorize.location ?? '').split('?')[0]}`);
  const callback = await browser.get(authorize.location ?? '');
  const done = /<h1>([^<]*)<\/h1>/.exec(callback.body)?.[1] ?? '?';
  if (callback.status !== 200) throw new Error(`the OAuth callback failed: HTTP ${callback.status} "${done}"`);
  out(`8. callback: oauth.v2.access exchanged the code, token stored encrypted → HTTP ${callback.status}, page "${done}"`);
}

/**
 * `--keep`: the stack stays up to be explored — the dashboard, a prompt link to open in a
 * browser, the trace links typed on stdin unfurled, and (with --rate) a steady stream of shares.
 */
async function explore(daemon: Daemon, slack: SlackSimulator, httpUrl: string, options: DemoOptions, addTrace: (trace: ReturnType<typeof generateTrace>) => void): Promise<void> {
  const { out } = options;
  // A fresh prompt for a mapped, unlinked person: its link can be opened in a browser on this machine.
  const before = slack.calls.length;
  await slack.sendEvent(linkSharedEvent({ teamId: DEMO_TEAM, userId: DEMO_GUEST, channel: 'C0DEMO', messageTs: '1749992900.000300', urls: [zipkinLink(SAMPLE_TRACE_ID)] }));
  await waitUntil(() => slack.calls.slice(before).some((c) => c.method === 'chat.unfurl' && c.args.user_auth_required === true), 10_000);
  const guestPrompt = String(slack.calls.slice(before).find((c) => c.method === 'chat.unfurl' && c.args.user_auth_required === true)?.args.user_auth_url ?? '');
  out('');
  out('--keep: the simulators and the daemon stay up. Try:');
  out(`  lsslack dashboard --url ${httpUrl}        (in another terminal: the live dashboard)`);
  out(`  open ${guestPrompt}`);
  out(`        (${DEMO_GUEST}'s prompt link, valid 30 minutes: the page a person sees; "Add to Slack" goes to the simulated Slack)`);
  out('  type a trace link and press Enter to share it, e.g.');
  out(`        ${jaegerLink(SAMPLE_TRACE_ID)}`);
  out(`        ${zipkinLink('00000000000000000000000000abcdef')}   (a trace the backend does not have)`);
  if (options.rate > 0) out(`  sharing ${options.rate} generated trace links per second (--rate), so the dashboard has something to show`);
  out('  Ctrl-C ends the demo.');

  let n = 0;
  const lines = createInterface({ input: options.input ?? process.stdin, terminal: false });
  lines.on('line', (line) => {
    const url = line.trim();
    if (url === '') return;
    if (!/^https?:\/\//.test(url)) {
      out(`  (not a link: paste a trace URL starting with https://)`);
      return;
    }
    const ts = `1749993000.${String(++n).padStart(6, '0')}`;
    void shareAndWait(slack, url, ts).then(
      (blocks) => out(blocks.length === 0 ? '  no preview (lsslack does not recognise that link, or it needs a grant the demo user lacks)' : `\n${renderBlocksAsText(blocks)}\n`),
      () => out('  no preview within 60 s (lsslack does not recognise that link)'),
    );
  });
  // Generated load: links to generated traces in every backend, round robin.
  let generated = 0;
  const timer =
    options.rate > 0
      ? setInterval(() => {
          const trace = generateTrace({ spans: 20 + (generated % 50), seed: generated + 1 });
          addTrace(trace);
          const links = [jaegerLink(trace.traceId), zipkinLink(trace.traceId), grafanaLink(trace.traceId)];
          const ts = `1749994000.${String(++generated).padStart(6, '0')}`;
          void slack.sendEvent(linkSharedEvent({ teamId: DEMO_TEAM, userId: DEMO_USER, channel: 'C0LOAD', messageTs: ts, urls: [links[generated % links.length]!] })).catch(() => undefined);
        }, 1000 / options.rate)
      : undefined;
  await (options.until ?? untilSignal());
  if (timer !== undefined) clearInterval(timer);
  lines.close();
  out('');
  out(`Stopping (${generated > 0 ? `${generated} generated links shared; ` : ''}${(await daemon.status()).outcomes.unfurled} previews posted in all)…`);
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the simulated Slack got no prompt in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
