import fabricContractApi from 'fabric-contract-api';
import type { ContractOptions } from './ledger.js';
import { PoolTransactions } from './transactions/pools.js';

// Decorators from the default import: see transactions/tokens.ts.
const { Info } = fabricContractApi;

/**
 * The datamarket contract: tokens, dataset listings and escrowed trades. Every transaction
 * takes string arguments and returns a string (JSON unless documented otherwise); see
 * docs/chaincode.md for each function, the trade state machine and the events. Each area's
 * transactions live in transactions/ (tokens, listings, trades, pools), each class adding
 * its own to the one before, so clients call every name bare ("Purchase") on this contract.
 */
@Info({
  title: 'datamarket',
  description:
    'Tokens, dataset listings and escrowed trades for computations on CKKS-encrypted data',
})
export class DataMarketContract extends PoolTransactions {
  constructor(options: ContractOptions = {}) {
    super(options);
  }
}
