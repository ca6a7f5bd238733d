/**
 * `npm run bench` — the whole suite; `node --import tsx bench/run.ts <name> [flags]` — one benchmark.
 *
 *   http-ingress  --duration S --connections N --rounds N --warmup S --rate R --rate-connections N --rate-duration S
 *   socket        --envelopes N --window N --rate R --rate-duration S --warmup N
 *   analysis      --sizes 1000,10000,100000,1000000 --decoder-sizes 10000,100000 --reps N (default: by size)
 *   pool          --jobs N --latency MS --concurrency N --stalled-jobs N
 *   e2e           --events N --warmup N
 *   flexpane      --requests N --latency MS --spans N
 *
 *   --out FILE    where the JSON goes (default bench/results/latest.json for the suite, bench/results/NAME.json alone)
 *   --readme      also write the table and the machine into bench/README.md
 *   --no-diagnostics  skip the extra "backend stalled" runs of http-ingress and socket (ack path alone)
 *   --from-source run the daemon from src/ under tsx instead of building dist/ first and running bin/lsslack.js
 *   --in-process  run the whole suite in this process (by default each benchmark gets a fresh process,
 *                 so one benchmark's heap and simulators cannot slow the next)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runAnalysis, ANALYSIS_DEFAULTS } from './analysis.js';
import { runE2e, E2E_DEFAULTS } from './e2e.js';
import { runFlexpane, FLEXPANE_DEFAULTS } from './flexpane.js';
import { runHttpIngress, HTTP_DEFAULTS } from './http-ingress.js';
import { machineInfo, type MachineInfo } from './lib/machine.js';
import { BENCH_DIR, ROOT_DIR } from './lib/proc.js';
import { renderTable, type BenchResult } from './lib/report.js';
import { runPool, POOL_DEFAULTS } from './pool.js';
import { runSocket, SOCKET_DEFAULTS } from './socket.js';
import { runSoak, SOAK_DEFAULTS } from './soak.js';
import { PREVIEW_SEMI_SPACE_MB } from '../src/adapters/preview-workers/preview-pool.js';

/** bench/README.md's section written by the soak's own run; `--readme` keeps it (declared before the top-level run uses it). */
const SOAK_HEADING = '## Soak';
const NAMES = ['http-ingress', 'socket', 'analysis', 'pool', 'e2e', 'flexpane', 'soak'] as const;
type Name = (typeof NAMES)[number];
/** What `npm run bench` (or `all`) runs: the soak takes 20 minutes, so it runs only when named (`npm run soak`). */
const DEFAULT_NAMES: readonly Name[] = ['http-ingress', 'socket', 'analysis', 'pool', 'e2e', 'flexpane'];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    rate: { type: 'string' },
    'rate-connections': { type: 'string' },
    'rate-duration': { type: 'string' },
    envelopes: { type: 'string' },
    window: { type: 'string' },
    serial: { type: 'string' },
    sizes: { type: 'string' },
    'decoder-sizes': { type: 'string' },
    reps: { type: 'string' },
    jobs: { type: 'string' },
    latency: { type: 'string' },
    concurrency: { type: 'string' },
    'stalled-jobs': { type: 'string' },
    events: { type: 'string' },
    requests: { type: 'string' },
    spans: { type: 'string' },
    burst: { type: 'string' },
    'burst-every': { type: 'string' },
    kills: { type: 'string' },
    outage: { type: 'string' },
    out: { type: 'string' },
    readme: { type: 'boolean' },
    'in-process': { type: 'boolean' },
    'no-diagnostics': { type: 'boolean' },
    'from-source': { type: 'boolean' },
    child: { type: 'boolean' },
  },
});

const num = (name: keyof typeof values, fallback: number): number => {
  const raw = values[name];
  if (typeof raw !== 'string') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return n;
};

