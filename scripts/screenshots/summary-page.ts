/**
 * A run's results page with the task's summary on it. Azure DevOps shows a summary uploaded with
 * ##vso[task.uploadsummary] on the run's "Extensions" tab, in a section titled with the uploaded file's name (without
 * .md); the section's content is the Markdown, rendered here by markdown.ts.
 */
import { esc, icons, page } from './html';
import { markdownToHtml } from './markdown';

export interface SummaryPage {
  markdown: string;
  /** The uploaded file's name, e.g. pat-lifecycle-summary-1a2b3c4d5e6f.md. */
  summaryFile: string;
  pipelineName: string;
  runTitle: string;
  /** `#20261224.1`: the run number Azure Pipelines gives by default (date.revision). */
  runNumber: string;
  trigger: string;
}

export function renderSummaryPage(s: SummaryPage, css: string): string {
  const sectionTitle = s.summaryFile.replace(/\.md$/i, '');
  const tabs = ['Summary', 'Extensions'].map((t) => `<span class="tab${t === 'Extensions' ? ' active' : ''}">${t}</span>`).join('');
  const body = `
<div class="run">
  <div class="run-header">
    <div class="crumbs">${icons.pipeline()}<span>${esc(s.pipelineName)}</span></div>
    <div class="run-title">${icons.successCircle(22)}<h1>${esc(s.runNumber)} &bull; ${esc(s.runTitle)}</h1></div>
    <div class="run-sub">${esc(s.trigger)}</div>
    <div class="tabs">${tabs}</div>
  </div>
  <div class="content">
    <section class="card">
      <header>${esc(sectionTitle)}</header>
      <div class="markdown">
${markdownToHtml(s.markdown)}
      </div>
    </section>
  </div>
</div>`;
  return page(`${s.runNumber} ${s.runTitle}`, css, body);
}
