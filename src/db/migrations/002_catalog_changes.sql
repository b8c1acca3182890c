-- The catalog change stream: every write to a searchable entity notifies `cadenza_catalog` with
-- "<kind>:<id>", so each API process can keep its in-memory search index current within a second.

create function cadenza_notify_catalog() returns trigger language plpgsql as $$
declare
  rec jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform pg_notify('cadenza_catalog', case tg_table_name
    when 'track_artists' then 'track:' || (rec ->> 'track_id')
    when 'album_artists' then 'album:' || (rec ->> 'album_id')
    else rtrim(tg_table_name, 's') || ':' || (rec ->> 'id') end);
  return null;
end $$;

create trigger tracks_changed after insert or update or delete on tracks
  for each row execute function cadenza_notify_catalog();
create trigger albums_changed after insert or update or delete on albums
  for each row execute function cadenza_notify_catalog();
create trigger artists_changed after insert or update or delete on artists
  for each row execute function cadenza_notify_catalog();
create trigger track_artists_changed after insert or update or delete on track_artists
  for each row execute function cadenza_notify_catalog();
create trigger album_artists_changed after insert or update or delete on album_artists
  for each row execute function cadenza_notify_catalog();

create index albums_release_idx on albums (release_date desc) where status = 'published';
create index albums_genres_idx on albums using gin (genres);
create index tracks_genres_idx on tracks using gin (genres);
