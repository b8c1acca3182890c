import { type ReactNode, type RefObject, useLayoutEffect, useRef, useState } from 'react';
import { CardGrid } from './cards.js';

/** Card width and gap of `.card-grid` (screens.css): how many cards fit on one line. */
const CARD_MIN = 168;
const CARD_GAP = 8;

/** How many cards of a `.card-grid` fit on one line of the element, as the window resizes. */
function useColumns(): [RefObject<HTMLUListElement | null>, number] {
  const ref = useRef<HTMLUListElement>(null);
  const [columns, setColumns] = useState(6);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const fit = (width: number) => setColumns(Math.max(2, Math.floor((width + CARD_GAP) / (CARD_MIN + CARD_GAP))));
    fit(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => entry && fit(entry.contentRect.width));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, columns];
}

/** One line of cards, as Spotify's home rows: as many as fit; the section's "Show all" has the rest. */
export function CardRow<T extends { id: string; type: string }>({
  items,
  label,
  render,
}: {
  items: T[];
  label: string;
  render: (item: T) => ReactNode;
}) {
  const [ref, columns] = useColumns();
  return (
    <CardGrid
      items={items.slice(0, columns)}
      label={label}
      render={render}
      className="card-row"
      listRef={ref}
      itemKey={(item) => `${item.type}:${item.id}`}
    />
  );
}
