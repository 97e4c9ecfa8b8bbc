import '../support/quiet.js';
import { expect } from 'chai';
import { accountOf, auditor, buyer, buyer2, identity, Market, seller, T0 } from './market.js';
import { messageOf } from '../support/message-of.js';

describe('tokens', () => {
  let m: Market;
  beforeEach(() => {
    m = new Market();
  });

  describe('Initialize', () => {
    it('sets the issuer org once, defaulting to AuditorMSP, and emits TokenEvent Initialized', async () => {
      const call = await m.invoke(seller, 'Initialize', ['']);
      const config = JSON.parse(call.result) as Record<string, unknown>;
      expect(config).to.include({
        issuerMspId: 'AuditorMSP',
        initializedBy: accountOf(seller),
        initializedAt: T0,
      });
      expect(call.event?.name).to.equal('TokenEvent');
      expect(call.event?.payload).to.include({
        type: 'Initialized',
        issuerMspId: 'AuditorMSP',
        txId: call.txId,
      });
      expect(await m.json(buyer, 'GetConfig')).to.deep.equal(config);
      await m.refuse(auditor, 'Initialize', ['AuditorMSP'], 'ALREADY_EXISTS', [
        'already initialized',
        'runs once',
      ]);
      await m.refuse(auditor, 'Initialize', ['SellerMSP'], 'ALREADY_EXISTS');
    });

    it('accepts an explicit issuer org and refuses a malformed one', async () => {
      await m.refuse(auditor, 'Initialize', ['Bad MSP!'], 'INVALID_ARGUMENT', ['issuerMspId']);
      await m.call(auditor, 'Initialize', ['SellerMSP']);
      await m.call(seller, 'Mint', ['5']);
      await m.refuse(auditor, 'Mint', ['5'], 'FORBIDDEN', ['SellerMSP', 'AuditorMSP']);
    });

    it('GetConfig before Initialize says so', async () => {
      let message = '';
      await m.call(buyer, 'GetConfig').catch((e: unknown) => (message = messageOf(e)));
      expect(message).to.match(/^NOT_INITIALIZED/);
    });
  });

  describe('Mint, MintTo, Burn', () => {
    it('mints to the issuer caller and updates the total supply', async () => {
      await m.call(auditor, 'Initialize', ['']);
      const call = await m.invoke(auditor, 'Mint', ['1000']);
      expect(call.event?.payload).to.include({
        type: 'Minted',
        from: null,
        to: accountOf(auditor),
        amount: '1000',
        totalSupply: '1000',
      });
      expect(await m.balance(auditor)).to.equal(1000n);
      expect(await m.call(buyer, 'TotalSupply')).to.equal('1000');
      await m.call(auditor, 'MintTo', [accountOf(buyer), '250']);
      expect(await m.balance(buyer)).to.equal(250n);
      expect(await m.call(buyer, 'TotalSupply')).to.equal('1250');
    });

    it('refuses minting before Initialize, by other orgs, and of bad amounts', async () => {
      await m.refuse(auditor, 'Mint', ['10'], 'NOT_INITIALIZED', ['Initialize']);
      await m.call(auditor, 'Initialize', ['']);
      await m.refuse(seller, 'Mint', ['10'], 'FORBIDDEN', ['issuer org AuditorMSP', 'SellerMSP']);
      await m.refuse(buyer, 'MintTo', [accountOf(buyer), '10'], 'FORBIDDEN');
      for (const bad of ['0', '-1', '1.5', '1e3', '+1', 'abc', '', '9007199254740992']) {
        await m.refuse(auditor, 'Mint', [bad], 'INVALID_ARGUMENT', ['amount']);
      }
      await m.refuse(auditor, 'MintTo', ['not-an-account', '10'], 'INVALID_ARGUMENT', [
        'accountId',
      ]);
    });

    it('caps the total supply at Number.MAX_SAFE_INTEGER', async () => {
      await m.call(auditor, 'Initialize', ['']);
      await m.call(auditor, 'Mint', ['9007199254740990']);
      await m.refuse(auditor, 'MintTo', [accountOf(buyer), '2'], 'LIMIT', ['cap']);
      await m.call(auditor, 'MintTo', [accountOf(buyer), '1']);
      expect(await m.call(auditor, 'TotalSupply')).to.equal('9007199254740991');
    });

    it('burns only the issuer caller’s own tokens', async () => {
      await m.fund([
        [auditor, 100],
        [buyer, 50],
      ]);
      const call = await m.invoke(auditor, 'Burn', ['40']);
      expect(call.event?.payload).to.include({
        type: 'Burned',
        from: accountOf(auditor),
        to: null,
        amount: '40',
        totalSupply: '110',
      });
      expect(await m.balance(auditor)).to.equal(60n);
      await m.refuse(auditor, 'Burn', ['61'], 'INSUFFICIENT_FUNDS', ['needs 61', 'is 60']);
      await m.refuse(buyer, 'Burn', ['10'], 'FORBIDDEN');
      await m.refuse(auditor, 'Burn', ['0'], 'INVALID_ARGUMENT');
      expect(await m.call(buyer, 'TotalSupply')).to.equal('110');
    });
  });

  describe('Transfer', () => {
    beforeEach(async () => {
      await m.fund([[buyer, 100]]);
    });

    it('moves tokens between accounts and emits TokenEvent Transferred', async () => {
      const call = await m.invoke(buyer, 'Transfer', [accountOf(buyer2), '30']);
      expect(call.event).to.deep.equal({
        name: 'TokenEvent',
        payload: {
          type: 'Transferred',
          from: accountOf(buyer),
          to: accountOf(buyer2),
          amount: '30',
          totalSupply: null,
          issuerMspId: null,
          txId: call.txId,
          timestamp: T0,
        },
      });
      expect(await m.balance(buyer)).to.equal(70n);
      expect(await m.balance(buyer2)).to.equal(30n);
      await m.call(buyer, 'Transfer', [accountOf(buyer2), '70']);
      expect(await m.balance(buyer)).to.equal(0n);
    });

    it('refuses overdrafts, self-transfers, bad amounts and malformed accounts', async () => {
      await m.refuse(buyer, 'Transfer', [accountOf(buyer2), '101'], 'INSUFFICIENT_FUNDS', [
        'needs 101',
        'is 100',
      ]);
      await m.refuse(buyer2, 'Transfer', [accountOf(buyer), '1'], 'INSUFFICIENT_FUNDS');
      await m.refuse(buyer, 'Transfer', [accountOf(buyer), '10'], 'INVALID_ARGUMENT', [
        'own account',
      ]);
      for (const bad of ['0', '-3', '2.5', '1E2', '+2', 'x', '99999999999999999999']) {
        await m.refuse(buyer, 'Transfer', [accountOf(buyer2), bad], 'INVALID_ARGUMENT', ['amount']);
      }
      for (const account of [
        '',
        'BuyerMSP',
        'BuyerMSP::only-two',
        '::a::b',
        'Bad MSP::a::b',
        'A::\u0000::b',
        'A::x\u{10ffff}::b',
        'A::\ud800::b',
      ]) {
        await m.refuse(buyer, 'Transfer', [account, '1'], 'INVALID_ARGUMENT', ['toAccountId']);
      }
    });

    it('refuses a timestamp more than the allowed skew from the peer clock, either way', async () => {
      const args = [accountOf(buyer2), '1'];
      await m.refuse(buyer, 'Transfer', args, 'CLOCK_SKEW', ['ahead of', 'limit is 300 s'], {
        at: T0 + 301_000,
      });
      await m.refuse(buyer, 'Transfer', args, 'CLOCK_SKEW', ['behind'], { at: T0 - 301_000 });
      await m.call(buyer, 'Transfer', args, { at: T0 + 300_000 });
      await m.call(buyer, 'Transfer', args, { at: T0 - 300_000 });
      expect(await m.balance(buyer2)).to.equal(2n);
    });
  });

  describe('queries', () => {
    it('ClientAccountID is "<msp>::<subject>::<issuer>" as plain text; BalanceOf and TotalSupply are bare decimals', async () => {
      const id = await m.call(buyer, 'ClientAccountID');
      expect(id).to.equal(
        'BuyerMSP::/C=US/ST=North Carolina/L=Durham/OU=client/CN=User1@buyer.example.com::/C=US/ST=North Carolina/L=Durham/O=buyer.example.com/CN=ca.buyer.example.com',
      );
      expect(await m.call(buyer, 'BalanceOf', [id])).to.equal('0');
      expect(await m.call(buyer, 'TotalSupply')).to.equal('0');
      const other = identity('BuyerMSP', 'User1', 'other-ca');
      expect(await m.call(other, 'ClientAccountID')).to.not.equal(id);
    });

    it('queries are not subject to the clock check (nothing is written)', async () => {
      expect(await m.call(buyer, 'TotalSupply', [], { at: T0 + 3_600_000 })).to.equal('0');
    });
  });
});
