import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { LsslackError } from '../../src/domain/errors.js';

const problems = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LsslackError && error.code === 'config_invalid', String(error));
    return error.message;
  }
  assert.fail('expected config_invalid');
};

describe('trace backends in the configuration', () => {
  let dir: string;
  let n = 0;
  const file = async (content: unknown, mode = 0o600): Promise<string> => {
    const f = path.join(dir, `c${++n}.json`);
    await writeFile(f, JSON.stringify(content));
    await chmod(f, mode);
    return f;
  };
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-backends-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes the issue's example list, defaulting apiUrl to uiUrl and resolving credentials from the named variables", async () => {
    const f = await file({
      backends: [
        { id: 'lightstep', kind: 'lightstep', appUrl: ['https://app.lightstep.com'], apiUrl: 'https://api.lightstep.com', org: 'acme' },
        { id: 'jaeger', kind: 'jaeger', uiUrl: 'https://jaeger.acme.dev', apiUrl: 'http://jaeger-query:16686' },
        { id: 'zipkin', kind: 'zipkin', uiUrl: 'https://zipkin.acme.dev/' },
        { id: 'grafana', kind: 'grafana', url: 'https://grafana.acme.dev', datasources: { 'tempo-prod': { kind: 'tempo', apiUrl: 'http://tempo:3200', tenant: 'prod', tokenEnv: 'TEMPO_TOKEN' }, 'jaeger-ds': { kind: 'jaeger', apiUrl: 'http://jaeger-query:16686' } } },
      ],
    });
    const config = loadConfig({ file: f, env: { LIGHTSTEP_API_KEY: 'ls-key-123456', TEMPO_TOKEN: 'tempo-token-abc' } });
    assert.deepEqual(config.backends.map((b) => `${b.id}:${b.kind}`), ['lightstep:lightstep', 'jaeger:jaeger', 'zipkin:zipkin', 'grafana:grafana']);
    const [ls, , zipkin, grafana] = config.backends;
    assert.equal(ls?.kind === 'lightstep' && ls.apiKey, 'ls-key-123456', 'the entry called lightstep takes LIGHTSTEP_API_KEY');
    assert.equal(zipkin?.kind === 'zipkin' && zipkin.apiUrl, 'https://zipkin.acme.dev', 'one server serves both');
    assert.deepEqual(grafana?.kind === 'grafana' && grafana.datasources['tempo-prod'], { kind: 'tempo', apiUrl: 'http://tempo:3200', tenant: 'prod', auth: { bearer: 'tempo-token-abc', from: 'TEMPO_TOKEN' } });
  });

  it('the LIGHTSTEP_* and LSSLACK_*_URL shorthands define one backend of each kind', () => {
    const config = loadConfig({
      env: { LIGHTSTEP_ORG: 'acme', LIGHTSTEP_API_KEY: 'k-123456', LSSLACK_JAEGER_URL: 'https://jaeger.acme.dev', LSSLACK_ZIPKIN_URL: 'https://zipkin.acme.dev', LSSLACK_ZIPKIN_API_URL: 'http://zipkin:9411', LSSLACK_GRAFANA_URL: 'https://grafana.acme.dev', LSSLACK_TEMPO_URL: 'http://tempo:3200', LSSLACK_TEMPO_TENANT: 'prod' },
    });
    assert.deepEqual(config.backends.map((b) => b.id), ['lightstep', 'jaeger', 'zipkin', 'grafana']);
    const grafana = config.backends[3];
    assert.deepEqual(grafana?.kind === 'grafana' && grafana.datasources, { tempo: { kind: 'tempo', apiUrl: 'http://tempo:3200', tenant: 'prod' } });
  });

  it('lists every bad entry at once: unknown kind, duplicate id, bad URL, a datasource without apiUrl, typos, unset variables', async () => {
    const f = await file({
      backends: [
        { id: 'x', kind: 'honeycomb' },
        { id: 'jaeger', kind: 'jaeger', uiUrl: 'not a url' },
        { id: 'dup', kind: 'zipkin', uiUrl: 'https://z.example.com' },
        { id: 'dup', kind: 'zipkin', uiUrl: 'https://z2.example.com', uiURL: 'typo' },
        { id: 'Bad/Id', kind: 'jaeger', uiUrl: 'https://j.example.com' },
        { id: 'g', kind: 'grafana', url: 'https://g.example.com', datasources: { tempo: { kind: 'tempo' }, j: { kind: 'loki', apiUrl: 'http://l' } } },
        { id: 'z3', kind: 'zipkin', uiUrl: 'https://z3.example.com', tokenEnv: 'NOT_SET_ANYWHERE' },
      ],
    });
    const text = problems(() => loadConfig({ file: f, env: {} }));
    assert.match(text, /backends\[0\]\.kind must be one of lightstep, jaeger, zipkin, grafana, got "honeycomb"/);
    assert.match(text, /backends\[1\]\.uiUrl must be an absolute URL/);
    assert.match(text, /two trace backends have the id "dup"/);
    assert.match(text, /backends\[3\]\.uiURL is not a field of a zipkin backend/);
    assert.match(text, /backends\[4\]\.id must be a short lowercase name/);
    assert.match(text, /datasources\.tempo\.apiUrl is required/);
    assert.match(text, /datasources\.j\.kind must be one of tempo, jaeger, zipkin, got "loki"/);
    assert.match(text, /tokenEnv names NOT_SET_ANYWHERE, which is not set/);
  });

  it('refuses a credential written in a config file other users can read, and never echoes it', async () => {
    const f = await file({ backends: [{ id: 'jaeger', kind: 'jaeger', uiUrl: 'https://j.example.com', token: 'the-secret-token-value' }] }, 0o644);
    const text = problems(() => loadConfig({ file: f, env: {} }));
    assert.match(text, /backends\[0\]\.token puts a credential in the file, which other users can read: use tokenEnv/);
    assert.equal(text.includes('the-secret-token-value'), false);
    const private600 = await file({ backends: [{ id: 'jaeger', kind: 'jaeger', uiUrl: 'https://j.example.com', token: 'the-secret-token-value' }] }, 0o600);
    const config = loadConfig({ file: private600, env: {} });
    assert.equal(config.backends[0]?.kind === 'jaeger' && config.backends[0].auth?.bearer, 'the-secret-token-value');
  });

  it('basic auth must be user:token; a bearer and basic auth together are refused', async () => {
    const f = await file({ backends: [{ id: 'g', kind: 'grafana', url: 'https://g.example.com', datasources: { t: { kind: 'tempo', apiUrl: 'http://t', basicAuthEnv: 'CLOUD_AUTH' }, u: { kind: 'tempo', apiUrl: 'http://u', basicAuthEnv: 'OK_AUTH', tokenEnv: 'TOKEN' } } }] });
    const text = problems(() => loadConfig({ file: f, env: { CLOUD_AUTH: 'no-colon-here', OK_AUTH: 'a:b', TOKEN: 'tok' } }));
    assert.match(text, /CLOUD_AUTH must hold user:token/);
    assert.match(text, /datasources\.u has both a bearer token and basic auth/);
  });

  it('starting needs at least one backend, and a shorthand given in part says what is missing', () => {
    assert.match(problems(() => loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_CLIENT_ID: 'c', SLACK_CLIENT_SECRET: 's' }, require: 'start' })), /No trace backend is configured/);
    assert.match(problems(() => loadConfig({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_CLIENT_ID: 'c', SLACK_CLIENT_SECRET: 's', LIGHTSTEP_ORG: 'acme' }, require: 'start' })), /LIGHTSTEP_API_KEY is not set/);
    // Other commands leave an incomplete backend out instead of failing.
    assert.deepEqual(loadConfig({ env: { LIGHTSTEP_ORG: 'acme' } }).backends, []);
  });
});
