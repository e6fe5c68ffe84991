# A subnet with DHCP, DNS servers and a pool.

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

resource "stratus_subnet" "example" {
  name            = "${var.prefix}-subnet"
  description     = "step ${var.step}"
  network_id      = stratus_network.net.id
  cidr            = "10.214.1.0/24"
  dns_nameservers = ["10.214.1.2"]
  allocation_pools = [
    { start = "10.214.1.100", end = "10.214.1.200" },
  ]
}
