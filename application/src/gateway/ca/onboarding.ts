import { createPublicKey, X509Certificate } from 'node:crypto';
import { newApiToken, tokenSha256Hex } from '../auth.js';
import { badRequest, conflict, HttpError, notFound } from '../http/errors.js';
import type { OrgUserConnections } from '../ledger/org-user-connections.js';
import type { OfflineTransactions } from '../ledger/offline-transactions.js';
import type { OrgUsers } from '../org-users.js';
import type { UserRole } from '../store/seller-store.js';
import { CaError, type EnrolledIdentity, type FabricCaClient } from './ca-client.js';
import { certificateRequestProblem } from './csr-check.js';
import { certificateRequest, newEnrolmentKey } from './csr.js';

/** What the onboarding routes use; absent in apps started without them (in-process tests). */
export interface OnboardingServices {
  users: OrgUsers;
  offline: OfflineTransactions;
  connections: OrgUserConnections;
  /** The org's CA; absent when the network has none (cryptogen): 503 on admin routes. */
  admin?: Onboarding;
}

/** Puts the org's CRL into the MSP of every channel this app serves; answers those updated. */
export type CrlPublisher = (crlPem: string) => Promise<string[]>;

export interface AddedUser {
  name: string;
  role: UserRole;
  custody: 'app' | 'self';
  token: string;
  certificatePem: string;
}

/** Names a runtime user may not take: the org admin's, and the CA registrar's. */
const RESERVED_NAMES = new Set(['admin', 'orgadmin']);

/** The CA attribute that records a user's role in its certificate. */
export const ROLE_ATTRIBUTE = 'datamarket.role';

/**
 * User onboarding and revocation through the org's Fabric CA (docs/gateway.md): the app
 * registers the user with the CA's registrar, enrolls it (with a key it makes and seals, or
 * with the CSR of a key the user keeps), and hands out the API token once. Revocation marks
 * the user revoked in the store (its token stops at once), revokes its certificate at the CA,
 * and publishes the CA's CRL to the channels, after which the peers refuse the certificate.
 */
export class Onboarding {
  private registrarIdentity?: Promise<EnrolledIdentity>;

  constructor(
    private readonly ca: FabricCaClient,
    private readonly users: OrgUsers,
    private readonly connections: OrgUserConnections,
    private readonly publishCrl: CrlPublisher,
  ) {}

  /** The registrar, enrolled once per app run with a fresh key (kept in memory only). */
  private registrar(): Promise<EnrolledIdentity> {
    const given = this.ca.access.registrar;
    if ('privateKey' in given) return Promise.resolve(given);
    if (!this.registrarIdentity) {
      const { id, secret } = given;
      const privateKey = newEnrolmentKey();
      const pending = this.ca
        .enroll(id, secret, certificateRequest(privateKey, id))
        .then(({ certificatePem }) => ({ certificatePem, privateKey }));
      this.registrarIdentity = pending;
      pending.catch(() => {
        if (this.registrarIdentity === pending) this.registrarIdentity = undefined;
      });
    }
    return this.registrarIdentity;
  }

  async addUser(name: string, role: UserRole, csrPem?: string): Promise<AddedUser> {
    const problem = csrPem === undefined ? undefined : certificateRequestProblem(csrPem);
    if (problem) throw badRequest(problem);
    if (RESERVED_NAMES.has(name.toLowerCase())) {
      throw badRequest(`'${name}' is reserved for the network's own identities`);
    }
    if (this.users.isConfigUser(name) || (await this.users.store.getAppUser(name))) {
      throw conflict(`user ${name} exists already`);
    }
    const registrar = await this.registrar();
    const secret = await this.ca
      .register(registrar, { id: name, attrs: [{ name: ROLE_ATTRIBUTE, value: role }] })
      .catch((error: unknown) => {
        throw caRefusal(error, name);
      });
    const key = csrPem === undefined ? newEnrolmentKey() : undefined;
    const csr = csrPem ?? certificateRequest(key ?? newEnrolmentKey(), name);
    const { certificatePem } = await this.ca.enroll(name, secret, csr).catch((error: unknown) => {
      throw caRefusal(error, name);
    });
    if (key) {
      const issued = new X509Certificate(certificatePem).publicKey.export({
        type: 'spki',
        format: 'der',
      });
      const own = createPublicKey(key).export({ type: 'spki', format: 'der' });
      if (!issued.equals(own))
        throw new HttpError(502, 'the CA issued a certificate for another key', 'CA_ERROR');
    }
    const token = newApiToken();
    const inserted = await this.users.store.insertAppUser({
      name,
      role,
      tokenSha256: tokenSha256Hex(token),
      custody: key ? 'app' : 'self',
      certificatePem,
      ...(key ? { sealedPrivateKey: this.users.sealKey(name, key) } : {}),
      createdAt: Date.now(),
    });
    if (!inserted) throw conflict(`user ${name} exists already`);
    return { name, role, custody: key ? 'app' : 'self', token, certificatePem };
  }

  async revoke(name: string): Promise<{ serial: string; channelsUpdated: string[] }> {
    const user = await this.users.store.getAppUser(name);
    if (!user)
      throw notFound(
        `no user ${name} was added at run time (config users are revoked at the CA by the org admin)`,
      );
    // The token stops working first, whatever happens at the CA afterwards.
    await this.users.store.revokeAppUser(name, Date.now());
    this.connections.forget(name);
    const crl = await this.ca
      .revoke(await this.registrar(), user.certificatePem)
      .catch((error: unknown) => {
        throw caRefusal(error, name);
      });
    const channelsUpdated = await this.publishCrl(crl);
    return {
      serial: new X509Certificate(user.certificatePem).serialNumber.toLowerCase(),
      channelsUpdated,
    };
  }
}

/** A CA refusal as an HTTP answer: 409 for an id registered already, 502 otherwise. */
function caRefusal(error: unknown, name: string): HttpError {
  if (error instanceof CaError && error.codes.includes(74)) {
    return conflict(`user ${name} is registered at the CA already`);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CaError && error.status < 500 && error.status >= 400) {
    return new HttpError(400, message, 'CA_REFUSED');
  }
  return new HttpError(502, `the org's CA failed: ${message}`, 'CA_ERROR');
}
