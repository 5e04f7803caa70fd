// Colour plus text for statuses and severities: the text carries the meaning, the colour only helps.
export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value}</span>;
}
