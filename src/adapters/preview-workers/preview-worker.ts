/**
 * Entry point of a preview worker, a child process of the daemon: runs publishPreview — fetch the
 * trace, analyse, render, chat.unfurl — and Slack's auth prompts. It has its own heap limit
 * (`--max-old-space-size`): a trace too big for it kills this process, never the daemon, which
 * keeps intake, the store and the journal and starts another worker.
 */
import type { DetailsResult, PreviewResult } from '../../domain/ports.js';
import { presentDetails, publishNotice, publishPreview } from '../../domain/publish-preview.js';
import { createAnalysisCache } from './analysis-cache.js';
import { createTraceSource, type BackendTraceSource } from '../backends/trace-source.js';
import { createUnfurlPoster, type SlackUnfurlPoster } from '../slack/unfurl-poster.js';
import { toWireError, type FromWorker, type ToWorker } from './protocol.js';
import { createRelayedLogger } from './relayed-logger.js';

if (typeof process.send !== 'function') throw new Error('preview-worker runs as a child process of lsslack, not on its own.');

const send = (message: FromWorker) => {
  // The daemon went away (a kill -9): there is nobody to answer.
  if (process.connected) process.send!(message);
};
const log = createRelayedLogger(send, { worker: 'preview' });
let traces: BackendTraceSource | undefined;
let poster: SlackUnfurlPoster | undefined;
let stopping = false;

const cache = createAnalysisCache();

const settle = (id: number, work: Promise<PreviewResult | DetailsResult | null>) => {
  send({ type: 'accepted', id });
  work.then(
    (value) => send({ type: 'result', id, ok: true, value }),
    (error: unknown) => send({ type: 'result', id, ok: false, error: toWireError(error) }),
  );
};

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'init':
      traces = createTraceSource({ backends: message.settings.backends, limits: message.settings.limits, onRetry: (backend) => send({ type: 'count', name: 'backend_retries', backend }) });
      poster = createUnfurlPoster({ ...message.settings.slack, log, onRateLimited: () => send({ type: 'count', name: 'slack_429' }), onWorkObjectsRefused: () => send({ type: 'count', name: 'work_objects_refused' }) });
      send({ type: 'ready' });
      return;
    case 'preview':
      settle(message.id, publishPreview(message.request, { traces: traces!, poster: poster!, now: Date.now }));
      return;
    case 'details':
      settle(message.id, presentDetails(message.request, { traces: traces!, presenter: poster!, cache }));
      return;
    case 'notice':
      settle(message.id, publishNotice(message.request, message.trace, poster!));
      return;
    case 'prompt':
      settle(message.id, poster!.postAuthPrompt(message.teamId, message.target, message.authUrl).then(() => null));
      return;
    case 'stop':
      if (stopping) return;
      stopping = true;
      // Sent once no job runs here; closing the clients lets the process end by itself.
      void Promise.allSettled([traces?.close(), poster?.close()]).then(() => process.disconnect());
  }
});
// A terminal's Ctrl-C and systemd's stop signal reach the whole process group; the daemon decides
// when its workers end (after their running jobs), so they ignore both.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The daemon died (kill -9, a crash): an orphaned worker must not linger.
process.on('disconnect', () => {
  if (!stopping) process.exit(0);
});
