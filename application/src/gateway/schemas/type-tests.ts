/**
 * Compile-time checks that a schema's type is exactly a TypeScript type: `Assert<Equal<A, B>>`
 * fails to compile when the two drift apart (a field added, removed, or retyped on one side).
 */
export type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Assert<T extends true> = T;
/** An intersection as one object type, so Equal can compare it. */
export type Flat<T> = { [K in keyof T]: T[K] };
