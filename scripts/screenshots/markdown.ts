/**
 * Markdown to HTML for the subset the run summary (src/report/summary.ts) writes: ATX headings, paragraphs, `**bold**`,
 * `*italic*`, `` `code` ``, pipe tables, `- ` lists and the inline HTML tag `<sub>`. Like a sanitising renderer, it lets
 * only that tag through as HTML; any other `<` is shown as text, and entities the summary already escaped stay as they
 * are. Anything outside the subset comes out as plain text, so the screenshot never shows more than the Markdown says.
 */

const ALLOWED_TAGS = /^<\/?sub>/i;

/** Escapes text for HTML, keeping entities (`&amp;`, `&#124;`) and the allowed tags. */
function escapeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '<') {
      const tag = ALLOWED_TAGS.exec(text.slice(i));
      if (tag) {
        out += tag[0].toLowerCase();
        i += tag[0].length - 1;
      } else out += '&lt;';
    } else if (ch === '>') out += '&gt;';
    else if (ch === '&') out += /^&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(text.slice(i)) ? '&' : '&amp;';
    else if (ch === '"') out += '&quot;';
    else out += ch;
  }
  return out;
}

/** Inline formatting: code spans first (their content is literal), then bold and italic, then backslash escapes. */
export function inline(text: string): string {
  const parts = text.split(/(`[^`]+`)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return `<code>${escapeText(part.slice(1, -1))}</code>`;
      return escapeText(part)
        .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])/g, '$1<em>$2</em>')
        .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1');
    })
    .join('');
}

/** A table row's cells: split on pipes that are not escaped, outer pipes dropped. */
function cells(row: string): string[] {
  const trimmed = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  const out: string[] = [];
  let cell = '';
  for (let i = 0; i < trimmed.length; i++) {
    if (trimmed[i] === '\\' && trimmed[i + 1] === '|') {
      cell += '\\|';
      i++;
    } else if (trimmed[i] === '|') {
      out.push(cell.trim());
      cell = '';
    } else cell += trimmed[i];
  }
  out.push(cell.trim());
  return out;
}

const isDelimiterRow = (line: string) => /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line);
const alignOf = (spec: string) => (/^:-+:$/.test(spec) ? 'center' : /-:$/.test(spec) ? 'right' : /^:-/.test(spec) ? 'left' : undefined);

export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }
    if (line.includes('|') && i + 1 < lines.length && isDelimiterRow(lines[i + 1])) {
      const header = cells(line);
      const aligns = cells(lines[i + 1]).map(alignOf);
      const attr = (c: number) => (aligns[c] ? ` style="text-align:${aligns[c]}"` : '');
      // A short cell without spaces (a name, a date, a number) is kept on one line instead of breaking at its hyphens.
      const td = (c: number, text: string) => `<td${attr(c)}${text.length <= 24 && !/\s/.test(text) ? ' class="nowrap"' : ''}>${inline(text)}</td>`;
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && lines[i].trim() !== '' && lines[i].includes('|')) rows.push(cells(lines[i++]));
      html.push('<table>');
      html.push(`<thead><tr>${header.map((h, c) => `<th${attr(c)}>${inline(h)}</th>`).join('')}</tr></thead>`);
      html.push('<tbody>');
      for (const row of rows) html.push(`<tr>${header.map((_, c) => td(c, row[c] ?? '')).join('')}</tr>`);
      html.push('</tbody></table>');
      continue;
    }
    if (/^\s*[-*+]\s+/.test(line)) {
      html.push('<ul>');
      while (i < lines.length && /^\s*[-*+]\s+/.test(lines[i])) html.push(`<li>${inline(lines[i++].replace(/^\s*[-*+]\s+/, ''))}</li>`);
      html.push('</ul>');
      continue;
    }
    // A paragraph: consecutive lines that start no other block.
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^#{1,6}\s/.test(lines[i]) && !/^\s*[-*+]\s+/.test(lines[i])) {
      if (lines[i].includes('|') && i + 1 < lines.length && isDelimiterRow(lines[i + 1])) break;
      para.push(lines[i++].trim());
    }
    html.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return html.join('\n');
}
