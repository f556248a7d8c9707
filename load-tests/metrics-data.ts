/**
 * Rollup rows as `transactions` payment facts would leave them, written in bulk with generate_series
 * (recording 10M facts one by one through the matcher would take hours and measure the writer, not
 * the reader). The metrics API reads only the rollups (src/metrics/store.ts), so what it reads is the
 * same as after the real facts.
 *
 * The shape (documented in the bench output): one province of `communes` communes × 10 hamlets,
 * 300 households and 20 market stalls per hamlet, plus a school, a utility and a public-service
 * counter per commune; `days` days up to today (Asia/Ho_Chi_Minh); facts spread evenly over hamlets and
 * days with ±20% noise, split by category (market 70%, school fees 8%, electricity 8%, water 7%,
 * environment fee 4%, public-service fees 3%) and channel (cash 40%, QR 42%, transfer 9%, e-wallet 9%).
 * Payers: every bill payment is a distinct household of its hamlet that day; half of the cashless market
 * sales carry the buyer's account (a pool of 5,000 buyers per commune), the rest no payer.
 */
import postgres from 'postgres';

export type MetricsShape = { transactions: number; communes: number; days: number };

export type MetricsWorld = {
  province: string;
  communes: string[];
  /** Facts the rollups add up to (sum of payment_rollups.count). */
  facts: number;
  rows: {
    payment: number;
    paymentMonth: number;
    payer: number;
    payerMonth: number;
    payee: number;
    payerScope: number;
    payerTally: number;
    stallPeriod: number;
    stallTally: number;
  };
  seconds: number;
};

const HAMLETS = 10;
const HOUSEHOLDS = 300;
const STALLS = 20;
const BUYERS = 5000;

