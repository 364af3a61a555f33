/**
 * The floor of the "whole rotate" figure: what any task on the required stack pays before a line of its own runs. It
 * loads azure-pipelines-task-lib, @azure/msal-node and @azure/core-rest-pipeline, bundled and minified with the task's
 * own options, then makes the calls of plain-rotate.mjs over node:https (BENCH_PLAIN_SCRIPT names that file).
 */
import * as taskLib from 'azure-pipelines-task-lib/task';
import * as msal from '@azure/msal-node';
import * as pipeline from '@azure/core-rest-pipeline';

// Held on to, so the bundler keeps every export's code, as a task using them would load it.
(globalThis as { benchFloor?: unknown }).benchFloor = [taskLib, msal, pipeline];
void import(process.env.BENCH_PLAIN_SCRIPT ?? '');
