/** CsvTable is a parsed CSV: the header row's column names and the data rows (same width). */
export interface CsvTable {
  columns: string[];
  rows: string[][];
}

/** CsvError is a malformed CSV, with the 1-based line it was found on. */
export class CsvError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/**
 * parseCsv reads RFC 4180 CSV: a header row, comma-separated fields, fields in double quotes may
 * hold commas, newlines and doubled quotes (`""`). CRLF or LF line ends, a UTF-8 BOM and blank lines
 * are accepted. A row whose width differs from the header's, an unterminated quote, a quote inside
 * an unquoted field or a duplicate column name throws a CsvError naming the line.
 */
export function parseCsv(text: string): CsvTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  // atStart: at the start of a field, where a quote opens a quoted field; content: the record is not a blank line.
  let atStart = true;
  let content = false;
  const endRecord = () => {
    fields.push(field);
    if (content) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atStart = true;
    content = false;
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === '"' && atStart) {
      atStart = false;
      content = true;
      const open = line;
      i++;
      for (;;) {
        if (i >= src.length) throw new CsvError(open, 'unterminated quoted field');
        const c = src[i]!;
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      const next = src[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new CsvError(line, `unexpected character '${next}' after a closing quote`);
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      atStart = true;
      content = true;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    if (ch === '"') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
    field += ch;
    atStart = false;
    content = true;
    i++;
  }
  if (content) endRecord();
  if (records.length === 0) throw new CsvError(1, 'the file is empty (a header row is required)');
  const header = records[0]!;
  const columns = header.fields.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw new CsvError(header.line, 'the header row has an empty column name');
    if (seen.has(c)) throw new CsvError(header.line, `duplicate column '${c}' in the header row`);
    seen.add(c);
  }
  const rows: string[][] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.fields.length !== columns.length) throw new CsvError(rec.line, `expected ${columns.length} fields (${columns.join(',')}), got ${rec.fields.length}`);
    rows.push(rec.fields);
  }
  return { columns, rows };
}
