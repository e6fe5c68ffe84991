# A port with a fixed address and a security group.

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

resource "stratus_network" "net" {
  name = "${var.prefix}-net"
}

resource "stratus_subnet" "subnet" {
  name       = "${var.prefix}-subnet"
  network_id = stratus_network.net.id
  cidr       = "10.214.4.0/24"
}

resource "stratus_security_group" "group" {
  name = "${var.prefix}-group"
}

resource "stratus_port" "example" {
  name               = "${var.prefix}-port"
  description        = "step ${var.step}"
  network_id         = stratus_network.net.id
  security_group_ids = [stratus_security_group.group.id]
  fixed_ip {
    subnet_id  = stratus_subnet.subnet.id
    ip_address = "10.214.4.10"
  }
}
