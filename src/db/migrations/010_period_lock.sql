-- A stream's period, decided under a lock on the period's row, so closing a period and a stream landing
-- in it cannot cross: the stream holds the row for share until its transaction ends, and closing
-- (which updates the row) waits for it and then counts it, refusing to close with it left out. A stream
-- that finds a close in progress waits for it, sees the period closed and goes to the next open one.
create or replace function cadenza_open_period(at timestamptz) returns char(7) language plpgsql volatile as $$
declare
  m timestamp := date_trunc('month', at at time zone 'UTC');
  p char(7);
  closed timestamptz;
begin
  loop
    p := to_char(m, 'YYYY-MM');
    select r.closed_at into closed from royalty_periods r where r.period = p for share;
    if not found then
      insert into royalty_periods (period) values (p) on conflict (period) do nothing;
      select r.closed_at into closed from royalty_periods r where r.period = p for share;
    end if;
    exit when closed is null;
    m := m + interval '1 month';
  end loop;
  return p;
end $$;
