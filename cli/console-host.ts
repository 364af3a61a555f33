/**
 * The core's Host on a terminal, for local runs (`pat-lifecycle run`). Secrets the core registers are masked in
 * everything printed; secret outputs are announced, never printed; the run summary (Markdown) is written to a
 * file when one is given, else printed (masked) at the end.
 */
import { writeFileSync } from 'node:fs';
import type { Host } from '../src/host';
import type { Output } from './output';

export interface ConsoleHostOptions {
  /** Where `uploadSummary` writes the Markdown; undefined prints it. */
  summaryFile?: string;
}

export class ConsoleHost implements Host {
  /** Outputs in the order set; secret values are kept out (recorded as secret). */
  readonly outputs: { name: string; value?: string; secret: boolean }[] = [];
  private readonly summaries: string[] = [];

  constructor(
    private readonly output: Output,
    private readonly options: ConsoleHostOptions = {},
  ) {}

  setSecret(value: string): void {
    this.output.secret(value);
  }

  setOutput(name: string, value: string, options: { secret: boolean }): void {
    this.record(name, value, options.secret, 'output');
  }

  setJobVariable(name: string, value: string, options: { secret: boolean }): void {
    this.record(name, value, options.secret, 'variable');
  }

  private record(name: string, value: string, secret: boolean, what: string): void {
    if (secret) {
      this.output.secret(value);
      this.outputs.push({ name, secret: true });
      this.output.info(`${what} ${name} = (secret, not shown)`);
    } else {
      this.outputs.push({ name, value, secret: false });
      this.output.info(`${what} ${name} = ${value}`);
    }
  }

  info(message: string): void {
    this.output.info(message);
  }

  warn(message: string): void {
    this.output.warn(message);
  }

  debug(message: string): void {
    this.output.debug(message);
  }

  progress(percent: number, message: string): void {
    this.output.info(`[${Math.round(percent)}%] ${message}`);
  }

  uploadSummary(markdown: string): void {
    this.summaries.push(markdown);
  }

  /** Writes (or prints) the collected summary; called once the run ended. */
  flushSummary(): void {
    if (this.summaries.length === 0) return;
    const text = this.output.redactor.redact(this.summaries.join('\n\n'));
    if (this.options.summaryFile) {
      writeFileSync(this.options.summaryFile, text + '\n', { mode: 0o600 });
      this.output.info(`Run summary written to ${this.options.summaryFile}.`);
    } else {
      this.output.result(text);
    }
  }
}
