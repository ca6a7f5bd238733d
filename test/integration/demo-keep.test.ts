import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runDemo } from '../../src/cli/commands/demo.js';
import { jaegerLink } from '../../src/cli/simulator-env.js';
import { SAMPLE_TRACE_ID } from '../../src/simulators/lightstep/index.js';
import { waitFor } from '../helpers/stack.js';

describe('lsslack demo --keep: a place to explore', () => {
  it('prints the dashboard line and an openable prompt link, unfurls typed links, generates load with --rate, and cleans up at the end', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const input = new PassThrough();
    let end!: () => void;
    const until = new Promise<void>((resolve) => (end = resolve));
    const demo = runDemo({ keep: true, keepData: false, rate: 5, out: (line) => lines.push(line), input, until });
    const text = () => lines.join('\n');
    await waitFor(() => text().includes('Ctrl-C ends the demo'), 'the --keep instructions', 60_000);

    // The dashboard line names the daemon's listener, which answers.
    const dashboard = /lsslack dashboard --url (http:\/\/127\.0\.0\.1:\d+)/.exec(text())?.[1];
    assert.ok(dashboard !== undefined, text());
    const status = await fetch(`${dashboard}/status`);
    assert.equal(status.status, 200);
    // The prompt link is whole and opens the page a person sees.
    const promptLink = /open (http:\/\/127\.0\.0\.1:\d+\/integration\/auth\/slack\?t=[^\s]+)/.exec(text())?.[1];
    assert.ok(promptLink !== undefined, text());
    const page = await fetch(promptLink);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Add to Slack/);
    // A typed trace link is shared and its preview printed.
    input.write(`${jaegerLink(SAMPLE_TRACE_ID)}\n`);
    await waitFor(() => lines.filter((l) => l.includes('frontend: GET /checkout')).length >= 4, 'the typed link\'s preview');
    // --rate shares generated links: the dashboard has jobs to show.
    let unfurled = 0;
    await waitFor(() => {
      void fetch(`${dashboard}/status`).then((r) => r.json() as Promise<{ outcomes: { unfurled: number } }>).then((s) => (unfurled = s.outcomes.unfurled));
      return unfurled >= 10;
    }, 'generated shares unfurled', 30_000);

    end();
    await demo;
    const removed = /Removed (\S+) \(the demo's store/.exec(text())?.[1];
    assert.ok(removed !== undefined, text());
    assert.equal(existsSync(removed), false, 'the temp dir is gone');
    assert.match(text(), /Stopping \(\d+ generated links shared; \d+ previews posted in all\)/);
  });
});
