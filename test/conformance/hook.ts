/**
 * The conformance check as black-box harnesses use it: note where the emulator's request log stands before a run,
 * and after it check everything logged since against the published specs. A violation fails the test that ran it.
 */
import { AssertionError } from 'node:assert';
import { emulatorForCaPath } from '../emulator';
import { checkTraffic, formatViolations } from './openapi';

/**
 * Call before starting a product process with `env` (an emulator's childEnv merged in); call the returned function
 * once it has finished. Without an emulator in `env` there is nothing to check.
 */
export function watchConformance(env: Record<string, string | undefined> | undefined): () => void {
  const emu = emulatorForCaPath(env?.['NODE_EXTRA_CA_CERTS']);
  if (!emu) return () => undefined;
  const since = emu.log.entries().reduce((max, e) => Math.max(max, e.seq), 0);
  return () => {
    const violations = checkTraffic(emu.log.entries((e) => e.seq > since));
    if (violations.length > 0) {
      throw new AssertionError({ message: `the product's traffic does not conform to the published specs:\n${formatViolations(violations)}` });
    }
  };
}
