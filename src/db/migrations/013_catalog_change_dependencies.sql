-- A deleted row names what depended on it: once a track is gone, nothing can look up its album, and once
-- a credit is gone, nothing can look up its artist, so an album whose last track was deleted (or an
-- artist whose last credit was) would stay searchable. The same for a track moved to another album, or a
-- credit moved to another artist: the one it left is named too.

create or replace function cadenza_notify_catalog() returns trigger language plpgsql as $$
declare
  was jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
  now_is jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
  rec jsonb := coalesce(now_is, was);
  key text;
begin
  perform pg_notify('cadenza_catalog', case tg_table_name
    when 'track_artists' then 'track:' || (rec ->> 'track_id')
    when 'album_artists' then 'album:' || (rec ->> 'album_id')
    else rtrim(tg_table_name, 's') || ':' || (rec ->> 'id') end);
  key := case tg_table_name when 'tracks' then 'album_id' when 'track_artists' then 'artist_id'
    when 'album_artists' then 'artist_id' end;
  if key is not null and was is not null and (was ->> key) is distinct from (now_is ->> key) then
    perform pg_notify('cadenza_catalog',
      (case key when 'album_id' then 'album:' else 'artist:' end) || (was ->> key));
  end if;
  return null;
end $$;
