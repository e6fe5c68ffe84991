// Key pairs: create (the private key is shown once, to copy or download),
// import a public key, delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { compute, unwrap } from "../api/client";
import { keypairsQuery, type Keypair } from "../api/queries";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import { Modal } from "../components/Modal";
import { download } from "../format";

/** Nova's key pair names: letters, digits, spaces, `_`, `-`, `.`, `@`. */
export function keyNameProblem(name: string): string | null {
  if (!name.trim()) return "A name is required.";
  if (name.length > 255) return "At most 255 characters.";
  if (!/^[A-Za-z0-9 _\-.@]+$/.test(name)) return "Use letters, digits, spaces and _ - . @ only.";
  return null;
}

export function KeyPairs() {
  const qc = useQueryClient();
  const keys = useQuery(keypairsQuery());
  const [mode, setMode] = useState<"create" | "import" | null>(null);
  const del = useMutation({
    mutationFn: (name: string) => unwrap(compute.DELETE("/v2.1/os-keypairs/{name}", { params: { path: { name } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["compute", "keypairs"] }),
  });
  const columns: Column<Keypair>[] = [
    { header: "Name", cell: (k) => k.name, sort: (k) => k.name.toLowerCase() },
    { header: "Fingerprint", cell: (k) => <code>{k.fingerprint}</code> },
    {
      header: "Actions",
      cell: (k) => (
        <button type="button" className="danger" onClick={() => del.mutate(k.name)} aria-label={`Delete key pair ${k.name}`}>
          Delete
        </button>
      ),
    },
  ];
  return (
    <section>
      <div className="page-head">
        <h1>Key pairs</h1>
        <button type="button" className="primary" onClick={() => setMode("create")}>
          Create key pair
        </button>
        <button type="button" onClick={() => setMode("import")}>
          Import public key
        </button>
      </div>
      <ErrorNote error={keys.error ?? del.error} />
      <DataTable label="Key pairs" rows={keys.data ?? []} columns={columns} rowKey={(k) => k.name} search={(k) => k.name} empty="No key pairs yet." />
      {mode && <NewKey mode={mode} onClose={() => setMode(null)} />}
    </section>
  );
}

function NewKey({ mode, onClose }: { mode: "create" | "import"; onClose: () => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [publicKey, setPublicKey] = useState("");
  const [tried, setTried] = useState(false);
  const [made, setMade] = useState<Keypair | null>(null);
  const problem = keyNameProblem(name) ?? (mode === "import" && !publicKey.trim() ? "Paste the public key." : null);
  const go = useMutation({
    mutationFn: async () =>
      (
        await unwrap(
          compute.POST("/v2.1/os-keypairs", {
            body: { keypair: { name: name.trim(), ...(mode === "import" ? { public_key: publicKey.trim() } : {}) } },
          }),
        )
      ).keypair,
    onSuccess: (k) => {
      qc.invalidateQueries({ queryKey: ["compute", "keypairs"] });
      if (k.private_key) setMade(k);
      else onClose();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (!problem) go.mutate();
  };
  if (made?.private_key) {
    return (
      <Modal title="Save your private key" open onClose={onClose}>
        <p role="alert">This is the only time the private key is shown. Save it now.</p>
        <pre className="key" aria-label="Private key" tabIndex={0}>
          {made.private_key}
        </pre>
        <div className="form-actions">
          <button type="button" onClick={() => download(`${made.name}.pem`, made.private_key ?? "", "application/x-pem-file")}>
            Download {made.name}.pem
          </button>
          <button type="button" className="primary" onClick={onClose}>
            I have saved it
          </button>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title={mode === "create" ? "Create key pair" : "Import public key"} open onClose={onClose}>
      <form onSubmit={submit} noValidate className="form">
        <Field label="Key pair name" error={tried ? keyNameProblem(name) : null}>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        {mode === "import" && (
          <Field label="Public key" hint="ssh-ed25519 AAAA… or ssh-rsa AAAA…" error={tried && !publicKey.trim() ? "Paste the public key." : null}>
            <textarea rows={4} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} />
          </Field>
        )}
        <ErrorNote error={go.error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={go.isPending}>
            {mode === "create" ? "Create" : "Import"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
