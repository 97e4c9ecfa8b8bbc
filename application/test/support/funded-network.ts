import { InProcessMarketLedger } from './in-process-market-ledger.js';
import { InProcessNetwork } from './in-process-network.js';

/** The three orgs of the test network, as network.json names them. */
export const TEST_ORGS = {
  seller: { org: 'seller', mspId: 'SellerMSP' },
  buyer: { org: 'buyer', mspId: 'BuyerMSP' },
  auditor: { org: 'auditor', mspId: 'AuditorMSP' },
} as const;

export type TestOrg = keyof typeof TEST_ORGS;

export interface FundedNetworkOptions {
  /** Channels every org is in (default ['market']). */
  channels?: string[];
  /** The clock's start, epoch ms. */
  startTime?: number;
  /** Users of each org (default seller Admin+User1, buyer User1+User2, auditor Admin+User1). */
  users?: Partial<Record<TestOrg, string[]>>;
  /** Tokens minted to each buyer user on each channel (default "1000"). */
  buyerFunds?: string;
}

export interface FundedNetwork {
  network: InProcessNetwork;
  channels: string[];
  seller: InProcessMarketLedger;
  buyer: InProcessMarketLedger;
  auditor: InProcessMarketLedger;
}

const DEFAULT_USERS: Record<TestOrg, string[]> = {
  seller: ['Admin', 'User1'],
  buyer: ['User1', 'User2'],
  auditor: ['Admin', 'User1'],
};

/**
 * A three-org in-process network ready for trades: on every channel the auditor org ran
 * Initialize (it is the token issuer) and minted `buyerFunds` to every buyer user.
 */
export async function fundedNetwork(options: FundedNetworkOptions = {}): Promise<FundedNetwork> {
  const channels = options.channels ?? ['market'];
  const network = new InProcessNetwork({ channels, startTime: options.startTime });
  const users = { ...DEFAULT_USERS, ...options.users };
  const ledger = (org: TestOrg) =>
    new InProcessMarketLedger(network, { ...TEST_ORGS[org], users: users[org] });
  const funded = {
    network,
    channels,
    seller: ledger('seller'),
    buyer: ledger('buyer'),
    auditor: ledger('auditor'),
  };
  const [issuer] = users.auditor;
  if (issuer === undefined) throw new Error('fundedNetwork needs an auditor user (the issuer)');
  for (const channel of channels) {
    await funded.auditor.invoke(issuer, channel, 'Initialize', TEST_ORGS.auditor.mspId);
    for (const user of users.buyer) {
      const account = funded.buyer.accountOf(user);
      await funded.auditor.invoke(issuer, channel, 'MintTo', account, options.buyerFunds ?? '1000');
    }
  }
  return funded;
}
