import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payerContent, rewriteMemo, statementMemo } from '../../../src/demo/memo.js';
import type { MemoStyle, StatementVariant } from '../../../src/demo/month.js';
import { qrPurpose } from '../../../src/payment-requests/purpose.js';
import { extractReferenceCodes } from '../../../src/vietqr/memo.js';
import { generateReferenceCode } from '../../../src/vietqr/reference-code.js';

const styles: MemoStyle[] = [
  'plain',
  'bank-prefix',
  'no-spaces',
  'lower-case',
  'ibft',
  'interbank-trailer',
  'truncated',
  'name-appended',
  'punctuation',
];
const variants: StatementVariant[] = ['same', 'upper', 'cut'];

const reference = fc
  .array(fc.integer({ min: 0, max: 247 }), { minLength: 64, maxLength: 64 })
  .map((bytes) => generateReferenceCode((n) => Uint8Array.from(bytes.slice(0, n))));
const purpose = fc.constantFrom(
  'Tiền điện tháng 11/2026',
  'Phí vệ sinh môi trường tháng 11/2026',
  'Tiền ăn bán trú tháng 11/2026',
  'Chứng thực bản sao',
  'Nước uống, vệ sinh tháng 11/2026',
);
const ctx = fc.record({
  bankRef: fc.stringMatching(/^FT\d{13}$/),
  payerAccount: fc.stringMatching(/^\d{10,13}$/),
  payerName: fc.constantFrom('NGUYEN VAN AN', 'TRAN THI HOA', 'LE DUC PHUC', 'PHAM THI CUC'),
  receiverAccount: fc.stringMatching(/^\d{10,14}$/),
});

describe('the memos the simulation sends', () => {
  it('keep the reference code findable however the bank rewrites them, on the callback and the statement', () => {
    fc.assert(
      fc.property(
        reference,
        purpose,
        ctx,
        fc.constantFrom(...styles),
        fc.constantFrom(...variants),
        (code, text, c, style, variant) => {
          const content = payerContent({ content: '{ref}', intent: 'pay', n: 1 }, qrPurpose(code, text));
          const memo = rewriteMemo(content, style, { ...c, reference: code });
          expect(extractReferenceCodes(memo)).toContain(code);
          expect(extractReferenceCodes(statementMemo(memo, variant))).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('lose the code when the payer mistypes it, so the credit waits for a person', () => {
    fc.assert(
      fc.property(
        reference,
        purpose,
        ctx,
        fc.constantFrom(...styles),
        fc.nat(10_000),
        (code, text, c, style, n) => {
          const content = payerContent({ content: '{ref}', intent: 'typo', n }, qrPurpose(code, text));
          const memo = rewriteMemo(content, style, { ...c, reference: code });
          expect(extractReferenceCodes(memo)).not.toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });
});
