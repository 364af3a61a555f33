/**
 * The command-line tool's first import, as the task's secret-env is the task's: dependencies decide whether to print
 * debug output when they load (`debug`, under https-proxy-agent, prints the proxy URL with its password), and they
 * load with the modules that import them, before main() runs. Removing the switches here comes before all of them.
 * NODE_DEBUG cannot be removed (Node read it at start-up): main() refuses its http values (src/config/environment.ts).
 */
import { removeDebugSwitches } from '../src/config/environment';

removeDebugSwitches(process.env);
