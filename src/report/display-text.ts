import { mapStrings, redactUrlCredentials } from '../result/redaction.js';

/**
 * Text that came from input (a scenario's name, a key, a trace line, a matrix value, a file name) as it
 * may be shown. Control characters would act on whoever reads it: ESC starts terminal sequences (colours,
 * clearing the screen, a window title, fake log lines), CR and LF forge lines, C1 controls are ESC's
 * one-byte forms, and the bidirectional overrides reorder what is seen. Each becomes a visible escape —
 * `\x1b`, `\n`, `\u{202e}` — so the text reads as what it is; everything else is left alone.
 */

// C0 and DEL, C1, zero-width and bidirectional formatting characters, line and paragraph separators, BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** How long an echo of input may be in a message: enough to recognise it, never a whole file. */
export const MAX_ECHO_CHARS = 200;

/** `text` with every control or invisible formatting character written as an escape. */
export function escapeControlCharacters(text: string): string {
  return text.replace(INVISIBLE, (char) => {
    const named = NAMED[char];
    if (named !== undefined) return named;
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Input echoed in a message: escaped, and cut to `max` characters (with "…") so a line never becomes a file. */
export function echoInput(text: string, max = MAX_ECHO_CHARS): string {
  const escaped = escapeControlCharacters(text);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/**
 * A message for the terminal: each line escaped (the message's own line breaks stay), and each line cut
 * at `maxLine` characters so no echo of input can flood the screen.
 */
export function displayMessage(message: string, maxLine = 2_000): string {
  return message
    .split('\n')
    .map((line) => echoInput(line, maxLine))
    .join('\n');
}

/**
 * A result (or a comparison, an analysis) as the reporters show it: every string in it — run and
 * scenario names, matrix keys and values, threshold expressions, trace paths and keys — with its control
 * characters escaped and its URL passwords masked. Each reporter's entry point calls this once, so no
 * table, page or file it writes can carry either.
 */
export function displayedInput<T>(value: T): T {
  return mapStrings(value, (text) => escapeControlCharacters(redactUrlCredentials(text))) as T;
}
