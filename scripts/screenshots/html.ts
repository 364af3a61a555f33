/** Small HTML helpers and the icons the pages draw (inline SVG, drawn here). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function dataUri(file: string, type = 'image/png'): string {
  return `data:${type};base64,${readFileSync(file).toString('base64')}`;
}

export function readCss(name: string): string {
  return readFileSync(join(__dirname, name), 'utf8');
}

/**
 * A whole page. The script at its end writes the height of `.shot` into <html data-shot-height>, which
 * chromium.measure() reads back with --dump-dom to size the screenshot exactly.
 */
export function page(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>${css}</style>
</head>
<body>
<div class="shot">
${body}
</div>
<script>
document.documentElement.setAttribute('data-shot-height', String(Math.ceil(document.querySelector('.shot').getBoundingClientRect().height)));
</script>
</body>
</html>
`;
}

const svg = (size: number, body: string, cls = 'icon') =>
  `<svg class="${cls}" width="${size}" height="${size}" viewBox="0 0 16 16" aria-hidden="true">${body}</svg>`;

export const icons = {
  info: () =>
    svg(14, '<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.1"/><rect x="7.45" y="7" width="1.1" height="4.6" fill="currentColor"/><circle cx="8" cy="5" r="0.75" fill="currentColor"/>', 'icon info'),
  chevronDown: () => svg(12, '<path d="M3 6l5 5 5-5" fill="none" stroke="currentColor" stroke-width="1.4"/>', 'icon chevron'),
  chevronRight: () => svg(12, '<path d="M6 3l5 5-5 5" fill="none" stroke="currentColor" stroke-width="1.4"/>', 'icon chevron'),
  check: () => svg(12, '<path d="M3 8.5l3 3 7-7" fill="none" stroke="currentColor" stroke-width="1.8"/>', 'icon tick'),
  plus: () => svg(14, '<path d="M8 2.5v11M2.5 8h11" stroke="currentColor" stroke-width="1.3"/>', 'icon plus'),
  refresh: () =>
    svg(14, '<path d="M12.6 6.2A4.9 4.9 0 1 0 13 9.5" fill="none" stroke="currentColor" stroke-width="1.2"/><path d="M13.2 2.6v3.9H9.3" fill="none" stroke="currentColor" stroke-width="1.2"/>', 'icon refresh'),
  external: () =>
    svg(12, '<path d="M9 2.5h4.5V7M13.5 2.5L7.5 8.5M11.5 9.5v4h-9v-9h4" fill="none" stroke="currentColor" stroke-width="1.2"/>', 'icon external'),
  link: () =>
    svg(14, '<path d="M6.5 9.5l3-3M7 4.5l1.3-1.3a2.6 2.6 0 0 1 3.7 3.7L10.7 8.2M9 11.5l-1.3 1.3A2.6 2.6 0 0 1 4 9.1l1.3-1.3" fill="none" stroke="currentColor" stroke-width="1.2"/>'),
  doc: () => svg(14, '<path d="M4 1.8h5.5L12.5 5v9.2H4z M9.5 1.8V5h3" fill="none" stroke="currentColor" stroke-width="1.1"/><path d="M6 8h4.5M6 10.5h4.5" stroke="currentColor" stroke-width="1"/>'),
  trash: () =>
    svg(14, '<path d="M3 4h10M6.2 4V2.5h3.6V4M4.4 4l.7 9.5h5.8l.7-9.5" fill="none" stroke="currentColor" stroke-width="1.1"/>'),
  successCircle: (size = 18) => svg(size, '<circle cx="8" cy="8" r="7.5" fill="#107c10"/><path d="M4.6 8.3l2.2 2.2 4.6-4.6" fill="none" stroke="#fff" stroke-width="1.5"/>', 'icon status'),
  pipeline: () =>
    svg(16, '<rect x="1.5" y="2" width="5" height="4" rx=".6" fill="none" stroke="currentColor" stroke-width="1.1"/><rect x="9.5" y="10" width="5" height="4" rx=".6" fill="none" stroke="currentColor" stroke-width="1.1"/><path d="M6.5 4h2.5v8h.5" fill="none" stroke="currentColor" stroke-width="1.1"/>'),
  source: () =>
    svg(16, '<circle cx="4.5" cy="3.5" r="1.7" fill="none" stroke="currentColor" stroke-width="1.1"/><circle cx="4.5" cy="12.5" r="1.7" fill="none" stroke="currentColor" stroke-width="1.1"/><circle cx="11.5" cy="6" r="1.7" fill="none" stroke="currentColor" stroke-width="1.1"/><path d="M4.5 5.2v5.6M11.5 7.7c0 2.3-7 1.3-7 3.1" fill="none" stroke="currentColor" stroke-width="1.1"/>'),
  job: () =>
    svg(16, '<rect x="2" y="2.5" width="12" height="11" rx="1" fill="none" stroke="currentColor" stroke-width="1.1"/><path d="M2 5.5h12" stroke="currentColor" stroke-width="1.1"/>'),
};
