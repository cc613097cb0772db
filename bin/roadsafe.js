#!/usr/bin/env node
// The roadsafe command-line tool (imports and administration); TypeScript runs through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
process.exitCode = await runCli(process.argv);
