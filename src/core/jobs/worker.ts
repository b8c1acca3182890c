import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Job, JobQueue } from '../../ports/job-queue.js';
import { Invalid, MediaError } from '../errors.js';

export interface JobContext {
  /** Reports progress (0..1) and renews the lease. */
  progress(fraction: number): Promise<void>;
  signal: AbortSignal;
  /** True when a failure now is final: the handler should record why for its users. */
  lastAttempt: boolean;
}

export type JobHandler = (payload: never, context: JobContext) => Promise<void>;

/**
 * Runs jobs by name. Handlers are registered once, in the composition root; registering a name twice
 * fails at boot. A handler that throws MediaError or Invalid failed for good (the input is bad); anything else is
 * retried with exponential backoff until the job's attempts run out.
 */
export class Worker {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly running = new Set<Promise<void>>();
  private stopped = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  readonly id = `${hostname()}:${process.pid}:${Date.now().toString(36)}`;

  constructor(
    private readonly queue: JobQueue,
    private readonly logger: Logger,
    private readonly options: {
      concurrency: number;
      leaseMs?: number;
      pollMs?: number;
      onFinished?: (job: Job, ok: boolean) => void;
    },
  ) {}

  register(name: string, handler: JobHandler): void {
    if (this.handlers.has(name)) throw new Error(`job handler "${name}" is registered twice`);
    this.handlers.set(name, handler);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Asks the loop to look for work now (after an enqueue in this process). */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  private async run(): Promise<void> {
    const leaseMs = this.options.leaseMs ?? 30_000;
    await this.queue.releaseDead(isAliveOnThisHost).catch(() => 0);
    while (!this.stopped) {
      const free = this.options.concurrency - this.running.size;
      let jobs: Job[] = [];
      if (free > 0) {
        try {
          jobs = await this.queue.claim(this.id, [...this.handlers.keys()], free, leaseMs);
        } catch (err) {
          this.logger.warn({ err }, 'could not claim jobs');
        }
      }
      for (const job of jobs) {
        const p = this.execute(job, leaseMs).finally(() => {
          this.running.delete(p);
          this.wake?.();
        });
        this.running.add(p);
      }
      if (jobs.length === 0 || this.running.size >= this.options.concurrency) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.options.pollMs ?? 250);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  private async execute(job: Job, leaseMs: number): Promise<void> {
    const handler = this.handlers.get(job.name)!;
    const abort = new AbortController();
    let progress = 0;
    const renew = setInterval(() => {
      this.queue.heartbeat(job.id, this.id, progress, leaseMs).then(
        (ok) => ok || abort.abort(),
        () => {},
      );
    }, leaseMs / 3);
    const context: JobContext = {
      signal: abort.signal,
      lastAttempt: job.attempts >= job.maxAttempts,
      progress: async (fraction) => {
        progress = fraction;
      },
    };
    try {
      await handler(job.payload as never, context);
      await this.queue.complete(job.id, this.id);
      this.options.onFinished?.(job, true);
    } catch (err) {
      const reason = (err as Error).message ?? String(err);
      // Bad input (a broken file, a royalty run without prices) fails the same way every time.
      const permanent = err instanceof MediaError || err instanceof Invalid || job.attempts >= job.maxAttempts;
      const retryAt = permanent ? null : new Date(Date.now() + 1000 * 2 ** job.attempts);
      if (!permanent) this.logger.warn({ job: job.key, attempt: job.attempts, err }, 'job failed; will retry');
      await this.queue.fail(job.id, this.id, reason, retryAt).catch(() => {});
      if (permanent) this.options.onFinished?.(job, false);
    } finally {
      clearInterval(renew);
    }
  }
}

/** A worker id is host:pid:start; on this host we can tell whether that process still exists. */
export function isAliveOnThisHost(worker: string): boolean {
  const [host, pid] = worker.split(':');
  if (host !== hostname()) return true;
  if (Number(pid) === process.pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}
