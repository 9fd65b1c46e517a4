const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * escapeHtml makes any text safe as HTML text or as a double- or single-quoted attribute value.
 * Every string the HTML report takes from a result (labels, metric keys, error messages, stacks)
 * passes through it, so a result can never inject markup or a script into the page.
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
