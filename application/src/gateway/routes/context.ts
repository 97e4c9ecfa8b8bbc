import type { X509Certificate } from 'node:crypto';
import type { SigningIdentity } from '../auth.js';
import type { GatewayConfig } from '../config.js';
import type { OnboardingServices } from '../ca/onboarding.js';
import type { Sealer } from '../crypto/sealing.js';
import { HttpError } from '../http/errors.js';
import type { MarketLedger } from '../ledger/market-ledger.js';
import { OtherApps } from '../other-apps.js';
import type { PoolLedger } from '../pools/pool-ledger.js';
import type { SellerCrypto } from '../seller-crypto.js';
import type { SellerStore } from '../store/seller-store.js';
import { TradeAccess } from '../trade-access.js';
import { RateLimiter } from './rate-limiter.js';

/** What an app is built from (server.ts makes these; tests pass in-process stand-ins). */
export interface AppDeps {
  config: GatewayConfig;
  ledger: MarketLedger;
  store: SellerStore;
  sealer: Sealer;
  /** The CKKS engine, needed by the seller role (samples; the pump uses it too). */
  crypto?: SellerCrypto;
  /** CA certificates of each MSP, to check requests signed by other orgs. */
  trustedCas: Map<string, X509Certificate[]>;
  /** The Fabric identity of one of this org's users, to sign calls to other orgs' apps. */
  signingIdentity: (user: string) => Promise<SigningIdentity>;
  /** This app's URL, put into listings as sellerGatewayUrl. */
  publicUrl: () => string;
  /** Users added at run time, non-custodial signing, the org's CA (server.ts). */
  onboarding?: OnboardingServices;
  /** The pool functions of the contract (docs/pools.md); pool routes answer 503 without. */
  pools?: PoolLedger;
}

/** What route handlers use: the deps plus the shared helpers built from them once. */
export interface RouteContext {
  readonly config: GatewayConfig;
  readonly ledger: MarketLedger;
  readonly store: SellerStore;
  readonly sealer: Sealer;
  readonly access: TradeAccess;
  readonly otherApps: OtherApps;
  readonly sampleLimiter: RateLimiter;
  /** The user the app reads the ledger as when no user of its own made the request. */
  readonly readerUser: string;
  readonly publicUrl: () => string;
  /** The CKKS engine; 503 when this app has none. */
  engine(): SellerCrypto;
  /** This app's OpenAPI document (set by the registry). */
  openApi(): unknown;
  /** Users added at run time, non-custodial signing, the org's CA; absent in tests in process. */
  readonly onboarding?: OnboardingServices;
  /** The pool functions of the contract; 503 when this app has none. */
  pools(): PoolLedger;
}

export function routeContext(deps: AppDeps, openApi: () => unknown): RouteContext {
  const { config, ledger, store, sealer, crypto } = deps;
  const readerUser = config.users[0]?.user ?? 'User1';
  return {
    config,
    ledger,
    store,
    sealer,
    readerUser,
    access: new TradeAccess(ledger, store, readerUser),
    otherApps: new OtherApps(deps.signingIdentity, config.otherAppTimeouts, ledger),
    sampleLimiter: new RateLimiter(config.sampleRateLimit.max, config.sampleRateLimit.windowMs),
    publicUrl: deps.publicUrl,
    onboarding: deps.onboarding,
    engine() {
      if (!crypto) throw new HttpError(503, 'this app has no CKKS engine configured', 'NO_ENGINE');
      return crypto;
    },
    openApi,
    pools() {
      if (!deps.pools)
        throw new HttpError(503, 'this app has no pool ledger configured', 'NO_POOLS');
      return deps.pools;
    },
  };
}
