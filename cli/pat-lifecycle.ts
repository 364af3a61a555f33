/**
 * pat-lifecycle: the command-line tool. Dispatches to login, status and run; turns every failure into a message
 * and an exit code (0 ok, 1 error, 2 usage, 3 status needs attention). Everything printed goes through Output,
 * which masks the secrets it knows.
 */
// First, before any dependency loads (see there).
import './safe-env';
import packageJson from '../package.json';
import { PatLifecycleError } from '../src/errors';
import { environmentProblems } from '../src/config/environment';
import { EXIT, parseCommandLine, UsageError } from './args';
import type { OpenBrowser } from './browser-flow';
import { HELP } from './help';
import { Output, type Writer } from './output';
import { createCoreServices } from './core-services';
import { runLogin } from './login';
import { systemBrowser } from './open-browser';
import { RUN_HELP, runLocal } from './run-command';
import type { CliServices } from './services';
import { SignInFailedError } from './sign-in';
import { runStatus } from './status';
import { terminalConfirm } from './confirm';

export interface MainIo {
  stdout?: Writer;
  stderr?: Writer;
  env?: Record<string, string | undefined>;
  /** Replaces the platform browser (tests follow the URL themselves). */
  openBrowser?: OpenBrowser;
  /** Replaces the core-backed services (tests of the commands' logic). */
  services?: CliServices;
  /** Replaces the terminal's yes/no question (login --service-connection creating a connection). */
  confirm?: (question: string) => Promise<boolean>;
}

const VERSION = packageJson.version;

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const bootstrap = new Output({ stdout: io.stdout, stderr: io.stderr });
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv, env);
  } catch (err) {
    if (err instanceof UsageError) {
      for (const p of err.problems) bootstrap.error(p);
      const command = argv[0] === 'login' || argv[0] === 'status' || argv[0] === 'run' ? argv[0] : argv[0] === 'doctor' ? 'run' : undefined;
      bootstrap.info(`Run 'pat-lifecycle help${command ? ` ${command}` : ''}' for the flags.`);
      return EXIT.usage;
    }
    throw err;
  }

  if (parsed.command === 'run' || parsed.command === 'login' || parsed.command === 'status') {
    // Before any credential is read or sent; the same rules as the pipeline task.
    const unsafe = environmentProblems(env, io.env ? [] : process.execArgv);
    if (unsafe.length > 0) {
      for (const e of unsafe) bootstrap.error(e.describe());
      return EXIT.usage;
    }
  }

  switch (parsed.command) {
    case 'help':
      bootstrap.result(parsed.topic === 'run' || parsed.topic === 'doctor' ? RUN_HELP : (HELP[parsed.topic ?? 'general'] ?? HELP.general));
      return EXIT.ok;
    case 'version':
      bootstrap.result(VERSION);
      return EXIT.ok;
    case 'run': {
      const output = new Output({ stdout: io.stdout, stderr: io.stderr, verbose: parsed.argv.includes('--verbose') });
      return guarded(output, async () => {
        return runLocal(parsed.argv, { output, env });
      });
    }
    case 'login':
    case 'status': {
      const settings = parsed.settings;
      const output = new Output({ stdout: io.stdout, stderr: io.stderr, verbose: settings.verbose });
      output.secret(settings.signIn.clientSecret);
      // Said plainly, as the task does: credentials are about to go somewhere other than the defaults.
      for (const o of settings.urls.overrides ?? []) output.info(`${o.variable} is set: credentials for this service go to ${o.host}.`);
      const services = io.services ?? createCoreServices(env);
      const openBrowser = io.openBrowser ?? systemBrowser({ env, secretEnvNames: settings.signIn.clientSecretEnv ? [settings.signIn.clientSecretEnv] : [] });
      try {
        return await guarded(output, async () => {
          if (parsed.command === 'login') {
            await runLogin(parsed.settings, { output, services, openBrowser, confirm: io.confirm ?? terminalConfirm() });
            return EXIT.ok;
          }
          return runStatus(parsed.settings, { output, services, openBrowser });
        });
      } finally {
        await services.close().catch(() => undefined);
      }
    }
  }
}

/** Runs a command; a failure becomes a message on stderr and exit code 1. */
async function guarded(output: Output, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    output.error(describeFailure(err));
    output.debug(err instanceof Error && err.stack ? err.stack : String(err));
    return err instanceof UsageError ? EXIT.usage : EXIT.error;
  }
}

export function describeFailure(err: unknown): string {
  if (err instanceof SignInFailedError) return err.explain();
  if (err instanceof UsageError) return err.problems.join('\n');
  if (err instanceof PatLifecycleError) return err.describe();
  // Not ours: the class and message only (messages of the SDKs used here carry no token values; Output masks anyway).
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `Unexpected error: ${message}`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Pooled connections of the SDKs may keep the loop alive for a while; nothing is left to do.
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (err) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.error);
    },
  );
}
