/**
 * `datamarket run --computation NAME …`: the approved computation's parameters from options,
 * so a buyer never writes ciphertext code for a built-in.
 */
import { BUILTIN_COMPUTATIONS } from '@datamarket/chaincode/api';
import { UsageError, type CommandInput, type OptionTable } from '../command.js';

export const COMPUTATION_OPTIONS: OptionTable = {
  computation: {
    type: 'string',
    value: 'NAME',
    description: `an approved computation instead of SCRIPT (${BUILTIN_COMPUTATIONS.join(', ')})`,
  },
  columns: { type: 'string', value: 'A,B', description: 'columns (means, sums, xtx, xty)' },
  features: { type: 'string', value: 'A,B', description: 'feature columns (lr-epochs)' },
  target: { type: 'string', value: 'COL', description: 'target column (xty, lr-epochs)' },
  epochs: { type: 'string', value: 'K', description: 'epochs (lr-epochs, default 1)' },
  'learning-rate': { type: 'string', value: 'LR', description: 'learning rate (default 1)' },
  'initial-weights': {
    type: 'string',
    value: 'W,…',
    description: 'initial weights (default 0.01 each)',
  },
  'initial-bias': { type: 'string', value: 'B', description: 'initial bias (default 0)' },
  params: { type: 'string', value: 'JSON', description: 'or all parameters as JSON' },
};

const list = (text: string | undefined, what: string): string[] => {
  const items = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`--${what} is required for this computation`);
  return items;
};

/** The computation named on the command line and its parameters (undefined: a script). */
export function computationFrom(
  input: CommandInput,
): { computationId: string; params: unknown } | undefined {
  const computationId = input.string('computation');
  if (computationId === undefined) return undefined;
  const json = input.string('params');
  if (json !== undefined) {
    try {
      return { computationId, params: JSON.parse(json) as unknown };
    } catch {
      throw new UsageError('--params must be JSON');
    }
  }
  switch (computationId) {
    case 'column-means':
    case 'column-sums':
    case 'xtx':
      return { computationId, params: { columns: list(input.string('columns'), 'columns') } };
    case 'xty':
      return {
        computationId,
        params: {
          columns: list(input.string('columns'), 'columns'),
          target: input.required('target'),
        },
      };
    case 'lr-epochs': {
      const features = list(input.string('features'), 'features');
      const weights = input.string('initial-weights');
      return {
        computationId,
        params: {
          features,
          target: input.required('target'),
          epochs: input.number('epochs', 1),
          learningRate: input.number('learning-rate', 1),
          initialWeights: weights
            ? list(weights, 'initial-weights').map(Number)
            : features.map(() => 0.01),
          initialBias: input.number('initial-bias', 0),
        },
      };
    }
    default:
      throw new UsageError(
        `unknown computation '${computationId}': give --params JSON for a seller script, or one of ${BUILTIN_COMPUTATIONS.join(', ')}`,
      );
  }
}
