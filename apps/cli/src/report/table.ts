import Table from 'cli-table3';

/** A compact table; colors off when stdout is not a TTY (cli-table3 pads ANSI codes correctly). */
export function makeTable(head: string[]): Table.Table {
  return new Table({
    head,
    style: { head: process.stdout.isTTY ? ['cyan'] : [], border: process.stdout.isTTY ? ['grey'] : [] },
    wordWrap: true,
    // No rule between body rows: denser, and easy to grep in logs.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    colWidths: head.map((h) => (h.includes('reason') ? 58 : h === 'device' ? 36 : null)),
  });
}
