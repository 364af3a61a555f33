/**
 * What the core needs from where it runs. The pipeline task implements it with azure-pipelines-task-lib,
 * the command-line tool with the console. The core never imports task-lib.
 */
export interface Host {
  /** Registers a value with the log masker. Call it the moment a secret is known, before anything can print it. */
  setSecret(value: string): void;
  /** Output variable of this step (`isOutput=true`). */
  setOutput(name: string, value: string, options: { secret: boolean }): void;
  /** Job variable for later steps (no `isOutput`). */
  setJobVariable(name: string, value: string, options: { secret: boolean }): void;
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** False when debug lines are thrown away (the agent shows them only with System.Debug): the core then skips composing them. */
  readonly debugging?: boolean;
  /** Progress of multi-step work, 0-100. */
  progress(percent: number, message: string): void;
  /** Attaches Markdown to the run's summary page. */
  uploadSummary(markdown: string): void;
}
