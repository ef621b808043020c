export { UsagePage } from "./components/usage-page";
export { usageKey } from "./api/get-usage";
