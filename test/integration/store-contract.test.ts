import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { openPersistence, type Persistence } from '../../src/app/open-persistence.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { UnfurlJob } from '../../src/domain/types.js';
import { freshSchemaUrl, postgresAvailable } from '../helpers/postgres.js';

const log = pino({ level: 'silent' });
let clock = 1_800_000_000_000;
const now = () => clock;

const job = (i: number): UnfurlJob => ({
  id: `Ev${i}:0`, eventId: `Ev${i}`, teamId: 'T1', userId: 'U1', channel: 'C1', messageTs: `1.${i}`,
  target: { kind: 'message', channel: 'C1', ts: `1.${i}` }, url: `https://app.lightstep.com/p/trace?span_guid=${i}`, receivedAt: clock,
});

interface Backend {
  readonly name: string;
  open(): Promise<Persistence>;
  cleanup(): Promise<void>;
  available(): Promise<boolean>;
}

function lowdbBackend(): Backend {
  let dir = '';
  return {
    name: 'lowdb',
    available: async () => true,
    async open() {
      dir ||= await mkdtemp(path.join(os.tmpdir(), 'lsslack-contract-'));
      return openPersistence({ config: loadConfig({ env: { LSSLACK_DATA_DIR: dir } }), log, now });
    },
    async cleanup() {
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const fresh = freshSchemaUrl();
  const dir = path.join(os.tmpdir(), `lsslack-contract-pg-${fresh.schema}`);
  return {
    name: 'postgres',
    available: postgresAvailable,
    open: () => openPersistence({ config: loadConfig({ env: { LSSLACK_DATA_DIR: dir, LSSLACK_STORE_URL: fresh.url } }), log, now }),
    cleanup: () => fresh.drop(),
  };
}

/** The same contract, run against both implementations. */
for (const backend of [lowdbBackend(), postgresBackend()]) {
  describe(`store contract: ${backend.name}`, async () => {
    const ok = await backend.available();
    let p: Persistence;
    before(async () => {
      if (ok) p = await backend.open();
    });
    after(async () => {
      if (!ok) return;
      await p.close();
      await backend.cleanup();
    });
    const test = (name: string, fn: () => Promise<void>) => it(name, { skip: ok ? false : 'PostgreSQL not reachable (see the notice above)' }, fn);

    test('mappings: put, find, replace, list, remove', async () => {
      await p.store.putMapping({ teamId: 'T1', slackUserId: 'U1', traceUser: 'ada', grants: ['lightstep/a', 'lightstep/b'], mappedAt: 'x' });
      await p.store.putMapping({ teamId: 'T1', slackUserId: 'U2', traceUser: 'bob', grants: ['lightstep', 'grafana/tempo-prod'], mappedAt: 'y' });
      await p.store.putMapping({ teamId: 'T1', slackUserId: 'U1', traceUser: 'ada2', grants: ['jaeger'], mappedAt: 'z' });
      assert.deepEqual(await p.store.findMapping('T1', 'U1'), { teamId: 'T1', slackUserId: 'U1', traceUser: 'ada2', grants: ['jaeger'], mappedAt: 'z' });
      assert.deepEqual((await p.store.findMapping('T1', 'U2'))?.grants, ['lightstep', 'grafana/tempo-prod']);
      assert.equal(await p.store.findMapping('T2', 'U1'), undefined);
      assert.equal((await p.store.listMappings()).length, 2);
      assert.equal(await p.store.removeMapping('T1', 'U2'), true);
      assert.equal(await p.store.removeMapping('T1', 'U2'), false);
    });

    test('links: tokens stay as given (ciphertext), optional rotation fields round-trip', async () => {
      await p.store.putLink({ teamId: 'T1', slackUserId: 'U1', teamName: 'Acme', scope: 'links:read', tokenCipher: 'v1.aaa', linkedAt: 'now' });
      await p.store.putLink({ teamId: 'T1', slackUserId: 'U3', teamName: 'Acme', scope: 'links:read', tokenCipher: 'v1.bbb', refreshTokenCipher: 'v1.ccc', expiresAt: 123, linkedAt: 'now' });
      assert.deepEqual(await p.store.findLink('T1', 'U1'), { teamId: 'T1', slackUserId: 'U1', teamName: 'Acme', scope: 'links:read', tokenCipher: 'v1.aaa', linkedAt: 'now' });
      assert.deepEqual(await p.store.findLink('T1', 'U3'), { teamId: 'T1', slackUserId: 'U3', teamName: 'Acme', scope: 'links:read', tokenCipher: 'v1.bbb', refreshTokenCipher: 'v1.ccc', expiresAt: 123, linkedAt: 'now' });
      assert.equal(await p.store.removeLink('T1', 'U3'), true);
      assert.equal((await p.store.listLinks()).length, 1);
    });

    test('single-use marks and OAuth state can be taken once, and expire', async () => {
      assert.equal(await p.store.consumeOnce('jti-1', clock + 1000), true);
      assert.equal(await p.store.consumeOnce('jti-1', clock + 1000), false);
      await p.store.putState({ id: 's1', sessionId: 'sess', teamId: 'T1', slackUserId: 'U1', expiresAt: clock + 1000 });
      assert.deepEqual(await p.store.takeState('s1'), { id: 's1', sessionId: 'sess', teamId: 'T1', slackUserId: 'U1', expiresAt: clock + 1000 });
      assert.equal(await p.store.takeState('s1'), undefined);
      // Concurrent consumers: exactly one wins.
      const results = await Promise.all(Array.from({ length: 8 }, () => p.store.consumeOnce('jti-race', clock + 1000)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    test('pending unfurls: one per message and URL, taken per user, removed with the workspace', async () => {
      const base = { teamId: 'T1', slackUserId: 'U1', channel: 'C1', messageTs: '1.1', target: { kind: 'message', channel: 'C1', ts: '1.1' } as const, url: 'u', eventId: 'E', createdAt: clock, expiresAt: clock + 60_000 };
      await p.store.putPending({ ...base, id: 'p1' });
      await p.store.putPending({ ...base, id: 'p2' });
      await p.store.putPending({ ...base, id: 'p3', url: 'other' });
      await p.store.putPending({ ...base, id: 'p4', teamId: 'T9', slackUserId: 'U9' });
      assert.equal(await p.store.countPending(), 3);
      const mine = await p.store.takePending('T1', 'U1');
      assert.deepEqual(mine.map((x) => x.id).sort(), ['p2', 'p3']);
      assert.deepEqual(mine.find((x) => x.id === 'p2')?.target, base.target);
      assert.deepEqual(await p.store.takePending('T1', 'U1'), []);
      await p.store.putLink({ teamId: 'T9', slackUserId: 'U9', teamName: 'N', scope: 's', tokenCipher: 'v1.x', linkedAt: 'now' });
      assert.deepEqual(await p.store.removeTeam('T9'), { links: 1, pending: 1 });
    });

    test('export and import round-trip', async () => {
      const snapshot = await p.store.exportData();
      assert.ok(snapshot.mappings.length >= 1);
      await p.store.removeMapping('T1', 'U1');
      await p.store.importData(snapshot);
      assert.equal((await p.store.findMapping('T1', 'U1'))?.traceUser, 'ada2');
    });

    test('recorder: new jobs are recorded once; repeats of the event or of a message link are not', async () => {
      const keys = (eventId: string) => ({ eventKey: `event:${eventId}`, linkKeyOf: (j: UnfurlJob) => `link:${j.channel}:${j.messageTs}:${j.url}`, ttlMs: 1000 });
      const a = job(100);
      const b = { ...job(101), eventId: 'Ev100', id: 'Ev100:1' };
      assert.deepEqual((await p.recorder.recordNew([a, b], keys('Ev100'))).map((j) => j.id), ['Ev100:0', 'Ev100:1']);
      // The same event again (a Slack retry): nothing.
      assert.deepEqual(await p.recorder.recordNew([a, b], keys('Ev100')), []);
      // A new event for a message link already seen: only the new link is recorded.
      const c = { ...job(102), eventId: 'Ev200', id: 'Ev200:1' };
      assert.deepEqual((await p.recorder.recordNew([{ ...a, eventId: 'Ev200', id: 'Ev200:0' }, c], keys('Ev200'))).map((j) => j.id), ['Ev200:1']);
      // Concurrent deliveries of one event (several connections or replicas): exactly one records it.
      const race = await Promise.all(Array.from({ length: 6 }, () => p.recorder.recordNew([job(300)], keys('Ev300'))));
      assert.equal(race.filter((r) => r.length === 1).length, 1);
      // Keys expire with the window.
      clock += 2000;
      assert.equal((await p.recorder.recordNew([job(300)], keys('Ev300'))).length, 1);
      for (const id of ['Ev100:0', 'Ev100:1', 'Ev200:1', 'Ev300:0']) p.journal.done(id);
    });

    test('journal: appended jobs are durable until done, and come back to whoever takes them', async () => {
      await p.journal.append([job(1), job(2)]);
      p.journal.done('Ev1:0');
      await p.close();
      p = await backend.open();
      // Released at close (replicas) or read back from the file (one box): taken at once by the next owner.
      assert.deepEqual((await p.journal.take(10)).map((j) => j.id), ['Ev2:0']);
      assert.deepEqual(await p.journal.take(10), [], 'taken once');
      p.journal.done('Ev2:0');
    });

    test('journal: spilled jobs wait, and are taken back oldest first', async () => {
      await p.journal.append([job(11), job(12), job(13), job(14)]);
      p.journal.spill(['Ev12:0', 'Ev13:0', 'Ev14:0']);
      // Spilling is recorded in the background with PostgreSQL: wait until it shows.
      let first: UnfurlJob[] = [];
      for (let i = 0; i < 100 && first.length === 0; i++) {
        first = await p.journal.take(2);
        if (first.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(first.map((j) => j.id), ['Ev12:0', 'Ev13:0']);
      assert.deepEqual(first[0], job(12), 'the whole job comes back');
      assert.deepEqual((await p.journal.take(5)).map((j) => j.id), ['Ev14:0']);
      for (const id of ['Ev11:0', 'Ev12:0', 'Ev13:0', 'Ev14:0']) p.journal.done(id);
    });

    test('journal: attempts cut short are counted across a restart; a deferral resets the count', async () => {
      await p.journal.append([job(21), job(22)]);
      assert.equal(await p.journal.started('Ev21:0'), 1);
      assert.equal(await p.journal.started('Ev21:0'), 2);
      assert.equal(await p.journal.started('Ev22:0'), 1);
      p.journal.deferred('Ev22:0');
      await p.close();
      p = await backend.open();
      await p.journal.take(10);
      assert.equal(await p.journal.started('Ev21:0'), 3, 'two attempts died with the process before');
      assert.equal(await p.journal.started('Ev22:0'), 1, 'its only attempt ended with a deferral');
      p.journal.done('Ev21:0');
      p.journal.done('Ev22:0');
    });
  });
}
