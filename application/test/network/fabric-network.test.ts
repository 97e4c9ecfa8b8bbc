import { common } from '@hyperledger/fabric-protos';
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import {
  connectAs,
  retryWhileEndorsersSettle,
  TestNetwork,
  type GatewayConnection,
  type NetworkDescription,
} from '../../src/fabric/index.js';
import { ensureInitialized, ensureTestNetwork, testNetwork } from './test-network-fixture.js';
import { connectWithProfile } from './fabric-network-client.js';

const utf8 = new TextDecoder();
const CHAINCODE = 'datamarket';

async function blockHeight(connection: GatewayConnection, channel: string): Promise<bigint> {
  const qscc = connection.gateway.getNetwork(channel).getContract('qscc');
  const bytes = await qscc.evaluateTransaction('GetChainInfo', channel);
  return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
}

async function waitFor(what: string, check: () => Promise<boolean>, seconds = 60): Promise<void> {
  for (let i = 0; i < seconds * 2; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

describe('native Fabric test network', function () {
  this.timeout(600_000);
  let network: NetworkDescription;
  const connections: GatewayConnection[] = [];
  const open = async (org: string, user = 'User1') => {
    const connection = await connectAs(network, { org, user });
    connections.push(connection);
    return connection;
  };

  before(async () => {
    await ensureTestNetwork();
    network = await testNetwork.describe();
  });

  after(() => {
    for (const connection of connections) connection.close();
  });

  it('reports every node healthy', async () => {
    const status = await testNetwork.run('status');
    expect(status.code, status.output).to.equal(0);
    for (const node of [
      'orderer1',
      'orderer2',
      'orderer3',
      'peer0.seller',
      'peer0.buyer',
      'peer0.auditor',
    ]) {
      expect(status.output).to.match(new RegExp(`${node.replace('.', '\\.')}\\s+\\d+\\s+healthy`));
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    const pids = [...(await testNetwork.pids()).values()];
    const listeners = execFileSync('ss', ['-Htlnp'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
      .map((line) => line.trim().split(/\s+/)[3] ?? '');
    expect(listeners.length).to.be.at.least(6 * 3);
    expect(listeners.filter((address) => !address.startsWith('127.0.0.1:'))).to.deep.equal([]);
  });

  it('refuses bad use at once with a clear message and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown verb 'frobnicate'/],
      [['up'], /already up/],
      [['createChannel', '-c', 'market', '--orgs', 'seller'], /channel 'market' already exists/],
      [['createChannel', '-c', 'lab', '--orgs', 'seller,nobody'], /unknown org 'nobody'/],
      [['createChannel', '-c', 'Bad_Name', '--orgs', 'seller'], /bad channel name/],
      [['deployCC', '-c', 'nochannel'], /unknown channel 'nochannel'/],
      [['stopNode', 'peer9.nobody'], /unknown node/],
    ];
    for (const [args, message] of cases) {
      const result = await testNetwork.run(...args);
      expect(result.code, args.join(' ')).to.not.equal(0);
      expect(result.output, args.join(' ')).to.match(message);
    }
    // A second network on the same ports stops before starting anything.
    const clash = new TestNetwork({
      runDir: `${testNetwork.runDir}-clash`,
      portBase: testNetwork.portBase,
    });
    const result = await clash.run('up');
    expect(result.code).to.not.equal(0);
    expect(result.output).to.match(/port \d+ .* in use/);
    expect(await clash.pids()).to.have.property('size', 0);
  });

  it('submits and evaluates as users of each org and delivers a chaincode event', async () => {
    const auditor = await open('auditor');
    const seller = await open('seller');
    const buyer = await open('buyer');
    const market = (c: GatewayConnection) => c.gateway.getNetwork('market').getContract(CHAINCODE);

    await ensureInitialized(market(auditor));
    const buyerAccount = utf8.decode(await market(buyer).evaluateTransaction('ClientAccountID'));
    expect(buyerAccount).to.include('BuyerMSP');

    const minted = await market(auditor).submitAsync('Mint', { arguments: ['1000'] });
    const mintStatus = await minted.getStatus();
    expect(mintStatus.successful).to.equal(true);

    // Events are read from the block that committed the transfer onwards.
    const transfer = await market(auditor).submitAsync('Transfer', {
      arguments: [buyerAccount, '250'],
    });
    const transferStatus = await transfer.getStatus();
    expect(transferStatus.successful, `transfer status ${transferStatus.code}`).to.equal(true);
    const events = await auditor.gateway
      .getNetwork('market')
      .getChaincodeEvents(CHAINCODE, { startBlock: transferStatus.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId !== transfer.getTransactionId()) continue;
        expect(event.chaincodeName).to.equal(CHAINCODE);
        expect(event.eventName.length).to.be.greaterThan(0);
        expect(JSON.parse(utf8.decode(event.payload))).to.be.an('object');
        break;
      }
    } finally {
      events.close();
    }

    // Every org's peer has the same committed state.
    for (const reader of [seller, buyer, auditor]) {
      const balance = utf8.decode(
        await market(reader).evaluateTransaction('BalanceOf', buyerAccount),
      );
      expect(Number(balance), `balance read through ${reader.identity.mspId}`).to.equal(250);
    }
  });

  it('serves a fabric-network 2.2 app that connects with a profile from network.sh profile', async () => {
    const profilePath = (await testNetwork.must('profile', 'seller')).trim().split('\n').at(-1);
    const client = await connectWithProfile(profilePath ?? '', network, 'seller', 'User1');
    try {
      const contract = (await client.gateway.getNetwork('market')).getContract(CHAINCODE);
      const account = (await contract.evaluateTransaction('ClientAccountID')).toString();
      expect(account).to.include('SellerMSP');
      const auditor = await open('auditor');
      const market = auditor.gateway.getNetwork('market').getContract(CHAINCODE);
      await ensureInitialized(market);
      const before = Number((await contract.evaluateTransaction('BalanceOf', account)).toString());
      await market.submitTransaction('Mint', '100');
      await market.submitTransaction('Transfer', account, '40');

      // The seller sends 15 back; its app hears the contract event of that transaction.
      const auditorAccount = utf8.decode(await market.evaluateTransaction('ClientAccountID'));
      const transaction = contract.createTransaction('Transfer');
      const heard = client.nextEventOf(contract, transaction.getTransactionId());
      await transaction.submit(auditorAccount, '15');
      const event = await heard;
      expect(event.chaincodeId).to.equal(CHAINCODE);
      expect(event.eventName.length).to.be.greaterThan(0);
      const balance = await contract.evaluateTransaction('BalanceOf', account);
      expect(Number(balance.toString())).to.equal(before + 25);
    } finally {
      client.close();
    }
  });

  it('keeps a dataset channel private to the orgs it admits', async () => {
    await testNetwork.createChannel('ds-heart', ['seller', 'auditor']);
    await testNetwork.deployChaincode('ds-heart');
    const seller = await open('seller');
    const dataset = seller.gateway.getNetwork('ds-heart').getContract(CHAINCODE);
    // The first endorsement on a new channel waits for discovery to see both orgs' chaincode.
    await retryWhileEndorsersSettle(() => dataset.submitTransaction('Initialize', 'AuditorMSP'));
    const sellerAccount = utf8.decode(await dataset.evaluateTransaction('ClientAccountID'));
    expect(
      Number(utf8.decode(await dataset.evaluateTransaction('BalanceOf', sellerAccount))),
    ).to.equal(0);

    const buyer = await open('buyer');
    const throughOwnPeer = buyer.gateway.getNetwork('ds-heart').getContract(CHAINCODE);
    await expectRejected(
      throughOwnPeer.evaluateTransaction('BalanceOf', sellerAccount),
      'the buyer peer',
    );
    // Nor can a buyer identity read it through the seller's peer: the channel's Readers policy.
    const buyerOnSellerPeer = await connectAs(
      network,
      { org: 'buyer', user: 'User1' },
      seller.client,
    );
    connections.push(buyerOnSellerPeer);
    const viaSeller = buyerOnSellerPeer.gateway.getNetwork('ds-heart').getContract(CHAINCODE);
    await expectRejected(
      viaSeller.evaluateTransaction('BalanceOf', sellerAccount),
      'the seller peer',
    );
    await expectRejected(blockHeight(buyer, 'ds-heart'), 'qscc on the buyer peer');
  });

  it('lets a stopped peer catch up with the channel when it comes back', async () => {
    const auditor = await open('auditor');
    const before = await blockHeight(auditor, 'market');
    await testNetwork.stopNode('peer0.auditor');

    // Seller and buyer are a majority of three: the channel goes on without the auditor. The
    // orgs are named because discovery may still list the stopped peer for a few seconds.
    const buyer = await open('buyer');
    const market = buyer.gateway.getNetwork('market').getContract(CHAINCODE);
    const buyerOnly = { endorsingOrganizations: ['BuyerMSP'] };
    const buyerAccount = utf8.decode(await market.evaluate('ClientAccountID', buyerOnly));
    const sellerConnection = await open('seller');
    const sellerAccount = utf8.decode(
      await sellerConnection.gateway
        .getNetwork('market')
        .getContract(CHAINCODE)
        .evaluate('ClientAccountID', { endorsingOrganizations: ['SellerMSP'] }),
    );
    for (let i = 0; i < 3; i++) {
      await retryWhileEndorsersSettle(() =>
        market.submit('Transfer', {
          arguments: [sellerAccount, '10'],
          endorsingOrganizations: ['SellerMSP', 'BuyerMSP'],
        }),
      );
    }
    const target = await blockHeight(buyer, 'market');
    expect(target > before).to.equal(true);

    await testNetwork.startNode('peer0.auditor');
    const auditorAgain = await open('auditor');
    await waitFor(
      'the auditor peer to reach the channel height',
      async () => (await blockHeight(auditorAgain, 'market')) >= target,
    );
    const balance = utf8.decode(
      await auditorAgain.gateway
        .getNetwork('market')
        .getContract(CHAINCODE)
        .evaluateTransaction('BalanceOf', buyerAccount),
    );
    expect(Number(balance)).to.equal(220);
  });
});

async function expectRejected(promise: Promise<unknown>, where: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(Error);
    return;
  }
  expect.fail(`expected the read through ${where} to be refused`);
}
