// POST /feedback: a user's rating (useful / not useful) and comment on a report or on one finding of it.
import { useMutation } from "@tanstack/react-query";
import type { ReportSelection } from "@/api/contract";
import type { ApiFeedbackCreated, ApiFeedbackRequest } from "@/api/types";
import { apiPost } from "@/lib/api-client";

export type Rating = "useful" | "not_useful";

export interface FeedbackInput {
  selection: ReportSelection;
  snapshot: string;
  findingId: string | null;
  rating: Rating;
  comment: string;
}

export type FeedbackBody = ApiFeedbackRequest;

export function feedbackBody(input: FeedbackInput): FeedbackBody {
  const body: FeedbackBody = {
    category: input.selection.category,
    region: input.selection.region,
    window: input.selection.window,
    week: input.selection.week,
    snapshot: input.snapshot,
    target: input.findingId ? "finding" : "report",
    rating: input.rating,
  };
  if (input.findingId) {
    body.finding_id = input.findingId;
  }
  const comment = input.comment.trim();
  if (comment !== "") {
    body.comment = comment;
  }
  return body;
}

export const feedbackKey = ["feedback"] as const;

export function postFeedback(input: FeedbackInput): Promise<ApiFeedbackCreated> {
  return apiPost<ApiFeedbackCreated>("/feedback", feedbackBody(input));
}

export function useFeedback() {
  return useMutation({ mutationKey: feedbackKey, mutationFn: postFeedback });
}
