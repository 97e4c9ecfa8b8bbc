import type { Contract } from '@hyperledger/fabric-gateway';
import { expect } from 'chai';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  connectAs,
  retryWhileEndorsersSettle,
  type GatewayConnection,
  type NetworkDescription,
} from '../../src/fabric/index.js';
import { configFileSchema } from '../../src/gateway/config.js';
import { waitFor } from './e2e-support.js';
import { endorsingOrgs } from './endorsements.js';
import { ensureInitialized, ensureTestNetwork, testNetwork } from './test-network-fixture.js';

const utf8 = new TextDecoder();
const CHAINCODE = 'datamarket';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const parse = (bytes: Uint8Array): unknown => JSON.parse(utf8.decode(bytes));
const resultKey = generateKeyPairSync('x25519')
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

async function expectRefused(work: Promise<unknown>, what: string): Promise<void> {
  let refused = false;
  try {
    await work;
  } catch {
    refused = true;
  }
  expect(refused, `${what} should be refused`).to.equal(true);
}

// Runs after the other network tests (files run in name order): it grows the shared network
// by one org, and removes it again at the end.
describe('a consortium that grows: addOrg on a running network', function () {
  this.timeout(900_000);
  const connections: GatewayConnection[] = [];
  let network: NetworkDescription;
  let added = false;
  const open = async (org: string, user: string) => {
    const connection = await connectAs(network, { org, user });
    connections.push(connection);
    return connection;
  };
  const market = (connection: GatewayConnection) =>
    connection.gateway.getNetwork('market').getContract(CHAINCODE);
  // A transfer of 1 token to the buyer, and the orgs that had to endorse it.
  const endorsersOfATransfer = async (from: Contract, connection: GatewayConnection) => {
    const buyer = market(await open('buyer', 'Admin'));
    const account = utf8.decode(await buyer.evaluateTransaction('ClientAccountID'));
    const submitted = await retryWhileEndorsersSettle(() =>
      from.submitAsync('Transfer', { arguments: [account, '1'] }),
    );
    expect((await submitted.getStatus()).successful).to.equal(true);
    return endorsingOrgs(connection.gateway.getNetwork('market'), submitted.getTransactionId());
  };

  before(async () => {
    await ensureTestNetwork();
    network = await testNetwork.describe();
  });

  after(async () => {
    for (const connection of connections) connection.close();
    if (added) await testNetwork.must('removeOrg', 'clinic');
  });

  it('refuses bad addOrg, removeOrg and up options at once, changing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['addOrg', 'Bad_Name'], /bad org name/],
      [['addOrg', 'seller'], /already a member/],
      [['addOrg', 'lab', '--peers', '3'], /--peers must be 1 or 2/],
      [['addOrg', 'lab', '--channels', 'nope'], /unknown channel 'nope'/],
      [['addOrg', 'lab', '--role', 'king'], /--role must be/],
      [['removeOrg', 'nobody'], /unknown org 'nobody'/],
      [['up', '--hosts', '--crypto', 'cryptogen'], /--hosts needs --crypto ca/],
      [['up', '--crypto', 'magic'], /--crypto must be ca or cryptogen/],
    ];
    for (const [args, message] of cases) {
      const result = await testNetwork.run(...args);
      expect(result.code, args.join(' ')).to.not.equal(0);
      expect(result.output, args.join(' ')).to.match(message);
    }
    const status = await testNetwork.run('status');
    expect(status.code, status.output).to.equal(0);
    expect(status.output).to.not.match(/\blab\b/);
  });

  it('adds clinic with two peers; MAJORITY endorsement tightens from 2 of 3 to 3 of 4', async () => {
    const auditor = await open('auditor', 'Admin');
    const issuer = market(auditor);
    await ensureInitialized(issuer);
    await issuer.submitTransaction('Mint', '1000');
    expect(await endorsersOfATransfer(issuer, auditor)).to.have.length(2);

    await testNetwork.must('addOrg', 'clinic', '--peers', '2');
    added = true;
    network = await testNetwork.describe();
    expect(network.orgs.clinic?.mspId).to.equal('ClinicMSP');
    expect(network.orgs.clinic?.peers?.map((p) => p.name)).to.deep.equal([
      'peer0.clinic',
      'peer1.clinic',
    ]);
    expect(network.orgs.clinic?.ca?.url).to.match(/^https:\/\/127\.0\.0\.1:/);
    const status = await testNetwork.run('status');
    expect(status.output).to.match(/channel market\s+orgs: seller buyer auditor clinic/);
    for (const node of ['peer0.clinic', 'peer1.clinic', 'ca.clinic']) {
      expect(status.output).to.match(new RegExp(`${node.replace('.', '\\.')}\\s+\\d+\\s+healthy`));
    }
    // Its gateway app config passes the app's own schema.
    const appConfig = JSON.parse(
      await readFile(path.join(testNetwork.runDir, 'apps', 'clinic.json'), 'utf8'),
    ) as unknown;
    expect(configFileSchema.safeParse(appConfig).success).to.equal(true);

    const endorsers = await endorsersOfATransfer(issuer, auditor);
    expect(endorsers).to.have.length(3);
  });

  it('lets the clinic list a dataset that a buyer buys and settles', async () => {
    const clinic = market(await open('clinic', 'User1'));
    const buyerConnection = await open('buyer', 'Admin');
    const buyer = market(buyerConnection);
    const issuer = market(await open('auditor', 'Admin'));
    const buyerAccount = utf8.decode(await buyer.evaluateTransaction('ClientAccountID'));
    const clinicAccount = utf8.decode(
      await retryWhileEndorsersSettle(() => clinic.evaluateTransaction('ClientAccountID')),
    );
    expect(clinicAccount).to.include('ClinicMSP');
    const balanceOf = async (account: string) =>
      Number(utf8.decode(await buyer.evaluateTransaction('BalanceOf', account)));
    const clinicBefore = await balanceOf(clinicAccount);
    const funded = (await balanceOf(buyerAccount)) + 200;
    await issuer.submitTransaction('Transfer', buyerAccount, '200');
    // The buyer org's peer may commit the transfer's block after the issuer's peer did.
    await waitFor('the transfer on the buyer peer', async () =>
      (await balanceOf(buyerAccount)) === funded ? true : undefined,
    );
    const buyerBefore = funded;

    // A listing names only its own org's registered app (RegisterOrgApp, by the org's admin).
    const clinicAdmin = market(await open('clinic', 'Admin'));
    await retryWhileEndorsersSettle(() =>
      clinicAdmin.submitTransaction('RegisterOrgApp', 'https://127.0.0.1:8443'),
    );

    const id = `ds-clinic-${randomUUID()}`;
    await retryWhileEndorsersSettle(() =>
      clinic.submitTransaction(
        'CreateListing',
        JSON.stringify({
          id,
          title: 'Clinic cohort, 500 rows',
          description: 'blood pressure and outcome',
          schema: { columns: ['age', 'sysBP', 'outcome'], rowCount: 500 },
          price: '100',
          deposit: '20',
          deliverWithin: 600,
          resultWithin: 600,
          decryptWithin: 600,
          leakageBound: 30,
          ckksPreset: 'n8192',
          sellerGatewayUrl: 'https://127.0.0.1:8443',
          freeSample: false,
        }),
      ),
    );
    const { tradeId } = parse(await buyer.submitTransaction('Purchase', id, resultKey)) as {
      tradeId: string;
    };
    await clinic.submitTransaction('ConfirmDelivery', tradeId, sha256('bundle'), '4242');
    await buyer.submitTransaction('SubmitResult', tradeId, sha256('result'), '10');
    const settled = parse(
      await clinic.submitTransaction(
        'DeliverResult',
        tradeId,
        Buffer.from('sealed').toString('base64'),
        sha256('plain'),
      ),
    ) as { state: string };
    expect(settled.state).to.equal('SETTLED');
    // Read through the buyer org's peer, which may commit a block after the submitter's.
    const settles = async (account: string, expected: number) =>
      waitFor(`balance ${expected} of ${account}`, async () =>
        (await balanceOf(account)) === expected ? true : undefined,
      );
    await settles(clinicAccount, clinicBefore + 100);
    await settles(buyerAccount, buyerBefore - 100);
  });

  it('keeps a clinic,buyer dataset channel private from the other orgs', async () => {
    await testNetwork.createChannel('ds-clinic', ['clinic', 'buyer']);
    await testNetwork.deployChaincode('ds-clinic');
    const clinic = await open('clinic', 'User1');
    const dataset = clinic.gateway.getNetwork('ds-clinic').getContract(CHAINCODE);
    await retryWhileEndorsersSettle(() => dataset.submitTransaction('Initialize', 'AuditorMSP'));
    const buyer = await open('buyer', 'Admin');
    const fromBuyer = buyer.gateway.getNetwork('ds-clinic').getContract(CHAINCODE);
    await fromBuyer.evaluateTransaction('GetConfig');

    const seller = await open('seller', 'User1');
    await expectRefused(
      seller.gateway
        .getNetwork('ds-clinic')
        .getContract(CHAINCODE)
        .evaluateTransaction('GetConfig'),
      'the seller reading ds-clinic through its own peer',
    );
    // Nor through the clinic's peer: the channel's Readers policy does not name SellerMSP.
    const sellerViaClinic = await connectAs(
      network,
      { org: 'seller', user: 'User1' },
      clinic.client,
    );
    connections.push(sellerViaClinic);
    await expectRefused(
      sellerViaClinic.gateway
        .getNetwork('ds-clinic')
        .getContract(CHAINCODE)
        .evaluateTransaction('GetConfig'),
      "the seller reading ds-clinic through the clinic's peer",
    );
  });

  it('removeOrg clinic: its channels drop it, its nodes stop, endorsement loosens to 2 of 3', async () => {
    await testNetwork.must('removeOrg', 'clinic');
    added = false;
    network = await testNetwork.describe();
    expect(Object.keys(network.orgs)).to.deep.equal(['seller', 'buyer', 'auditor']);
    const status = await testNetwork.run('status');
    expect(status.code, status.output).to.equal(0);
    expect(status.output).to.not.match(/clinic\s+\d+/);
    expect(status.output).to.match(/channel market\s+orgs: seller buyer auditor\s*$/m);
    expect(status.output).to.match(/channel ds-clinic\s+orgs: buyer\s*$/m);
    const auditor = await open('auditor', 'Admin');
    expect(await endorsersOfATransfer(market(auditor), auditor)).to.have.length(2);
    const again = await testNetwork.run('addOrg', 'clinic');
    expect(again.code).to.not.equal(0);
    expect(again.output).to.match(/was removed from this network/);
  });
});
