/**
 * `npm run screenshots`: the pictures in docs/images/, made from the product itself.
 *
 *   - form-*.png: the task's form in the classic pipeline editor, drawn from tasks/PatLifecycleV1/task.json (groups,
 *     labels, required marks, help icons, pick lists, check boxes, visibleRule evaluated by test/support/task-json.ts,
 *     the task title from instanceNameFormat) for the main combinations of action and destination.
 *   - run-summary.png: the Markdown summary a real run attaches, from the bundled task rotating PATs against the
 *     project's emulator (as `npm run demo` does), on a run's results page.
 *
 * Needs Chromium (Debian's `chromium`; CHROMIUM_PATH for another). Pages are written to .tmp/screenshots/ to inspect.
 *
 *   npm run screenshots [-- --only form|summary] [-- --scale 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTaskJson, REPO_ROOT, TASK_DIR } from '../test/support/task-json';
import { findChromium, INSTALL_HINT, pngSize, screenshot } from './screenshots/chromium';
import { renderForm, type FormShot } from './screenshots/form';
import { dataUri, readCss } from './screenshots/html';
import { captureRotationSummary } from './screenshots/run-summary';
import { renderSummaryPage } from './screenshots/summary-page';

const IMAGES = join(REPO_ROOT, 'docs', 'images');
const WORK = join(REPO_ROOT, '.tmp', 'screenshots');
const FORM_WIDTH = 1100;
const SUMMARY_WIDTH = 1280;

/** Sign-in as the README sets it up: ids and the refresh token from the sign-in variable group. */
const SIGN_IN = {
  tenantId: '$(PatLifecycle.TenantId)',
  clientId: '$(PatLifecycle.ClientId)',
  refreshToken: '$(PatLifecycle.RefreshToken)',
};
const RT_IN_GROUP = {
  refreshTokenStore: 'variableGroup',
  refreshTokenVariableGroup: 'pat-lifecycle-signin',
  refreshTokenVariableName: 'PatLifecycle.RefreshToken',
};

export const FORM_SHOTS: FormShot[] = [
  {
    file: 'form-rotate-variable-group.png',
    caption: 'rotate into a variable group, refresh token kept in a variable group',
    pipelineName: 'pat-rotation',
    values: { action: 'rotate', ...SIGN_IN, ...RT_IN_GROUP, displayName: 'feed-reader', target: 'variableGroup', variableGroup: 'pat-rotation', variableName: 'FeedPat' },
    helpOpen: 'rotateWhenExpiresWithinDays',
  },
  {
    file: 'form-rotate-key-vault.png',
    caption: 'rotate into Azure Key Vault, refresh token kept in Key Vault',
    pipelineName: 'pat-rotation',
    values: {
      action: 'rotate',
      ...SIGN_IN,
      refreshTokenStore: 'keyVault',
      refreshTokenSecretName: 'PatLifecycle-RefreshToken',
      displayName: 'deploy-bot',
      target: 'keyVault',
      azureSubscription: 'kv-connection-id',
      keyVault: 'contoso-secrets',
      secretName: 'DeployBotPat',
    },
    connectionNames: { 'kv-connection-id': 'contoso-secrets-connection' },
  },
  {
    file: 'form-create-output.png',
    caption: 'create a short-lived PAT for the next steps (secret output variable only)',
    pipelineName: 'release-publish',
    values: { action: 'create', ...SIGN_IN, ...RT_IN_GROUP, displayName: 'release-2026-11', scopes: 'vso.packaging_write', lifetimeDays: '1', target: 'outputOnly' },
    collapse: ['signin'],
    outputReferenceName: 'releasePat',
  },
  {
    file: 'form-list.png',
    caption: 'list the PATs and warn about those expiring within 14 days',
    pipelineName: 'pat-report',
    values: { action: 'list', ...SIGN_IN, ...RT_IN_GROUP, rotateWhenExpiresWithinDays: '14' },
    expand: ['advanced'],
  },
];

function parseArgs(argv: string[]): { only?: 'form' | 'summary'; scale: number } {
  const out: { only?: 'form' | 'summary'; scale: number } = { scale: 2 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--only') {
      const v = value();
      if (v !== 'form' && v !== 'summary') throw new Error('--only takes form or summary');
      out.only = v;
    } else if (flag === '--scale') {
      out.scale = Number(value());
      if (!(out.scale >= 1 && out.scale <= 3)) throw new Error('--scale takes a number from 1 to 3');
    } else throw new Error(`unknown argument ${argv[i]} (usage: npm run screenshots [-- --only form|summary] [-- --scale 2])`);
  }
  return out;
}

function report(png: string, caption: string): void {
  const buf = readFileSync(png);
  const { width, height } = pngSize(buf);
  console.log(`  ${relative(REPO_ROOT, png)}  ${width}x${height}, ${(statSync(png).size / 1024).toFixed(0)} KiB: ${caption}`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const chromium = findChromium();
  if (!chromium) {
    if (process.env.CHROMIUM_PATH) console.error(`CHROMIUM_PATH is ${process.env.CHROMIUM_PATH}, which does not exist.`);
    console.error(INSTALL_HINT);
    process.exit(1);
  }
  mkdirSync(IMAGES, { recursive: true });
  mkdirSync(WORK, { recursive: true });
  const task = loadTaskJson();

  if (opts.only !== 'summary') {
    console.log('The task form in the classic editor (from task.json):');
    const css = readCss('form.css');
    const icon = dataUri(join(TASK_DIR, 'icon.png'));
    for (const shot of FORM_SHOTS) {
      const html = join(WORK, shot.file.replace(/\.png$/, '.html'));
      writeFileSync(html, renderForm(task, shot, icon, css));
      const png = join(IMAGES, shot.file);
      screenshot(chromium, html, png, { width: FORM_WIDTH, scale: opts.scale });
      report(png, shot.caption);
    }
  }

  if (opts.only !== 'form') {
    // The summary comes from the bundled task, so bundle the current sources first (as `npm run demo` builds).
    const bundle = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (bundle.status !== 0) throw new Error(`bundling the task failed:\n${bundle.stdout}${bundle.stderr}`);
    console.log('A run summary from a real rotation (bundled task against the emulator):');
    const captured = await captureRotationSummary();
    console.log(`  the step: PatLifecycle@1 with ${Object.entries(captured.inputs).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    const generated = /Generated (\d{4})-(\d{2})-(\d{2})/.exec(captured.markdown);
    const html = join(WORK, 'run-summary.html');
    writeFileSync(join(WORK, 'run-summary.md'), captured.markdown);
    writeFileSync(
      html,
      renderSummaryPage(
        {
          markdown: captured.markdown,
          summaryFile: captured.summaryFile,
          pipelineName: 'pat-rotation',
          runTitle: 'Daily PAT rotation',
          runNumber: generated ? `#${generated[1]}${generated[2]}${generated[3]}.1` : '#1',
          trigger: 'Scheduled for main',
        },
        readCss('summary.css'),
      ),
    );
    const png = join(IMAGES, 'run-summary.png');
    screenshot(chromium, html, png, { width: SUMMARY_WIDTH, scale: opts.scale });
    report(png, `the summary the task attached (${captured.result})`);
  }
  console.log(`Pages: ${relative(REPO_ROOT, WORK)}/`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
