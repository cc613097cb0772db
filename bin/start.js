#!/usr/bin/env node
// npm start: build the map client if it is missing or older than its sources, then run the server.
import { register } from 'tsx/esm/api';

register();
const { ensureClientBuilt } = await import('../client/build.ts');
await ensureClientBuilt();
const { main } = await import('../server/main.ts');
await main();
