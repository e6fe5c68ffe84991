-- Routers (an external gateway with SNAT, interfaces on subnets: their ports
-- have device_owner network:router_gateway / network:router_interface and
-- device_id the router) and floating IPs (an address of an external
-- network held by a port with device_owner network:floatingip, mapped to a
-- port's fixed address).
CREATE TABLE routers (
    id                  text        PRIMARY KEY,
    project_id          text        NOT NULL,
    name                text        NOT NULL DEFAULT '',
    description         text        NOT NULL DEFAULT '',
    admin_state_up      boolean     NOT NULL DEFAULT true,
    gateway_network_id  text        REFERENCES networks (id),
    enable_snat         boolean     NOT NULL DEFAULT true,
    revision_number     integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE floating_ips (
    id                  text        PRIMARY KEY,
    project_id          text        NOT NULL,
    floating_network_id text        NOT NULL REFERENCES networks (id),
    floating_port_id    text        NOT NULL REFERENCES ports (id),
    floating_ip_address text        NOT NULL,
    port_id             text        REFERENCES ports (id) ON DELETE SET NULL,
    fixed_ip_address    text,
    router_id           text        REFERENCES routers (id),
    description         text        NOT NULL DEFAULT '',
    revision_number     integer     NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX floating_ips_fixed ON floating_ips (port_id, fixed_ip_address) WHERE port_id IS NOT NULL;
