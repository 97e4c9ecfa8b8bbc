/** Why an aggregation step was refused: a wrong ring, a value out of bounds, a bad key or share. */
export class AggregationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AggregationError';
  }
}
