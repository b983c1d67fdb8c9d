// Reading labelled texts for `--pattern classify`: CSV with a header row (RFC 4180:
// quoted fields may hold commas, doubled quotes and newlines) or JSON Lines (one
// {"text": …, "label": …} object per line, chosen by the .jsonl extension). Every
// record keeps the line it starts on, so errors name the file and line.
import { readInput } from '../files.js';
import { DataFileError } from './tagged-text.js';

export interface LabelledText { text: string; label: string; line: number }

/** CSV records with the line each starts on; a quote left open or text after a closing quote is refused with its line. */
export function parseCsv(text: string, file: string): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let fields: string[] = [], field = '', line = 1, start = 1, i = 0, quoted = false, quoteLine = 0;
  const endRow = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') rows.push({ fields, line: start }); // blank lines are skipped
    fields = []; field = '';
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new DataFileError(`${file}:${line}: unexpected text after a closing quote`);
        continue;
      }
      if (c === '\n') line++;
      field += c; i++;
      continue;
    }
    if (c === '"' && field === '') { quoted = true; quoteLine = line; i++; continue; }
    if (c === ',') { fields.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (c === '\n') { endRow(); line++; start = line; i++; continue; }
    field += c; i++;
  }
  if (quoted) throw new DataFileError(`${file}:${quoteLine}: a quoted field is not closed`);
  if (field !== '' || fields.length) endRow();
  return rows;
}

/**
 * The texts and labels of a CSV (header row naming the columns) or JSONL file (.jsonl).
 * An empty file, a missing column, a row without its label, a line that is not a JSON
 * object: one error naming the file and line.
 */
export function readLabelledFile(path: string, o: { textColumn?: string; labelColumn?: string } = {}): LabelledText[] {
  const textColumn = o.textColumn ?? 'text', labelColumn = o.labelColumn ?? 'label';
  const content = readInput(path, 'utf8');
  if (!content.trim()) throw new DataFileError(`${path}: the file is empty`);
  const out: LabelledText[] = [];
  if (/\.jsonl$/i.test(path)) {
    content.split('\n').forEach((raw, i) => {
      if (!raw.trim()) return;
      let v: unknown;
      try { v = JSON.parse(raw); } catch (e) { throw new DataFileError(`${path}:${i + 1}: not JSON (${(e as Error).message})`); }
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new DataFileError(`${path}:${i + 1}: expected a JSON object with "${textColumn}" and "${labelColumn}"`);
      const r = v as Record<string, unknown>;
      for (const k of [textColumn, labelColumn]) {
        if (typeof r[k] !== 'string' && typeof r[k] !== 'number' && typeof r[k] !== 'boolean') throw new DataFileError(`${path}:${i + 1}: "${k}" is missing or not a string`);
      }
      out.push({ text: String(r[textColumn]), label: String(r[labelColumn]), line: i + 1 });
    });
    return out;
  }
  const [header, ...rows] = parseCsv(content, path);
  const names = header.fields.map((f) => f.trim());
  const col = (name: string, flag: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new DataFileError(`${path}:${header.line}: no column '${name}' in the header (columns: ${names.join(', ')}); name it with ${flag}`);
    return k;
  };
  const t = col(textColumn, '--text-column'), l = col(labelColumn, '--label-column');
  for (const r of rows) {
    if (r.fields.length !== names.length) {
      const short = r.fields.length < names.length && l >= r.fields.length ? `the row has no ${labelColumn} (` : '';
      throw new DataFileError(`${path}:${r.line}: ${short}${r.fields.length} field${r.fields.length === 1 ? '' : 's'}, the header has ${names.length}${short ? ')' : ''}`);
    }
    const label = r.fields[l].trim();
    if (!label) throw new DataFileError(`${path}:${r.line}: the row has no ${labelColumn}`);
    out.push({ text: r.fields[t], label, line: r.line });
  }
  if (!out.length) throw new DataFileError(`${path}: no rows after the header`);
  return out;
}
