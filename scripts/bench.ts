/**
 * `npm run bench`: the performance figures of the task, each next to its target and a reference measured in the
 * same run, against the local emulator (test/emulator). The machine is noisy: timed figures are medians of several
 * interleaved runs, judged against references measured alongside (the floor of the required libraries; the critical
 * path of requests under added latency). Nothing here asserts; every
 * figure degrades to "n/a (reason)" when the product cannot produce it yet.
 *
 *   tsx scripts/bench.ts [--runs 5] [--list 1000,5000,10000] [--list-runs 2] [--bulk 200] [--bulk-latency 50]
 *                        [--bulk-kv N] [--only vsix,startup,requests,list,bulk] [--json dist/bench.json]
 *                        [--quick]   (3 runs, 1 list run, bulk of 50: about half the time)
 *
 * Writes dist/bench.json (every number) and dist/bench.md (the table as Markdown, for the README).
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT as ROOT } from '../test/support/task-json';
import { bulkFigure } from './bench/fig-bulk';
import { listFigure } from './bench/fig-list';
import { requestsFigure, type ActionCount } from './bench/fig-requests';
import { startupFigures } from './bench/fig-startup';
import { vsixFigure } from './bench/fig-vsix';
import { ms, naRow, renderMarkdown, renderTable, type Row } from './bench/table';

interface Options {
  runs: number;
  listSizes: number[];
  listRuns: number;
  bulk: number;
  bulkLatency: number;
  bulkKv: number;
  only?: Set<string>;
  json: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 5, listSizes: [1000, 5000, 10000], listRuns: 2, bulk: 200, bulkLatency: 50, bulkKv: 0, json: join(ROOT, 'dist', 'bench.json') };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? '';
    const num = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
      return n;
    };
    switch (flag) {
      case '--runs':
        o.runs = Math.max(1, num());
        break;
      case '--list':
        o.listSizes = value()
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
        break;
      case '--list-runs':
        o.listRuns = Math.max(1, num());
        break;
      case '--bulk':
        o.bulk = num();
        break;
      case '--bulk-latency':
        o.bulkLatency = num();
        break;
      case '--bulk-kv':
        o.bulkKv = num();
        break;
      case '--only':
        o.only = new Set(value().split(','));
        break;
      case '--quick':
        o.runs = 3;
        o.listRuns = 1;
        o.bulk = 50;
        break;
      case '--json':
        o.json = value();
        break;
      case '--help':
      case '-h':
        console.log('usage: tsx scripts/bench.ts [--runs N] [--list 1000,5000,10000] [--list-runs N] [--bulk N] [--bulk-latency MS] [--bulk-kv N] [--only vsix,startup,requests,list,bulk] [--json FILE] [--quick]');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return o;
}

function machine() {
  const c = cpus();
  return {
    cores: availableParallelism(),
    cpu: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
  };
}

/** Newest modification time under a folder (to warn about a stale bundle). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const want = (name: string) => !o.only || o.only.has(name);
  const log = (m: string) => console.log(m);
  const m = machine();
  log(`PAT Lifecycle benchmark: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average ${m.loadAverageAtStart.join(' ')}`);
  log(`medians of ${o.runs} interleaved runs; references measured in the same run\n`);

  const bundle = join(ROOT, 'tasks', 'PatLifecycleV1', 'dist', 'main.js');
  const warnings: string[] = [];
  if (!existsSync(bundle)) warnings.push('tasks/PatLifecycleV1/dist/main.js is missing: run `npm run bundle` (task figures will be n/a)');
  else if (newest(join(ROOT, 'src')) > statSync(bundle).mtimeMs || newest(join(ROOT, 'tasks', 'PatLifecycleV1', 'src')) > statSync(bundle).mtimeMs) {
    warnings.push('the bundle is older than src/: the figures are for the last `npm run bundle`, not for the sources as they are now');
  }
  for (const w of warnings) log(`warning: ${w}`);

  const section = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    log(`[${name}] ...`);
    const r = await f();
    log(`[${name}] ${ms(Date.now() - t0)}`);
    return r;
  };

  const rows: Row[] = [];
  if (want('vsix')) rows.push(await section('VSIX', async () => vsixFigure()));
  if (want('startup')) rows.push(...(await section('cold start + whole rotate', () => startupFigures({ runs: o.runs, log }))));
  if (want('requests')) rows.push(await section('requests per action', () => requestsFigure(log)));
  if (want('list')) rows.push(await section('list', () => listFigure({ sizes: o.listSizes, runs: o.listRuns, log })));
  if (want('bulk')) {
    if (o.bulk > 0) rows.push(await section('bulk', () => bulkFigure({ size: o.bulk, latencyMs: o.bulkLatency, log })));
    else rows.push(naRow('bulk', 'bulk rotate', 'concurrency 4, <= 0.35 x sequential', 'skipped (--bulk 0)'));
    if (o.bulkKv > 0) {
      const kvRow = await section('bulk (Key Vault, diagnostic)', () => bulkFigure({ size: o.bulkKv, latencyMs: o.bulkLatency, log, target: 'keyVault' }));
      rows.push({ ...kvRow, id: 'bulkKeyVault', verdict: kvRow.verdict === 'n/a' ? 'n/a' : 'info' });
    }
  }

  const totalMs = Date.now() - started;
  log('');
  log(renderTable(rows));
  const requestRow = rows.find((r) => r.id === 'requests');
  if (requestRow?.details) printRequests(requestRow.details.actions as ActionCount[], log);
  log(`\n${m.cores} cores, Node ${m.node}; total ${ms(totalMs)}; load average at end ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);

  const report = {
    generatedAt: new Date().toISOString(),
    machine: { ...m, loadAverageAtEnd: loadavg().map((n) => Number(n.toFixed(2))) },
    options: { ...o, only: o.only ? [...o.only] : undefined },
    warnings,
    totalMs,
    rows,
  };
  mkdirSync(dirname(o.json), { recursive: true });
  writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
  const md = join(dirname(o.json), 'bench.md');
  writeFileSync(
    md,
    `Measured ${report.generatedAt.slice(0, 10)} on ${m.cores} cores (${m.cpu}), Node ${m.node}; medians of ${o.runs} runs, references measured in the same run.\n\n${renderMarkdown(rows)}\n`,
  );
  log(`wrote ${relative(ROOT, o.json)} and ${relative(ROOT, md)}`);
}

function printRequests(actions: ActionCount[], log: (m: string) => void): void {
  log('\nRequests per action (emulator request log; refresh token saved to a variable group in every run):');
  for (const a of actions) {
    log(`  ${a.action}: ${a.ok ? `${a.total} requests (minimum ${a.minimum})` : `FAILED (${a.failure})`}`);
    log(`      ${a.sequence.join(', ')}`);
    if (a.extra.length) log(`      over the minimum: ${a.extra.join(', ')}`);
    if (a.missing.length) log(`      under the minimum (fine): ${a.missing.join(', ')}`);
    if (a.discovery.length) log(`      DISCOVERY: ${a.discovery.join(', ')}`);
    if (a.testbedOnly.length) log(`      emulator only, not counted: ${a.testbedOnly.join(', ')} (MSAL on a non-Microsoft authority host)`);
    if (a.repeatedGets.length) log(`      REPEATED GET: ${a.repeatedGets.join('; ')}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
