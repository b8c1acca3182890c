-- Live listeners must stop hearing a playlist's edits once they may no longer read it (issue 14).
-- `access_version` goes up, in the transaction that makes the change, whenever someone may lose the
-- right to read the playlist: it stops being public, changes owner, or loses a collaborator. Both take
-- the playlist's row lock, as every batch of item edits does, so each edit is made under exactly one
-- access version; the playlist editor stamps its broadcasts with it, and the live gateway holds back
-- an edit made under a newer version than the one it last checked its listener against until it has
-- checked again. Granting access (going public, inviting) changes nothing here: no one loses anything.

alter table playlists add column access_version bigint not null default 0;

create function cadenza_playlist_access_narrowed() returns trigger language plpgsql as $$
begin
  new.access_version := old.access_version + 1;
  return new;
end $$;

create trigger playlists_access_narrowed before update of public, owner_id on playlists
  for each row when ((old.public and not new.public) or old.owner_id is distinct from new.owner_id)
  execute function cadenza_playlist_access_narrowed();

create function cadenza_playlist_collaborator_removed() returns trigger language plpgsql as $$
begin
  update playlists set access_version = access_version + 1 where id = old.playlist_id;
  return null;
end $$;

create trigger playlist_collaborator_removed after delete on playlist_collaborators
  for each row execute function cadenza_playlist_collaborator_removed();
