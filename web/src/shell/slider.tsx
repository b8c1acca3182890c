import { type CSSProperties, useRef, useState } from 'react';

/**
 * A native range input styled as a thin bar that fills up to its value. While the pointer drags it
 * shows the dragged value and commits once on release; keys (and scripted changes) commit at once.
 */
export function Slider({
  label,
  value,
  max,
  step,
  onCommit,
  valueText,
  disabled,
  className = '',
  testId,
}: {
  label: string;
  value: number;
  max: number;
  step: number;
  onCommit: (value: number) => void;
  valueText?: (value: number) => string;
  disabled?: boolean;
  className?: string;
  testId?: string;
}) {
  const [dragging, setDragging] = useState<number | null>(null);
  const pointerDown = useRef(false);
  const shown = dragging ?? value;
  const fill = max > 0 ? Math.min(100, (shown / max) * 100) : 0;
  const release = () => {
    if (!pointerDown.current) return;
    pointerDown.current = false;
    if (dragging !== null) onCommit(dragging);
    setDragging(null);
  };
  return (
    <input
      type="range"
      className={`slider ${className}`}
      aria-label={label}
      aria-valuetext={valueText?.(shown)}
      min={0}
      max={max}
      step={step}
      value={shown}
      disabled={disabled}
      data-testid={testId}
      style={{ '--fill': `${fill}%` } as CSSProperties}
      onPointerDown={() => {
        pointerDown.current = true;
      }}
      onPointerUp={release}
      onPointerCancel={release}
      onBlur={release}
      onChange={(e) => {
        const next = Number(e.target.value);
        if (pointerDown.current) setDragging(next);
        else onCommit(next);
      }}
    />
  );
}
