-- Withdrawn tracks, for the edge. Signed audio URLs are verified without the database, so a track that
-- stops being playable (deleted or retired, its album unpublished, moved or deleted) would keep
-- streaming until its URLs expire. The edge keeps these ids in memory (src/core/streaming/revocations.ts)
-- and refuses their URLs; each change is announced on `cadenza_audio` as "revoke:<id>" or
-- "restore:<id>", so it reaches every edge within moments of its commit.
--
-- A row is needed only while URLs signed before it may be unexpired: CADENZA_STREAM_URL_TTL is at most a
-- day, so rows older than 25 hours are pruned. A track that becomes playable again is restored.

create table audio_revocations (
  track_id text primary key,
  revoked_at timestamptz not null default now()
);
create index audio_revocations_revoked_at_idx on audio_revocations (revoked_at);

create function cadenza_revoke_audio(ids text[]) returns void language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return; end if;
  delete from audio_revocations where revoked_at < now() - interval '25 hours';
  insert into audio_revocations (track_id) select distinct unnest(ids)
    on conflict (track_id) do update set revoked_at = now();
  perform pg_notify('cadenza_audio', 'revoke:' || id) from unnest(ids) id;
end $$;

-- Announced even without a row, so an edge holding a stale entry lets it go as well.
create function cadenza_restore_audio(ids text[]) returns void language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return; end if;
  delete from audio_revocations where track_id = any(ids);
  perform pg_notify('cadenza_audio', 'restore:' || id) from unnest(ids) id;
end $$;

create function cadenza_track_audio() returns trigger language plpgsql as $$
declare
  published boolean;
begin
  if tg_op = 'DELETE' then
    -- Its album may already be gone (a cascade): a ready track is revoked whatever the album was.
    perform cadenza_revoke_audio(array[old.id]);
    return null;
  end if;
  -- No lock on the album here: this runs holding the track's row, and uploads lock the album before
  -- its tracks, so waiting on the album would deadlock with them. A concurrent publish or unpublish
  -- cannot miss the track either way: the album trigger below locks every track of the album, so it
  -- waits for this change to commit and then acts on the track's new status.
  select a.status = 'published' into published from albums a where a.id = new.album_id;
  if new.status = 'ready' and published then
    perform cadenza_restore_audio(array[new.id]);
  elsif old.status = 'ready' then
    perform cadenza_revoke_audio(array[old.id]);
  end if;
  return null;
end $$;

create trigger tracks_audio_changed after update of status, album_id on tracks for each row
  when (old.status is distinct from new.status or old.album_id is distinct from new.album_id)
  execute function cadenza_track_audio();
create trigger tracks_audio_deleted after delete on tracks for each row
  when (old.status = 'ready') execute function cadenza_track_audio();

create function cadenza_album_audio() returns trigger language plpgsql as $$
declare
  ids text[];
begin
  -- Every track is locked, not only the ready ones: a track becoming ready right now is waited for and
  -- read in its new state (album before tracks, the order uploads lock them in).
  select array_agg(t.id) filter (where t.status = 'ready') into ids
    from (select id, status from tracks where album_id = new.id order by id for share) t;
  if new.status = 'published' then
    perform cadenza_restore_audio(ids);
  elsif old.status = 'published' then
    perform cadenza_revoke_audio(ids);
  end if;
  return null;
end $$;

create trigger albums_audio_changed after update of status on albums for each row
  when (old.status is distinct from new.status)
  execute function cadenza_album_audio();

-- Tracks withdrawn before this migration whose URLs may still be live: once ready, not playable now.
insert into audio_revocations (track_id)
  select t.id from tracks t join albums a on a.id = t.album_id
  where t.media_version is not null and not (t.status = 'ready' and a.status = 'published');
