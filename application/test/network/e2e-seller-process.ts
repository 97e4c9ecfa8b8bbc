/**
 * A seller gateway app in its own process, for the crash test (e2e-pump-restart.test.ts):
 * `node e2e-seller-process.js <config.json>`; with DATAMARKET_HOLD_BEFORE_CONFIRM=1 its pump
 * stops right after storing a trade's bundle, before ConfirmDelivery, and prints `HOLD <id>`
 * so the test can kill it there.
 */
import { readFileSync } from 'node:fs';
import type { GatewayConfig } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/server.js';
import { plainTestCrypto, present } from './e2e-support.js';

const configFile = present(process.argv[2], 'the config file argument');
const config = JSON.parse(readFileSync(configFile, 'utf8'), (key, value: unknown) =>
  key === 'pumpStartBlock' && typeof value === 'string' ? BigInt(value) : value,
) as GatewayConfig;
const hold = process.env.DATAMARKET_HOLD_BEFORE_CONFIRM === '1';
const gateway = await startGateway(config, {
  crypto: plainTestCrypto,
  log: (line) => {
    console.log(line);
  },
  hooks: hold
    ? {
        beforeConfirmDelivery: (_channel, tradeId) => {
          console.log(`HOLD ${tradeId}`);
          return new Promise<void>(() => undefined);
        },
      }
    : {},
});
console.log(`listening ${gateway.url}`);
