-- Token families: every access and refresh token descended from one log-in shares a family, so that a
-- refresh token presented again after it was rotated (a stolen copy, or the victim after the thief)
-- revokes the whole family. `rotated_at` tells a rotated refresh token from one revoked by log-out.
-- Tokens issued before this migration each form their own family.

alter table tokens add column family_id text;
update tokens set family_id = encode(hash, 'hex');
alter table tokens alter column family_id set not null;
alter table tokens add column rotated_at timestamptz;
create index tokens_family_idx on tokens (family_id);

-- Log-in throttle: failed attempts per account ('account:<lower-case name>') and per client address
-- ('address:<IPv4 or IPv6 /64>'), shared by every API process. `failures` counts attempts not (yet)
-- known to have succeeded: an attempt is counted before its password is checked, so a burst of parallel
-- guesses cannot slip past a count nobody has written yet. The wait before the next attempt is derived
-- from `failures` and `last_failure_at`; a row unchanged for an hour is forgotten.

create table login_throttle (
  key text primary key,
  failures int not null,
  last_failure_at timestamptz not null
);
create index login_throttle_last_failure_idx on login_throttle (last_failure_at);
