/** A durable queue of named, keyed jobs. Embedded and at-scale both use PostgreSQL today. */

export interface Job<P = unknown> {
  id: string;
  name: string;
  key: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

export interface JobStatus {
  id: string;
  name: string;
  key: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  progress: number;
  lastError: string | null;
  payload: unknown;
  updatedAt: Date;
}

export interface JobQueue {
  /**
   * Adds a job unless one with the same key exists (any state); returns whether it was added. Due jobs
   * of higher `priority` (default 0) are claimed first.
   */
  enqueue(
    name: string,
    key: string,
    payload: unknown,
    options?: { maxAttempts?: number; priority?: number },
  ): Promise<boolean>;
  /** Takes up to `limit` due jobs of the given names, leasing each to `worker` for `leaseMs`. */
  claim(worker: string, names: string[], limit: number, leaseMs: number): Promise<Job[]>;
  /** Extends the lease and records progress (0..1); false when the lease was lost. */
  heartbeat(id: string, worker: string, progress: number, leaseMs: number): Promise<boolean>;
  complete(id: string, worker: string): Promise<void>;
  /** Retry at `retryAt`, or give up for good when it is null. */
  fail(id: string, worker: string, reason: string, retryAt: Date | null): Promise<void>;
  /** Returns leased jobs of workers that no longer exist to the queue. */
  releaseDead(isAlive: (worker: string) => boolean): Promise<number>;
  list(filter: { state?: JobStatus['state']; name?: string; keyPrefix?: string; limit: number }): Promise<JobStatus[]>;
  counts(): Promise<Record<JobStatus['state'], number>>;
}
