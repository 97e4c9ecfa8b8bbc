import { expect } from 'chai';
import { COMMANDS } from '../../../src/cli/commands.js';
import { computationFrom } from '../../../src/cli/commands/computation-options.js';
import { privacyTerms } from '../../../src/cli/commands/privacy-options.js';
import { GLOBAL_OPTIONS } from '../../../src/cli/options.js';
import { parseCommandLine } from '../../../src/cli/parse.js';

function input(...argv: string[]) {
  const parsed = parseCommandLine(argv, COMMANDS, GLOBAL_OPTIONS);
  if (parsed.kind !== 'run') expect.fail('expected a command to run');
  return parsed.input;
}

describe('cli: approved computations by name', () => {
  it('run --computation lr-epochs builds the parameters, with no script', () => {
    const run = input(
      'run',
      '--computation',
      'lr-epochs',
      '--features',
      'a,b',
      '--target',
      'y',
      '--epochs',
      '3',
      '--learning-rate',
      '0.5',
      '--bundle',
      'b',
      '--out',
      'o',
    );
    expect(run.args).to.deep.equal([]);
    expect(computationFrom(run)).to.deep.equal({
      computationId: 'lr-epochs',
      params: {
        features: ['a', 'b'],
        target: 'y',
        epochs: 3,
        learningRate: 0.5,
        initialWeights: [0.01, 0.01],
        initialBias: 0,
      },
    });
  });

  it('means, xty and JSON parameters; unknown names and missing columns are usage errors', () => {
    const means = input(
      'run',
      '--computation',
      'column-means',
      '--columns',
      'x, y',
      '--bundle',
      'b',
      '--out',
      'o',
    );
    expect(computationFrom(means)).to.deep.equal({
      computationId: 'column-means',
      params: { columns: ['x', 'y'] },
    });
    const xty = input(
      'run',
      '--computation',
      'xty',
      '--columns',
      'x',
      '--target',
      'y',
      '--bundle',
      'b',
      '--out',
      'o',
    );
    expect(computationFrom(xty)?.params).to.deep.equal({ columns: ['x'], target: 'y' });
    const json = input(
      'run',
      '--computation',
      'my-script',
      '--params',
      '{"k":1}',
      '--bundle',
      'b',
      '--out',
      'o',
    );
    expect(computationFrom(json)).to.deep.equal({ computationId: 'my-script', params: { k: 1 } });
    expect(() =>
      computationFrom(input('run', '--computation', 'raw', '--bundle', 'b', '--out', 'o')),
    ).to.throw(/unknown computation/);
    expect(() =>
      computationFrom(input('run', '--computation', 'xtx', '--bundle', 'b', '--out', 'o')),
    ).to.throw(/--columns/);
    expect(computationFrom(input('run', 'script.js', '--bundle', 'b', '--out', 'o'))).to.equal(
      undefined,
    );
  });

  it('sell --approve / --sample-kind / --max-values-per-key make the privacy terms', () => {
    const base = ['sell', 'ds', '--csv', 'f', '--title', 't', '--price', '1'];
    expect(
      privacyTerms(
        input(
          ...base,
          '--approve',
          'column-means,xtx',
          '--sample-kind',
          'marginals',
          '--max-values-per-key',
          '32',
        ),
      ),
    ).to.deep.equal({
      computationPolicy: {
        mode: 'approved',
        computations: [
          { id: 'column-means', kind: 'builtin' },
          { id: 'xtx', kind: 'builtin' },
        ],
      },
      sampleKind: 'marginals',
      maxValuesPerKey: 32,
    });
    expect(privacyTerms(input(...base))).to.deep.equal({});
    expect(() => privacyTerms(input(...base, '--approve', 'raw-rows'))).to.throw(/not one of/);
  });
});
