// Usage & credits: what the written summaries have cost this period and what is left, for the user and the team;
// leadership sees every team. Credits can never be overspent (the AI service reserves before each call).
import { csvFileName } from "@/lib/csv";
import { formatShare, formatValue } from "@/lib/format";
import { DataTable } from "@/lib/ui/data-table";
import { EmptyState } from "@/lib/ui/empty-state";
import { ErrorPanel } from "@/lib/ui/error-panel";
import { SkeletonBlock } from "@/lib/ui/skeleton";
import { useUsage, type UsageAccount } from "../api/get-usage";

const money = (micros: number | null | undefined, currency: string) =>
  formatValue(typeof micros === "number" ? micros / 1e6 : null, "currency", "currency2", { currency });

export function usedPct(a: UsageAccount): number | null {
  if (a.budget_micros === null || a.budget_micros <= 0) {
    return null;
  }
  return (a.spent_micros / a.budget_micros) * 100;
}

function AccountCard({ title, account, currency }: { title: string; account: UsageAccount; currency: string }) {
  const pct = usedPct(account);
  const low = pct !== null && pct >= 90;
  return (
    <section className="usage-card" aria-labelledby={`usage-${title}`} data-testid={`usage-${title.toLowerCase().replace(/\W+/g, "-")}`}>
      <h2 id={`usage-${title}`} className="usage-card__title">
        {title}
        {account.id ? <span className="muted"> · {account.id}</span> : null}
      </h2>
      <dl className="usage-card__figures">
        <div>
          <dt>Spent</dt>
          <dd>{money(account.spent_micros, currency)}</dd>
        </div>
        <div>
          <dt>Remaining</dt>
          <dd className={low ? "warn" : undefined}>
            {account.remaining_micros === null ? "No limit" : money(account.remaining_micros, currency)}
          </dd>
        </div>
        <div>
          <dt>Credits</dt>
          <dd>{account.budget_micros === null ? "No limit" : money(account.budget_micros, currency)}</dd>
        </div>
        {typeof account.calls === "number" ? (
          <div>
            <dt>Summaries written</dt>
            <dd>{formatValue(account.calls, "count", "count0")}</dd>
          </div>
        ) : null}
      </dl>
      {pct !== null ? (
        <div
          className="pacing__bar"
          role="meter"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(Math.min(100, pct))}
          aria-label={`${title}: credits used`}
        >
          <span className={`pacing__fill ${low ? "pacing__fill--over" : ""}`} style={{ width: `${Math.min(100, pct)}%` }} />
        </div>
      ) : null}
      {pct !== null ? (
        <p className={low ? "warn" : "muted"}>
          {low ? "! " : ""}
          {formatShare(pct)} of the credits used
        </p>
      ) : null}
    </section>
  );
}

export function UsagePage({ allTeams }: { allTeams: boolean }) {
  const usage = useUsage();
  if (usage.isPending) {
    return <SkeletonBlock lines={6} label="Loading usage…" />;
  }
  if (usage.isError) {
    return <ErrorPanel error={usage.error} onRetry={() => void usage.refetch()} />;
  }
  const { user, team, teams, currency, period } = usage.data;
  return (
    <div className="usage" data-testid="usage">
      {period ? <p className="muted">Period: {period}</p> : null}
      <div className="usage-cards">
        <AccountCard title="You" account={user} currency={currency} />
        {team ? <AccountCard title="Your team" account={team} currency={currency} /> : null}
      </div>
      {allTeams ? (
        <section className="panel" aria-labelledby="h-teams">
          <h2 id="h-teams" className="panel__title">
            All teams
          </h2>
          {teams && teams.length > 0 ? (
            <DataTable<UsageAccount>
              caption="Spend and credits by team"
              rows={teams}
              rowKey={(t) => t.id}
              csvFileName={csvFileName(["usage", "teams", period ?? ""])}
              testId="usage-teams"
              columns={[
                { key: "team", header: "Team", sortValue: (t) => t.id, render: (t) => t.id },
                {
                  key: "spent",
                  header: "Spent",
                  numeric: true,
                  sortValue: (t) => t.spent_micros,
                  render: (t) => money(t.spent_micros, currency),
                  csv: (t) => t.spent_micros / 1e6,
                },
                {
                  key: "remaining",
                  header: "Remaining",
                  numeric: true,
                  sortValue: (t) => t.remaining_micros,
                  render: (t) => (t.remaining_micros === null ? "No limit" : money(t.remaining_micros, currency)),
                  csv: (t) => (t.remaining_micros === null ? null : t.remaining_micros / 1e6),
                },
                {
                  key: "budget",
                  header: "Credits",
                  numeric: true,
                  sortValue: (t) => t.budget_micros,
                  render: (t) => (t.budget_micros === null ? "No limit" : money(t.budget_micros, currency)),
                  csv: (t) => (t.budget_micros === null ? null : t.budget_micros / 1e6),
                },
                {
                  key: "used",
                  header: "Used",
                  numeric: true,
                  sortValue: (t) => usedPct(t),
                  render: (t) => formatShare(usedPct(t)),
                },
              ]}
            />
          ) : (
            <EmptyState title="No team has used the AI summaries yet" />
          )}
        </section>
      ) : null}
    </div>
  );
}