const selected: Name[] = positionals.length === 0 || positionals[0] === 'all' ? [...DEFAULT_NAMES] : positionals.map((p) => {
  if (!(NAMES as readonly string[]).includes(p)) throw new Error(`unknown benchmark ${p}; one of ${NAMES.join(', ')}`);
  return p as Name;
});

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runOne(name: Name): Promise<BenchResult> {
  switch (name) {
    case 'http-ingress':
      return runHttpIngress(
        {
          diagnostics: values['no-diagnostics'] !== true,
          durationS: num('duration', HTTP_DEFAULTS.durationS),
          connections: num('connections', HTTP_DEFAULTS.connections),
          rounds: num('rounds', HTTP_DEFAULTS.rounds),
          warmupS: num('warmup', HTTP_DEFAULTS.warmupS),
          fixedRate: num('rate', HTTP_DEFAULTS.fixedRate),
          fixedConnections: num('rate-connections', HTTP_DEFAULTS.fixedConnections),
          fixedDurationS: num('rate-duration', HTTP_DEFAULTS.fixedDurationS),
        },
        log,
      );
    case 'socket':
      return runSocket(
        {
          diagnostics: values['no-diagnostics'] !== true,
          envelopes: num('envelopes', SOCKET_DEFAULTS.envelopes),
          window: num('window', SOCKET_DEFAULTS.window),
          rate: num('rate', SOCKET_DEFAULTS.rate),
          rateDurationS: num('rate-duration', SOCKET_DEFAULTS.rateDurationS),
          serial: num('serial', SOCKET_DEFAULTS.serial),
          warmup: num('warmup', SOCKET_DEFAULTS.warmup),
        },
        log,
      );
    case 'analysis':
      return runAnalysis(
        {
          sizes: values.sizes === undefined ? ANALYSIS_DEFAULTS.sizes : values.sizes.split(',').map((s) => Number(s.trim())),
          decoderSizes: values['decoder-sizes'] === undefined ? ANALYSIS_DEFAULTS.decoderSizes : values['decoder-sizes'].split(',').map((s) => Number(s.trim())),
          reps: values.reps === undefined ? undefined : num('reps', 1),
        },
        log,
      );
    case 'pool':
      return runPool(
        {
          jobs: num('jobs', POOL_DEFAULTS.jobs),
          latencyMs: num('latency', POOL_DEFAULTS.latencyMs),
          concurrency: num('concurrency', POOL_DEFAULTS.concurrency),
          stalledJobs: num('stalled-jobs', POOL_DEFAULTS.stalledJobs),
        },
        log,
      );
    case 'e2e':
      return runE2e({ events: num('events', E2E_DEFAULTS.events), warmup: num('warmup', E2E_DEFAULTS.warmup) }, log);
    case 'flexpane':
      return runFlexpane({ requests: num('requests', FLEXPANE_DEFAULTS.requests), latencyMs: num('latency', FLEXPANE_DEFAULTS.latencyMs), spans: num('spans', FLEXPANE_DEFAULTS.spans) }, log);
    case 'soak':
      return runSoak(
        {
          durationS: num('duration', SOAK_DEFAULTS.durationS),
          rate: num('rate', SOAK_DEFAULTS.rate),
          burst: num('burst', SOAK_DEFAULTS.burst),
          burstEveryS: num('burst-every', SOAK_DEFAULTS.burstEveryS),
          kills: num('kills', SOAK_DEFAULTS.kills),
          outageS: num('outage', SOAK_DEFAULTS.outageS),
        },
        log,
      );
  }
}

function machineLine(m: MachineInfo): string {
  return `${m.nproc} cores (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, ${m.date.slice(0, 16).replace('T', ' ')} UTC, load average at start ${m.loadAverageAtStart.join(' / ')}`;
}

/** One benchmark in a fresh `node --import tsx bench/run.ts NAME` process; its figures come back through a file. */
async function runInChild(name: Name): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lsslack-bench-run-'));
  const file = path.join(dir, `${name}.json`);
  const flags = process.argv.slice(2).filter((a) => !(NAMES as readonly string[]).includes(a) && a !== 'all' && a !== '--readme' && a !== '--in-process');
  const outAt = flags.indexOf('--out');
  if (outAt >= 0) flags.splice(outAt, 2);
  // Analysis runs in lsslack's preview workers: time it with the same young generation they get.
  const heap = name === 'analysis' ? [`--max-semi-space-size=${PREVIEW_SEMI_SPACE_MB}`] : [];
  const child = spawn(process.execPath, [...heap, '--import', 'tsx', path.join(BENCH_DIR, 'run.ts'), name, ...flags, '--out', file, '--child'], { cwd: ROOT_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`benchmark ${name} failed (exit ${code})`);
  const saved = JSON.parse(await readFile(file, 'utf8')) as { benchmarks: Record<string, Omit<BenchResult, 'name'>> };
  await rm(dir, { recursive: true, force: true });
  const result = saved.benchmarks[name];
  if (result === undefined) throw new Error(`benchmark ${name} wrote no figures`);
  return { name, ...result };
}

