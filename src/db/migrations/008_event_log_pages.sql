-- The embedded event log in pages: one row per append (a group of concurrent requests) holding its
-- records framed in one text, instead of one row per event. Intake's idempotency moves to
-- event_log_ids, one short key per event. Under load this writes a few rows a second to the log
-- instead of tens of thousands, and a reader fetches and splits a page once for every consumer.

create table event_log_ids (
  id text collate "C" primary key
);
insert into event_log_ids (id) select id from event_log;

-- A page's records, each as `<length>:<id><length>:<body>` with lengths in UTF-16 code units (what
-- JavaScript's String#length counts), concatenated in log order. Compressed with lz4 where the
-- server has it (JSON shrinks several times over, for far less CPU than the default pglz).
alter table event_log add column records int not null default 1;
alter table event_log add column frames text;
do $$ begin
  alter table event_log alter column frames set compression lz4;
exception when feature_not_supported then
  null;
end $$;

create function cadenza_utf16_length(s text) returns int language sql immutable as $$
  select length(s) + length(regexp_replace(s, '[^\U00010000-\U0010FFFF]', '', 'g'))
$$;
update event_log set frames = cadenza_utf16_length(id) || ':' || id || cadenza_utf16_length(body) || ':' || body;
drop function cadenza_utf16_length(text);

alter table event_log alter column frames set not null;
alter table event_log alter column records drop default;
drop index event_log_id_key;
alter table event_log drop column id;
alter table event_log drop column body;

-- Offsets gain the record's index within its page; every old row became a page of one record.
update event_log_offsets set "offset" = "offset" || ':0000000000' where "offset" ~ '^\d{20}:\d{20}$';
update event_consumer_progress set applied = applied || ':0000000000' where applied ~ '^\d{20}:\d{20}$';
