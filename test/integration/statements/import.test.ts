import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/client.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import {
  countRows,
  createRequest,
  getRequest,
  postCallback,
  secrets,
  sepayCallback,
  settle,
  transactionsOf,
  uniqueId,
} from '../../support/callback-factories.js';
import { createCommune, createKey, createPayee } from '../../support/factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: secrets });
});
afterAll(() => app?.close());

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8');
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`fixture placeholder ${k}`);
    return values[k]!;
  });
/** Vietnam local time `offsetMin` minutes from now, as "dd/MM/yyyy HH:mm:ss" and as its parts. */
const vn = (offsetMin = 0) => {
  const iso = new Date(Date.now() + offsetMin * 60_000 + 7 * 3600_000).toISOString();
  const [y, m, d] = iso.slice(0, 10).split('-');
  return {
    csv: `${d}/${m}/${y} ${iso.slice(11, 19)}`,
    day: iso.slice(0, 10),
    local: iso.slice(0, 19).replace('T', ' '),
    dttm: `${iso.slice(0, 19)}+07:00`,
  };
};

/** A credit SePay reports to `accountNumber`, booked at `at` (Vietnam local time, "YYYY-MM-DD HH:mm:ss"). */
const reportBySepay = (accountNumber: string, transferAmount: number, content: string, at: string) =>
  postCallback(app, 'sepay', sepayCallback({ accountNumber, transferAmount, content, transactionDate: at }));

async function postStatement(body: string, contentType: string, query = '', key?: string) {
  const res = await fetch(`${app.url}/v1/statements${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${key ?? app.adminKey}` },
    body,
  });
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, read by tests
  return { status: res.status, body: (await res.json()) as any };
}

