/**
 * VietQR from the command line, for commune IT staff checking a printed or scanned code.
 *
 *   npx tsx scripts/vietqr.ts decode <payload>
 *   npx tsx scripts/vietqr.ts encode --bin 970436 --account 0123456789 [--amount 150000]
 *                                    [--purpose "Hoc phi thang 9"] [--bill HD001] [--card]
 *
 * decode prints the fields as JSON (with the bank's name when the BIN is known); an invalid payload
 * prints the reason on stderr and exits 1. encode prints the payload; a refused input exits 1.
 * Wrong usage exits 2.
 */
import { parseArgs } from 'node:util';
import { findBank } from '../src/vietqr/banks.js';
import { decodeVietQr, encodeVietQr, VietQrEncodeError } from '../src/vietqr/payload.js';

const USAGE = `usage:
  vietqr decode <payload>
  vietqr encode --bin <6 digits> --account <account or card number> [--amount <VND>] [--purpose <text>] [--bill <bill number>] [--card]`;

class UsageError extends Error {}

function decode(args: string[]): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('decode takes exactly one payload (quote it)');
  // A scanner or a copy from a terminal adds a line break or spaces around the payload, never inside.
  const result = decodeVietQr(positionals[0]!.trim());
  if (!result.ok) {
    process.stderr.write(`invalid VietQR payload: ${result.reason}\n`);
    return 1;
  }
  const bank = findBank(result.value.bin);
  const output = { ...result.value, bank: bank ? { shortName: bank.shortName, name: bank.name } : null };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
  return 0;
}

function encode(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      bin: { type: 'string' },
      account: { type: 'string' },
      amount: { type: 'string' },
      purpose: { type: 'string' },
      bill: { type: 'string' },
      card: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.bin === undefined || values.account === undefined)
    throw new UsageError('encode needs --bin and --account');
  if (values.amount !== undefined && !/^\d+$/.test(values.amount)) {
    process.stderr.write(
      `amount: must be a whole number of VND written with digits only, got ${JSON.stringify(values.amount)}\n`,
    );
    return 1;
  }
  try {
    const payload = encodeVietQr({
      bin: values.bin,
      account: values.account,
      service: values.card ? 'card' : 'account',
      ...(values.amount !== undefined && { amount: Number(values.amount) }),
      ...(values.purpose !== undefined && { purpose: values.purpose }),
      ...(values.bill !== undefined && { billNumber: values.bill }),
    });
    if (!findBank(values.bin)) process.stderr.write(`warning: BIN ${values.bin} is not in the bank list\n`);
    process.stdout.write(`${payload}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof VietQrEncodeError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  try {
    if (command === 'decode') return decode(rest);
    if (command === 'encode') return encode(rest);
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : 'no command given');
  } catch (error) {
    // parseArgs reports unknown or malformed options with a TypeError carrying an ERR_PARSE_ARGS_* code.
    const isParseError =
      error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (!(error instanceof UsageError) && !isParseError) throw error;
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