// Measure the daemon that ships: compile dist/ (as `npm ci` does) and run bin/lsslack.js.
if (values.child !== true && values['from-source'] !== true) {
  log('building dist/ (tsc -p tsconfig.json) so the daemon measured is the built one');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT_DIR, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('tsc -p tsconfig.json failed; fix the build or pass --from-source');
  process.env.BENCH_DAEMON = 'dist';
}

const machine = machineInfo();
if (values.child !== true) log(`machine: ${machineLine(machine)}`);
const results: BenchResult[] = [];
const started = Date.now();
// Analysis always gets its own process: it must run with the preview workers' heap settings.
const isolated = (name: Name) => values.child !== true && values['in-process'] !== true && (selected.length > 1 || name === 'analysis');
for (const name of selected) {
  if (values.child !== true) log(`\n== ${name} ==`);
  const t = Date.now();
  results.push(isolated(name) ? await runInChild(name) : await runOne(name));
  if (values.child !== true) log(`== ${name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}
const table = renderTable(results.flatMap((r) => r.rows));
process.stdout.write(`\n${table}\n\nMachine: ${machineLine(machine)}\n`);
for (const r of results) for (const note of r.notes) process.stdout.write(`- ${r.name}: ${note}\n`);

const out = values.out ?? path.join(BENCH_DIR, 'results', selected.length === DEFAULT_NAMES.length && DEFAULT_NAMES.every((n) => selected.includes(n)) ? 'latest.json' : `${selected.join('+')}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ machine, durationS: Math.round((Date.now() - started) / 1000), benchmarks: Object.fromEntries(results.map((r) => [r.name, { figures: r.figures, rows: r.rows, notes: r.notes }])) }, null, 2)}\n`);
if (values.child !== true) log(`figures written to ${path.relative(process.cwd(), out)}`);

if (values.readme === true) {
  await writeBenchReadme(table, machine, results);
  log('bench/README.md updated');
}

/** bench/README.md: how the benchmarks run, and the table of the latest full run with its machine. */
async function writeBenchReadme(tableText: string, m: MachineInfo, ran: readonly BenchResult[]): Promise<void> {
  const notes = ran.flatMap((r) => r.notes.map((n) => `- ${r.name}: ${n}`));
  const text = [
    '# Benchmarks',
    '',
    '`npm run bench` runs the benchmarks of this folder (`http-ingress`, `socket`, `analysis`, `pool`, `e2e`, `flexpane`), each in a fresh process, prints this table and writes every figure to `bench/results/latest.json`; `npm run soak` runs the 20-minute soak. One alone: `node --import tsx bench/run.ts socket --envelopes 20000` (flags in `bench/run.ts`). `--readme` rewrites this file.',
    '',
    'lsslack runs as the built `lsslack start` (dist/, compiled first; `--from-source` runs src/ under tsx) in a child process against the simulators, with the whole pipeline: every accepted event is journalled (fdatasync) before its ack and then unfurled. Peers (Bolt 5.1 HTTPReceiver, a bare `node:http` server, a bare `SocketModeClient` that only acks) get the same load in the same run, interleaved: ratios against them mean more than absolute numbers on a shared machine. Rows marked *diagnostic* repeat lsslack\'s run with the trace backend stalled, so its preview workers run nothing: the ack path alone. Not part of `npm test`; `test/integration/bench-smoke.test.ts` runs each benchmark at a tiny size.',
    '',
    `Latest run: ${machineLine(m)}.`,
    '',
    tableText,
    '',
    ...notes,
    '',
  ].join('\n');
  // The soak's section (written from its own 20-minute run) stays when the suite is rerun.
  const previous = await readFile(path.join(BENCH_DIR, 'README.md'), 'utf8').catch(() => '');
  const soak = previous.indexOf(SOAK_HEADING);
  await writeFile(path.join(BENCH_DIR, 'README.md'), soak < 0 ? text : `${text}\n${previous.slice(soak)}`);
}

