/** Prints a rows x columns grid of short cell texts as a fixed-width table (plain ASCII, so CI logs keep it). */
export function renderTable(title: string, corner: string, rows: string[], columns: string[], cell: (row: string, column: string) => string): string {
  const body = rows.map((r) => [r, ...columns.map((c) => cell(r, c))]);
  const header = [corner, ...columns];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [title, line(header), rule, ...body.map(line)].join('\n');
}
