import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

/**
 * A button that opens a small dialog next to it. Escape or a click outside closes it and gives focus
 * back to the button; opening moves focus to the dialog's first control.
 */
export function Popover({
  label,
  buttonClass,
  buttonContent,
  panelClass = '',
  children,
  testId,
}: {
  /** The button's accessible name, also the dialog's. */
  label: string;
  buttonClass: string;
  buttonContent: ReactNode;
  panelClass?: string;
  children: ReactNode;
  testId?: string;
}) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const wrap = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>('input, select, button, a[href]')?.focus();
    const onDown = (e: PointerEvent) => {
      if (!wrap.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      setOpen(false);
      button.current?.focus();
    };
    const box = wrap.current;
    document.addEventListener('pointerdown', onDown);
    box?.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      box?.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="popover-wrap" ref={wrap}>
      <button
        ref={button}
        type="button"
        className={buttonClass}
        aria-label={label}
        title={label}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
        data-testid={testId}
      >
        {buttonContent}
      </button>
      {open && (
        <div id={id} ref={panel} role="dialog" aria-label={label} className={`popover ${panelClass}`}>
          {children}
        </div>
      )}
    </div>
  );
}
