# A volume; a larger `size` extends it in place.

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

resource "stratus_volume" "example" {
  name        = "${var.prefix}-volume"
  description = "step ${var.step}"
  size        = var.step
  metadata = {
    purpose = "example"
  }
}
