import { type FormEvent, useState } from 'react';
import type { PlaylistSummary } from '../api/playlist-types.js';
import { userName } from '../api/playlist-types.js';
import { plural } from '../format.js';
import { createPlaylist, useMyPlaylists } from '../library/playlists.js';
import { useMe } from '../me.js';
import { Link, navigate } from '../router.js';
import { Artwork } from '../ui/artwork.js';
import { CardGrid } from '../ui/cards.js';
import { Icon } from '../ui/icons.js';
import { Empty, Section } from '../ui/page.js';
import { useBusy } from '../ui/use-busy.js';

function PlaylistCard({ playlist }: { playlist: PlaylistSummary }) {
  return (
    <article className="card">
      <div className="card-art">
        <Artwork images={playlist.images} size={180} seed={playlist.id} />
      </div>
      <Link to={`/playlist/${playlist.id}`} className="card-title card-link" title={playlist.name}>
        {playlist.name}
      </Link>
      <div className="card-subtitle">
        {userName(playlist.owner)} • {plural(playlist.tracks.total, 'song')}
      </div>
    </article>
  );
}

/** "Create playlist": a name, then the new playlist's page. */
export function CreatePlaylist() {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [busy, run] = useBusy();
  if (!open)
    return (
      <button type="button" className="button button-primary" onClick={() => setOpen(true)}>
        <Icon name="plus" size={16} /> Create playlist
      </button>
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const playlist = await createPlaylist(me, name.trim());
      navigate(`/playlist/${playlist.id}`, { focus: true });
    });
  };
  return (
    <form className="form form-inline create-playlist" onSubmit={submit} aria-label="Create playlist">
      <label className="field field-grow">
        Playlist name
        {/* biome-ignore lint/a11y/noAutofocus: the form opens on request and the name is all it asks */}
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />
      </label>
      <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
        Create
      </button>
      <button type="button" className="button button-outline" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}

/** The listener's playlists, grouped: their own, collaborative ones, and ones they follow. */
export function LibraryPlaylists() {
  const me = useMe();
  const load = useMyPlaylists();
  const all = load.data?.items ?? [];
  const groups = [
    { title: 'Your playlists', items: all.filter((p) => p.owner.id === me.id && !p.collaborative) },
    { title: 'Collaborative', items: all.filter((p) => p.collaborative) },
    { title: 'Followed', items: all.filter((p) => p.owner.id !== me.id && !p.collaborative) },
  ];
  if (load.data && all.length === 0)
    return <Empty title="Create your first playlist">It's easy — we'll help you. Press “Create playlist”.</Empty>;
  return (
    <>
      {groups.map(
        (g) =>
          g.items.length > 0 && (
            <Section key={g.title} title={g.title}>
              <CardGrid items={g.items} label={g.title} render={(p) => <PlaylistCard playlist={p} />} />
            </Section>
          ),
      )}
    </>
  );
}
