import type { SqlDriver } from './driver.js';
import { readBytes, readInteger, readText } from './row.js';

/** Who signs a runtime user's transactions: the app (its key sealed here) or the user itself. */
export type Custody = 'app' | 'self';

/** The role an org admin gives a user it adds (recorded at the CA as an attribute too). */
export type UserRole = 'buyer' | 'seller' | 'auditor';

/**
 * A user the org admin added at run time (docs/gateway.md, "Onboarding"): enrolled with the
 * org's Fabric CA. A `self` (non-custodial) user's private key never reaches the app: the
 * store holds only its certificate, and `sealedPrivateKey` is absent.
 */
export interface AppUser {
  name: string;
  role: UserRole;
  /** SHA-256 (hex) of the user's API token. */
  tokenSha256: string;
  custody: Custody;
  certificatePem: string;
  /** The enrolment key, sealed (custody 'app' only). */
  sealedPrivateKey?: Uint8Array;
  /** When the admin revoked the user (epoch ms); its token is refused from then on. */
  revokedAt?: number;
  createdAt: number;
}

const COLUMNS =
  'name, role, token_sha256, custody, certificate_pem, sealed_private_key, revoked_at, created_at';

/** The app_users queries (the table is in schema.ts). */
export const APP_USER_SQL = {
  insert: `INSERT INTO app_users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING name`,
  byName: `SELECT ${COLUMNS} FROM app_users WHERE name = ?`,
  byToken: `SELECT ${COLUMNS} FROM app_users WHERE token_sha256 = ?`,
  all: `SELECT ${COLUMNS} FROM app_users ORDER BY created_at, name`,
  revoke: 'UPDATE app_users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL',
} as const;

function fromRow(row: Readonly<Record<string, unknown>>): AppUser {
  const sealed = row.sealed_private_key;
  const revoked = row.revoked_at;
  const role = readText(row, 'role');
  const custody = readText(row, 'custody');
  return {
    name: readText(row, 'name'),
    role: role === 'seller' || role === 'auditor' ? role : 'buyer',
    tokenSha256: readText(row, 'token_sha256'),
    custody: custody === 'self' ? 'self' : 'app',
    certificatePem: readText(row, 'certificate_pem'),
    ...(sealed === null || sealed === undefined
      ? {}
      : { sealedPrivateKey: readBytes(row, 'sealed_private_key') }),
    ...(revoked === null || revoked === undefined
      ? {}
      : { revokedAt: readInteger(row, 'revoked_at') }),
    createdAt: readInteger(row, 'created_at'),
  };
}

/** Inserts a user when its name is free; false (nothing written) when it is taken. */
export async function insertAppUser(driver: SqlDriver, user: AppUser): Promise<boolean> {
  const inserted = await driver.get(APP_USER_SQL.insert, [
    user.name,
    user.role,
    user.tokenSha256,
    user.custody,
    user.certificatePem,
    user.sealedPrivateKey ?? null,
    user.revokedAt ?? null,
    user.createdAt,
  ]);
  return inserted !== undefined;
}

export async function appUserByName(driver: SqlDriver, name: string) {
  const row = await driver.get(APP_USER_SQL.byName, [name]);
  return row && fromRow(row);
}

export async function appUserByToken(driver: SqlDriver, tokenSha256: string) {
  const row = await driver.get(APP_USER_SQL.byToken, [tokenSha256]);
  return row && fromRow(row);
}

export async function allAppUsers(driver: SqlDriver): Promise<AppUser[]> {
  return (await driver.all(APP_USER_SQL.all, [])).map(fromRow);
}

export async function revokeAppUser(driver: SqlDriver, name: string, at: number): Promise<void> {
  await driver.run(APP_USER_SQL.revoke, [at, name]);
}
