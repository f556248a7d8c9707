import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc16CcittFalse } from '../../src/vietqr/crc.js';
import { foldVietnamese } from '../../src/vietqr/fold.js';
import {
  type DecodedVietQr,
  decodeVietQr,
  encodeDecoded,
  encodeVietQr,
  VietQrEncodeError,
  type VietQrInput,
} from '../../src/vietqr/payload.js';
import { foundVectors, sharedOriginalPath, sharedVectors, type Vector } from './vectors.js';

/** A TLV run written by hand, so invalid payloads are built without the encoder under test. */
function tlv(fields: [string, string][]): string {
  return fields.map(([tag, value]) => `${tag}${String(value.length).padStart(2, '0')}${value}`).join('');
}

function withCrc(body: string): string {
  return `${body}6304${crc16CcittFalse(`${body}6304`)}`;
}

const merchant = (bin = '970436', account = '0123456789', service = 'QRIBFTTA', guid = 'A000000727') =>
  tlv([
    ['00', guid],
    [
      '01',
      tlv([
        ['00', bin],
        ['01', account],
      ]),
    ],
    ['02', service],
  ]);

/** A valid payload's fields, to be varied one at a time. */
function fields(overrides: Record<string, string | null> = {}): [string, string][] {
  const base: [string, string][] = [
    ['00', '01'],
    ['01', '12'],
    ['38', merchant()],
    ['53', '704'],
    ['54', '50000'],
    ['58', 'VN'],
    ['62', tlv([['08', 'Hoc phi']])],
  ];
  const out = base.map(([tag, value]): [string, string | null] => [
    tag,
    tag in overrides ? overrides[tag]! : value,
  ]);
  return out.filter((f): f is [string, string] => f[1] !== null);
}

function reasonOf(payload: string): string {
  const result = decodeVietQr(payload);
  if (result.ok)
    throw new Error(`expected ${payload} to be rejected, it decoded to ${JSON.stringify(result.value)}`);
  return result.reason;
}

function expectFields(decoded: DecodedVietQr, expected: NonNullable<Vector['expect']>): void {
  for (const [key, value] of Object.entries(expected)) {
    expect(decoded[key as keyof DecodedVietQr], key).toEqual(value);
  }
}

describe('the shared vectors (shared/vietqr/vectors.json)', () => {
  it('are copied unchanged into the test fixtures', () => {
    // shared/ sits beside the repository in the development workspace, not in a clone: where it is
    // present, the copy (formatted by biome, so compared as JSON) must not have drifted from it.
    if (existsSync(sharedOriginalPath)) {
      expect(sharedVectors).toEqual(JSON.parse(readFileSync(sharedOriginalPath, 'utf8')));
    }
    expect(sharedVectors.length).toBeGreaterThanOrEqual(9);
  });

  const valid = sharedVectors.filter((v) => v.valid);
  it.each(valid.map((v) => [v.source, v] as const))('decodes and re-encodes identically: %s', (_, vector) => {
    const result = decodeVietQr(vector.payload);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expectFields(result.value, vector.expect ?? {});
    expect(result.value.crc).toBe(vector.payload.slice(-4));
    expect(encodeDecoded(result.value)).toBe(vector.payload);
  });

  // What each shared invalid vector's reason must say, by its "why".
  const reasons: Record<string, RegExp> = {
    'CRC off by one': /^CRC mismatch: tag 63 says AE9E, the payload's CRC is AE9F$/,
    'amount length overruns': /^invalid tag 54 \(transaction amount\) at offset 76: "10005802V" .*length 09/,
    'no CRC field (a mock in a public test)': /^missing CRC/,
  };
  const invalid = sharedVectors.filter((v) => !v.valid);
  it.each(invalid.map((v) => [v.why ?? '', v] as const))(
    'rejects "%s" with a precise reason',
    (why, vector) => {
      const expected = reasons[why];
      if (!expected)
        throw new Error(`a new invalid shared vector ("${why}"): add the reason it must give here`);
      expect(reasonOf(vector.payload)).toMatch(expected);
    },
  );
});

