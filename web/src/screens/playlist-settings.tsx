import { type FormEvent, useState } from 'react';
import { api, seg, upload } from '../api/client.js';
import { type Collaborator, type Playlist, userName } from '../api/playlist-types.js';
import { Icon } from '../ui/icons.js';
import { toast } from '../ui/toasts.js';
import { useBusy } from '../ui/use-busy.js';

type Visibility = 'private' | 'public' | 'collaborative';
const visibilityOf = (p: Playlist): Visibility => (p.collaborative ? 'collaborative' : p.public ? 'public' : 'private');
const VISIBILITY: { value: Visibility; label: string; hint: string }[] = [
  { value: 'private', label: 'Private', hint: 'Only you and your collaborators see it' },
  { value: 'public', label: 'Public', hint: 'On your profile; can be shared by link' },
  { value: 'collaborative', label: 'Collaborative', hint: 'Collaborators can add, remove and reorder songs' },
];

/** The owner's settings: name, description, visibility, cover and collaborators. */
export function PlaylistSettings({
  playlist,
  collaborators,
  onChanged,
  onClose,
}: {
  playlist: Playlist;
  collaborators: Collaborator[];
  onChanged: () => void;
  onClose: () => void;
}) {
  return (
    <section className="panel playlist-settings" aria-label="Playlist settings">
      <div className="playlist-settings-head">
        <h2>Edit details</h2>
        <button type="button" className="icon-button" aria-label="Close settings" onClick={onClose}>
          <Icon name="close" size={20} />
        </button>
      </div>
      <DetailsForm playlist={playlist} onChanged={onChanged} />
      <CoverUpload playlist={playlist} onChanged={onChanged} />
      <Collaborators playlist={playlist} list={collaborators} onChanged={onChanged} />
    </section>
  );
}

function DetailsForm({ playlist, onChanged }: { playlist: Playlist; onChanged: () => void }) {
  const [name, setName] = useState(playlist.name);
  const [description, setDescription] = useState(playlist.description ?? '');
  const [visibility, setVisibility] = useState(visibilityOf(playlist));
  const [busy, run] = useBusy();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.put(`/v1/playlists/${seg(playlist.id)}`, {
        name: name.trim(),
        description,
        public: visibility === 'public',
        collaborative: visibility === 'collaborative',
      });
      onChanged();
      toast('Playlist details saved');
    });
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Playlist details">
      <label className="field">
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
      </label>
      <label className="field">
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={300} />
      </label>
      <fieldset className="visibility">
        <legend>Who can see and edit it</legend>
        {VISIBILITY.map((v) => (
          <label key={v.value} className="check">
            <input
              type="radio"
              name="visibility"
              value={v.value}
              checked={visibility === v.value}
              onChange={() => setVisibility(v.value)}
            />
            <span>
              <strong>{v.label}</strong> <span className="muted">— {v.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div>
        <button type="submit" className="button button-primary" disabled={busy || !name.trim()}>
          Save details
        </button>
      </div>
    </form>
  );
}

function CoverUpload({ playlist, onChanged }: { playlist: Playlist; onChanged: () => void }) {
  const [progress, setProgress] = useState<number | null>(null);
  const send = async (file: File) => {
    const form = new FormData();
    form.append('image', file);
    setProgress(0);
    try {
      await upload('PUT', `/v1/playlists/${seg(playlist.id)}/images`, form, setProgress);
      onChanged();
      toast('Cover updated');
    } catch (err) {
      toast(`Cover not updated: ${(err as Error).message}`, 'error');
    } finally {
      setProgress(null);
    }
  };
  return (
    <label className="field">
      Cover image (JPEG or PNG)
      <input
        type="file"
        className="file-input"
        accept="image/jpeg,image/png,image/webp"
        disabled={progress !== null}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void send(file);
          e.target.value = '';
        }}
      />
      {progress !== null && <progress value={progress} max={1} aria-label="Cover upload" />}
    </label>
  );
}

function Collaborators({
  playlist,
  list,
  onChanged,
}: {
  playlist: Playlist;
  list: Collaborator[];
  onChanged: () => void;
}) {
  const [userId, setUserId] = useState('');
  const [busy, run] = useBusy();
  const path = (id: string) => `/v1/playlists/${seg(playlist.id)}/collaborators/${seg(id)}`;
  const invite = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api.put(path(userId.trim()));
      setUserId('');
      onChanged();
      toast(
        playlist.collaborative
          ? 'Collaborator added'
          : 'Collaborator added; make the playlist collaborative to let them edit',
      );
    });
  };
  return (
    <div className="collaborators">
      <h3>Collaborators</h3>
      {list.length === 0 ? (
        <p className="muted">No collaborators yet.</p>
      ) : (
        <ul aria-label="Collaborators">
          {list.map((c) => (
            <li key={c.user.id}>
              <span>{userName(c.user)}</span>
              <button
                type="button"
                className="icon-button small danger"
                aria-label={`Remove collaborator ${userName(c.user)}`}
                disabled={busy}
                onClick={() =>
                  void run(async () => {
                    await api.delete(path(c.user.id));
                    onChanged();
                  })
                }
              >
                <Icon name="close" size={16} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="form form-inline" onSubmit={invite} aria-label="Invite a collaborator">
        <label className="field field-grow">
          Invite by user id
          <input
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            placeholder="22-character user id"
            pattern="[0-9A-Za-z]{22}"
            title="The 22-character id from the person's profile link"
          />
        </label>
        <button type="submit" className="button button-outline" disabled={busy || !userId.trim()}>
          Invite
        </button>
      </form>
    </div>
  );
}
