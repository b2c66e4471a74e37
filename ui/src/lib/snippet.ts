// Search snippets: the core marks the matched words between `**` and `**`. The text is
// the OCR of letters, so it is never handed to innerHTML: it is cut into plain and
// marked parts, and the screen builds a text node or a <mark> for each.

export interface SnippetPart {
  text: string;
  mark: boolean;
}

/**
 * Cuts a snippet into plain and marked parts, in order. Adjacent parts of the same kind
 * are joined and empty parts dropped. An opening `**` left without its closing one is
 * not a mark: it is kept as written, in plain text.
 */
export function parseSnippet(snippet: string): SnippetPart[] {
  const pieces = snippet.split("**");
  // pieces[odd] are between markers; with an even count of pieces the last marker is unclosed.
  const unclosed = pieces.length % 2 === 0;
  const parts: SnippetPart[] = [];
  const push = (text: string, mark: boolean) => {
    if (text === "") return;
    const last = parts[parts.length - 1];
    if (last && last.mark === mark) last.text += text;
    else parts.push({ text, mark });
  };
  pieces.forEach((piece, i) => {
    const isLast = i === pieces.length - 1;
    if (unclosed && isLast) {
      push(`**${piece}`, false);
    } else {
      push(piece, i % 2 === 1);
    }
  });
  return parts;
}

/** The snippet as plain text, markers removed (for labels and tests). */
export function snippetText(snippet: string): string {
  return parseSnippet(snippet)
    .map((p) => p.text)
    .join("");
}

/** Appends the snippet to `parent` as text nodes and <mark> elements (no HTML parsing). */
export function appendSnippet(parent: Node, snippet: string, doc: Document = document): void {
  for (const part of parseSnippet(snippet)) {
    if (part.mark) {
      const mark = doc.createElement("mark");
      mark.textContent = part.text;
      parent.appendChild(mark);
    } else {
      parent.appendChild(doc.createTextNode(part.text));
    }
  }
}
