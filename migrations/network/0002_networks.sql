-- Networks and their segments (one per network: flat, vlan or vxlan). A
-- segment is used once: a VNI once, a VLAN id once per physical network, a
-- physical network once as flat.
CREATE TABLE networks (
    id               text        PRIMARY KEY,
    project_id       text        NOT NULL,
    name             text        NOT NULL DEFAULT '',
    description      text        NOT NULL DEFAULT '',
    admin_state_up   boolean     NOT NULL DEFAULT true,
    shared           boolean     NOT NULL DEFAULT false,
    external         boolean     NOT NULL DEFAULT false,
    network_type     text        NOT NULL CHECK (network_type IN ('flat', 'vlan', 'vxlan')),
    physical_network text,
    segmentation_id  integer,
    mtu              integer     NOT NULL,
    port_security_enabled boolean NOT NULL DEFAULT true,
    revision_number  integer     NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX networks_vxlan_segment ON networks (segmentation_id) WHERE network_type = 'vxlan';
CREATE UNIQUE INDEX networks_vlan_segment ON networks (physical_network, segmentation_id) WHERE network_type = 'vlan';
CREATE UNIQUE INDEX networks_flat_segment ON networks (physical_network) WHERE network_type = 'flat';
CREATE INDEX networks_project ON networks (project_id);
