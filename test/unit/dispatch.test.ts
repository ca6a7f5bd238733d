import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/domain/ports.js';
import type { UnfurlJob } from '../../src/domain/types.js';
import { createMemoryDeduper } from '../../src/pipeline/deduper.js';
import { createDispatcher } from '../../src/pipeline/dispatch.js';
import { createAudienceChangeHandlers } from '../../src/pipeline/handle-audience-changes.js';
import { createDetailsRequestedHandler, createLinkSharedHandler } from '../../src/pipeline/handle-link-shared.js';
import { createLocalRecorder } from '../../src/pipeline/record-new-jobs.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** The dispatcher with in-memory ports: a journal that keeps what it is given (or refuses), and the admitted jobs. */
function pipeline(options: { journalFails: boolean } = { journalFails: false }) {
  const journal: UnfurlJob[] = [];
  const admitted: UnfurlJob[] = [];
  const forgotten: string[] = [];
  const recorder = createLocalRecorder(createMemoryDeduper(() => 0), {
    append: async (jobs) => {
      if (options.journalFails) throw new Error('disk full');
      journal.push(...jobs);
    },
  });
  const handlerOptions = { admit: (jobs: readonly UnfurlJob[]) => admitted.push(...jobs), recorder, now: () => 42 };
  const dispatcher = createDispatcher({
    log: silent,
    handlers: {
      link_shared: createLinkSharedHandler(handlerOptions),
      entity_details_requested: createDetailsRequestedHandler(handlerOptions),
      ...createAudienceChangeHandlers((team, channel) => forgotten.push(`${team}/${channel}`)),
    },
  });
  const dispatch = (body: unknown) => dispatcher.dispatch({ source: 'socket', body, receivedAt: 7 });
  return { dispatch, journal, admitted, forgotten };
}

const callback = (eventId: string, event: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'event_callback', team_id: 'T1', event_id: eventId, event, ...extra });
const linkShared = (eventId: string, links: string[], extra: Record<string, unknown> = {}) =>
  callback(eventId, { type: 'link_shared', user: 'U1', channel: 'C1', message_ts: '1.2', links: links.map((url) => ({ url, domain: 'x' })), source: 'conversations_history', unfurl_id: 'Uf' }, extra);
const detailsRequested = (eventId: string, triggerId: string, event: Record<string, unknown> = {}) =>
  callback(eventId, { type: 'entity_details_requested', user: 'U2', trigger_id: triggerId, external_ref: { id: 'lightstep:abc', type: 'trace' }, app_unfurl_url: 'https://t/1', entity_url: 'https://t/1', link: { url: 'https://t/1' }, channel: 'C1', message_ts: '1.2', ...event });

describe('dispatch: link_shared', () => {
  it('one job per distinct link, journaled before it is admitted, with the event\'s ext-shared flag', async () => {
    const p = pipeline();
    assert.deepEqual(await p.dispatch(linkShared('Ev1', ['https://a', 'https://b', 'https://a'], { is_ext_shared_channel: true })), { kind: 'queued', jobs: 2 });
    assert.deepEqual(p.journal.map((j) => [j.id, j.url, j.extShared, j.receivedAt]), [['Ev1:0', 'https://a', true, 7], ['Ev1:1', 'https://b', true, 7]]);
    assert.deepEqual(p.admitted, p.journal);
  });

  it('a redelivery, and the same link in the same message under a new event id, are duplicates', async () => {
    const p = pipeline();
    await p.dispatch(linkShared('Ev1', ['https://a']));
    assert.deepEqual(await p.dispatch(linkShared('Ev1', ['https://a'])), { kind: 'duplicate' });
    assert.deepEqual(await p.dispatch(linkShared('Ev2', ['https://a'])), { kind: 'duplicate' });
    assert.equal(p.journal.length, 1);
  });

  it('jobs that could not be journaled are rejected (not acked), and the redelivery is not a duplicate', async () => {
    const options = { journalFails: true };
    const p = pipeline(options);
    assert.equal((await p.dispatch(linkShared('Ev1', ['https://a']))).kind, 'rejected');
    assert.equal(p.admitted.length, 0);
    options.journalFails = false;
    assert.deepEqual(await p.dispatch(linkShared('Ev1', ['https://a'])), { kind: 'queued', jobs: 1 });
  });

  it('malformed bodies are ignored with a reason, never thrown', async () => {
    const p = pipeline();
    for (const body of [null, 'x', [], { type: 'url_verification' }, { type: 'event_callback', event_id: 'E', event: { type: '__proto__' } }, { type: 'event_callback', event: { type: 'link_shared' } }, callback('E', { type: 'link_shared', user: 'U1' })]) {
      assert.equal((await p.dispatch(body)).kind, 'ignored', JSON.stringify(body));
    }
    assert.equal(p.journal.length, 0);
  });
});

describe('dispatch: entity_details_requested', () => {
  it('one job for the viewer, with the trigger and the card it must answer', async () => {
    const p = pipeline();
    assert.deepEqual(await p.dispatch(detailsRequested('Ev5', 'trig-1')), { kind: 'queued', jobs: 1 });
    const [job] = p.journal;
    assert.deepEqual(
      { id: job!.id, kind: job!.kind, userId: job!.userId, url: job!.url, triggerId: job!.triggerId, externalRefId: job!.externalRefId },
      { id: 'Ev5:details', kind: 'details', userId: 'U2', url: 'https://t/1', triggerId: 'trig-1', externalRefId: 'lightstep:abc' },
    );
  });

  it('the same trigger under another event id is answered once', async () => {
    const p = pipeline();
    await p.dispatch(detailsRequested('Ev5', 'trig-1'));
    assert.deepEqual(await p.dispatch(detailsRequested('Ev6', 'trig-1')), { kind: 'duplicate' });
    assert.deepEqual(await p.dispatch(detailsRequested('Ev7', 'trig-2')), { kind: 'queued', jobs: 1 });
  });

  it('falls back to the entity URL, and ignores requests missing the trigger or the card', async () => {
    const p = pipeline();
    await p.dispatch(detailsRequested('Ev8', 'trig-3', { app_unfurl_url: undefined }));
    assert.equal(p.journal[0]!.url, 'https://t/1');
    for (const missing of [{ trigger_id: undefined }, { external_ref: 'x' }, { user: 7 }, { app_unfurl_url: undefined, entity_url: undefined, link: undefined }]) {
      const result = await p.dispatch(detailsRequested(`Ev-${JSON.stringify(missing)}`, 'trig-x', missing));
      assert.equal(result.kind, 'ignored', JSON.stringify(missing));
    }
  });
});

describe('dispatch: audience changes', () => {
  it('channel_shared and channel_unshared make lsslack ask Slack about the channel again', async () => {
    const p = pipeline();
    assert.deepEqual(await p.dispatch(callback('Ev9', { type: 'channel_shared', channel: 'C7', connected_team_id: 'E2' })), { kind: 'handled' });
    await p.dispatch(callback('Ev10', { type: 'channel_unshared', channel: 'C8', is_ext_shared: false }));
    assert.deepEqual(p.forgotten, ['T1/C7', 'T1/C8']);
    assert.equal((await p.dispatch(callback('Ev11', { type: 'channel_shared' }))).kind, 'ignored');
  });
});
