import { useSyncExternalStore } from 'react';

/** Short messages at the bottom of the screen, read out by screen readers as they appear. */

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  // The same message twice in a row is shown once.
  if (toasts.some((t) => t.text === text)) return;
  const id = nextId++;
  toasts = [...toasts, { id, text, kind }].slice(-3);
  emit();
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

function dismiss(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function Toasts() {
  const list = useSyncExternalStore(subscribe, () => toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid="toast">
          <span>{t.text}</span>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
