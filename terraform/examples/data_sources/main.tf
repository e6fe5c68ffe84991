# Every data source: the external network and its subnet, an image, the
# smallest flavor with 128 MiB, the caller's project and its default
# security group, and the zones.

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

variable "external_network" {
  type        = string
  default     = "public"
  description = "The external network's name."
}

data "stratus_network" "public" {
  name     = var.external_network
  external = true
}

variable "guest_dir" {
  type        = string
  description = "A boot kernel, its initrd and a qcow2 disk: vmlinuz, initrd.img, disk.qcow2."
}

resource "stratus_image" "kernel" {
  name             = "${var.prefix}-kernel"
  local_file_path  = "${var.guest_dir}/vmlinuz"
  disk_format      = "aki"
  container_format = "aki"
}

resource "stratus_flavor" "small" {
  name  = "${var.prefix}.small"
  ram   = 128
  vcpus = 1
  disk  = 1
}

data "stratus_subnet" "public" {
  network_id = data.stratus_network.public.id
  ip_version = 4
}

data "stratus_image" "kernel" {
  name       = stratus_image.kernel.name
  depends_on = [stratus_image.kernel]
}

data "stratus_flavor" "small" {
  min_ram    = 128
  depends_on = [stratus_flavor.small]
}

data "stratus_project" "mine" {}

data "stratus_security_group" "default" {
  name = "default"
}

data "stratus_availability_zones" "zones" {}

output "external_network_id" {
  value = data.stratus_network.public.id
}
output "external_cidr" {
  value = data.stratus_subnet.public.cidr
}
output "image_id" {
  value = data.stratus_image.kernel.id
}
output "image_checksum" {
  value = data.stratus_image.kernel.checksum
}
output "flavor_name" {
  value = data.stratus_flavor.small.name
}
output "project_name" {
  value = data.stratus_project.mine.name
}
output "default_group" {
  value = data.stratus_security_group.default.id
}
output "zones" {
  value = data.stratus_availability_zones.zones.names
}
