import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIntakePressure } from '../../src/pipeline/intake-pressure.js';

/** Polls `check` (real time only bounds the wait; the pressure's own clock is the fake one). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  assert.ok(check(), `timed out waiting for ${what}`);
}

describe('intake pressure', () => {
  it('turns busy at the threshold and calm only after staying below it for calmMs', async () => {
    let now = 0;
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 3, calmMs: 60, now: () => now, onChange: (busy) => changes.push(busy) });
    const a = pressure.begin();
    const b = pressure.begin();
    assert.equal(pressure.busy, false, 'two waiting events are not a burst');
    const c = pressure.begin();
    assert.equal(pressure.busy, true);
    assert.deepEqual(changes, [true]);
    c();
    c(); // ending twice counts once
    now = 30;
    await sleep(100); // the calm check runs (real time) and finds only 30 ms (fake time) of quiet
    assert.equal(pressure.busy, true, 'still within the calm period');
    // Back at the threshold: the calm period starts again from here.
    const d = pressure.begin();
    d();
    now = 80;
    await sleep(100);
    assert.equal(pressure.busy, true, 'the calm period restarted at the last burst (50 ms ago)');
    now = 90;
    await until(() => !pressure.busy, 'calm');
    assert.deepEqual(changes, [true, false]);
    a();
    b();
    pressure.stop();
  });

  it('stays busy while events keep waiting above the threshold', async () => {
    let now = 0;
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 2, calmMs: 20, now: () => now, onChange: (busy) => changes.push(busy) });
    const held = [pressure.begin(), pressure.begin()];
    now = 1_000;
    await sleep(100);
    assert.equal(pressure.busy, true, 'two events have been waiting all along');
    for (const end of held) end();
    await until(() => !pressure.busy, 'calm');
    assert.deepEqual(changes, [true, false]);
    pressure.stop();
  });

  it('stop() drops a pending calm check (no timer outlives the daemon)', async () => {
    let now = 0;
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 1, calmMs: 20, now: () => now, onChange: (busy) => changes.push(busy) });
    pressure.begin()();
    pressure.stop();
    pressure.stop();
    now = 1_000;
    await sleep(100);
    assert.deepEqual(changes, [true], 'the calm check never ran');
  });
});
