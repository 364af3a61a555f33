/**
 * Headless Chromium, Debian's package: one process per page, a fresh profile each time, nothing fetched from the
 * network. A page is measured first (`--dump-dom` after an inline script wrote its height into the DOM), then shot at
 * exactly that size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary: $CHROMIUM_PATH, else Debian's. Undefined when there is none. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((c) => existsSync(c));
}

export const INSTALL_HINT = [
  'Chromium is needed to take the screenshots and was not found at /usr/bin/chromium.',
  'On Debian or Ubuntu install it (and fonts close to the Azure DevOps ones) with:',
  '',
  '  sudo apt-get update && sudo apt-get install -y chromium fonts-noto-core fonts-noto-color-emoji',
  '',
  'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
].join('\n');

export interface ShotOptions {
  /** CSS pixels. */
  width: number;
  /** Device pixels per CSS pixel. */
  scale: number;
}

function run(chromium: string, args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), 'pat-lifecycle-chromium-'));
  try {
    const res = spawnSync(
      chromium,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        '--mute-audio',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
    );
    if (res.error) throw new Error(`could not run ${chromium}: ${res.error.message}`);
    if (res.status !== 0) throw new Error(`${chromium} exited with ${res.status}:\n${res.stderr}`);
    return res.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The height in CSS pixels the page reports in <html data-shot-height>, laid out at `width`. */
export function measure(chromium: string, htmlFile: string, width: number): number {
  const dom = run(chromium, [`--window-size=${width},800`, '--dump-dom', pathToFileURL(htmlFile).href]);
  const m = /data-shot-height="(\d+)"/.exec(dom);
  if (!m) throw new Error(`${htmlFile} did not report its height (no data-shot-height in the DOM)`);
  return Number(m[1]);
}

/** Screenshots the page at `width` x its measured height; returns that height. */
export function screenshot(chromium: string, htmlFile: string, pngFile: string, o: ShotOptions): { width: number; height: number } {
  const height = measure(chromium, htmlFile, o.width);
  rmSync(pngFile, { force: true });
  run(chromium, [
    `--window-size=${o.width},${height}`,
    `--force-device-scale-factor=${o.scale}`,
    `--screenshot=${pngFile}`,
    pathToFileURL(htmlFile).href,
  ]);
  if (!existsSync(pngFile)) throw new Error(`Chromium wrote no ${pngFile}`);
  shrink(pngFile);
  return { width: o.width, height };
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(buf: Buffer): { width: number; height: number } {
  if (buf.readUInt32BE(0) !== 0x89504e47 || buf.toString('ascii', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/**
 * Palette-quantises the PNG with Debian's pngquant when it is installed (`apt-get install pngquant`): the run summary
 * ships inside the VSIX, whose size is a target, and screenshots of flat UI lose nothing visible at 70-90 quality.
 */
function shrink(pngFile: string): void {
  const res = spawnSync('pngquant', ['--quality', '70-90', '--skip-if-larger', '--force', '--output', pngFile, pngFile], { stdio: 'ignore' });
  if (res.error) console.log(`  (pngquant not found: ${pngFile} left as Chromium wrote it)`);
}
