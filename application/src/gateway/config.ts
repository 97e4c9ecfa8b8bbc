import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiUser } from './auth.js';

export type Role = 'seller' | 'buyer' | 'auditor';
export const ROLES: Role[] = ['seller', 'buyer', 'auditor'];

/** Upload and body size limits (bytes). Documented in docs/gateway.md. */
export interface Limits {
  /** Ordinary JSON bodies. */
  json: number;
  /** JSON bodies that carry a dataset as CSV text. */
  dataset: number;
  /** An encrypted result (or test result) uploaded by a buyer. */
  result: number;
  /** Most rows a dataset may have. */
  datasetRows: number;
}

export const DEFAULT_LIMITS: Limits = {
  json: 64 * 1024,
  dataset: 16 * 1024 * 1024,
  result: 32 * 1024 * 1024,
  datasetRows: 100_000,
};

export interface GatewayConfig {
  /** The org key in network.json: seller, buyer, auditor. */
  org: string;
  roles: Role[];
  /** Channels this app serves (each needs the datamarket chaincode). */
  channels: string[];
  /** The network's run directory (network.json lives there). */
  networkRunDir: string;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** SQLite file of this app's store (the default, embedded). */
  storePath?: string;
  /**
   * PostgreSQL connection URL (`postgres://user@host:port/db`) of this app's store, instead of
   * `storePath`; wins if both are given.
   */
  storeUrl?: string;
  /** Seals secret keys at rest (≥ 16 characters). */
  storeSecret: string;
  /** API tokens (SHA-256 digests) of the org's users. */
  users: ApiUser[];
  /** The URL sellers put in listings (default: http://host:port once listening). */
  publicUrl?: string;
  limits: Limits;
  /** Free test-result decryptions per caller and dataset per window. */
  sampleRateLimit: { max: number; windowMs: number };
  /** Rows of a dataset that go into its free test sample. */
  sampleRows: number;
  /**
   * Statistical security (bits) of the flooding noise added when results are released
   * (default: the CKKS engine's, 30). See docs/gateway.md, "Release policy".
   */
  releaseSecurityBits?: number;
  /** Where the event pump starts when it has no checkpoint yet (default: block 0). */
  pumpStartBlock?: bigint;
}

/** Where the store lives: the PostgreSQL URL if there is one, else the SQLite file. */
export function storeLocation(config: Pick<GatewayConfig, 'storePath' | 'storeUrl'>): string {
  const location = config.storeUrl ?? config.storePath;
  if (!location) throw new Error('the config names no store: set storePath or storeUrl');
  return location;
}

export function withDefaults(
  partial: Partial<GatewayConfig> &
    Pick<GatewayConfig, 'org' | 'roles' | 'channels' | 'networkRunDir' | 'storeSecret' | 'users'>,
): GatewayConfig {
  storeLocation(partial);
  return {
    host: '127.0.0.1',
    port: 0,
    sampleRateLimit: { max: 10, windowMs: 60 * 60 * 1000 },
    sampleRows: 32,
    ...partial,
    ...{ limits: { ...DEFAULT_LIMITS, ...(partial.limits ?? {}) } },
  };
}

/**
 * Reads a JSON config file (docs/gateway.md). `storeSecret` may instead come from the
 * environment variable DATAMARKET_STORE_SECRET, which wins; relative paths are resolved
 * against the file's directory. The store is `storeUrl` (PostgreSQL) or `storePath` (SQLite).
 */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const dir = path.dirname(path.resolve(file));
  const roles = raw.roles as Role[] | undefined;
  if (!Array.isArray(roles) || roles.some((r) => !ROLES.includes(r))) {
    throw new Error(`config ${file}: roles must be a list of ${ROLES.join(', ')}`);
  }
  const storeSecret = process.env.DATAMARKET_STORE_SECRET ?? (raw.storeSecret as string);
  if (typeof storeSecret !== 'string') throw new Error(`config ${file}: no storeSecret`);
  return withDefaults({
    ...(raw as Partial<GatewayConfig>),
    org: String(raw.org),
    roles,
    channels: raw.channels as string[],
    networkRunDir: path.resolve(dir, String(raw.networkRunDir)),
    storePath: typeof raw.storePath === 'string' ? path.resolve(dir, raw.storePath) : undefined,
    storeUrl: typeof raw.storeUrl === 'string' ? raw.storeUrl : undefined,
    storeSecret,
    users: raw.users as ApiUser[],
    pumpStartBlock:
      raw.pumpStartBlock === undefined ? undefined : BigInt(raw.pumpStartBlock as number),
  });
}
