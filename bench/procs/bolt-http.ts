/**
 * The peer: a @slack/bolt 5 App with its HTTPReceiver, acknowledging the same signed link_shared
 * events (Bolt acks Events API requests before running listeners; processBeforeResponse false).
 */
import bolt from '@slack/bolt';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// @slack/bolt is CommonJS: take the values off the default export under ESM.
const { App, LogLevel } = bolt;

const signingSecret = process.env.BENCH_SIGNING_SECRET ?? '';
const app = new App({
  signingSecret,
  token: process.env.BENCH_BOT_TOKEN,
  processBeforeResponse: false,
  logLevel: LogLevel.WARN,
  // auth.test at start goes to the Slack simulator.
  clientOptions: { slackApiUrl: process.env.BENCH_SLACK_API_URL },
});
app.event('link_shared', async () => {});

const server = (await app.start(0)) as Server;
const { port } = server.address() as AddressInfo;
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}/slack/events` });
process.on('disconnect', () => process.exit(0));