describe('bank statement import', () => {
  it('confirms what callbacks reported, adds and matches what they missed, reports what the bank lacks; re-import changes nothing', async () => {
    const { commune, hamlets } = await createCommune(app);
    const school = await createPayee(app, commune, { kind: 'school', stallNo: undefined });
    const account = school.accountNumber;
    const memoA = `NGUYEN VAN A chuyen tien ${uniqueId()}`.toUpperCase();
    const now = vn(-5);
    // A: reported by SePay and listed by the bank. C: reported by SePay only.
    await reportBySepay(account, 50_000, memoA, now.local);
    await reportBySepay(account, 77_000, 'khong co trong sao ke', now.local);
    await settle(app);
    const request = await createRequest(app, school, hamlets[0]!, 120_000);
    const refB = `FT${uniqueId()}`;
    const csv = fill(fixture('statement-vietcombank.csv'), {
      ACCOUNT: account,
      FROM: `${now.day.slice(8, 10)}/${now.day.slice(5, 7)}/${now.day.slice(0, 4)}`,
      TO: `${now.day.slice(8, 10)}/${now.day.slice(5, 7)}/${now.day.slice(0, 4)}`,
      TIME_A: vn(-4).csv,
      TIME_B: vn(-3).csv,
      REF_A: `FT${uniqueId()}`,
      REF_B: refB,
      REF_C: `FT${uniqueId()}`,
      MEMO_A: memoA,
      CODE_B: request.reference,
    });
    const first = await postStatement(csv, 'text/csv; charset=utf-8');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      accountNumber: account,
      format: 'csv',
      lines: 2,
      alreadyKnown: 1,
      created: 1,
      debits: 1,
    });
    expect(first.body.conflicts).toHaveLength(1);
    expect(first.body.conflicts[0]).toMatchObject({ amount: 77_000, reason: 'not_in_statement' });
    expect((await getRequest(app, request.id)).status).toBe('paid');
    const txs = await transactionsOf(app, account);
    expect(txs).toHaveLength(3);
    expect(txs.find((t) => t.amount === 50_000)).toMatchObject({ confirmedByStatement: true });
    const snapshot = {
      transactions: await countRows(app, 'transactions', sql`account_number = ${account}`),
      sources: await countRows(app, 'transaction_sources'),
      allocations: await countRows(app, 'allocations'),
      statements: await countRows(app, 'statements'),
    };

    const again = await postStatement(csv, 'text/csv');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      lines: 2,
      alreadyKnown: 2,
      created: 0,
      statementId: first.body.statementId,
    });
    expect({
      transactions: await countRows(app, 'transactions', sql`account_number = ${account}`),
      sources: await countRows(app, 'transaction_sources'),
      allocations: await countRows(app, 'allocations'),
      statements: await countRows(app, 'statements'),
    }).toEqual(snapshot);

    // The same bank's camt.053 of that account: B (same bank reference, date only) is known, D is new,
    // a pending entry is left out.
    const xml = fill(fixture('statement-camt053.xml'), {
      ACCOUNT: account,
      FROM: now.day,
      TO: now.day,
      DAY_B: now.day,
      REF_B: refB,
      CODE_B: request.reference,
      DTTM_D: vn(-2).dttm,
      REF_D: `FT${uniqueId()}`,
    });
    const camt = await postStatement(xml, 'application/xml');
    expect(camt.status, JSON.stringify(camt.body)).toBe(200);
    expect(camt.body).toMatchObject({ format: 'camt.053', lines: 2, alreadyKnown: 1, created: 1 });
    expect(await transactionsOf(app, account)).toHaveLength(4);
    const again2 = await postStatement(xml, 'application/xml');
    expect(again2.body).toMatchObject({ lines: 2, created: 0, alreadyKnown: 2 });
    expect(await transactionsOf(app, account)).toHaveLength(4);
  });

  it('a calendar-day line is the sale a callback reported that day, among the stall’s other same-price sales', async () => {
    const { hamlets } = await createCommune(app);
    const stall = await createPayee(app, hamlets[0]!);
    const now = vn(-5);
    const memo = `PHO BO ${uniqueId()}`.toUpperCase();
    for (const content of ['tien hang 1', 'tien hang 2', 'tien hang 3', memo]) {
      const res = await reportBySepay(stall.accountNumber, 35_000, content, now.local);
      expect(res.status).toBe(200);
    }
    await settle(app);
    const [y, m, d] = now.day.split('-');
    const res = await postStatement(
      `Ngày giao dịch,Ghi có,Mô tả\n${d}/${m}/${y},"35,000",${memo}\n${d}/${m}/${y},"35,000",BAN HANG KHAC ${uniqueId()}\n`,
      'text/csv',
      `?accountNumber=${stall.accountNumber}`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ lines: 2, alreadyKnown: 1, created: 1 });
    expect(await transactionsOf(app, stall.accountNumber)).toHaveLength(5);
  });

  it('a statement longer than a batch: each line in file order, once, whichever batch it falls in', async () => {
    const { commune, hamlets } = await createCommune(app);
    const school = await createPayee(app, commune, { kind: 'school', stallNo: undefined });
    const account = school.accountNumber;
    const a = await createRequest(app, school, hamlets[0]!, 100_000);
    const b = await createRequest(app, school, hamlets[0]!, 100_000);
    const reported = `DA BAO QUA SEPAY ${uniqueId()}`.toUpperCase();
    const now = vn(-10);
    await reportBySepay(account, 77_000, reported, now.local);
    await settle(app);
    // 1,201 lines: three batches of up to 500. Request A is paid in the first batch and again in the
    // second (a duplicate); B half in the second and the rest in the third; the callback's credit is
    // in the third.
    const special = new Map<number, [number, string]>([
      [4, [100_000, `HOC PHI ${a.reference}`]],
      [699, [100_000, `HOC PHI ${a.reference} LAN 2`]],
      [999, [50_000, `HOC PHI ${b.reference}`]],
      [1_099, [77_000, reported]],
      [1_149, [50_000, `CON LAI ${b.reference}`]],
    ]);
    const lines = Array.from({ length: 1_201 }, (_, i) => {
      const [amount, memo] = special.get(i) ?? [10_000 + i, `chuyen tien ${i}`];
      return `${now.csv},FT${uniqueId()}${i},${amount},${memo}`;
    });
    const csv = ['Ngày giao dịch,Số tham chiếu,Ghi có,Mô tả', ...lines].join('\n');
    const statusCounts = async () =>
      Object.fromEntries(
        (
          await queryRows<{ status: string; n: string }>(
            app.deps.db,
            sql`select status, count(*) as n from transactions where account_number = ${account} group by 1`,
          )
        ).map((r) => [r.status, Number(r.n)]),
      );

    const first = await postStatement(csv, 'text/csv', `?accountNumber=${account}`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ lines: 1_201, created: 1_200, alreadyKnown: 1, conflicts: [] });
    // Paid twice: the second payment is a duplicate, kept on the request for the refund.
    expect(await getRequest(app, a.id)).toMatchObject({ status: 'overpaid', paidAmount: 200_000 });
    expect(await getRequest(app, b.id)).toMatchObject({ status: 'paid', paidAmount: 100_000 });
    const after = await statusCounts();
    // The callback's credit found no request: it stays unmatched, now with the statement as a second source.
    expect(after).toEqual({ matched: 2, duplicate: 1, partial: 1, unmatched: 1_197 });
    expect(await countRows(app, 'allocations', sql`payment_request_id in (${a.id}, ${b.id})`)).toBe(4);
    // In file order: the later of A's two payments is the duplicate, the earlier of B's the partial one.
    const memoOf = async (status: string) =>
      (
        await queryRows<{ memo: string }>(
          app.deps.db,
          sql`select memo from transactions where account_number = ${account} and status = ${status}`,
        )
      ).map((r) => r.memo);
    expect(await memoOf('duplicate')).toEqual([`HOC PHI ${a.reference} LAN 2`]);
    expect(await memoOf('partial')).toEqual([`HOC PHI ${b.reference}`]);

    const again = await postStatement(csv, 'text/csv', `?accountNumber=${account}`);
    expect(again.body).toMatchObject({ lines: 1_201, created: 0, alreadyKnown: 1_201 });
    expect(await statusCounts()).toEqual(after);
    expect(await countRows(app, 'statement_lines', sql`account_number = ${account}`)).toBe(1_201);
  });

  it('refuses an unreadable statement, a wrong account and an outsider, storing nothing', async () => {
    const { commune } = await createCommune(app);
    const payee = await createPayee(app, commune);
    const before = await countRows(app, 'statements');
    const bad = await postStatement(
      'just,some\ntext,here\n',
      'text/csv',
      `?accountNumber=${payee.accountNumber}`,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_statement');
    const badAmount = await postStatement(
      'Ngày giao dịch,Số tiền ghi có,Mô tả\n20/11/2026,"12.5",x\n',
      'text/csv',
      `?accountNumber=${payee.accountNumber}`,
    );
    expect(badAmount.status).toBe(422);
    expect(badAmount.body.error.details).toEqual([{ row: 2, message: 'amount "12.5" not understood' }]);
    // A callback of this size would be refused; a statement line cannot bring it in instead.
    const tooLarge = await postStatement(
      'Ngày giao dịch,Số tiền ghi có,Mô tả\n20/11/2026,"35.000",pho\n20/11/2026,"500.000.000.000",x\n',
      'text/csv',
      `?accountNumber=${payee.accountNumber}`,
    );
    expect(tooLarge.status).toBe(422);
    expect(tooLarge.body.error).toMatchObject({
      code: 'invalid_statement',
      details: [
        {
          row: 3,
          message: 'amount "500.000.000.000" is above 100,000,000,000 VND, the largest transaction accepted',
        },
      ],
    });
    const other = await createCommune(app);
    const outsider = await createKey(app, { role: 'staff', unitCode: other.commune });
    const forbidden = await postStatement(
      'Ngày giao dịch,Ghi có,Mô tả\n20/11/2026,"10,000",x\n',
      'text/csv',
      `?accountNumber=${payee.accountNumber}`,
      outsider,
    );
    expect(forbidden.status).toBe(403);
    expect(await countRows(app, 'statements')).toBe(before);
    expect(await transactionsOf(app, payee.accountNumber)).toEqual([]);
  });
});
