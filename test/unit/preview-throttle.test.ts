import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createPreviewThrottle } from '../../src/pipeline/preview-throttle.js';

describe('preview throttle', () => {
  it('holds previews during a burst, trickles them once the oldest waited maxHoldMs, restores them after', async () => {
    const settings: number[] = [];
    let oldestWaitingMs = 0;
    const queue = { setConcurrency: (n: number) => settings.push(n), stats: () => ({ waiting: 5, running: 0, deferred: 0, concurrency: settings.at(-1) ?? 8, oldestWaitingMs }) };
    const throttle = createPreviewThrottle({ queue, concurrency: 8, maxHoldMs: 1_000, log: pino({ level: 'silent' }), checkEveryMs: 10 });
    throttle.onPressure(true);
    assert.deepEqual(settings, [0], 'held');
    await sleep(40);
    assert.deepEqual(settings, [0], 'the oldest job is young: still held');
    oldestWaitingMs = 1_000;
    for (let i = 0; i < 500 && settings.length < 2; i++) await sleep(10);
    assert.deepEqual(settings, [0, 1], 'one at a time once a job waited maxHoldMs');
    throttle.onPressure(false);
    assert.deepEqual(settings, [0, 1, 8]);
    oldestWaitingMs = 5_000;
    await sleep(40);
    assert.deepEqual(settings, [0, 1, 8], 'no checks outside a burst');
    throttle.stop();
  });
});
