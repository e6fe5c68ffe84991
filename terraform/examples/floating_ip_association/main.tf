# A floating IP on a port; `step` moves it to another port in place.

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

variable "external_network" {
  type        = string
  default     = "public"
  description = "The external network's name."
}

data "stratus_network" "public" {
  name     = var.external_network
  external = true
}

resource "stratus_network" "net" {
  name = "${var.prefix}-net"
}

resource "stratus_subnet" "subnet" {
  name       = "${var.prefix}-subnet"
  network_id = stratus_network.net.id
  cidr       = "10.214.9.0/24"
}

resource "stratus_router" "router" {
  name                = "${var.prefix}-router"
  external_network_id = data.stratus_network.public.id
}

resource "stratus_router_interface" "router_subnet" {
  router_id = stratus_router.router.id
  subnet_id = stratus_subnet.subnet.id
}

resource "stratus_port" "a" {
  name       = "${var.prefix}-a"
  network_id = stratus_network.net.id
  depends_on = [stratus_subnet.subnet]
}

resource "stratus_port" "b" {
  name       = "${var.prefix}-b"
  network_id = stratus_network.net.id
  depends_on = [stratus_subnet.subnet]
}

resource "stratus_floating_ip" "fip" {
  pool = data.stratus_network.public.id
}

resource "stratus_floating_ip_association" "example" {
  floating_ip = stratus_floating_ip.fip.address
  port_id     = var.step == 1 ? stratus_port.a.id : stratus_port.b.id
  depends_on  = [stratus_router_interface.router_subnet]
}
