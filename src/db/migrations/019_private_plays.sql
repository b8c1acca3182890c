-- A play started in a private session (issue 16): it counts for the listener's history, top lists and
-- royalties like any other, and is left out of what recommendations learn from, as Spotify does.
alter table plays add column private boolean not null default false;
