-- Compute hosts as their agents report them (inventory with each
-- heartbeat), with what claims have taken of them. `id` is the hypervisor's
-- and the service's id in the API.
CREATE TABLE compute_nodes (
    id                 bigserial   PRIMARY KEY,
    host               text        NOT NULL UNIQUE,
    availability_zone  text        NOT NULL,
    vcpus              integer     NOT NULL,
    memory_mb          bigint      NOT NULL,
    disk_gb            bigint      NOT NULL,
    hypervisor_type    text        NOT NULL,
    hypervisor_version bigint      NOT NULL,
    virt_type          text        NOT NULL,
    host_ip            text        NOT NULL,
    vcpus_used         integer     NOT NULL DEFAULT 0,
    memory_mb_used     bigint      NOT NULL DEFAULT 0,
    disk_gb_used       bigint      NOT NULL DEFAULT 0,
    running_vms        integer     NOT NULL DEFAULT 0,
    disabled           boolean     NOT NULL DEFAULT false,
    disabled_reason    text,
    last_seen          timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (vcpus_used >= 0 AND memory_mb_used >= 0 AND disk_gb_used >= 0 AND running_vms >= 0)
);
