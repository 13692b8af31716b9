/**
 * Text that goes into an HTML page. Everything a result can carry — scenario and run names, matrix keys and
 * values, threshold expressions, trace paths — is user input, so it is escaped wherever it lands.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become `\u003c`,
 * `\u003e` and `\u0026` (the same string once parsed), so no value or key can close the tag (`</script>`)
 * or open a comment (`<!--`) that changes how the browser ends the script. U+2028 and U+2029 are escaped
 * too, for tools that still read the page as JavaScript. Non-finite numbers become null, as in the JSON result.
 */
export function jsonForScriptTag(value: unknown): string {
  const json = JSON.stringify(value, (_key, item) => (typeof item === 'number' && !Number.isFinite(item) ? null : item));
  return json.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
