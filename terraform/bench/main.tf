# The plan benchmark's stack: `count_each` networks, each with a subnet and
# two ports (4 x count_each resources; 200 with the default, within the
# default quotas).

terraform {
  required_providers {
    stratus = { source = "stratus/stratus" }
  }
}

provider "stratus" {}

variable "prefix" {
  type    = string
  default = "bench"
}

variable "count_each" {
  type    = number
  default = 50
}

resource "stratus_network" "net" {
  count = var.count_each
  name  = "${var.prefix}-net-${count.index}"
}

resource "stratus_subnet" "subnet" {
  count      = var.count_each
  name       = "${var.prefix}-subnet-${count.index}"
  network_id = stratus_network.net[count.index].id
  cidr       = "10.215.${count.index}.0/24"
}

resource "stratus_port" "a" {
  count      = var.count_each
  name       = "${var.prefix}-a-${count.index}"
  network_id = stratus_subnet.subnet[count.index].network_id
}

resource "stratus_port" "b" {
  count      = var.count_each
  name       = "${var.prefix}-b-${count.index}"
  network_id = stratus_subnet.subnet[count.index].network_id
}
