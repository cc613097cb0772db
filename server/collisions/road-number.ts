/**
 * The road number people use ("M55", "A601(M)", "A6", "B5269") from DfT's road class code and road
 * number. DfT road classes: 1 Motorway, 2 A(M), 3 A, 4 B, 5 C, 6 Unclassified. C roads and
 * unclassified roads carry no published number (DfT records 0), so they give null, as do missing
 * values (-1 or null) and a number of 0.
 */
export function roadNumber(roadClass: number | null | undefined, number: number | null | undefined): string | null {
  if (roadClass == null || number == null || !Number.isInteger(number) || number <= 0) return null;
  switch (roadClass) {
    case 1:
      return `M${number}`;
    case 2:
      return `A${number}(M)`;
    case 3:
      return `A${number}`;
    case 4:
      return `B${number}`;
    case 5:
      return `C${number}`;
    default:
      return null;
  }
}
