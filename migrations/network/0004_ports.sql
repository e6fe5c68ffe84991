-- Ports: a MAC address each (never two alike), addresses from their
-- network's subnets through ip_allocations.
CREATE TABLE ports (
    id                    text        PRIMARY KEY,
    network_id            text        NOT NULL REFERENCES networks (id),
    project_id            text        NOT NULL,
    name                  text        NOT NULL DEFAULT '',
    description           text        NOT NULL DEFAULT '',
    mac_address           text        NOT NULL UNIQUE,
    admin_state_up        boolean     NOT NULL DEFAULT true,
    status                text        NOT NULL DEFAULT 'DOWN',
    device_owner          text        NOT NULL DEFAULT '',
    device_id             text        NOT NULL DEFAULT '',
    binding_host_id       text        NOT NULL DEFAULT '',
    port_security_enabled boolean     NOT NULL DEFAULT true,
    security_groups       jsonb       NOT NULL DEFAULT '[]',
    allowed_address_pairs jsonb       NOT NULL DEFAULT '[]',
    revision_number       integer     NOT NULL DEFAULT 1,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ports_network ON ports (network_id);
ALTER TABLE ip_allocations
    ADD CONSTRAINT ip_allocations_port FOREIGN KEY (port_id) REFERENCES ports (id) ON DELETE CASCADE;
CREATE INDEX ip_allocations_port ON ip_allocations (port_id);
