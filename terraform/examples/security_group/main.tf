# A security group without the default egress rules.

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

resource "stratus_security_group" "example" {
  name                 = "${var.prefix}-group"
  description          = "step ${var.step}"
  delete_default_rules = true
}
