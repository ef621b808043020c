export { categoryListKey, useCategoryList, readCategoryList, type CategoryList } from "./api/get-category-list";
export { FilterBar, regionLabel, windowLabel } from "./components/filter-bar";
export { useReportSelection } from "./hooks/use-report-selection";
