import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, type GatewayConfig } from './config.js';

/** An org's gateway app config and its users' API tokens (user → token). */
export interface AddedOrgApp {
  config: GatewayConfig;
  tokens: Record<string, string>;
}

/**
 * The gateway app `network.sh addOrg NAME` prepared for a new org: its config
 * (`$RUN/apps/NAME.json`, checked by the app's own schema) and the API tokens of its users
 * (`$RUN/apps/NAME.tokens`, one `user token` a line). `extra` overrides config fields (a
 * seller app's `registerAppAs`, its release policy, port 0 for any free port).
 */
export async function loadAddedOrgApp(
  runDir: string,
  org: string,
  extra: Partial<GatewayConfig> = {},
): Promise<AddedOrgApp> {
  const dir = path.join(runDir, 'apps');
  const config = await loadConfig(path.join(dir, `${org}.json`));
  const tokens: Record<string, string> = {};
  const lines = (await readFile(path.join(dir, `${org}.tokens`), 'utf8')).split('\n');
  for (const line of lines.filter((l) => l.trim() !== '')) {
    const [user, token, ...rest] = line.trim().split(/\s+/);
    if (!user || !token || rest.length > 0) {
      throw new Error(`${org}.tokens: expected "user token" on every line, got "${line}"`);
    }
    tokens[user] = token;
  }
  return { config: { ...config, ...extra }, tokens };
}
