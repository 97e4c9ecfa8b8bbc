import type { GatewayConfig } from './config.js';
import type { MarketLedger } from './ledger/market-ledger.js';

/**
 * Registers the seller app's URL on chain (RegisterOrgApp) on each of its channels, signed by
 * the org admin `config.registerAppAs`: listings may name only a registered app of their own
 * org, and buyers' apps call only registered URLs. Registering again is harmless.
 */
export async function registerOwnApp(
  config: GatewayConfig,
  ledger: MarketLedger,
  url: string,
): Promise<void> {
  const admin = config.registerAppAs;
  if (admin === undefined || !config.roles.includes('seller')) return;
  for (const channel of config.channels) await ledger.registerOrgApp(admin, channel, url);
}
