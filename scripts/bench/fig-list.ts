/**
 * Figure 5: `list` over 1,000 / 5,000 / 10,000 PATs (10 / 50 / 100 pages): one pass over the pages, peak RSS of the
 * task process (process.resourceUsage().maxRSS from the probe preload; /proc VmHWM polling as a fallback), and
 * linear growth. Reference: a sequential loop of plain fetches over the same pages (scripts/bench/plain-list.mjs).
 */
import { resolve } from 'node:path';
import { runTask } from '../../test/support/run-task';
import { median, runTimed, withNodeOptions, PROBE } from './proc';
import { int, mb, ms, naRow, oneLine, verdict, x, type Row } from './table';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestLogEntry } from '../../test/emulator';
import { createWorld, failureOf, seedPats, taskOptions, type World } from './world';

export const LIST_MAX_RSS = 100 * 1024 * 1024;
const PLAIN_LIST = resolve(__dirname, 'plain-list.mjs');

interface SizeResult {
  pats: number;
  expectedPages: number;
  listRequests: number[];
  listed?: number;
  taskMs: number[];
  taskRssKb: number[];
  taskHeapTotalKb: number[];
  taskHeapUsedKb: number[];
  plainMs: number[];
  plainRssKb: number[];
  plainPages?: number;
  /** Median gap between consecutive page requests, last 10 pages over first 10 (1 = flat), per run. */
  taskPageGrowth: number[];
  plainPageGrowth: number[];
  failure?: string;
}

/** Within one run: do later pages take longer than early ones? (A pass that re-walks or re-sorts would.) */
function pageGrowth(entries: RequestLogEntry[]): number | undefined {
  const t = entries.filter((e) => e.route === 'pats.list').map((e) => Date.parse(e.time));
  if (t.length < 25) return undefined;
  const gaps = t.slice(1).map((v, i) => v - t[i]);
  const first = median(gaps.slice(0, 10));
  const last = median(gaps.slice(-10));
  return last / Math.max(first, 0.5);
}

