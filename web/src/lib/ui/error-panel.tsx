// A failure said plainly: what happened (the server's own message), whether trying again can help, and the request
// id to quote to support. A refusal (403) is not an error of the page: it is shown as such, calmly.
import type { ReactNode } from "react";
import { isApiError } from "@/lib/api-client";

export interface ErrorPanelProps {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  children?: ReactNode;
}

export function errorMessage(error: unknown): string {
  if (isApiError(error)) {
    return error.message;
  }
  if (error instanceof Error && error.message !== "") {
    return error.message;
  }
  return "Something went wrong.";
}

export function ErrorPanel({ error, title, onRetry, children }: ErrorPanelProps) {
  const api = isApiError(error) ? error : null;
  const refused = api?.status === 403;
  const retryable = !api || api.status === 0 || api.status >= 500 || api.status === 429;
  const heading = title ?? (refused ? "You do not have access to this report" : "This could not be loaded");
  return (
    <div className={`notice ${refused ? "notice--refusal" : "notice--error"}`} role="alert">
      <p className="notice__title">{heading}</p>
      <p className="notice__body">{errorMessage(error)}</p>
      {children}
      <div className="notice__actions">
        {onRetry && retryable ? (
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        ) : null}
        {api?.requestId ? <span className="notice__ref">Reference: {api.requestId}</span> : null}
      </div>
    </div>
  );
}
