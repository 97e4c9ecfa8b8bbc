import { createPrivateKey, type KeyObject } from 'node:crypto';
import { tokenDigest, userForToken, type ApiUser } from './auth.js';
import type { Sealer } from './crypto/sealing.js';
import { unauthorized } from './http/errors.js';
import type { AppUser, SellerStore } from './store/seller-store.js';

/** The label a custodial user's sealed enrolment key is sealed under (crypto/sealing.ts). */
export const userKeyLabel = (name: string) => `user-key:${name}`;

/** Who made a request: a user of the config (cryptogen/CA files) or one added at run time. */
export type Caller =
  { name: string; kind: 'config' } | { name: string; kind: 'runtime'; user: AppUser };

/**
 * The org's users as the app knows them (docs/gateway.md, "Onboarding"): those in the config
 * file, whose identities are files from the network's MSP, plus those the org admin added at
 * run time, kept in the store. A runtime user's token stops working when it is revoked.
 */
export class OrgUsers {
  private readonly configNames: Set<string>;

  constructor(
    readonly configUsers: ApiUser[],
    readonly store: SellerStore,
    private readonly sealer: Sealer,
  ) {
    this.configNames = new Set(configUsers.map((u) => u.user));
  }

  isConfigUser(name: string): boolean {
    return this.configNames.has(name);
  }

  /** The caller of an `Authorization: Bearer` header, or undefined for an unknown token. */
  async byToken(header: string): Promise<Caller | undefined> {
    const configured = userForToken(this.configUsers, header);
    if (configured) return { name: configured, kind: 'config' };
    const token = /^Bearer (\S+)$/.exec(header)?.[1];
    if (!token) return undefined;
    const user = await this.store.appUserByToken(tokenDigest(token).toString('hex'));
    if (!user) return undefined;
    if (user.revokedAt !== undefined) {
      throw unauthorized(`user ${user.name} was revoked; its API token no longer works`);
    }
    return { name: user.name, kind: 'runtime', user };
  }

  /** A runtime user the app signs for: its certificate and (opened) enrolment key. */
  async custodialIdentity(
    name: string,
  ): Promise<{ user: AppUser; certificatePem: string; privateKey: KeyObject } | undefined> {
    const user = await this.store.getAppUser(name);
    if (user?.custody !== 'app' || !user.sealedPrivateKey) return undefined;
    const pem = this.sealer.open(user.sealedPrivateKey, userKeyLabel(name));
    return { user, certificatePem: user.certificatePem, privateKey: createPrivateKey(pem) };
  }

  sealKey(name: string, key: KeyObject): Buffer {
    const pem = key.export({ type: 'pkcs8', format: 'pem' });
    return this.sealer.seal(Buffer.from(pem), userKeyLabel(name));
  }
}
