import { describe, expect, it } from "vitest";
import { waterfallSteps } from "./waterfall";

describe("waterfallSteps", () => {
  it("walks from previous to current through the largest contributors and an Other step", () => {
    const steps = waterfallSteps(
      100,
      130,
      [
        { label: "organic", value: 20 },
        { label: "paid", value: -8 },
        { label: "email", value: 12 },
        { label: "social", value: 6 },
      ],
      2,
    );
    expect(steps.map((s) => [s.label, s.value, s.from, s.to])).toEqual([
      ["Previous", 100, 0, 100],
      ["organic", 20, 100, 120],
      ["email", 12, 120, 132],
      ["Other", -2, 132, 130],
      ["Current", 130, 0, 130],
    ]);
  });

  it("has no Other step when the contributors explain the whole change", () => {
    const steps = waterfallSteps(10, 7, [
      { label: "a", value: -4 },
      { label: "b", value: 1 },
    ]);
    expect(steps.map((s) => s.kind)).toEqual(["start", "step", "step", "end"]);
  });

  it("ignores contributions that are not numbers", () => {
    const steps = waterfallSteps(10, 12, [
      { label: "a", value: Number.NaN },
      { label: "b", value: 2 },
    ]);
    expect(steps.map((s) => s.label)).toEqual(["Previous", "b", "Current"]);
  });
});
