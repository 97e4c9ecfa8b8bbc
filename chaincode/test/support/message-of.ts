/** The message of whatever a rejected call threw (tests compare refusal texts). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
