import type { Command } from 'commander';
import type { CliIo } from './io.ts';

export function registerSiteCommands(_program: Command, _importCommand: Command, _io: CliIo): void {}
