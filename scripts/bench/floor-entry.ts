/**
 * The cold-start floor of the benchmark: the two libraries the task must load before its first request (task-lib and
 * msal-node), bundled like the task and loaded, and nothing else: read one input, make an MSAL app, exit.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import { PublicClientApplication } from '@azure/msal-node';

tl.getInput('action');
new PublicClientApplication({ auth: { clientId: '00000000-0000-0000-0000-000000000001' } });
