-- Where volumes are attached: one row per attachment (Nova's legacy
-- reserve / initialize_connection / attach / detach flow).
CREATE TABLE volume_attachments (
    id            text        PRIMARY KEY,
    volume_id     text        NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,
    instance_uuid text,
    host_name     text,
    mountpoint    text,
    attach_mode   text        NOT NULL DEFAULT 'rw' CHECK (attach_mode IN ('rw', 'ro')),
    attached_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volume_attachments_volume ON volume_attachments (volume_id);
