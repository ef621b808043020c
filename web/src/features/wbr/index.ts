export { WbrReport } from "./components/wbr-report";
export { wbrKeys, wbrQueryOptions } from "./api/post-wbr";
