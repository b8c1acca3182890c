import { useEffect, useRef } from 'react';
import type { StudioTrack } from '../../api/types.js';
import { duration } from '../../format.js';
import { Icon } from '../../ui/icons.js';

/** The job's state in words: "Processing 45%", "Queued", "Ready", "Failed: reason". */
function trackState(t: StudioTrack): { label: string; kind: 'ready' | 'busy' | 'failed'; progress: number | null } {
  if (t.status === 'ready') return { label: 'Ready', kind: 'ready', progress: null };
  if (t.status === 'failed')
    return {
      label: `Failed: ${t.failure_reason ?? t.job?.last_error ?? 'unknown reason'}`,
      kind: 'failed',
      progress: null,
    };
  const job = t.job;
  if (!job || job.state === 'queued')
    return {
      label: job && job.attempts > 0 ? `Retrying (attempt ${job.attempts + 1})` : 'Queued',
      kind: 'busy',
      progress: 0,
    };
  const pct = Math.round(job.progress * 100);
  const retry = job.last_error ? ` — retrying after: ${job.last_error}` : '';
  return { label: `Processing ${pct}%${retry}`, kind: 'busy', progress: job.progress };
}

const MOVES = [
  { dir: 'up', by: -1 },
  { dir: 'down', by: 1 },
] as const;

export const isBusy = (t: StudioTrack) =>
  t.status === 'processing' || t.job?.state === 'queued' || t.job?.state === 'running';

/**
 * The album's tracks in order with each one's ingest state; move up/down and delete buttons. After a
 * move, focus follows the moved track's button (or its other button at the ends).
 */
export function StudioTracks({
  tracks,
  onMove,
  onDelete,
}: {
  tracks: StudioTrack[];
  onMove: (index: number, by: -1 | 1) => void;
  onDelete: (track: StudioTrack) => void;
}) {
  const list = useRef<HTMLOListElement>(null);
  const refocus = useRef<{ id: string; dir: 'up' | 'down' } | null>(null);

  useEffect(() => {
    const want = refocus.current;
    if (!want) return;
    refocus.current = null;
    const button = (dir: string) =>
      list.current?.querySelector<HTMLButtonElement>(`[data-move="${want.id}-${dir}"]:not(:disabled)`);
    (button(want.dir) ?? button(want.dir === 'up' ? 'down' : 'up'))?.focus();
  });

  if (tracks.length === 0)
    return <p className="muted">No tracks yet: upload audio files above. Each one is checked and transcoded.</p>;

  return (
    <ol className="studio-tracks" ref={list} aria-label="Tracks">
      {tracks.map((t, i) => {
        const state = trackState(t);
        return (
          <li key={t.id} className={`studio-track is-${state.kind}`} data-testid="studio-track">
            <span className="studio-track-num">{i + 1}</span>
            <div className="studio-track-main">
              <span className="studio-track-title">{t.name}</span>
              <span className={`job job-${state.kind}`} data-testid="job-state">
                {state.label}
              </span>
              {state.progress !== null && (
                <progress className="progress" max={1} value={state.progress} aria-label={`Processing ${t.name}`} />
              )}
            </div>
            <span className="studio-track-time">{t.duration_ms > 0 ? duration(t.duration_ms) : '–:––'}</span>
            <div className="studio-track-actions">
              {MOVES.map(({ dir, by }) => (
                <button
                  key={dir}
                  type="button"
                  className="icon-button small"
                  aria-label={`Move ${t.name} ${dir}`}
                  title={`Move ${dir}`}
                  data-move={`${t.id}-${dir}`}
                  disabled={i + by < 0 || i + by >= tracks.length}
                  onClick={() => {
                    refocus.current = { id: t.id, dir };
                    onMove(i, by);
                  }}
                >
                  <Icon name={dir} size={18} />
                </button>
              ))}
              <button
                type="button"
                className="icon-button small danger"
                aria-label={`Delete ${t.name}`}
                title="Delete"
                onClick={() => onDelete(t)}
              >
                <Icon name="trash" size={18} />
              </button>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
