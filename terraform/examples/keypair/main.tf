# A key pair: one generated (its private key in state, sensitive) and one
# imported from a public key.

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

resource "stratus_keypair" "example" {
  name = "${var.prefix}-key"
}

resource "stratus_keypair" "imported" {
  name       = "${var.prefix}-imported"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBN0aFbmy4Txr1z8Dm0wgLnsx4wTn2BP4DyEvA3kcOnu example"
}

output "private_key" {
  value     = stratus_keypair.example.private_key
  sensitive = true
}
