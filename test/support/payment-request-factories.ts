import * as jsqrModule from 'jsqr';
import { expect } from 'vitest';
import type { TestApp } from './app.js';
import { createPayee } from './factories.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
// jsqr is CommonJS with exports.default; how it surfaces depends on the loader, so take what is callable.
const jsqrAny = jsqrModule as unknown as { default: JsQr & { default?: JsQr } };
const jsQR: JsQr = jsqrAny.default.default ?? jsqrAny.default;

export async function createSchool(app: TestApp, unitCode: string, overrides: Record<string, unknown> = {}) {
  return createPayee(app, unitCode, {
    kind: 'school',
    name: 'Trường THCS Hòa Bình',
    accountName: 'TRUONG THCS HOA BINH',
    stallNo: undefined,
    ...overrides,
  });
}

export async function createRequest(
  app: TestApp,
  payeeId: string,
  overrides: Record<string, unknown> = {},
  key?: string,
) {
  const res = await app.api(
    'POST',
    '/v1/payment-requests',
    {
      payeeId,
      amount: 150_000,
      category: 'school_fee',
      purpose: 'Học phí tháng 9',
      payerRef: 'HS0001',
      ...overrides,
    },
    key,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; reference: string; payload: string; amount: number; status: string };
}

const FAMILY = [
  'Nguyễn',
  'Trần',
  'Lê',
  'Phạm',
  'Hoàng',
  'Huỳnh',
  'Phan',
  'Vũ',
  'Võ',
  'Đặng',
  'Bùi',
  'Đỗ',
  'Hồ',
  'Ngô',
  'Dương',
  'Lý',
];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Đức', 'Thu', 'Gia', 'Hữu', 'Thanh', 'Bảo', 'Quốc', 'Khánh'];
const GIVEN = [
  'An',
  'Bình',
  'Châu',
  'Dũng',
  'Giang',
  'Hà',
  'Hạnh',
  'Khánh',
  'Linh',
  'Mai',
  'Nam',
  'Phúc',
  'Quân',
  'Thảo',
  'Trang',
  'Tuấn',
  'Vy',
  'Yến',
  'Đạt',
  'Hiếu',
  'Ánh',
  'Ngân',
];

/** A Vietnamese pupil's name, deterministic in `i`. */
export const studentName = (i: number) =>
  `${FAMILY[i % FAMILY.length]} ${MIDDLE[(i * 7) % MIDDLE.length]} ${GIVEN[(i * 13) % GIVEN.length]}`;

/** A calendar day `days` from now, as vi-VN spreadsheets write it (DD/MM/YYYY). */
export function viDayFromNow(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

export type Student = { code: string; name: string; className: string; amount: number };

/**
 * A school's fee list as Excel in a vi-VN locale saves it: UTF-8 BOM, ";" separators, Vietnamese
 * headers, amounts with "." thousands separators, due date DD/MM/YYYY, an STT column we ignore.
 * `badRows` are 0-based student indexes whose amount cell is unreadable ("1.500.000,5").
 */
const viNumber = new Intl.NumberFormat('vi-VN');

export function studentFeesCsv(
  students: Student[],
  options: { badRows?: number[]; purpose?: string; due?: string } = {},
): string {
  const header = 'STT;Mã học sinh;Họ và tên;Lớp;Số tiền;Nội dung;Hạn nộp';
  const due = options.due ?? viDayFromNow(60);
  const lines = students.map((s, i) => {
    const amount = options.badRows?.includes(i) ? '1.500.000,5' : viNumber.format(s.amount);
    return [i + 1, s.code, s.name, s.className, amount, options.purpose ?? 'Học phí học kỳ I', due].join(';');
  });
  return `\ufeff${[header, ...lines].join('\r\n')}\r\n`;
}

export function makeStudents(n: number, classes: string[]): Student[] {
  return Array.from({ length: n }, (_, i) => ({
    code: `HS${String(i + 1).padStart(4, '0')}`,
    name: studentName(i),
    className: classes[i % classes.length]!,
    amount: 1_000_000 + (i % 5) * 250_000,
  }));
}

/** POSTs a CSV body (default: as the admin). */
export async function postCsv(
  app: TestApp,
  query: string,
  csv: string | Uint8Array,
  key?: string,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${app.url}/v1/payment-requests/batch?${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      authorization: `Bearer ${key ?? app.adminKey}`,
      ...headers,
    },
    body: csv,
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever JSON came back
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

/** GETs a non-JSON resource (HTML, CSV, SVG, PNG). */
export async function getRaw(app: TestApp, path: string, key?: string, headers: Record<string, string> = {}) {
  const res = await fetch(app.url + path, {
    headers: { authorization: `Bearer ${key ?? app.adminKey}`, ...headers },
  });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/**
 * Reads a QR code drawn by the `qrcode` package's SVG renderer back to its text: the dark modules are
 * one path of horizontal runs ("M2 2.5h7m4 0h1…"), drawn here onto a bitmap that jsQR scans like a
 * camera frame would be. A slip's QR "decodes" only if this finds it.
 */
export function scanQrSvg(svg: string, scale = 4): string | undefined {
  const size = Number(/viewBox="0 0 (\d+) (\d+)"/.exec(svg)?.[1]);
  const d = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1];
  if (!size || !d) return undefined;
  const dark = new Uint8Array(size * size);
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of d.matchAll(/([MmHh])\s*(-?[\d.]+)(?:[\s,]+(-?[\d.]+))?/g)) {
    const n = Number(a);
    if (op === 'M') [x, y] = [n, Math.floor(Number(b))];
    else if (op === 'm') [x, y] = [x + n, Math.floor(y + 0.5 + Number(b))];
    else if (op === 'h') {
      for (let i = 0; i < n; i++) dark[y * size + x + i] = 1;
      x += n;
    }
  }
  const w = size * scale;
  const rgba = new Uint8ClampedArray(w * w * 4).fill(255);
  for (let py = 0; py < w; py++) {
    for (let px = 0; px < w; px++) {
      if (dark[Math.floor(py / scale) * size + Math.floor(px / scale)]) {
        const o = (py * w + px) * 4;
        rgba[o] = rgba[o + 1] = rgba[o + 2] = 0;
      }
    }
  }
  return jsQR(rgba, w, w)?.data;
}
