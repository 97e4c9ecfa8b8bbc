#!/usr/bin/env node
/**
 * Runs one org's gateway app: `node application/dist/src/gateway/main.js --config app.json`.
 * Prints `listening <url>` once the HTTP server is up; stops cleanly on SIGINT/SIGTERM.
 */
import { loadConfig } from './config.js';
import { startGateway } from './server.js';

async function main(): Promise<void> {
  const index = process.argv.indexOf('--config');
  const file = index >= 0 ? process.argv[index + 1] : process.env.DATAMARKET_GATEWAY_CONFIG;
  if (!file) {
    console.error('usage: main.js --config <gateway config JSON> (see docs/gateway.md)');
    process.exitCode = 2;
    return;
  }
  const gateway = await startGateway(await loadConfig(file));
  console.log(
    `listening ${gateway.url} (org ${gateway.config.org}, roles ${gateway.config.roles.join(',')})`,
  );
  const stop = () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
