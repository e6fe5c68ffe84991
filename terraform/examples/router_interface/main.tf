# A subnet joined to a router.

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
  cidr       = "10.214.3.0/24"
}

resource "stratus_router" "router" {
  name        = "${var.prefix}-router"
  description = "step ${var.step}"
}

resource "stratus_router_interface" "example" {
  router_id = stratus_router.router.id
  subnet_id = stratus_subnet.subnet.id
}
