import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { CapacityBar } from "../../src/components/CapacityBar";
import { DataTable } from "../../src/components/DataTable";
import { ErrorNote } from "../../src/components/ErrorNote";
import { StatusBadge, isTransitional } from "../../src/components/StatusBadge";

afterEach(cleanup);

describe("StatusBadge", () => {
  it("marks transitional states", () => {
    expect(isTransitional("BUILD")).toBe(true);
    expect(isTransitional("ACTIVE")).toBe(false);
    expect(isTransitional("ACTIVE", "rebooting")).toBe(true);
    expect(isTransitional("SHUTOFF")).toBe(false);
    render(<StatusBadge status="BUILD" taskState="spawning" />);
    const badge = screen.getByText(/BUILD/);
    expect(badge.className).toContain("busy");
    expect(badge.textContent).toBe("BUILD (spawning)");
  });
});

describe("CapacityBar", () => {
  it("shows used of total, and unlimited as ∞", () => {
    render(<CapacityBar label="vCPUs" used={3} total={8} />);
    const meter = screen.getByRole("meter", { name: "vCPUs" }) as HTMLMeterElement;
    expect(meter.value).toBe(3);
    expect(meter.max).toBe(8);
    expect(screen.getByText("3 / 8")).toBeTruthy();
    cleanup();
    render(<CapacityBar label="Ports" used={5} total={-1} />);
    expect(screen.getByText("5 / ∞")).toBeTruthy();
  });
});

describe("DataTable", () => {
  type Row = { id: string; name: string };
  const rows: Row[] = [
    { id: "1", name: "web" },
    { id: "2", name: "db" },
    { id: "3", name: "cache" },
  ];
  const columns = [{ header: "Name", cell: (r: Row) => r.name, sort: (r: Row) => r.name }];

  it("searches and sorts", () => {
    render(<DataTable label="Things" rows={rows} columns={columns} rowKey={(r) => r.id} search={(r) => r.name} />);
    const names = () => screen.getAllByRole("row").slice(1).map((r) => r.textContent);
    expect(names()).toEqual(["web", "db", "cache"]);
    fireEvent.click(screen.getByRole("button", { name: "Name" }));
    expect(names()).toEqual(["cache", "db", "web"]);
    fireEvent.click(screen.getByRole("button", { name: /Name/ }));
    expect(names()).toEqual(["web", "db", "cache"]);
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "DB" } });
    expect(names()).toEqual(["db"]);
    expect(screen.getByText("1 of 3")).toBeTruthy();
    fireEvent.change(screen.getByRole("searchbox"), { target: { value: "zzz" } });
    expect(names()).toEqual(["No match."]);
  });

  it("says so when empty", () => {
    render(<DataTable<Row> label="Things" rows={[]} columns={columns} rowKey={(r) => r.id} empty="No things yet." />);
    expect(screen.getByText("No things yet.")).toBeTruthy();
  });
});

describe("ErrorNote", () => {
  it("announces the API's message", () => {
    render(<ErrorNote error={new Error("Quota exceeded for instances")} />);
    expect(screen.getByRole("alert").textContent).toBe("Quota exceeded for instances");
  });
});
