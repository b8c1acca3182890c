import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import { useApi } from '../api/use-api.js';
import { navigate } from '../router.js';
import { Loading, Title } from '../ui/page.js';
import { toast } from '../ui/toasts.js';
import { useBusy } from '../ui/use-busy.js';

interface GenreSeeds {
  genres: string[];
  counts: { genre: string; tracks: number }[];
}

/** Genres are stored lower case; shown as words ("hip hop" → "Hip Hop"). */
export const genreLabel = (genre: string) => genre.replace(/(^|[\s-])\p{L}/gu, (m) => m.toUpperCase());

/**
 * "Pick some genres you like": the catalogue's genres as toggles. Right after sign-up (`welcome`) it
 * can be skipped; later (from Home or the account menu) it shows and changes the listener's choice.
 * Until they have listened a while, their recommendations start from these genres.
 */
export function TasteScreen({ welcome = false }: { welcome?: boolean }) {
  const seeds = useApi<GenreSeeds>('/v1/recommendations/available-genre-seeds');
  const mine = useApi<{ genres: string[] }>('/v1/me/taste/genres');
  const [picked, setPicked] = useState<Set<string> | null>(null);
  const [busy, run] = useBusy();

  // Their earlier choice could not be read: they still pick, from none (saving replaces it).
  useEffect(() => {
    if (picked !== null) return;
    if (mine.data) setPicked(new Set(mine.data.genres));
    else if (mine.error) setPicked(new Set());
  }, [mine.data, mine.error, picked]);
  // A library with no genres yet has nothing to pick from: a new account goes straight to Home.
  const nothingToPick = seeds.data?.counts.length === 0;
  useEffect(() => {
    if (welcome && nothingToPick) navigate('/', { replace: true });
  }, [welcome, nothingToPick]);

  const toggle = (genre: string) => {
    const next = new Set(picked);
    if (next.has(genre)) next.delete(genre);
    else next.add(genre);
    setPicked(next);
  };
  const save = () =>
    run(async () => {
      await api.put('/v1/me/taste/genres', { genres: [...(picked ?? [])] });
      if (!welcome) toast('Your genres are saved');
      navigate('/', { replace: welcome });
    });
  const chosen = picked?.size ?? 0;

  return (
    <div className="page taste">
      <Title>{welcome ? 'Pick some genres you like' : 'Your genres'}</Title>
      <p className="section-lead taste-lead">
        Your recommendations start from these until you have listened for a while. Change them any time from the account
        menu.
      </p>
      {mine.error && (
        <p className="form-error" role="alert">
          Your saved genres could not be loaded ({mine.error.message}). Pick again; saving replaces them.
        </p>
      )}
      <Loading load={seeds}>
        {(s) =>
          s.counts.length === 0 ? (
            <p className="taste-lead">There are no genres in the library yet.</p>
          ) : (
            <ul className="chips taste-genres" aria-label="Genres">
              {s.counts.map(({ genre, tracks }) => (
                <li key={genre}>
                  <button
                    type="button"
                    className={`chip taste-chip${picked?.has(genre) ? ' is-on' : ''}`}
                    aria-pressed={picked?.has(genre) ?? false}
                    disabled={picked === null}
                    onClick={() => toggle(genre)}
                  >
                    {genreLabel(genre)}
                    <span className="taste-count" aria-hidden="true">
                      {tracks}
                    </span>
                    <span className="visually-hidden">, {tracks} songs</span>
                  </button>
                </li>
              ))}
            </ul>
          )
        }
      </Loading>
      <div className="taste-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy || picked === null}
          onClick={() => void save()}
        >
          {welcome ? (chosen > 0 ? `Done (${chosen})` : 'Done') : 'Save'}
        </button>
        <button
          type="button"
          className="button button-outline"
          disabled={busy}
          onClick={() => navigate('/', { replace: welcome })}
        >
          {welcome ? 'Skip' : 'Cancel'}
        </button>
      </div>
    </div>
  );
}
