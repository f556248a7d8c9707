import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldVietnamese } from '../../src/vietqr/fold.js';
import { extractReferenceCodes } from '../../src/vietqr/memo.js';
import {
  checkCharacter,
  generateReferenceCode,
  isValidReferenceCode,
  REFERENCE_ALPHABET,
} from '../../src/vietqr/reference-code.js';

// Fixed codes for the examples (valid: their check characters are computed, not typed).
const A = `CC4KXP7RM${checkCharacter('CC4KXP7RM')}`;
const B = `CCH9T2WQE${checkCharacter('CCH9T2WQE')}`;

describe('extractReferenceCodes: memo shapes seen in the wild', () => {
  const shapes: [string, string, string[]][] = [
    ['as typed', `${A}`, [A]],
    [
      'SePay/Vietcombank: bank prefix and reference, payer name',
      `MBVCB.3278614497.${A}.NGUYEN VAN A chuyen tien`,
      [A],
    ],
    ['SePay description field', `BankAPINotify MBVCB.3278907687.${A}.NGUYEN VAN A chuyen tien`, [A]],
    ['with Vietnamese diacritics', `Thanh toán học phí ${A} cho cháu Nguyễn Văn Đức`, [A]],
    ['diacritics stripped, upper-cased', `THANH TOAN HOC PHI ${A} CHO CHAU NGUYEN VAN DUC`, [A]],
    ['lower-cased', `thanh toan hoc phi ${A.toLowerCase()}`, [A]],
    ['spaces removed', `THANHTOANHOCPHI${A}NGUYENVANA`, [A]],
    ['spaces collapsed', `Tien  nuoc   ${A}     T9`, [A]],
    ['a space inserted inside the code', `Tien dien ${A.slice(0, 5)} ${A.slice(5)}`, [A]],
    ['spaced out', `Tien dien ${[...A].join(' ')}`, [A]],
    ['dashes', `HP-${A.slice(0, 2)}-${A.slice(2, 6)}-${A.slice(6)}-NGUYEN VAN A`, [A]],
    ['dots', `HP.${A.slice(0, 6)}.${A.slice(6)}.NGUYEN VAN A`, [A]],
    ['underscores', `HP_${A}_NGUYEN_VAN_A`, [A]],
    ['interbank transfer', `IBFT ${A} NGUYEN VAN A chuyen khoan`, [A]],
    ['interbank trailer', `${A} NGUYEN VAN A-CTLNHIDI000012345678`, [A]],
    ['interbank, both ends', `IBFT Thanh toan ${A}-CTLNHIDI000012345678`, [A]],
    ['content cut after the code', `MBVCB.3278614497.${A}.NGUYEN VAN A chuy`, [A]],
    ['content cut inside the code', `MBVCB.3278614497.${A.slice(0, 8)}`, []],
    ['cut inside the code, then the interbank trailer', `IBFT ${A.slice(0, 7)}-CTLNHIDI000012345678`, []],
    ['two codes, in order', `Dong tien ${B} va ${A}`, [B, A]],
    [
      'two codes side by side, no straddler between them',
      'CCCGUJJM2E CCW92R8PRY',
      ['CCCGUJJM2E', 'CCW92R8PRY'],
    ],
    ['two codes, the first ending in C', 'CCT3DH9GEC CCFFCX7TQ4', ['CCT3DH9GEC', 'CCFFCX7TQ4']],
    ['the same code twice', `${A} ${A.toLowerCase()} lan 2`, [A]],
    ['a typo in the code', `Hoc phi ${A.slice(0, 4)}${A[4] === 'Z' ? 'Y' : 'Z'}${A.slice(5)}`, []],
    ['no code', 'NGUYEN VAN A chuyen tien hoc phi thang 9', []],
    [
      'the shared SePay sample (its code has no CC prefix)',
      'MBVCB.3278907687.HPK7Q2M9XJ.NGUYEN VAN A chuyen tien',
      [],
    ],
    ['empty', '', []],
  ];
  it.each(shapes)('%s', (_, memo, expected) => {
    expect(extractReferenceCodes(memo)).toEqual(expected);
  });

  it('does not let the interbank trailer complete a code the cut left short', () => {
    // The first 8 characters of a code such that they, followed by "CT" (how the trailer starts),
    // pass the check: were the trailer not removed, "…-CTLNHIDI…" would complete the cut code wrongly.
    const cut = [...REFERENCE_ALPHABET]
      .flatMap((x) => [...REFERENCE_ALPHABET].map((y) => `CC4KXP${x}${y}`))
      .find((body) => isValidReferenceCode(`${body}CT`))!;
    expect(cut).toBeDefined();
    expect(extractReferenceCodes(`IBFT Thanh toan ${cut}-CTLNHIDI000012345678`)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: random codes in random memos under random mangling.

const words = [
  'Thanh toán',
  'học phí',
  'tiền điện',
  'tiền nước',
  'phí vệ sinh',
  'môi trường',
  'tháng',
  'năm',
  'cho',
  'cháu',
  'con',
  'các',
  'được',
  'chuyển',
  'khoản',
  'chuyen tien',
  'lớp',
  '5A',
  'thôn',
  'Đông',
  'xóm',
  'chợ',
  'kiốt',
  'số',
  'nộp',
  'đóng',
  'hộ',
  'gia đình',
  'bà',
  'ông',
  'cô',
  'chú',
  'ạ',
  'nhé',
  'cảm ơn',
  'quầy',
  'một cửa',
  'lệ phí',
  'chứng thực',
  'Học kỳ',
  'HK1',
  'T9',
  '2025',
  '150000',
  'đ',
  'VND',
];
const names = [
  'NGUYEN VAN A',
  'Trần Thị Bích',
  'LE HOANG DUC',
  'Phạm Văn Cường',
  'ĐỖ THỊ CÚC',
  'Hồ Công Chính',
];
const bankPrefixes = [
  '',
  'MBVCB.3278614497.',
  'IBFT ',
  'BankAPINotify MBVCB.3278907687.',
  'TKThe 0123456789, tai VCB. ',
  'FT25332190871234 ',
];
const separators = [' ', '  ', '-', '.', '_', ' - '];

/** A code from 7 random symbol values (bytes below 248, so the generator uses each one). */
const code = fc
  .array(fc.integer({ min: 0, max: 247 }), { minLength: 7, maxLength: 7 })
  .map((values) => generateReferenceCode((n) => Uint8Array.from({ length: n }, (_, i) => values[i] ?? 0)));

const text = fc.array(fc.constantFrom(...words, ...names), { maxLength: 8 }).map((w) => w.join(' '));

/** The code as a payer might type it or a bank might rewrite it. */
const mangledCode = (c: string) =>
  fc
    .record({
      cases: fc.array(fc.constantFrom('upper', 'lower'), { minLength: c.length, maxLength: c.length }),
      breaks: fc.array(fc.option(fc.constantFrom(...separators), { freq: 4 }), {
        minLength: c.length,
        maxLength: c.length,
      }),
    })
    .map(({ cases, breaks }) =>
      [...c]
        .map(
          (ch, i) =>
            (cases[i] === 'lower' ? ch.toLowerCase() : ch) + (i < c.length - 1 ? (breaks[i] ?? '') : ''),
        )
        .join(''),
    );

type Memo = { memo: string; code: string; cut: 'none' | 'after' | 'inside'; keptOfCode: number };

function memoWith(cut: Memo['cut']) {
  return code.chain((c) =>
    fc
      .record({
        prefix: fc.constantFrom(...bankPrefixes),
        before: text,
        glue: fc.constantFrom(' ', '', '.', '-'),
        typed: mangledCode(c),
        after: text,
        name: fc.option(fc.constantFrom(...names), { nil: undefined }),
        trailer: fc.option(fc.constantFrom('-CTLNHIDI000012345678', ' -CTLNHIDI000098765432'), {
          nil: undefined,
        }),
        casing: fc.constantFrom('as typed', 'upper', 'lower', 'folded upper'),
        squeeze: fc.boolean(),
        cutAt: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      })
      .map((m): Memo => {
        const head = `${m.before}${m.before ? m.glue : ''}`;
        let content = `${head}${m.typed}${m.glue}${m.after}${m.name ? ` ${m.name}` : ''}`;
        const codeStart = head.length;
        const codeEnd = codeStart + m.typed.length;
        let keptOfCode = c.length;
        if (cut === 'after') {
          content = content.slice(0, codeEnd + Math.floor(m.cutAt * (content.length - codeEnd + 1)));
        } else if (cut === 'inside') {
          // Keep at least "CC" and one more character, never the whole code.
          const typedCut = 3 + Math.floor(m.cutAt * (m.typed.length - 3));
          content = content.slice(0, codeStart + typedCut);
          keptOfCode = m.typed.slice(0, typedCut).replace(/[^0-9A-Za-z]/g, '').length;
        }
        if (m.squeeze) content = content.replace(/\s+/g, '');
        let memo = `${m.prefix}${content}${m.trailer ?? ''}`;
        if (m.casing === 'upper') memo = memo.toUpperCase();
        if (m.casing === 'lower') memo = memo.toLowerCase();
        if (m.casing === 'folded upper') memo = foldVietnamese(memo).toUpperCase();
        return { memo, code: c, cut, keptOfCode };
      }),
  );
}

describe('extractReferenceCodes (properties)', () => {
  it('recovers a code however the memo around and inside it is mangled', () => {
    fc.assert(
      fc.property(fc.oneof(memoWith('none'), memoWith('after')), ({ memo, code: c }) => {
        expect(extractReferenceCodes(memo)).toContain(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('never completes a code that was cut', () => {
    fc.assert(
      fc.property(memoWith('inside'), ({ memo, code: c, keptOfCode }) => {
        fc.pre(keptOfCode < c.length && keptOfCode >= 4);
        const kept = c.slice(0, keptOfCode);
        for (const found of extractReferenceCodes(memo)) expect(found.startsWith(kept)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('finds codes in order of appearance', () => {
    fc.assert(
      fc.property(code, code, text, (first, second, between) => {
        fc.pre(first !== second);
        // Only the two codes are asserted on: the words between may, rarely, hold a candidate of their own.
        const found = extractReferenceCodes(`${first} ${between} ${second}`);
        expect(found.filter((c) => c === first || c === second)).toEqual([first, second]);
      }),
    );
  });

  it('almost never finds a code in a memo that has none', () => {
    let memos = 0;
    let falsePositives = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...bankPrefixes),
        fc.array(fc.constantFrom(...words, ...names), { minLength: 3, maxLength: 25 }),
        fc.boolean(),
        (prefix, w, squeeze) => {
          const content = w.join(' ');
          memos++;
          if (extractReferenceCodes(prefix + (squeeze ? content.replace(/\s+/g, '') : content)).length > 0)
            falsePositives++;
        },
      ),
      { numRuns: 5000, seed: 4242 },
    );
    expect(memos).toBe(5000);
    // Vietnamese text forms "CC" only across words ("các cháu" → CACCHAU), and then the check
    // character lets 1 candidate in 31 through: well under 1% of memos.
    expect(falsePositives / memos).toBeLessThan(0.01);
  });

  it('lets a look-alike through no more often than the check character allows', () => {
    // Worst case: "CC" followed by 8 symbols of the alphabet, i.e. a code with a random check character.
    let hits = 0;
    const runs = 6200;
    fc.assert(
      fc.property(fc.stringMatching(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/), (rest) => {
        if (extractReferenceCodes(`Thanh toan CC${rest}`).length > 0) hits++;
      }),
      { numRuns: runs, seed: 31 },
    );
    expect(hits / runs).toBeLessThan(1.5 / 31);
  });
});
