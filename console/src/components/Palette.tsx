// The quick-action palette (ctrl+k or ⌘k): go to any panel, or to any
// instance, network, volume, image or router by name or id. Arrow keys
// choose, Enter goes, Escape closes.
import { useQueries } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { imagesQuery, networksQuery, routersQuery, serversQuery, volumesQuery } from "../api/queries";
import { useSession } from "../session";
import { ADMIN_NAV, PROJECT_NAV } from "./Layout";

export interface Target {
  label: string;
  hint: string;
  href: string;
}

/** The targets matching `query`: every word must appear in the label,
 * hint or id; panels first, then resources, at most 50. */
export function matches(targets: Target[], query: string): Target[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return targets.slice(0, 50);
  return targets.filter((t) => words.every((w) => `${t.label} ${t.hint} ${t.href}`.toLowerCase().includes(w))).slice(0, 50);
}

export function Palette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <>
      <button type="button" className="ghost palette-hint" onClick={() => setOpen(true)} aria-keyshortcuts="Control+K">
        Go to… <kbd>Ctrl K</kbd>
      </button>
      {open && <PaletteDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function PaletteDialog({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const navigate = useNavigate();
  const ref = useRef<HTMLDialogElement>(null);
  const [query, setQuery] = useState("");
  const [selected, setSelected] = useState(0);
  const [servers, networks, volumes, images, routers] = useQueries({
    queries: [serversQuery(), networksQuery(), volumesQuery(session.project.id), imagesQuery(), routersQuery()],
  });
  useEffect(() => {
    ref.current?.showModal?.();
  }, []);
  const targets = useMemo(() => {
    const t: Target[] = [...PROJECT_NAV, ...(session.admin ? ADMIN_NAV : [])].map(([href, label]) => ({ label, hint: "panel", href }));
    for (const s of servers.data ?? []) t.push({ label: s.name || s.id, hint: `instance ${s.id}`, href: `/instances/${s.id}` });
    for (const n of networks.data ?? []) t.push({ label: n.name || n.id, hint: `network ${n.id}`, href: `/networks/${n.id}` });
    for (const v of volumes.data ?? []) t.push({ label: v.name || v.id, hint: `volume ${v.id}`, href: `/volumes?q=${v.id}` });
    for (const i of images.data ?? []) t.push({ label: i.name ?? i.id, hint: `image ${i.id}`, href: `/images?q=${i.id}` });
    for (const r of routers.data ?? []) t.push({ label: r.name || r.id, hint: `router ${r.id}`, href: "/routers" });
    return t;
  }, [session.admin, servers.data, networks.data, volumes.data, images.data, routers.data]);
  const shown = matches(targets, query);
  const go = (t?: Target) => {
    if (!t) return;
    onClose();
    navigate(t.href);
  };
  return (
    <dialog ref={ref} className="modal palette" aria-label="Go to" onClose={onClose}>
      <input
        autoFocus
        type="search"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        aria-activedescendant={shown[selected] ? `palette-${selected}` : undefined}
        aria-label="Go to a panel or resource"
        placeholder="Type a name or id…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setSelected(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setSelected((i) => Math.min(i + 1, shown.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setSelected((i) => Math.max(i - 1, 0));
          } else if (e.key === "Enter") {
            e.preventDefault();
            go(shown[selected]);
          }
        }}
      />
      <ul id="palette-list" role="listbox" aria-label="Matches">
        {shown.map((t, i) => (
          <li
            key={`${t.href}-${t.hint}`}
            id={`palette-${i}`}
            role="option"
            aria-selected={i === selected}
            onMouseEnter={() => setSelected(i)}
            onClick={() => go(t)}
          >
            <span>{t.label}</span> <span className="muted">{t.hint}</span>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">Nothing matches.</li>}
      </ul>
    </dialog>
  );
}
