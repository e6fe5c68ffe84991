# Rules: SSH in from anywhere, anything in from the group itself.

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

resource "stratus_security_group" "group" {
  name        = "${var.prefix}-group"
  description = "step ${var.step}"
}

resource "stratus_security_group_rule" "example" {
  security_group_id = stratus_security_group.group.id
  direction         = "ingress"
  protocol          = "tcp"
  port_range_min    = 22
  port_range_max    = 22
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "stratus_security_group_rule" "from_group" {
  security_group_id = stratus_security_group.group.id
  direction         = "ingress"
  remote_group_id   = stratus_security_group.group.id
}
