import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Run the CLI the way staff do: `npx tsx scripts/vietqr.ts …`. */
function vietqr(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/vietqr.ts', ...args],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('scripts/vietqr.ts', { timeout: 120_000 }, () => {
  it('encodes a bill, and decodes what it encoded', async () => {
    const encoded = await vietqr(
      'encode',
      '--bin',
      '970436',
      '--account',
      '0123456789',
      '--amount',
      '150000',
      '--purpose',
      'Học phí tháng 9',
    );
    expect(encoded).toMatchObject({ code: 0, stderr: '' });
    const payload = encoded.stdout.trim();
    expect(payload).toMatch(/^000201010212.*6304[0-9A-F]{4}$/);

    const decoded = await vietqr('decode', payload);
    expect(decoded.code).toBe(0);
    expect(JSON.parse(decoded.stdout)).toMatchObject({
      dynamic: true,
      bin: '970436',
      account: '0123456789',
      amount: '150000',
      purpose: 'Hoc phi thang 9',
      bank: { shortName: 'Vietcombank' },
    });
  });

  it('encodes a static card code', async () => {
    const { code, stdout } = await vietqr(
      'encode',
      '--bin',
      '970403',
      '--account',
      '9704031101234567',
      '--card',
    );
    expect(code).toBe(0);
    expect(stdout).toContain('010211');
    expect(stdout).toContain('QRIBFTTC');
  });

  it('exits 1 with the reason on stderr for an invalid payload', async () => {
    const result = await vietqr(
      'decode',
      '00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9E',
    );
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain("CRC mismatch: tag 63 says AE9E, the payload's CRC is AE9F");
  });

  it('exits 1 when the encoder refuses an input', async () => {
    const result = await vietqr(
      'encode',
      '--bin',
      '970436',
      '--account',
      '1',
      '--purpose',
      'Thanh toán tiền điện tháng chín',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^purpose: is 31 characters/);
  });

  it('exits 2 and shows the usage for a wrong command line', async () => {
    const result = await vietqr('encode', '--account', '1');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage:');
  });
});