describe('real-world vectors found while building this (fixtures/found-vectors.json)', () => {
  it.each(foundVectors.filter((v) => v.valid).map((v) => [v.source, v] as const))(
    'decodes %s',
    (_, vector) => {
      const result = decodeVietQr(vector.payload);
      expect(result).toMatchObject({ ok: true });
      if (!result.ok) return;
      expectFields(result.value, vector.expect ?? {});
      const reencoded = encodeDecoded(result.value);
      expect(reencoded).toBe(vector.canonical ?? vector.payload);
      // A canonical re-encoding says the same thing.
      const again = decodeVietQr(reencoded);
      expect(again.ok && { ...again.value, crc: '' }).toEqual({ ...result.value, crc: '' });
    },
  );

  it.each(foundVectors.filter((v) => !v.valid).map((v) => [v.why ?? '', v] as const))(
    'rejects: %s',
    (_, vector) => {
      expect(reasonOf(vector.payload)).toContain(vector.reason);
    },
  );
});

describe('decodeVietQr', () => {
  it('reads every field of a dynamic bill code', () => {
    const payload = withCrc(
      tlv([
        ['00', '01'],
        ['01', '12'],
        ['38', merchant('970403', '9704031101234567', 'QRIBFTTC')],
        ['53', '704'],
        ['54', '180000'],
        ['58', 'VN'],
        [
          '62',
          tlv([
            ['01', 'HD-2025-09'],
            ['08', 'Tien nuoc thang 9'],
          ]),
        ],
      ]),
    );
    expect(decodeVietQr(payload)).toEqual({
      ok: true,
      value: {
        static: false,
        dynamic: true,
        bin: '970403',
        account: '9704031101234567',
        service: 'card',
        amount: '180000',
        billNumber: 'HD-2025-09',
        purpose: 'Tien nuoc thang 9',
        currency: '704',
        country: 'VN',
        crc: payload.slice(-4),
        extra: {},
      },
    });
  });

  it('keeps fields it does not interpret, by tag path, and writes them back', () => {
    const payload = withCrc(
      tlv([
        ['00', '01'],
        ['01', '11'],
        [
          '38',
          `${merchant()}${tlv([['03', 'X1']])}`, // an unknown sub-field after the service code
        ],
        ['52', '5999'],
        ['53', '704'],
        ['58', 'VN'],
        ['59', 'CHO XA AN BINH'],
        ['60', 'HA NOI'],
        [
          '62',
          tlv([
            ['05', 'REF123'],
            ['07', 'KIOT12'],
            ['08', 'Tien cho'],
          ]),
        ],
        ['80', '046'],
      ]),
    );
    const result = decodeVietQr(payload);
    expect(result.ok && result.value.extra).toEqual({
      '38.03': 'X1',
      '52': '5999',
      '59': 'CHO XA AN BINH',
      '60': 'HA NOI',
      '62.05': 'REF123',
      '62.07': 'KIOT12',
      '80': '046',
    });
    expect(result.ok && encodeDecoded(result.value)).toBe(payload);
  });

  it('accepts a lower-case CRC', () => {
    const payload = withCrc(tlv(fields()));
    const lower = payload.slice(0, -4) + payload.slice(-4).toLowerCase();
    expect(decodeVietQr(lower).ok).toBe(true);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(() => decodeVietQr(s)).not.toThrow();
      }),
    );
    expect(decodeVietQr('')).toEqual({ ok: false, reason: 'empty payload' });
    expect(decodeVietQr(undefined as unknown as string)).toEqual({ ok: false, reason: 'empty payload' });
  });

  describe('rejects, saying exactly why', () => {
    const cases: [string, string, RegExp][] = [
      [
        'a wrong CRC',
        `${withCrc(tlv(fields())).slice(0, -4)}0000`,
        /^CRC mismatch: tag 63 says 0000, the payload's CRC is [0-9A-F]{4}$/,
      ],
      ['no CRC at all', tlv(fields()), /^missing CRC: the payload does not end with tag 63/],
      ['a payload cut short', withCrc(tlv(fields())).slice(0, -2), /^missing CRC: .*cut short/],
      [
        'a length that overruns its template',
        withCrc(tlv(fields({ '62': '0820Hoc phi' }))),
        /^length overrun: tag 62\.08 \(purpose of transaction\) at offset \d+ declares 20 characters but only 7 remain inside tag 62/,
      ],
      [
        'a length that overruns the payload',
        withCrc(`${tlv(fields())}5999abc`),
        /^length overrun: tag 59 \(merchant name\) at offset \d+ declares 99 characters but only 11 remain$/,
      ],
      [
        'a truncated field inside a template',
        withCrc(tlv(fields({ '62': '0807Hoc phi08' }))),
        /^truncated field at offset \d+ inside tag 62 \(additional data\): "08" is too short to hold a tag and a length$/,
      ],
      [
        'a non-numeric length',
        withCrc(tlv(fields()).replace('5802VN', '58X2VN')),
        /^non-numeric length "X2" for tag 58 \(country code\)/,
      ],
      [
        'a non-numeric tag',
        withCrc(tlv(fields()).replace('5802VN', 'A802VN')),
        /^invalid tag "A8" at offset \d+: a tag is two digits$/,
      ],
      ['a zero length', withCrc(`${tlv(fields())}5900`), /^zero length for tag 59 \(merchant name\)/],
      [
        'a duplicate tag',
        withCrc(`${tlv(fields())}5802VN`),
        /^duplicate tag 58 \(country code\) at offset \d+$/,
      ],
      [
        'a CRC field that is not the last one',
        withCrc(tlv([...fields(), ['99', 'x6304ABCD']])).slice(0, -8),
        /^tag 63 \(CRC\) is not the last field: "6304ABCD" at the end is inside another field$/,
      ],
      [
        'no tag 00',
        withCrc(tlv(fields({ '00': null }))),
        /^missing required tag 00 \(payload format indicator\)$/,
      ],
      [
        'no tag 01',
        withCrc(tlv(fields({ '01': null }))),
        /^missing required tag 01 \(point of initiation method\)$/,
      ],
      [
        'no tag 38',
        withCrc(tlv(fields({ '38': null }))),
        /^missing required tag 38 \(VietQR merchant account information\)$/,
      ],
      [
        'no tag 53',
        withCrc(tlv(fields({ '53': null }))),
        /^missing required tag 53 \(transaction currency\)$/,
      ],
      ['no tag 58', withCrc(tlv(fields({ '58': null }))), /^missing required tag 58 \(country code\)$/],
      [
        'tag 00 not first',
        withCrc(tlv([['01', '12'], ['00', '01'], ...fields({ '00': null, '01': null })])),
        /^tag 00 \(payload format indicator\) at offset 6 is not the first field$/,
      ],
      [
        'another payload format',
        withCrc(tlv(fields({ '00': '02' }))),
        /^unsupported payload format indicator "02" in tag 00/,
      ],
      [
        'another initiation method',
        withCrc(tlv(fields({ '01': '13' }))),
        /^invalid point of initiation method "13" in tag 01/,
      ],
      [
        'the GUID of another scheme',
        withCrc(tlv(fields({ '38': merchant('970436', '0123456789', 'QRIBFTTA', 'A000000775') }))),
        /^wrong GUID "A000000775" in tag 38\.00 \(expected A000000727, NAPAS VietQR\)$/,
      ],
      [
        'a service code VietQR transfers do not use',
        withCrc(tlv(fields({ '38': merchant('970436', '0123456789', 'QRPUSH') }))),
        /^unsupported service code "QRPUSH" in tag 38\.02/,
      ],
      [
        'a BIN that is not six digits',
        withCrc(tlv(fields({ '38': merchant('97043') }))),
        /^invalid tag 38\.01\.00 \(acquirer BIN\) at offset \d+: "97043" is not six digits/,
      ],
      [
        'an account with characters no bank uses',
        withCrc(tlv(fields({ '38': merchant('970436', '0123-4567') }))),
        /^invalid account "0123-4567" in tag 38\.01\.01/,
      ],
      [
        'no beneficiary BIN',
        withCrc(
          tlv(
            fields({
              '38': tlv([
                ['00', 'A000000727'],
                ['01', tlv([['01', '0123456789']])],
                ['02', 'QRIBFTTA'],
              ]),
            }),
          ),
        ),
        /^missing required tag 38\.01\.00 \(acquirer BIN\)$/,
      ],
      [
        'another currency',
        withCrc(tlv(fields({ '53': '840' }))),
        /^wrong currency "840" in tag 53 \(expected 704, VND\)$/,
      ],
      [
        'another country',
        withCrc(tlv(fields({ '58': 'TH' }))),
        /^wrong country "TH" in tag 58 \(expected VN\)$/,
      ],
      [
        'an amount that is not a number',
        withCrc(tlv(fields({ '54': '50.000,5' }))),
        /^invalid tag 54 \(transaction amount\)/,
      ],
    ];
    it.each(cases)('%s', (_, payload, reason) => {
      expect(reasonOf(payload)).toMatch(reason);
    });
  });

  it('rejects any single changed character of a valid payload', () => {
    const payload = encodeVietQr({
      bin: '970436',
      account: '0123456789',
      amount: 150000,
      purpose: 'Hoc phi thang 9',
    });
    fc.assert(
      fc.property(
        fc.nat({ max: payload.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
        (at, replacement) => {
          const original = payload[at]!;
          // The CRC's hex digits are read case-insensitively.
          fc.pre(replacement.toUpperCase() !== original.toUpperCase() || at < payload.length - 4);
          fc.pre(replacement !== original);
          const changed = payload.slice(0, at) + replacement + payload.slice(at + 1);
          expect(decodeVietQr(changed).ok).toBe(false);
        },
      ),
    );
  });

  it('rejects every proper prefix of a valid payload', () => {
    const payload = encodeVietQr({
      bin: '970422',
      account: '0901234567',
      amount: 20000,
      billNumber: 'B12',
      purpose: 'Dien',
    });
    for (let n = 0; n < payload.length; n++)
      expect(decodeVietQr(payload.slice(0, n)).ok, `prefix ${n}`).toBe(false);
  });
});

