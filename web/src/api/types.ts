// The backend's request and response types, generated from its OpenAPI document (src/api/generated/schema.ts,
// `npm run gen:api`). The report's inner shapes, which the OpenAPI document leaves open, are in contract.ts.
import type { components } from "./generated/schema";

type Schemas = components["schemas"];

export type ApiUser = Schemas["User"];
export type ApiDevUsers = Schemas["DevUsers"];
export type ApiCategoryList = Schemas["CategoryList"];
export type ApiWbrRequest = Schemas["WbrRequest"];
export type ApiReportMeta = Schemas["ReportMeta"];
export type ApiFeedbackRequest = Schemas["FeedbackRequest"];
export type ApiFeedbackCreated = Schemas["FeedbackCreated"];
export type ApiUsage = Schemas["Usage"];
export type ApiUsageAccount = Schemas["UsageAccount"];
export type ApiSignedOut = Schemas["SignedOut"];
export type ApiError = Schemas["Error"];
