import type { GatewayConfig } from '../config.js';
import type { Sealer } from '../crypto/sealing.js';
import type { MarketLedger } from '../ledger/market-ledger.js';
import type { SellerCrypto } from '../seller-crypto.js';
import type { SellerStore } from '../store/seller-store.js';
import type { ScriptSource } from './verify-computation.js';

export interface PumpHooks {
  /** Runs after the bundle is stored and before ConfirmDelivery (tests: crash here). */
  beforeConfirmDelivery?: (channel: string, tradeId: string) => Promise<void>;
}

export interface PumpDeps {
  config: GatewayConfig;
  ledger: MarketLedger;
  store: SellerStore;
  sealer: Sealer;
  crypto: SellerCrypto;
  hooks?: PumpHooks;
  /** Seller computation scripts to re-execute (default: those registered in the store). */
  scripts?: ScriptSource;
  log?: (line: string) => void;
  /** The clock deadlines are checked against (default Date.now; tests pass the ledger's). */
  now?: () => number;
  /** Wait before reopening the event stream after a failure (default 1000 ms). */
  resumeDelayMs?: number;
}

/** What one handler needs: the deps, the user it acts as, and where to log. */
export interface HandlerContext {
  deps: PumpDeps;
  channel: string;
  tradeId: string;
  /** The org user who listed the dataset: the pump acts as this user for its trades. */
  user: string;
  now: () => number;
  log: (line: string) => void;
  /** A payout to the user committed: a credit key of its account (pump/compaction.ts). */
  paidOut?: () => void;
}
