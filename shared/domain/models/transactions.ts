/**
 * From raw transaction rows to the per-customer summaries the CLV models use, following the
 * published CDNOW conventions: same-day purchases are one transaction (amounts summed); x counts
 * repeat transaction days in calibration; t_x and T are in weeks from the first transaction day;
 * T runs to the calibration end date (inclusive of purchases on that date, T = (end − first) / 7).
 */
import type { Rfm } from './bgnbd.js';

/** One purchase; `day` is whole days since 1970-01-01 (UTC calendar date, no time of day). */
export interface Transaction {
  customerId: string;
  day: number;
  amount: number;
}

/** Malformed transaction input; `line` is 1-based in the source file. */
export class TransactionInputError extends Error {
  override readonly name = 'TransactionInputError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Parses a strict calendar date `YYYY-MM-DD` into days since the epoch; undefined if invalid (e.g. 1997-02-30). */
export function parseIsoDay(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms / MS_PER_DAY;
}

/** Days since the epoch back to `YYYY-MM-DD`. */
export function formatIsoDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

const AMOUNT = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** Parses `customer_id,date,amount` CSV text (header required); throws TransactionInputError with the line. */
export function parseTransactionsCsv(text: string): Transaction[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (header !== 'customer_id,date,amount') {
    throw new TransactionInputError(
      `expected header 'customer_id,date,amount', got '${header.slice(0, 60)}'`,
      1,
    );
  }
  const out: Transaction[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== 3) throw new TransactionInputError(`expected 3 fields, got ${cells.length}`, i + 1);
    const [id, date, amountText] = cells.map((c) => c.trim()) as [string, string, string];
    if (id === '') throw new TransactionInputError('empty customer_id', i + 1);
    const day = parseIsoDay(date);
    if (day === undefined)
      throw new TransactionInputError(`invalid date '${date}' (expected YYYY-MM-DD)`, i + 1);
    const amount = Number(amountText);
    if (!AMOUNT.test(amountText) || !Number.isFinite(amount) || amount < 0) {
      throw new TransactionInputError(
        `invalid amount '${amountText}' (expected a non-negative number)`,
        i + 1,
      );
    }
    out.push({ customerId: id, day, amount });
  }
  return out;
}

/** A customer's calibration summary plus the monetary value Gamma-Gamma uses. */
export interface CustomerSummary extends Rfm {
  customerId: string;
  /** First transaction day (days since epoch). */
  firstDay: number;
  /** Mean spend of the repeat transaction days in calibration (0 when x = 0). */
  monetaryValue: number;
}

/** Same-day purchases merged: customer → sorted (day, amount) list. */
function transactionDays(
  transactions: readonly Transaction[],
): Map<string, { day: number; amount: number }[]> {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const t of transactions) {
    let days = byCustomer.get(t.customerId);
    if (!days) {
      days = new Map();
      byCustomer.set(t.customerId, days);
    }
    days.set(t.day, (days.get(t.day) ?? 0) + t.amount);
  }
  const out = new Map<string, { day: number; amount: number }[]>();
  for (const [id, days] of byCustomer) {
    out.set(
      id,
      [...days.entries()].map(([day, amount]) => ({ day, amount })).sort((p, q) => p.day - q.day),
    );
  }
  return out;
}

/**
 * Per-customer (x, t_x, T, monetary value) as of `calibrationEndDay` (inclusive). Customers whose first
 * purchase is after the calibration end are left out.
 */
export function summariseCalibration(
  transactions: readonly Transaction[],
  calibrationEndDay: number,
): CustomerSummary[] {
  const out: CustomerSummary[] = [];
  for (const [customerId, days] of transactionDays(transactions)) {
    const first = days[0]!;
    if (first.day > calibrationEndDay) continue;
    let x = 0;
    let last = first.day;
    let repeatSpend = 0;
    for (let i = 1; i < days.length && days[i]!.day <= calibrationEndDay; i++) {
      x++;
      last = days[i]!.day;
      repeatSpend += days[i]!.amount;
    }
    out.push({
      customerId,
      firstDay: first.day,
      x,
      tx: (last - first.day) / 7,
      T: (calibrationEndDay - first.day) / 7,
      monetaryValue: x > 0 ? repeatSpend / x : 0,
    });
  }
  return out;
}

/** Transaction days per customer in (calibrationEndDay, holdoutEndDay], for the calibration cohort only. */
export function holdoutTransactions(
  transactions: readonly Transaction[],
  calibrationEndDay: number,
  holdoutEndDay: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [customerId, days] of transactionDays(transactions)) {
    if (days[0]!.day > calibrationEndDay) continue;
    out.set(customerId, days.filter((d) => d.day > calibrationEndDay && d.day <= holdoutEndDay).length);
  }
  return out;
}
