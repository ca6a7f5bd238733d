import type { SlackSimulator } from '../../src/simulators/slack/index.js';
import { linkThroughFlow, PROJECT, startStack, waitFor, type Stack, type StackOptions } from './stack.js';

/**
 * A stack whose daemon runs in HTTP Events mode. startStack() links the mapped users by
 * delivering their first link_shared over Socket Mode, which does not exist in this mode, so the
 * same flow is walked here with the event delivered to POST /slack/events instead (signed by the
 * simulator, the way Slack signs it).
 */
export async function startHttpStack(signingSecret: string, options: StackOptions = {}): Promise<Stack & { eventsUrl: string }> {
  const stack = await startStack({ ...options, env: { ...options.env, LSSLACK_MODE: 'http', SLACK_SIGNING_SECRET: signingSecret }, linked: false });
  const eventsUrl = `${stack.httpUrl}/slack/events`;
  try {
    if (options.startDaemon !== false && options.linked !== false) {
      const slack = overHttp(stack.slack, eventsUrl, signingSecret);
      const mappings = options.mappings ?? [{ projects: [PROJECT] }];
      for (const m of mappings) {
        const flow = await linkThroughFlow({ slack }, { teamId: m.teamId, userId: m.slackUserId, channel: 'C0SETUP' });
        if (flow.callbackStatus !== 200) throw new Error(`linking ${m.slackUserId ?? 'the user'} failed: ${flow.callbackStatus} ${flow.callbackBody}`);
      }
      await waitFor(() => {
        const outcomes = stack.daemon.jobs.snapshot().outcomes;
        return outcomes.unfurled + outcomes.not_authorized >= mappings.length;
      }, 'the setup unfurls');
    }
  } catch (error) {
    await stack.stop();
    throw new Error(`${(error as Error).message}; last log lines:\n${stack.logs.lines.slice(-8).join('\n')}`, { cause: error });
  }
  return Object.assign(stack, { eventsUrl });
}

/**
 * The simulator, except that sendEvent() delivers the body to an HTTP Request URL (signed, as
 * Slack does) instead of over a socket, so helpers written for Socket Mode work unchanged.
 */
export function overHttp(slack: SlackSimulator, eventsUrl: string, signingSecret: string): SlackSimulator {
  return new Proxy(slack, {
    get(target, property) {
      if (property === 'sendEvent') {
        return async (body: object) => {
          const answer = await target.postEvent(eventsUrl, body, { signingSecret });
          if (answer.status !== 200) throw new Error(`POST ${eventsUrl} answered ${answer.status}: ${answer.body}`);
          return { envelopeId: '', ackedAt: Date.now(), ack: undefined };
        };
      }
      // Whoever checks for a socket before delivering (stack.ts's deliver()) sees the Request URL as one.
      if (property === 'socketConnections') return 1;
      return Reflect.get(target, property, target) as unknown;
    },
  });
}
