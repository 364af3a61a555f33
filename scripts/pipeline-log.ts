/**
 * A task run's log the way the pipeline's log view shows it: logging commands are consumed by the agent, issues get
 * their ##[warning] / ##[error] marker, registered secrets show as ***. Shared by `npm run demo` and `npm run task:local`.
 */
import type { TaskRun } from '../test/support/run-task';

const color = process.stdout.isTTY ? (code: number, s: string) => `\x1b[${code}m${s}\x1b[0m` : (_: number, s: string) => s;

/** The escaping of logging command data (azure-pipelines-task-lib, taskcommand.ts), undone. */
function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%5D/gi, ']').replace(/%3B/gi, ';').replace(/%25/g, '%');
}

export function printAsPipeline(run: TaskRun, print: (line: string) => void = (l) => console.log(l)): void {
  const secrets = [...new Set(run.secretsRegistered)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const mask = (line: string) => secrets.reduce((text, s) => text.split(s).join('***'), line);
  for (const line of run.visibleLog.split('\n')) {
    if (!line.trim()) continue;
    const command = /^##vso\[([\w.]+)([^\]]*)\](.*)$/.exec(line);
    if (!command) {
      print(`   ${mask(line)}`);
      continue;
    }
    const [, name, props, message] = command;
    if (name === 'task.issue' || name === 'task.logissue') {
      const error = /type=error/.test(props!);
      // The agent unescapes a logging command's message: %0A is a line break in the log view.
      const lines = unescapeData(mask(message!)).split(/\r?\n/);
      print(`   ${color(error ? 31 : 33, `##[${error ? 'error' : 'warning'}]${lines[0]}`)}`);
      for (const more of lines.slice(1)) print(`   ${color(error ? 31 : 33, more)}`);
    }
  }
  const outputs = Object.entries(run.outputs).map(([k, v]) => `${k}=${v.secret ? '***' : v.value}`);
  const verdict = run.result === 'Succeeded' ? color(32, String(run.result)) : color(33, String(run.result));
  print(`   ${color(2, `─── ${verdict} in ${run.durationMs} ms; outputs: ${outputs.join(', ') || 'none'}`)}`);
}
