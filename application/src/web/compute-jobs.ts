import { randomBytes } from 'node:crypto';

/**
 * Computations the buyer's app runs on its own machine for a page (the buyer's data never
 * leaves it): one job per click, its progress pushed to the page, its encrypted result kept
 * here until the buyer submits it. Jobs live in memory, a bounded number per app.
 */
export type JobKind = 'sample' | 'trade';
export type JobState = 'running' | 'done' | 'failed';

export interface JobView {
  jobId: string;
  kind: JobKind;
  channel: string;
  target: string;
  computation: string;
  params: Record<string, unknown>;
  state: JobState;
  percent: number;
  message: string;
  error?: string;
  valueCount?: number;
  resultBytes?: number;
  /** A sample job's decrypted values (the seller decrypts test results for free). */
  values?: number[];
  submitted: boolean;
}

export interface Job extends JobView {
  user: string;
  result?: Uint8Array;
}

type Listener = (view: JobView) => void;

const MAX_JOBS = 200;

export class ComputeJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Map<string, Set<Listener>>();

  create(
    user: string,
    kind: JobKind,
    channel: string,
    target: string,
    request: { computation: string; params: Record<string, unknown> },
  ): Job {
    if (this.jobs.size >= MAX_JOBS) {
      for (const [id, job] of this.jobs) {
        if (job.state !== 'running') {
          this.jobs.delete(id);
          this.listeners.delete(id);
          break;
        }
      }
    }
    const job: Job = {
      jobId: randomBytes(16).toString('hex'),
      user,
      kind,
      channel,
      target,
      computation: request.computation,
      params: request.params,
      state: 'running',
      percent: 0,
      message: 'starting',
      submitted: false,
    };
    this.jobs.set(job.jobId, job);
    return job;
  }

  /** The caller's job, or undefined (another user's job is not found either). */
  find(jobId: string, user: string): Job | undefined {
    const job = this.jobs.get(jobId);
    return job?.user === user ? job : undefined;
  }

  update(job: Job, change: Partial<Job>): void {
    Object.assign(job, change);
    const view = viewOf(job);
    for (const listener of this.listeners.get(job.jobId) ?? []) listener(view);
  }

  listen(jobId: string, listener: Listener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

export function viewOf(job: Job): JobView {
  const view: Partial<Job> = { ...job };
  delete view.user;
  delete view.result;
  return view as JobView;
}
