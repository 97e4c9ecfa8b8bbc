import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNetworkDescription, type NetworkDescription } from './network-description.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const networkScript = path.join(repoRoot, 'test-network-scripts', 'network.sh');

export interface TestNetworkOptions {
  /** Where state, logs and pids go (default: .run/network in the repo). */
  runDir?: string;
  /** Ports are this base plus fixed offsets (default 7000). */
  portBase?: number;
  /** Echo the script's progress lines to stderr. */
  verbose?: boolean;
}

export interface ScriptResult {
  code: number;
  output: string;
}

/** Drives test-network-scripts/network.sh from TypeScript (tests, demo, benchmarks). */
export class TestNetwork {
  readonly runDir: string;
  readonly portBase: number;
  private readonly verbose: boolean;

  constructor(options: TestNetworkOptions = {}) {
    this.runDir = path.resolve(options.runDir ?? path.join(repoRoot, '.run', 'network'));
    this.portBase = options.portBase ?? 7000;
    this.verbose = options.verbose ?? false;
  }

  /** Runs a verb; resolves with exit code and combined output, never rejects on exit code. */
  run(...args: string[]): Promise<ScriptResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [networkScript, ...args], {
        env: {
          ...process.env,
          DATAMARKET_RUN_DIR: this.runDir,
          DATAMARKET_PORT_BASE: String(this.portBase),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (this.verbose) process.stderr.write(chunk);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code: code ?? 1, output });
      });
    });
  }

  /** Runs a verb and throws with its output if it fails. */
  async must(...args: string[]): Promise<string> {
    const result = await this.run(...args);
    if (result.code !== 0) {
      throw new Error(
        `network.sh ${args.join(' ')} failed (exit ${result.code}):\n${result.output}`,
      );
    }
    return result.output;
  }

  up(): Promise<string> {
    return this.must('up');
  }
  down(): Promise<string> {
    return this.must('down');
  }
  createChannel(channel: string, orgs: string[]): Promise<string> {
    return this.must('createChannel', '-c', channel, '--orgs', orgs.join(','));
  }
  deployChaincode(channel: string): Promise<string> {
    return this.must('deployCC', '-c', channel);
  }
  /**
   * A new member org on the running network (`addOrg`): its CA, peers and MSP, a config update
   * on each channel, and `$RUN/apps/NAME.json`, its gateway app config (see added-org-app.ts).
   */
  addOrg(
    name: string,
    options: { peers?: number; channels?: string[]; role?: 'seller' | 'buyer' | 'auditor' } = {},
  ): Promise<string> {
    return this.must(
      'addOrg',
      name,
      ...(options.peers === undefined ? [] : ['--peers', String(options.peers)]),
      ...(options.channels === undefined ? [] : ['--channels', options.channels.join(',')]),
      ...(options.role === undefined ? [] : ['--role', options.role]),
    );
  }
  removeOrg(name: string): Promise<string> {
    return this.must('removeOrg', name);
  }
  stopNode(node: string): Promise<string> {
    return this.must('stopNode', node);
  }
  startNode(node: string): Promise<string> {
    return this.must('startNode', node);
  }
  describe(): Promise<NetworkDescription> {
    return readNetworkDescription(this.runDir);
  }

  /** The pids network.sh recorded for the processes it started. */
  async pids(): Promise<Map<string, number>> {
    const dir = path.join(this.runDir, 'pids');
    const pids = new Map<string, number>();
    let files: string[] = [];
    try {
      files = await readdir(dir);
    } catch {
      return pids;
    }
    for (const file of files.filter((name) => name.endsWith('.pid'))) {
      const pid = Number((await readFile(path.join(dir, file), 'utf8')).trim());
      pids.set(file.slice(0, -'.pid'.length), pid);
    }
    return pids;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