describe('encodeVietQr', () => {
  it('makes a static code without an amount and a dynamic one with it', () => {
    const stall = encodeVietQr({ bin: '970436', account: '0123456789' });
    expect(stall).toBe(
      '00020101021138540010A00000072701240006970436011001234567890208QRIBFTTA53037045802VN63046A15',
    );
    const bill = encodeVietQr({ bin: '970416', account: '257678859', amount: 1000, purpose: 'Chuyen tien' });
    expect(bill).toBe(sharedVectors[1]!.payload);
  });

  it('writes a card number with service QRIBFTTC and the bill number before the purpose', () => {
    expect(
      encodeVietQr({
        bin: '970403',
        account: '9704031101234567',
        service: 'card',
        amount: 180000,
        billNumber: 'NPS6869',
        purpose: 'thanh toan don hang',
      }),
    ).toBe(sharedVectors.find((v) => v.payload.includes('QRIBFTTC'))!.payload);
  });

  it('folds Vietnamese diacritics in the purpose, and counts the limit after folding', () => {
    const nfd = 'Đóng học phí tháng chín ạ'.normalize('NFD'); // 25 letters, 33 code units decomposed
    const payload = encodeVietQr({ bin: '970418', account: '12010000123456', amount: 350000, purpose: nfd });
    const decoded = decodeVietQr(payload);
    expect(decoded.ok && decoded.value.purpose).toBe('Dong hoc phi thang chin a');
  });

  const refused: [string, VietQrInput, VietQrEncodeError['field'], RegExp][] = [
    ['a 5-digit BIN', { bin: '97043', account: '1' }, 'bin', /exactly 6 digits/],
    ['a 7-digit BIN', { bin: '9704366', account: '1' }, 'bin', /exactly 6 digits/],
    ['a BIN with letters', { bin: '97043A', account: '1' }, 'bin', /exactly 6 digits/],
    ['an empty account', { bin: '970436', account: '' }, 'account', /1–19 letters or digits/],
    ['a 20-character account', { bin: '970436', account: '1'.repeat(20) }, 'account', /1–19/],
    ['an account with a dash', { bin: '970436', account: '0123-456' }, 'account', /letters or digits/],
    ['an account with diacritics', { bin: '970436', account: 'sốTK1' }, 'account', /letters or digits/],
    [
      'a card number with letters',
      { bin: '970436', account: '9704AB', service: 'card' },
      'account',
      /card number/,
    ],
    [
      'an unknown service',
      { bin: '970436', account: '1', service: 'wallet' as 'card' },
      'service',
      /"account" or "card"/,
    ],
    ['a zero amount', { bin: '970436', account: '1', amount: 0 }, 'amount', /positive whole number/],
    ['a negative amount', { bin: '970436', account: '1', amount: -5000 }, 'amount', /positive whole number/],
    [
      'a fractional amount',
      { bin: '970436', account: '1', amount: 1000.5 },
      'amount',
      /positive whole number/,
    ],
    ['NaN', { bin: '970436', account: '1', amount: Number.NaN }, 'amount', /positive whole number/],
    [
      'Infinity',
      { bin: '970436', account: '1', amount: Number.POSITIVE_INFINITY },
      'amount',
      /positive whole number/,
    ],
    [
      'a 14-digit amount',
      { bin: '970436', account: '1', amount: 10_000_000_000_000 },
      'amount',
      /14 digits.*at most 13/,
    ],
    [
      'a purpose of 26 characters',
      { bin: '970436', account: '1', purpose: 'Thanh toan tien dien T9 X1' },
      'purpose',
      /is 26 characters.*at most 25 fit, and it is never cut/,
    ],
    [
      'a purpose over 25 once folded',
      { bin: '970436', account: '1', purpose: 'Đóng tiền học phí học kỳ một' },
      'purpose',
      /is 28 characters once diacritics are folded \("Dong tien hoc phi hoc ky mot"\)/,
    ],
    [
      'an emoji purpose',
      { bin: '970436', account: '1', purpose: 'Cảm ơn 🙏' },
      'purpose',
      /U\+1F64F.*printable ASCII/,
    ],
    ['a line break', { bin: '970436', account: '1', purpose: 'Hoc phi\nT9' }, 'purpose', /U\+000A/],
    ['an empty purpose', { bin: '970436', account: '1', purpose: '' }, 'purpose', /must not be empty/],
    [
      'a 26-character bill number',
      { bin: '970436', account: '1', billNumber: 'B'.repeat(26) },
      'billNumber',
      /at most 25/,
    ],
  ];
  it.each(refused)('refuses %s', (_, input, field, reason) => {
    let error: unknown;
    try {
      encodeVietQr(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VietQrEncodeError);
    expect((error as VietQrEncodeError).field).toBe(field);
    expect((error as VietQrEncodeError).reason).toMatch(reason);
    expect((error as VietQrEncodeError).message).toBe(`${field}: ${(error as VietQrEncodeError).reason}`);
  });

  it('takes the largest amount and the longest fields', () => {
    const payload = encodeVietQr({
      bin: '970436',
      account: 'A'.repeat(19),
      amount: 9_999_999_999_999,
      purpose: 'p'.repeat(25),
      billNumber: 'b'.repeat(25),
    });
    expect(decodeVietQr(payload)).toMatchObject({ ok: true, value: { amount: '9999999999999' } });
  });
});

describe('encodeDecoded', () => {
  const decoded = (): DecodedVietQr => {
    const r = decodeVietQr(sharedVectors[2]!.payload);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  };

  it('refuses extra fields it could not put back where they came from', () => {
    expect(() => encodeDecoded({ ...decoded(), extra: { '64.01': 'x' } })).toThrow(
      /"64\.01" is not a tag path/,
    );
    expect(() => encodeDecoded({ ...decoded(), extra: { '5': 'x' } })).toThrow(VietQrEncodeError);
    expect(() => encodeDecoded({ ...decoded(), extra: { '54': '1000' } })).toThrow(
      /"54" is a field the encoder writes/,
    );
    expect(() => encodeDecoded({ ...decoded(), extra: { '80': 'x'.repeat(100) } })).toThrow(/1 to 99/);
    expect(() => encodeDecoded({ ...decoded(), static: true, dynamic: true })).toThrow(
      /exactly one of static/,
    );
  });
});

describe('round trip (property)', () => {
  const vietnamese = [
    ...'aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY0123456789 -.,/:',
    ...'áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ',
    ...'ÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ',
  ];
  // Every character above folds to exactly one ASCII character, so up to 25 of them always fit;
  // half the time the text arrives decomposed (NFD), as some keyboards send it.
  const purpose = fc
    .tuple(fc.array(fc.constantFrom(...vietnamese), { minLength: 1, maxLength: 25 }), fc.boolean())
    .map(([chars, nfd]) => (nfd ? chars.join('').normalize('NFD') : chars.join('')));
  const recipient = fc.oneof(
    fc.record({
      account: fc.stringMatching(/^[A-Za-z0-9]{1,19}$/),
      service: fc.constant('account' as const),
    }),
    fc.record({ account: fc.stringMatching(/^\d{12,19}$/), service: fc.constant('card' as const) }),
  );
  const input = fc
    .record({
      bin: fc.stringMatching(/^\d{6}$/),
      recipient,
      amount: fc.option(fc.integer({ min: 1, max: 9_999_999_999_999 }), { nil: undefined }),
      purpose: fc.option(purpose, { nil: undefined }),
      billNumber: fc.option(fc.stringMatching(/^[A-Za-z0-9-]{1,25}$/), { nil: undefined }),
    })
    .map(({ recipient: r, ...rest }): VietQrInput => {
      const out: VietQrInput = { bin: rest.bin, ...r };
      if (rest.amount !== undefined) out.amount = rest.amount;
      if (rest.purpose !== undefined) out.purpose = rest.purpose;
      if (rest.billNumber !== undefined) out.billNumber = rest.billNumber;
      return out;
    });

  it('decode(encode(x)) gives back x (purpose folded), and re-encodes to the same payload', () => {
    fc.assert(
      fc.property(input, (x) => {
        const payload = encodeVietQr(x);
        expect(payload).toMatch(/^[\x20-\x7e]+$/);
        const result = decodeVietQr(payload);
        if (!result.ok) throw new Error(result.reason);
        const d = result.value;
        expect(d).toMatchObject({
          bin: x.bin,
          account: x.account,
          service: x.service,
          currency: '704',
          country: 'VN',
        });
        expect(d.static).toBe(x.amount === undefined);
        expect(d.dynamic).toBe(x.amount !== undefined);
        expect(d.amount).toBe(x.amount === undefined ? undefined : String(x.amount));
        expect(d.purpose).toBe(x.purpose === undefined ? undefined : foldVietnamese(x.purpose));
        expect(d.billNumber).toBe(x.billNumber);
        expect(d.extra).toEqual({});
        expect(encodeDecoded(d)).toBe(payload);
      }),
      { numRuns: 500 },
    );
  });
});
