/**
 * Micro-benchmark of the VietQR payload encoder and decoder: a plain loop, no framework.
 *   npx tsx load-tests/vietqr-bench.ts [iterations]
 * Goal: encode ≥ 100k ops/s (issuing a code is on the request path of every bill and stall card).
 */

import { extractReferenceCodes } from '../src/vietqr/memo.js';
import { decodeVietQr, encodeVietQr, type VietQrInput } from '../src/vietqr/payload.js';

const iterations = Number(process.argv[2] ?? 200_000);

// A handful of realistic inputs, cycled so the loop is not measuring a single cached shape.
const inputs: VietQrInput[] = [
  { bin: '970436', account: '0123456789' },
  { bin: '970415', account: '108000123456', amount: 150_000, purpose: 'Học phí T9 CC4KXP7RMC' },
  {
    bin: '970405',
    account: '3600205123456',
    amount: 42_500,
    purpose: 'Tien nuoc T9',
    billNumber: 'HD-000123',
  },
  { bin: '970403', account: '9704031101234567', service: 'card', amount: 1_000_000 },
];
const payloads = inputs.map((input) => encodeVietQr(input));
const memos = [
  'MBVCB.3278614497.CC4KXP7RMC.NGUYEN VAN A chuyen tien',
  'IBFT Thanh toan hoc phi cc4k xp7 rmc -CTLNHIDI000012345678',
  'NGUYEN VAN A chuyen tien hoc phi thang 9 cho chau',
];

function measure(name: string, op: (i: number) => unknown): void {
  let sink = 0;
  for (let i = 0; i < 10_000; i++) sink += Number(Boolean(op(i))); // warm-up: let the JIT settle
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += Number(Boolean(op(i)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round(iterations / seconds);
  console.log(
    `${name.padEnd(26)} ${perSecond.toLocaleString('en-US').padStart(12)} ops/s  (${iterations} in ${seconds.toFixed(3)} s)`,
  );
  if (sink !== iterations + 10_000) throw new Error(`${name}: an operation failed`);
}

console.log(`node ${process.version}, ${iterations} iterations each`);
measure('encodeVietQr', (i) => encodeVietQr(inputs[i % inputs.length]!));
measure('decodeVietQr', (i) => decodeVietQr(payloads[i % payloads.length]!).ok);
measure('extractReferenceCodes', (i) => extractReferenceCodes(memos[i % memos.length]!).length >= 0);
