import { InvalidArgumentError } from 'commander';

export interface NumberBounds {
  /** Whole numbers only. */
  integer?: boolean;
  min: number;
  max?: number;
}

const WHOLE = /^\+?\d+$/;
const DECIMAL = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A commander parser for a numeric option: the whole text must be the number (parseInt would take
 * "3x" for 3, Number would take "" for 0 and "0x10" for 16), within its bounds. Commander reports
 * the message with the option's name, and the command exits 2.
 */
export function numberArgument(bounds: NumberBounds): (value: string) => number {
  const kind = bounds.integer ? 'a whole number' : 'a number';
  const range = bounds.max === undefined ? `of at least ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
  return (value: string) => {
    const n = Number(value.trim());
    if (
      !(bounds.integer ? WHOLE : DECIMAL).test(value.trim()) ||
      !Number.isFinite(n) ||
      n < bounds.min ||
      (bounds.max !== undefined && n > bounds.max)
    ) {
      throw new InvalidArgumentError(`expected ${kind} ${range}`);
    }
    return n;
  };
}
