/**
 * Everything the command-line tool prints goes through one Output, which masks every secret it was told about
 * (refresh token, access token, client secret) before the text reaches the terminal. Messages go to stderr;
 * stdout carries only results (the status table or JSON, and the token when `--print` asks for it), so
 * `pat-lifecycle status --json > status.json` and `pat-lifecycle login --print > file` keep the data clean.
 */

import { redact, secretForms } from '../src/secret-forms';

export interface Writer {
  write(text: string): void;
}

export const MASK = '***';

/** Shorter strings are not masked: masking `a` or `12` would shred ordinary text and protects nothing. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets = new Set<string>();

  add(value: string | undefined | null): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length < MIN_SECRET_LENGTH) return;
    // A value can also leak encoded (query strings, form bodies, JSON in error text, a proxy URL, base64).
    for (const form of secretForms(trimmed)) if (form.length >= MIN_SECRET_LENGTH) this.secrets.add(form);
  }

  redact(text: string): string {
    return redact(text, this.secrets, MASK);
  }
}

export interface OutputOptions {
  stdout?: Writer;
  stderr?: Writer;
  /** Show debug lines (`--verbose`). */
  verbose?: boolean;
}

export class Output {
  readonly redactor = new Redactor();
  private readonly stdout: Writer;
  private readonly stderr: Writer;
  readonly verbose: boolean;

  constructor(options: OutputOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.verbose = options.verbose ?? false;
  }

  /** Registers a secret: from now on it is masked wherever it would appear. */
  secret(value: string | undefined | null): void {
    this.redactor.add(value);
  }

  /** A progress or result message (stderr). */
  info(message: string): void {
    this.stderr.write(this.redactor.redact(message) + '\n');
  }

  warn(message: string): void {
    this.stderr.write(this.redactor.redact(`warning: ${message}`) + '\n');
  }

  error(message: string): void {
    this.stderr.write(this.redactor.redact(`error: ${message}`) + '\n');
  }

  debug(message: string): void {
    if (this.verbose) this.stderr.write(this.redactor.redact(`debug: ${message}`) + '\n');
  }

  /** A result on stdout (table, JSON), masked like everything else. */
  result(text: string): void {
    this.stdout.write(this.redactor.redact(text) + (text.endsWith('\n') ? '' : '\n'));
  }

  /**
   * The one unmasked path: writes a secret to stdout because the user asked for it with `--print`.
   * Callers warn on stderr first.
   */
  revealSecret(value: string): void {
    this.stdout.write(value + '\n');
  }
}
