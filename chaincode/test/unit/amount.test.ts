import '../support/quiet.js';
import { expect } from 'chai';
import { MAX_AMOUNT, parseAmount } from '../../src/amount.js';
import { ContractError } from '../../src/errors.js';

function refusal(raw: unknown, allowZero = false): string {
  try {
    parseAmount('amount', raw, allowZero);
  } catch (error) {
    expect(error).to.be.instanceOf(ContractError);
    return (error as ContractError).message;
  }
  throw new Error(`parseAmount accepted ${String(raw)}`);
}

describe('amounts', () => {
  it('accepts positive integers written as plain decimal digits, up to the cap', () => {
    expect(parseAmount('amount', '1')).to.equal(1n);
    expect(parseAmount('amount', '250')).to.equal(250n);
    expect(parseAmount('amount', '9007199254740991')).to.equal(MAX_AMOUNT);
    expect(parseAmount('deposit', '0', true)).to.equal(0n);
  });

  const cases: [string, unknown, RegExp][] = [
    ['zero', '0', /is zero/],
    ['negative', '-5', /is negative/],
    ['negative fraction', '-0.5', /is negative/],
    ['fractional', '1.5', /is fractional/],
    ['trailing dot', '10.', /is fractional/],
    ['leading dot', '.5', /is fractional/],
    ['exponent', '1e3', /exponent notation/],
    ['exponent with sign', '2.5E+2', /exponent notation/],
    ['leading plus', '+7', /leading '\+'/],
    ['non-numeric', 'ten', /not a decimal number/],
    ['hex', '0x10', /not a decimal number/],
    ['digits then letters', '12abc', /not a decimal number/],
    ['empty', '', /is empty/],
    ['whitespace', ' 5', /whitespace/],
    ['leading zeros', '007', /leading zeros/],
    ['just above the cap', '9007199254740992', /overflows/],
    ['far above the cap', '1'.repeat(400), /overflows/],
    ['not a string', 5, /must be a string/],
    ['Infinity', 'Infinity', /not a decimal number/],
    ['NaN', 'NaN', /not a decimal number/],
  ];
  for (const [what, raw, pattern] of cases) {
    it(`refuses ${what} (${JSON.stringify(raw).slice(0, 20)}) naming the problem`, () => {
      const message = refusal(raw);
      expect(message).to.match(/^INVALID_ARGUMENT: amount /);
      expect(message).to.match(pattern);
    });
  }

  it('keeps quoted input short in messages', () => {
    expect(refusal('9'.repeat(1000)).length).to.be.lessThan(200);
  });
});
