# A small stack: a network behind a router with an external gateway, a
# security group with rules, a key pair, the test guest as an image, a
# volume, and two instances (one booted from a volume) with a floating IP
# and the volume attached.

terraform {
  required_providers {
    stratus = { source = "stratus/stratus" }
  }
}

# Configured by OS_CLOUD / OS_CLIENT_CONFIG_FILE (or the OS_* variables).
provider "stratus" {}

variable "prefix" {
  type    = string
  default = "stack"
}
variable "guest_dir" {
  type        = string
  description = "The test guest's files: vmlinuz, initrd.img, disk.qcow2."
}
variable "external_network" {
  type        = string
  default     = "public"
  description = "The external network's name (its router gateway and floating IPs)."
}
variable "flavor" {
  type    = string
  default = "m1.tiny"
}
variable "cidr" {
  type    = string
  default = "10.71.0.0/24"
}

data "stratus_network" "public" {
  name     = var.external_network
  external = true
}

resource "stratus_network" "net" {
  name = "${var.prefix}-net"
}

resource "stratus_subnet" "subnet" {
  name            = "${var.prefix}-subnet"
  network_id      = stratus_network.net.id
  cidr            = var.cidr
  dns_nameservers = [cidrhost(var.cidr, 2)]
}

resource "stratus_router" "router" {
  name                = "${var.prefix}-router"
  external_network_id = data.stratus_network.public.id
}

resource "stratus_router_interface" "router_subnet" {
  router_id = stratus_router.router.id
  subnet_id = stratus_subnet.subnet.id
}

resource "stratus_security_group" "web" {
  name                 = "${var.prefix}-web"
  description          = "ssh and http in, anything out"
  delete_default_rules = true
}

resource "stratus_security_group_rule" "ssh" {
  security_group_id = stratus_security_group.web.id
  direction         = "ingress"
  protocol          = "tcp"
  port_range_min    = 22
  port_range_max    = 22
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "stratus_security_group_rule" "http" {
  security_group_id = stratus_security_group.web.id
  direction         = "ingress"
  protocol          = "tcp"
  port_range_min    = 80
  port_range_max    = 80
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "stratus_security_group_rule" "egress" {
  security_group_id = stratus_security_group.web.id
  direction         = "egress"
}

resource "stratus_keypair" "key" {
  name = "${var.prefix}-key"
}

resource "stratus_image" "kernel" {
  name             = "${var.prefix}-kernel"
  local_file_path  = "${var.guest_dir}/vmlinuz"
  disk_format      = "aki"
  container_format = "aki"
}

resource "stratus_image" "ramdisk" {
  name             = "${var.prefix}-ramdisk"
  local_file_path  = "${var.guest_dir}/initrd.img"
  disk_format      = "ari"
  container_format = "ari"
}

resource "stratus_image" "guest" {
  name            = "${var.prefix}-guest"
  local_file_path = "${var.guest_dir}/disk.qcow2"
  disk_format     = "qcow2"
  properties = {
    kernel_id       = stratus_image.kernel.id
    ramdisk_id      = stratus_image.ramdisk.id
    os_command_line = "quiet"
  }
}

resource "stratus_volume" "data" {
  name = "${var.prefix}-data"
  size = 1
}

resource "stratus_volume" "boot" {
  name     = "${var.prefix}-boot"
  size     = 1
  image_id = stratus_image.guest.id
}

resource "stratus_instance" "web" {
  name            = "${var.prefix}-web"
  image_id        = stratus_image.guest.id
  flavor_name     = var.flavor
  key_pair        = stratus_keypair.key.name
  security_groups = [stratus_security_group.web.name, "default"]
  network_ids     = [stratus_network.net.id]
  user_data       = "#!/bin/sh\necho hello from ${var.prefix}\n"
  metadata = {
    role = "web"
  }
  depends_on = [stratus_router_interface.router_subnet]
}

resource "stratus_instance" "db" {
  name            = "${var.prefix}-db"
  boot_volume_id  = stratus_volume.boot.id
  flavor_name     = var.flavor
  security_groups = [stratus_security_group.web.id]
  network_ids     = [stratus_network.net.id]
  depends_on      = [stratus_router_interface.router_subnet]
}

resource "stratus_floating_ip" "web" {
  pool = data.stratus_network.public.id
}

resource "stratus_floating_ip_association" "web" {
  floating_ip = stratus_floating_ip.web.address
  port_id     = stratus_instance.web.all_ports[0]
}

resource "stratus_volume_attachment" "data" {
  instance_id = stratus_instance.db.id
  volume_id   = stratus_volume.data.id
}

output "web_address" {
  value = stratus_instance.web.access_ip_v4
}
output "db_address" {
  value = stratus_instance.db.access_ip_v4
}
output "floating_ip" {
  value = stratus_floating_ip.web.address
}
output "instance_ids" {
  value = [stratus_instance.web.id, stratus_instance.db.id]
}
