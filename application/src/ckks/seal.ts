/**
 * Loads node-seal (SEAL compiled to WebAssembly) once per process and keeps a handle on the
 * module's linear memory so the WASM heap size can be observed (node-seal does not export it).
 * Also turns SEAL's C++ exceptions into {@link CkksError}s.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import initialize, { type MainModule } from 'node-seal';
import { CkksError, type CkksErrorCode } from './errors.js';

export type SealModule = MainModule;

/** The few WebAssembly APIs used here (the project's TS lib has no DOM/WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  instantiate(
    bytes: Uint8Array,
    imports: unknown,
  ): Promise<{ instance: WasmInstance; module: unknown }>;
  Memory: abstract new (...args: never[]) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Loaded {
  seal: SealModule;
  memory: WasmMemory | undefined;
}

let loading: Promise<Loaded> | undefined;
let loaded: Loaded | undefined;

async function load(): Promise<Loaded> {
  const wasmUrl = new URL('./seal_throws.wasm', import.meta.resolve('node-seal'));
  const bytes = await readFile(fileURLToPath(wasmUrl));
  let memory: WasmMemory | undefined;
  const seal = await initialize({
    // Instantiate the module ourselves to keep a reference to its exported memory.
    instantiateWasm(imports: unknown, done: (instance: WasmInstance, module: unknown) => void) {
      void wasm.instantiate(bytes, imports).then(({ instance, module }) => {
        memory = Object.values(instance.exports).find(
          (v): v is WasmMemory => v instanceof wasm.Memory,
        );
        done(instance, module);
      });
      return {};
    },
  });
  loaded = { seal, memory };
  return loaded;
}

/** The node-seal module (loaded on first call; later calls reuse it). */
export async function getSeal(): Promise<SealModule> {
  loading ??= load();
  return (await loading).seal;
}

/** The module if already loaded, else throws (for synchronous code paths after setup). */
export function sealSync(): SealModule {
  if (!loaded) throw new CkksError('SEAL_ERROR', 'node-seal is not loaded yet: await getSeal()');
  return loaded.seal;
}

/**
 * Current size in bytes of SEAL's WebAssembly heap (linear memory). WASM memory never shrinks, so
 * a leak shows up as growth of this number over repeated work.
 */
export function wasmHeapBytes(): number {
  // Before the first context the module is not loaded: no SEAL heap exists yet.
  if (!loaded) return 0;
  const memory = loaded.memory;
  if (!memory) throw new CkksError('SEAL_ERROR', 'the SEAL module memory is not available');
  return memory.buffer.byteLength;
}

/** Extracts SEAL's message from a thrown C++ exception (WebAssembly.Exception) or Error. */
export function sealMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const m = e.message;
    if (Array.isArray(m)) return m.filter((x) => typeof x === 'string').join(': ');
    if (typeof m === 'string') return m;
  }
  return String(e);
}

/** Runs `fn`, converting SEAL exceptions into a CkksError with `code` and a context message. */
export function sealCall<T>(what: string, fn: () => T, code: CkksErrorCode = 'SEAL_ERROR'): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CkksError) throw e;
    throw new CkksError(code, `${what}: ${sealMessage(e)}`, { cause: e });
  }
}

/** Anything with a node-seal `delete()`. */
export interface Deletable {
  delete(): void;
  isDeleted(): boolean;
}

/** Deletes every argument that is defined and not yet deleted. */
export function free(...objects: (Deletable | undefined | null)[]): void {
  for (const o of objects) if (o && !o.isDeleted()) o.delete();
}

/**
 * Makes a SEAL object usable with `using`: it is deleted at the end of the enclosing block,
 * also when the block throws (`using pt = owned(ctx.encode(...))`).
 */
export function owned<T extends Deletable>(o: T): T & Disposable {
  return Object.assign(o, {
    [Symbol.dispose]: () => {
      free(o);
    },
  });
}

/** Anything SEAL can load from serialized bytes. */
interface Loadable<C> {
  loadFromArray(context: C, bytes: Uint8Array): void;
}

/** Loads `bytes` into `target`, converting SEAL exceptions into a CkksError (default CORRUPT). */
export function sealLoad<C>(
  what: string,
  target: Loadable<C>,
  context: C,
  bytes: Uint8Array,
  code: CkksErrorCode = 'CORRUPT',
): void {
  sealCall(
    what,
    () => {
      target.loadFromArray(context, bytes);
    },
    code,
  );
}
