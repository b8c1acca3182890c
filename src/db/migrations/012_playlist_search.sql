-- Public playlists are searchable: a change to a playlist's details, or to who follows it (its
-- popularity), notifies the catalog channel with "playlist:<id>", as catalog writes do (002). Edits of
-- the items bump only `version` and `track_count`, which search does not read, so they notify nothing.

create function cadenza_notify_playlist() returns trigger language plpgsql as $$
declare
  rec jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
begin
  perform pg_notify('cadenza_catalog', 'playlist:' || coalesce(rec ->> 'playlist_id', rec ->> 'id'));
  return null;
end $$;

create trigger playlists_changed after insert or delete or update of name, public, collaborative, owner_id
  on playlists for each row execute function cadenza_notify_playlist();
create trigger playlist_follows_changed after insert or delete on playlist_follows
  for each row execute function cadenza_notify_playlist();
