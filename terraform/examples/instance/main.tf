# An instance from an image, with a key pair, user data and metadata;
# `step` 2 attaches a second network, changes the metadata and stops it,
# all in place.

terraform {
  required_providers {
    stratus = { source = "stratus/stratus" }
  }
}

# Configured by OS_CLOUD / OS_CLIENT_CONFIG_FILE (or the OS_* variables).
provider "stratus" {}

variable "prefix" {
  type    = string
  default = "example"
}

variable "step" {
  type        = number
  default     = 1
  description = "Change it to see an update in place."
}

variable "guest_dir" {
  type        = string
  description = "A boot kernel, its initrd and a qcow2 disk: vmlinuz, initrd.img, disk.qcow2."
}

variable "flavor" {
  type    = string
  default = "m1.tiny"
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
    kernel_id  = stratus_image.kernel.id
    ramdisk_id = stratus_image.ramdisk.id
  }
}

resource "stratus_network" "net" {
  name = "${var.prefix}-net"
}

resource "stratus_subnet" "subnet" {
  name       = "${var.prefix}-subnet"
  network_id = stratus_network.net.id
  cidr       = "10.214.14.0/24"
}

resource "stratus_network" "second" {
  name = "${var.prefix}-second"
}

resource "stratus_subnet" "second" {
  name       = "${var.prefix}-second"
  network_id = stratus_network.second.id
  cidr       = "10.214.15.0/24"
}

resource "stratus_keypair" "key" {
  name = "${var.prefix}-key"
}

resource "stratus_instance" "example" {
  name            = "${var.prefix}-server"
  image_id        = stratus_image.guest.id
  flavor_name     = var.flavor
  key_pair        = stratus_keypair.key.name
  security_groups = ["default"]
  network_ids     = var.step == 1 ? [stratus_network.net.id] : [stratus_network.net.id, stratus_network.second.id]
  user_data       = "#!/bin/sh\necho hello\n"
  metadata = {
    role = "example"
    step = var.step
  }
  power_state = var.step == 1 ? "active" : "shutoff"
  depends_on  = [stratus_subnet.subnet, stratus_subnet.second]
}
