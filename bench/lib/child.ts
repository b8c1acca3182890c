import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Helpers shared by the benchmarks that run their targets as child processes. */

/** The next JSON line a child prints (its port, or a result), bounded in time. */
export function nextJsonLine<T>(proc: ChildProcess, timeoutMs: number): Promise<T> {
  const lines = createInterface({ input: proc.stdout! });
  let onExit = (_code: number | null): void => {};
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('child did not answer in time')), timeoutMs);
    onExit = (code) => reject(new Error(`child exited with ${code}`));
    proc.once('exit', onExit);
    lines.once('line', (line) => resolve(JSON.parse(line) as T));
  }).finally(() => {
    clearTimeout(timer);
    proc.off('exit', onExit);
    lines.close();
  });
}
