/**
 * Entry point of a preview thread (node:worker_threads): runs publishPreview — fetch the stored
 * trace, analyse, render, chat.unfurl — and Slack's auth prompts, for the main thread. It owns
 * its own Lightstep and Slack clients; the main thread keeps intake, the store and the journal.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { getGlobalDispatcher } from 'undici';
import type { PreviewResult } from '../../domain/ports.js';
import { publishPreview } from '../../domain/publish-preview.js';
import { createLightstepClient } from '../lightstep/trace-client.js';
import { createUnfurlPoster } from '../slack/unfurl-poster.js';
import { toWireError, type FromThread, type PreviewThreadSettings, type RelayedCounter, type ToThread } from './protocol.js';
import { createRelayedLogger } from './relayed-logger.js';

const port = parentPort;
if (port === null) throw new Error('preview-thread.ts runs as a worker thread of lsslack, not on its own.');
const settings = workerData as PreviewThreadSettings;
const send = (message: FromThread) => port.postMessage(message);
const count = (name: RelayedCounter) => send({ type: 'count', name });

// Linux keeps a nice value per thread, so this lowers only this thread: under a burst the kernel
// runs the thread that acks Slack first (Slack disables apps that ack late; a preview can wait).
if (settings.nice > 0 && process.platform === 'linux') {
  try {
    os.setPriority(Math.min(19, os.getPriority() + settings.nice));
  } catch {
    // Not permitted (a seccomp profile, say): run at the daemon's priority.
  }
}

const log = createRelayedLogger(port, { thread: 'preview' });
const traces = createLightstepClient({ ...settings.lightstep, log, onRetry: () => count('lightstep_retries') });
const poster = createUnfurlPoster({ ...settings.slack, log, onRateLimited: () => count('slack_429') });

const settle = (id: number, work: Promise<PreviewResult | null>) => {
  work.then(
    (value) => send({ type: 'result', id, ok: true, value }),
    (error: unknown) => send({ type: 'result', id, ok: false, error: toWireError(error) }),
  );
};

let stopping = false;
port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'preview':
      settle(message.id, publishPreview(message.request, { traces, poster }));
      return;
    case 'prompt':
      settle(message.id, poster.postAuthPrompt(message.teamId, message.target, message.authUrl).then(() => null));
      return;
    case 'stop':
      if (stopping) return;
      stopping = true;
      // The main thread sends this once no job is running; closing the clients lets the thread end.
      void Promise.allSettled([traces.close(), getGlobalDispatcher().close()]).then(() => {
        send({ type: 'stopped' });
        port.close();
      });
  }
});
send({ type: 'ready' });
