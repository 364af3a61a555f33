/**
 * A yes/no question on the terminal, for the one change login makes that the user did not name outright: creating a
 * service connection. The question goes to stderr (stdout carries only results); no terminal, or the end of input,
 * answers no, so a script that did not pass --yes never creates anything by accident.
 */
import { createInterface } from 'node:readline';

export function terminalConfirm(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr): (question: string) => Promise<boolean> {
  return (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input, output, terminal: false });
      let answered = false;
      output.write(question);
      rl.once('line', (line) => {
        answered = true;
        rl.close();
        resolve(/^\s*y(es)?\s*$/i.test(line));
      });
      rl.once('close', () => {
        if (!answered) {
          output.write('\n');
          resolve(false);
        }
      });
    });
}
