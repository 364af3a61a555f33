/** One row of the benchmark table, and the plain-text table itself. */

export type Verdict = 'PASS' | 'FAIL' | 'n/a' | 'info';

export interface Row {
  id: string;
  figure: string;
  measured: string;
  target: string;
  reference: string;
  ratio: string;
  verdict: Verdict;
  /** Everything measured, for dist/bench.json. */
  details?: Record<string, unknown>;
}

export function naRow(id: string, figure: string, target: string, reason: string, details?: Record<string, unknown>): Row {
  return { id, figure, measured: `n/a (${oneLine(reason)})`, target, reference: '-', ratio: '-', verdict: 'n/a', ...(details ? { details } : {}) };
}

export function oneLine(s: string, max = 140): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export function verdict(ok: boolean | undefined): Verdict {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL';
}

export const ms = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
export const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
export const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
export const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? 'n/a' : `${n.toFixed(2)}x`);
export const int = (n: number) => n.toLocaleString('en-US');

/** A fixed-width text table; long cells wrap onto continuation lines. */
export function renderTable(rows: Row[]): string {
  const head = ['figure', 'measured', 'target', 'reference (same run)', 'ratio', 'result'];
  const widths = [30, 42, 26, 42, 22, 6];
  const cells = rows.map((r) => [r.figure, r.measured, r.target, r.reference, r.ratio, r.verdict]);
  const lines: string[] = [];
  const sep = widths.map((w) => '-'.repeat(w)).join('-+-');
  const emit = (row: string[]) => {
    const wrapped = row.map((c, i) => wrap(c, widths[i]));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let l = 0; l < height; l++) lines.push(wrapped.map((w, i) => (w[l] ?? '').padEnd(widths[i])).join(' | ').trimEnd());
  };
  emit(head);
  lines.push(sep);
  for (const c of cells) {
    emit(c);
    lines.push(sep);
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(' ')) {
      if (line.length === 0) line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
      while (line.length > width) {
        out.push(line.slice(0, width));
        line = line.slice(width);
      }
    }
    out.push(line);
  }
  return out;
}

/** The same rows as a Markdown table (for the README / the note). */
export function renderMarkdown(rows: Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
  const lines = ['| figure | measured | target | reference (same run) | ratio | result |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${[r.figure, r.measured, r.target, r.reference, r.ratio, r.verdict].map(esc).join(' | ')} |`);
  return lines.join('\n');
}
