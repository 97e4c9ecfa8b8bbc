/**
 * The REST side of the bench's overhead scenario runs its HTTP clients in a process of their
 * own, as a buyer's clients are: the buyer app's event loop then carries the app's work only,
 * and this process's CPU is reported on its own. The parent (ledger-scenarios.ts) sends one
 * JSON line per run on stdin and reads one JSON line back per run.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DataMarketClient } from '../src/client/index.js';

export interface ClientSetup {
  url: string;
  tokens: string[];
  datasetId: string;
  /** Purchases in a row per client in a `loops` run. */
  each: number;
}

/** `loops`: every client's `each` purchases in a row, all clients at once; `burst`: `count` purchases by the first client, all at once. */
export type ClientCommand = { run: 'loops' } | { run: 'burst'; count: number };

export interface ClientRun {
  failed: number;
  seconds: number;
  /** CPU of the client process during the run, ms. */
  cpuMs: number;
}

/** The client process, driven from the bench. */
export class RestClients {
  private readonly answers: ((line: string) => void)[] = [];

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => this.answers.shift()?.(line));
  }

  static async start(setup: ClientSetup): Promise<RestClients> {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const clients = new RestClients(child);
    await clients.send(setup);
    return clients;
  }

  async run(command: ClientCommand): Promise<ClientRun> {
    return JSON.parse(await this.send(command)) as ClientRun;
  }

  close(): void {
    this.child.stdin.end();
  }

  private send(message: unknown): Promise<string> {
    return new Promise((resolve, reject) => {
      this.answers.push(resolve);
      this.child.once('exit', (code) => {
        reject(new Error(`the REST client process exited (${String(code)})`));
      });
      this.child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }
}

async function loop(each: number, call: () => Promise<unknown>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < each; i++) await call().catch(() => (failed += 1));
  return failed;
}

async function serve(): Promise<void> {
  let setup: ClientSetup | undefined;
  let clients: DataMarketClient[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const message = JSON.parse(line) as ClientSetup | ClientCommand;
    if (!('run' in message)) {
      setup = message;
      clients = setup.tokens.map((token) => new DataMarketClient({ url: message.url, token }));
      // Connections and the app's account cache warm before any run is timed.
      await Promise.all(clients.map((c) => c.account()));
      process.stdout.write('{}\n');
      continue;
    }
    if (!setup) throw new Error('a run before the setup');
    const { datasetId, each } = setup;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    let failed = 0;
    if (message.run === 'loops') {
      const counts = await Promise.all(clients.map((c) => loop(each, () => c.buy(datasetId))));
      failed = counts.reduce((a, b) => a + b, 0);
    } else {
      const [one] = clients;
      if (!one) throw new Error('no client');
      const outcomes = await Promise.allSettled(
        Array.from({ length: message.count }, () => one.buy(datasetId)),
      );
      failed = outcomes.filter((o) => o.status === 'rejected').length;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const run: ClientRun = { failed, seconds, cpuMs: (cpu.user + cpu.system) / 1000 };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
