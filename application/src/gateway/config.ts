import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ApiUser } from './auth.js';
import { DEFAULT_OTHER_APP_TIMEOUTS, type OtherAppTimeouts } from './other-apps.js';
import { describeIssue } from './routes/validation.js';

export type Role = 'seller' | 'buyer' | 'auditor';
export const ROLES = ['seller', 'buyer', 'auditor'] as const satisfies readonly Role[];

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
  /** The most bytes read from another app's answer that has no size on chain (a sample). */
  sample: number;
}

export const DEFAULT_LIMITS: Limits = {
  json: 64 * 1024,
  dataset: 16 * 1024 * 1024,
  result: 32 * 1024 * 1024,
  datasetRows: 100_000,
  sample: 16 * 1024 * 1024,
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
  /** Timeouts of calls to other orgs' apps (samples, bundles, results). */
  otherAppTimeouts: OtherAppTimeouts;
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
  /**
   * An org admin user (e.g. "Admin"): at start the seller app registers its public URL on
   * chain as this user, on every channel (RegisterOrgApp), so its listings may name it.
   */
  registerAppAs?: string;
  /** The directory dataset `path`s must be regular files under (absent: no paths accepted). */
  dataDir?: string;
  /** Trades the event pump works on at once (default 4). */
  pumpConcurrency?: number;
  /**
   * Payouts to a seller user between two CompactBalance calls by the pump (default 100; 0:
   * never), so that reading the seller's balance stays one key and a few credits.
   */
  compactBalanceEvery?: number;
}

/** Where the store lives: the PostgreSQL URL if there is one, else the SQLite file. */
export function storeLocation(config: Pick<GatewayConfig, 'storePath' | 'storeUrl'>): string {
  const location = config.storeUrl ?? config.storePath;
  if (!location) throw new Error('the config names no store: set storePath or storeUrl');
  return location;
}

/** A config with the required fields; the rest (and any limit left out) gets its default. */
export function withDefaults(
  partial: Omit<Partial<GatewayConfig>, 'limits' | 'otherAppTimeouts'> & {
    limits?: Partial<Limits>;
    otherAppTimeouts?: Partial<OtherAppTimeouts>;
  } & Pick<GatewayConfig, 'org' | 'roles' | 'channels' | 'networkRunDir' | 'storeSecret' | 'users'>,
): GatewayConfig {
  storeLocation(partial);
  return {
    host: '127.0.0.1',
    port: 0,
    sampleRateLimit: { max: 10, windowMs: 60 * 60 * 1000 },
    sampleRows: 32,
    ...partial,
    limits: { ...DEFAULT_LIMITS, ...partial.limits },
    otherAppTimeouts: { ...DEFAULT_OTHER_APP_TIMEOUTS, ...partial.otherAppTimeouts },
  };
}

/** The config file as written (docs/gateway.md); defaults fill what it leaves out. */
const positiveInt = z.number().int().positive();
export const configFileSchema = z.strictObject({
  org: z.string().min(1),
  roles: z.array(z.enum(ROLES)).min(1, 'expected at least one of seller, buyer, auditor'),
  channels: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'expected a channel name'))
    .min(1),
  networkRunDir: z.string().min(1),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  storePath: z.string().min(1).optional(),
  storeUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  storeSecret: z.string().min(16, 'expected at least 16 characters').optional(),
  users: z.array(
    z.strictObject({
      user: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'expected a user name'),
      tokenSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters'),
    }),
  ),
  publicUrl: z.url().optional(),
  limits: z
    .strictObject({
      json: positiveInt,
      dataset: positiveInt,
      result: positiveInt,
      datasetRows: positiveInt,
      sample: positiveInt,
    })
    .partial()
    .optional(),
  otherAppTimeouts: z
    .strictObject({ connectMs: positiveInt, totalMs: positiveInt })
    .partial()
    .optional(),
  sampleRateLimit: z.strictObject({ max: positiveInt, windowMs: positiveInt }).optional(),
  sampleRows: positiveInt.optional(),
  releaseSecurityBits: positiveInt.optional(),
  pumpStartBlock: z.number().int().min(0).optional(),
  registerAppAs: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, 'expected a user name')
    .optional(),
  dataDir: z.string().min(1).optional(),
  pumpConcurrency: positiveInt.max(256).optional(),
  compactBalanceEvery: z.number().int().min(0).max(1_000_000).optional(),
});

/** The first problem of a config file, naming the field: `users[1].tokenSha256: ...`. */
function configProblem(file: string, error: z.ZodError): string {
  const [issue] = error.issues;
  if (!issue) return `config ${file}: invalid`;
  const { field, message } = describeIssue(issue);
  return `config ${file}: ${field ? `${field}: ` : ''}${message}`;
}

/**
 * Reads a JSON config file (docs/gateway.md). `storeSecret` may instead come from the
 * environment variable DATAMARKET_STORE_SECRET, which wins; relative paths are resolved
 * against the file's directory. The store is `storeUrl` (PostgreSQL) or `storePath` (SQLite).
 */
export async function loadConfig(file: string): Promise<GatewayConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const envSecret = process.env.DATAMARKET_STORE_SECRET;
  const withSecret =
    envSecret !== undefined && typeof raw === 'object' && raw !== null
      ? { ...raw, storeSecret: envSecret }
      : raw;
  const parsed = configFileSchema.safeParse(withSecret);
  if (!parsed.success) throw new Error(configProblem(file, parsed.error));
  const { storeSecret, storePath, networkRunDir, pumpStartBlock, dataDir, ...rest } = parsed.data;
  if (storeSecret === undefined) {
    throw new Error(`config ${file}: storeSecret: missing (or set DATAMARKET_STORE_SECRET)`);
  }
  if (storePath === undefined && rest.storeUrl === undefined) {
    throw new Error(`config ${file}: the config names no store: set storePath or storeUrl`);
  }
  const dir = path.dirname(path.resolve(file));
  return withDefaults({
    ...rest,
    storeSecret,
    networkRunDir: path.resolve(dir, networkRunDir),
    ...(storePath === undefined ? {} : { storePath: path.resolve(dir, storePath) }),
    ...(pumpStartBlock === undefined ? {} : { pumpStartBlock: BigInt(pumpStartBlock) }),
    ...(dataDir === undefined ? {} : { dataDir: path.resolve(dir, dataDir) }),
  });
}
