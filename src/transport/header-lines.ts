/**
 * parseHeaderLines turns header lines kept raw by the HTTP/1.1 parser (`keepHeaders: 'raw'`: latin1,
 * each line ending in CRLF, already validated) into the record `keepHeaders: true` gives: names
 * lower-cased, values without surrounding spaces or tabs, repeated headers joined with ', '.
 * Reading headers is the script's business: a response nobody asks about never pays for this.
 */
export function parseHeaderLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  let i = 0;
  const n = text.length;
  while (i < n) {
    let eol = text.indexOf('\r\n', i);
    if (eol < 0) eol = n;
    const colon = text.indexOf(':', i);
    if (colon > i && colon < eol) {
      const name = text.slice(i, colon).toLowerCase();
      let vs = colon + 1;
      let ve = eol;
      while (vs < ve && isBlank(text.charCodeAt(vs))) vs++;
      while (ve > vs && isBlank(text.charCodeAt(ve - 1))) ve--;
      const value = text.slice(vs, ve);
      const had = headers[name];
      headers[name] = had === undefined ? value : `${had}, ${value}`;
    }
    i = eol + 2;
  }
  return headers;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
