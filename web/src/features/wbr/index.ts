export { WbrReport } from "./components/wbr-report";
export { wbrKeys } from "./api/post-wbr";
