// Placeholders in the shape of what is loading, so the page does not jump when it arrives.
export function Skeleton({ width, height = "1em", className = "" }: { width?: string; height?: string; className?: string }) {
  return <span className={`skeleton ${className}`} style={{ width, height }} aria-hidden="true" />;
}

export function SkeletonBlock({ lines = 3, label }: { lines?: number; label: string }) {
  return (
    <div className="skeleton-block" role="status" aria-live="polite">
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} width={`${90 - ((i * 17) % 40)}%`} height="0.9em" />
      ))}
    </div>
  );
}
