/**
 * ISO 20022 camt.053 (BankToCustomerStatement), any version 02–13: Document/BkToCstmrStmt/Stmt with
 * Acct/Id (IBAN or Othr/Id), FrToDt, and Ntry (Amt@Ccy, CdtDbtInd CRDT|DBIT, Sts BOOK, BookgDt Dt|DtTm,
 * AcctSvcrRef, NtryDtls/TxDtls with Refs, RmtInf/Ustrd, RltdPties/Dbtr(/Pty)/Nm, DbtrAcct). Only booked
 * entries in VND are taken; pending ones are left for the next statement.
 */
import { XMLParser } from 'fast-xml-parser';
import { isTransactionAmount } from '../transactions/amount.js';
import {
  amountTooLarge,
  assignLineKeys,
  type ParsedStatement,
  parseBankDate,
  parseVnd,
  StatementError,
  type StatementLine,
  vietnamDay,
} from './line.js';

type Node = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') return text((v as Node)['#text']);
  return String(v);
};
const at = (v: unknown, ...path: string[]): unknown => {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Node)[p];
    if (Array.isArray(cur)) cur = cur[0];
  }
  return cur;
};

export function parseCamt053(xml: string): ParsedStatement {
  const parser = new XMLParser({
    ignoreAttributes: false,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => ['Stmt', 'Ntry', 'TxDtls', 'Ustrd', 'NtryDtls'].includes(name),
  });
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (err) {
    throw new StatementError(`XML could not be read: ${(err as Error).message}`);
  }
  const stmts = asArray(
    at(doc, 'Document', 'BkToCstmrStmt') && ((at(doc, 'Document', 'BkToCstmrStmt') as Node).Stmt as Node[]),
  );
  if (stmts.length === 0)
    throw new StatementError('Not a camt.053 statement (no Document/BkToCstmrStmt/Stmt)');
  let accountNumber: string | undefined;
  let periodFrom: string | undefined;
  let periodTo: string | undefined;
  const lines: Omit<StatementLine, 'lineKey'>[] = [];
  const bad: { entry: number; message: string }[] = [];
  let n = 0;
  for (const stmt of stmts as Node[]) {
    const acct = text(at(stmt, 'Acct', 'Id', 'Othr', 'Id')) ?? text(at(stmt, 'Acct', 'Id', 'IBAN'));
    if (acct) {
      if (accountNumber && accountNumber !== acct)
        throw new StatementError('The file has statements of more than one account');
      accountNumber = acct;
    }
    const from = text(at(stmt, 'FrToDt', 'FrDtTm'));
    const to = text(at(stmt, 'FrToDt', 'ToDtTm'));
    if (from && to) {
      const f = new Date(from);
      const t = new Date(to);
      if (!Number.isNaN(f.getTime()) && !Number.isNaN(t.getTime())) {
        // A bare local date-time ("2026-11-20T00:00:00") is Vietnam time.
        const local = (s: string, d: Date) => (/[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? d : new Date(`${s}+07:00`));
        const fd = vietnamDay(local(from, f));
        const td = vietnamDay(local(to, t));
        periodFrom = periodFrom && periodFrom < fd ? periodFrom : fd;
        periodTo = periodTo && periodTo > td ? periodTo : td;
      }
    }
    for (const entry of asArray(stmt.Ntry as Node[])) {
      n++;
      const status = text(at(entry, 'Sts', 'Cd')) ?? text(at(entry, 'Sts'));
      if (status && status !== 'BOOK') continue;
      const amtNode = entry.Amt as Node | string;
      const ccy = typeof amtNode === 'object' ? (amtNode['@_Ccy'] as string | undefined) : undefined;
      if (ccy && ccy !== 'VND') {
        bad.push({ entry: n, message: `currency ${ccy}: only VND` });
        continue;
      }
      const amount = parseVnd(text(amtNode) ?? '');
      if (amount === undefined || amount <= 0) {
        bad.push({ entry: n, message: `amount "${text(amtNode)}" not understood` });
        continue;
      }
      if (!isTransactionAmount(amount)) {
        bad.push({ entry: n, message: amountTooLarge(text(amtNode) ?? '') });
        continue;
      }
      const dateText =
        text(at(entry, 'BookgDt', 'DtTm')) ??
        text(at(entry, 'BookgDt', 'Dt')) ??
        text(at(entry, 'ValDt', 'Dt'));
      const booked = dateText ? parseIsoOrLocal(dateText) : undefined;
      if (!booked) {
        bad.push({ entry: n, message: `booking date "${dateText ?? ''}" not understood` });
        continue;
      }
      const tx = at(entry, 'NtryDtls', 'TxDtls');
      const ustrd = asArray(at(tx, 'RmtInf') && ((at(tx, 'RmtInf') as Node).Ustrd as unknown[]))
        .map(text)
        .filter(Boolean)
        .join(' ');
      const memo = ustrd || text(at(tx, 'AddtlTxInf')) || text(entry.AddtlNtryInf) || '';
      const reference =
        text(entry.AcctSvcrRef) ??
        text(at(tx, 'Refs', 'AcctSvcrRef')) ??
        text(at(tx, 'Refs', 'EndToEndId')) ??
        text(entry.NtryRef);
      const debtor = at(tx, 'RltdPties', 'Dbtr');
      lines.push({
        direction: text(entry.CdtDbtInd) === 'DBIT' ? 'out' : 'in',
        amount,
        bookedAt: booked.at,
        dateOnly: booked.dateOnly,
        memo,
        reference: reference && reference !== 'NOTPROVIDED' ? reference : undefined,
        counterpartyName: text(at(debtor, 'Nm')) ?? text(at(debtor, 'Pty', 'Nm')),
        counterpartyAccount:
          text(at(tx, 'RltdPties', 'DbtrAcct', 'Id', 'Othr', 'Id')) ??
          text(at(tx, 'RltdPties', 'DbtrAcct', 'Id', 'IBAN')),
        raw: JSON.stringify(entry),
      });
    }
  }
  if (bad.length > 0) throw new StatementError('Some entries could not be read; nothing was imported', bad);
  return { format: 'camt.053', accountNumber, periodFrom, periodTo, lines: assignLineKeys(lines) };
}

function parseIsoOrLocal(s: string): { at: Date; dateOnly: boolean } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return parseBankDate(s);
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}+07:00`;
    const d = new Date(withZone);
    return Number.isNaN(d.getTime()) ? undefined : { at: d, dateOnly: false };
  }
  return undefined;
}
