/**
 * Compile-time checks that a schema's type is a TypeScript type: `Assert<Equal<A, B>>` fails
 * to compile when the two drift apart (a field added, removed, made optional or retyped on
 * one side), because each must be assignable to the other.
 */
export type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;
/** An intersection as one object type, for readable errors. */
export type Flat<T> = { [K in keyof T]: T[K] };
