import type { Command } from 'commander';
import type { CliIo } from './io.ts';

export function registerPlanningCommands(_program: Command, _importCommand: Command, _io: CliIo): void {}
