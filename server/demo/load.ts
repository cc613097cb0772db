import type { AppContext } from '../context.ts';

/** On first run (no districts, no collisions) loads the shipped Lancashire districts and 2023 collisions. */
export async function loadDemoDataIfEmpty(_ctx: AppContext): Promise<void> {}
