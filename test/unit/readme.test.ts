import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildSlackManifest } from '../../src/cli/slack-manifest.js';
import { SETTINGS } from '../../src/config/settings.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('starts with the two commands that set everything up', () => {
    const firstBlock = /^```sh\n([^`]*)```/m.exec(README)?.[1] ?? '';
    assert.match(firstBlock, /^npm ci && npx lsslack demo /m);
    assert.match(firstBlock, /^npm ci && npm test /m);
    assert.ok(README.indexOf('```sh') < 40, 'in the first lines');
  });

  it('gives the test command CI runs, exactly', () => {
    const testCommand = /^(npm ci && npm test)\s/m.exec(README)?.[1];
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    assert.ok(testCommand !== undefined);
    assert.ok(ci.split('\n').includes(testCommand), `.ci/run runs \`${testCommand}\` on a line of its own`);
  });

  it('shows the manifest `lsslack manifest --public-url https://lsslack.example.com` prints', () => {
    const block = /Manifest \(Socket Mode[^\n]*\n\n```yaml\n([^`]*)```/.exec(README)?.[1];
    assert.ok(block !== undefined, 'the manifest block is there');
    const expected = buildSlackManifest({ mode: 'socket', publicUrl: 'https://lsslack.example.com', appOrigins: ['https://app.lightstep.com'] });
    assert.deepEqual(parse(block), expected);
  });

  it('lists every setting in the configuration table', () => {
    const table = README.slice(README.indexOf('## Configuration'), README.indexOf('## Commands'));
    for (const spec of SETTINGS) assert.ok(table.includes(spec.env), `${spec.env} is in the README's table`);
  });

  it('lists every command and its options in the commands table', () => {
    const table = README.slice(README.indexOf('## Commands'), README.indexOf('## Identity linking'));
    for (const want of ['manifest', '--name', '--env-file', 'channels set', 'users map', 'service print', 'store migrate', 'doctor', 'dashboard', 'demo']) assert.ok(table.includes(want), want);
  });
});
