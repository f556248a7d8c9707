import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey } from '../../support/factories.js';
import {
  createSchool,
  makeStudents,
  postCsv,
  studentFeesCsv,
} from '../../support/payment-request-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function countRequests(payeeId: string) {
  const res = await app.api('GET', `/v1/payment-requests/summary?payeeId=${payeeId}&groupBy=status`);
  return res.body.total.count as number;
}

describe('batch of payment requests', () => {
  it('JSON items: each row judged on its own, bad rows reported by position, good ones stored', async () => {
    const { commune, hamlets } = await createCommune(app);
    const school = await createSchool(app, commune);
    await app.api('POST', '/v1/households', { code: `HH-${commune}`, unitCode: hamlets[0] });
    const res = await app.api('POST', '/v1/payment-requests/batch', {
      payeeId: school.id,
      category: 'school_fee',
      items: [
        {
          amount: 1_500_000,
          payerRef: 'HS1',
          payerName: 'Nguyễn Văn An',
          payerGroup: '6A1',
          householdCode: `HH-${commune}`,
        },
        { amount: 0, payerRef: 'HS2' },
        { amount: 1.5, payerRef: 'HS3' },
        { amount: '150000', payerRef: 'HS4' },
        { amount: 600_000_000, payerRef: 'HS5' },
        { amount: 100_000, payerRef: 'HS6', householdCode: 'NO-SUCH-HOUSE' },
        { amount: 100_000, payerRef: 'HS7', expiresAt: '2020-01-01' },
        { amount: 100_000, payerRef: 'HS8', category: 'beer' },
        { amount: 100_000, payerRef: 'HS9', shoeSize: 42 },
        { amount: 200_000, payerRef: 'HS10', category: 'water', expiresAt: '2099-12-31' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ rows: 10, created: 2, existing: 0, failed: 8 });
    expect(
      res.body.results.map((r: { row: number; status: string; error?: { code: string } }) => [
        r.row,
        r.error?.code ?? r.status,
      ]),
    ).toEqual([
      [1, 'created'],
      [2, 'invalid_amount'],
      [3, 'invalid_amount'],
      [4, 'invalid_amount'],
      [5, 'amount_too_large'],
      [6, 'unknown_household'],
      [7, 'expiry_in_past'],
      [8, 'unknown_category'],
      [9, 'unknown_field'],
      [10, 'created'],
    ]);
    const first = await app.api('GET', `/v1/payment-requests/${res.body.results[0].id}`);
    // The household's hamlet is where the payment will count; the school's commune is where it is managed.
    expect(first.body).toMatchObject({
      unitCode: hamlets[0],
      householdCode: `HH-${commune}`,
      batchId: res.body.batchId,
      status: 'open',
    });
    const last = await app.api('GET', `/v1/payment-requests/${res.body.results[9].id}`);
    expect(last.body).toMatchObject({
      category: 'water',
      unitCode: commune,
      expiresAt: '2099-12-31T17:00:00.000Z',
    });
    const batch = await app.api('GET', `/v1/payment-requests/batches/${res.body.batchId}`);
    expect(batch.body).toMatchObject({ rows: 10, created: 2, failed: 8, source: 'json' });
  });

  it('the same upload with the same Idempotency-Key answers the same and stores nothing twice', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const csv = studentFeesCsv(makeStudents(40, ['7A', '7B']), { badRows: [5] });
    const headers = { 'Idempotency-Key': `fees-${school.id}` };
    const first = await postCsv(app, `payeeId=${school.id}&category=school_fee`, csv, undefined, headers);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await postCsv(app, `payeeId=${school.id}&category=school_fee`, csv, undefined, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await countRequests(school.id)).toBe(39);

    // The same key for another request is a client bug: refused, nothing done.
    const other = await postCsv(app, `payeeId=${school.id}&category=water`, csv, undefined, headers);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(await countRequests(school.id)).toBe(39);
  });

  it('two identical uploads racing with one key create one batch', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const body = {
      payeeId: school.id,
      category: 'water',
      items: Array.from({ length: 50 }, (_, i) => ({ amount: 80_000 + i, payerRef: `M${i}` })),
    };
    const headers = { 'Idempotency-Key': 'water-2026-09' };
    const [a, b] = await Promise.all([
      app.api('POST', '/v1/payment-requests/batch', body, undefined, headers),
      app.api('POST', '/v1/payment-requests/batch', body, undefined, headers),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.batchId).toBe(b.body.batchId);
    expect(await countRequests(school.id)).toBe(50);
  });

  it('a failed upload keeps no answer for its key: fixed and resent, it goes through', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const headers = { 'Idempotency-Key': 'retry-me' };
    const bad = await app.api(
      'POST',
      '/v1/payment-requests/batch',
      { payeeId: school.id, items: [] },
      undefined,
      headers,
    );
    expect(bad.status).toBe(400);
    const good = await app.api(
      'POST',
      '/v1/payment-requests/batch',
      { payeeId: school.id, category: 'other', items: [{ amount: 10_000 }] },
      undefined,
      headers,
    );
    expect(good.status).toBe(201);
    expect(good.body.created).toBe(1);
  });

  it('rows with an externalId already stored come back as exists, without a key', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const items = [
      { externalId: 'HP-2026-HS1', amount: 1_000_000, payerRef: 'HS1' },
      { externalId: 'HP-2026-HS2', amount: 1_200_000, payerRef: 'HS2' },
    ];
    const first = await app.api('POST', '/v1/payment-requests/batch', {
      payeeId: school.id,
      category: 'school_fee',
      items,
    });
    expect(first.body.created).toBe(2);
    const second = await app.api('POST', '/v1/payment-requests/batch', {
      payeeId: school.id,
      category: 'school_fee',
      items: [
        ...items,
        { externalId: 'HP-2026-HS3', amount: 900_000 },
        { externalId: 'HP-2026-HS3', amount: 900_000 },
        { externalId: 'HP-2026-HS1', amount: 5 },
      ],
    });
    expect(second.body).toMatchObject({ created: 1, existing: 2, failed: 2 });
    expect(second.body.results[0]).toMatchObject({
      status: 'exists',
      id: first.body.results[0].id,
      reference: first.body.results[0].reference,
      batchId: first.body.batchId,
    });
    expect(second.body.results[3].error.code).toBe('duplicate_external_id');
    expect(second.body.results[4].error.code).toBe('external_id_conflict');
    expect(await countRequests(school.id)).toBe(3);
  });

  it('reads an English, comma-separated CSV and refuses files it cannot read, storing nothing', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const english =
      'payerRef,payerName,group,amount,purpose,expiresAt\nHS1,"Tran, Thi B",8C,"1,250,000",Tuition,2099-06-30\nHS2,Le Van C,8C,abc,Tuition,\n';
    const ok = await postCsv(app, `payeeId=${school.id}&category=school_fee`, english);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ created: 1, failed: 1 });
    expect(ok.body.results[1]).toMatchObject({ row: 3, error: { code: 'invalid_amount' } });

    const before = await countRequests(school.id);
    const noAmount = await postCsv(app, `payeeId=${school.id}&category=school_fee`, 'Họ và tên;Lớp\nAn;6A\n');
    expect([noAmount.status, noAmount.body.error.code]).toEqual([422, 'missing_column']);
    const ansi = new Uint8Array([
      ...new TextEncoder().encode('amount;L'),
      0xf5,
      0x70,
      0x0a,
      0x31,
      0x3b,
      0x32,
      0x0a,
    ]);
    const garbled = await postCsv(app, `payeeId=${school.id}&category=school_fee`, ansi);
    expect([garbled.status, garbled.body.error.code]).toEqual([400, 'invalid_encoding']);
    const empty = await postCsv(app, `payeeId=${school.id}&category=school_fee`, 'amount\n');
    expect([empty.status, empty.body.error.code]).toEqual([422, 'empty_csv']);
    const pastDue = await postCsv(
      app,
      `payeeId=${school.id}&category=school_fee&expiresAt=2020-01-01`,
      'amount\n1000\n',
    );
    expect([pastDue.status, pastDue.body.error.code]).toEqual([422, 'expiry_in_past']);
    const unknownPayee = await postCsv(
      app,
      'payeeId=00000000-0000-4000-8000-000000000000&category=water',
      'amount\n1000\n',
    );
    expect([unknownPayee.status, unknownPayee.body.error.code]).toEqual([422, 'unknown_payee']);
    const noCategory = await postCsv(app, `payeeId=${school.id}`, 'amount\n1000\n');
    expect(noCategory.body.results[0].error.code).toBe('missing_category');
    expect(await countRequests(school.id)).toBe(before);
  });

  it('a payee key uploads for itself without naming itself, and cannot upload for another payee', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const other = await createSchool(app, commune);
    const key = await createKey(app, { role: 'payee', payeeId: school.id });
    const own = await postCsv(app, 'category=school_fee', 'Số tiền;Mã học sinh\n100.000;HS1\n', key);
    expect(own.status).toBe(201);
    expect(own.body.payeeId).toBe(school.id);
    const foreign = await postCsv(app, `payeeId=${other.id}&category=school_fee`, 'Số tiền\n100.000\n', key);
    expect([foreign.status, foreign.body.error.code]).toEqual([422, 'unknown_payee']);
    const wrongType = await app.api('POST', '/v1/payment-requests/batch', 'amount\n1\n', key, {
      'content-type': 'application/xml',
    });
    expect(wrongType.status).toBe(415);
  });
});
