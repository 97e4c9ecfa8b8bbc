import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwnApp } from './app-registration.js';
import { storeLocation, type GatewayConfig } from './config.js';
import { Sealer } from './crypto/sealing.js';
import { onboardingServices, type CrlPublisher } from './ca/services.js';
import { loadTrustedCas, orgSigningIdentity } from './identities.js';
import { FabricMarketLedger } from './ledger/fabric-market-ledger.js';
import type { MarketLedger } from './ledger/market-ledger.js';
import { EventPump, type PumpHooks } from './pump.js';
import { FabricPoolCaller } from './pools/fabric-pool-caller.js';
import { PoolLedger } from './pools/pool-ledger.js';
import { PoolMemberPump } from './pools/pool-pump.js';
import { storedSeats } from './pools/seats.js';
import { createApp } from './routes/registry.js';
import type { SellerCrypto } from './seller-crypto.js';
import { openSellerStore, type SellerStore } from './store/seller-store.js';
import { readNetworkDescription } from '../fabric/index.js';
import { closeWeb } from '../web/mount.js';

export interface RunningGateway {
  url: string;
  config: GatewayConfig;
  ledger: MarketLedger;
  store: SellerStore;
  pump?: EventPump;
  close(): Promise<void>;
}

export interface StartOptions {
  /** The CKKS engine for the seller role (default: the project's engine via ckks-adapter). */
  crypto?: SellerCrypto;
  hooks?: PumpHooks;
  /** Start the event pump (seller role). Default true. */
  pump?: boolean;
  log?: (line: string) => void;
  /**
   * Puts the org's CRL into the channels after a revocation (default: on the test network,
   * `network.sh updateCrl` when DATAMARKET_PORT_BASE names its ports; otherwise none).
   */
  publishCrl?: CrlPublisher;
}

/** Starts one org's gateway app: store, ledger access, HTTP server, and (seller) event pump. */
export async function startGateway(
  config: GatewayConfig,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const network = await readNetworkDescription(config.networkRunDir);
  const store = await openSellerStore(storeLocation(config));
  const started = await (async () => {
    const sealer = new Sealer(config.storeSecret);
    const services = await onboardingServices(network, config, store, sealer, options.publishCrl);
    return { sealer, services };
  })().catch(async (error: unknown) => {
    await store.close().catch(() => undefined);
    throw error;
  });
  const { sealer, services: onboarding } = started;
  const ledger = new FabricMarketLedger(network, config.org, {
    connections: onboarding.connections,
  });
  try {
    let crypto = options.crypto;
    // The engine this app made itself (its crypto worker threads end with the app).
    let ownCrypto: { close(): Promise<void> } | undefined;
    if (!crypto && config.roles.includes('seller')) {
      const { engineSellerCrypto } = await import('./ckks-adapter.js');
      crypto = ownCrypto = await engineSellerCrypto({
        statisticalSecurityBits: config.releaseSecurityBits,
        passphrase: config.storeSecret,
      });
    }
    let url = config.publicUrl ?? '';
    const pools = new PoolLedger(new FabricPoolCaller(onboarding.connections));
    const app = createApp({
      pools,
      config,
      ledger,
      store,
      sealer,
      crypto,
      trustedCas: await loadTrustedCas(network),
      signingIdentity: orgSigningIdentity(network, config.org, onboarding.users),
      publicUrl: () => url,
      onboarding,
    });
    const server: Server = await new Promise((resolve, reject) => {
      const listening = app.listen(config.port, config.host, (error?: Error) => {
        if (error) reject(error);
        else resolve(listening);
      });
    });
    server.requestTimeout = 10 * 60_000;
    const address = server.address() as AddressInfo;
    const ownUrl = `http://${config.host}:${address.port}`;
    url ||= ownUrl;
    await registerOwnApp(config, ledger, url).catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve));
      throw error;
    });
    let pump: EventPump | undefined;
    if (config.roles.includes('seller') && options.pump !== false && crypto) {
      pump = new EventPump({
        config,
        ledger,
        store,
        sealer,
        crypto,
        hooks: options.hooks,
        log: options.log,
      });
      pump.start();
    }
    // The pool members' pump (docs/pools.md): this app's seats, read from the store.
    let poolPump: PoolMemberPump | undefined;
    if (config.roles.includes('seller') && options.pump !== false && crypto) {
      const log = options.log ?? (() => undefined);
      poolPump = new PoolMemberPump({
        pools,
        store,
        sealer,
        crypto,
        now: () => Date.now(),
        log,
        events: ledger,
        seats: () => storedSeats(store, sealer),
        channels: config.channels,
        ...(config.users[0] ? { reader: config.users[0].user } : {}),
      });
      poolPump.start();
    }
    return {
      url: ownUrl,
      config,
      ledger,
      store,
      pump,
      async close() {
        await pump?.stop();
        await poolPump?.stop();
        closeWeb(app);
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        });
        await ledger.close();
        await store.close();
        await ownCrypto?.close();
      },
    };
  } catch (error) {
    // Started only partly: release the store (a PostgreSQL pool would keep the process alive).
    await store.close().catch(() => undefined);
    throw error;
  }
}
