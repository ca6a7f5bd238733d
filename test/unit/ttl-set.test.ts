import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlSet } from '../../src/pipeline/ttl-set.js';

describe('TtlSet', () => {
  it('refuses a key seen within the TTL and accepts it again once expired', () => {
    let now = 1_000;
    const set = new TtlSet({ ttlMs: 100, max: 10, now: () => now });
    assert.equal(set.addIfAbsent('a'), true);
    assert.equal(set.addIfAbsent('a'), false);
    now += 99;
    assert.equal(set.addIfAbsent('a'), false);
    now += 1;
    assert.equal(set.addIfAbsent('a'), true);
    assert.equal(set.size, 1);
  });

  it('expires keys in insertion order and keeps later ones', () => {
    let now = 0;
    const set = new TtlSet({ ttlMs: 50, max: 100, now: () => now });
    set.addIfAbsent('a');
    now = 30;
    set.addIfAbsent('b');
    now = 60;
    assert.equal(set.addIfAbsent('c'), true);
    assert.equal(set.size, 2, 'a expired, b and c remain');
    assert.equal(set.addIfAbsent('b'), false);
    assert.equal(set.addIfAbsent('a'), true);
  });

  it('evicts the oldest keys beyond max, and only those', () => {
    const set = new TtlSet({ ttlMs: 60_000, max: 3, now: () => 0 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) assert.equal(set.addIfAbsent(k), true);
    assert.equal(set.size, 3);
    assert.equal(set.addIfAbsent('c'), false);
    assert.equal(set.addIfAbsent('e'), false);
    assert.equal(set.addIfAbsent('a'), true, 'a was evicted');
  });

  it('forgets a deleted key, and its old entry never evicts the key added again', () => {
    let now = 0;
    const set = new TtlSet({ ttlMs: 100, max: 10, now: () => now });
    set.addIfAbsent('a');
    set.delete('a');
    assert.equal(set.size, 0);
    now = 50;
    assert.equal(set.addIfAbsent('a'), true, 'accepted again after delete');
    now = 120;
    // The first entry of "a" (expiring at 100) is reached now; the current one expires at 150.
    assert.equal(set.addIfAbsent('a'), false);
    now = 150;
    assert.equal(set.addIfAbsent('a'), true);
  });

  it('stays exact through a million inserts past its bound (the FIFO compacts)', () => {
    const set = new TtlSet({ ttlMs: 600_000, max: 5_000, now: () => 0 });
    for (let i = 0; i < 1_000_000; i++) set.addIfAbsent(`k${i}`);
    assert.equal(set.size, 5_000);
    assert.equal(set.addIfAbsent('k999999'), false);
    assert.equal(set.addIfAbsent(`k${1_000_000 - 5_000}`), false, 'the oldest kept key');
    assert.equal(set.addIfAbsent(`k${1_000_000 - 5_001}`), true, 'the newest evicted key');
  });
});