export async function listFigure(opts: { sizes: number[]; runs: number; log: (m: string) => void }): Promise<Row> {
  const figure = `list ${int(Math.max(...opts.sizes))} PATs (${Math.max(...opts.sizes) / 100} pages)`;
  const target = 'one pass, peak RSS <= 100 MiB, linear in pages';
  let w: World | undefined;
  try {
    w = await createWorld();
    const results: SizeResult[] = [];
    const bareRss: number[] = [];
    for (let i = 0; i < 3; i++) {
      const b = await runTimed(['-e', '0'], { env: { ...w.emu.childEnv(), PATH: process.env.PATH ?? '' }, probe: true });
      if (b.probe) bareRss.push(b.probe.maxRssKb * 1024);
    }
    const tSeed = Date.now();
    for (const n of opts.sizes) {
      const org = `list${n}`;
      w.emu.control.devops.addOrganization({ name: org });
      seedPats(w, n, `list-${n}-`, 60, org);
    }
    opts.log(`  seeded ${int(opts.sizes.reduce((a, b) => a + b, 0))} PATs in ${ms(Date.now() - tSeed)}`);
    for (const n of opts.sizes) {
      const org = `list${n}`;
      const r: SizeResult = { pats: n, expectedPages: Math.max(1, Math.ceil(n / 100)), listRequests: [], taskMs: [], taskRssKb: [], taskHeapTotalKb: [], taskHeapUsedKb: [], plainMs: [], plainRssKb: [], taskPageGrowth: [], plainPageGrowth: [] };
      results.push(r);
      const plainEnv = {
        ...w.emu.childEnv(),
        PATH: process.env.PATH ?? '',
        BENCH_PLAIN: JSON.stringify({ authorityHost: w.emu.urls.authorityHost, vssps: w.emu.urls.vssps, tenantId: w.tenantId, clientId: w.clientId, refreshToken: w.refreshToken, org }),
      };
      for (let i = 0; i < opts.runs; i++) {
        const dir = mkdtempSync(join(tmpdir(), 'pat-bench-list-'));
        const probeFile = join(dir, 'probe.json');
        try {
          const base = taskOptions(w, { action: 'list', organization: org });
          const env = withNodeOptions({ ...(base.env as Record<string, string>), BENCH_PROBE_OUT: probeFile }, `--require ${PROBE}`);
          const before = w.emu.log.entries().length;
          const run = await runTask({ ...base, env, timeoutMs: 120_000 });
          const entries = w.emu.log.entries().slice(before);
          const failure = failureOf(run);
          if (failure) {
            r.failure = failure;
            break;
          }
          r.taskMs.push(run.durationMs);
          r.listRequests.push(entries.filter((e) => e.route === 'pats.list').length);
          const g = pageGrowth(entries);
          if (g !== undefined) r.taskPageGrowth.push(g);
          const listed = /(\d+) listed/.exec(run.message ?? '');
          r.listed = listed ? Number(listed[1]) : undefined;
          if (existsSync(probeFile)) {
            const probe = JSON.parse(readFileSync(probeFile, 'utf8')) as { maxRssKb: number; heapTotalKb?: number; heapUsedKb?: number };
            r.taskRssKb.push(probe.maxRssKb);
            if (probe.heapTotalKb !== undefined) r.taskHeapTotalKb.push(probe.heapTotalKb);
            if (probe.heapUsedKb !== undefined) r.taskHeapUsedKb.push(probe.heapUsedKb);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
        const beforePlain = w.emu.log.entries().length;
        const p = await runTimed([PLAIN_LIST], { env: plainEnv, probe: true, timeoutMs: 120_000 });
        const pg = pageGrowth(w.emu.log.entries().slice(beforePlain));
        if (pg !== undefined) r.plainPageGrowth.push(pg);
        if (p.code === 0) {
          r.plainMs.push(p.ms);
          if (p.probe) r.plainRssKb.push(p.probe.maxRssKb);
          r.plainPages = (JSON.parse(p.stdout.trim().split('\n').pop() ?? '{}') as { pages?: number }).pages;
        } else if (i === 0) opts.log(`  plain list ${n}: ${oneLine(p.stderr)}`);
      }
      opts.log(`  list ${int(n)}: task ${ms(median(r.taskMs))}, ${mb(median(r.taskRssKb) * 1024)} peak RSS, ${median(r.listRequests)} pages; plain ${ms(median(r.plainMs))}, ${mb(median(r.plainRssKb) * 1024)}${r.failure ? `; ${r.failure}` : ''}`);
    }
    const big = results[results.length - 1];
    if (big.taskMs.length === 0) return naRow('list', figure, target, big.failure ?? 'no run', { sizes: results });
    const med = (a: number[]) => (a.length > 0 ? median(a) : NaN);
    const onePass = results.every((r) => r.taskMs.length === 0 || (med(r.listRequests) === r.expectedPages && (r.listed === undefined || r.listed === r.pats)));
    const rss = med(big.taskRssKb) * 1024;
    // Linear: the marginal cost per page (time and RSS) between consecutive sizes stays within 2x.
    const slopes = (f: (r: SizeResult) => number) => results.slice(1).map((r, i) => (f(r) - f(results[i])) / (r.expectedPages - results[i].expectedPages));
    const timeSlopes = slopes((r) => med(r.taskMs));
    const rssSlopes = slopes((r) => med(r.taskRssKb) / 1024);
    // Linear, judged inside the largest run (immune to run-to-run noise): the gap between page requests must not grow
    // from the first 10 pages to the last 10 by more than 2x (or 1.5x what the plain loop shows, the emulator's share).
    // The marginal cost per page between sizes (time, RSS) is reported alongside.
    const growth = big.taskPageGrowth.length > 0 ? med(big.taskPageGrowth) : undefined;
    const plainGrowth = big.plainPageGrowth.length > 0 ? med(big.plainPageGrowth) : undefined;
    const linear = growth === undefined ? undefined : growth <= Math.max(2, 1.5 * (plainGrowth ?? 0));
    const plainRss = med(big.plainRssKb) * 1024;
    const sizesText = results.map((r) => `${int(r.pats)}: ${ms(med(r.taskMs))}, ${mb(med(r.taskRssKb) * 1024)} (V8 heap at exit ${mb(med(r.taskHeapTotalKb) * 1024)}, ${mb(med(r.taskHeapUsedKb) * 1024)} used), ${med(r.listRequests)}/${r.expectedPages} pages`).join('; ');
    const refText = results.map((r) => `${int(r.pats)}: ${ms(med(r.plainMs))}, ${mb(med(r.plainRssKb) * 1024)}`).join('; ');
    return {
      id: 'list',
      figure,
      measured: `peak RSS ${mb(rss)} at ${int(big.pats)}. ${sizesText}; marginal ${timeSlopes.map((s) => `${s.toFixed(1)}`).join(' / ')} ms/page, ${rssSlopes.map((s) => s.toFixed(2)).join(' / ')} MiB/page; page gap last/first 10 pages ${growth !== undefined ? `${growth.toFixed(2)}x` : 'n/a'} (plain ${plainGrowth !== undefined ? `${plainGrowth.toFixed(2)}x` : 'n/a'})${onePass ? '' : ' (NOT one pass)'}${linear === false ? ' (NOT linear)' : ''}`,
      target,
      reference: `plain fetch loop: ${refText}; bare node -e 0: ${mb(med(bareRss))}`,
      ratio: `${x(med(big.taskMs) / med(big.plainMs))} time, ${x(rss / plainRss)} RSS (at ${int(big.pats)})`,
      verdict: linear === undefined ? (onePass && rss <= LIST_MAX_RSS ? 'n/a' : 'FAIL') : verdict(onePass && rss <= LIST_MAX_RSS && linear),
      details: { sizes: results, bareNodeRssBytes: med(bareRss), onePass, linear, pageGapGrowth: growth, plainPageGapGrowth: plainGrowth, timeSlopesMsPerPage: timeSlopes, rssSlopesMiBPerPage: rssSlopes, peakRssBytes: rss, medianOf: opts.runs },
    };
  } catch (err) {
    return naRow('list', figure, target, String(err instanceof Error ? err.message : err));
  } finally {
    await w?.close();
  }
}
