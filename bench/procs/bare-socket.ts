/** The Socket Mode baseline: the SDK's SocketModeClient that only acks, pointed at the simulator. */
import { LogLevel, SocketModeClient } from '@slack/socket-mode';

const client = new SocketModeClient({
  appToken: process.env.BENCH_APP_TOKEN ?? '',
  logLevel: LogLevel.WARN,
  clientOptions: { slackApiUrl: process.env.BENCH_SLACK_API_URL },
});
client.on('slack_event', async ({ ack }: { ack: () => Promise<void> }) => {
  await ack();
});
await client.start();
process.send?.({ type: 'ready' });
process.on('disconnect', () => {
  void client.disconnect().finally(() => process.exit(0));
});
