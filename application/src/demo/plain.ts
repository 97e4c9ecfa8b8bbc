/** Plain arithmetic the demo prints next to the encrypted results. */

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / (values.length || 1);

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** The thesis's degree-3 approximation of the sigmoid. */
export const sigmoid3 = (z: number) => 0.5 + 0.197 * z - 0.004 * z ** 3;

/** `values[index]`, which must exist (the demo's vectors all have the model's width). */
export function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined)
    throw new RangeError(`index ${index} outside a vector of ${values.length}`);
  return value;
}

/** w·row + bias, the weights followed by the bias in `w`. */
const linear = (row: number[], w: number[]) =>
  row.reduce((a, v, j) => a + v * at(w, j), at(w, row.length));

/**
 * Full-batch gradient descent for logistic regression, weights then bias, with a given sigmoid.
 * The same algorithm the encrypted training runs, so the two can be compared value by value.
 */
export function trainLogistic(
  x: number[][],
  y: number[],
  epochs: number,
  learningRate: number,
  activation: (z: number) => number = sigmoid3,
  initial?: number[],
): number[] {
  const d = x[0]?.length ?? 0;
  let w = initial ? [...initial] : new Array<number>(d + 1).fill(0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gradient = new Array<number>(d + 1).fill(0);
    for (const [i, row] of x.entries()) {
      const error = activation(linear(row, w)) - at(y, i);
      for (const [j, v] of row.entries()) gradient[j] = at(gradient, j) + error * v;
      gradient[d] = at(gradient, d) + error;
    }
    w = w.map((wj, j) => wj - (learningRate * at(gradient, j)) / x.length);
  }
  return w;
}

export function accuracy(x: number[][], y: number[], w: number[]): number {
  let correct = 0;
  for (const [i, row] of x.entries()) {
    const p = sigmoid(linear(row, w));
    if ((p >= 0.5 ? 1 : 0) === y[i]) correct++;
  }
  return correct / (x.length || 1);
}
