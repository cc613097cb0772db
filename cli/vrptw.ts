import type { Command } from 'commander';
import type { CliIo } from './io.ts';

export function registerVrptwCommands(_program: Command, _importCommand: Command, _io: CliIo): void {}
