// A <select>'s choices from the catalogue: an empty first choice (« Choisir… », « Toutes »…),
// then one per direction or document type. Values are the codes.
import type { DirectionRow } from "../bindings/DirectionRow";
import type { DocumentTypeRow } from "../bindings/DocumentTypeRow";
import { directionLabel } from "../lib/format";

/** `<option>`s: `empty`, then the directions as « CODE — Nom ». */
export function DirectionOptions({ empty, directions }: { empty: string; directions: DirectionRow[] }) {
  return (
    <>
      <option value="">{empty}</option>
      {directions.map((d) => (
        <option key={d.code} value={d.code}>
          {directionLabel(d)}
        </option>
      ))}
    </>
  );
}

/** `<option>`s: `empty`, then the document types by name. */
export function DocumentTypeOptions({ empty, types }: { empty: string; types: DocumentTypeRow[] }) {
  return (
    <>
      <option value="">{empty}</option>
      {types.map((d) => (
        <option key={d.code} value={d.code}>
          {d.name}
        </option>
      ))}
    </>
  );
}
