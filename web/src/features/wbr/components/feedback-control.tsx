// "Was this useful?" for a report or one finding: a rating, then an optional comment, stored by POST /feedback.
import { useId, useState } from "react";
import type { ReportSelection } from "@/api/contract";
import { errorMessage } from "@/lib/ui/error-panel";
import { useFeedback, type Rating } from "../api/post-feedback";

export function FeedbackControl({
  selection,
  snapshot,
  findingId = null,
  label,
}: {
  selection: ReportSelection;
  snapshot: string;
  findingId?: string | null;
  label: string;
}) {
  const [rating, setRating] = useState<Rating | null>(null);
  const [comment, setComment] = useState("");
  const [sent, setSent] = useState(false);
  const feedback = useFeedback();
  const commentId = useId();

  const send = (r: Rating, text: string) => {
    feedback.mutate(
      { selection, snapshot, findingId, rating: r, comment: text },
      { onSuccess: () => setSent(true) },
    );
  };

  if (sent) {
    return (
      <p className="feedback feedback--done no-print" role="status" data-testid="feedback-done">
        Thank you: your feedback is saved.
      </p>
    );
  }
  return (
    <div className="feedback no-print" role="group" aria-label={label}>
      <span className="feedback__q">Useful?</span>
      {(["useful", "not_useful"] as const).map((r) => (
        <button
          key={r}
          type="button"
          className={`button button--small ${rating === r ? "button--pressed" : ""}`}
          aria-pressed={rating === r}
          onClick={() => setRating(r)}
        >
          {r === "useful" ? "Useful" : "Not useful"}
        </button>
      ))}
      {rating ? (
        <form
          className="feedback__form"
          onSubmit={(e) => {
            e.preventDefault();
            send(rating, comment);
          }}
        >
          <label htmlFor={commentId} className="visually-hidden">
            Comment (optional)
          </label>
          <textarea
            id={commentId}
            className="input feedback__comment"
            rows={2}
            maxLength={2000}
            placeholder="What would make it better? (optional)"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          <button type="submit" className="button button--small button--primary" disabled={feedback.isPending}>
            {feedback.isPending ? "Sending…" : "Send feedback"}
          </button>
          {feedback.isError ? (
            <span className="feedback__error" role="alert">
              Not saved: {errorMessage(feedback.error)}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
