import { Fragment, type ReactNode, useEffect, useRef } from 'react';
import type { ArtistRef } from '../api/types.js';
import type { Loaded } from '../api/use-api.js';
import { hue } from '../format.js';
import { Link, takeFocusRequest } from '../router.js';

/**
 * A screen's title. It takes keyboard focus after a navigation made from the keyboard, so the next
 * Tab continues in the new screen rather than at the top of the page.
 */
export function Title({ children, className = '' }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocusRequest()) ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className={`page-title ${className}`}>
      {children}
    </h1>
  );
}

/** The big header of album, artist, track and genre screens, tinted from the item. */
export function Hero({
  art,
  kind,
  title,
  meta,
  seed,
}: {
  art: ReactNode;
  kind: string;
  title: string;
  meta: ReactNode;
  seed: string;
}) {
  const h = hue(seed);
  return (
    <header className="hero" style={{ background: `linear-gradient(hsl(${h} 40% 34%), hsl(${h} 35% 18%))` }}>
      <div className="hero-art">{art}</div>
      <div className="hero-text">
        <span className="hero-kind">{kind}</span>
        <Title className={title.length > 28 ? 'hero-title long' : 'hero-title'}>{title}</Title>
        <div className="hero-meta">{meta}</div>
      </div>
    </header>
  );
}

export function Section({
  title,
  more,
  children,
}: {
  title: string;
  more?: { to: string; label?: string };
  children: ReactNode;
}) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="section" aria-labelledby={id}>
      <div className="section-head">
        <h2 id={id}>{title}</h2>
        {more && (
          <Link to={more.to} className="section-more" aria-label={`${more.label ?? 'Show all'}: ${title}`}>
            {more.label ?? 'Show all'}
          </Link>
        )}
      </div>
      {children}
    </section>
  );
}

/** Renders a load's spinner or error, else `children(data)`. */
export function Loading<T>({ load, children }: { load: Loaded<T>; children: (data: T) => ReactNode }) {
  if (load.data !== null) return <>{children(load.data)}</>;
  if (load.error)
    return (
      <div className="empty-state" role="alert">
        <h1 className="page-title">
          {load.error.message.includes('not found') ? 'Not found' : 'Something went wrong'}
        </h1>
        <p>{load.error.message}</p>
      </div>
    );
  return (
    <div className="page-loading" role="status" aria-label="Loading">
      <span className="spinner" />
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <h2>{title}</h2>
      {children && <p>{children}</p>}
    </div>
  );
}

/** "A, B" with each name linking to its artist page. */
export function ArtistLinks({ artists, className }: { artists: ArtistRef[]; className?: string }) {
  return (
    <span>
      {artists.map((a, i) => (
        <Fragment key={a.id}>
          {i > 0 && ', '}
          <Link to={`/artist/${a.id}`} className={className}>
            {a.name}
          </Link>
        </Fragment>
      ))}
    </span>
  );
}
