/**
 * The org app registry: which gateway app URLs each org runs, set by that org's admin. A
 * listing may name only an app its seller's org registered, and buyers' apps call only
 * registered URLs, so no member can point other members' apps at an arbitrary address.
 *
 * | key                   | value        | written by                      |
 * | --------------------- | ------------ | ------------------------------- |
 * | org-app[mspId, url]   | OrgApp JSON  | RegisterOrgApp, UnregisterOrgApp |
 */
import { ContractError, quote } from './errors.js';
import type { Tx } from './ledger.js';
import { identifier, invalid, text } from './validate.js';

export const ORG_APP = 'org-app';

/** One registered app URL of one org. */
export interface OrgApp {
  docType: 'org-app';
  mspId: string;
  /** The URL as registered, normalized (WHATWG URL href). */
  url: string;
  registeredBy: string;
  registeredAt: number;
  txId: string;
}

/** An http(s) URL without credentials, normalized so equal addresses compare equal. */
export function appUrl(name: string, value: unknown): string {
  const s = text(name, value, { max: 2048 });
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw invalid(`${name} ${quote(s)} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`${name} must use http or https, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw invalid(`${name} must not carry credentials (user:password@)`);
  }
  return url.href;
}

/**
 * The caller is an admin of its org: cryptogen (with NodeOUs) and Fabric CAs put the admin
 * role in the certificate subject as OU=admin.
 */
function requireOrgAdmin(tx: Tx, action: string): void {
  const subject = tx.caller.split('::')[1] ?? '';
  const units = subject
    .split(/[/+,]/)
    .filter((part) => part.startsWith('OU='))
    .map((part) => part.slice(3).toLowerCase());
  if (!units.includes('admin')) {
    throw new ContractError(
      'FORBIDDEN',
      `${action} is reserved to an admin of ${tx.callerMsp} (a certificate with OU=admin); the caller's subject is ${quote(subject, 120)}`,
    );
  }
}

const orgAppKey = (tx: Tx, mspId: string, url: string) => tx.key(ORG_APP, [mspId, url]);

export async function registerOrgApp(tx: Tx, urlArg: string): Promise<OrgApp> {
  requireOrgAdmin(tx, 'RegisterOrgApp');
  const url = appUrl('url', urlArg);
  const app: OrgApp = {
    docType: 'org-app',
    mspId: tx.callerMsp,
    url,
    registeredBy: tx.caller,
    registeredAt: tx.now,
    txId: tx.txId,
  };
  await tx.putJson(orgAppKey(tx, tx.callerMsp, url), app);
  return app;
}

export async function unregisterOrgApp(tx: Tx, urlArg: string): Promise<OrgApp> {
  requireOrgAdmin(tx, 'UnregisterOrgApp');
  const app = await getOrgApp(tx, tx.callerMsp, urlArg);
  await tx.delete(orgAppKey(tx, app.mspId, app.url));
  return app;
}

export async function getOrgApp(tx: Tx, mspIdArg: string, urlArg: string): Promise<OrgApp> {
  const mspId = identifier('mspId', mspIdArg);
  const url = appUrl('url', urlArg);
  const app = await tx.getJson<OrgApp>(orgAppKey(tx, mspId, url));
  if (!app) {
    throw new ContractError(
      'APP_NOT_REGISTERED',
      `${mspId} has registered no app at ${quote(url, 200)} (RegisterOrgApp, by an admin of ${mspId})`,
    );
  }
  return app;
}

export async function listOrgApps(tx: Tx, mspIdArg: string): Promise<OrgApp[]> {
  const mspId = identifier('mspId', mspIdArg);
  const apps: OrgApp[] = [];
  for await (const { value } of tx.scan(ORG_APP, [mspId])) apps.push(JSON.parse(value) as OrgApp);
  return apps;
}

/** A listing names only an app its seller's org registered (APP_NOT_REGISTERED otherwise). */
export async function requireOwnOrgApp(tx: Tx, url: string): Promise<void> {
  await getOrgApp(tx, tx.callerMsp, url);
}
