import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIntakePressure } from '../../src/pipeline/intake-pressure.js';

describe('intake pressure', () => {
  it('turns busy at the threshold and calm only after staying below it for calmMs', async () => {
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 3, calmMs: 60, onChange: (busy) => changes.push(busy) });
    const a = pressure.begin();
    const b = pressure.begin();
    assert.equal(pressure.busy, false, 'two waiting events are not a burst');
    const c = pressure.begin();
    assert.equal(pressure.busy, true);
    assert.deepEqual(changes, [true]);
    c();
    c(); // ending twice counts once
    await sleep(20);
    assert.equal(pressure.busy, true, 'still within the calm period');
    // Back at the threshold: the calm period starts again from here.
    const d = pressure.begin();
    d();
    await sleep(40);
    assert.equal(pressure.busy, true, 'the calm period restarted at the last burst');
    await sleep(60);
    assert.equal(pressure.busy, false);
    assert.deepEqual(changes, [true, false]);
    a();
    b();
  });

  it('stays busy while events keep waiting above the threshold', async () => {
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 2, calmMs: 20, onChange: (busy) => changes.push(busy) });
    const held = [pressure.begin(), pressure.begin()];
    await sleep(60);
    assert.equal(pressure.busy, true, 'two events have been waiting all along');
    for (const end of held) end();
    await sleep(60);
    assert.equal(pressure.busy, false);
    assert.deepEqual(changes, [true, false]);
  });

  it('stop() drops a pending calm check (no timer outlives the daemon)', async () => {
    const changes: boolean[] = [];
    const pressure = createIntakePressure({ threshold: 1, calmMs: 20, onChange: (busy) => changes.push(busy) });
    pressure.begin()();
    pressure.stop();
    pressure.stop();
    await sleep(50);
    assert.deepEqual(changes, [true], 'the calm check never ran');
  });
});
