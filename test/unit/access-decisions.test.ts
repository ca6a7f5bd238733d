import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAccess, grantsAllow, narrowGrants } from '../../src/domain/authorize.js';
import { decideDetail, stricterOf } from '../../src/domain/decide-detail.js';
import type { AudienceKind, ChannelPolicy, UserMapping } from '../../src/domain/types.js';

const mapping = (grants: string[]): UserMapping => ({ teamId: 'T1', slackUserId: 'U1', traceUser: 'ann', grants, mappedAt: '' });
const ref = (backendId: string, scope?: string) => (scope === undefined ? { backendId } : { backendId, scope });

describe('grants', () => {
  it('a backend grant covers all its scopes; a scope grant only that scope; nothing else matches', () => {
    assert.equal(grantsAllow(['lightstep'], ref('lightstep', 'checkout')), true);
    assert.equal(grantsAllow(['lightstep/checkout'], ref('lightstep', 'checkout')), true);
    assert.equal(grantsAllow(['lightstep/checkout'], ref('lightstep', 'checkout-eu')), false, 'no prefix matching');
    assert.equal(grantsAllow(['lightstep/checkout'], ref('lightstep')), false);
    assert.equal(grantsAllow(['jaeger'], ref('lightstep', 'checkout')), false);
    assert.equal(grantsAllow(['light'], ref('lightstep', 'checkout')), false);
    assert.equal(grantsAllow([], ref('jaeger')), false);
  });

  it('narrowing never widens: the result allows only what both lists allow', () => {
    const scopes = ['checkout', 'payments', 'search'];
    const lists = [['lightstep'], ['lightstep/checkout'], ['lightstep/payments', 'jaeger'], ['jaeger'], []];
    for (const a of lists) {
      for (const b of lists) {
        const narrowed = narrowGrants(a, b);
        for (const s of scopes) {
          for (const backend of ['lightstep', 'jaeger']) {
            const r = ref(backend, s);
            assert.equal(grantsAllow(narrowed, r), grantsAllow(a, r) && grantsAllow(b, r), `${JSON.stringify(a)} ∩ ${JSON.stringify(b)} at ${backend}/${s}`);
          }
        }
      }
    }
  });
});

describe('decideAccess', () => {
  it('prompts whoever is not linked, denies the linked without a grant, allows the granted', () => {
    assert.deepEqual(decideAccess({ mapping: undefined, userToken: undefined, ref: ref('jaeger') }), { kind: 'prompt', reason: 'not_mapped' });
    assert.deepEqual(decideAccess({ mapping: mapping(['jaeger']), userToken: undefined, ref: ref('jaeger') }), { kind: 'prompt', reason: 'not_linked' });
    assert.deepEqual(decideAccess({ mapping: undefined, userToken: 'xoxp', ref: ref('jaeger') }), { kind: 'denied' }, 'linked but unmapped (mapping removed): denied');
    assert.deepEqual(decideAccess({ mapping: mapping(['zipkin']), userToken: 'xoxp', ref: ref('jaeger') }), { kind: 'denied' });
    assert.deepEqual(decideAccess({ mapping: mapping(['jaeger']), userToken: 'xoxp', ref: ref('jaeger') }), { kind: 'allowed', userToken: 'xoxp' });
  });

  it('a channel\'s grants narrow the sharer\'s', () => {
    const input = { mapping: mapping(['lightstep']), userToken: 'xoxp', channelGrants: ['lightstep/payments'] };
    assert.equal(decideAccess({ ...input, ref: ref('lightstep', 'checkout') }).kind, 'denied');
    assert.equal(decideAccess({ ...input, ref: ref('lightstep', 'payments') }).kind, 'allowed');
  });
});

describe('decideDetail', () => {
  const defaults = { internal: 'full', external: 'summary' } as const;
  const policy = (channel: string, p: Partial<ChannelPolicy>): ChannelPolicy => ({ teamId: 'T1', channel, setAt: '', ...p });
  const inside: AudienceKind[] = ['internal', 'private', 'dm', 'mpim', 'org_shared'];
  const outside: AudienceKind[] = ['external', 'unknown'];

  it('defaults: full inside the organisation, summary outside or when the audience is unknown, full in the composer', () => {
    for (const audience of inside) assert.equal(decideDetail({ audience, defaults }), 'full', audience);
    for (const audience of outside) assert.equal(decideDetail({ audience, defaults }), 'summary', audience);
    assert.equal(decideDetail({ audience: 'composer', defaults, channelPolicy: policy('C1', { detail: 'none' }) }), 'full');
  });

  it('a channel policy beats the workspace default, which beats the configured defaults', () => {
    const workspacePolicy = policy('*', { detail: 'summary', externalDetail: 'none' });
    assert.equal(decideDetail({ audience: 'internal', defaults, workspacePolicy }), 'summary');
    assert.equal(decideDetail({ audience: 'external', defaults, workspacePolicy }), 'none');
    assert.equal(decideDetail({ audience: 'internal', defaults, workspacePolicy, channelPolicy: policy('C1', { detail: 'full' }) }), 'full');
    assert.equal(decideDetail({ audience: 'external', defaults, channelPolicy: policy('C1', { externalDetail: 'full' }) }), 'full', 'an explicit external level is honoured');
  });

  it('a channel set to full while internal shows only the outside level once it is shared', () => {
    assert.equal(decideDetail({ audience: 'external', defaults, channelPolicy: policy('C1', { detail: 'full' }) }), 'summary');
    assert.equal(decideDetail({ audience: 'external', defaults, channelPolicy: policy('C1', { detail: 'none' }) }), 'none', 'a stricter channel level still applies');
  });

  it('stricterOf orders none < summary < full', () => {
    assert.equal(stricterOf('full', 'summary'), 'summary');
    assert.equal(stricterOf('none', 'summary'), 'none');
    assert.equal(stricterOf('full', 'full'), 'full');
  });
});
