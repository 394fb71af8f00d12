-- bench/floors.sql: the write floor of `npm run bench` (bench/floors.ts runs it). The rows a sync
-- writes, already known, written into the same tables by hand-written SQL in one transaction: one
-- COPY into a staging table and one INSERT … SELECT … ON CONFLICT per table, with the history rows
-- the sync appends. The bench checks that this leaves exactly the rows the real sync leaves
-- (model_pricing, model_pricing_history without id/run_id/effective_at, pricing_litellm_entries):
-- a floor that does less work is not a floor. The sync's own bookkeeping (its run row, five
-- pricing_providers rows) is not written here. Statements are separated by `-- floor: <name>`.

-- floor: stage_prices
-- The columns PRICE_EXPORT (bench/floors.ts) copies: model_pricing's leading ones, in its order.
create temp table floor_prices on commit drop as
select provider, model_id, state, input_price_per_1m_tokens, output_price_per_1m_tokens,
       cache_read_price_per_1m_tokens, cache_write_price_per_1m_tokens, request_price, image_price,
       extra_prices, pricing_tiers, context_length, alias_of, source
  from public.model_pricing
  with no data

-- floor: copy_prices
copy floor_prices from stdin (format csv)

-- floor: apply_prices
-- Old prices are read in the statement's snapshot, before the upsert in the same statement.
with incoming as materialized (
  select s.*,
         m.model_id is not null as stored,
         m.state as old_state,
         m.input_price_per_1m_tokens as old_input,
         m.output_price_per_1m_tokens as old_output,
         case when m.model_id is not null
              then public.pricing_prices_json(public.pricing_prices_of(m), m.context_length, m.alias_of)
         end as old_prices
    from floor_prices s
    left join public.model_pricing m on m.provider = s.provider and m.model_id = s.model_id
),
written as (
  -- No column list: the values fill model_pricing's leading columns, in its order; a new row's
  -- first_seen_at and updated_at take their default, now(), and its missing_since is null.
  insert into public.model_pricing as m
  select i.provider, i.model_id, i.state, i.input_price_per_1m_tokens, i.output_price_per_1m_tokens,
         i.cache_read_price_per_1m_tokens, i.cache_write_price_per_1m_tokens, i.request_price,
         i.image_price, i.extra_prices, i.pricing_tiers, i.context_length, i.alias_of, i.source
    from incoming i
  on conflict (provider, model_id) do update set
    (state, input_price_per_1m_tokens, output_price_per_1m_tokens, cache_read_price_per_1m_tokens,
     cache_write_price_per_1m_tokens, request_price, image_price, extra_prices, pricing_tiers,
     context_length, alias_of, source, missing_since, updated_at)
    = row(excluded.state, excluded.input_price_per_1m_tokens, excluded.output_price_per_1m_tokens,
          excluded.cache_read_price_per_1m_tokens, excluded.cache_write_price_per_1m_tokens,
          excluded.request_price, excluded.image_price, excluded.extra_prices, excluded.pricing_tiers,
          excluded.context_length, excluded.alias_of, excluded.source, null, excluded.updated_at)
  returning 1
)
insert into public.model_pricing_history (
  run_id, provider, model_id, kind, old_state, new_state,
  old_input_price_per_1m_tokens, new_input_price_per_1m_tokens,
  old_output_price_per_1m_tokens, new_output_price_per_1m_tokens,
  old_prices, new_prices, effective_at)
select 0, i.provider, i.model_id, case when i.stored then 'changed' else 'added' end, i.old_state,
       i.state, i.old_input, i.input_price_per_1m_tokens, i.old_output, i.output_price_per_1m_tokens,
       i.old_prices,
       public.pricing_prices_json(
         row(i.state, i.input_price_per_1m_tokens, i.output_price_per_1m_tokens,
             i.cache_read_price_per_1m_tokens, i.cache_write_price_per_1m_tokens, i.request_price,
             i.image_price, i.extra_prices, i.pricing_tiers)::public.pricing_prices,
         i.context_length, i.alias_of),
       now()
  from incoming i

-- floor: stage_entries
create temp table floor_entries (model_id text not null, entry jsonb not null) on commit drop

-- floor: copy_entries
copy floor_entries from stdin (format csv)

-- floor: apply_entries
insert into public.pricing_litellm_entries as e (model_id, entry, updated_at)
select f.model_id, f.entry, now() from floor_entries f
on conflict (model_id) do update set entry = excluded.entry, updated_at = excluded.updated_at
 where e.entry is distinct from excluded.entry
