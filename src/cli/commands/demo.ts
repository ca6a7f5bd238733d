import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Command } from 'commander';
import { openLowdbStore } from '../../adapters/store/lowdb-store.js';
import { createDaemon } from '../../app/daemon.js';
import { loadConfig } from '../../config/load-config.js';
import type { Block } from '../../domain/types.js';
import { startLightstepSimulator, sampleCheckoutTrace, SAMPLE_TRACE_SEED_SPAN, SAMPLE_TRACE_SELECTED_SPAN } from '../../simulators/lightstep/index.js';
import { linkSharedEvent, startSlackSimulator } from '../../simulators/slack/index.js';
import { packageInfo } from '../package-info.js';
import { renderBlocksAsText } from '../render-blocks-as-text.js';
import { simulatorEnv } from '../simulator-env.js';
import { CookieBrowser } from '../cookie-browser.js';
import type { SlackSimulator } from '../../simulators/slack/index.js';

const DEMO_TEAM = 'T0SIM';
const DEMO_USER = 'U0SIMUSER';
const DEMO_PROJECT = 'checkout';

/** `lsslack demo`: the whole design on loopback, against simulated Slack and Lightstep. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run lsslack against built-in Slack and Lightstep simulators and show a trace link unfurl')
    .option('--keep', 'leave the simulators and daemon running (Ctrl-C to stop)')
    .action(async (opts: { keep?: boolean }) => {
      await runDemo({ keep: opts.keep === true, out: (line) => process.stdout.write(`${line}\n`) });
    });
}

export async function runDemo(options: { keep: boolean; out: (line: string) => void }): Promise<void> {
  const { out } = options;
  out('lsslack demo — this runs against SIMULATED Slack and Lightstep servers on 127.0.0.1, not the real services.');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-demo-'));
  const logFile = path.join(dataDir, 'lsslack.log');
  const log = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true }));
  const slack = await startSlackSimulator();
  const lightstep = await startLightstepSimulator({ org: 'demo-org', projects: [DEMO_PROJECT] });
  lightstep.addTrace(DEMO_PROJECT, sampleCheckoutTrace());
  out(`  Slack simulator:     ${slack.url}`);
  out(`  Lightstep simulator: ${lightstep.url}`);
  out(`  data dir:            ${dataDir} (daemon log: ${logFile})`);

  const config = loadConfig({ env: simulatorEnv({ slack, lightstep }, dataDir), require: 'start' });
  const store = await openLowdbStore({ dataDir });
  await store.putMapping({ teamId: DEMO_TEAM, slackUserId: DEMO_USER, traceUser: 'ada@example.com', grants: [`lightstep/${DEMO_PROJECT}`], mappedAt: new Date().toISOString() });
  await store.close();
  out(`1. mapped Slack user ${DEMO_USER} (team ${DEMO_TEAM}) to Lightstep user ada@example.com for project "${DEMO_PROJECT}"`);

  const daemon = createDaemon({ config, log, version: packageInfo().version });
  const stopAll = async () => {
    await daemon.stop();
    await slack.stop();
    await lightstep.stop();
    log.flush();
    if (!options.keep) await rm(dataDir, { recursive: true, force: true });
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
    out('Demo finished: that preview was posted by lsslack to the SIMULATED Slack. See the README to run it for real.');
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (options.keep) {
    out('--keep: simulators and daemon stay up; press Ctrl-C to stop.');
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await stopAll();
}

/** Steps 5–8: the person opens the prompt link, clicks "Add to Slack", allows, and comes back. */
async function walkLinkingFlow(authUrl: string, slack: SlackSimulator, out: (line: string) => void): Promise<void> {
  const browser = new CookieBrowser();
  const page = await browser.get(authUrl);
  const title = /<h1>([^<]*)<\/h1>/.exec(page.body)?.[1] ?? '?';
  out(`5. the browser opens it: HTTP ${page.status}, page "${title}", session cookie set`);
  const initiate = await browser.submitFirstForm(authUrl, page.body);
  out(`6. "Add to Slack" → HTTP ${initiate.status} to Slack's authorize page (${(initiate.location ?? '').split('?')[0]}) with a single-use state`);
  slack.authorizeAs({ userId: DEMO_USER, teamId: DEMO_TEAM });
  const authorize = await browser.get(initiate.location ?? '');
  out(`7. ${DEMO_USER} clicks Allow in (simulated) Slack → HTTP ${authorize.status} back to ${(authorize.location ?? '').split('?')[0]}`);
  const callback = await browser.get(authorize.location ?? '');
  const done = /<h1>([^<]*)<\/h1>/.exec(callback.body)?.[1] ?? '?';
  if (callback.status !== 200) throw new Error(`the OAuth callback failed: HTTP ${callback.status} "${done}"`);
  out(`8. callback: oauth.v2.access exchanged the code, token stored encrypted → HTTP ${callback.status}, page "${done}"`);
}
