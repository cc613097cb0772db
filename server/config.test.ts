import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  it('defaults to the embedded database in ./data on port 3000', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.DEMO_DATA).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('names every bad variable with its value in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toContain('PORT="eighty"');
      expect(message).toContain('LOG_LEVEL="loud"');
      expect(message).toContain('DATABASE_URL=(hidden): must start with postgres://');
    }
  });

  it('refuses an initial admin email without a password', () => {
    expect(() => loadConfig({ INITIAL_ADMIN_EMAIL: 'a@b.org' })).toThrow(/set together/);
  });

  it('refuses a short initial admin password without echoing it', () => {
    expect(() => loadConfig({ INITIAL_ADMIN_EMAIL: 'a@b.org', INITIAL_ADMIN_PASSWORD: 'short' })).toThrow(
      /INITIAL_ADMIN_PASSWORD=\(hidden\): must be at least 12/,
    );
  });

  it('lists every variable in .env.example, and nothing else', () => {
    const example = fs.readFileSync(path.resolve(import.meta.dirname, '../.env.example'), 'utf8');
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(names.sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});
