# A floating IP from the external network.

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

resource "stratus_floating_ip" "example" {
  pool        = data.stratus_network.public.id
  description = "step ${var.step}"
}
