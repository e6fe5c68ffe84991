// Launch an instance: image, flavor, networks, key pair, security groups,
// user data, and optionally a volume to boot from, validated before the
// request and with the API's own message when it refuses.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { compute, unwrap, type Compute } from "../api/client";
import { flavorsQuery, imagesQuery, keypairsQuery, networksQuery, securityGroupsQuery } from "../api/queries";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";

type Create = Compute["schemas"]["ServerCreate"];

export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export interface LaunchForm {
  name: string;
  image: string;
  flavor: string;
  networks: string[];
  keyName: string;
  groups: string[];
  userData: string;
  bootVolumeGb: string;
}

/** What is wrong with the form, by field; empty when it may be sent. */
export function validateLaunch(f: LaunchForm, networkCount: number): Partial<Record<keyof LaunchForm, string>> {
  const e: Partial<Record<keyof LaunchForm, string>> = {};
  if (!f.name.trim()) e.name = "A name is required.";
  else if (f.name.length > 255) e.name = "At most 255 characters.";
  if (!f.image) e.image = "Choose an image.";
  if (!f.flavor) e.flavor = "Choose a flavor.";
  if (networkCount > 1 && f.networks.length === 0) e.networks = "Choose at least one network.";
  if (f.bootVolumeGb) {
    const n = Number(f.bootVolumeGb);
    if (!Number.isInteger(n) || n < 1 || n > 16384) e.bootVolumeGb = "A whole number of GB from 1 to 16384.";
  }
  if (f.userData.length > 65535) e.userData = "User data is limited to 64 KiB.";
  return e;
}

export function launchBody(f: LaunchForm): Create {
  const body: Create = {
    name: f.name.trim(),
    flavorRef: f.flavor,
    ...(f.networks.length ? { networks: f.networks.map((uuid) => ({ uuid })) } : {}),
    ...(f.keyName ? { key_name: f.keyName } : {}),
    ...(f.groups.length ? { security_groups: f.groups.map((name) => ({ name })) } : {}),
    ...(f.userData ? { user_data: toBase64(f.userData) } : {}),
  };
  if (f.bootVolumeGb) {
    body.block_device_mapping_v2 = [
      {
        boot_index: 0,
        uuid: f.image,
        source_type: "image",
        destination_type: "volume",
        volume_size: Number(f.bootVolumeGb),
        delete_on_termination: true,
      },
    ];
  } else {
    body.imageRef = f.image;
  }
  return body;
}

export function LaunchInstance() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const images = useQuery(imagesQuery());
  const flavors = useQuery(flavorsQuery());
  const networks = useQuery(networksQuery());
  const keypairs = useQuery(keypairsQuery());
  const groups = useQuery(securityGroupsQuery());
  const [f, setF] = useState<LaunchForm>({
    name: "",
    image: "",
    flavor: "",
    networks: [],
    keyName: "",
    groups: [],
    userData: "",
    bootVolumeGb: "",
  });
  const [tried, setTried] = useState(false);
  const usable = useMemo(() => (networks.data ?? []).filter((n) => !n["router:external"]), [networks.data]);
  const errors = validateLaunch(f, usable.length);
  const set = <K extends keyof LaunchForm>(k: K, v: LaunchForm[K]) => setF((x) => ({ ...x, [k]: v }));
  const toggle = (k: "networks" | "groups", v: string) =>
    setF((x) => ({ ...x, [k]: x[k].includes(v) ? x[k].filter((y) => y !== v) : [...x[k], v] }));
  const go = useMutation({
    mutationFn: () => unwrap(compute.POST("/v2.1/servers", { body: { server: launchBody(f) } })),
    onSuccess: (r) => {
      qc.invalidateQueries({ queryKey: ["compute", "servers"] });
      navigate("server" in r ? `/instances/${r.server.id}` : "/instances");
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(errors).length === 0) go.mutate();
  };
  const err = (k: keyof LaunchForm) => (tried ? errors[k] : undefined);
  return (
    <section>
      <p className="crumbs">
        <Link to="/instances">Instances</Link> /
      </p>
      <h1>Launch instance</h1>
      <form onSubmit={submit} className="form" noValidate aria-label="Launch instance">
        <Field label="Name" error={err("name")}>
          <input value={f.name} onChange={(e) => set("name", e.target.value)} />
        </Field>
        <Field label="Image" error={err("image")}>
          <select value={f.image} onChange={(e) => set("image", e.target.value)}>
            <option value="">Choose…</option>
            {(images.data ?? [])
              .filter((i) => i.status === "active")
              .map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name ?? i.id}
                </option>
              ))}
          </select>
        </Field>
        <Field label="Flavor" error={err("flavor")}>
          <select value={f.flavor} onChange={(e) => set("flavor", e.target.value)}>
            <option value="">Choose…</option>
            {(flavors.data ?? []).map((x) => (
              <option key={x.id} value={x.id}>
                {x.name} — {x.vcpus} vCPU, {x.ram} MiB RAM, {x.disk} GB disk
              </option>
            ))}
          </select>
        </Field>
        <fieldset aria-describedby={err("networks") ? "net-err" : undefined}>
          <legend>Networks</legend>
          {usable.length === 0 && <p className="hint">No networks yet: the instance gets none.</p>}
          {usable.map((n) => (
            <label key={n.id} className="inline">
              <input type="checkbox" checked={f.networks.includes(n.id)} onChange={() => toggle("networks", n.id)} /> {n.name || n.id}
            </label>
          ))}
          {err("networks") && (
            <small id="net-err" className="field-error" role="alert">
              {err("networks")}
            </small>
          )}
        </fieldset>
        <Field label="Key pair">
          <select value={f.keyName} onChange={(e) => set("keyName", e.target.value)}>
            <option value="">None</option>
            {(keypairs.data ?? []).map((k) => (
              <option key={k.name}>{k.name}</option>
            ))}
          </select>
        </Field>
        <fieldset>
          <legend>Security groups</legend>
          {(groups.data ?? []).map((g) => (
            <label key={g.id} className="inline">
              <input type="checkbox" checked={f.groups.includes(g.name)} onChange={() => toggle("groups", g.name)} /> {g.name}
            </label>
          ))}
        </fieldset>
        <Field label="Boot from a new volume (GB)" hint="Empty: boot from the image on local disk" error={err("bootVolumeGb")}>
          <input inputMode="numeric" value={f.bootVolumeGb} onChange={(e) => set("bootVolumeGb", e.target.value)} />
        </Field>
        <Field label="User data" hint="cloud-init or a script, sent base64-encoded" error={err("userData")}>
          <textarea rows={5} value={f.userData} onChange={(e) => set("userData", e.target.value)} />
        </Field>
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <Link className="button" to="/instances">
            Cancel
          </Link>
          <button type="submit" className="primary" disabled={go.isPending}>
            {go.isPending ? "Launching…" : "Launch"}
          </button>
        </div>
      </form>
    </section>
  );
}
