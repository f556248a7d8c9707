import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeVietQr } from '../../../src/vietqr/payload.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCommune, createKey } from '../../support/factories.js';
import {
  createSchool,
  getRaw,
  makeStudents,
  postCsv,
  scanQrSvg,
  studentFeesCsv,
} from '../../support/payment-request-factories.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const CLASSES = ['6A1', '6A2', '6A3'];

describe('a bursar, from a CSV of 600 pupils to printed slips and who has paid', () => {
  it('imports the list, prints 599 scannable slips, records two cash payments and sees each class', async () => {
    const { commune } = await createCommune(app);
    const school = await createSchool(app, commune);
    const bursar = await createKey(app, { role: 'payee', payeeId: school.id });
    const students = makeStudents(600, CLASSES);
    const BAD = 417;

    // 1. The fee list, exactly as Excel (vi-VN) saves it; the bursar's key is the school's own.
    const upload = await postCsv(
      app,
      'category=school_fee',
      studentFeesCsv(students, { badRows: [BAD] }),
      bursar,
    );
    expect(upload.status, JSON.stringify(upload.body).slice(0, 500)).toBe(201);
    expect(upload.body).toMatchObject({
      payeeId: school.id,
      rows: 600,
      created: 599,
      existing: 0,
      failed: 1,
    });
    const failed = upload.body.results.filter((r: { status: string }) => r.status === 'error');
    // Header is row 1, so pupil i sits on row i + 2.
    expect(failed).toEqual([
      {
        row: BAD + 2,
        status: 'error',
        error: expect.objectContaining({ code: 'invalid_amount', field: 'amount' }),
      },
    ]);
    expect(upload.body.columns).toMatchObject({
      payerRef: 'Mã học sinh',
      payerName: 'Họ và tên',
      payerGroup: 'Lớp',
      amount: 'Số tiền',
    });
    expect(upload.body.ignoredColumns).toEqual(['STT']);
    const studentByReference = new Map<string, (typeof students)[number]>();
    for (const r of upload.body.results) {
      if (r.status === 'created') studentByReference.set(r.reference, students[r.row - 2]!);
    }
    expect(studentByReference.size).toBe(599);

    // 2. The printable sheet: one slip per good row, each QR scans to a payload with its amount and reference.
    const slips = await getRaw(app, upload.body.links.slips, bursar);
    expect(slips.status).toBe(200);
    expect(slips.headers.get('content-type')).toMatch(/^text\/html/);
    const html = new TextDecoder().decode(slips.bytes);
    const articles = [
      ...html.matchAll(/<article class="slip" data-reference="([^"]+)"[^>]*>([\s\S]*?)<\/article>/g),
    ];
    expect(articles).toHaveLength(599);
    for (const [n, [, reference, slip]] of articles.entries()) {
      // Scanning is CPU work in the process that also serves HTTP: let the server's timers run.
      if (n % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      const student = studentByReference.get(reference!)!;
      expect(student, reference).toBeDefined();
      const payload = scanQrSvg(/<svg[\s\S]*<\/svg>/.exec(slip!)![0]);
      const decoded = decodeVietQr(payload ?? '');
      expect(decoded.ok, `slip ${reference}`).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.value).toMatchObject({
        dynamic: true,
        bin: school.bankBin,
        account: school.accountNumber,
      });
      expect(Number(decoded.value.amount)).toBe(student.amount);
      expect(decoded.value.purpose?.startsWith(reference!)).toBe(true);
      expect(slip).toContain(student.name);
      expect(slip).toContain(new Intl.NumberFormat('vi-VN').format(student.amount));
      expect(slip).toContain(student.className);
    }

    // 3. The same batch as CSV, for Zalo/SMS.
    const exported = await getRaw(app, upload.body.links.export, bursar);
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse(new TextDecoder().decode(exported.bytes), { bom: true, columns: true }) as Record<
      string,
      string
    >[];
    expect(rows).toHaveLength(599);
    for (const row of rows) {
      const student = studentByReference.get(row.reference!)!;
      expect(row).toMatchObject({
        payerRef: student.code,
        payerName: student.name,
        group: student.className,
      });
      expect(Number(row.amount)).toBe(student.amount);
      const decoded = decodeVietQr(row.payload!);
      expect(decoded.ok && decoded.value.purpose?.startsWith(row.reference!)).toBe(true);
    }

    // 4. Two pupils pay at the office in cash: one in full, one half.
    const byCode = new Map(rows.map((r) => [r.payerRef!, r]));
    const list = await app.api(
      'GET',
      `/v1/payment-requests?payeeId=${school.id}&payerRef=HS0001`,
      undefined,
      bursar,
    );
    const first = list.body.items[0];
    const fullCash = await app.api('POST', '/v1/cash-payments', { paymentRequestId: first.id }, bursar);
    expect(fullCash.status, JSON.stringify(fullCash.body)).toBe(201);
    expect(fullCash.body).toMatchObject({
      amount: students[0]!.amount,
      category: 'school_fee',
      payerRef: 'HS0001',
    });
    expect(fullCash.body.paymentRequest).toMatchObject({ status: 'paid', outstanding: 0 });

    const second = (await app.api('GET', `/v1/payment-requests?payerRef=HS0002`, undefined, bursar)).body
      .items[0];
    expect(byCode.get('HS0002')!.reference).toBe(second.reference);
    const halfCash = await app.api(
      'POST',
      '/v1/cash-payments',
      { paymentRequestId: second.id, amount: students[1]!.amount / 2, paidAt: new Date().toISOString() },
      bursar,
    );
    expect(halfCash.status, JSON.stringify(halfCash.body)).toBe(201);
    expect(halfCash.body.paymentRequest).toMatchObject({
      status: 'partially_paid',
      paidAmount: students[1]!.amount / 2,
    });

    // 5. Per class, who has paid.
    const summary = await app.api(
      'GET',
      `/v1/payment-requests/summary?payeeId=${school.id}&groupBy=payerGroup`,
      undefined,
      bursar,
    );
    expect(summary.status).toBe(200);
    expect(summary.body.groups.map((g: { key: string }) => g.key)).toEqual(CLASSES);
    const perClass = Object.fromEntries(summary.body.groups.map((g: { key: string }) => [g.key, g]));
    expect(perClass['6A1'].byStatus.paid).toEqual({
      count: 1,
      amount: students[0]!.amount,
      paidAmount: students[0]!.amount,
    });
    expect(perClass['6A2'].byStatus.partially_paid).toMatchObject({
      count: 1,
      paidAmount: students[1]!.amount / 2,
    });
    expect(perClass['6A3'].byStatus.paid).toBeUndefined();
    expect(summary.body.total.count).toBe(599);
    const classOf = (i: number) => students.filter((s, j) => j !== BAD && s.className === CLASSES[i]).length;
    expect(CLASSES.map((c) => perClass[c].total.count)).toEqual([classOf(0), classOf(1), classOf(2)]);

    const paid6A1 = await app.api(
      'GET',
      '/v1/payment-requests?payerGroup=6A1&status=paid,overpaid',
      undefined,
      bursar,
    );
    expect(paid6A1.body.items.map((r: { payerName: string }) => r.payerName)).toEqual([students[0]!.name]);
    const unpaid6A1 = await app.api(
      'GET',
      '/v1/payment-requests?payerGroup=6A1&status=open&limit=1000',
      undefined,
      bursar,
    );
    expect(unpaid6A1.body.items).toHaveLength(classOf(0) - 1);

    // 6. Reprinting: the default sheet leaves out who has paid.
    const reprint = new TextDecoder().decode(
      (await getRaw(app, `${upload.body.links.slips}?payerGroup=6A1`, bursar)).bytes,
    );
    expect(reprint.match(/<article class="slip"/g)).toHaveLength(classOf(0) - 1);
    expect(reprint).not.toContain(first.reference);

    // 7. The paid request's history says who and what.
    const detail = await app.api('GET', `/v1/payment-requests/${first.id}`, undefined, bursar);
    expect(detail.body.history.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'open'],
      ['open', 'paid'],
    ]);
    expect(detail.body.history[1]).toMatchObject({
      source: `cash:${fullCash.body.id}`,
      actor: expect.stringMatching(/^key:/),
    });
    expect(detail.body.cashPayments.map((c: { id: string }) => c.id)).toEqual([fullCash.body.id]);
  }, 300_000);
});
