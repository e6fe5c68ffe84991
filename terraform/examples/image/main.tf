# An image uploaded from a local file; its MD5 is checked, and a changed
# file replaces it.

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

resource "stratus_image" "example" {
  name             = "${var.prefix}-kernel-${var.step}"
  local_file_path  = "${var.guest_dir}/vmlinuz"
  disk_format      = "aki"
  container_format = "aki"
  min_ram          = 64
}