export async function generateMetricsData(
  url: string,
  shape: MetricsShape,
  tag: string,
): Promise<MetricsWorld> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const started = performance.now();
  const province = `PM${tag}`;
  const communes = Array.from(
    { length: shape.communes },
    (_, i) => `CM${tag}-${String(i + 1).padStart(2, '0')}`,
  );
  const perHamletDay = shape.transactions / (shape.communes * HAMLETS * shape.days);
  try {
    await sql.begin(async (tx) => {
      await tx`insert into units (code, parent_code, name, level, path)
               values (${province}, null, ${`Tỉnh bench ${tag}`}, 'province', ${`/${province}/`})`;
      await tx`insert into units (code, parent_code, name, level, path)
               select c, ${province}, 'Xã ' || c, 'commune', ${`/${province}/`} || c || '/'
               from unnest(${communes}::text[]) c`;
      await tx`insert into units (code, parent_code, name, level, path)
               select c || '-H' || h, c, 'Thôn ' || h, 'hamlet', ${`/${province}/`} || c || '/' || c || '-H' || h || '/'
               from unnest(${communes}::text[]) c, generate_series(1, ${HAMLETS}) h`;
      await tx`insert into households (code, unit_code)
               select u.code || '-' || k, u.code from units u, generate_series(0, ${HOUSEHOLDS - 1}) k
               where u.parent_code = any(${communes}::text[])`;
      // Stalls: 20 per hamlet, account numbers unique to this run.
      await tx`insert into payees (kind, name, unit_code, bank_bin, account_number, account_name, stall_no)
               select 'market_vendor', 'Sạp ' || s, u.code, '970436',
                      ${`8${tag.slice(-6)}`} || lpad((row_number() over ())::text, 7, '0'), 'NGUYEN VAN A', 'A' || s
               from units u, generate_series(1, ${STALLS}) s
               where u.parent_code = any(${communes}::text[])`;
      await tx`insert into payees (kind, name, unit_code, bank_bin, account_number, account_name)
               select k.kind, k.kind || ' ' || c, c, '970415',
                      ${`7${tag.slice(-6)}`} || lpad((row_number() over ())::text, 7, '0'), 'UBND XA'
               from unnest(${communes}::text[]) c,
                    (values ('school'), ('utility'), ('public_service')) k(kind)`;
    });

    // Categories: (category, payee kind, share, average amount in VND).
    const categories = sql`(values ('market', 'market_vendor', 0.70, 60000),
                                   ('school_fee', 'school', 0.08, 1500000),
                                   ('electricity', 'utility', 0.08, 450000),
                                   ('water', 'utility', 0.07, 120000),
                                   ('environment_fee', 'public_service', 0.04, 30000),
                                   ('public_service_fee', 'public_service', 0.03, 50000)
                           ) c(category, kind, share, amount)`;
    const channels = sql`(values ('cash', 0.40), ('qr', 0.42), ('transfer', 0.09), ('ewallet', 0.09)) ch(channel, share)`;
    const today = sql`(now() at time zone 'Asia/Ho_Chi_Minh')::date`;

    // The facts per hamlet, day, category and channel, kept in a temporary table that the three rollups
    // are made from (so they agree with each other as the real ones do).
    await sql`create unlogged table bench_facts as
      select d as day_index, (${today} - d) as day, u.code as unit_code, u.path as unit_path,
             u.parent_code as commune, c.category, c.kind, ch.channel,
             greatest(1, round(${perHamletDay}::float8 * c.share * ch.share * (0.8 + 0.4 * random())))::int as n,
             c.amount::int8 as amount
      from units u, generate_series(0, ${shape.days - 1}) d, ${categories}, ${channels}
      where u.parent_code = any(${communes}::text[])`;
    const payment =
      await sql`insert into payment_rollups (day, unit_code, unit_path, payee_kind, category, channel, count, value)
      select day, unit_code, unit_path, kind, category, channel, n, n * amount from bench_facts`;
    const bills =
      await sql`insert into payer_rollups (day, unit_code, unit_path, category, channel, payer_key, count)
      select f.day, f.unit_code, f.unit_path, f.category, f.channel,
             f.unit_code || '-' || ((f.day_index * 37 + k * 7) % ${HOUSEHOLDS}), 1
      from bench_facts f, generate_series(1, least(f.n, ${HOUSEHOLDS})) k
      where f.category <> 'market'
      on conflict do nothing`;
    const buyers =
      await sql`insert into payer_rollups (day, unit_code, unit_path, category, channel, payer_key, count)
      select f.day, f.unit_code, f.unit_path, f.category, f.channel,
             'B' || f.commune || '-' || ((f.day_index * 31 + k * 7919) % ${BUYERS}), 1
      from bench_facts f, generate_series(1, least(f.n / 2, ${BUYERS})) k
      where f.category = 'market' and f.channel <> 'cash'
      on conflict do nothing`;
    // Each hamlet's market sales shared among its stalls; bills to the commune's counter of that kind.
    const stalls = await sql`insert into payee_rollups (day, payee_id, channel, count, value)
      select f.day, p.id, f.channel, sum(greatest(1, f.n / ${STALLS})), sum(greatest(1, f.n / ${STALLS}) * f.amount)
      from bench_facts f join payees p on p.unit_code = f.unit_code and p.kind = 'market_vendor'
      where f.category = 'market'
      group by 1, 2, 3`;
    const counters = await sql`insert into payee_rollups (day, payee_id, channel, count, value)
      select f.day, p.id, f.channel, sum(f.n), sum(f.n * f.amount)
      from bench_facts f join payees p on p.unit_code = f.commune and p.kind = f.kind
      where f.category <> 'market'
      group by 1, 2, 3`;
    // The monthly payer sets, where the schema has them (src/metrics/tables.ts): the same payers per month.
    const [monthly] = await sql<{ t: string | null }[]>`select to_regclass('payer_month_rollups')::text as t`;
    let monthRows = 0;
    if (monthly?.t) {
      const m =
        await sql`insert into payer_month_rollups (month, unit_code, unit_path, category, channel, payer_key, count)
        select date_trunc('month', r.day)::date, r.unit_code, r.unit_path, r.category, r.channel, r.payer_key, sum(r.count)
        from payer_rollups r join units u on u.code = r.unit_code
        where u.parent_code = any(${communes}::text[])
        group by 1, 2, 3, 4, 5, 6`;
      monthRows = m.count;
    }
    // The monthly counts and values, the payer scope rows and the tallies, made from the rows above the
    // way the ingest path keeps them (src/metrics/facts.ts) and migration 0009 backfills them.
    const paymentMonths =
      await sql`insert into payment_month_rollups (month, unit_code, unit_path, category, channel, count, value)
      select date_trunc('month', day)::date, unit_code, unit_path, category, channel, sum(count), sum(value)
      from payment_rollups where unit_code in (select code from units where parent_code = any(${communes}::text[]))
      group by 1, 2, 3, 4, 5`;
    const scopes =
      await sql`insert into payer_scope_rollups (unit_code, period, cash, category, payer_key, count, household)
      select s.code, p.period, r.channel = 'cash', p.category, r.payer_key, sum(r.count),
             exists (select 1 from households h where h.code = r.payer_key)
      from payer_rollups r
      cross join lateral unnest(string_to_array(trim(both '/' from r.unit_path), '/')) s(code)
      cross join lateral (values (to_char(r.day, 'YYYY-MM'), r.category), (to_char(r.day, 'YYYY-MM'), ''),
                                 (to_char(r.day, 'YYYY'), '')) p(period, category)
      where r.unit_code in (select code from units where parent_code = any(${communes}::text[]))
      group by 1, 2, 3, 4, 5`;
    const tallies = await sql`insert into payer_tallies (unit_code, period, cash, category, payers, adopters)
      select unit_code, period, cash, category, count(*), count(*) filter (where household and not cash)
      from payer_scope_rollups
      where count > 0 and unit_code in (select code from units where path like ${`/${province}/%`})
      group by 1, 2, 3, 4`;
    // The stalls' cashless months and years, and the stalls paid per scope and period, as migration 0013
    // backfills them.
    const stallPeriods = await sql`insert into stall_period_rollups (payee_id, period, count)
      select r.payee_id, p.period, count(*)
      from payee_rollups r
      join payees e on e.id = r.payee_id and e.kind = 'market_vendor'
      join units u on u.code = e.unit_code
      cross join lateral (values (to_char(r.day, 'YYYY-MM')), (to_char(r.day, 'YYYY'))) p(period)
      where r.channel <> 'cash' and r.count > 0 and u.path like ${`/${province}/%`}
      group by 1, 2`;
    const stallTallies = await sql`insert into stall_tallies (unit_code, period, stalls)
      select s.code, r.period, count(*)
      from stall_period_rollups r
      join payees e on e.id = r.payee_id
      join units u on u.code = e.unit_code
      cross join lateral unnest(string_to_array(trim(both '/' from u.path), '/')) s(code)
      where r.count > 0 and u.path like ${`/${province}/%`}
      group by 1, 2`;
    const [total] = await sql<{ n: number }[]>`select sum(n)::int8 as n from bench_facts`;
    await sql`drop table bench_facts`;
    await sql`analyze payment_rollups`;
    await sql`analyze payer_rollups`;
    await sql`analyze payee_rollups`;
    if (monthly?.t) await sql`analyze payer_month_rollups`;
    await sql`analyze payment_month_rollups`;
    await sql`analyze payer_scope_rollups`;
    await sql`analyze payer_tallies`;
    await sql`analyze stall_period_rollups`;
    await sql`analyze stall_tallies`;
    // Vacuumed as well, as autovacuum would soon after such an insert on a real server (it is off on this
    // machine): the household counts are then index-only scans, not a heap page per household.
    await sql`vacuum analyze units`;
    await sql`vacuum analyze households`;
    await sql`vacuum analyze payees`;
    return {
      province,
      communes,
      facts: Number(total?.n ?? 0),
      rows: {
        payment: payment.count,
        paymentMonth: paymentMonths.count,
        payer: bills.count + buyers.count,
        payerMonth: monthRows,
        payee: stalls.count + counters.count,
        payerScope: scopes.count,
        payerTally: tallies.count,
        stallPeriod: stallPeriods.count,
        stallTally: stallTallies.count,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
