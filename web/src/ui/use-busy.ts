import { useCallback, useState } from 'react';
import { toast } from './toasts.js';

/**
 * A button's background work: `busy` while it runs (to disable the button), and a failure shown as an
 * error toast. `run` returns once the work is done or has failed.
 */
export function useBusy(): [busy: boolean, run: (work: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      toast((err as Error).message, 'error');
    } finally {
      setBusy(false);
    }
  }, []);
  return [busy, run];
}
