/**
 * CPU per process from /proc: user + system ticks at the start and end of a phase, as a share
 * of one core. Linux only (the bench machine); elsewhere the table is empty.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** Every process's parent, read once from /proc. */
export function processTable(): Map<number, number> {
  const parents = new Map<number, number>();
  let all: string[] = [];
  try {
    all = readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d));
  } catch {
    return parents;
  }
  for (const d of all) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return parents;
}

/** `pid` and every process below it. */
export function treeOf(pid: number, parents: Map<number, number> = processTable()): number[] {
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, parent] of parents) {
      if (!tree.has(p) && tree.has(parent)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** Named groups of processes, sampled now; `stop()` returns each group's share of a core. */
export function startCpu(groups: () => Map<string, number[]>): {
  stop: () => Map<string, number>;
  /** CPU ms each group used since the start (for per-round differences). */
  used: () => Map<string, number>;
} {
  const started = performance.now();
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const groupOf = new Map<number, string>();
  const note = () => {
    for (const [name, pids] of groups()) {
      for (const pid of pids) {
        const ticks = ticksOf(pid);
        if (ticks === undefined) continue;
        if (!first.has(pid)) first.set(pid, ticks);
        last.set(pid, ticks);
        groupOf.set(pid, name);
      }
    }
  };
  note();
  // Processes that start later or end early (Caliper's workers) are followed while it runs.
  const timer = setInterval(note, 1000);
  const used = () => {
    note();
    const ms = new Map<string, number>();
    for (const [pid, name] of groupOf) {
      const ticks = (last.get(pid) ?? 0) - (first.get(pid) ?? 0);
      ms.set(name, (ms.get(name) ?? 0) + (ticks * 1000) / TICKS_PER_SECOND);
    }
    return ms;
  };
  return {
    used,
    stop: () => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      return new Map([...used()].map(([name, ms]) => [name, ms / 1000 / seconds]));
    },
  };
}

/**
 * Rows of process, share of a core over the whole run, and over the time under load only
 * (`loadFraction`: the rounds' seconds over the run's; idle gaps between rounds cost little).
 */
export function cpuRows(shares: Map<string, number>, loadFraction = 1): string[][] {
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  return [...shares].map(([name, share]) => [name, pct(share), pct(share / loadFraction)]);
}
